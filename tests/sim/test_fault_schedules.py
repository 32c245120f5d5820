"""A fault schedule's vehicle faults in SITL, in process: an engine out 20 s after liftoff aborts the
hop article and the cargo vehicle and ends safe in the sea; a low chamber pressure at ignition is a
pad abort; one below the red line in flight aborts, one above it is flown through. Every fault is
told once, when it begins."""

from __future__ import annotations

from firmware_sim.faults import EngineOut, Epoch, LowChamberPressure, VehicleFault
from firmware_sim.firmware.commands import CommandResult
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import load_flight_software_config
from firmware_sim.firmware.flight_plan_types import FlightPlan, PlatformSite
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform
from firmware_sim.runner import SitlRunner
from firmware_sim.sensors import load_sensor_config
from gcs.protocol.dialect import FlightPhase
from tests.sim.flights import CARGO, CONFIGS, HOP, Mission, launch
from tests.unit.firmware.support import DictParams


def _fly(
    mission: Mission, faults: tuple[VehicleFault, ...], max_sim_s: float
) -> tuple[SitlRunner, list[str]]:
    """Launch with ``faults`` and fly until the flight computer is SAFE again after the launch."""
    fs_path = CONFIGS / "flight_software" / f"{mission.vehicle}.toml"
    fc = FlightComputer(load_flight_software_config(fs_path), DictParams(), seed=21)
    platforms = CONFIGS / "platforms"
    launch_platform = Platform(load_platform_config(platforms / "launch-platform.toml"), seed=21)
    target = Platform(load_platform_config(platforms / f"{mission.landing_platform}.toml"), seed=22)
    told: list[str] = []
    runner = SitlRunner(
        load_vehicle_config(CONFIGS / "vehicles" / f"{mission.vehicle}.toml"), [launch_platform, target], fc,
        seed=21, sensor_config=load_sensor_config(fs_path), coast_tick_s=1.0, faults=faults,
        on_fault=told.append,
    )  # fmt: skip
    runner.step(0.5)
    pad, site = launch_platform.config.position, target.config.position
    plan = FlightPlan(
        mission.kind, pad.latitude_deg, pad.longitude_deg,
        PlatformSite(target.name, site.latitude_deg, site.longitude_deg),
    )  # fmt: skip
    assert fc.set_flight_plan(plan).result is CommandResult.ACCEPTED
    launch(runner, fc)
    runner.run_until(lambda r: r.fc.phase is FlightPhase.SAFE, max_sim_s)
    return runner, told


def _texts(runner: SitlRunner) -> list[str]:
    return [e.text for e in runner.fc.telemetry().recent_events]


def _phases(runner: SitlRunner) -> list[FlightPhase]:
    assert runner.trace is not None
    phases = [runner.trace[0].phase]
    for sample in runner.trace:
        if sample.phase is not phases[-1]:
            phases.append(sample.phase)
    return phases


P = FlightPhase
ABORT_IN_ASCENT = [P.STANDBY, P.TERMINAL_COUNT, P.IGNITION, P.ASCENT, P.ABORT, P.SAFING, P.SAFE]


def test_an_engine_out_in_ascent_aborts_the_hop_article_into_the_sea() -> None:
    runner, told = _fly(HOP, (EngineOut(20.0),), 200.0)
    assert runner.liftoff_time_s is not None
    fault_time_s = runner.liftoff_time_s + 20.0
    assert told == [f"fault: engine_out (1 engine) at liftoff+20.0 s (sim {fault_time_s:.1f} s)"]
    assert _phases(runner) == ABORT_IN_ASCENT
    assert "ASCENT -> ABORT (red line: engine out (chamber pressure low))" in _texts(runner)
    assert runner.splashdown_time_s is not None
    assert runner.touchdown is None
    telemetry = runner.fc.telemetry()
    assert telemetry.failsafes.engine_out
    assert telemetry.failsafes.auto_abort
    assert not telemetry.armed


def test_one_engine_out_of_nine_aborts_the_cargo_vehicle_into_the_sea() -> None:
    runner, told = _fly(CARGO, (EngineOut(20.0),), 200.0)
    assert len(told) == 1
    assert _phases(runner) == ABORT_IN_ASCENT
    assert "ASCENT -> ABORT (red line: engine out (chamber pressure low))" in _texts(runner)
    assert int(runner.state.engines_failed[0]) == 1
    assert runner.splashdown_time_s is not None


def test_a_low_chamber_pressure_at_ignition_is_a_pad_abort() -> None:
    runner, told = _fly(HOP, (LowChamberPressure(0.0, 0.8, after=Epoch.IGNITION),), 60.0)
    assert told == [
        f"fault: low_chamber_pressure (x0.80) at ignition+0.0 s (sim {runner.ignition_time_s:.1f} s)"
    ]
    assert _phases(runner) == [P.STANDBY, P.TERMINAL_COUNT, P.IGNITION, P.ABORT, P.SAFING, P.SAFE]
    assert "IGNITION -> ABORT (pad abort: chamber pressure out of band)" in _texts(runner)
    assert runner.liftoff_time_s is None


def test_a_low_chamber_pressure_in_flight_aborts_below_the_red_line() -> None:
    runner, told = _fly(HOP, (LowChamberPressure(20.0, 0.5, for_s=5.0),), 200.0)
    assert [line.split(" at ")[0] for line in told] == [
        "fault: low_chamber_pressure (x0.50 for 5 s)",
        "fault: low_chamber_pressure over",
    ]
    assert _phases(runner) == ABORT_IN_ASCENT
    assert "ASCENT -> ABORT (red line: engine out (chamber pressure low))" in _texts(runner)
