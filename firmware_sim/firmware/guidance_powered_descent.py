"""Powered-descent braking in three dimensions: zero-effort-miss / zero-effort-velocity guidance
(the energy-optimal acceleration for reaching a point at a velocity in a set time under gravity),
and the ignition test that goes with it.

The acceleration to command with time to go t is u = 6·ZEM/t² − 2·ZEV/t, where ZEM = r_f − (r +
v·t + g·t²/2) and ZEV = v_f − (v + g·t). The landing burn is lit when even the least demanding
time to go needs the planned thrust; from then the time to go counts down. Plain functions of
vectors; knows nothing of phases, sensors or the vehicle.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo

FloatArray = NDArray[np.float64]

#: Times to go (s) searched for the least demanding braking.
TIME_GRID_S: tuple[float, ...] = tuple(float(t) for t in (*range(2, 30), *range(30, 121, 3)))


def braking_acceleration(
    position_rel_m: FloatArray,
    velocity_rel_mps: FloatArray,
    final_velocity_mps: FloatArray,
    gravity_mps2: FloatArray,
    time_to_go_s: float,
) -> FloatArray:
    """Thrust acceleration that brings a point at ``position_rel_m`` (from the target) to the target
    at ``final_velocity_mps`` in ``time_to_go_s`` seconds."""
    t = time_to_go_s
    zem = -(position_rel_m + velocity_rel_mps * t + 0.5 * gravity_mps2 * t * t)
    zev = final_velocity_mps - (velocity_rel_mps + gravity_mps2 * t)
    return np.asarray(6.0 * zem / (t * t) - 2.0 * zev / t, dtype=np.float64)


def longest_time_to_go_s(height_m: float, falling_mps: float) -> float:
    """The time (s) to fall ``height_m`` braking uniformly to rest from ``falling_mps``: plans longer
    than this would pass below the target before coming back up (the plan knows no ground)."""
    return max(2.0 * max(height_m, 0.0) / max(falling_mps, 1e-3), TIME_GRID_S[0])


def peak_acceleration(
    position_rel_m: FloatArray,
    velocity_rel_mps: FloatArray,
    final_velocity_mps: FloatArray,
    gravity_mps2: FloatArray,
    time_to_go_s: float,
) -> float:
    """The largest thrust acceleration (m/s²) the plan asks for on the way.

    The energy-optimal acceleration varies linearly in time, from u0 = 6·ZEM/t² − 2·ZEV/t now to
    u_f = −6·ZEM/t² + 4·ZEV/t at the end, so its largest size is at one of the ends.
    """
    t = time_to_go_s
    zem = -(position_rel_m + velocity_rel_mps * t + 0.5 * gravity_mps2 * t * t)
    zev = final_velocity_mps - (velocity_rel_mps + gravity_mps2 * t)
    now = 6.0 * zem / (t * t) - 2.0 * zev / t
    end = -6.0 * zem / (t * t) + 4.0 * zev / t
    return max(geo.norm(now), geo.norm(end))


def least_demanding(
    position_rel_m: FloatArray,
    velocity_rel_mps: FloatArray,
    final_velocity_mps: FloatArray,
    gravity_mps2: FloatArray,
    longest_s: float,
) -> tuple[float, float]:
    """The time to go (s) on the grid up to ``longest_s`` whose plan peaks lowest, and that peak."""
    best_t, best_a = TIME_GRID_S[0], float("inf")
    for t in TIME_GRID_S:
        if t > longest_s:
            break
        a = peak_acceleration(position_rel_m, velocity_rel_mps, final_velocity_mps, gravity_mps2, t)
        if a < best_a:
            best_t, best_a = t, a
    return best_t, best_a


def time_to_go_for(
    position_rel_m: FloatArray,
    velocity_rel_mps: FloatArray,
    final_velocity_mps: FloatArray,
    gravity_mps2: FloatArray,
    planned_accel_mps2: float,
    longest_s: float,
) -> float:
    """The shortest time to go up to ``longest_s`` whose plan never needs more than the planned
    acceleration (shorter burns lose less to gravity); ``longest_s`` when none is that gentle."""
    for t in TIME_GRID_S:
        if t > longest_s:
            break
        if (
            peak_acceleration(position_rel_m, velocity_rel_mps, final_velocity_mps, gravity_mps2, t)
            <= planned_accel_mps2
        ):
            return t
    return max(longest_s, TIME_GRID_S[0])
