"""The launch status as the stream's keys: the part that changes at every launch tick, and the parts
that seldom do, each set on the board only when it changed.

Launch control publishes its whole status at every tick (10 Hz). As one JSON key that was about 14 kB
per tick for every page, most of it the same as the tick before: the commit criteria's and red
lines' definitions, the alerts, the poll, the recovery checklist. So it travels as five keys::

    launch              every tick (``period_s``: the launch tick): countdown (with clock_text),
                        go_for_launch, criteria_gate, range, fts, landing, recovery_state,
                        vehicle_phase, unix_time_s, time_utc, and the live values of the criteria and
                        red lines, by name, without their definitions
    launch/definitions  {"criteria": [...], "red_lines": [...]}: the definitions, in the status's order
    launch/poll         the poll
    launch/alerts       the alerts
    launch/recovery     the recovery checklist

The last four (``period_s`` null) are set only when they changed, found out on the launch cores' own
frozen values (no JSON is made to find out; unchanged items are the same objects); every part is
rendered lazily by the board, once per change that is sent. The page puts the parts together again
(``launchPayload`` in static/model.js) in the shape of ``LaunchStatus``.

Knows nothing of the board, sockets or the hub; what the fields mean is launch control's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from gcs.console.views import clock_text
from gcs.launch.control import LaunchStatus
from gcs.launch.criteria import CriterionStatus
from gcs.launch.redlines import RedLineStatus
from gcs.launch.runner import LaunchStatusUpdate
from gcs.views import plain, utc_text

LIVE_KEY: Final = "launch"
DEFINITIONS_KEY: Final = "launch/definitions"
POLL_KEY: Final = "launch/poll"
ALERTS_KEY: Final = "launch/alerts"
RECOVERY_KEY: Final = "launch/recovery"

_SEPARATE: Final = ("poll", "alerts", "recovery")
"""LaunchStatus fields that travel in keys of their own."""
_LIVE_LISTS: Final = ("criteria", "red_lines")
"""LaunchStatus fields whose items travel without their definitions."""
_PLAIN_FIELDS: Final = tuple(f.name for f in dataclasses.fields(LaunchStatus)
                             if f.name not in _SEPARATE + _LIVE_LISTS)
_CRITERION_LIVE: Final = tuple(f.name for f in dataclasses.fields(CriterionStatus) if f.name != "criterion")
_RED_LINE_LIVE: Final = tuple(f.name for f in dataclasses.fields(RedLineStatus) if f.name != "red_line")


@dataclass(frozen=True, slots=True)
class Part:
    """One key to set on the board: its raw value and how to render it (lazily)."""

    key: str
    t_s: float
    period_s: float | None
    raw: Any
    render: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Definitions:
    """The criteria's and red lines' definitions, as configured (the same objects at every tick)."""

    criteria: tuple[Any, ...]
    red_lines: tuple[Any, ...]


def live_view(update: LaunchStatusUpdate) -> dict[str, Any]:
    """The ``launch`` key: what changes at every tick; criteria and red lines by name and value."""
    status = update.status
    body: dict[str, Any] = {name: plain(getattr(status, name)) for name in _PLAIN_FIELDS}
    body["countdown"]["clock_text"] = clock_text(status.countdown.t_count_s)
    body["criteria"] = [_live(c.criterion.name, c, _CRITERION_LIVE) for c in status.criteria]
    body["red_lines"] = [_live(r.red_line.name, r, _RED_LINE_LIVE) for r in status.red_lines]
    body["unix_time_s"] = update.unix_time_s
    body["time_utc"] = utc_text(update.unix_time_s)
    return body


def _live(name: str, item: object, fields: tuple[str, ...]) -> dict[str, Any]:
    body = {"name": name}
    body.update((field, plain(getattr(item, field))) for field in fields)
    return body


def definitions_view(definitions: Definitions) -> dict[str, Any]:
    """The ``launch/definitions`` key."""
    return {"criteria": plain(definitions.criteria), "red_lines": plain(definitions.red_lines)}


def _same(before: object, now: object) -> bool:
    """Whether a part is unchanged. Tuples compare item by item, and an item that launch control
    kept is the same object (Python compares identity first): cheap when nothing changed."""
    if before is now:
        return True
    try:
        return bool(before == now)
    except (TypeError, ValueError):  # a value without a plain equality: count it as changed
        return False


_NOTHING: Final = object()


class LaunchParts:
    """Splits each launch status into the parts that changed since the previous one."""

    def __init__(self, tick_s: float) -> None:
        self._tick_s = tick_s
        self._last: dict[str, object] = {}

    def changed(self, update: LaunchStatusUpdate) -> list[Part]:
        """The parts to set for ``update``: every part the first time, then those that changed, and
        ``launch`` always (its ``t`` is what tells the page that launch control is alive)."""
        status = update.status
        t_s = update.unix_time_s
        definitions = Definitions(tuple(c.criterion for c in status.criteria),
                                  tuple(r.red_line for r in status.red_lines))
        out = []
        for key, raw, render in (
            (DEFINITIONS_KEY, definitions, definitions_view),
            (POLL_KEY, status.poll, plain),
            (ALERTS_KEY, status.alerts, plain),
            (RECOVERY_KEY, status.recovery, plain),
        ):
            if not _same(self._last.get(key, _NOTHING), raw):
                self._last[key] = raw
                out.append(Part(key, t_s, None, raw, render))
        out.append(Part(LIVE_KEY, t_s, self._tick_s, update, live_view))
        return out


__all__ = [
    "ALERTS_KEY",
    "DEFINITIONS_KEY",
    "LIVE_KEY",
    "POLL_KEY",
    "RECOVERY_KEY",
    "Definitions",
    "LaunchParts",
    "Part",
    "definitions_view",
    "live_view",
]
