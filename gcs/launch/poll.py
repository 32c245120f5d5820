"""The go/no-go poll: every station answers for itself, and go for launch needs all of them go.

A poll round is opened by the timeline or the launch director; each station is answered by a user
who holds that station's role; an answer may change at any time, and a no-go must say why. The
launch director's "go for launch" is refused unless the current round has every station answered
go, and any later no-go revokes it. Closing the round (a recycle does) clears every answer, so the
count cannot reach its hand-off again without a new round and a new go for launch.

Knows nothing of the count's clock or of how users log in; time is the ``now_s`` argument.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gcs.domain.roles import Role, User
from gcs.launch.actions import Action, RecordKind, RefusalCode, Refused, refuse_unless_role
from gcs.launch.gates import Gate
from gcs.launch.timeline import PollStation

_DIRECTOR = (Role.LAUNCH_DIRECTOR,)


class PollState(enum.Enum):
    CLOSED = "closed"
    """No round open: nothing to answer, nothing is go."""
    OPEN = "open"
    """A round is open and collecting answers."""
    GO_FOR_LAUNCH = "go_for_launch"
    """Every station go, and the launch director has said go for launch."""


@dataclass(frozen=True, slots=True)
class Answer:
    station: str
    go: bool
    who: str
    at_s: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StationRow:
    station: PollStation
    answer: Answer | None


@dataclass(frozen=True, slots=True)
class PollBlocker:
    """A no-go no station can answer away: the vehicle past a fleet limit, until a user clears it."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class PollStatus:
    state: PollState
    round: int
    rows: tuple[StationRow, ...]
    go_for_launch_by: str | None
    blockers: tuple[PollBlocker, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class _PollDecision(Action):
    """Poll events are decisions on the journal, whoever makes them."""

    round: int

    @property
    def record(self) -> RecordKind:
        return RecordKind.DECISION


@dataclass(frozen=True, slots=True, kw_only=True)
class PollOpened(_PollDecision):
    stations: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PollAnswered(_PollDecision):
    station: str
    go: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class GoForLaunchGiven(_PollDecision):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class GoForLaunchRevoked(_PollDecision):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PollClosed(_PollDecision):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PollBlocked(_PollDecision):
    """A blocker appeared or changed its reason (``reason`` says what blocks the poll)."""

    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PollUnblocked(_PollDecision):
    source: str


class GoNoGoPoll:
    """The poll board of one count."""

    def __init__(self, stations: tuple[PollStation, ...]) -> None:
        if not stations:
            raise ValueError("a poll needs at least one station")
        self.stations = stations
        self._by_name = {s.name: s for s in stations}
        self._state = PollState.CLOSED
        self._round = 0
        self._answers: dict[str, Answer] = {}
        self._go_by: str | None = None
        self._blockers: dict[str, str] = {}
        # What the board shows, made again only after a change (asked for several times per input).
        self._status: PollStatus | None = None
        self._poll_gate: Gate | None = None
        self._go_for_launch_gate: Gate | None = None

    @property
    def state(self) -> PollState:
        return self._state

    @property
    def round(self) -> int:
        return self._round

    def answer_of(self, station: str) -> Answer | None:
        return self._answers.get(station)

    def status(self) -> PollStatus:
        if self._status is None:
            self._status = self._make_status()
        return self._status

    def _make_status(self) -> PollStatus:
        rows = tuple(StationRow(s, self._answers.get(s.name)) for s in self.stations)
        blockers = tuple(PollBlocker(source, reason) for source, reason in self._blockers.items())
        return PollStatus(self._state, self._round, rows, self._go_by, blockers)

    # --- gates for the count -----------------------------------------------------------------

    def poll_gate(self) -> Gate:
        if self._poll_gate is None:
            self._poll_gate = self._make_poll_gate()
        return self._poll_gate

    def go_for_launch_gate(self) -> Gate:
        if self._go_for_launch_gate is None:
            self._go_for_launch_gate = self._make_go_for_launch_gate()
        return self._go_for_launch_gate

    def _make_poll_gate(self) -> Gate:
        if self._state is PollState.CLOSED:
            return Gate(False, "no poll round open")
        missing = "; ".join([*(f"{source}: {reason}" for source, reason in self._blockers.items()),
                             *filter(None, [self._not_go()])])
        if missing:
            return Gate(False, f"poll round {self._round}: {missing}")
        return Gate(True, f"poll round {self._round}: all stations go")

    def _make_go_for_launch_gate(self) -> Gate:
        if self._state is PollState.GO_FOR_LAUNCH:
            return Gate(True, f"go for launch given by {self._go_by} (poll round {self._round})")
        gate = self.poll_gate()
        if not gate.go:
            return Gate(False, f"no go for launch: {gate.reason}")
        return Gate(False, "no go for launch: awaiting the launch director")

    # --- requests ----------------------------------------------------------------------------

    def open(self, now_s: float, user: User | None = None, reason: str = "") -> list[Action]:
        """Open a new round (``user`` None: the timeline opens it). Clears every answer."""
        if user is not None and (refused := refuse_unless_role(user, _DIRECTOR, "open poll", now_s)):
            return [refused]
        out: list[Action] = []
        if self._state is PollState.GO_FOR_LAUNCH:
            out.append(self._revoke("a new poll round was opened", now_s))
        self._round += 1
        self._answers = {}
        self._state = PollState.OPEN
        self._changed()
        out.append(
            PollOpened(
                at_s=now_s,
                who=user.name if user else None,
                reason=reason or "poll opened",
                round=self._round,
                stations=tuple(s.name for s in self.stations),
            )
        )
        return out

    def answer(self, user: User, station: str, go: bool, now_s: float, reason: str = "") -> list[Action]:
        """Record ``user``'s go or no-go for ``station``. A no-go needs a reason."""
        word = "go" if go else "no-go"
        request = f"{word} for {station}"
        target = self._by_name.get(station)
        if target is None:
            return [self._refused(user, request, RefusalCode.UNKNOWN, f"no station {station!r}", now_s)]
        if (refused := refuse_unless_role(user, (target.role,), request, now_s)) is not None:
            return [refused]
        if self._state is PollState.CLOSED:
            return [self._refused(user, request, RefusalCode.STATE, "no poll round open", now_s)]
        if not go and not reason.strip():
            return [self._refused(user, request, RefusalCode.INVALID, "a no-go must say why", now_s)]
        self._answers[station] = Answer(station, go, user.name, now_s, reason)
        self._changed()
        out: list[Action] = [
            PollAnswered(
                at_s=now_s,
                who=user.name,
                reason=reason or word,
                round=self._round,
                station=station,
                go=go,
            )
        ]
        if not go and self._state is PollState.GO_FOR_LAUNCH:
            out.append(self._revoke(f"{station} no-go: {reason}", now_s))
        return out

    def give_go_for_launch(self, user: User, now_s: float) -> list[Action]:
        """The launch director's go for launch; refused unless every station is go."""
        request = "go for launch"
        if (refused := refuse_unless_role(user, _DIRECTOR, request, now_s)) is not None:
            return [refused]
        if self._state is PollState.GO_FOR_LAUNCH:
            return [self._refused(user, request, RefusalCode.STATE, "go for launch already given", now_s)]
        gate = self.poll_gate()
        if not gate.go:
            return [self._refused(user, request, RefusalCode.GATE, gate.reason, now_s)]
        self._state = PollState.GO_FOR_LAUNCH
        self._go_by = user.name
        self._changed()
        return [GoForLaunchGiven(at_s=now_s, who=user.name, reason=gate.reason, round=self._round)]

    def revoke_go_for_launch(self, reason: str, now_s: float) -> list[Action]:
        """Withdraw go for launch (an unplanned hold does); nothing if it was not given."""
        if self._state is not PollState.GO_FOR_LAUNCH:
            return []
        return [self._revoke(reason, now_s)]

    def set_blocker(self, source: str, reason: str | None, now_s: float) -> list[Action]:
        """Block the poll for ``reason`` (None: lift ``source``'s block). A block revokes go for
        launch and keeps the poll no-go whatever the stations answer, until it is lifted."""
        before = self._blockers.get(source)
        if reason == before:
            return []
        self._changed()
        if reason is None:
            del self._blockers[source]
            return [PollUnblocked(at_s=now_s, reason=f"{source}: cleared", round=self._round, source=source)]
        self._blockers[source] = reason
        out: list[Action] = [PollBlocked(at_s=now_s, reason=reason, round=self._round, source=source)]
        if self._state is PollState.GO_FOR_LAUNCH:
            out.append(self._revoke(f"{source}: {reason}", now_s))
        return out

    def close(self, reason: str, now_s: float) -> list[Action]:
        """Close the round and forget its answers (after a recycle); nothing if already closed."""
        if self._state is PollState.CLOSED:
            return []
        out: list[Action] = []
        if self._state is PollState.GO_FOR_LAUNCH:
            out.append(self._revoke(reason, now_s))
        self._state = PollState.CLOSED
        self._answers = {}
        self._changed()
        out.append(PollClosed(at_s=now_s, reason=reason, round=self._round))
        return out

    # --- helpers -----------------------------------------------------------------------------

    def _not_go(self) -> str:
        no_go = [f"{name} no-go ({a.reason})" for name, a in self._answers.items() if not a.go]
        unanswered = [s.name for s in self.stations if s.name not in self._answers]
        parts = []
        if no_go:
            parts.append(", ".join(no_go))
        if unanswered:
            parts.append("unanswered: " + ", ".join(unanswered))
        return "; ".join(parts)

    def _changed(self) -> None:
        """Every change of the board's state comes through here: what it shows is made again."""
        self._status = None
        self._poll_gate = None
        self._go_for_launch_gate = None

    def _revoke(self, reason: str, now_s: float) -> Action:
        self._state = PollState.OPEN
        self._go_by = None
        self._changed()
        return GoForLaunchRevoked(at_s=now_s, reason=reason, round=self._round)

    def _refused(self, user: User, request: str, code: RefusalCode, reason: str, now_s: float) -> Refused:
        return Refused(at_s=now_s, who=user.name, request=request, code=code, reason=reason)
