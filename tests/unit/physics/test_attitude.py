"""Quaternion algebra and the rate- and acceleration-limited attitude response."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_sim.physics import attitude as att
from firmware_sim.physics.config import VehicleConfig
from firmware_sim.physics.earth import ned_vector_to_ecef
from firmware_sim.physics.vehicle import attitude_from_ned


def test_rotation_vector_round_trip_and_rotation() -> None:
    rng = np.random.default_rng(1)
    phi = rng.normal(size=(100, 3))
    phi *= (rng.uniform(0, math.pi, 100) / np.linalg.norm(phi, axis=1))[:, None]
    q = att.quat_from_rotation_vector(phi)
    np.testing.assert_allclose(att.rotation_vector_from_quat(q), phi, atol=1e-12)
    v = rng.normal(size=(100, 3))
    rotated = att.quat_rotate(q, v)
    matrix = att.rotation_matrix(q)
    np.testing.assert_allclose(rotated, np.einsum("nij,nj->ni", matrix, v), atol=1e-12)
    np.testing.assert_allclose(att.body_x_axis(q), matrix[:, :, 0], atol=1e-15)
    np.testing.assert_allclose(att.quat_from_rotation_vector(np.zeros(3)), [1, 0, 0, 0])


def test_shortest_arc_including_opposite_vectors() -> None:
    a = np.array([[1.0, 0, 0], [0, 0, 1.0], [0.6, 0.8, 0]])
    b = np.array([[0.0, 1, 0], [0, 0, -1.0], [0.6, 0.8, 0]])
    q = att.quat_shortest_arc(a, b)
    np.testing.assert_allclose(att.quat_rotate(q, a), b, atol=1e-12)
    np.testing.assert_allclose(
        np.linalg.norm(att.rotation_vector_from_quat(q), axis=1), [math.pi / 2, math.pi, 0], atol=1e-12
    )


def test_attitude_from_ned_and_axes() -> None:
    up = att.body_x_axis(attitude_from_ned(36.5, 121.6, 90.0, 50.0))
    np.testing.assert_allclose(up, ned_vector_to_ecef([0, 0, -1.0], 36.5, 121.6), atol=1e-12)
    east = att.body_x_axis(attitude_from_ned(36.5, 121.6, 0.0, 90.0))
    np.testing.assert_allclose(east, ned_vector_to_ecef([0, 1.0, 0], 36.5, 121.6), atol=1e-12)
    q = attitude_from_ned(10.0, 20.0, 33.0, 44.0)
    m = att.rotation_matrix(q)
    np.testing.assert_allclose(att.quat_from_axes(m[:, 0], m[:, 1], m[:, 2]), q, atol=1e-12)


@pytest.mark.parametrize("cycle_s", [0.02, 0.2, 0.5])
def test_slew_respects_rate_and_acceleration_limits(cargo: VehicleConfig, cycle_s: float) -> None:
    """A 120° slew command: |rate| <= limit, |accel| <= limit at every cycle, then it settles."""
    limits = att.AttitudeLimits.from_config(cargo.attitude)
    q = np.array([[1.0, 0.0, 0.0, 0.0]])
    target = att.quat_from_rotation_vector(np.array([[0.0, math.radians(120.0), 0.0]]))
    rate = np.zeros((1, 3))
    peak_rate = peak_accel = 0.0
    elapsed_s = 0.0
    while not att.settled(att.attitude_error(q, target), rate)[0]:
        assert elapsed_s < 200.0, "never settled"
        accel = att.autopilot_acceleration(att.attitude_error(q, target), rate, cycle_s, limits)
        q, rate = att.propagate(q, rate, accel, cycle_s)
        peak_rate = max(peak_rate, float(np.linalg.norm(rate)))
        peak_accel = max(peak_accel, float(np.linalg.norm(accel)))
        elapsed_s += cycle_s
    assert peak_rate <= limits.max_rate_radps * (1 + 1e-12)
    assert peak_accel <= limits.max_acceleration_radps2 * (1 + 1e-12)
    assert peak_rate > 0.9 * limits.max_rate_radps  # it did use its authority
    # The fastest possible 120° slew under these limits, plus the smooth approach at the end.
    fastest = (
        math.radians(120) / limits.max_rate_radps + limits.max_rate_radps / limits.max_acceleration_radps2
    )
    assert fastest < elapsed_s < fastest + 40.0
