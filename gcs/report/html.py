"""HTML pieces of the report: the page, sections, tables, key/value lists. Pure string building.

Every text that comes from a session (journal reasons, platform names, STATUSTEXT) is escaped
here; only ``Raw`` content (the SVG the plot module made) goes in as it is. The page is one file
with its style inline: no scripts, no fonts, no links outside it, so it opens offline, in a mail
attachment, or years later. Knows nothing of sessions or plotting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True, slots=True)
class Raw:
    """Markup to insert as it is (trusted: made by this package)."""

    markup: str


Cell = str | Raw | float | int | None

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; margin: 0;
       background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 6px; padding-top: 8px; border-top: 1px solid #ddd; }
p.what { color: #555; margin: 2px 0 8px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 12.5px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
svg.plot { width: 100%; height: auto; display: block; margin: 6px 0; }
.pass { color: #1a7f37; font-weight: 600; } .fail { color: #c62828; font-weight: 600; }
.sev-advisory { color: #3b6ea8; } .sev-caution { color: #a86b00; }
.sev-warning { color: #c62828; font-weight: 600; } .sev-emergency { color: #7b0000; font-weight: 700; }
nav a { margin-right: 10px; font-size: 13px; }
.none { color: #888; font-style: italic; }
"""


def cell(value: Cell) -> str:
    if isinstance(value, Raw):
        return value.markup
    if value is None:
        return ""
    return escape(str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, numeric: Sequence[int] = ()) -> str:
    """A table; columns whose index is in ``numeric`` are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{cell(v)}</td>' if i in numeric else f"<td>{cell(v)}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return '<p class="none">none</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def facts(pairs: Iterable[tuple[str, Cell]]) -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{cell(v)}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def span(text: str, css_class: str) -> Raw:
    return Raw(f'<span class="{escape(css_class)}">{escape(text)}</span>')


@dataclass(frozen=True, slots=True)
class Section:
    anchor: str
    title: str
    what: str
    """One or two sentences: what the section shows and how to read it."""
    body: str

    def render(self) -> str:
        what = f'<p class="what">{escape(self.what)}</p>' if self.what else ""
        return f'<section id="{escape(self.anchor)}"><h2>{escape(self.title)}</h2>{what}{self.body}</section>'


def page(title: str, header: str, sections: Sequence[Section]) -> str:
    nav = "".join(f'<a href="#{escape(s.anchor)}">{escape(s.title)}</a>' for s in sections)
    body = "".join(s.render() for s in sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{header}<nav>{nav}</nav>{body}</main></body></html>\n"
    )
