"""The recovery checklist after touchdown, tracked to completion.

Items are data (``[[recovery]]`` in ``configs/limits/landing.toml``): an item is done either when a
telemetry field meets its limit (engine off, tanks vented, flight termination safed) or when a
user of the named role confirms it (vehicle secured on deck). An item may require others first, so
nobody is asked to board a vehicle that is not yet safe. The list opens at touchdown (or at safing
after a flight, if the touchdown phase was missed) and is complete when every item is done.

Knows nothing of the links or the clock.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.fields import Sample
from gcs.domain.limits import Comparator, Limit
from gcs.domain.phases import AIRBORNE_PHASES, FlightPhase
from gcs.domain.roles import Role, User
from gcs.launch._files import InvalidValue, LimitSpec, checked, known_field, load_array, unique_names
from gcs.launch.actions import Action, RefusalCode, Refused, refuse_unless_role


@dataclass(frozen=True, slots=True)
class RecoveryItem:
    """One step: by telemetry (``field`` and ``limit``) or by a person (``confirm_role``)."""

    name: str
    field: str | None = None
    limit: Limit | None = None
    confirm_role: Role | None = None
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidValue("name", "a non-empty name")
        by_telemetry = self.field is not None and self.limit is not None
        if by_telemetry == (self.confirm_role is not None) or (self.field is None) != (self.limit is None):
            raise InvalidValue("field", "either field with its limit, or confirm_role")
        if self.field is not None:
            known_field(self.field)
        if self.confirm_role is Role.VIEWER:
            raise InvalidValue("confirm_role", "a role that may act (not viewer)", self.confirm_role.value)


class RecoveryState(enum.Enum):
    NOT_STARTED = "not_started"
    OPEN = "open"
    COMPLETE = "complete"


@dataclass(frozen=True, slots=True)
class ItemStatus:
    item: RecoveryItem
    done: bool
    done_by: str | None
    done_at_s: float | None
    waiting_for: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryStarted(Action):
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryItemDone(Action):
    item: str
    by: str
    """A user's name, or ``telemetry``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryComplete(Action):
    pass


class RecoveryChecklist:
    def __init__(self, items: Iterable[RecoveryItem]) -> None:
        self.items = tuple(items)
        names = [i.name for i in self.items]
        if len(set(names)) != len(names):
            raise ValueError("recovery items need distinct names")
        for item in self.items:
            for required in item.requires:
                if required not in names or required == item.name:
                    raise InvalidValue("requires", "names of other recovery items", required)
        self._state = RecoveryState.NOT_STARTED
        self._done: dict[str, tuple[str, float]] = {}
        self._status: tuple[int, tuple[ItemStatus, ...]] | None = None
        """The items' status and the size of ``_done`` it was made at (asked for at every tick)."""
        self._values: dict[str, float] = {}
        self._flown = False

    @property
    def state(self) -> RecoveryState:
        return self._state

    def status(self) -> tuple[ItemStatus, ...]:
        # Items are only ever added to _done (never changed or removed): its size says all.
        if self._status is not None and self._status[0] == len(self._done):
            return self._status[1]
        out = []
        for item in self.items:
            done = self._done.get(item.name)
            waiting = tuple(r for r in item.requires if r not in self._done)
            out.append(ItemStatus(item, done is not None, done and done[0], done and done[1], waiting))
        status = tuple(out)
        self._status = (len(self._done), status)
        return status

    def observe_phase(self, phase: FlightPhase, now_s: float) -> list[Action]:
        if phase in AIRBORNE_PHASES:
            self._flown = True
        opens = phase is FlightPhase.TOUCHDOWN or (
            self._flown and phase in (FlightPhase.SAFING, FlightPhase.SAFE)
        )
        if self._state is not RecoveryState.NOT_STARTED or not opens:
            return []
        self._state = RecoveryState.OPEN
        out: list[Action] = [
            RecoveryStarted(
                at_s=now_s, reason=f"vehicle {phase.name}", items=tuple(i.name for i in self.items)
            )
        ]
        self._settle(now_s, out)
        return out

    def update(self, samples: Iterable[Sample], now_s: float) -> list[Action]:
        for sample in samples:
            self._values[sample.field] = sample.value
        out: list[Action] = []
        if self._state is RecoveryState.OPEN:
            self._settle(now_s, out)
        return out

    def confirm(self, user: User, item_name: str, now_s: float) -> list[Action]:
        request = f"confirm {item_name}"
        item = next((i for i in self.items if i.name == item_name), None)
        if item is None:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.UNKNOWN,
                    reason=f"no recovery item {item_name!r}",
                )
            ]
        if item.confirm_role is None:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.INVALID,
                    reason=f"{item.name} is confirmed by telemetry ({item.field}), not by hand",
                )
            ]
        if (refused := refuse_unless_role(user, (item.confirm_role,), request, now_s)) is not None:
            return [refused]
        if self._state is not RecoveryState.OPEN:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.STATE,
                    reason=f"the recovery checklist is {self._state.value}",
                )
            ]
        if item.name in self._done:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.STATE,
                    reason=f"already done by {self._done[item.name][0]}",
                )
            ]
        waiting = [r for r in item.requires if r not in self._done]
        if waiting:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.GATE,
                    reason="first: " + ", ".join(waiting),
                )
            ]
        out: list[Action] = []
        self._mark(item, user.name, now_s, out, who=user.name)
        self._settle(now_s, out)
        return out

    def _settle(self, now_s: float, out: list[Action]) -> None:
        """Mark every telemetry item whose value meets its limit and whose prerequisites are done."""
        progress = True
        while progress:
            progress = False
            for item in self.items:
                if item.name in self._done or item.field is None or item.limit is None:
                    continue
                if any(r not in self._done for r in item.requires):
                    continue
                value = self._values.get(item.field)
                if value is not None and item.limit.allows(value):
                    self._mark(item, "telemetry", now_s, out)
                    progress = True
        if self._state is RecoveryState.OPEN and len(self._done) == len(self.items):
            self._state = RecoveryState.COMPLETE
            out.append(RecoveryComplete(at_s=now_s, reason="every recovery item done"))

    def _mark(
        self, item: RecoveryItem, by: str, now_s: float, out: list[Action], who: str | None = None
    ) -> None:
        self._done[item.name] = (by, now_s)
        how = (
            f"{item.field} = {self._values.get(item.field or '', float('nan')):g}"
            if item.field
            else "confirmed"
        )
        out.append(RecoveryItemDone(at_s=now_s, who=who, reason=how, item=item.name, by=by))


@dataclass(frozen=True, slots=True)
class _ItemFile:
    name: str
    field: str | None = None
    must_be: Comparator | None = None
    limit: float | None = None
    low: float | None = None
    high: float | None = None
    confirm_role: Role | None = None
    requires: tuple[str, ...] = ()

    def build(self) -> RecoveryItem:
        limit = None
        if self.must_be is not None:
            limit = LimitSpec(self.must_be, self.limit, self.low, self.high).build()
        elif self.limit is not None or self.low is not None or self.high is not None:
            raise InvalidValue("must_be", "a comparator for the limit")
        return RecoveryItem(self.name, self.field, limit, self.confirm_role, self.requires)


def load_recovery(path: Path | str) -> tuple[RecoveryItem, ...]:
    """The ``[[recovery]]`` items of a landing file.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    raw = load_array(_ItemFile, data, "recovery", path)
    items = tuple(checked(path, f"recovery[{i}]", r.build) for i, r in enumerate(raw))
    unique_names([i.name for i in items], "recovery", path)
    checked(path, "recovery", lambda: RecoveryChecklist(items))
    return items
