"""Failsafes in SITL on the hop article: engine-out aborts, a lost ground link is flown through, the
flight termination system ends the flight on command, and a bad ignition is a pad abort. Every
scenario must end safe."""

from __future__ import annotations

from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.telemetry import MavState
from firmware_sim.physics.platform import TouchdownOutcome
from gcs.protocol.dialect import EngineState, FlightPhase
from tests.sim.flights import HOP, build, launch


def test_engine_out_in_ascent_aborts_and_ends_safe() -> None:
    runner, fc = build(HOP, seed=11)
    launch(runner, fc)
    runner.run_until(lambda r: r.liftoff_time_s is not None, 20.0)
    assert runner.liftoff_time_s is not None
    runner.step(runner.liftoff_time_s + 15.0)
    runner.fail_engines(1)
    runner.step(runner.time_s + 2.0)
    t = fc.telemetry()
    assert t.phase is FlightPhase.ABORT
    assert t.failsafes.engine_out
    assert t.failsafes.auto_abort
    assert t.engine.state is EngineState.FAULT
    assert t.mav_state is MavState.EMERGENCY
    assert "engine out" in t.failsafes.redline
    runner.run_until(lambda r: fc.phase is FlightPhase.SAFE, 200.0)
    assert runner.splashdown_time_s is not None
    assert fc.phase is FlightPhase.SAFE
    assert not fc.telemetry().armed


def test_a_lost_ground_link_in_flight_is_flown_through_to_touchdown() -> None:
    runner, fc = build(HOP, seed=12)
    fc.ground_link(True, runner.time_s)
    launch(runner, fc)
    # Heartbeats from the ground until liftoff, then silence for the rest of the flight.
    while runner.liftoff_time_s is None and runner.time_s < 20.0:
        fc.ground_link(True, runner.time_s)
        runner.step(runner.time_s + 0.5)
    runner.run_until(lambda r: r.vehicle_at_rest and fc.phase is FlightPhase.SAFE, 300.0)
    t = fc.telemetry()
    assert t.failsafes.ground_link_lost
    assert any("continuing autonomously" in e.text for e in t.recent_events)
    assert runner.touchdown is not None
    assert runner.touchdown.outcome is TouchdownOutcome.SOFT


def test_flight_termination_on_command_in_flight() -> None:
    runner, fc = build(HOP, seed=13)
    launch(runner, fc)
    runner.run_until(lambda r: r.liftoff_time_s is not None, 20.0)
    runner.step(runner.time_s + 10.0)
    outcome = fc.command(VehicleCommand.FLIGHT_TERMINATION, runner.time_s)
    assert outcome.result is CommandResult.ACCEPTED
    runner.step(runner.time_s + 1.0)
    t = fc.telemetry()
    assert t.phase is FlightPhase.FLIGHT_TERMINATION
    assert t.mav_state is MavState.FLIGHT_TERMINATION
    assert runner.terminated
    assert int(runner.state.engines_lit[0]) == 0
    runner.run_until(lambda r: r.vehicle_at_rest, 200.0)
    assert runner.splashdown_time_s is not None
    assert fc.phase is FlightPhase.FLIGHT_TERMINATION


def test_an_engine_that_will_not_light_is_a_pad_abort() -> None:
    runner, fc = build(HOP, seed=14)
    runner.fail_engines(1)
    launch(runner, fc)
    runner.run_until(lambda r: fc.phase is FlightPhase.SAFE, 30.0)
    texts = [e.text for e in fc.telemetry().recent_events]
    assert any("pad abort: chamber pressure out of band" in text for text in texts)
    assert runner.liftoff_time_s is None
    assert fc.phase is FlightPhase.SAFE
