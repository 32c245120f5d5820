"""The single-vehicle and single-time fast paths give the numbers of the general ones.

``dynamics.derivative`` has a scalar path for a one-vehicle model (the SITL runner's) and
``Platform.motion`` draws all six deck responses from one set of wave angles; both must agree with
the vectorised formulas they replace to rounding, whatever the state.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from firmware_sim.physics import dynamics
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.vehicle import VehicleModel

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def _barge() -> Platform:
    return Platform(load_platform_config(CONFIGS / "platforms" / "landing-barge.toml"), seed=3)


def test_the_one_vehicle_derivative_is_the_vectorised_one() -> None:
    model = VehicleModel.build(
        load_vehicle_config(CONFIGS / "vehicles" / "cargo-p2p.toml"), count=1, wind=_barge().wind
    )
    fast = dynamics.Constants.of(model)
    assert fast.one is not None
    general = dataclasses.replace(fast, one=None)
    rng = np.random.default_rng(7)
    for _ in range(300):
        altitude = rng.uniform(-10.0, 160_000.0)  # below, inside and above the air table
        lat, lon = rng.uniform(-1.5, 1.5), rng.uniform(-3.0, 3.0)
        radius = 6_378_137.0 + altitude
        position = radius * np.array(
            [math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)]
        )
        y = np.concatenate([position, rng.normal(0.0, 2_000.0, 3), [0.0]])[:, None]
        body = rng.normal(size=3)
        body /= np.linalg.norm(body)
        thrust = body + 0.05 * rng.normal(size=3)
        thrust /= np.linalg.norm(thrust)
        flags = [bool(f) for f in rng.integers(0, 2, 4)]
        seg = dynamics.Segment(
            np.array([rng.uniform(0.0, 3_000.0)]),
            np.array([rng.uniform(0.0, 1.0)]),
            np.array([rng.uniform(-0.5, 0.5)]),
            np.array([rng.uniform(1e5, 1.4e6)]),
            np.array([5_000.0]),
            np.array([2e7]),
            np.array([3.0]),
            np.array([1.02]),
            *flags,
        )
        tau = np.array([rng.uniform(0.0, 0.5)])
        expected = dynamics.derivative(model, general, seg, tau, y, body[:, None], thrust[:, None])
        got = dynamics.derivative(model, fast, seg, tau, y, body[:, None], thrust[:, None])
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_a_fleet_keeps_the_vectorised_derivative() -> None:
    model = VehicleModel.build(load_vehicle_config(CONFIGS / "vehicles" / "cargo-p2p.toml"), count=3)
    assert dynamics.Constants.of(model).one is None


def test_the_deck_motion_is_the_sum_of_its_wave_responses() -> None:
    barge = _barge()
    waves = barge.waves
    times = np.array([0.0, 12.3, 1_000.7, 3_600.0])
    quarter = math.pi / 2.0
    omega = waves.frequency_radps
    heave, pitch, roll = barge._heave_gain, barge._pitch_gain, barge._roll_gain
    motion = barge.motion(times)
    for got, gain, shift in (
        (motion.heave_m, heave, 0.0),
        (motion.heave_rate_mps, heave * omega, quarter),
        (motion.pitch_deg, pitch, -quarter),
        (motion.pitch_rate_dps, pitch * omega, 0.0),
        (motion.roll_deg, roll, -quarter),
        (motion.roll_rate_dps, roll * omega, 0.0),
    ):
        np.testing.assert_allclose(got, waves.response(times, gain, shift), atol=1e-9)
    assert np.shape(barge.motion(5.0).heave_m) == ()
