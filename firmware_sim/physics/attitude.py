"""Attitude: quaternion algebra and the rate- and acceleration-limited response to a commanded attitude.

The vehicle is not a 6-DOF rigid body here: its attitude control (gimbal, RCS, fins together) is
modelled as a digital autopilot that, once per control cycle, picks a constant angular
acceleration towards the commanded attitude within the vehicle's rate and acceleration limits.
Inside a cycle the attitude is then known in closed form, so translation never integrates it.
Knows nothing of forces, the Earth or the atmosphere.

Quaternions are scalar-first ``[w, x, y, z]`` arrays shaped (N, 4) that rotate body vectors into
ECEF; angular rates and accelerations are relative to ECEF and expressed in ECEF axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from firmware_sim.physics.config import AttitudeConfig

FloatArray = NDArray[np.float64]

#: Below this attitude error (rad) and rate (rad/s) the vehicle is snapped onto its command.
SETTLED_TOLERANCE = 1e-6


def _product_table() -> FloatArray:
    """16 x 4 table T with (a ⊗ b)_k = sum_ij a_i b_j T[4 i + j, k] (Hamilton convention)."""
    table = np.zeros((16, 4))
    signs = {  # (i, j) -> (k, sign) for the basis products 1, i, j, k
        (0, 0): (0, 1),
        (0, 1): (1, 1),
        (0, 2): (2, 1),
        (0, 3): (3, 1),
        (1, 0): (1, 1),
        (1, 1): (0, -1),
        (1, 2): (3, 1),
        (1, 3): (2, -1),
        (2, 0): (2, 1),
        (2, 1): (3, -1),
        (2, 2): (0, -1),
        (2, 3): (1, 1),
        (3, 0): (3, 1),
        (3, 1): (2, 1),
        (3, 2): (1, -1),
        (3, 3): (0, -1),
    }
    for (i, j), (k, sign) in signs.items():
        table[4 * i + j, k] = sign
    return table


_PRODUCT = _product_table()


def quat_multiply(a: FloatArray, b: FloatArray) -> FloatArray:
    """Hamilton product a ⊗ b of quaternion arrays (..., 4)."""
    # One outer product and one small matmul: a tenth of the numpy calls of the 28-term formula.
    outer = a[..., :, None] * b[..., None, :]
    return np.asarray(outer.reshape(*outer.shape[:-2], 16) @ _PRODUCT, dtype=np.float64)


def quat_conjugate(q: FloatArray) -> FloatArray:
    return np.asarray(q * _CONJUGATE, dtype=np.float64)


_CONJUGATE = np.array([1.0, -1.0, -1.0, -1.0])


def _norm(v: FloatArray) -> FloatArray:
    """Euclidean norm over the last axis, kept as a length-1 axis (cheaper than np.linalg.norm)."""
    return np.asarray(np.sqrt((v * v).sum(axis=-1, keepdims=True)), dtype=np.float64)


def quat_normalize(q: FloatArray) -> FloatArray:
    return q / _norm(q)


def quat_rotate(q: ArrayLike, v: ArrayLike) -> FloatArray:
    """Rotate body vectors (..., 3) into the frame of q (ECEF)."""
    qa = np.asarray(q, dtype=np.float64)
    va = np.asarray(v, dtype=np.float64)
    w = qa[..., :1]
    u = qa[..., 1:]
    t = 2.0 * np.cross(u, va)
    return np.asarray(va + w * t + np.cross(u, t), dtype=np.float64)


def quat_from_rotation_vector(rotation: ArrayLike) -> FloatArray:
    """Quaternion of a rotation vector (axis times angle in rad), shape (..., 3) -> (..., 4)."""
    phi = np.asarray(rotation, dtype=np.float64)
    half = 0.5 * _norm(phi)
    # sin(x/2)/x, finite at x = 0.
    scale = np.where(half > 1e-8, np.sin(half) / np.where(half > 1e-8, 2.0 * half, 1.0), 0.5)
    return np.concatenate([np.cos(half), phi * scale], axis=-1)


def rotation_vector_from_quat(q: ArrayLike) -> FloatArray:
    """Rotation vector (..., 3) of a quaternion, taking the short way round (angle <= pi)."""
    qa = np.asarray(q, dtype=np.float64)
    sign = np.where(qa[..., :1] < 0.0, -1.0, 1.0)
    w = qa[..., :1] * sign
    u = qa[..., 1:] * sign
    s = _norm(u)
    angle = 2.0 * np.arctan2(s, w)
    scale = np.where(s > 1e-12, angle / np.where(s > 1e-12, s, 1.0), 2.0)
    return np.asarray(u * scale, dtype=np.float64)


def quat_shortest_arc(from_unit: ArrayLike, to_unit: ArrayLike) -> FloatArray:
    """Smallest rotation taking unit vectors ``from_unit`` onto ``to_unit`` (..., 3) -> (..., 4)."""
    a = np.asarray(from_unit, dtype=np.float64)
    b = np.asarray(to_unit, dtype=np.float64)
    w = 1.0 + np.sum(a * b, axis=-1, keepdims=True)
    axis = np.cross(a, b)
    # Opposite vectors: any axis perpendicular to ``a`` will do; pick one that is not parallel to it.
    helper = np.where(np.abs(a[..., :1]) < 0.9, np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    perpendicular = np.cross(a, helper)
    opposite = w < 1e-12
    q = np.concatenate([np.where(opposite, 0.0, w), np.where(opposite, perpendicular, axis)], axis=-1)
    return quat_normalize(q)


def body_x_axis(q: FloatArray) -> FloatArray:
    """The body x axis (the thrust axis, nose direction) in ECEF for quaternions (..., 4)."""
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack([1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)], axis=-1)


def quat_from_axes(x_axis: FloatArray, y_axis: FloatArray, z_axis: FloatArray) -> FloatArray:
    """Quaternion of the rotation whose columns are the body axes given in ECEF (..., 3 each)."""
    m = np.stack([x_axis, y_axis, z_axis], axis=-1)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    # Shepperd: build from whichever of w, x, y, z is largest, so no division is ill-conditioned.
    candidates = np.stack(
        [
            np.stack(
                [
                    1 + m00 + m11 + m22,
                    m[..., 2, 1] - m[..., 1, 2],
                    m[..., 0, 2] - m[..., 2, 0],
                    m[..., 1, 0] - m[..., 0, 1],
                ],
                axis=-1,
            ),
            np.stack(
                [
                    m[..., 2, 1] - m[..., 1, 2],
                    1 + m00 - m11 - m22,
                    m[..., 0, 1] + m[..., 1, 0],
                    m[..., 0, 2] + m[..., 2, 0],
                ],
                axis=-1,
            ),
            np.stack(
                [
                    m[..., 0, 2] - m[..., 2, 0],
                    m[..., 0, 1] + m[..., 1, 0],
                    1 - m00 + m11 - m22,
                    m[..., 1, 2] + m[..., 2, 1],
                ],
                axis=-1,
            ),
            np.stack(
                [
                    m[..., 1, 0] - m[..., 0, 1],
                    m[..., 0, 2] + m[..., 2, 0],
                    m[..., 1, 2] + m[..., 2, 1],
                    1 - m00 - m11 + m22,
                ],
                axis=-1,
            ),
        ],
        axis=-2,
    )
    best = np.argmax(np.stack([m00 + m11 + m22, m00, m11, m22], axis=-1), axis=-1)
    q = np.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]
    q = quat_normalize(q)
    return np.where(q[..., :1] < 0, -q, q)


@dataclass(frozen=True, slots=True)
class AttitudeLimits:
    max_rate_radps: float
    max_acceleration_radps2: float
    attitude_time_constant_s: float
    rate_time_constant_s: float

    @classmethod
    def from_config(cls, cfg: AttitudeConfig) -> AttitudeLimits:
        return cls(
            math.radians(cfg.max_rate_dps),
            math.radians(cfg.max_acceleration_dps2),
            cfg.attitude_time_constant_s,
            cfg.rate_time_constant_s,
        )


def _clip_norm(v: FloatArray, limit: float | FloatArray) -> FloatArray:
    return np.asarray(v * np.minimum(1.0, limit / np.maximum(_norm(v), 1e-300)), dtype=np.float64)


def attitude_error(attitude: FloatArray, commanded: FloatArray) -> FloatArray:
    """Rotation vector (N, 3, ECEF axes) that would turn the attitude onto the command."""
    return rotation_vector_from_quat(quat_multiply(commanded, quat_conjugate(attitude)))


def autopilot_acceleration(
    error: FloatArray, rate_radps: FloatArray, cycle_s: float, limits: AttitudeLimits
) -> FloatArray:
    """Constant angular acceleration (rad/s², ECEF axes) to hold over the next control cycle.

    The wanted rate points along the attitude error (see ``attitude_error``), growing linearly with
    it near zero, never faster than the rate limit nor than what the acceleration limit can brake
    in time; the acceleration closes the gap to that rate over at least one cycle, so the loop
    neither overshoots the rate nor exceeds either limit whatever the cycle length.
    """
    angle = _norm(error)
    lag_s = max(cycle_s, limits.rate_time_constant_s)
    stiffness_s = max(limits.attitude_time_constant_s, 4.0 * lag_s)
    # Braking at half the acceleration limit leaves margin for the lag of the rate loop.
    speed = np.minimum(
        np.minimum(angle / stiffness_s, np.sqrt(limits.max_acceleration_radps2 * angle)),
        limits.max_rate_radps,
    )
    wanted = error * (speed / np.maximum(angle, 1e-300))
    return _clip_norm((wanted - rate_radps) / lag_s, limits.max_acceleration_radps2)


def propagate(
    attitude: FloatArray, rate_radps: FloatArray, acceleration_radps2: FloatArray, duration_s: float
) -> tuple[FloatArray, FloatArray]:
    """Attitude and rate after a cycle of constant acceleration.

    The attitude turns through the rotation vector ``w t + a t²/2`` (the model's definition of the
    motion inside a cycle; exact when rate and acceleration share an axis).
    """
    turn = rate_radps * duration_s + 0.5 * acceleration_radps2 * duration_s**2
    attitude = quat_normalize(quat_multiply(quat_from_rotation_vector(turn), attitude))
    return attitude, rate_radps + acceleration_radps2 * duration_s


def settled(error: FloatArray, rate_radps: FloatArray) -> NDArray[np.bool_]:
    """Which vehicles sit on their commanded attitude, at rest, within ``SETTLED_TOLERANCE``."""
    return np.asarray(
        ((error * error).sum(axis=-1) < SETTLED_TOLERANCE**2)
        & ((rate_radps * rate_radps).sum(axis=-1) < SETTLED_TOLERANCE**2),
        dtype=np.bool_,
    )


def rotation_matrix(q: FloatArray) -> FloatArray:
    """Rotation matrices (..., 3, 3) of quaternions (..., 4): columns are the body axes in ECEF."""
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1),
        ],
        axis=-2,
    )
