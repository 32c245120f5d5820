"""The countdown as a pure state machine: ``Countdown.handle(event, now_s, gates) -> list[Action]``.

States::

    IDLE ──start──> COUNTING ──hold / failed check / built-in hold──> HOLDING ──resume──> COUNTING
                       │                                               └──recycle──> HOLDING (at the point)
                       └──hand-off (all gates go)──> TERMINAL ──T-0──> LIFTOFF
    COUNTING, HOLDING, ABORTED(pad) ──scrub / window closed──> SCRUBBED
    TERMINAL, LIFTOFF ──vehicle reports abort or stands down──> ABORTED ──recycle (never flown)──> HOLDING

The count time runs only while COUNTING, TERMINAL or LIFTOFF; a hold freezes it and the launch
window keeps closing, so every call checks whether T-0 can still fall inside the window and scrubs
when it cannot. Timeline events fire at their exact count time even if calls come late: a built-in
hold or a failed check stops the count *at* its T-time, and the lost seconds show as hold time.
Before the hand-off any console role but viewer can hold, and the launch director starts,
resumes, recycles and scrubs; after it only the vehicle can stop the count, and every ground
request says so. Decisions that need the poll or the commit criteria read them from ``Gates``,
which the caller builds; this module decides nothing about them.

Knows nothing of the clock (time is the ``now_s`` argument), the links, or the journal format.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from gcs.domain.phases import ABORT_PHASES, FLOWN_PHASES, CountdownDisplay, FlightPhase
from gcs.domain.roles import HOLD_ROLES, Role, User
from gcs.launch.actions import (
    TIMELINE_COMMANDS,
    Action,
    CommandVehicle,
    RecordKind,
    RefusalCode,
    Refused,
    VehicleCommand,
    refuse_unless_role,
)
from gcs.launch.gates import Gate, Gates
from gcs.launch.timeline import HANDOFF_CHECKS, CheckKind, EventKind, Timeline, TimelineEvent

_DIRECTOR = (Role.LAUNCH_DIRECTOR,)
HANDOFF_GRACE_S = 30.0
"""After T-0, how long the count waits for a vehicle whose hand-off went unanswered to show its count."""
_PAST_HANDOFF = "past the terminal-count hand-off only the vehicle can stop the count"


class CountState(enum.Enum):
    IDLE = "idle"
    COUNTING = "counting"
    HOLDING = "holding"
    TERMINAL = "terminal"
    """Past the hand-off: the vehicle's auto-sequencer runs the count to T-0."""
    LIFTOFF = "liftoff"
    ABORTED = "aborted"
    """The vehicle stopped the count (pad abort) or gave up its flight (in-flight abort)."""
    SCRUBBED = "scrubbed"


class HoldKind(enum.Enum):
    BUILT_IN = "built_in"
    OPERATOR = "operator"
    AUTOMATIC = "automatic"
    RECYCLE = "recycle"


@dataclass(frozen=True, slots=True)
class LaunchWindow:
    """When T-0 may be, on the runner's clock (pass UTC seconds so windows are real instants)."""

    open_s: float
    close_s: float

    def __post_init__(self) -> None:
        if not self.open_s <= self.close_s:
            raise ValueError(f"a launch window must open before it closes: {self.open_s} > {self.close_s}")


@dataclass(frozen=True, slots=True)
class Hold:
    """Why and since when the count is held, and at which count time."""

    kind: HoldKind
    reason: str
    since_s: float
    t_count_s: float
    who: str | None = None
    until_s: float | None = None
    """End of a built-in hold, when the count resumes by itself."""
    pending_event: str | None = None
    """The check or hand-off that failed here and is retried on resume."""


# --- what the countdown is told ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartCount:
    user: User
    window: LaunchWindow | None = None


@dataclass(frozen=True, slots=True)
class HoldCount:
    user: User
    reason: str = "operator hold"


@dataclass(frozen=True, slots=True)
class ResumeCount:
    user: User


@dataclass(frozen=True, slots=True)
class RecycleCount:
    user: User
    point: str


@dataclass(frozen=True, slots=True)
class ScrubCount:
    user: User
    reason: str = "scrubbed by the launch director"


@dataclass(frozen=True, slots=True)
class AutoHold:
    """Hold now for ``reason`` (a commit criterion went no-go, a station called no-go, ...)."""

    reason: str


@dataclass(frozen=True, slots=True)
class VehiclePhaseReport:
    phase: FlightPhase


@dataclass(frozen=True, slots=True)
class VehicleCountReport:
    """The vehicle's own count (its COUNTDOWN message): T-minus or, once it has lifted off, T-plus."""

    t_count_s: float
    lifted_off: bool


@dataclass(frozen=True, slots=True)
class VehicleCommandFailed:
    """A command the count sent was refused by the vehicle (``refused``) or never answered."""

    command: VehicleCommand
    detail: str
    refused: bool = True
    """False: no final answer came (the vehicle may still have done it: a slow link, a lost ACK)."""


@dataclass(frozen=True, slots=True)
class VehicleCommandAccepted:
    """A command the count sent was accepted by the vehicle (the hand-off: it runs the count now)."""

    command: VehicleCommand


@dataclass(frozen=True, slots=True)
class Tick:
    """Time has passed: fire due events, end built-in holds, watch the window."""


CountEvent = (
    StartCount
    | HoldCount
    | ResumeCount
    | RecycleCount
    | ScrubCount
    | AutoHold
    | VehiclePhaseReport
    | VehicleCountReport
    | VehicleCommandFailed
    | VehicleCommandAccepted
    | Tick
)


# --- what the countdown decides ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CountChanged(Action):
    """The count's state changed (start, hold, resume, recycle, hand-off, liftoff, abort, scrub)."""

    from_state: CountState
    to_state: CountState
    t_count_s: float
    hold_kind: HoldKind | None = None
    display: CountdownDisplay

    @property
    def record(self) -> RecordKind:
        if self.to_state is CountState.ABORTED:
            return RecordKind.ABORT
        return RecordKind.OPERATOR_ACTION if self.who else RecordKind.DECISION


@dataclass(frozen=True, slots=True, kw_only=True)
class EventReached(Action):
    """A timeline event fired at its count time."""

    event: str
    kind: EventKind
    t_count_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PollRequested(Action):
    """The timeline opens a new go/no-go poll round here."""

    event: str
    t_count_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowClosing(Action):
    """While holding, T-0 would now fall less than the warning margin before the window closes."""

    margin_s: float


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleCountMissing(Action):
    """Past T-0 by the grace and the vehicle has not shown its ignition: the ground cannot tell
    whether it counts (a lost hand-off, or a link too slow to say). Past the hand-off only the vehicle
    stops the count; the launch team decides (an abort order is always theirs to give)."""


@dataclass(frozen=True, slots=True)
class CountdownStatus:
    """Everything a display needs about the count at ``now_s``."""

    state: CountState
    display: CountdownDisplay
    t_count_s: float
    hold: Hold | None
    hold_elapsed_s: float
    window: LaunchWindow | None
    projected_t0_s: float | None
    """When T-0 would be if the count ran on from now without further holds."""
    window_margin_s: float | None
    """Window close minus projected T-0: how much more hold the window allows."""
    next_event: TimelineEvent | None
    handoff_t_s: float
    lifted_off: bool
    vehicle_phase: FlightPhase | None = None
    recycle_points: tuple[str, ...] = field(default=())


class Countdown:
    """One launch attempt's count. Feed it events with the time; carry out what it returns."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self._state = CountState.IDLE
        self._anchor_count_s = timeline.start_t_s
        self._anchor_now_s = 0.0
        self._cursor = 0
        self._hold: Hold | None = None
        self._window: LaunchWindow | None = None
        self._window_warned = False
        self._phase: FlightPhase | None = None
        self._vehicle_took_count = False
        self._ignition_go = False
        self._said_missing = False
        self._lifted_off = False
        self._adopted = False
        """The count was taken over from a vehicle already flying (a station started mid-flight)."""
        self._adopted_timed = False
        """...and its T-plus has been set from the vehicle's own count."""

    # --- reading -----------------------------------------------------------------------------

    @property
    def state(self) -> CountState:
        return self._state

    @property
    def hold(self) -> Hold | None:
        return self._hold

    def t_count_s(self, now_s: float) -> float:
        """Count time at ``now_s``: negative before T-0, frozen while held."""
        if self._running:
            return self._anchor_count_s + (now_s - self._anchor_now_s)
        return self._anchor_count_s

    def status(self, now_s: float) -> CountdownStatus:
        t = self.t_count_s(now_s)
        projected = None
        margin = None
        if self._state in (CountState.COUNTING, CountState.HOLDING, CountState.IDLE):
            projected = now_s - t
            if self._window is not None:
                margin = self._window.close_s - projected
        hold_elapsed = now_s - self._hold.since_s if self._hold is not None else 0.0
        next_event = self.timeline.events[self._cursor] if self._cursor < len(self.timeline.events) else None
        return CountdownStatus(
            state=self._state,
            display=self._display(),
            t_count_s=t,
            hold=self._hold,
            hold_elapsed_s=max(0.0, hold_elapsed),
            window=self._window,
            projected_t0_s=projected,
            window_margin_s=margin,
            next_event=next_event,
            handoff_t_s=self.timeline.handoff_t_s,
            lifted_off=self._lifted_off,
            vehicle_phase=self._phase,
            recycle_points=tuple(p.name for p in self.timeline.recycle_points),
        )

    # --- the one entry point -----------------------------------------------------------------

    def handle(self, event: CountEvent, now_s: float, gates: Gates | None = None) -> list[Action]:
        """Apply ``event`` at ``now_s``; returns what was decided, refusals included."""
        gates = gates or Gates()
        out: list[Action] = []
        # Let time catch up first: events due before now fire at their own count time, and a
        # request is judged against the state the count is really in.
        self._advance(now_s, gates, out)
        match event:
            case StartCount():
                self._start(event, now_s, out)
            case HoldCount():
                self._operator_hold(event, now_s, out)
            case ResumeCount():
                self._resume(event, now_s, gates, out)
            case RecycleCount():
                self._recycle(event, now_s, out)
            case ScrubCount():
                self._scrub(event, now_s, out)
            case AutoHold():
                self._auto_hold(event.reason, now_s, out)
            case VehiclePhaseReport():
                self._phase_report(event.phase, now_s, out)
            case VehicleCountReport():
                self._count_report(event, now_s)
            case VehicleCommandFailed():
                self._command_failed(event, now_s, out)
            case VehicleCommandAccepted():
                # Its answer can beat the heartbeat that shows the phase (a late hand-off near T-0).
                handed_off = event.command is VehicleCommand.START_TERMINAL_COUNT
                if handed_off and self._state is CountState.TERMINAL:
                    self._vehicle_took_count = True
                    self._ignition_go = True  # the hand-off's RESUME_COUNT is the ignition go
            case Tick():
                pass
        self._advance(now_s, gates, out)
        self._watch_window(now_s, out)
        return out

    # --- requests ----------------------------------------------------------------------------

    def _start(self, event: StartCount, now_s: float, out: list[Action]) -> None:
        if (refused := refuse_unless_role(event.user, _DIRECTOR, "start count", now_s)) is not None:
            out.append(refused)
            return
        if self._state is not CountState.IDLE:
            out.append(
                self._refused(
                    event.user,
                    "start count",
                    RefusalCode.STATE,
                    f"the count is {self._state.value}; a new attempt needs a new count",
                    now_s,
                )
            )
            return
        if event.window is not None:
            t0_s = now_s - self.timeline.start_t_s
            if t0_s > event.window.close_s:
                out.append(
                    self._refused(
                        event.user,
                        "start count",
                        RefusalCode.GATE,
                        f"T-0 could be no earlier than {t0_s:.0f} s, after the window closes at "
                        f"{event.window.close_s:.0f} s",
                        now_s,
                    )
                )
                return
        self._window = event.window
        self._anchor_count_s = self.timeline.start_t_s
        self._anchor_now_s = now_s
        self._cursor = 0
        self._change(
            CountState.COUNTING,
            now_s,
            out,
            who=event.user.name,
            reason=f"count started at T{self.timeline.start_t_s:+.0f} s",
        )

    def _operator_hold(self, event: HoldCount, now_s: float, out: list[Action]) -> None:
        request = "hold count"
        if (refused := refuse_unless_role(event.user, HOLD_ROLES, request, now_s)) is not None:
            out.append(refused)
            return
        if self._refused_past_handoff(event.user, request, now_s, out):
            return
        if self._state is CountState.HOLDING and self._hold is not None:
            if self._hold.kind is HoldKind.BUILT_IN:
                # Holding on through a built-in hold: it must no longer end by itself.
                self._set_hold(
                    HoldKind.OPERATOR,
                    f"{event.reason} (during {self._hold.reason})",
                    now_s,
                    out,
                    who=event.user.name,
                )
                return
            out.append(
                self._refused(
                    event.user, request, RefusalCode.STATE, f"already holding: {self._hold.reason}", now_s
                )
            )
            return
        if self._state is not CountState.COUNTING:
            out.append(
                self._refused(
                    event.user,
                    request,
                    RefusalCode.STATE,
                    f"nothing to hold: the count is {self._state.value}",
                    now_s,
                )
            )
            return
        self._enter_hold(
            HoldKind.OPERATOR, event.reason, now_s, self.t_count_s(now_s), out, who=event.user.name
        )

    def _resume(self, event: ResumeCount, now_s: float, gates: Gates, out: list[Action]) -> None:
        request = "resume count"
        if (refused := refuse_unless_role(event.user, _DIRECTOR, request, now_s)) is not None:
            out.append(refused)
            return
        if self._state is not CountState.HOLDING or self._hold is None:
            code = RefusalCode.PAST_HANDOFF if self._state is CountState.TERMINAL else RefusalCode.STATE
            out.append(
                self._refused(
                    event.user, request, code, f"not holding: the count is {self._state.value}", now_s
                )
            )
            return
        blocked = self._resume_blocked(now_s, gates)
        if blocked is not None:
            out.append(self._refused(event.user, request, RefusalCode.GATE, blocked, now_s))
            return
        self._resume_at(now_s, out, who=event.user.name, reason="resumed by the launch director")

    def _recycle(self, event: RecycleCount, now_s: float, out: list[Action]) -> None:
        request = f"recycle to {event.point}"
        if (refused := refuse_unless_role(event.user, _DIRECTOR, request, now_s)) is not None:
            out.append(refused)
            return
        if self._refused_past_handoff(event.user, request, now_s, out):
            return
        if self._state not in (CountState.HOLDING, CountState.ABORTED) or self._lifted_off:
            why = (
                "the vehicle has flown"
                if self._lifted_off
                else f"hold first: the count is {self._state.value}"
            )
            out.append(self._refused(event.user, request, RefusalCode.STATE, why, now_s))
            return
        point = self.timeline.recycle_point(event.point)
        if point is None:
            names = ", ".join(p.name for p in self.timeline.recycle_points) or "none"
            out.append(
                self._refused(
                    event.user,
                    request,
                    RefusalCode.UNKNOWN,
                    f"no recycle point {event.point!r} (there are: {names})",
                    now_s,
                )
            )
            return
        t_now = self.t_count_s(now_s)
        if point.t_s > t_now:
            out.append(
                self._refused(
                    event.user,
                    request,
                    RefusalCode.STATE,
                    f"{point.name} (T{point.t_s:+.0f} s) is later than the count "
                    f"(T{t_now:+.0f} s): a recycle goes back",
                    now_s,
                )
            )
            return
        self._cursor = self.timeline.first_event_at_or_after(point.t_s)
        self._anchor_count_s = point.t_s
        self._vehicle_took_count = False
        self._ignition_go = False
        self._said_missing = False
        self._enter_hold(
            HoldKind.RECYCLE,
            f"recycled to {point.name}: a new poll and go for launch are needed",
            now_s,
            point.t_s,
            out,
            who=event.user.name,
        )

    def _scrub(self, event: ScrubCount, now_s: float, out: list[Action]) -> None:
        request = "scrub"
        if (refused := refuse_unless_role(event.user, _DIRECTOR, request, now_s)) is not None:
            out.append(refused)
            return
        if self._refused_past_handoff(event.user, request, now_s, out):
            return
        if (
            self._state not in (CountState.COUNTING, CountState.HOLDING, CountState.ABORTED)
            or self._lifted_off
        ):
            why = (
                "the vehicle has flown"
                if self._lifted_off
                else f"nothing to scrub: the count is {self._state.value}"
            )
            out.append(self._refused(event.user, request, RefusalCode.STATE, why, now_s))
            return
        self._do_scrub(event.reason, now_s, out, who=event.user.name)

    # --- automation --------------------------------------------------------------------------

    def _auto_hold(self, reason: str, now_s: float, out: list[Action]) -> None:
        if self._state is CountState.COUNTING:
            self._enter_hold(HoldKind.AUTOMATIC, reason, now_s, self.t_count_s(now_s), out)
        elif (
            self._state is CountState.HOLDING
            and self._hold is not None
            and self._hold.kind is HoldKind.BUILT_IN
        ):
            self._set_hold(HoldKind.AUTOMATIC, f"{reason} (during {self._hold.reason})", now_s, out)
        elif self._state in (CountState.TERMINAL, CountState.LIFTOFF):
            out.append(
                Refused(
                    at_s=now_s,
                    request="automatic hold",
                    code=RefusalCode.PAST_HANDOFF,
                    reason=f"{reason}: past the terminal-count hand-off the vehicle's auto-sequencer decides",
                )
            )

    def _refused_past_handoff(self, user: User, request: str, now_s: float, out: list[Action]) -> bool:
        """Refuse ``request`` (and say so) once the count belongs to the vehicle's auto-sequencer."""
        if self._state not in (CountState.TERMINAL, CountState.LIFTOFF):
            return False
        out.append(self._refused(user, request, RefusalCode.PAST_HANDOFF, _PAST_HANDOFF, now_s))
        return True

    def _phase_report(self, phase: FlightPhase, now_s: float, out: list[Action]) -> None:
        previous, self._phase = self._phase, phase
        if self._state is CountState.IDLE and phase in FLOWN_PHASES:
            self._adopt(phase, now_s, out)
            return
        if phase is FlightPhase.ASCENT:
            self._lifted_off = True
        if phase == previous:
            return
        name = phase.name
        if phase in ABORT_PHASES:
            if self._state in (CountState.COUNTING, CountState.HOLDING):
                self._auto_hold(f"vehicle reports {name}", now_s, out)
            elif self._state in (CountState.TERMINAL, CountState.LIFTOFF):
                self._abort(f"vehicle reports {name}", now_s, out)
            return
        if self._state is CountState.TERMINAL:
            if phase in (FlightPhase.TERMINAL_COUNT, FlightPhase.IGNITION):
                self._vehicle_took_count = True
                # In TERMINAL_COUNT it may still wait for its ignition go; igniting, it has had it.
                self._ignition_go = self._ignition_go or phase is FlightPhase.IGNITION
            elif phase is FlightPhase.ASCENT:
                self._change(CountState.LIFTOFF, now_s, out, reason="liftoff reported by the vehicle")
        if (
            self._state in (CountState.TERMINAL, CountState.LIFTOFF)
            and not self._lifted_off
            and self._vehicle_took_count
            and phase in (FlightPhase.SAFE, FlightPhase.STANDBY, FlightPhase.SAFING)
        ):
            self._abort(f"vehicle left the terminal count (phase {name})", now_s, out)

    def _adopt(self, phase: FlightPhase, now_s: float, out: list[Action]) -> None:
        """A station (re)started while the vehicle flies: take the flight as it is, never re-run a count.

        T-plus runs from here until the vehicle's own count says what it is.
        """
        self._lifted_off = True
        self._adopted = True
        self._anchor_count_s = 0.0
        self._anchor_now_s = now_s
        self._cursor = len(self.timeline.events)  # nothing of the count is still to fire
        reason = f"the vehicle is already flying ({phase.name}): the count is taken from the vehicle"
        self._change(CountState.LIFTOFF, now_s, out, reason=reason)

    def _count_report(self, event: VehicleCountReport, now_s: float) -> None:
        # Only an adopted flight takes its clock from the vehicle: otherwise the ground's own T-0
        # stands (the vehicle's count differs from it by the link's delay, which would make the
        # mission clock jump).
        if self._adopted and not self._adopted_timed and event.lifted_off:
            self._adopted_timed = True
            self._anchor_count_s = event.t_count_s
            self._anchor_now_s = now_s

    def _command_failed(self, event: VehicleCommandFailed, now_s: float, out: list[Action]) -> None:
        what = f"{event.command.value.replace('_', ' ')} failed: {event.detail}"
        if event.command in TIMELINE_COMMANDS:
            # The count must not run on as if the tanks were loading or the engines chilling.
            self._auto_hold(what, now_s, out)
        elif (
            event.command is VehicleCommand.START_TERMINAL_COUNT
            and event.refused
            and self._state is CountState.TERMINAL
            and not self._ignition_go
        ):
            # No need to wait for T-0 to find out: the vehicle refused the count or its ignition go
            # (in its terminal count without a go it would wait there). Unanswered is not refused:
            # its phase may yet show the count, until the grace after T-0.
            reason = f"the vehicle did not take the terminal count ({what})"
            self._stop_without_vehicle_count(reason, now_s, out)

    def _stop_without_vehicle_count(self, reason: str, now_s: float, out: list[Action]) -> None:
        # If the hand-off reaches the vehicle late it must not light the engines on its own count.
        out.append(CommandVehicle(at_s=now_s, reason=reason, command=VehicleCommand.ABORT))
        self._abort(reason, now_s, out)

    def _advance(self, now_s: float, gates: Gates, out: list[Action]) -> None:
        """Fire every event that is due, in order, each at its own count time."""
        events = self.timeline.events
        while True:
            if self._state is CountState.HOLDING:
                if not self._end_built_in_hold(now_s, gates, out):
                    return
                continue
            if self._state not in (CountState.COUNTING, CountState.TERMINAL):
                return
            target = self.t_count_s(now_s)
            if self._cursor < len(events) and events[self._cursor].t_s <= target:
                self._fire(events[self._cursor], gates, out)
                continue
            if self._state is CountState.TERMINAL and target >= 0.0:
                if self._ignition_go:
                    self._change(CountState.LIFTOFF, self._instant_of(0.0), out, reason="T-0")
                elif target >= HANDOFF_GRACE_S and not self._said_missing:
                    # The ground clock alone must not declare liftoff; nor may the ground abort a
                    # vehicle it has not heard from: its answer may be on a slow link and it may be
                    # flying. Say so once, loudly; the launch team decides.
                    self._said_missing = True
                    out.append(VehicleCountMissing(
                        at_s=self._instant_of(HANDOFF_GRACE_S),
                        reason=f"no ignition from the vehicle {HANDOFF_GRACE_S:g} s after T-0: the "
                               "hand-off went unanswered; order an abort if it is not counting"))
            return

    def _fire(self, event: TimelineEvent, gates: Gates, out: list[Action]) -> None:
        at_s = self._instant_of(event.t_s)
        if event.kind is EventKind.CHECK:
            assert event.check is not None
            gate = self._check(event.check, at_s, event.t_s, gates)
            if not gate.go:
                self._enter_hold(
                    HoldKind.AUTOMATIC,
                    f"{event.name}: {gate.reason}",
                    at_s,
                    event.t_s,
                    out,
                    pending=event.name,
                )
                return
            self._cursor += 1
            out.append(
                EventReached(
                    at_s=at_s,
                    reason=f"check passed: {gate.reason}",
                    event=event.name,
                    kind=event.kind,
                    t_count_s=event.t_s,
                )
            )
            return
        if event.kind is EventKind.HANDOFF:
            failed = [
                g.reason for g in (self._check(c, at_s, event.t_s, gates) for c in HANDOFF_CHECKS) if not g.go
            ]
            if failed:
                self._enter_hold(
                    HoldKind.AUTOMATIC,
                    f"{event.name}: " + "; ".join(failed),
                    at_s,
                    event.t_s,
                    out,
                    pending=event.name,
                )
                return
            self._cursor += 1
            out.append(
                EventReached(
                    at_s=at_s, reason="all gates go", event=event.name, kind=event.kind, t_count_s=event.t_s
                )
            )
            out.append(
                CommandVehicle(
                    at_s=at_s,
                    reason=event.name,
                    command=VehicleCommand.START_TERMINAL_COUNT,
                    t_count_s=event.t_s,
                )
            )
            self._change(CountState.TERMINAL, at_s, out, reason="terminal count handed to the vehicle")
            return
        self._cursor += 1
        out.append(
            EventReached(
                at_s=at_s,
                reason=f"timeline {event.kind.value}",
                event=event.name,
                kind=event.kind,
                t_count_s=event.t_s,
            )
        )
        if event.kind is EventKind.COMMAND:
            assert event.command is not None
            out.append(
                CommandVehicle(at_s=at_s, reason=event.name, command=event.command, t_count_s=event.t_s)
            )
        elif event.kind is EventKind.POLL:
            out.append(PollRequested(at_s=at_s, reason=event.name, event=event.name, t_count_s=event.t_s))
        elif event.kind is EventKind.HOLD:
            assert event.duration_s is not None
            self._enter_hold(
                HoldKind.BUILT_IN, event.name, at_s, event.t_s, out, until_s=at_s + event.duration_s
            )

    def _end_built_in_hold(self, now_s: float, gates: Gates, out: list[Action]) -> bool:
        """End a built-in hold whose time is up; True if the count runs again."""
        hold = self._hold
        if hold is None or hold.kind is not HoldKind.BUILT_IN or hold.until_s is None or now_s < hold.until_s:
            return False
        blocked = self._resume_blocked(hold.until_s, gates)
        if blocked is not None:
            self._set_hold(HoldKind.AUTOMATIC, f"{hold.reason} ended but {blocked}", hold.until_s, out)
            return False
        self._resume_at(hold.until_s, out, reason=f"{hold.reason} complete")
        return True

    def _watch_window(self, now_s: float, out: list[Action]) -> None:
        if self._window is None or self._state not in (CountState.COUNTING, CountState.HOLDING):
            return
        t0_s = now_s - self.t_count_s(now_s)
        margin_s = self._window.close_s - t0_s
        if margin_s < 0.0:
            self._do_scrub(
                f"launch window closed: T-0 could be no earlier than {t0_s:.0f} s, the window "
                f"closed at {self._window.close_s:.0f} s",
                now_s,
                out,
            )
        elif (
            self._state is CountState.HOLDING
            and not self._window_warned
            and margin_s < self.timeline.window_warning_s
        ):
            self._window_warned = True
            out.append(
                WindowClosing(
                    at_s=now_s,
                    margin_s=margin_s,
                    reason=f"the window closes {margin_s:.0f} s after T-0 if the count resumes now",
                )
            )

    # --- helpers -----------------------------------------------------------------------------

    @property
    def _running(self) -> bool:
        return self._state in (CountState.COUNTING, CountState.TERMINAL, CountState.LIFTOFF) or (
            self._state is CountState.ABORTED and self._lifted_off  # mission time runs on in flight
        )

    def _instant_of(self, t_count_s: float) -> float:
        return self._anchor_now_s + (t_count_s - self._anchor_count_s)

    def _check(self, check: CheckKind, at_s: float, t_count_s: float, gates: Gates) -> Gate:
        if self._phase in ABORT_PHASES:
            assert self._phase is not None
            return Gate(False, f"vehicle reports {self._phase.name}")
        match check:
            case CheckKind.POLL_GO:
                return gates.poll
            case CheckKind.GO_FOR_LAUNCH:
                return gates.go_for_launch
            case CheckKind.CRITERIA_GO:
                return gates.criteria
            case CheckKind.WINDOW_OPEN:
                return self._window_gate(at_s - t_count_s)
        raise AssertionError(check)  # pragma: no cover

    def _window_gate(self, t0_s: float) -> Gate:
        if self._window is None:
            return Gate(True, "no launch window set")
        if t0_s < self._window.open_s:
            return Gate(False, f"T-0 would be {self._window.open_s - t0_s:.0f} s before the window opens")
        if t0_s > self._window.close_s:
            return Gate(False, f"T-0 would be {t0_s - self._window.close_s:.0f} s after the window closes")
        return Gate(True, "inside the launch window")

    def _resume_blocked(self, at_s: float, gates: Gates) -> str | None:
        """Why the count may not run on from its hold at ``at_s``, or None."""
        hold = self._hold
        assert hold is not None
        if not gates.criteria.go:
            return f"commit criteria no-go: {gates.criteria.reason}"
        if self._phase in ABORT_PHASES:
            assert self._phase is not None
            return f"vehicle reports {self._phase.name}"
        if hold.pending_event is not None:
            event = self.timeline.events[self._cursor]
            checks = HANDOFF_CHECKS if event.kind is EventKind.HANDOFF else (event.check,)
            for check in checks:
                assert check is not None
                gate = self._check(check, at_s, hold.t_count_s, gates)
                if not gate.go:
                    return f"{event.name}: {gate.reason}"
        return None

    def _enter_hold(
        self,
        kind: HoldKind,
        reason: str,
        at_s: float,
        t_count_s: float,
        out: list[Action],
        *,
        who: str | None = None,
        until_s: float | None = None,
        pending: str | None = None,
    ) -> None:
        self._anchor_count_s = t_count_s
        self._anchor_now_s = at_s
        self._window_warned = False
        self._hold = Hold(kind, reason, at_s, t_count_s, who, until_s, pending)
        self._change(CountState.HOLDING, at_s, out, who=who, reason=reason)
        out.append(
            CommandVehicle(
                at_s=at_s, who=who, reason=reason, command=VehicleCommand.HOLD_COUNT, t_count_s=t_count_s
            )
        )

    def _set_hold(
        self, kind: HoldKind, reason: str, at_s: float, out: list[Action], who: str | None = None
    ) -> None:
        """Change the kind of the present hold (a built-in hold that must not end by itself)."""
        assert self._hold is not None
        old = self._hold
        self._hold = Hold(kind, reason, old.since_s, old.t_count_s, who, None, old.pending_event)
        self._change(CountState.HOLDING, at_s, out, who=who, reason=reason)

    def _resume_at(self, at_s: float, out: list[Action], *, reason: str, who: str | None = None) -> None:
        assert self._hold is not None
        t_count_s = self._hold.t_count_s
        self._hold = None
        self._anchor_count_s = t_count_s
        self._anchor_now_s = at_s
        self._change(CountState.COUNTING, at_s, out, who=who, reason=reason)
        out.append(
            CommandVehicle(
                at_s=at_s, who=who, reason=reason, command=VehicleCommand.RESUME_COUNT, t_count_s=t_count_s
            )
        )

    def _abort(self, reason: str, now_s: float, out: list[Action]) -> None:
        t_count_s = self.t_count_s(now_s)
        if not self._lifted_off:  # a pad abort stops the clock; in flight mission time runs on
            self._anchor_count_s = t_count_s
            self._anchor_now_s = now_s
        self._change(CountState.ABORTED, now_s, out, reason=reason)

    def _do_scrub(self, reason: str, now_s: float, out: list[Action], who: str | None = None) -> None:
        t_count_s = self.t_count_s(now_s)
        self._anchor_count_s = t_count_s
        self._hold = None
        self._change(CountState.SCRUBBED, now_s, out, who=who, reason=reason)
        out.append(CommandVehicle(at_s=now_s, who=who, reason=reason, command=VehicleCommand.SAFE_VEHICLE))

    def _change(
        self, to: CountState, at_s: float, out: list[Action], *, reason: str, who: str | None = None
    ) -> None:
        before = self._state
        if to is not CountState.HOLDING:
            self._hold = None
        self._state = to
        out.append(
            CountChanged(
                at_s=at_s,
                who=who,
                reason=reason,
                from_state=before,
                to_state=to,
                t_count_s=self.t_count_s(at_s),
                hold_kind=self._hold.kind if self._hold is not None else None,
                display=self._display(),
            )
        )

    def _display(self) -> CountdownDisplay:
        match self._state:
            case CountState.IDLE:
                return CountdownDisplay.IDLE
            case CountState.COUNTING | CountState.TERMINAL:
                return CountdownDisplay.COUNTING
            case CountState.LIFTOFF:
                return CountdownDisplay.LIFTOFF
            case CountState.SCRUBBED:
                return CountdownDisplay.SCRUBBED
            case CountState.ABORTED:
                # The wire has no 'aborted': a pad abort shows as an automatic hold, a flight as T-plus.
                return CountdownDisplay.LIFTOFF if self._lifted_off else CountdownDisplay.HOLD_AUTOMATIC
            case CountState.HOLDING:
                assert self._hold is not None
                return {
                    HoldKind.BUILT_IN: CountdownDisplay.HOLD_BUILT_IN,
                    HoldKind.OPERATOR: CountdownDisplay.HOLD_OPERATOR,
                    HoldKind.AUTOMATIC: CountdownDisplay.HOLD_AUTOMATIC,
                    HoldKind.RECYCLE: CountdownDisplay.RECYCLE,
                }[self._hold.kind]
        raise AssertionError(self._state)  # pragma: no cover

    def _refused(self, user: User, request: str, code: RefusalCode, reason: str, now_s: float) -> Refused:
        return Refused(at_s=now_s, who=user.name, request=request, code=code, reason=reason)
