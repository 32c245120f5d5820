"""The flight computer's seam on the pad: command preconditions, the ignition checks and link rules."""

from __future__ import annotations

import math

import pytest

from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.telemetry import LandedState, MavState
from gcs.protocol.dialect import EngineState, FlightPhase
from tests.unit.firmware.support import DictParams, hop_config, hop_plan, pad_frame

C = VehicleCommand
P = FlightPhase
NOMINAL_PC = 10.0e6


def fresh(**params: float) -> FlightComputer:
    fc = FlightComputer(hop_config(), DictParams(**params), seed=1)
    fc.tick(pad_frame(0.0), 0.0, 0.0)
    return fc


def counting(**params: float) -> FlightComputer:
    fc = fresh(**params)
    fc.set_flight_plan(hop_plan())
    assert fc.command(C.ARM, 0.1).result is CommandResult.ACCEPTED
    assert fc.command(C.START_TERMINAL_COUNT, 0.2).result is CommandResult.ACCEPTED
    return fc


def test_self_test_brings_the_vehicle_to_standby() -> None:
    fc = fresh()
    t = fc.telemetry()
    assert (t.phase, t.mav_state, t.landed_state, t.armed) == (
        P.STANDBY,
        MavState.STANDBY,
        LandedState.ON_GROUND,
        False,
    )


def test_arm_is_denied_with_a_reason_before_a_flight_plan_and_accepted_after() -> None:
    fc = fresh()
    denied = fc.command(C.ARM, 0.1)
    assert denied.result is CommandResult.DENIED
    assert "flight plan" in denied.reason
    assert "ARM denied" in fc.telemetry().last_event.text  # type: ignore[union-attr]
    fc.set_flight_plan(hop_plan())
    assert fc.command(C.ARM, 0.2).result is CommandResult.ACCEPTED
    assert fc.telemetry().armed


def test_arm_is_denied_before_the_self_test() -> None:
    fc = FlightComputer(hop_config(), DictParams(), seed=1)
    fc.set_flight_plan(hop_plan())
    assert fc.command(C.ARM, 0.0).reason == "self test not complete"


@pytest.mark.parametrize(
    ("setup", "command", "result", "reason_part"),
    [
        ("standby", C.LAUNCH, CommandResult.DENIED, "not armed"),
        ("armed", C.LAUNCH, CommandResult.DENIED, "TERMINAL_COUNT"),
        ("standby", C.START_TERMINAL_COUNT, CommandResult.DENIED, "not armed"),
        ("counting", C.LAUNCH, CommandResult.ACCEPTED, ""),
        ("counting", C.HOLD, CommandResult.ACCEPTED, ""),
        ("standby", C.HOLD, CommandResult.DENIED, "no count"),
        ("counting", C.DISARM, CommandResult.ACCEPTED, ""),
        ("standby", C.DIVERT, CommandResult.DENIED, "no alternate"),
        ("standby", C.ABORT, CommandResult.ACCEPTED, ""),
        ("counting", C.FLIGHT_TERMINATION, CommandResult.ACCEPTED, ""),
        ("standby", C.SAFE_VEHICLE, CommandResult.ACCEPTED, ""),
    ],
)
def test_command_preconditions(
    setup: str, command: VehicleCommand, result: CommandResult, reason_part: str
) -> None:
    fc = fresh()
    fc.set_flight_plan(hop_plan())
    if setup in ("armed", "counting"):
        fc.command(C.ARM, 0.1)
    if setup == "counting":
        fc.command(C.START_TERMINAL_COUNT, 0.2)
    outcome = fc.command(command, 0.3)
    assert outcome.result is result
    assert reason_part in outcome.reason


@pytest.mark.parametrize(
    ("command", "phase_after"),
    [
        (C.HOLD, P.STANDBY),
        (C.DISARM, P.STANDBY),
        (C.ABORT, P.SAFING),
        (C.SAFE_VEHICLE, P.SAFING),
        (C.FLIGHT_TERMINATION, P.FLIGHT_TERMINATION),
    ],
)
def test_commands_in_terminal_count(command: VehicleCommand, phase_after: FlightPhase) -> None:
    fc = counting()
    fc.command(command, 0.3)
    assert fc.phase is phase_after


def test_a_flight_plan_cannot_change_while_armed() -> None:
    fc = counting()
    assert fc.set_flight_plan(hop_plan(alternate=True)).result is CommandResult.DENIED


def test_divert_before_launch_retargets_to_the_alternate() -> None:
    fc = fresh()
    fc.set_flight_plan(hop_plan(alternate=True))
    assert fc.command(C.DIVERT, 0.1).result is CommandResult.ACCEPTED
    assert fc.telemetry().landing_target == "spare-barge"
    assert fc.command(C.DIVERT, 0.2).reason == "already diverted"


def run_ignition(
    fc: FlightComputer, pc_of_t: float | None, until_s: float, climb_after_release: bool
) -> float:
    """Tick at 20 Hz from the launch command; chamber pressure ramps as a 2 s start unless overridden."""
    fc.command(C.LAUNCH, 1.0)  # T-0 at 4.0 s: ignition at once (3 s lead)
    t, released_at = 1.0, math.inf
    while t < until_s and fc.phase is P.IGNITION:
        t += 0.05
        pc = NOMINAL_PC * min(1.0, (t - 1.0) / 2.0) if pc_of_t is None else pc_of_t
        frame = pad_frame(
            t,
            chamber_pressure_pa=pc,
            clamps_closed=t < released_at,
            vertical_speed_up_mps=1.0 if climb_after_release and t > released_at + 0.3 else 0.0,
        )
        out = fc.tick(frame, t, 0.05)
        if out.release_clamps and released_at is math.inf:
            released_at = t
    return t


def test_ignition_with_chamber_pressure_in_band_releases_and_lifts_off() -> None:
    fc = counting()
    assert fc.phase is P.TERMINAL_COUNT
    run_ignition(fc, None, 10.0, climb_after_release=True)
    t = fc.telemetry()
    assert fc.phase is P.ASCENT
    assert t.countdown.liftoff_time_s is not None
    assert t.landed_state is LandedState.IN_AIR


@pytest.mark.parametrize("pc", [0.0, 0.5 * NOMINAL_PC, 1.3 * NOMINAL_PC])
def test_chamber_pressure_out_of_band_is_a_pad_abort_then_safe(pc: float) -> None:
    fc = counting()
    end = run_ignition(fc, pc, 10.0, climb_after_release=False)
    assert end - 1.0 == pytest.approx(2.55, abs=0.06)  # IGN_PC_TIMEOUT after ignition
    t = fc.telemetry()
    assert any(
        "IGNITION -> ABORT (pad abort: chamber pressure out of band)" in e.text for e in t.recent_events
    )
    # With no chamber pressure the engine is already off: the abort goes straight on to safing.
    assert (fc.phase, t.mav_state) in ((P.ABORT, MavState.CRITICAL), (P.SAFING, MavState.STANDBY))
    assert t.failsafes.auto_abort
    for k in range(1, 200):
        out = fc.tick(pad_frame(end + 0.05 * k), end + 0.05 * k, 0.05)
        assert out.engines_lit == 0
    # Safed and disarmed; on the pad with no liftoff the self test then offers STANDBY for a recycle.
    texts = [e.text for e in fc.telemetry().recent_events]
    assert any(text.startswith("SAFING -> SAFE") for text in texts)
    assert fc.phase is P.STANDBY
    assert not fc.telemetry().armed


def test_no_climb_after_release_is_a_pad_abort() -> None:
    fc = counting()
    run_ignition(fc, None, 20.0, climb_after_release=False)
    assert fc.phase is P.ABORT
    assert "no liftoff" in fc.telemetry().last_event.text  # type: ignore[union-attr]


def test_engine_telemetry_during_ignition() -> None:
    fc = counting()
    fc.command(C.LAUNCH, 1.0)
    fc.tick(pad_frame(1.05, chamber_pressure_pa=0.02 * NOMINAL_PC), 1.05, 0.05)
    engine = fc.telemetry().engine
    assert engine.state is EngineState.IGNITION
    assert engine.ignition_count == 1


def test_link_loss_in_terminal_count_holds_and_safes() -> None:
    fc = counting()
    fc.ground_link(True, 0.2)
    fc.tick(pad_frame(3.0), 3.0, 0.05)
    assert fc.phase is P.TERMINAL_COUNT
    fc.tick(pad_frame(6.0), 6.0, 0.05)  # GL_TIMEOUT_S = 5 s after the last heartbeat
    assert fc.phase is P.SAFING
    assert fc.telemetry().failsafes.ground_link_lost


def test_link_loss_in_standby_disarms() -> None:
    fc = fresh()
    fc.set_flight_plan(hop_plan())
    fc.command(C.ARM, 0.1)
    fc.ground_link(False, 0.2)
    fc.tick(pad_frame(0.25), 0.25, 0.05)
    assert not fc.telemetry().armed


def test_an_unwatched_link_never_times_out() -> None:
    fc = counting()
    fc.tick(pad_frame(100.0), 100.0, 0.05)
    assert fc.phase is P.TERMINAL_COUNT


def test_launch_waits_for_t_minus_ignition_lead() -> None:
    fc = counting()
    fc.command(C.LAUNCH, 1.0, {"t_zero_s": 10.0})
    fc.tick(pad_frame(6.9), 6.9, 0.05)
    assert fc.phase is P.TERMINAL_COUNT
    assert fc.telemetry().countdown.mission_time_s == pytest.approx(-3.1)
    fc.tick(pad_frame(7.0), 7.0, 0.05)
    assert fc.phase is P.IGNITION


def test_flight_termination_fires_the_fts() -> None:
    fc = counting()
    fc.command(C.FLIGHT_TERMINATION, 0.3)
    out = fc.tick(pad_frame(0.35), 0.35, 0.05)
    assert out.fts_fire
    assert out.engines_lit == 0
    assert fc.telemetry().mav_state is MavState.FLIGHT_TERMINATION
