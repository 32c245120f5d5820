"""The countdown state machine as tables, with the time injected: every transition, legal or not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gcs.domain.phases import CountdownDisplay, FlightPhase
from gcs.domain.roles import User
from gcs.launch.actions import RecordKind, RefusalCode, VehicleCommand
from gcs.launch.countdown import (
    HANDOFF_GRACE_S,
    AutoHold,
    CountChanged,
    Countdown,
    CountEvent,
    CountState,
    EventReached,
    HoldCount,
    HoldKind,
    LaunchWindow,
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
from gcs.launch.gates import Gate, Gates
from tests.unit.launch.helpers import DIRECTOR, OPERATOR, RSO, TIMELINE, VIEWER, commands, of_type, refusals

NO_GO = Gate(False, "weather no-go (lightning)")

# --- getting a countdown into each state --------------------------------------------------------
# Count time is now_s - 100 from the start at now 0 until the built-in hold at T-80 (now 20); that
# lasts 10 s, so from now 30 the count time is now_s - 110: chill at now 50, the go-for-launch check
# at 70, the hand-off at 90, T-0 at 110.


def _counting() -> tuple[Countdown, float]:
    c = Countdown(TIMELINE)
    c.handle(StartCount(DIRECTOR), 0.0)
    c.handle(Tick(), 55.0)  # T-55: past the built-in hold, chill sent
    return c, 55.0


def _idle() -> tuple[Countdown, float]:
    return Countdown(TIMELINE), 0.0


def _hold_operator() -> tuple[Countdown, float]:
    c, now = _counting()
    c.handle(HoldCount(OPERATOR, "pad camera down"), now)
    return c, now


def _hold_built_in() -> tuple[Countdown, float]:
    c = Countdown(TIMELINE)
    c.handle(StartCount(DIRECTOR), 0.0)
    c.handle(Tick(), 25.0)
    return c, 25.0


def _hold_automatic() -> tuple[Countdown, float]:
    c, now = _counting()
    c.handle(AutoHold("landing deck pitch: 4.2 > 3"), now)
    return c, now


def _hold_recycle() -> tuple[Countdown, float]:
    c, now = _hold_operator()
    c.handle(RecycleCount(DIRECTOR, "T-70"), now)
    return c, now


def _terminal() -> tuple[Countdown, float]:
    c, _ = _counting()
    c.handle(Tick(), 105.0)  # T-5
    return c, 105.0


def _liftoff() -> tuple[Countdown, float]:
    c, _ = _terminal()
    c.handle(VehiclePhaseReport(FlightPhase.TERMINAL_COUNT), 106.0)
    c.handle(VehiclePhaseReport(FlightPhase.IGNITION), 108.0)
    c.handle(Tick(), 111.0)  # T+1
    return c, 111.0


def _aborted() -> tuple[Countdown, float]:
    c, now = _terminal()
    c.handle(VehiclePhaseReport(FlightPhase.ABORT), now)
    return c, now


def _scrubbed() -> tuple[Countdown, float]:
    c, now = _counting()
    c.handle(ScrubCount(DIRECTOR), now)
    return c, now


STATES: dict[str, Callable[[], tuple[Countdown, float]]] = {
    "idle": _idle,
    "counting": _counting,
    "hold_operator": _hold_operator,
    "hold_built_in": _hold_built_in,
    "hold_automatic": _hold_automatic,
    "hold_recycle": _hold_recycle,
    "terminal": _terminal,
    "liftoff": _liftoff,
    "aborted": _aborted,
    "scrubbed": _scrubbed,
}

EVENTS: dict[str, CountEvent] = {
    "start": StartCount(DIRECTOR),
    "hold": HoldCount(OPERATOR, "called on the loop"),
    "resume": ResumeCount(DIRECTOR),
    "recycle": RecycleCount(DIRECTOR, "T-70"),
    "scrub": ScrubCount(DIRECTOR, "weather"),
    "auto_hold": AutoHold("criterion no-go"),
    "vehicle_abort": VehiclePhaseReport(FlightPhase.ABORT),
}

ST, PH = RefusalCode.STATE, RefusalCode.PAST_HANDOFF
C, SC, AB = CountState.COUNTING, CountState.SCRUBBED, CountState.ABORTED
HO = (CountState.HOLDING, HoldKind.OPERATOR)
HA = (CountState.HOLDING, HoldKind.AUTOMATIC)
HR = (CountState.HOLDING, HoldKind.RECYCLE)
_ = None  # nothing happens, nothing is refused
# Each cell: the state afterwards (with the kind of hold), or the refusal code (state unchanged).
# The built-in hold sits at T-80, before the recycle point T-70: a recycle there would go forward.
TABLE: dict[str, tuple[object, ...]] = {
    #                  start  hold  resume  recycle  scrub  auto_hold  vehicle_abort
    "idle":           (C,     ST,   ST,     ST,      ST,    _,         _),
    "counting":       (ST,    HO,   ST,     ST,      SC,    HA,        HA),
    "hold_operator":  (ST,    ST,   C,      HR,      SC,    _,         _),
    "hold_built_in":  (ST,    HO,   C,      ST,      SC,    HA,        HA),
    "hold_automatic": (ST,    ST,   C,      HR,      SC,    _,         _),
    "hold_recycle":   (ST,    ST,   C,      HR,      SC,    _,         _),
    "terminal":       (ST,    PH,   PH,     PH,      PH,    PH,        AB),
    "liftoff":        (ST,    PH,   ST,     PH,      PH,    PH,        AB),
    "aborted":        (ST,    ST,   ST,     HR,      SC,    _,         _),
    "scrubbed":       (ST,    ST,   ST,     ST,      ST,    _,         _),
}  # fmt: skip

CASES = [(state, event, TABLE[state][i]) for state in TABLE for i, event in enumerate(EVENTS)]


@pytest.mark.parametrize(("state", "event", "expected"), CASES, ids=[f"{s}-{e}" for s, e, _ in CASES])
def test_transition_table(state: str, event: str, expected: object) -> None:
    countdown, now = STATES[state]()
    before_state, before_hold = countdown.state, countdown.hold
    actions = countdown.handle(EVENTS[event], now + 1.0)
    refused = refusals(actions)
    if isinstance(expected, RefusalCode):
        assert [r.code for r in refused] == [expected]
        assert refused[0].reason, "a refusal must say why"
        assert countdown.state is before_state
        assert countdown.hold == before_hold
        assert not of_type(actions, CountChanged)
        return
    assert refused == []
    if expected is None:
        assert countdown.state is before_state
        assert countdown.hold == before_hold
        assert not of_type(actions, CountChanged)
        return
    if isinstance(expected, tuple):
        to_state, kind = expected
        assert countdown.state is to_state
        assert countdown.hold is not None
        assert countdown.hold.kind is kind
    else:
        assert countdown.state is expected
    changes = of_type(actions, CountChanged)
    assert changes
    assert changes[-1].to_state is countdown.state
    assert all(c.reason for c in changes)


def test_table_covers_every_state_and_request() -> None:
    assert set(TABLE) == set(STATES)
    assert all(len(row) == len(EVENTS) for row in TABLE.values())
    reached = {STATES[name]()[0].state for name in TABLE}
    assert reached == set(CountState)


# --- roles ----------------------------------------------------------------------------------------

ROLE_CASES = [
    ("idle", StartCount(VIEWER)),
    ("idle", StartCount(OPERATOR)),
    ("idle", StartCount(RSO)),
    ("counting", HoldCount(VIEWER)),
    ("hold_operator", ResumeCount(OPERATOR)),
    ("hold_operator", RecycleCount(OPERATOR, "T-70")),
    ("counting", ScrubCount(OPERATOR)),
    ("hold_operator", ResumeCount(VIEWER)),
]


@pytest.mark.parametrize(("state", "event"), ROLE_CASES)
def test_requests_need_their_role(state: str, event: CountEvent) -> None:
    countdown, now = STATES[state]()
    before = countdown.state
    actions = countdown.handle(event, now + 1.0)
    assert [r.code for r in refusals(actions)] == [RefusalCode.ROLE]
    assert refusals(actions)[0].who == event.user.name  # type: ignore[union-attr]
    assert "needs the role" in refusals(actions)[0].reason
    assert countdown.state is before


@pytest.mark.parametrize("user", [OPERATOR, RSO, DIRECTOR, User.of("v", *[])])
def test_anyone_but_a_viewer_may_hold(user: User) -> None:
    countdown, now = _counting()
    actions = countdown.handle(HoldCount(user), now)
    if user.roles:
        assert countdown.state is CountState.HOLDING
    else:
        assert refusals(actions)[0].code is RefusalCode.ROLE


# --- time ---------------------------------------------------------------------------------------


def test_late_ticks_fire_events_at_their_own_count_times() -> None:
    c = Countdown(TIMELINE)
    c.handle(StartCount(DIRECTOR), 0.0)
    actions = c.handle(Tick(), 60.0)  # one late tick across the poll, the built-in hold and the chill
    reached = {a.event: a.at_s for a in of_type(actions, EventReached)}
    assert reached == {"readiness poll": 10.0, "built-in hold": 20.0, "engine chill": 50.0}
    assert [a.at_s for a in of_type(actions, PollRequested)] == [10.0]
    states = [(a.to_state, a.at_s) for a in of_type(actions, CountChanged)]
    assert states == [(CountState.HOLDING, 20.0), (CountState.COUNTING, 30.0)]
    assert c.t_count_s(60.0) == pytest.approx(-50.0)
    assert commands(actions) == [
        VehicleCommand.HOLD_COUNT,
        VehicleCommand.RESUME_COUNT,
        VehicleCommand.ENGINE_CHILL,
    ]


def test_hold_freezes_the_count_and_resume_continues_from_there() -> None:
    c, now = _counting()
    c.handle(HoldCount(OPERATOR), now)
    assert c.t_count_s(now) == c.t_count_s(now + 500.0) == pytest.approx(-55.0)
    status = c.status(now + 500.0)
    assert status.hold_elapsed_s == pytest.approx(500.0)
    assert status.display is CountdownDisplay.HOLD_OPERATOR
    c.handle(ResumeCount(DIRECTOR), now + 500.0)
    assert c.t_count_s(now + 510.0) == pytest.approx(-45.0)


def test_a_failed_check_holds_at_its_count_time_and_blocks_resume_until_go() -> None:
    c, _ = _counting()
    c.handle(Tick(), 80.0, Gates(go_for_launch=NO_GO))  # the T-40 check falls at now 70
    hold = c.hold
    assert hold is not None
    assert hold.kind is HoldKind.AUTOMATIC
    assert (hold.t_count_s, hold.since_s, hold.pending_event) == (-40.0, 70.0, "go for launch")
    assert "weather no-go" in hold.reason
    assert c.t_count_s(80.0) == -40.0
    refused = refusals(c.handle(ResumeCount(DIRECTOR), 90.0, Gates(go_for_launch=NO_GO)))
    assert [r.code for r in refused] == [RefusalCode.GATE]
    assert "weather no-go" in refused[0].reason
    actions = c.handle(ResumeCount(DIRECTOR), 95.0)
    assert c.state is CountState.COUNTING
    assert [a.event for a in of_type(actions, EventReached)] == ["go for launch"]


def test_resume_is_refused_while_a_criterion_is_no_go() -> None:
    c, now = _hold_operator()
    refused = refusals(
        c.handle(ResumeCount(DIRECTOR), now + 1, Gates(criteria=Gate(False, "LOX pressure low")))
    )
    assert [r.code for r in refused] == [RefusalCode.GATE]
    assert "LOX pressure low" in refused[0].reason


def test_built_in_hold_that_ends_with_a_criterion_no_go_becomes_automatic() -> None:
    c, _ = _hold_built_in()
    c.handle(Tick(), 31.0, Gates(criteria=Gate(False, "wind 14 m/s")))
    assert c.hold is not None
    assert c.hold.kind is HoldKind.AUTOMATIC
    assert "wind 14 m/s" in c.hold.reason


def test_operator_hold_during_a_built_in_hold_keeps_it_from_ending() -> None:
    c, _ = _hold_built_in()
    c.handle(HoldCount(OPERATOR, "range fouled"), 26.0)
    c.handle(Tick(), 100.0)
    assert c.state is CountState.HOLDING
    assert c.hold is not None
    assert c.hold.kind is HoldKind.OPERATOR


def test_handoff_needs_every_gate_whatever_the_file_says() -> None:
    for gates, words in (
        (Gates(criteria=Gate(False, "GNSS HDOP 3")), "GNSS HDOP 3"),
        (Gates(go_for_launch=Gate(False, "no go for launch")), "no go for launch"),
    ):
        c, _ = _counting()
        c.handle(Tick(), 71.0)  # past the go-for-launch check with everything go
        c.handle(Tick(), 95.0, gates)  # the hand-off at T-20 falls at now 90
        assert c.state is CountState.HOLDING
        assert c.hold is not None
        assert c.hold.pending_event == "hand-off"
        assert c.hold.t_count_s == -20.0
        assert words in c.hold.reason


def test_handoff_passes_the_count_to_the_vehicle() -> None:
    c, _ = _counting()
    actions = c.handle(Tick(), 91.0)
    assert c.state is CountState.TERMINAL
    assert VehicleCommand.START_TERMINAL_COUNT in commands(actions)
    assert c.status(91.0).display is CountdownDisplay.COUNTING
    c.handle(VehicleCommandAccepted(VehicleCommand.START_TERMINAL_COUNT), 92.0)  # count and ignition go
    actions = c.handle(Tick(), 111.0)
    assert c.state is CountState.LIFTOFF
    assert [a.event for a in of_type(actions, EventReached)] == ["ignition", "liftoff"]
    assert c.t_count_s(115.0) == pytest.approx(5.0)


def test_t0_without_the_vehicles_ignition_is_no_liftoff_and_after_the_grace_an_alarm_not_an_abort() -> None:
    c, _ = _counting()
    c.handle(Tick(), 91.0)  # hand-off sent; the vehicle never answers nor shows its count
    actions = c.handle(Tick(), 111.0)  # T+1: the milestones pass, no liftoff by the clock alone
    assert not of_type(actions, CountChanged)
    assert c.state is CountState.TERMINAL
    actions = c.handle(Tick(), 110.0 + HANDOFF_GRACE_S + 1.0)
    # The ground cannot tell whether a silent vehicle flies: it says so, and sends nothing.
    [missing] = of_type(actions, VehicleCountMissing)
    assert "no ignition from the vehicle" in missing.reason
    assert commands(actions) == []
    assert c.state is CountState.TERMINAL
    assert of_type(c.handle(Tick(), 200.0), VehicleCountMissing) == []  # once
    c.handle(VehiclePhaseReport(FlightPhase.ABORT), 201.0)  # the team ordered the abort: it shows
    assert c.state is CountState.ABORTED
    c.handle(RecycleCount(DIRECTOR, "T-70"), 202.0)  # never flown: it may be recycled
    assert c.state is CountState.HOLDING


def test_a_vehicle_in_its_terminal_count_without_an_ignition_go_is_not_flown_by_the_clock() -> None:
    c, _ = _counting()
    c.handle(Tick(), 91.0)
    c.handle(VehiclePhaseReport(FlightPhase.TERMINAL_COUNT), 92.0)  # handed over, waiting for its go
    c.handle(Tick(), 111.0)  # T+1
    assert c.state is CountState.TERMINAL
    refused = VehicleCommandFailed(VehicleCommand.START_TERMINAL_COUNT, "DENIED: resume time must be T-minus")
    actions = c.handle(refused, 112.0)
    assert c.state is CountState.ABORTED
    assert VehicleCommand.ABORT in commands(actions)


def test_a_vehicle_that_shows_its_count_late_within_the_grace_flies() -> None:
    c, _ = _counting()
    c.handle(Tick(), 91.0)
    unanswered = VehicleCommandFailed(VehicleCommand.START_TERMINAL_COUNT, "no final ACK", refused=False)
    c.handle(unanswered, 100.0)
    assert c.state is CountState.TERMINAL  # unanswered is not refused
    c.handle(Tick(), 115.0)  # T+5
    c.handle(VehiclePhaseReport(FlightPhase.TERMINAL_COUNT), 116.0)
    c.handle(VehiclePhaseReport(FlightPhase.ASCENT), 125.0)
    assert c.state is CountState.LIFTOFF


@pytest.mark.parametrize(
    "command",
    [
        VehicleCommand.ARM,
        VehicleCommand.PROPELLANT_LOAD,
        VehicleCommand.ENGINE_CHILL,
        VehicleCommand.PRESSURISE,
    ],
)
def test_a_failed_timeline_command_holds_the_count_and_names_it(command: VehicleCommand) -> None:
    c, now = _counting()
    actions = c.handle(VehicleCommandFailed(command, "no COMMAND_ACK after 3 tries"), now + 1)
    assert c.state is CountState.HOLDING
    assert c.hold is not None
    assert c.hold.kind is HoldKind.AUTOMATIC
    assert "failed: no COMMAND_ACK after 3 tries" in c.hold.reason
    assert of_type(actions, CountChanged)


def test_a_refused_hand_off_aborts_at_once_without_waiting_for_t0() -> None:
    c, _ = _counting()
    c.handle(Tick(), 91.0)
    actions = c.handle(VehicleCommandFailed(VehicleCommand.START_TERMINAL_COUNT, "DENIED: not armed"), 92.0)
    assert c.state is CountState.ABORTED
    assert VehicleCommand.ABORT in commands(actions)
    assert "did not take the terminal count" in of_type(actions, CountChanged)[-1].reason


def test_an_accepted_hand_off_is_the_vehicle_taking_the_count_before_its_heartbeat_says_so() -> None:
    c, _ = _counting()
    c.handle(Tick(), 91.0)
    c.handle(VehicleCommandAccepted(VehicleCommand.START_TERMINAL_COUNT), 109.5)  # answered just before T-0
    c.handle(Tick(), 111.0)
    assert c.state is CountState.LIFTOFF


def test_a_failed_hand_off_reply_after_the_vehicle_counts_changes_nothing() -> None:
    c, _ = _counting()
    c.handle(Tick(), 91.0)
    c.handle(VehiclePhaseReport(FlightPhase.TERMINAL_COUNT), 92.0)  # it took the count; the ACK was lost
    unanswered = VehicleCommandFailed(VehicleCommand.START_TERMINAL_COUNT, "no ACK", refused=False)
    assert c.handle(unanswered, 93.0) == []
    assert c.state is CountState.TERMINAL


# --- recycle --------------------------------------------------------------------------------------


def test_recycle_goes_back_and_replays_the_events_after_the_point() -> None:
    c, now = _hold_operator()  # held at T-55, after the chill
    actions = c.handle(RecycleCount(DIRECTOR, "T-70"), now)
    assert c.t_count_s(now) == -70.0
    assert c.status(now).display is CountdownDisplay.RECYCLE
    assert VehicleCommand.HOLD_COUNT in commands(actions)
    c.handle(ResumeCount(DIRECTOR), 100.0)
    actions = c.handle(Tick(), 111.0)  # T-59
    assert [a.event for a in of_type(actions, EventReached)] == ["engine chill"]


@pytest.mark.parametrize(("point", "code"), [("T-5", RefusalCode.UNKNOWN), ("T-70", RefusalCode.STATE)])
def test_recycle_refusals(point: str, code: RefusalCode) -> None:
    c = Countdown(TIMELINE)
    c.handle(StartCount(DIRECTOR), 0.0)
    c.handle(HoldCount(OPERATOR), 5.0)  # held at T-95: T-70 would be forward
    refused = refusals(c.handle(RecycleCount(DIRECTOR, point), 6.0))
    assert [r.code for r in refused] == [code]


# --- the vehicle ------------------------------------------------------------------------------------


def test_vehicle_standing_down_in_the_terminal_count_is_an_abort() -> None:
    c, now = _terminal()
    c.handle(VehiclePhaseReport(FlightPhase.TERMINAL_COUNT), now)
    actions = c.handle(VehiclePhaseReport(FlightPhase.SAFING), now + 1)
    assert c.state is CountState.ABORTED
    change = of_type(actions, CountChanged)[0]
    assert change.record is RecordKind.ABORT
    assert "SAFING" in change.reason
    assert c.status(now + 1).display is CountdownDisplay.HOLD_AUTOMATIC
    c.handle(RecycleCount(DIRECTOR, "T-70"), now + 60)
    assert c.state is CountState.HOLDING


def test_standby_before_the_vehicle_took_the_count_is_not_an_abort() -> None:
    c, now = _terminal()
    c.handle(VehiclePhaseReport(FlightPhase.STANDBY), now)
    assert c.state is CountState.TERMINAL


def test_after_liftoff_an_abort_cannot_be_recycled_and_mission_time_runs_on() -> None:
    c, now = _liftoff()
    c.handle(VehiclePhaseReport(FlightPhase.ASCENT), now)
    c.handle(VehiclePhaseReport(FlightPhase.ABORT), now + 10)
    assert c.state is CountState.ABORTED
    assert c.t_count_s(now + 20) == pytest.approx(21.0)
    assert c.status(now + 20).display is CountdownDisplay.LIFTOFF
    for event in (RecycleCount(DIRECTOR, "T-70"), ScrubCount(DIRECTOR)):
        refused = refusals(c.handle(event, now + 30))
        assert [r.code for r in refused] == [RefusalCode.STATE]
        assert "flown" in refused[0].reason


def test_liftoff_reported_by_the_vehicle_before_t0() -> None:
    c, now = _terminal()
    c.handle(VehiclePhaseReport(FlightPhase.ASCENT), now)
    assert c.state is CountState.LIFTOFF
    assert c.status(now).lifted_off


# --- a station started while the vehicle flies ---------------------------------------------------

ADOPTION = [
    # (phase the idle count first hears, taken over as a flight)
    (FlightPhase.SAFE, False),
    (FlightPhase.STANDBY, False),
    (FlightPhase.TERMINAL_COUNT, False),  # its count runs on board; liftoff will show
    (FlightPhase.IGNITION, False),
    (FlightPhase.ASCENT, True),
    (FlightPhase.COAST, True),
    (FlightPhase.ENTRY, True),
    (FlightPhase.LANDING_BURN, True),
    (FlightPhase.TOUCHDOWN, True),
    (FlightPhase.SAFING, False),  # a scrubbed count safes too
    (FlightPhase.ABORT, False),  # a pad abort is one
    (FlightPhase.FLIGHT_TERMINATION, False),
]


@pytest.mark.parametrize(("phase", "taken"), ADOPTION, ids=[p.name for p, _ in ADOPTION])
def test_an_idle_count_takes_over_a_vehicle_it_finds_flying(phase: FlightPhase, taken: bool) -> None:
    c, now = _idle()
    actions = c.handle(VehiclePhaseReport(phase), now + 1.0)
    if not taken:
        assert c.state is CountState.IDLE
        assert not of_type(actions, CountChanged)
        return
    assert c.state is CountState.LIFTOFF
    assert c.status(now + 1.0).lifted_off
    [change] = of_type(actions, CountChanged)
    assert change.from_state is CountState.IDLE
    assert "already flying" in change.reason
    assert phase.name in change.reason
    assert not commands(actions), "taking a flight over must send the vehicle nothing"
    assert not of_type(actions, EventReached), "no event of the count may fire for a flown count"
    # Requests of a count are refused as after any liftoff.
    refused = refusals(c.handle(HoldCount(OPERATOR, "x"), now + 2.0))
    assert [r.code for r in refused] == [RefusalCode.PAST_HANDOFF]


def test_a_taken_over_flight_shows_the_vehicles_t_plus_once_it_is_heard() -> None:
    c, now = _idle()
    c.handle(VehiclePhaseReport(FlightPhase.COAST), now)
    assert c.t_count_s(now + 5.0) == pytest.approx(5.0)  # until the vehicle says: from the take-over
    c.handle(VehicleCountReport(t_count_s=83.0, lifted_off=True), now + 6.0)
    assert c.t_count_s(now + 10.0) == pytest.approx(87.0)
    c.handle(VehicleCountReport(t_count_s=200.0, lifted_off=True), now + 11.0)  # one jump, not a hunt
    assert c.t_count_s(now + 12.0) == pytest.approx(89.0)
    c.handle(VehiclePhaseReport(FlightPhase.ABORT), now + 13.0)
    assert c.state is CountState.ABORTED
    assert c.status(now + 14.0).display is CountdownDisplay.LIFTOFF


def test_the_vehicles_count_does_not_move_a_count_the_ground_ran() -> None:
    c, now = _liftoff()
    t = c.t_count_s(now + 1.0)
    c.handle(VehicleCountReport(t_count_s=t + 0.7, lifted_off=True), now + 1.0)
    assert c.t_count_s(now + 1.0) == pytest.approx(t)
    idle, _ = _idle()
    idle.handle(VehicleCountReport(t_count_s=-30.0, lifted_off=False), 1.0)
    assert idle.state is CountState.IDLE


def test_a_vehicle_abort_blocks_resume() -> None:
    c, now = _counting()
    c.handle(VehiclePhaseReport(FlightPhase.ABORT), now)
    refused = refusals(c.handle(ResumeCount(DIRECTOR), now + 1))
    assert [r.code for r in refused] == [RefusalCode.GATE]
    c.handle(VehiclePhaseReport(FlightPhase.STANDBY), now + 2)
    c.handle(ResumeCount(DIRECTOR), now + 3)
    assert c.state is CountState.COUNTING


# --- the launch window --------------------------------------------------------------------------


def test_start_is_refused_when_t0_cannot_make_the_window() -> None:
    c = Countdown(TIMELINE)
    refused = refusals(c.handle(StartCount(DIRECTOR, LaunchWindow(0.0, 99.0)), 0.0))
    assert [r.code for r in refused] == [RefusalCode.GATE]
    assert c.state is CountState.IDLE


def test_holding_past_the_window_close_scrubs_with_a_warning_first() -> None:
    c = Countdown(TIMELINE)
    c.handle(StartCount(DIRECTOR, LaunchWindow(100.0, 160.0)), 0.0)
    c.handle(Tick(), 55.0)
    c.handle(HoldCount(OPERATOR), 55.0)  # held at T-55
    status = c.status(60.0)
    assert status.projected_t0_s == pytest.approx(115.0)
    assert status.window_margin_s == pytest.approx(45.0)
    assert of_type(c.handle(Tick(), 60.0), WindowClosing) == []
    warned = of_type(c.handle(Tick(), 76.0), WindowClosing)
    assert len(warned) == 1
    assert warned[0].margin_s == pytest.approx(29.0)
    assert of_type(c.handle(Tick(), 80.0), WindowClosing) == []  # once per hold
    actions = c.handle(Tick(), 105.5)
    assert c.state is CountState.SCRUBBED
    assert "window closed" in of_type(actions, CountChanged)[0].reason
    assert VehicleCommand.SAFE_VEHICLE in commands(actions)


def test_t0_before_the_window_opens_holds_at_the_handoff() -> None:
    c = Countdown(TIMELINE)
    c.handle(StartCount(DIRECTOR, LaunchWindow(130.0, 200.0)), 0.0)
    c.handle(Tick(), 95.0)  # the hand-off at now 90 would put T-0 at 110
    assert c.state is CountState.HOLDING
    assert c.hold is not None
    assert "20 s before the window opens" in c.hold.reason
    refused = refusals(c.handle(ResumeCount(DIRECTOR), 100.0))
    assert [r.code for r in refused] == [RefusalCode.GATE]
    c.handle(ResumeCount(DIRECTOR), 110.0)  # T-0 at 130: exactly when it opens
    assert c.state is CountState.TERMINAL


def test_window_must_open_before_it_closes() -> None:
    with pytest.raises(ValueError, match="open before"):
        LaunchWindow(10.0, 5.0)


def test_every_action_is_stamped_and_explained() -> None:
    c = Countdown(TIMELINE)
    actions = c.handle(StartCount(DIRECTOR), 0.0) + c.handle(Tick(), 200.0)
    assert actions
    for action in actions:
        assert action.reason
        payload = action.payload()
        assert payload["action"] == action.name
        assert "at_s" not in payload
