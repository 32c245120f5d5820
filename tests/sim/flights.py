"""Set up and fly SITL missions in-process (physics + sensors + flight computer, as fast as possible)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import load_flight_software_config
from firmware_sim.firmware.flight_plan_types import FlightPlan, MissionKind, PlatformSite
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform, TouchdownReport
from firmware_sim.runner import SitlRunner
from firmware_sim.sensors import load_sensor_config
from gcs.protocol.dialect import FlightPhase
from tests.unit.firmware.support import DictParams

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@dataclass(frozen=True, slots=True)
class Mission:
    vehicle: str  # configs/vehicles/<vehicle>.toml and configs/flight_software/<vehicle>.toml
    landing_platform: str  # configs/platforms/<name>.toml
    kind: MissionKind


HOP = Mission("yxz-1-hop", "hop-barge", MissionKind.HOP_TEST)
CARGO = Mission("cargo-p2p", "landing-barge", MissionKind.CARGO_P2P)


@dataclass(frozen=True, slots=True)
class FlightResult:
    runner: SitlRunner
    fc: FlightComputer
    wall_s: float

    @property
    def touchdown(self) -> TouchdownReport:
        assert self.runner.touchdown is not None, f"no touchdown; events: {self.event_texts()}"
        return self.runner.touchdown

    @property
    def flight_time_s(self) -> float:
        assert self.runner.liftoff_time_s is not None
        return self.touchdown.time_s - self.runner.liftoff_time_s

    @property
    def apogee_m(self) -> float:
        assert self.runner.trace is not None
        return max(s.altitude_m for s in self.runner.trace)

    @property
    def real_time_factor(self) -> float:
        return self.runner.time_s / self.wall_s

    def event_texts(self) -> list[str]:
        return [f"{e.time_s:.1f} {e.text}" for e in self.fc.telemetry().recent_events]


def build(
    mission: Mission, seed: int, coast_tick_s: float | None = None, **params: float
) -> tuple[SitlRunner, FlightComputer]:
    fs_path = CONFIGS / "flight_software" / f"{mission.vehicle}.toml"
    fc = FlightComputer(load_flight_software_config(fs_path), DictParams(**params), seed=seed)
    launch = Platform(load_platform_config(CONFIGS / "platforms" / "launch-platform.toml"), seed=seed)
    target = Platform(
        load_platform_config(CONFIGS / "platforms" / f"{mission.landing_platform}.toml"), seed=seed + 1
    )
    runner = SitlRunner(
        load_vehicle_config(CONFIGS / "vehicles" / f"{mission.vehicle}.toml"),
        [launch, target],
        fc,
        seed=seed,
        sensor_config=load_sensor_config(fs_path),
        coast_tick_s=coast_tick_s,
    )
    pad = launch.config.position
    site = target.config.position
    plan = FlightPlan(
        mission.kind,
        pad.latitude_deg,
        pad.longitude_deg,
        PlatformSite(target.name, site.latitude_deg, site.longitude_deg),
    )
    runner.step(0.5)
    assert fc.set_flight_plan(plan).result is CommandResult.ACCEPTED
    return runner, fc


def launch(runner: SitlRunner, fc: FlightComputer) -> None:
    for command in (VehicleCommand.ARM, VehicleCommand.START_TERMINAL_COUNT):
        outcome = fc.command(command, runner.time_s)
        assert outcome.result is CommandResult.ACCEPTED, outcome
    outcome = fc.command(VehicleCommand.LAUNCH, runner.time_s, {"t_zero_s": runner.time_s + 5.0})
    assert outcome.result is CommandResult.ACCEPTED, outcome


def fly(
    mission: Mission, seed: int, max_sim_s: float, coast_tick_s: float | None = None, **params: float
) -> FlightResult:
    """Launch and fly until the vehicle is down and safe (or ``max_sim_s``)."""
    runner, fc = build(mission, seed, coast_tick_s, **params)
    launch(runner, fc)
    start = time.perf_counter()
    runner.run_until(lambda r: r.vehicle_at_rest and fc.phase is FlightPhase.SAFE, max_sim_s)
    return FlightResult(runner, fc, time.perf_counter() - start)
