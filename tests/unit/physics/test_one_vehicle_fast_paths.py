"""The integrator's one-vehicle float paths and the steady engine plan give the general code's numbers
bit for bit (tests/unit/physics/test_fast_paths.py holds the one-vehicle derivative's own test).

The SITL runner flies a one-vehicle model, for which the integrator turns the attitude, builds the
cycle's axes, takes the height and runs the RK4 stages in Python floats, and a tick with no engine
transient asks a steady plan. Each must repeat the general (vectorised) formula's operations in the
same order, so these compare with exact equality on varied inputs, the general code (or, where the
fast path replaced it, the formula it replaced, kept here) being the reference.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from firmware_sim.physics import attitude as att
from firmware_sim.physics import dynamics
from firmware_sim.physics import engine as eng
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.vehicle import VehicleModel, gimbal_direction_body

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
CASES = 300


@pytest.fixture(scope="module")
def one() -> Integrator:
    barge = Platform(load_platform_config(CONFIGS / "platforms" / "landing-barge.toml"), seed=3)
    model = VehicleModel.build(
        load_vehicle_config(CONFIGS / "vehicles" / "cargo-p2p.toml"), count=1, wind=barge.wind
    )
    return Integrator(model)


def _unit(rng: np.random.Generator, size: int = 3) -> np.ndarray:
    v = rng.normal(size=size)
    return np.asarray(v / np.linalg.norm(v))


def _v3(v: np.ndarray) -> dynamics.Vector3:
    return float(v[0]), float(v[1]), float(v[2])


def test_turning_one_vehicle_in_floats_is_turned() -> None:
    rng = np.random.default_rng(11)
    for _ in range(CASES):
        rate, accel = rng.normal(0.0, 0.2, 3), rng.normal(0.0, 0.3, 3)
        vectors = [_unit(rng), _unit(rng)]
        times = rng.uniform(0.0, 0.6, 3)
        columns = [v[:, None] for v in vectors]
        expected = dynamics.turned(columns, rate[:, None], accel[:, None], times[:, None])
        for k, t in enumerate(times):
            got = dynamics.turned_one([_v3(v) for v in vectors], _v3(rate), _v3(accel), float(t))
            for v_expected, v_got in zip(expected, got, strict=True):
                assert v_got == tuple(v_expected[:, k, 0].tolist())


def _cycle_inputs(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Two vehicles' attitude, rate, acceleration and gimbal direction (rows (2, ...))."""
    q = att.quat_normalize(rng.normal(size=(2, 4)))
    rate, accel = rng.normal(0.0, 0.1, (2, 3)), rng.normal(0.0, 0.2, (2, 3))
    gimbal = gimbal_direction_body(rng.uniform(-8.0, 8.0, (2, 2)), 8.0)
    return q, rate, accel, gimbal


@pytest.mark.parametrize("gimbaled", [True, False])
def test_a_one_vehicle_cycle_has_the_general_axes_and_stages(gimbaled: bool) -> None:
    rng = np.random.default_rng(12)
    for _ in range(CASES):
        q, rate, accel, gimbal = _cycle_inputs(rng)
        general = Integrator._cycle(0.0, 0.5, q, rate, accel, gimbal, gimbaled, True)
        fast = Integrator._cycle(0.0, 0.5, q[:1], rate[:1], accel[:1], gimbal[:1], gimbaled, True)
        assert general.one is None
        assert fast.one is not None
        for name in ("body_axis", "thrust_axis", "rate", "accel"):
            np.testing.assert_array_equal(getattr(fast, name), getattr(general, name)[:, :1], err_msg=name)
        tau, h = rng.uniform(0.0, 0.3, 2), rng.uniform(0.01, 0.2, 2)
        expected = general.stage_axes(tau, h)
        got = fast.stage_axes(tau[:1], h[:1])
        for (body, thrust), (body_expected, thrust_expected) in zip(got, expected, strict=True):
            np.testing.assert_array_equal(body, body_expected[:, :1])
            np.testing.assert_array_equal(thrust, thrust_expected[:, :1])
        first = np.array([0])
        np.testing.assert_array_equal(fast.body_axis_at(tau[:1], first), general.body_axis_at(tau[:1], first))


def test_one_point_has_the_general_height(one: Integrator) -> None:
    rng = np.random.default_rng(13)
    for _ in range(CASES):
        altitude = rng.uniform(-100.0, 2_000_000.0)
        p = (6_378_137.0 + altitude) * np.stack([_unit(rng), _unit(rng)], axis=1)
        np.testing.assert_array_equal(one._height(p[:, :1]), one._height(p)[:1])


def _steady_plan(rng: np.random.Generator, n: int) -> eng.EnginePlan:
    model = VehicleModel.build(load_vehicle_config(CONFIGS / "vehicles" / "cargo-p2p.toml"), count=n)
    engine = model.engine
    mode = rng.choice([0, 2, 3], n)  # off, running, shutting down: each steady when at its target
    count = engine.config.count
    lit = np.where(mode == 0, 0, rng.integers(1, count + 1, n))
    limit = np.where(rng.uniform(size=n) < 0.2, 0.0, rng.uniform(0.0, 30.0, n))
    start = eng.EngineTickStart(mode, lit, np.ones(n, dtype=np.int64), np.zeros(n, bool), np.zeros(n, bool))
    throttle = rng.uniform(0.4, 1.0, n)
    fraction = np.where(mode == 2, np.clip(throttle, engine.config.min_throttle, 1.0) * (lit / count), 0.0)
    cutoff = np.full(n, math.inf)
    return eng.plan_tick(engine, start, fraction, limit, throttle, cutoff)


def test_a_steady_plan_answers_as_the_general_one() -> None:
    rng = np.random.default_rng(14)
    for _ in range(CASES // 10):
        plan = _steady_plan(rng, 7)
        assert plan.steady
        general = dataclasses.replace(plan, steady=False)
        for _ in range(10):
            tau = rng.uniform(0.0, 40.0, 7)
            for got, expected in zip(plan.at(tau), general.at(tau), strict=True):
                np.testing.assert_array_equal(got, expected)


def _old_rk4_one(
    integrator: Integrator,
    seg: dynamics.Segment,
    y: np.ndarray,
    h: np.ndarray,
    axes: tuple[tuple[np.ndarray, np.ndarray], ...],
) -> np.ndarray:
    """The array RK4 the one-vehicle float path replaced (``Integrator._rk4`` before it)."""
    model, c = integrator.model, integrator._c
    half = 0.5 * h
    k1 = dynamics.derivative(model, c, seg, np.zeros(1), y, *axes[0])
    k2 = dynamics.derivative(model, c, seg, half, y + half * k1, *axes[1])
    k3 = dynamics.derivative(model, c, seg, half, y + half * k2, *axes[1])
    k4 = dynamics.derivative(model, c, seg, h, y + h * k3, *axes[2])
    return np.asarray(y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4), dtype=np.float64)


def test_the_one_vehicle_rk4_step_is_the_array_one(one: Integrator) -> None:
    rng = np.random.default_rng(15)
    for _ in range(CASES):
        altitude = rng.uniform(-10.0, 160_000.0)
        position = (6_378_137.0 + altitude) * _unit(rng)
        y = np.concatenate([position, rng.normal(0.0, 2_000.0, 3), [rng.uniform(0.0, 1e7)]])[:, None]
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
        axes = tuple((_unit(rng)[:, None], _unit(rng)[:, None]) for _ in range(3))
        h = np.array([rng.choice([0.0, rng.uniform(0.001, 0.5)])])
        np.testing.assert_array_equal(one._rk4(seg, y, h, axes), _old_rk4_one(one, seg, y, h, axes))
