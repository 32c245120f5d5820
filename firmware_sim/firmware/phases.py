"""The flight-phase state machine (reference/domain.md §2.1) as a pure table: (phase, event) -> phase.

The flight computer turns commands, sensor checks and guidance milestones into ``PhaseEvent``s and
asks ``next_phase``; an event a phase does not list changes nothing. Guards that need more than
the phase (armed? flight plan loaded?) live in the computer's command checks, not here.
``coarse_state`` gives the MAVLink MAV_STATE and landed state a stock ground station shows.
Knows nothing of sensors, guidance or time.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from firmware_sim.firmware.telemetry import LandedState, MavState
from gcs.protocol.dialect import FlightPhase

P = FlightPhase


class PhaseEvent(enum.Enum):
    SELF_TEST_OK = "self_test_ok"
    START_COUNT = "start_count"  # the ground's terminal-count hand-off (vehicle armed)
    IGNITION_GO = "ignition_go"  # T - ignition lead reached after the launch command
    HOLD = "hold"  # operator hold before liftoff
    DISARM = "disarm"
    LIFTOFF = "liftoff"  # chamber pressure in band, clamps released, vehicle climbing
    IGNITION_FAILED = "ignition_failed"  # chamber pressure out of band in time, or no climb
    MECO = "meco"  # guidance cut-off reached and the engine is off
    ENTRY_INTERFACE = "entry_interface"  # past apogee and below the entry interface altitude
    LANDING_BURN_START = "landing_burn_start"  # the landing ignition time has come
    TOUCHDOWN = "touchdown"  # leg contact (or water contact)
    AT_REST = "at_rest"  # on the deck, pad or sea with the engines off
    SAFED = "safed"  # tanks vented, pyros safe, disarmed
    LINK_LOST = "link_lost"  # the ground link timed out
    REDLINE = "redline"  # an on-board red line tripped (auto-abort)
    ABORT = "abort"  # the ground commanded an abort
    SAFE_VEHICLE = "safe_vehicle"  # the ground commanded passivation
    TERMINATE = "terminate"  # flight termination (range safety or automatic)


E = PhaseEvent
_IN_FLIGHT = (P.ASCENT, P.COAST, P.ENTRY, P.LANDING_BURN)

_TABLE: dict[tuple[FlightPhase, PhaseEvent], FlightPhase] = {
    (P.SAFE, E.SELF_TEST_OK): P.STANDBY,
    (P.STANDBY, E.START_COUNT): P.TERMINAL_COUNT,
    (P.STANDBY, E.SAFE_VEHICLE): P.SAFING,
    (P.STANDBY, E.ABORT): P.SAFING,
    (P.TERMINAL_COUNT, E.IGNITION_GO): P.IGNITION,
    (P.TERMINAL_COUNT, E.HOLD): P.STANDBY,
    (P.TERMINAL_COUNT, E.DISARM): P.STANDBY,
    (P.TERMINAL_COUNT, E.LINK_LOST): P.SAFING,  # before liftoff: hold and safe
    (P.TERMINAL_COUNT, E.ABORT): P.SAFING,  # nothing burns yet: a pad abort is a safing
    (P.TERMINAL_COUNT, E.REDLINE): P.SAFING,
    (P.TERMINAL_COUNT, E.SAFE_VEHICLE): P.SAFING,
    (P.IGNITION, E.LIFTOFF): P.ASCENT,
    (P.IGNITION, E.IGNITION_FAILED): P.ABORT,  # pad abort: shut down, then safe
    (P.IGNITION, E.HOLD): P.ABORT,
    (P.IGNITION, E.LINK_LOST): P.ABORT,
    (P.IGNITION, E.ABORT): P.ABORT,
    (P.IGNITION, E.REDLINE): P.ABORT,
    (P.ASCENT, E.MECO): P.COAST,
    (P.COAST, E.ENTRY_INTERFACE): P.ENTRY,
    (P.COAST, E.LANDING_BURN_START): P.LANDING_BURN,  # a low hop never leaves the air
    (P.ENTRY, E.LANDING_BURN_START): P.LANDING_BURN,
    (P.TOUCHDOWN, E.AT_REST): P.SAFING,
    (P.TOUCHDOWN, E.SAFE_VEHICLE): P.SAFING,
    (P.SAFING, E.SAFED): P.SAFE,
    (P.ABORT, E.AT_REST): P.SAFING,
}
for _phase in _IN_FLIGHT:
    _TABLE[(_phase, E.TOUCHDOWN)] = P.TOUCHDOWN
    _TABLE[(_phase, E.REDLINE)] = P.ABORT
    _TABLE[(_phase, E.ABORT)] = P.ABORT
for _phase in FlightPhase:
    if _phase not in (P.SAFE, P.SAFING, P.FLIGHT_TERMINATION):
        _TABLE[(_phase, E.TERMINATE)] = P.FLIGHT_TERMINATION

TRANSITIONS: Mapping[tuple[FlightPhase, PhaseEvent], FlightPhase] = _TABLE
"""Every allowed transition; anything else leaves the phase as it is."""

ON_GROUND_PHASES = frozenset({P.SAFE, P.STANDBY, P.TERMINAL_COUNT, P.IGNITION, P.TOUCHDOWN, P.SAFING})
"""Phases in which the vehicle is on a pad or deck (ABORT and FLIGHT_TERMINATION may be either)."""

AIRBORNE_PHASES = frozenset(_IN_FLIGHT)


def next_phase(phase: FlightPhase, event: PhaseEvent) -> FlightPhase | None:
    """The phase ``event`` leads to from ``phase``, or None when it does not apply there."""
    return _TABLE.get((phase, event))


_COARSE: dict[FlightPhase, tuple[MavState, LandedState]] = {
    P.SAFE: (MavState.BOOT, LandedState.ON_GROUND),
    P.STANDBY: (MavState.STANDBY, LandedState.ON_GROUND),
    P.TERMINAL_COUNT: (MavState.STANDBY, LandedState.ON_GROUND),
    P.IGNITION: (MavState.ACTIVE, LandedState.TAKEOFF),
    P.ASCENT: (MavState.ACTIVE, LandedState.IN_AIR),
    P.COAST: (MavState.ACTIVE, LandedState.IN_AIR),
    P.ENTRY: (MavState.ACTIVE, LandedState.IN_AIR),
    P.LANDING_BURN: (MavState.ACTIVE, LandedState.LANDING),
    P.TOUCHDOWN: (MavState.ACTIVE, LandedState.ON_GROUND),
    P.SAFING: (MavState.STANDBY, LandedState.ON_GROUND),
}


def coarse_state(phase: FlightPhase, airborne: bool) -> tuple[MavState, LandedState]:
    """MAV_STATE and MAV_LANDED_STATE for a phase (domain.md §2.1); ``airborne`` settles the two
    phases that can happen on the pad or in the air."""
    if phase is P.ABORT:
        return (
            (MavState.EMERGENCY, LandedState.IN_AIR)
            if airborne
            else (MavState.CRITICAL, LandedState.ON_GROUND)
        )
    if phase is P.FLIGHT_TERMINATION:
        return MavState.FLIGHT_TERMINATION, LandedState.IN_AIR if airborne else LandedState.ON_GROUND
    return _COARSE[phase]
