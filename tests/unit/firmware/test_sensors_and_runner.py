"""SITL sensors and the lockstep runner: truth without noise, repeatable noise, ticks and pacing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform
from firmware_sim.runner import SitlRunner
from firmware_sim.sensors import SensorConfig
from gcs.protocol.dialect import FlightPhase
from tests.unit.firmware.support import CONFIGS, DictParams, hop_config


def runner(
    seed: int = 1, sensors: SensorConfig | None = None, control_tick_s: float | None = None
) -> SitlRunner:
    launch = Platform(load_platform_config(CONFIGS / "platforms" / "launch-platform.toml"), seed=seed)
    barge = Platform(load_platform_config(CONFIGS / "platforms" / "hop-barge.toml"), seed=seed + 1)
    fc = FlightComputer(hop_config(), DictParams(), seed=seed)
    return SitlRunner(
        load_vehicle_config(CONFIGS / "vehicles" / "yxz-1-hop.toml"),
        [launch, barge],
        fc,
        seed=seed,
        sensor_config=sensors,
        control_tick_s=control_tick_s,
    )


def test_noiseless_sensors_on_the_pad_read_the_truth() -> None:
    r = runner(sensors=SensorConfig.noiseless())
    frame = r.sensors.frame(r.state, None, clamps_closed=True)
    pad = r.launch_platform.config.position
    assert frame.gnss.latitude_deg == pytest.approx(pad.latitude_deg, abs=1e-9)
    assert frame.gnss.altitude_m == pytest.approx(pad.deck_height_m + 10.0, abs=1e-6)
    # Standing upright, the accelerometer feels the support: ~1 g along the body axis, nose up.
    assert frame.imu.specific_force_body_mps2[0] == pytest.approx(9.80, abs=0.03)
    assert math.hypot(*frame.imu.specific_force_body_mps2[1:]) < 0.05
    assert frame.chamber_pressure_pa == (0.0,)
    assert frame.clamps_closed
    assert [d.platform_name for d in frame.decks] == ["hop-barge"]


def test_sensor_noise_is_repeatable_for_a_seed() -> None:
    a, b, c = runner(seed=5), runner(seed=5), runner(seed=6)
    fa = a.sensors.frame(a.state, None, True)
    fb = b.sensors.frame(b.state, None, True)
    fc = c.sensors.frame(c.state, None, True)
    assert fa == fb
    assert fa.gnss != fc.gnss


def test_step_runs_whole_control_ticks_and_the_computer_reaches_standby() -> None:
    r = runner(control_tick_s=0.05)
    r.step(1.0)
    assert r.time_s == pytest.approx(1.0)
    assert r.fc.phase is FlightPhase.STANDBY
    assert r.trace is not None
    assert len(r.trace) == 20


def test_the_deck_broadcast_comes_at_its_own_rate() -> None:
    r = runner(control_tick_s=0.05)
    frames = []
    for _ in range(5):
        frames.append(r.sensors.frame(r.state, None, True))
        r.step(r.time_s + 0.05)
    stamps = sorted({f.decks[0].sample_time_s for f in frames})
    assert len(stamps) == 3  # 0.0, 0.1, 0.2 s: a 10 Hz broadcast seen by a 20 Hz loop


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 0.0
        self.slept: list[float] = []

    def monotonic_s(self) -> float:
        return self.now_s

    async def sleep(self, duration_s: float) -> None:
        self.slept.append(duration_s)
        self.now_s += duration_s


async def test_run_keeps_simulated_time_ahead_of_wall_time_times_speed() -> None:
    r = runner(control_tick_s=0.05)
    clock = FakeClock()
    await r.run(10.0, clock, until_sim_s=5.0)
    assert r.time_s == pytest.approx(5.0, abs=0.051)
    # 5 s of simulation at x10 take 0.5 s of (fake) wall time, give or take a tick.
    assert clock.now_s == pytest.approx(0.5, abs=0.006)
    assert r.time_s >= clock.now_s * 10.0 - 1e-9


async def test_run_flat_out_yields_between_chunks() -> None:
    r = runner(control_tick_s=0.05)
    clock = FakeClock()
    await r.run(math.inf, clock, until_sim_s=3.0)
    assert r.time_s == pytest.approx(3.0)
    assert clock.now_s == 0.0
    assert len(clock.slept) == 3


def test_engine_failure_knob_and_the_gnss_frame() -> None:
    r = runner(sensors=SensorConfig.noiseless())
    r.fail_engines(1)
    assert int(r.state.engines_failed[0]) == 1
    frame = r.sensors.frame(r.state, None, True)
    np.testing.assert_allclose(
        geo.geodetic_to_ecef(frame.gnss.latitude_deg, frame.gnss.longitude_deg, frame.gnss.altitude_m),
        r.state.position_ecef_m[0],
        atol=1e-3,
    )


async def test_a_runner_behind_the_wall_catches_up_in_short_chunks() -> None:
    """Behind its speed (a loaded machine), it yields every 0.1 simulated second, so the endpoint's
    streams (sent when it yields) keep their rates per simulated second."""

    class BehindClock(FakeClock):
        def monotonic_s(self) -> float:
            return 100.0 if self.slept else 0.0  # after the first yield the wall is far ahead

    r = runner(control_tick_s=0.05)
    clock = BehindClock()
    await r.run(10.0, clock, until_sim_s=2.0)
    assert r.time_s == pytest.approx(2.0)
    assert len(clock.slept) >= 19  # 2 s in chunks of at most 0.1 s
