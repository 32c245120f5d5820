"""Launch commit criteria: rules on live telemetry that must all be go for the count to run on.

Each rule names a field, the condition it must meet, how long a breach must persist (samples or
seconds), the flight phases it applies in and how old its latest value may be. No data, or data
older than ``max_age_s``, is no-go: a rule that cannot be evaluated cannot be said to be met.
``update(samples, phase, now_s)`` returns a ``CriterionViolated`` each time a rule goes no-go (the
composite holds the count on it, naming rule, value and limit) and a ``CriterionCleared`` when a
rule that was announced no-go is go again. ``gate()`` gives the verdict for the count's checks.

Rules are data: ``configs/limits/commit-criteria.toml`` (format in docs/launch-control.md).
Knows nothing of the count, the links or the clock.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.fields import Sample
from gcs.domain.limits import Comparator, Limit, Persistence
from gcs.domain.phases import FlightPhase
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
from gcs.launch.actions import Action, RecordKind
from gcs.launch.gates import Gate
from gcs.launch.persistence import PersistenceTracker


@dataclass(frozen=True, slots=True)
class CommitCriterion:
    """One launch commit criterion."""

    name: str
    field: str
    limit: Limit
    # (the attribute 'field' above shadows dataclasses.field inside this class body)
    persistence: Persistence = dataclasses.field(default_factory=Persistence)
    phases: frozenset[FlightPhase] = frozenset(FlightPhase)
    max_age_s: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidValue("name", "a non-empty name")
        known_field(self.field)
        if self.max_age_s is not None and not (math.isfinite(self.max_age_s) and self.max_age_s > 0):
            raise InvalidValue("max_age_s", "a number of seconds > 0", self.max_age_s)

    def applies_in(self, phase: FlightPhase | None) -> bool:
        """Whether the rule applies; with the phase unknown every rule applies (the safe side)."""
        return phase is None or phase in self.phases


class CriterionState(enum.Enum):
    INACTIVE = "inactive"
    """Not applicable in the present phase."""
    GO = "go"
    PENDING = "pending"
    """Breached, but not yet for long enough: still go."""
    NO_GO = "no_go"
    NO_DATA = "no_data"
    """No value yet, or the latest is too old: no-go."""

    @property
    def blocks(self) -> bool:
        return self in _BLOCKING


_BLOCKING = (CriterionState.NO_GO, CriterionState.NO_DATA)
"""The states that hold the count (a tuple: membership by identity, asked for every rule at every input)."""


@dataclass(frozen=True, slots=True)
class CriterionStatus:
    criterion: CommitCriterion
    state: CriterionState
    value: float | None
    value_t_s: float | None
    breached_since_s: float | None

    def describe(self) -> str:
        """Rule, value and limit in one line, as the hold reason and the console show them."""
        c = self.criterion
        if self.state is CriterionState.NO_DATA:
            if self.value_t_s is None:
                return f"{c.name}: no data for {c.field}"
            return f"{c.name}: {c.field} is stale (last value {self.value:g})"
        shown = "no data" if self.value is None else f"{self.value:g}"
        return f"{c.name}: {c.field} = {shown}, must be {c.limit} ({c.persistence})"


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionViolated(Action):
    """A criterion went no-go: which rule, which value, which limit."""

    criterion: str
    field: str
    value: float | None
    limit: str
    state: CriterionState

    @property
    def record(self) -> RecordKind:
        return RecordKind.DECISION


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionCleared(Action):
    criterion: str
    field: str
    value: float | None

    @property
    def record(self) -> RecordKind:
        return RecordKind.DECISION


class _Rule:
    """The live state of one criterion."""

    def __init__(self, criterion: CommitCriterion) -> None:
        self.criterion = criterion
        self.tracker = PersistenceTracker(criterion.persistence)
        self.value: float | None = None
        self.value_t_s: float | None = None
        self.state = CriterionState.NO_DATA
        self.announced = False
        self.applies = criterion.applies_in(None)
        """Whether the rule applies in the phase of the latest update (none yet: unknown)."""
        self._status: CriterionStatus | None = None

    def status(self) -> CriterionStatus:
        # Asked for every rule by every gate and status (several times per input): built again only
        # when one of its parts is another object (an unchanged float is the same object).
        s = self._status
        since_s = self.tracker.since_s
        if (
            s is None
            or s.state is not self.state
            or s.value is not self.value
            or s.value_t_s is not self.value_t_s
            or s.breached_since_s is not since_s
        ):
            s = CriterionStatus(self.criterion, self.state, self.value, self.value_t_s, since_s)
            self._status = s
        return s


class CommitCriteria:
    """Evaluates every commit criterion against the samples it is fed."""

    def __init__(self, criteria: Iterable[CommitCriterion]) -> None:
        self._rules = [_Rule(c) for c in criteria]
        names = [r.criterion.name for r in self._rules]
        if len(set(names)) != len(names):
            raise ValueError("commit criteria need distinct names")
        self._by_field: dict[str, list[_Rule]] = {}
        for rule in self._rules:
            self._by_field.setdefault(rule.criterion.field, []).append(rule)
        self._phase: FlightPhase | None = None
        """The phase each rule's ``applies`` is for."""
        self._gate: tuple[tuple[CriterionStatus, ...], Gate] | None = None
        """The blocking rules' statuses the last gate was made of, and that gate."""
        # Rules change only in update(): until the next one, status and gate stand as they are.
        self._status_now: tuple[CriterionStatus, ...] | None = None
        self._gate_now: Gate | None = None

    def status(self) -> tuple[CriterionStatus, ...]:
        if self._status_now is None:
            self._status_now = tuple(r.status() for r in self._rules)
        return self._status_now

    def gate(self) -> Gate:
        if self._gate_now is None:
            self._gate_now = self._make_gate()
        return self._gate_now

    def _make_gate(self) -> Gate:
        blocking = tuple(r.status() for r in self._rules if r.state in _BLOCKING)
        cached = self._gate
        if (
            cached is not None
            and len(cached[0]) == len(blocking)
            and all(a is b for a, b in zip(cached[0], blocking, strict=True))
        ):
            return cached[1]  # the same statuses make the same gate (their reasons are the costly part)
        gate = _gate_of(blocking)
        self._gate = (blocking, gate)
        return gate

    def update(self, samples: Iterable[Sample], phase: FlightPhase | None, now_s: float) -> list[Action]:
        """Take in ``samples`` (in time order) and re-judge every rule at ``now_s``."""
        if phase is not self._phase:
            # Which rules apply changes only with the phase: asked for every rule at every input.
            for rule in self._rules:
                rule.applies = rule.criterion.applies_in(phase)
            self._phase = phase
        self._status_now = None
        self._gate_now = None
        by_field = self._by_field
        for sample in samples:
            rules = by_field.get(sample.field)
            if rules is None:
                continue
            for rule in rules:
                rule.value = sample.value
                rule.value_t_s = sample.t_s
                if rule.applies:
                    rule.tracker.update(not rule.criterion.limit.allows(sample.value), sample.t_s)
        out: list[Action] = []
        for rule in self._rules:
            self._judge(rule, now_s, out)
        return out

    def _judge(self, rule: _Rule, now_s: float, out: list[Action]) -> None:
        c = rule.criterion
        if not rule.applies:  # (in the phase update() was given)
            rule.tracker.reset()
            new = CriterionState.INACTIVE
        elif rule.value_t_s is None or (c.max_age_s is not None and now_s - rule.value_t_s > c.max_age_s):
            new = CriterionState.NO_DATA
        elif not rule.tracker.breached:
            new = CriterionState.GO
        elif rule.tracker.confirmed(now_s):
            new = CriterionState.NO_GO
        else:
            new = CriterionState.PENDING
        rule.state = new
        blocks = new in _BLOCKING
        if blocks and not rule.announced and (new is CriterionState.NO_GO or rule.value_t_s is not None):
            # A rule that never had data is no-go on the gate but not news; one that had data and
            # lost it, or breached, is news: the count holds on it.
            rule.announced = True
            status = rule.status()
            out.append(
                CriterionViolated(
                    at_s=now_s,
                    reason=status.describe(),
                    criterion=c.name,
                    field=c.field,
                    value=rule.value,
                    limit=str(c.limit),
                    state=new,
                )
            )
        elif not blocks and rule.announced:
            rule.announced = False
            out.append(
                CriterionCleared(
                    at_s=now_s,
                    reason=f"{c.name}: {c.field} = {rule.value:g}, {new.value}"
                    if rule.value is not None
                    else f"{c.name}: {new.value}",
                    criterion=c.name,
                    field=c.field,
                    value=rule.value,
                )
            )


def _gate_of(blocking: tuple[CriterionStatus, ...]) -> Gate:
    if blocking:
        reasons = [status.describe() for status in blocking[:3]]
        more = f" (+{len(blocking) - 3} more)" if len(blocking) > 3 else ""
        return Gate(False, "; ".join(reasons) + more)
    return Gate(True, "all commit criteria go")


@dataclass(frozen=True, slots=True)
class _CriterionFile:
    name: str
    field: str
    must_be: Comparator
    limit: float | None = None
    low: float | None = None
    high: float | None = None
    persistence_samples: int | None = None
    persistence_s: float | None = None
    phases: tuple[str, ...] = ()
    max_age_s: float | None = None
    description: str = ""

    def build(self) -> CommitCriterion:
        return CommitCriterion(
            name=self.name,
            field=self.field,
            limit=LimitSpec(self.must_be, self.limit, self.low, self.high).build(),
            persistence=persistence_of(self.persistence_samples, self.persistence_s),
            phases=phases_from_names(self.phases, "phases"),
            max_age_s=self.max_age_s,
            description=self.description,
        )


def load_criteria(path: Path | str) -> tuple[CommitCriterion, ...]:
    """Load ``[[criteria]]`` from a commit-criteria file.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    raw = load_array(_CriterionFile, data, "criteria", path)
    only_keys(data, {"criteria"}, path)
    rules = tuple(checked(path, f"criteria[{i}]", r.build) for i, r in enumerate(raw))
    unique_names([r.name for r in rules], "criteria", path)
    return rules
