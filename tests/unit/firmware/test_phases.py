"""The phase state machine as a table: every (phase, event) pair, and the MAVLink coarse state."""

from __future__ import annotations

import pytest

from firmware_sim.firmware.phases import TRANSITIONS, PhaseEvent, coarse_state, next_phase
from firmware_sim.firmware.telemetry import LandedState, MavState
from gcs.protocol.dialect import FlightPhase

P = FlightPhase
E = PhaseEvent

EXPECTED: dict[tuple[FlightPhase, PhaseEvent], FlightPhase] = {
    (P.SAFE, E.SELF_TEST_OK): P.STANDBY,
    (P.STANDBY, E.START_COUNT): P.TERMINAL_COUNT,
    (P.STANDBY, E.SAFE_VEHICLE): P.SAFING,
    (P.STANDBY, E.ABORT): P.SAFING,
    (P.TERMINAL_COUNT, E.IGNITION_GO): P.IGNITION,
    (P.TERMINAL_COUNT, E.HOLD): P.STANDBY,
    (P.TERMINAL_COUNT, E.DISARM): P.STANDBY,
    (P.TERMINAL_COUNT, E.LINK_LOST): P.SAFING,
    (P.TERMINAL_COUNT, E.ABORT): P.SAFING,
    (P.TERMINAL_COUNT, E.REDLINE): P.SAFING,
    (P.TERMINAL_COUNT, E.SAFE_VEHICLE): P.SAFING,
    (P.IGNITION, E.LIFTOFF): P.ASCENT,
    (P.IGNITION, E.IGNITION_FAILED): P.ABORT,
    (P.IGNITION, E.HOLD): P.ABORT,
    (P.IGNITION, E.LINK_LOST): P.ABORT,
    (P.IGNITION, E.ABORT): P.ABORT,
    (P.IGNITION, E.REDLINE): P.ABORT,
    (P.ASCENT, E.MECO): P.COAST,
    (P.COAST, E.ENTRY_INTERFACE): P.ENTRY,
    (P.COAST, E.LANDING_BURN_START): P.LANDING_BURN,
    (P.ENTRY, E.LANDING_BURN_START): P.LANDING_BURN,
    (P.TOUCHDOWN, E.AT_REST): P.SAFING,
    (P.TOUCHDOWN, E.SAFE_VEHICLE): P.SAFING,
    (P.SAFING, E.SAFED): P.SAFE,
    (P.ABORT, E.AT_REST): P.SAFING,
    **{(p, E.TOUCHDOWN): P.TOUCHDOWN for p in (P.ASCENT, P.COAST, P.ENTRY, P.LANDING_BURN)},
    **{(p, E.REDLINE): P.ABORT for p in (P.ASCENT, P.COAST, P.ENTRY, P.LANDING_BURN)},
    **{(p, E.ABORT): P.ABORT for p in (P.ASCENT, P.COAST, P.ENTRY, P.LANDING_BURN)},
    **{
        (p, E.TERMINATE): P.FLIGHT_TERMINATION
        for p in FlightPhase
        if p not in (P.SAFE, P.SAFING, P.FLIGHT_TERMINATION)
    },
}


@pytest.mark.parametrize("phase", list(FlightPhase))
@pytest.mark.parametrize("event", list(PhaseEvent))
def test_every_pair_of_phase_and_event(phase: FlightPhase, event: PhaseEvent) -> None:
    assert next_phase(phase, event) == EXPECTED.get((phase, event))


def test_the_table_is_exactly_the_expected_one() -> None:
    assert dict(TRANSITIONS) == EXPECTED


def test_flight_termination_is_terminal() -> None:
    assert all(next_phase(P.FLIGHT_TERMINATION, e) is None for e in PhaseEvent)


@pytest.mark.parametrize(
    ("phase", "airborne", "mav_state", "landed"),
    [
        (P.SAFE, False, MavState.BOOT, LandedState.ON_GROUND),
        (P.STANDBY, False, MavState.STANDBY, LandedState.ON_GROUND),
        (P.TERMINAL_COUNT, False, MavState.STANDBY, LandedState.ON_GROUND),
        (P.IGNITION, False, MavState.ACTIVE, LandedState.TAKEOFF),
        (P.ASCENT, True, MavState.ACTIVE, LandedState.IN_AIR),
        (P.COAST, True, MavState.ACTIVE, LandedState.IN_AIR),
        (P.ENTRY, True, MavState.ACTIVE, LandedState.IN_AIR),
        (P.LANDING_BURN, True, MavState.ACTIVE, LandedState.LANDING),
        (P.TOUCHDOWN, False, MavState.ACTIVE, LandedState.ON_GROUND),
        (P.SAFING, False, MavState.STANDBY, LandedState.ON_GROUND),
        (P.ABORT, False, MavState.CRITICAL, LandedState.ON_GROUND),
        (P.ABORT, True, MavState.EMERGENCY, LandedState.IN_AIR),
        (P.FLIGHT_TERMINATION, True, MavState.FLIGHT_TERMINATION, LandedState.IN_AIR),
        (P.FLIGHT_TERMINATION, False, MavState.FLIGHT_TERMINATION, LandedState.ON_GROUND),
    ],
)
def test_coarse_state_follows_domain_table(
    phase: FlightPhase, airborne: bool, mav_state: MavState, landed: LandedState
) -> None:
    assert coarse_state(phase, airborne) == (mav_state, landed)


def test_mavlink_enum_values_match_common_xml() -> None:
    from gcs.protocol.dialect import seaport

    assert MavState.FLIGHT_TERMINATION == seaport.MAV_STATE_FLIGHT_TERMINATION
    assert MavState.EMERGENCY == seaport.MAV_STATE_EMERGENCY
    assert LandedState.LANDING == seaport.MAV_LANDED_STATE_LANDING
    assert LandedState.TAKEOFF == seaport.MAV_LANDED_STATE_TAKEOFF
