"""Red lines in flight: yellow and red limits per field and phase, with persistence.

Each red line names a field, the phases it watches, a red limit (the value must meet it, or the
line is breached) and optionally a yellow one, and how long a breach must last. ``update`` returns
alert conditions for the ``AlertBoard``, which latches them until acknowledged. Missing data raises
nothing here: loss of the vehicle's data is the range-safety monitor's business, with its own
data-loss flight time.

A red line may hold only for some cargo: ``handling_classes`` names the manifest handling classes
it protects (lithium batteries, perishables...); ``red_lines_for_cargo`` keeps those whose classes
the loaded cargo holds, and every line without classes.

Rules are data: ``configs/limits/red-lines.toml`` (format in docs/launch-control.md).
Knows nothing of the count, the links or the clock.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.fields import Sample
from gcs.domain.limits import Limit, Persistence
from gcs.domain.manifest import HandlingClass
from gcs.domain.phases import AIRBORNE_PHASES, FlightPhase
from gcs.launch._files import (
    InvalidValue,
    LimitSpec,
    checked,
    known_field,
    load_array,
    only_keys,
    persistence_of,
    phases_from_names,
    unique_names,
)
from gcs.launch.alerts import AlertCondition, Severity
from gcs.launch.persistence import PersistenceTracker


class Level(enum.Enum):
    NORMAL = "normal"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True, slots=True)
class RedLine:
    """One watched field: ``red`` must hold or the red line is breached; ``yellow`` likewise, earlier."""

    name: str
    field: str
    red: Limit
    yellow: Limit | None = None
    # (the attribute 'field' above shadows dataclasses.field inside this class body)
    persistence: Persistence = dataclasses.field(default_factory=Persistence)
    phases: frozenset[FlightPhase] = AIRBORNE_PHASES
    red_severity: Severity = Severity.WARNING
    description: str = ""
    handling_classes: frozenset[HandlingClass] = frozenset()
    """The cargo this line protects: it holds when the load has any of these classes (empty: always)."""

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidValue("name", "a non-empty name")
        known_field(self.field)
        if self.red_severity.rank < Severity.WARNING.rank:
            raise InvalidValue("red_severity", "warning or emergency", self.red_severity.value)

    @property
    def alert_key(self) -> str:
        return f"red_line:{self.name}"

    def holds_for(self, classes: frozenset[HandlingClass]) -> bool:
        """Whether this line watches a flight whose cargo holds ``classes``."""
        return not self.handling_classes or not self.handling_classes.isdisjoint(classes)


def red_lines_for_cargo(
    red_lines: Iterable[RedLine], classes: frozenset[HandlingClass]
) -> tuple[RedLine, ...]:
    """The red lines that watch a flight whose cargo holds ``classes`` (in their order): every line
    without handling classes, and those naming one of ``classes``. No cargo: the lines for any cargo."""
    return tuple(line for line in red_lines if line.holds_for(classes))


@dataclass(frozen=True, slots=True)
class RedLineStatus:
    red_line: RedLine
    level: Level
    value: float | None
    value_t_s: float | None


class _Watch:
    def __init__(self, red_line: RedLine) -> None:
        self.red_line = red_line
        self.red = PersistenceTracker(red_line.persistence)
        self.yellow = PersistenceTracker(red_line.persistence)
        self.level = Level.NORMAL
        self.value: float | None = None
        self.value_t_s: float | None = None
        self.watching = False
        """Whether the line watches the phase of the latest update."""


class RedLines:
    """Watches every red line against the samples it is fed."""

    def __init__(self, red_lines: Iterable[RedLine]) -> None:
        self._watches = [_Watch(r) for r in red_lines]
        self._by_field: dict[str, list[_Watch]] = {}
        for w in self._watches:
            self._by_field.setdefault(w.red_line.field, []).append(w)
        self._status: tuple[RedLineStatus, ...] | None = None
        """The last status, until a watch takes a sample or changes level (asked for at every tick)."""
        self._phase: FlightPhase | None = None
        """The phase each watch's ``watching`` is for (none: nothing is watched)."""

    def status(self) -> tuple[RedLineStatus, ...]:
        if self._status is None:
            self._status = tuple(
                RedLineStatus(w.red_line, w.level, w.value, w.value_t_s) for w in self._watches
            )
        return self._status

    def update(
        self, samples: Iterable[Sample], phase: FlightPhase | None, now_s: float
    ) -> list[AlertCondition]:
        """Take in ``samples`` and return the alert conditions that changed."""
        if phase is not self._phase:
            # Unlike commit criteria, an unknown phase watches nothing: on the pad the red lines of
            # flight would only cry wolf; the phase is known long before liftoff. (Worked out per
            # phase, not per line at every input.)
            for w in self._watches:
                w.watching = phase is not None and phase in w.red_line.phases
            self._phase = phase
        for sample in samples:
            for w in self._by_field.get(sample.field, ()):
                self._status = None
                w.value, w.value_t_s = sample.value, sample.t_s
                w.red.update(not w.red_line.red.allows(sample.value), sample.t_s)
                yellow = w.red_line.yellow
                w.yellow.update(yellow is not None and not yellow.allows(sample.value), sample.t_s)
        out: list[AlertCondition] = []
        for w in self._watches:
            self._judge(w, now_s, out)
        return out

    def _judge(self, w: _Watch, now_s: float, out: list[AlertCondition]) -> None:
        line = w.red_line
        if not w.watching:
            level = Level.NORMAL
        elif w.red.confirmed(now_s):
            level = Level.RED
        elif w.yellow.confirmed(now_s):
            level = Level.YELLOW
        else:
            level = Level.NORMAL
        if level is w.level:
            return
        w.level = level
        self._status = None
        shown = "no data" if w.value is None else f"{w.value:g}"
        if level is Level.NORMAL:
            out.append(
                AlertCondition.cleared(
                    line.alert_key, f"{line.name}: {line.field} = {shown}, normal", "red_lines"
                )
            )
            return
        limit = line.red if level is Level.RED else line.yellow
        severity = line.red_severity if level is Level.RED else Severity.CAUTION
        message = f"{line.name} {level.value}: {line.field} = {shown}, must be {limit} ({line.persistence})"
        out.append(AlertCondition(line.alert_key, severity, message, "red_lines"))


@dataclass(frozen=True, slots=True)
class _RedLineFile:
    name: str
    field: str
    red: LimitSpec
    yellow: LimitSpec | None = None
    persistence_samples: int | None = None
    persistence_s: float | None = None
    phases: tuple[str, ...] = ()
    red_severity: Severity = Severity.WARNING
    description: str = ""
    handling_classes: tuple[str, ...] | None = None

    def build(self) -> RedLine:
        return RedLine(
            name=self.name,
            field=self.field,
            red=_limit(self.red, "red"),
            yellow=None if self.yellow is None else _limit(self.yellow, "yellow"),
            persistence=persistence_of(self.persistence_samples, self.persistence_s),
            phases=phases_from_names(self.phases, "phases") if self.phases else AIRBORNE_PHASES,
            red_severity=self.red_severity,
            description=self.description,
            handling_classes=_handling_classes(self.handling_classes),
        )


def _handling_classes(names: tuple[str, ...] | None) -> frozenset[HandlingClass]:
    """Classes from their manifest spellings (no key: every cargo; an empty list is a mistake)."""
    if names is None:
        return frozenset()
    allowed = ", ".join(c.value for c in HandlingClass)
    if not names:
        raise InvalidValue("handling_classes", f"at least one of {allowed} (or no key: every cargo)", [])
    classes = set()
    for i, name in enumerate(names):
        try:
            classes.add(HandlingClass(name))
        except ValueError:
            wanted = f"a handling class: one of {allowed}"
            raise InvalidValue(f"handling_classes[{i}]", wanted, name) from None
    return frozenset(classes)


def _limit(spec: LimitSpec, key: str) -> Limit:
    try:
        return spec.build()
    except InvalidValue as exc:
        raise InvalidValue(f"{key}.{exc.key}", exc.expected, exc.got) from None


def load_red_lines(path: Path | str) -> tuple[RedLine, ...]:
    """Load ``[[red_lines]]`` from a red-lines file.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    only_keys(data, {"red_lines"}, path)
    raw = load_array(_RedLineFile, data, "red_lines", path)
    lines = tuple(checked(path, f"red_lines[{i}]", r.build) for i, r in enumerate(raw))
    unique_names([r.name for r in lines], "red_lines", path)
    return lines
