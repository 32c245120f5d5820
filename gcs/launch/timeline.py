"""A countdown's timeline: what happens at which T-minus time, where it may recycle to, who is polled.

Loaded from ``configs/countdowns/*.toml`` (format in docs/launch-control.md). Events run in file
order, which must be time order; at one T-time they run in the order written, so a file says
"open the poll, then hold, then check the poll" by writing them in that order. Exactly one
terminal-count hand-off; after it only milestones, because the ground no longer runs the count.

Knows nothing of the clock, of the vehicle link, or of how checks are decided.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.roles import Role
from gcs.launch._files import InvalidValue, checked, load_array, load_table, without
from gcs.launch.actions import TIMELINE_COMMANDS, VehicleCommand


class EventKind(enum.Enum):
    COMMAND = "command"
    """Send a command to the vehicle (``command``)."""
    CHECK = "check"
    """A gate that must be go to pass this point (``check``); if not, the count holds here."""
    POLL = "poll"
    """Open a new go/no-go poll round."""
    HOLD = "hold"
    """A built-in hold of ``duration_s``; the count resumes by itself at its end."""
    HANDOFF = "handoff"
    """Terminal-count hand-off: the vehicle's auto-sequencer takes the count; the ground can't hold."""
    MILESTONE = "milestone"
    """A moment to show and journal (ignition, liftoff); no action."""


class CheckKind(enum.Enum):
    POLL_GO = "poll_go"
    """The current poll round has every station answered go."""
    GO_FOR_LAUNCH = "go_for_launch"
    """The launch director has given go for launch, and nothing has revoked it."""
    CRITERIA_GO = "criteria_go"
    """Every launch commit criterion that applies is go."""
    WINDOW_OPEN = "window_open"
    """T-0, if the count ran on from here, would fall inside the launch window."""


HANDOFF_CHECKS = (CheckKind.GO_FOR_LAUNCH, CheckKind.CRITERIA_GO, CheckKind.WINDOW_OPEN)
"""Checked at the hand-off whatever the file says: past it the ground cannot stop the count."""


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One entry of the timeline at count time ``t_s`` (negative: T-minus)."""

    t_s: float
    name: str
    kind: EventKind
    command: VehicleCommand | None = None
    check: CheckKind | None = None
    duration_s: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.t_s) or self.t_s > 0:
            raise InvalidValue("t_s", "a count time <= 0 (T-minus seconds)", self.t_s)
        if not self.name:
            raise InvalidValue("name", "a non-empty name")
        wants = {
            EventKind.COMMAND: "command",
            EventKind.CHECK: "check",
            EventKind.HOLD: "duration_s",
        }.get(self.kind)
        for extra in ("command", "check", "duration_s"):
            present = getattr(self, extra) is not None
            if extra == wants and not present:
                raise InvalidValue(extra, f"a value for a {self.kind.value} event")
            if extra != wants and present:
                raise InvalidValue(extra, f"nothing: a {self.kind.value} event takes no {extra}")
        if self.command is not None and self.command not in TIMELINE_COMMANDS:
            choices = ", ".join(sorted(c.value for c in TIMELINE_COMMANDS))
            raise InvalidValue("command", f"one of {choices}", self.command.value)
        if self.duration_s is not None and not (math.isfinite(self.duration_s) and self.duration_s > 0):
            raise InvalidValue("duration_s", "a number of seconds > 0", self.duration_s)


@dataclass(frozen=True, slots=True)
class RecyclePoint:
    """A named count time the count may be recycled back to."""

    name: str
    t_s: float


@dataclass(frozen=True, slots=True)
class PollStation:
    """A station of the go/no-go poll and the role a user needs to answer for it."""

    name: str
    title: str
    role: Role

    def __post_init__(self) -> None:
        if self.role is Role.VIEWER:
            raise InvalidValue("role", "a role that may answer (not viewer)", self.role.value)


@dataclass(frozen=True, slots=True)
class _Head:
    name: str
    start_t_s: float
    description: str = ""
    window_warning_s: float = 600.0


@dataclass(frozen=True, slots=True)
class Timeline:
    """A whole countdown: where it starts, its events, recycle points and poll stations."""

    name: str
    start_t_s: float
    events: tuple[TimelineEvent, ...]
    recycle_points: tuple[RecyclePoint, ...]
    stations: tuple[PollStation, ...]
    window_warning_s: float = 600.0
    """While holding, warn once when the window would close less than this after T-0."""
    description: str = ""

    def __post_init__(self) -> None:
        if not self.events:
            raise InvalidValue("events", "at least the hand-off event")
        if self.start_t_s > self.events[0].t_s:
            raise InvalidValue(
                "start_t_s", f"a count time <= the first event's ({self.events[0].t_s:g})", self.start_t_s
            )
        for i, (a, b) in enumerate(zip(self.events, self.events[1:], strict=False), start=1):
            if b.t_s < a.t_s:
                raise InvalidValue(f"events[{i}].t_s", f"events in time order (>= {a.t_s:g})", b.t_s)
        handoffs = [i for i, e in enumerate(self.events) if e.kind is EventKind.HANDOFF]
        if len(handoffs) != 1:
            raise InvalidValue("events", "exactly one event of kind 'handoff'", len(handoffs))
        for i, event in enumerate(self.events[handoffs[0] + 1 :], start=handoffs[0] + 1):
            if event.kind is not EventKind.MILESTONE:
                raise InvalidValue(
                    f"events[{i}].kind", "only milestones after the hand-off", event.kind.value
                )
        names = [p.name for p in self.recycle_points]
        for i, point in enumerate(self.recycle_points):
            if names.index(point.name) != i:
                raise InvalidValue(f"recycle_points[{i}].name", "a name used once", point.name)
            if not self.start_t_s <= point.t_s < self.handoff_t_s:
                raise InvalidValue(
                    f"recycle_points[{i}].t_s",
                    f"a count time from start_t_s to before the hand-off ({self.handoff_t_s:g})",
                    point.t_s,
                )
        if not self.stations:
            raise InvalidValue("stations", "at least one poll station")
        station_names = [s.name for s in self.stations]
        for i, station in enumerate(self.stations):
            if station_names.index(station.name) != i:
                raise InvalidValue(f"stations[{i}].name", "a name used once", station.name)
        if not self.window_warning_s >= 0:
            raise InvalidValue("window_warning_s", "a number of seconds >= 0", self.window_warning_s)

    @property
    def handoff_index(self) -> int:
        return next(i for i, e in enumerate(self.events) if e.kind is EventKind.HANDOFF)

    @property
    def handoff_t_s(self) -> float:
        return self.events[self.handoff_index].t_s

    def recycle_point(self, name: str) -> RecyclePoint | None:
        return next((p for p in self.recycle_points if p.name == name), None)

    def first_event_at_or_after(self, t_s: float) -> int:
        """Index of the first event at or after count time ``t_s`` (where a recycle resumes)."""
        return next((i for i, e in enumerate(self.events) if e.t_s >= t_s), len(self.events))


def load_timeline(path: Path | str) -> Timeline:
    """Load a countdown file.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    head = load_table(_Head, without(data, "events", "recycle_points", "stations"), path, "")
    events = load_array(TimelineEvent, data, "events", path)
    points = load_array(RecyclePoint, data, "recycle_points", path, required=False)
    stations = load_array(PollStation, data, "stations", path)
    return checked(
        path,
        "",
        lambda: Timeline(
            name=head.name,
            start_t_s=head.start_t_s,
            events=events,
            recycle_points=points,
            stations=stations,
            window_warning_s=head.window_warning_s,
            description=head.description,
        ),
    )
