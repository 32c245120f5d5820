"""A deck broadcast's pose is worked out when first read: the same samples, draws and flight as before.

``SensorModel`` draws a broadcast's noise when it is due and builds the sample (the platform's
motion, centre and velocity) only when the flight computer reads it; the flight computer works out
the target deck's estimate only when guidance, the impact point or a touchdown asks for it (not on
the pad, not in most of the coast). ``EagerSensors`` and ``EagerDeckComputer`` below are the code
this replaced: every broadcast's whole ``Platform.pose`` and its noise at once, the estimate at
every tick. Frames, the generator's sequence, the vehicle's state and the flight computer's
commands and telemetry must be bit for bit the same, on the pad and in a hop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import load_flight_software_config
from firmware_sim.firmware.flight_plan_types import FlightPlan, MissionKind, PlatformSite
from firmware_sim.firmware.frames import ActuatorFrame, DeckSample, SensorFrame
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.vehicle import VehicleState
from firmware_sim.runner import SitlRunner
from firmware_sim.sensors import SensorModel, load_sensor_config
from tests.unit.firmware.support import CONFIGS, DictParams


class EagerSensors(SensorModel):
    """The sensor model as it was: each broadcast's pose and noise when it is due."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eager: dict[str, DeckSample] = {}

    def _broadcasts(self, time_s: float) -> tuple[DeckSample, ...]:  # type: ignore[override]
        eager = self.eager
        for platform in self.platforms:
            last = eager.get(platform.name)
            if last is None or time_s - last.sample_time_s >= self.deck_period_s - 1e-9:
                eager[platform.name] = self._eager_deck(platform, time_s)
        return tuple(eager.values())

    def _eager_deck(self, platform: Platform, time_s: float) -> DeckSample:
        c = self.config
        rng = self._rng
        pose = platform.pose(np.array([time_s]))
        motion = pose.motion
        lat, lon, height = geo.ecef_to_geodetic(pose.center_ecef_m[0])
        basis = geo.ned_basis(lat, lon)
        offset = self._bias.decks[platform.name] + rng.normal(0.0, c.deck_position_noise_m, 3) * np.array(
            [1.0, 1.0, 0.0]
        )
        velocity_ned = basis @ pose.velocity_ecef_mps[0] + rng.normal(0.0, c.deck_velocity_noise_mps, 3)
        noise_deg = c.deck_attitude_noise_deg
        return DeckSample(
            platform_name=platform.name,
            sample_time_s=time_s,
            latitude_deg=lat + math.degrees(offset[0] / geo.EQUATORIAL_RADIUS_M),
            longitude_deg=lon
            + math.degrees(offset[1] / (geo.EQUATORIAL_RADIUS_M * max(math.cos(math.radians(lat)), 1e-6))),
            deck_altitude_m=height + float(rng.normal(0.0, c.deck_height_noise_m)),
            velocity_ned_mps=(float(velocity_ned[0]), float(velocity_ned[1]), float(velocity_ned[2])),
            heading_deg=float(motion.heading_deg[0]),
            roll_deg=float(motion.roll_deg[0]) + float(rng.normal(0.0, noise_deg)),
            pitch_deg=float(motion.pitch_deg[0]) + float(rng.normal(0.0, noise_deg)),
            roll_rate_dps=float(motion.roll_rate_dps[0]),
            pitch_rate_dps=float(motion.pitch_rate_dps[0]),
        )


class EagerDeckComputer(FlightComputer):
    """The flight computer as it was: the target deck's estimate worked out at every tick."""

    def _phase_actuators(self, *args: Any) -> ActuatorFrame:
        self._deck_now()
        return super()._phase_actuators(*args)


def _hop(eager: bool, seed: int = 4) -> tuple[SitlRunner, FlightComputer, list[SensorFrame]]:
    """The hop vehicle on its pad with a flight plan to its barge; every frame is kept."""
    fs_path = CONFIGS / "flight_software" / "yxz-1-hop.toml"
    computer = EagerDeckComputer if eager else FlightComputer
    fc = computer(load_flight_software_config(fs_path), DictParams(), seed=seed)
    launch = Platform(load_platform_config(CONFIGS / "platforms" / "launch-platform.toml"), seed=seed)
    barge = Platform(load_platform_config(CONFIGS / "platforms" / "hop-barge.toml"), seed=seed + 1)
    runner = SitlRunner(
        load_vehicle_config(CONFIGS / "vehicles" / "yxz-1-hop.toml"),
        [launch, barge],
        fc,
        seed=seed,
        sensor_config=load_sensor_config(fs_path),
        keep_trace=False,
    )
    if eager:
        lazy = runner.sensors
        runner.sensors = EagerSensors(
            lazy.config, lazy.model, lazy.platforms, lazy.chamber_pressure_nominal_pa, seed,
            lazy.deck_period_s,
        )
    frames: list[SensorFrame] = []
    frame = runner.sensors.frame

    def keep(state: VehicleState, previous: VehicleState | None, clamps_closed: bool) -> SensorFrame:
        out = frame(state, previous, clamps_closed)
        frames.append(out)
        return out

    runner.sensors.frame = keep  # type: ignore[method-assign]
    pad, site = launch.config.position, barge.config.position
    runner.step(0.5)
    plan = FlightPlan(
        MissionKind.HOP_TEST,
        pad.latitude_deg,
        pad.longitude_deg,
        PlatformSite(barge.name, site.latitude_deg, site.longitude_deg),
    )
    assert fc.set_flight_plan(plan).result is CommandResult.ACCEPTED
    return runner, fc, frames


def _same_run(step: Callable[[SitlRunner, FlightComputer], None]) -> tuple[list[SensorFrame], SitlRunner]:
    lazy_runner, lazy_fc, lazy_frames = _hop(eager=False)
    eager_runner, eager_fc, eager_frames = _hop(eager=True)
    step(lazy_runner, lazy_fc)
    step(eager_runner, eager_fc)
    assert len(lazy_frames) == len(eager_frames) > 0
    for lazy, eager in zip(lazy_frames, eager_frames, strict=True):
        assert lazy == eager  # the lazy broadcasts are built here, late, and still the same
        assert tuple(lazy.decks) == eager.decks
    for name in ("position_ecef_m", "velocity_ecef_mps", "attitude_ecef_from_body", "lox_mass_kg"):
        assert np.array_equal(getattr(lazy_runner.state, name), getattr(eager_runner.state, name)), name
    assert lazy_runner.state.time_s == eager_runner.state.time_s
    assert lazy_runner.last_actuators == eager_runner.last_actuators
    assert lazy_fc.telemetry() == eager_fc.telemetry()
    # The noise of what follows is drawn from the same place in the generator.
    assert lazy_runner.sensors._rng.normal() == eager_runner.sensors._rng.normal()
    return lazy_frames, lazy_runner


def test_on_the_pad_no_broadcast_is_built_until_read_and_each_is_the_eager_one() -> None:
    def wait(runner: SitlRunner, fc: FlightComputer) -> None:
        runner.step(runner.time_s + 20.0)
        if not isinstance(runner.sensors, EagerSensors):
            # The flight computer on its pad read no broadcast: none was built.
            assert all(item._sample is None for item in runner.sensors._decks.values())

    frames, _ = _same_run(wait)
    assert len({frame.decks[0].sample_time_s for frame in frames}) > 150  # 10 Hz broadcasts


def test_a_hop_flies_the_same_with_lazy_broadcasts() -> None:
    def fly(runner: SitlRunner, fc: FlightComputer) -> None:
        for command in (VehicleCommand.ARM, VehicleCommand.START_TERMINAL_COUNT):
            assert fc.command(command, runner.time_s).result is CommandResult.ACCEPTED
        outcome = fc.command(VehicleCommand.LAUNCH, runner.time_s, {"t_zero_s": runner.time_s + 5.0})
        assert outcome.result is CommandResult.ACCEPTED
        runner.step(runner.time_s + 45.0)  # ignition, liftoff, the ascent steering on the barge's broadcast
        assert runner.liftoff_time_s is not None

    _same_run(fly)


def test_the_sample_is_the_pose_sample_with_the_same_noise() -> None:
    lazy_runner, _, _ = _hop(eager=False)
    eager_runner, _, _ = _hop(eager=True)
    lazy, eager = lazy_runner.sensors, eager_runner.sensors
    assert isinstance(eager, EagerSensors)
    for time_s in (0.0, 0.1, 17.3, 250.05, 1805.5, 3000.0):
        built = lazy._broadcasts(time_s)
        reference = eager._broadcasts(time_s)
        assert len(built) == len(reference) == 1
        assert list(built) == list(reference)
        assert built[0] is built[0]  # built once, then kept
        assert built[:1] == reference[:1]
