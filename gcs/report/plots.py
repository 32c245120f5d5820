"""The report's plots as inline SVG: the one module that knows matplotlib.

Three kinds of figure, each from plain data (arrays, labels, colours) and each returned as an
``<svg>`` element ready to paste into HTML (no XML prolog, no scripts, no external references):

* ``time_plot``: stacked panels sharing a time axis, with phase bands and marked moments;
* ``map_plot``: east/north kilometres with equal scale: tracks, areas (corridors), points (platforms);
* ``countdown_plot``: the count time against session time with holds shaded, the milestones, the
  alerts as lanes of bars coloured by severity, and the commands as ticks.

matplotlib is used through ``Figure`` and the SVG backend only: no pyplot, no global figure state,
no display, so it runs headless and in threads. Text stays text in the SVG (``svg.fonttype:
none``: the browser draws it, and it is far smaller than glyph outlines), ids are salted by a
constant so the same data gives the same bytes, and paths are simplified to the pixel.
Callers thin their traces first (``gcs.report.series.decimate``). Knows nothing of sessions.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon
from matplotlib.typing import RcKeyType

from gcs.report.series import FloatArray

_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "seaport-gcs-report",
    "path.simplify": True,
    "path.simplify_threshold": 0.5,
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "legend.fontsize": 7.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_WIDTH_IN = 9.0
_MIN_LABELLED_BAND = 0.06
"""Bands narrower than this share of the time axis are drawn without their label."""
_COLOUR_PIECES = 32
"""A track coloured by time is drawn in this many pieces of one colour each."""
_PANEL_HEIGHT_IN = 2.0
_SVG_START = re.compile(r"<svg\b")
_PT_SIZE = re.compile(r'\s(width|height)="[0-9.]+pt"')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Trace:
    label: str
    t_s: FloatArray
    values: FloatArray
    color: str | None = None
    style: str = "-"
    step: bool = False
    """Draw as steps (a state that holds until the next sample: engine state, a flag)."""


@dataclass(frozen=True, slots=True)
class Panel:
    ylabel: str
    traces: tuple[Trace, ...]
    note: str = ""
    """Text in the panel's corner (a peak, a limit)."""


@dataclass(frozen=True, slots=True)
class Band:
    """A stretch of time shaded and labelled (a flight phase, a hold)."""

    start_s: float
    end_s: float
    label: str
    color: str


@dataclass(frozen=True, slots=True)
class Mark:
    """A moment drawn as a vertical line with its label (touchdown, a command)."""

    t_s: float
    label: str
    color: str = "#333333"


@dataclass(frozen=True, slots=True)
class MapLine:
    label: str
    east_km: FloatArray
    north_km: FloatArray
    color: str
    style: str = "-"
    width: float = 1.2
    colour_by: FloatArray | None = None
    """Colour the points by these values instead (time along an IIP track), with a colour bar."""
    colour_label: str = ""


@dataclass(frozen=True, slots=True)
class MapArea:
    label: str
    east_km: FloatArray
    north_km: FloatArray
    color: str
    alpha: float = 0.12


@dataclass(frozen=True, slots=True)
class MapPoint:
    label: str
    east_km: float
    north_km: float
    marker: str
    color: str
    annotate: bool = True
    """Write the label beside the marker too (else only in the legend)."""


@dataclass(frozen=True, slots=True)
class Lane:
    """One alert key's time up, as bars ``(start_s, end_s, colour)``."""

    label: str
    bars: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True, slots=True)
class CountdownFigure:
    count_t_s: FloatArray
    count_s: FloatArray
    holds: tuple[Band, ...] = ()
    events: tuple[Mark, ...] = ()
    lanes: tuple[Lane, ...] = ()
    commands: tuple[Mark, ...] = ()
    xlabel: str = "s"
    legend: tuple[tuple[str, str], ...] = field(default=())
    """``(label, colour)`` for the alert lanes' severities."""


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = _SVG_START.search(text)
    body = _METADATA.sub("", text[start.start() :] if start else text)  # RDF boilerplate: no use inline
    # Drop the fixed size in points: the page scales the plot to its column (the viewBox keeps the shape).
    head, _, rest = body.partition(">")
    return _PT_SIZE.sub("", head) + ' class="plot" role="img">' + rest


def _figure(panels: int, height_in: float | None = None) -> Figure:
    with matplotlib.rc_context(_RC):
        return Figure(figsize=(_WIDTH_IN, height_in or _PANEL_HEIGHT_IN * panels + 0.6), layout="constrained")


def time_plot(
    title: str,
    panels: Sequence[Panel],
    *,
    xlabel: str,
    bands: Sequence[Band] = (),
    marks: Sequence[Mark] = (),
    xlim: tuple[float, float] | None = None,
) -> str:
    """Stacked panels on one time axis; phase ``bands`` behind every panel, labelled on the top one."""
    figure = _figure(len(panels))
    with matplotlib.rc_context(_RC):
        axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        span = (
            (xlim[1] - xlim[0])
            if xlim is not None
            else max((b.end_s for b in bands), default=1.0) - min((b.start_s for b in bands), default=0.0)
        )
        for i, (ax, panel) in enumerate(zip(axes, panels, strict=True)):
            for band in bands:
                ax.axvspan(band.start_s, band.end_s, color=band.color, alpha=0.18, lw=0)
                # A label wider than its band would run into the next one's: short phases go unlabelled.
                if i == 0 and band.end_s - band.start_s > _MIN_LABELLED_BAND * span:
                    ax.text(
                        (band.start_s + band.end_s) / 2,
                        1.0,
                        band.label,
                        transform=ax.get_xaxis_transform(),
                        ha="center",
                        va="bottom",
                        fontsize=6.5,
                        color="#555555",
                        clip_on=False,
                    )
            for trace in panel.traces:
                if trace.step:
                    ax.step(
                        trace.t_s,
                        trace.values,
                        where="post",
                        label=trace.label,
                        color=trace.color,
                        lw=1.0,
                        ls=trace.style,
                    )
                else:
                    ax.plot(
                        trace.t_s, trace.values, label=trace.label, color=trace.color, lw=1.0, ls=trace.style
                    )
            for mark in marks:
                ax.axvline(mark.t_s, color=mark.color, lw=0.9, ls="--")
                if i == len(panels) - 1:
                    ax.text(
                        mark.t_s,
                        0.02,
                        f" {mark.label}",
                        transform=ax.get_xaxis_transform(),
                        rotation=90,
                        ha="left",
                        va="bottom",
                        fontsize=6.5,
                        color=mark.color,
                    )
            ax.set_ylabel(panel.ylabel)
            if len(panel.traces) > 1:
                ax.legend(loc="upper right", frameon=False, ncols=min(4, len(panel.traces)))
            if panel.note:
                ax.text(
                    0.005,
                    0.97,
                    panel.note,
                    transform=ax.transAxes,
                    ha="left",
                    va="top",
                    fontsize=7,
                    bbox={"facecolor": "white", "alpha": 0.7, "lw": 0},
                )
        if xlim is not None:
            axes[0].set_xlim(*xlim)
        axes[-1].set_xlabel(xlabel)
        figure.suptitle(title, x=0.01, ha="left", fontsize=10)
    return _svg(figure)


def map_plot(
    title: str,
    lines: Sequence[MapLine],
    *,
    points: Sequence[MapPoint] = (),
    areas: Sequence[MapArea] = (),
    focus: tuple[float, float, float, float] | None = None,
) -> str:
    """East/north kilometres at equal scale. ``focus`` (xmin, xmax, ymin, ymax) sets the view; areas
    reaching beyond it are cut at its edge."""
    figure = _figure(1, height_in=6.0)
    with matplotlib.rc_context(_RC):
        ax = figure.subplots()
        for area in areas:
            ax.add_patch(
                Polygon(
                    np.column_stack([area.east_km, area.north_km]),
                    closed=True,
                    facecolor=area.color,
                    alpha=area.alpha,
                    edgecolor=area.color,
                    lw=0.6,
                    label=area.label,
                )
            )
        for line in lines:
            if line.colour_by is not None and line.east_km.size:
                _coloured_line(figure, ax, line, line.colour_by)
            else:
                ax.plot(
                    line.east_km,
                    line.north_km,
                    color=line.color,
                    ls=line.style,
                    lw=line.width,
                    label=line.label,
                    zorder=2,
                )
        for point in points:
            ax.plot(
                [point.east_km],
                [point.north_km],
                marker=point.marker,
                color=point.color,
                ms=8,
                ls="none",
                label=point.label,
                zorder=4,
                markerfacecolor="none" if point.marker == "o" else None,
            )
            if not point.annotate:
                continue
            ax.annotate(
                point.label,
                (point.east_km, point.north_km),
                textcoords="offset points",
                xytext=(6, 6),
                fontsize=7,
                color=point.color,
            )
        ax.set_aspect("equal", adjustable="box")
        if focus is not None:
            xmin, xmax, ymin, ymax = focus
            ax.set_xlim(xmin, xmax)
            ax.set_ylim(ymin, ymax)
        ax.set_xlabel("east of the launch site (km)")
        ax.set_ylabel("north (km)")
        ax.legend(loc="best", frameon=True, framealpha=0.8)
        figure.suptitle(title, x=0.01, ha="left", fontsize=10)
    return _svg(figure)


def _coloured_line(figure: Figure, ax: Any, line: MapLine, values: FloatArray) -> None:
    """``line`` in a few pieces, each coloured by its mean of ``values``: a colour scale along a track
    for a few SVG paths, where one dot per point would cost an element each."""
    norm = Normalize(float(np.nanmin(values)), float(np.nanmax(values)))
    cmap = colormaps["viridis"]
    n = line.east_km.size
    edges = np.unique(np.linspace(0, n - 1, min(n, _COLOUR_PIECES + 1)).astype(np.int64))
    for k, (start, end) in enumerate(itertools.pairwise(edges)):
        piece = slice(int(start), int(end) + 1)  # pieces share their end points: no gaps
        ax.plot(
            line.east_km[piece],
            line.north_km[piece],
            color=cmap(norm(float(np.nanmean(values[piece])))),
            lw=line.width,
            solid_capstyle="round",
            label=line.label if k == 0 else None,
            zorder=3,
        )
    if n == 1:
        ax.plot(line.east_km, line.north_km, marker="o", color=cmap(0.5), ls="none", label=line.label)
    figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=line.colour_label, shrink=0.8)


def countdown_plot(title: str, data: CountdownFigure) -> str:
    """The count (top) over the alert lanes (bottom), on one axis of session time."""
    lanes = max(1, len(data.lanes))
    lane_height = min(4.5, 0.6 + 0.22 * lanes)
    figure = _figure(2, height_in=2.4 + lane_height + 0.6)
    with matplotlib.rc_context(_RC):
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2.4, lane_height])
        for hold in data.holds:
            top.axvspan(hold.start_s, hold.end_s, color=hold.color, alpha=0.25, lw=0)
            top.text(
                hold.start_s,
                1.0,
                f" {hold.label}",
                transform=top.get_xaxis_transform(),
                rotation=90,
                ha="left",
                va="top",
                fontsize=6.5,
                color="#7a4b00",
            )
        if data.count_t_s.size:
            top.plot(data.count_t_s, data.count_s, color="#1f77b4", lw=1.4, label="count time")
        for event in data.events:
            top.axvline(event.t_s, color=event.color, lw=0.5, alpha=0.6)
        for command in data.commands:
            top.plot([command.t_s], [0.0], marker="v", color=command.color, ms=6, ls="none")
            top.annotate(
                command.label,
                (command.t_s, 0.0),
                textcoords="offset points",
                xytext=(0, -10),
                rotation=90,
                fontsize=6,
                ha="center",
                va="top",
                color=command.color,
            )
        top.axhline(0.0, color="#999999", lw=0.6)
        top.set_ylabel("count time (s, T-/T+)")
        for row, lane in enumerate(data.lanes):
            for start, end, color in lane.bars:
                bottom.barh(row, max(end - start, 0.0), left=start, height=0.6, color=color, lw=0)
        bottom.set_yticks(range(len(data.lanes)), [lane.label for lane in data.lanes], fontsize=6.5)
        bottom.set_ylim(-0.7, lanes - 0.3)
        bottom.invert_yaxis()
        bottom.grid(axis="y", alpha=0.0)
        if data.legend:
            handles = [Patch(color=color, label=label) for label, color in data.legend]
            bottom.legend(
                handles=handles,
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
                ncols=len(handles),
            )
        bottom.set_xlabel(data.xlabel)
        figure.suptitle(title, x=0.01, ha="left", fontsize=10)
    return _svg(figure)
