"""Powered-descent braking for a vehicle that cannot hover: a drag-aware gravity-turn predictor.

A hoverslam spends least propellant when it lights as late as it can and then pushes straight
against its velocity (a gravity turn): every newton of thrust takes speed off, and the air, which
brakes a blunt body coming down at a few hundred metres a second as hard as the engines do, does
as much of the work as it can before the engines start. ``predict_gravity_turn`` flies such a
burn ahead from a state relative to the deck (flat ground, constant gravity, the flight software's
exponential air and two-level drag coefficient, the mass falling with the flow) and says where the
speed has fallen to the end speed: its height over the deck, its offset across the deck and when.
The landing guidance lights when that stop comes down to the approach gate, throttles so that it
stays there, and leans the thrust off retrograde to move the stop point onto the deck.

Plain functions of floats (a few hundred steps each call, many calls a second); knows nothing of
phases, sensors or the simulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware.guidance_common import (
    DENSITY_SCALE_HEIGHT_M,
    G0_MPS2,
    SEA_LEVEL_DENSITY_KG_PER_M3,
)

FloatArray = NDArray[np.float64]

#: Above this speed (m/s) drag uses the supersonic drag ratio (as the impact-point predictor does).
_SUPERSONIC_MPS = 400.0


@dataclass(frozen=True, slots=True)
class BrakingPrediction:
    """Where a gravity-turn burn brings the speed down to its end speed."""

    stop_height_m: float  # over the deck, along the local up at the start
    stop_offset_ecef_m: FloatArray  # horizontal offset from the deck centre at the stop (ECEF axes)
    time_s: float  # from now (the coast before ignition included)


@dataclass(frozen=True, slots=True)
class BrakingVehicle:
    """What the predictor needs of the vehicle: thrust, its exhaust velocity and its drag."""

    thrust_n: float
    mass_kg: float
    exhaust_velocity_mps: float
    drag_area_m2: float  # Cd·S, subsonic
    supersonic_drag_ratio: float = 1.0


#: The burn pushes against the velocity with its horizontal part weighted by this: it takes the
#: speed across off before the speed down, so the path and the body are upright well before the
#: end (a pure gravity turn from a slant entry still slants at the hand-over, and a body that
#: turns in seconds cannot stand up in the last ones). The price is a little more gravity loss.
HORIZONTAL_WEIGHT = 1.0


def braking_direction(velocity_rel_mps: FloatArray, up_ecef: FloatArray) -> FloatArray:
    """The braking law's thrust direction (unit, ECEF): against the velocity relative to the deck,
    its horizontal part weighted by ``HORIZONTAL_WEIGHT``."""
    v_up = float(velocity_rel_mps @ up_ecef)
    weighted = HORIZONTAL_WEIGHT * (velocity_rel_mps - v_up * up_ecef) + v_up * up_ecef
    size = math.sqrt(float(weighted @ weighted))
    return np.asarray(-weighted / size if size > 1e-9 else up_ecef, dtype=np.float64)


def predict_gravity_turn(
    position_rel_m: FloatArray,
    velocity_rel_mps: FloatArray,
    up_ecef: FloatArray,
    altitude_m: float,
    vehicle: BrakingVehicle,
    end_speed_mps: float,
    coast_s: float = 0.0,
    step_s: float = 0.1,
    max_time_s: float = 120.0,
) -> BrakingPrediction | None:
    """Fly a gravity turn ahead (after ``coast_s`` of free fall) until the fall is down to ``end_speed_mps``.


    Args:
        position_rel_m: the point that must stop (the vehicle's base) minus the deck centre, ECEF.
        velocity_rel_mps: its velocity relative to the deck (also taken as the airspeed).
        up_ecef: local up at the vehicle.
        altitude_m: the vehicle's altitude now (for the air density).

    Returns:
        The stop, or None when the burn does not bring the speed down within ``max_time_s`` (too
        little thrust for the weight).
    """
    ux, uy, uz = float(up_ecef[0]), float(up_ecef[1]), float(up_ecef[2])
    vx, vy, vz = float(velocity_rel_mps[0]), float(velocity_rel_mps[1]), float(velocity_rel_mps[2])
    px, py, pz = float(position_rel_m[0]), float(position_rel_m[1]), float(position_rel_m[2])
    # Local axes: e1 along the horizontal velocity, e2 = up x e1, up. Everything below is 3 floats.
    v_up = vx * ux + vy * uy + vz * uz
    hx, hy, hz = vx - v_up * ux, vy - v_up * uy, vz - v_up * uz
    h_speed = math.sqrt(hx * hx + hy * hy + hz * hz)
    if h_speed > 1e-9:
        e1 = (hx / h_speed, hy / h_speed, hz / h_speed)
    else:  # falling straight down: any horizontal axis will do
        seed = (1.0, 0.0, 0.0) if abs(ux) < 0.9 else (0.0, 1.0, 0.0)
        dot = seed[0] * ux + seed[1] * uy + seed[2] * uz
        sx, sy, sz = seed[0] - dot * ux, seed[1] - dot * uy, seed[2] - dot * uz
        n = math.sqrt(sx * sx + sy * sy + sz * sz)
        e1 = (sx / n, sy / n, sz / n)
    e2 = (uy * e1[2] - uz * e1[1], uz * e1[0] - ux * e1[2], ux * e1[1] - uy * e1[0])
    x = px * e1[0] + py * e1[1] + pz * e1[2]
    y = px * e2[0] + py * e2[1] + pz * e2[2]
    z = px * ux + py * uy + pz * uz
    z0 = z
    u, w = h_speed, v_up  # velocity along e1 and up (none along e2 by construction)
    v2 = 0.0
    mass = vehicle.mass_kg
    flow = vehicle.thrust_n / max(vehicle.exhaust_velocity_mps, 1.0)
    drag_area = vehicle.drag_area_m2
    ratio = vehicle.supersonic_drag_ratio
    t = 0.0
    end = max(end_speed_mps, 0.1)

    def accel(u: float, v: float, w: float, z: float, thrusting: bool, mass: float) -> tuple[float, ...]:
        speed = math.sqrt(u * u + v * v + w * w)
        rho = SEA_LEVEL_DENSITY_KG_PER_M3 * math.exp(-max(altitude_m + z - z0, 0.0) / DENSITY_SCALE_HEIGHT_M)
        cd_area = drag_area * (ratio if speed > _SUPERSONIC_MPS else 1.0)
        k = 0.5 * rho * speed * cd_area / mass
        ax, ay, az = -k * u, -k * v, -k * w - G0_MPS2
        if thrusting:
            wu, wv = HORIZONTAL_WEIGHT * u, HORIZONTAL_WEIGHT * v
            size = math.sqrt(wu * wu + wv * wv + w * w)
            if size > 1e-9:
                f = vehicle.thrust_n / (mass * size)
                ax, ay, az = ax - f * wu, ay - f * wv, az - f * w
        return ax, ay, az

    while t < max_time_s:
        thrusting = t >= coast_s
        dt = step_s if thrusting else min(step_s, coast_s - t)
        if thrusting and -w <= end:
            break
        # Midpoint (RK2) step: ample at 0.1 s for decelerations of a few g.
        a1 = accel(u, v2, w, z, thrusting, mass)
        m_mid = mass - (0.5 * dt * flow if thrusting else 0.0)
        um, vm, wm = u + 0.5 * dt * a1[0], v2 + 0.5 * dt * a1[1], w + 0.5 * dt * a1[2]
        a2 = accel(um, vm, wm, z + 0.5 * dt * w, thrusting, m_mid)
        nu, nv, nw = u + dt * a2[0], v2 + dt * a2[1], w + dt * a2[2]
        if thrusting and -nw < end:
            # Interpolate to the step's crossing of the end speed.
            frac = (-w - end) / max(nw - w, 1e-9)
            x += frac * dt * um
            y += frac * dt * vm
            z += frac * dt * wm
            t += frac * dt
            break
        x += dt * um
        y += dt * vm
        z += dt * wm
        u, v2, w = nu, nv, nw
        if thrusting:
            mass -= dt * flow
        t += dt
    else:
        return None
    offset = np.array([x * e1[0] + y * e2[0], x * e1[1] + y * e2[1], x * e1[2] + y * e2[2]], dtype=np.float64)
    return BrakingPrediction(z, offset, t)


def thrust_for_stop_height(
    predict: StopHeight, target_height_m: float, guess_n: float, least_n: float, most_n: float
) -> float:
    """The thrust (N, within [least_n, most_n]) whose gravity turn stops at ``target_height_m``.

    The stop height rises with the thrust; one secant step from ``guess_n`` is enough when this is
    called every tick, the previous answer being the next guess.
    """
    guess = min(max(guess_n, least_n), most_n)
    probe = guess * 1.05 if guess * 1.05 <= most_n else guess * 0.95
    h_guess, h_probe = predict(guess), predict(probe)
    if h_guess is None:
        return most_n
    if h_probe is None or abs(h_probe - h_guess) < 1e-6:
        return guess
    thrust = guess + (target_height_m - h_guess) * (probe - guess) / (h_probe - h_guess)
    return min(max(thrust, least_n), most_n)


class StopHeight:
    """``predict(thrust_n) -> stop height (m) or None``: a gravity-turn prediction at a given thrust."""

    def __init__(
        self,
        position_rel_m: FloatArray,
        velocity_rel_mps: FloatArray,
        up_ecef: FloatArray,
        altitude_m: float,
        vehicle: BrakingVehicle,
        end_speed_mps: float,
    ) -> None:
        self._args = (position_rel_m, velocity_rel_mps, up_ecef, altitude_m)
        self._vehicle = vehicle
        self._end_speed_mps = end_speed_mps

    def prediction(self, thrust_n: float) -> BrakingPrediction | None:
        vehicle = BrakingVehicle(
            thrust_n,
            self._vehicle.mass_kg,
            self._vehicle.exhaust_velocity_mps,
            self._vehicle.drag_area_m2,
            self._vehicle.supersonic_drag_ratio,
        )
        return predict_gravity_turn(*self._args, vehicle, self._end_speed_mps)

    def __call__(self, thrust_n: float) -> float | None:
        stop = self.prediction(thrust_n)
        return None if stop is None else stop.stop_height_m
