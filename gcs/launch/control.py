"""The launch cores wired together: one ``LaunchControl.handle(event, now_s) -> list[Action]``.

A thin async runner (written elsewhere) feeds this object the operators' requests, the vehicle
states, deck states and telemetry samples from the links, and a ``Tick`` at a steady rate; it
carries out the ``CommandVehicle`` actions over the vehicle link, journals every action (kind
``action.record``, who ``action.who``, payload ``action.payload()``), and shows ``status(now_s)``.

What this module adds to the cores is only the glue a launch team would otherwise do by voice:
a poll event in the timeline opens a poll round; an unplanned hold revokes go for launch; a recycle
or a scrub closes the poll; a commit criterion going no-go, or a station calling no-go, holds a
running count; every monitor's alert conditions go to one latched alert board.

Knows nothing of sockets, asyncio, the console or the journal's format.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gcs.domain.fields import Sample, deck_samples, vehicle_samples
from gcs.domain.landing import DeckLimits
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import DeckState, PlatformSlot
from gcs.domain.roles import Role, User
from gcs.domain.vehicle import VehicleState
from gcs.launch.actions import (
    Action,
    CommandVehicle,
    RefusalCode,
    Refused,
    VehicleCommand,
    refuse_unless_role,
)
from gcs.launch.alerts import Alert, AlertBoard, AlertCondition, Severity
from gcs.launch.countdown import (
    AutoHold,
    CountChanged,
    Countdown,
    CountdownStatus,
    CountState,
    HoldCount,
    HoldKind,
    PollRequested,
    RecycleCount,
    ResumeCount,
    ScrubCount,
    StartCount,
    Tick,
    VehicleCommandAccepted,
    VehicleCommandFailed,
    VehicleCountMissing,
    VehicleCountReport,
    VehiclePhaseReport,
    WindowClosing,
)
from gcs.launch.criteria import (
    CommitCriteria,
    CommitCriterion,
    CriterionCleared,
    CriterionStatus,
    CriterionViolated,
    load_criteria,
)
from gcs.launch.fts import FlightTermination, FtsStatus
from gcs.launch.gates import Gate, Gates
from gcs.launch.landing import DivertPolicy, LandingMonitor, LandingStatus, load_landing_limits
from gcs.launch.phase_watch import PhaseWatch
from gcs.launch.poll import GoNoGoPoll, PollAnswered, PollStatus
from gcs.launch.range_safety import RangeConfig, RangeSafetyMonitor, RangeStatus, load_range
from gcs.launch.recovery import ItemStatus, RecoveryChecklist, RecoveryItem, RecoveryState, load_recovery
from gcs.launch.redlines import RedLine, RedLines, RedLineStatus, load_red_lines
from gcs.launch.timeline import Timeline, load_timeline

_TICK = Tick()
"""The housekeeping's tick to the count (a value without fields: one will do for all)."""

ARM_ROLES = frozenset({Role.LAUNCH_DIRECTOR})
"""Who may arm the vehicle by hand."""
ABORT_ROLES = frozenset({Role.LAUNCH_DIRECTOR, Role.RANGE_SAFETY})
"""Who may order an abort: the director runs the launch, range safety answers for the public."""
ARMABLE_PHASES = frozenset({FlightPhase.SAFE, FlightPhase.STANDBY})
"""Phases in which a hand arm may go to the vehicle (on the pad, before the hand-off)."""

# --- what the runner passes in, besides the count's own requests and the domain values -----------


@dataclass(frozen=True, slots=True)
class OpenPoll:
    user: User


@dataclass(frozen=True, slots=True)
class AnswerPoll:
    user: User
    station: str
    go: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class GiveGoForLaunch:
    user: User


@dataclass(frozen=True, slots=True)
class AcknowledgeAlert:
    user: User
    key: str


@dataclass(frozen=True, slots=True)
class ArmTermination:
    user: User


@dataclass(frozen=True, slots=True)
class ConfirmTermination:
    user: User


@dataclass(frozen=True, slots=True)
class DisarmTermination:
    user: User
    reason: str = "disarmed by range safety"


@dataclass(frozen=True, slots=True)
class OrderDivert:
    user: User


@dataclass(frozen=True, slots=True)
class ConfirmRecoveryItem:
    user: User
    item: str


@dataclass(frozen=True, slots=True)
class ArmVehicle:
    """Arm the flight computer by hand (the timeline's own arm step needs no request)."""

    user: User


@dataclass(frozen=True, slots=True)
class AbortVehicle:
    """Order the vehicle to abort: a pad abort before liftoff, an in-flight abort after it."""

    user: User
    reason: str = "abort ordered from the console"


@dataclass(frozen=True, slots=True)
class FleetStatusReport:
    """The fleet's word on the airframe: a vehicle past an inspection or refurbishment limit is no-go
    in the poll, whatever its station answers, until a user with the right role clears it."""

    vehicle_id: str
    go: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TelemetrySamples:
    """Samples of catalogue fields (``gcs.domain.fields``) from the links, in time order."""

    samples: tuple[Sample, ...]


LaunchEvent = (
    StartCount
    | HoldCount
    | ResumeCount
    | RecycleCount
    | ScrubCount
    | OpenPoll
    | AnswerPoll
    | GiveGoForLaunch
    | AcknowledgeAlert
    | ArmTermination
    | ConfirmTermination
    | DisarmTermination
    | OrderDivert
    | ConfirmRecoveryItem
    | ArmVehicle
    | AbortVehicle
    | VehicleCommandFailed
    | VehicleCommandAccepted
    | VehicleCountReport
    | FleetStatusReport
    | VehicleState
    | DeckState
    | TelemetrySamples
    | Tick
)


@dataclass(frozen=True, slots=True)
class LaunchSetup:
    """Everything the launch cores are configured with, for one mission."""

    timeline: Timeline
    criteria: tuple[CommitCriterion, ...]
    red_lines: tuple[RedLine, ...]
    range: RangeConfig
    deck_limits: DeckLimits
    divert: DivertPolicy
    recovery: tuple[RecoveryItem, ...]


def load_setup(
    countdown: Path | str,
    criteria: Path | str,
    red_lines: Path | str,
    range_: Path | str,
    landing: Path | str,
) -> LaunchSetup:
    """Load the five launch files (``configs/countdowns``, ``limits`` and ``range``).

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    deck_limits, divert = load_landing_limits(landing)
    return LaunchSetup(
        timeline=load_timeline(countdown),
        criteria=load_criteria(criteria),
        red_lines=load_red_lines(red_lines),
        range=load_range(range_),
        deck_limits=deck_limits,
        divert=divert,
        recovery=load_recovery(landing),
    )


@dataclass(frozen=True, slots=True)
class LaunchStatus:
    """Everything the console shows about launch control at ``now_s``."""

    countdown: CountdownStatus
    poll: PollStatus
    go_for_launch: Gate
    criteria: tuple[CriterionStatus, ...]
    criteria_gate: Gate
    red_lines: tuple[RedLineStatus, ...]
    alerts: tuple[Alert, ...]
    range: RangeStatus
    fts: FtsStatus
    landing: LandingStatus
    recovery: tuple[ItemStatus, ...]
    recovery_state: RecoveryState
    vehicle_phase: FlightPhase | None


class LaunchControl:
    """One mission's launch control: count, poll, criteria, red lines, range safety, landing, recovery."""

    def __init__(self, setup: LaunchSetup) -> None:
        self.setup = setup
        self.countdown = Countdown(setup.timeline)
        self.poll = GoNoGoPoll(setup.timeline.stations)
        self.criteria = CommitCriteria(setup.criteria)
        self._criteria_judged_at_s: float | None = None
        """When every criterion was last judged (samples judge them all): housekeeping need not again."""
        self.red_lines = RedLines(setup.red_lines)
        self.alerts = AlertBoard()
        self.range = RangeSafetyMonitor(setup.range)
        self.fts = FlightTermination(setup.range.fts_confirm_window_s)
        self.landing = LandingMonitor(
            setup.range.landing, setup.range.alternate, setup.deck_limits, setup.divert
        )
        self.recovery = RecoveryChecklist(setup.recovery)
        self.phases = PhaseWatch()
        self._slots = {
            setup.range.launch.name: PlatformSlot.LAUNCH,
            setup.range.landing.name: PlatformSlot.LANDING,
        }
        if setup.range.alternate is not None:
            self._slots[setup.range.alternate.name] = PlatformSlot.ALTERNATE
        self._gates = Gates()

    @property
    def phase(self) -> FlightPhase | None:
        return self.phases.phase

    def gates(self) -> Gates:
        poll, go_for_launch, criteria = (
            self.poll.poll_gate(), self.poll.go_for_launch_gate(), self.criteria.gate())
        last = self._gates
        if last.poll is poll and last.go_for_launch is go_for_launch and last.criteria is criteria:
            return last  # the cores keep their gates until they change: asked several times per input
        self._gates = Gates(poll=poll, go_for_launch=go_for_launch, criteria=criteria)
        return self._gates

    def status(self, now_s: float) -> LaunchStatus:
        return LaunchStatus(
            countdown=self.countdown.status(now_s),
            poll=self.poll.status(),
            go_for_launch=self.poll.go_for_launch_gate(),
            criteria=self.criteria.status(),
            criteria_gate=self.criteria.gate(),
            red_lines=self.red_lines.status(),
            alerts=self.alerts.alerts(),
            range=self.range.status(now_s),
            fts=self.fts.status(now_s),
            landing=self.landing.status(now_s),
            recovery=self.recovery.status(),
            recovery_state=self.recovery.state,
            vehicle_phase=self.phase,
        )

    def handle(self, event: LaunchEvent, now_s: float) -> list[Action]:
        """Apply one request or input at ``now_s``; returns every decision, in order."""
        out: list[Action] = []
        conditions: list[AlertCondition] = []
        match event:
            case StartCount() | HoldCount() | ResumeCount() | RecycleCount() | ScrubCount():
                out += self.countdown.handle(event, now_s, self.gates())
            case VehicleCommandFailed() | VehicleCommandAccepted() | VehicleCountReport():
                out += self.countdown.handle(event, now_s, self.gates())
            case FleetStatusReport():
                reason = None if event.go else f"vehicle {event.vehicle_id} {event.reason}"
                out += self.poll.set_blocker("fleet", reason, now_s)
            case OpenPoll():
                out += self.poll.open(now_s, event.user)
            case AnswerPoll():
                out += self.poll.answer(event.user, event.station, event.go, now_s, event.reason)
            case GiveGoForLaunch():
                out += self.poll.give_go_for_launch(event.user, now_s)
            case AcknowledgeAlert():
                out += self.alerts.acknowledge(event.user, event.key, now_s)
            case ArmTermination():
                out += self.fts.arm(event.user, now_s)
            case ConfirmTermination():
                out += self.fts.confirm(event.user, now_s)
            case DisarmTermination():
                out += self.fts.disarm(event.user, now_s, event.reason)
            case OrderDivert():
                out += self.landing.command_divert(event.user, now_s)
            case ConfirmRecoveryItem():
                out += self.recovery.confirm(event.user, event.item, now_s)
            case ArmVehicle():
                out += self._arm_vehicle(event.user, now_s)
            case AbortVehicle():
                out += self._abort_vehicle(event.user, event.reason, now_s)
            case VehicleState():
                self._vehicle(event, now_s, out, conditions)
            case DeckState():
                self._deck(event, now_s, out, conditions)
            case TelemetrySamples():
                self._samples(event.samples, now_s, out, conditions)
            case Tick():
                pass
        self._housekeeping(now_s, out, conditions)
        return out

    # --- the vehicle's own commands ------------------------------------------------------------

    def _arm_vehicle(self, user: User, now_s: float) -> list[Action]:
        request = "arm vehicle"
        if (refused := refuse_unless_role(user, ARM_ROLES, request, now_s)) is not None:
            return [refused]
        phase = self.phase
        if phase is not None and phase not in ARMABLE_PHASES:
            return [
                Refused(
                    at_s=now_s,
                    who=user.name,
                    request=request,
                    code=RefusalCode.STATE,
                    reason=f"the vehicle is in {phase.config_name}; it is armed on the pad only",
                )
            ]
        return [
            CommandVehicle(
                at_s=now_s, who=user.name, command=VehicleCommand.ARM, reason=f"armed by {user.name}"
            )
        ]

    def _abort_vehicle(self, user: User, reason: str, now_s: float) -> list[Action]:
        # No phase, count or data state can block an abort: it is most needed when those are wrong.
        if (refused := refuse_unless_role(user, ABORT_ROLES, "abort vehicle", now_s)) is not None:
            return [refused]
        return [
            CommandVehicle(
                at_s=now_s,
                who=user.name,
                command=VehicleCommand.ABORT,
                reason=reason or f"abort ordered by {user.name}",
            )
        ]

    # --- inputs ------------------------------------------------------------------------------

    def _vehicle(
        self, state: VehicleState, now_s: float, out: list[Action], conditions: list[AlertCondition]
    ) -> None:
        previous = self.phases.phase
        actions, phase_conditions = self.phases.observe(state.phase, now_s)
        out += actions
        conditions += phase_conditions
        if state.phase != previous:
            self.landing.observe_phase(state.phase)
            out += self.countdown.handle(VehiclePhaseReport(state.phase), now_s, self.gates())
            out += self.recovery.observe_phase(state.phase, now_s)
        conditions += self.range.observe(state, now_s)
        self._samples(vehicle_samples(state), now_s, out, conditions)

    def _deck(
        self, deck: DeckState, now_s: float, out: list[Action], conditions: list[AlertCondition]
    ) -> None:
        slot = self._slots.get(deck.platform)
        if slot is None:
            return  # a platform this mission does not use
        self.landing.observe_deck(deck)
        self._samples(deck_samples(slot, deck), now_s, out, conditions)

    def _samples(
        self, samples: Iterable[Sample], now_s: float, out: list[Action], conditions: list[AlertCondition]
    ) -> None:
        samples = tuple(samples)
        out += self.criteria.update(samples, self.phase, now_s)
        self._criteria_judged_at_s = now_s
        conditions += self.red_lines.update(samples, self.phase, now_s)
        out += self.recovery.update(samples, now_s)

    # --- glue --------------------------------------------------------------------------------

    def _housekeeping(self, now_s: float, out: list[Action], conditions: list[AlertCondition]) -> None:
        if self._criteria_judged_at_s != now_s:  # (judging twice at one instant finds nothing new)
            out += self.criteria.update((), self.phase, now_s)  # data goes stale without new samples
        out += self.fts.tick(now_s)
        conditions += self.range.tick(now_s)
        landing_actions, landing_conditions = self.landing.tick(now_s)
        out += landing_actions
        conditions += landing_conditions
        # React to each decision, including those the reactions make, before the count looks at
        # the gates: a station's no-go must hold the count before a check could pass.
        i = 0
        while True:
            while i < len(out):
                out += self._react(out[i], now_s, conditions)
                i += 1
            out += self.countdown.handle(_TICK, now_s, self.gates())
            if i == len(out):
                break
        out += self.alerts.apply(conditions, now_s)

    def _react(self, action: Action, now_s: float, conditions: list[AlertCondition]) -> list[Action]:
        match action:
            case PollRequested():
                return self.poll.open(now_s, None, reason=action.event)
            case CountChanged(to_state=CountState.HOLDING, hold_kind=HoldKind.RECYCLE):
                return self.poll.close(action.reason, now_s)
            case CountChanged(to_state=CountState.HOLDING, hold_kind=HoldKind.OPERATOR | HoldKind.AUTOMATIC):
                if action.hold_kind is HoldKind.AUTOMATIC:
                    conditions.append(
                        AlertCondition(
                            "count:hold", Severity.CAUTION, f"automatic hold: {action.reason}", "countdown"
                        )
                    )
                return self.poll.revoke_go_for_launch(f"unplanned hold: {action.reason}", now_s)
            case CountChanged(to_state=CountState.COUNTING | CountState.TERMINAL):
                conditions.append(AlertCondition.cleared("count:hold", "count running", "countdown"))
                return []
            case CountChanged(to_state=CountState.SCRUBBED):
                return self.poll.close(f"scrubbed: {action.reason}", now_s)
            case WindowClosing():
                conditions.append(
                    AlertCondition("count:window", Severity.CAUTION, action.reason, "countdown")
                )
                return []
            case VehicleCountMissing():
                conditions.append(
                    AlertCondition("count:vehicle_silent", Severity.WARNING, action.reason, "countdown")
                )
                return []
            case CriterionViolated():
                conditions.append(
                    AlertCondition(
                        f"criterion:{action.criterion}", Severity.CAUTION, action.reason, "commit_criteria"
                    )
                )
                return self._hold_if_counting(f"commit criterion {action.reason}", now_s, conditions)
            case CriterionCleared():
                conditions.append(
                    AlertCondition.cleared(f"criterion:{action.criterion}", action.reason, "commit_criteria")
                )
                return []
            case PollAnswered(go=False):
                return self._hold_if_counting(f"{action.station} no-go: {action.reason}", now_s, conditions)
        return []

    def _hold_if_counting(self, reason: str, now_s: float, conditions: list[AlertCondition]) -> list[Action]:
        state = self.countdown.state
        if state is CountState.COUNTING:
            return self.countdown.handle(AutoHold(reason), now_s, self.gates())
        if state is CountState.TERMINAL:
            # The ground can no longer hold: the count journals its refusal, and the team is told.
            conditions.append(
                AlertCondition(
                    "count:past_handoff",
                    Severity.WARNING,
                    f"{reason}: past the hand-off only the vehicle can stop the count",
                    "countdown",
                )
            )
            return self.countdown.handle(AutoHold(reason), now_s, self.gates())
        return []
