"""Translational equations of motion in the rotating ECEF frame, written for the integrator's hot loop.

``derivative`` returns d/dt of the packed state ``[x, y, z, vx, vy, vz, heat_load]`` (rows, shape
(7, N)) from gravity with J2, centrifugal and Coriolis terms, thrust, drag and normal force. Engine
fraction and mass come in closed form from a ``Segment`` (what is fixed over one sub-step) and the
attitude is handed in for each RK4 stage, so nothing else is integrated. Every quantity is a 1-D
array over vehicles: a numpy call costs about the same for 1 vehicle as for 1,000, so the number
of calls is what matters here, hence the written-out component arithmetic.
Knows nothing of event detection, ticks or platforms.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics.aero import SUTTON_GRAVES_CONSTANT
from firmware_sim.physics.vehicle import VehicleModel

FloatArray = NDArray[np.float64]

STATE_ROWS = 7


@dataclass(frozen=True, slots=True)
class Constants:
    """Scalars and tables pulled out of the model once, so the hot loop does no attribute chasing."""

    gm: float
    j2_factor: float  # 1.5 J2 a²
    omega: float
    omega2: float
    equatorial_radius_m: float
    one_minus_e2: float
    e2: float
    reference_area_m2: float
    normal_force_slope: float
    sqrt_inv_nose_radius: float
    mach_table: FloatArray
    drag_table: FloatArray
    one: OneVehicle | None = field(default=None)

    @classmethod
    def of(cls, model: VehicleModel) -> Constants:
        e = model.earth
        cfg = model.config
        e2 = e.eccentricity_squared
        return cls(
            e.gm_m3_per_s2,
            1.5 * e.j2 * e.equatorial_radius_m**2,
            e.rotation_rate_radps,
            e.rotation_rate_radps**2,
            e.equatorial_radius_m,
            1.0 - e2,
            e2,
            cfg.structure.reference_area_m2,
            cfg.aero.normal_force_slope_per_rad,
            float(np.sqrt(1.0 / cfg.structure.nose_radius_m)),
            model.drag_curve.mach,
            model.drag_curve.drag_coefficient,
            OneVehicle.of(model) if model.count == 1 else None,
        )


@dataclass(frozen=True, slots=True)
class OneVehicle:
    """The tables of a one-vehicle model as Python lists, for ``derivative``'s scalar path.

    A SITL runner flies one vehicle, and for one vehicle each numpy call costs more than the
    arithmetic it does (about fifty calls per derivative, four derivatives per tick): in plain
    floats, with ``bisect`` over these lists doing what ``np.interp`` does, the derivative costs a
    quarter as much and gives the same numbers to rounding.
    """

    altitude_m: list[float]
    density: list[float]
    pressure: list[float]
    speed_of_sound: list[float]
    mach: list[float]
    drag: list[float]
    wind_altitude_m: list[float]
    wind_north: list[float]
    wind_east: list[float]
    gust_sigma: float  # sigma sqrt(2 / components)
    gust_top_m: float
    gusts: list[tuple[float, float, float, float]]  # (rate, wavenumber, north phase, east phase)

    @classmethod
    def of(cls, model: VehicleModel) -> OneVehicle:
        atmosphere, wind = model.atmosphere, model.wind
        rates = wind.gust_rate_radps[:, 0].tolist()
        return cls(
            atmosphere.altitude_m.tolist(),
            atmosphere.density_kg_per_m3.tolist(),
            atmosphere.pressure_pa.tolist(),
            atmosphere.speed_of_sound_mps.tolist(),
            model.drag_curve.mach.tolist(),
            model.drag_curve.drag_coefficient.tolist(),
            wind.profile_altitude_m.tolist(),
            wind.profile_north_mps.tolist(),
            wind.profile_east_mps.tolist(),
            wind.gust_sigma_mps * math.sqrt(2.0 / len(rates)) if wind.gust_sigma_mps > 0.0 else 0.0,
            wind.gust_top_altitude_m,
            list(
                zip(
                    rates,
                    wind.gust_wavenumber_radpm[:, 0].tolist(),
                    wind.gust_phase_north_rad[:, 0].tolist(),
                    wind.gust_phase_east_rad[:, 0].tolist(),
                    strict=True,
                )
            ),
        )


def _interp(x: float, xs: list[float], ys: list[float], right: float | None = None) -> float:
    """``np.interp`` for one point: linear, held at the ends (or ``right`` beyond the last)."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1] if right is None or x == xs[-1] else right
    i = bisect.bisect_right(xs, x) - 1
    x0, x1 = xs[i], xs[i + 1]
    return ys[i] + (ys[i + 1] - ys[i]) * (x - x0) / (x1 - x0)


@dataclass(frozen=True, slots=True)
class Segment:
    """Inputs fixed over one sub-step; ``tau`` passed to ``derivative`` runs from 0 at its start.

    Flags switch whole blocks off for every vehicle at once.
    """

    time_s: FloatArray  # absolute time at the sub-step start (N,)
    fraction: FloatArray
    fraction_slope: FloatArray
    mass_kg: FloatArray
    mass_flow_full_kg_per_s: FloatArray
    thrust_vacuum_n: FloatArray
    back_pressure_area_m2: FloatArray  # lit fraction x total exit area
    drag_scale: FloatArray
    thrusting: bool
    aero: bool
    windy: bool
    lift: bool


def turned(
    vectors: Sequence[FloatArray], rate: FloatArray, accel: FloatArray, times: FloatArray
) -> list[FloatArray]:
    """Vectors (3, N) turned through the rotation vector ``rate t + accel t²/2`` at times (K, N).

    Returns, for each vector, rows (3, K, N). Rodrigues' formula with the series for sin(θ)/θ and
    (1-cos θ)/θ²: a control cycle turns well under 0.5 rad, where the series is good to 1e-9.
    The integrator asks for the three RK4 stage times of a step in one call.
    """
    phi = rate[:, None, :] * times + accel[:, None, :] * (0.5 * times * times)
    theta2 = (phi * phi).sum(axis=0)
    a = 1.0 - theta2 * (1.0 / 6.0 - theta2 * (1.0 / 120.0 - theta2 / 5040.0))
    b = 0.5 - theta2 * (1.0 / 24.0 - theta2 * (1.0 / 720.0 - theta2 / 40320.0))
    keep = 1.0 - b * theta2
    out = []
    for v in vectors:
        w = v[:, None, :]
        cross = phi[_NEXT] * w[_PREVIOUS] - phi[_PREVIOUS] * w[_NEXT]
        out.append(np.asarray(w * keep + a * cross + (b * (phi * w).sum(axis=0)) * phi, dtype=np.float64))
    return out


_NEXT = np.array([1, 2, 0])
_PREVIOUS = np.array([2, 0, 1])

Vector3 = tuple[float, float, float]


def turned_one(vectors: Sequence[Vector3], rate: Vector3, accel: Vector3, time_s: float) -> list[Vector3]:
    """``turned`` for one vehicle at one time, in floats: the same operations in the same order
    (numpy sums three rows one after the other), so the same numbers, at a twentieth of the cost."""
    half_t2 = 0.5 * time_s * time_s
    p0 = rate[0] * time_s + accel[0] * half_t2
    p1 = rate[1] * time_s + accel[1] * half_t2
    p2 = rate[2] * time_s + accel[2] * half_t2
    theta2 = p0 * p0 + p1 * p1 + p2 * p2
    a = 1.0 - theta2 * (1.0 / 6.0 - theta2 * (1.0 / 120.0 - theta2 / 5040.0))
    b = 0.5 - theta2 * (1.0 / 24.0 - theta2 * (1.0 / 720.0 - theta2 / 40320.0))
    keep = 1.0 - b * theta2
    out = []
    for w0, w1, w2 in vectors:
        along = b * (p0 * w0 + p1 * w1 + p2 * w2)
        out.append(
            (
                w0 * keep + a * (p1 * w2 - p2 * w1) + along * p0,
                w1 * keep + a * (p2 * w0 - p0 * w2) + along * p1,
                w2 * keep + a * (p0 * w1 - p1 * w0) + along * p2,
            )
        )
    return out


def derivative(
    model: VehicleModel,
    c: Constants,
    seg: Segment,
    tau: FloatArray,
    y: FloatArray,
    body_axis: FloatArray,
    thrust_axis: FloatArray,
) -> FloatArray:
    """d/dt of the packed state rows (7, N) at ``tau`` seconds into the sub-step.

    ``body_axis`` and ``thrust_axis`` (rows (3, N), ECEF unit vectors) are the attitude at that time.
    """
    if c.one is not None:
        return _derivative_one(c, c.one, seg, float(tau[0]), y, body_axis, thrust_axis)
    x, yy, z, vx, vy, vz = y[0], y[1], y[2], y[3], y[4], y[5]
    rho2 = x * x + yy * yy
    z2 = z * z
    r2 = rho2 + z2
    inv_r2 = 1.0 / r2
    r = np.sqrt(r2)
    mu_r3 = c.gm * inv_r2 / r
    j = c.j2_factor * inv_r2
    j5 = 5.0 * z2 * inv_r2
    radial_xy = c.omega2 - mu_r3 * (1.0 + j * (1.0 - j5))
    ax = radial_xy * x + (2.0 * c.omega) * vy
    ay = radial_xy * yy - (2.0 * c.omega) * vx
    az = -mu_r3 * (1.0 + j * (3.0 - j5)) * z
    out = np.empty_like(y)
    out[0] = vx
    out[1] = vy
    out[2] = vz
    if not (seg.thrusting or seg.aero):
        out[3] = ax
        out[4] = ay
        out[5] = az
        out[6] = 0.0
        return out

    # Height along the geocentric radius: exact at the surface, 6e-6 relative error aloft.
    altitude = r - c.equatorial_radius_m * np.sqrt(c.one_minus_e2 / (1.0 - c.e2 * rho2 * inv_r2))
    mass = seg.mass_kg - seg.mass_flow_full_kg_per_s * tau * (seg.fraction + 0.5 * seg.fraction_slope * tau)
    inv_m = 1.0 / mass

    if seg.thrusting:
        fraction = seg.fraction + seg.fraction_slope * tau
        thrust = fraction * seg.thrust_vacuum_n
        if seg.aero:
            thrust = np.maximum(thrust - seg.back_pressure_area_m2 * model.atmosphere.pressure(altitude), 0.0)
        acc = thrust * inv_m
        ax = ax + acc * thrust_axis[0]
        ay = ay + acc * thrust_axis[1]
        az = az + acc * thrust_axis[2]

    if seg.aero:
        density = model.atmosphere.density(altitude)
        wx, wy, wz = vx, vy, vz
        if seg.windy:
            north, east = model.wind.wind_ned_mps(seg.time_s + tau, altitude)
            inv_rho = 1.0 / np.sqrt(rho2)
            # Local east and north on the geocentric sphere: within 0.2° of geodetic, ample for wind.
            e_over = east * inv_rho
            n_over = north * inv_rho / r
            wx = vx + e_over * yy + n_over * z * x
            wy = vy - e_over * x + n_over * z * yy
            wz = vz - n_over * rho2
        speed2 = wx * wx + wy * wy + wz * wz
        speed = np.sqrt(speed2)
        inv_speed = 1.0 / np.maximum(speed, 1e-9)
        mach = speed / model.atmosphere.speed_of_sound(altitude)
        drag_coefficient = np.interp(mach, c.mach_table, c.drag_table) * seg.drag_scale
        q_area_over_m = (0.5 * c.reference_area_m2) * density * speed2 * inv_m
        drag = q_area_over_m * drag_coefficient * inv_speed
        ax = ax - drag * wx
        ay = ay - drag * wy
        az = az - drag * wz
        if seg.lift:
            bx, by, bz = body_axis[0], body_axis[1], body_axis[2]
            cos_alpha = (bx * wx + by * wy + bz * wz) * inv_speed
            lift = q_area_over_m * c.normal_force_slope * cos_alpha
            lift_v = lift * cos_alpha * inv_speed
            ax = ax + lift * bx - lift_v * wx
            ay = ay + lift * by - lift_v * wy
            az = az + lift * bz - lift_v * wz
        out[6] = (SUTTON_GRAVES_CONSTANT * c.sqrt_inv_nose_radius) * np.sqrt(density) * speed2 * speed
    else:
        out[6] = 0.0
    out[3] = ax
    out[4] = ay
    out[5] = az
    return out


@dataclass(frozen=True, slots=True)
class SegmentOne:
    """A one-vehicle ``Segment`` as floats, pulled out once per step for the four RK4 stages."""

    time_s: float
    fraction: float
    fraction_slope: float
    mass_kg: float
    mass_flow_full_kg_per_s: float
    thrust_vacuum_n: float
    back_pressure_area_m2: float
    drag_scale: float
    thrusting: bool
    aero: bool
    windy: bool
    lift: bool

    @classmethod
    def of(cls, seg: Segment) -> SegmentOne:
        return cls(
            float(seg.time_s[0]),
            float(seg.fraction[0]),
            float(seg.fraction_slope[0]),
            float(seg.mass_kg[0]),
            float(seg.mass_flow_full_kg_per_s[0]),
            float(seg.thrust_vacuum_n[0]),
            float(seg.back_pressure_area_m2[0]),
            float(seg.drag_scale[0]),
            seg.thrusting,
            seg.aero,
            seg.windy,
            seg.lift,
        )


StateOne = tuple[float, float, float, float, float, float, float]


def _derivative_one(
    c: Constants,
    one: OneVehicle,
    seg: Segment,
    tau: float,
    y: FloatArray,
    body_axis: FloatArray,
    thrust_axis: FloatArray,
) -> FloatArray:
    """``derivative`` for a one-vehicle model: ``derivative_one`` on the arrays' floats."""
    rates = derivative_one(
        c,
        one,
        SegmentOne.of(seg),
        tau,
        y[0:6, 0].tolist(),
        body_axis[:, 0].tolist(),
        thrust_axis[:, 0].tolist(),
    )
    return np.array(rates).reshape(STATE_ROWS, 1)


def derivative_one(
    c: Constants,
    one: OneVehicle,
    seg: SegmentOne,
    tau: float,
    y: Sequence[float],
    body_axis: Sequence[float],
    thrust_axis: Sequence[float],
) -> StateOne:
    """``derivative`` of a one-vehicle model in floats (same equations, same order): the state's
    first six rows in, the seven rates out."""
    x, yy, z, vx, vy, vz = y[0:6]
    rho2 = x * x + yy * yy
    z2 = z * z
    r2 = rho2 + z2
    inv_r2 = 1.0 / r2
    r = math.sqrt(r2)
    mu_r3 = c.gm * inv_r2 / r
    j = c.j2_factor * inv_r2
    j5 = 5.0 * z2 * inv_r2
    radial_xy = c.omega2 - mu_r3 * (1.0 + j * (1.0 - j5))
    ax = radial_xy * x + (2.0 * c.omega) * vy
    ay = radial_xy * yy - (2.0 * c.omega) * vx
    az = -mu_r3 * (1.0 + j * (3.0 - j5)) * z
    heat = 0.0
    if seg.thrusting or seg.aero:
        altitude = r - c.equatorial_radius_m * math.sqrt(c.one_minus_e2 / (1.0 - c.e2 * rho2 * inv_r2))
        fraction0 = seg.fraction
        slope = seg.fraction_slope
        mass = seg.mass_kg - seg.mass_flow_full_kg_per_s * tau * (fraction0 + 0.5 * slope * tau)
        inv_m = 1.0 / mass
        if seg.thrusting:
            thrust = (fraction0 + slope * tau) * seg.thrust_vacuum_n
            if seg.aero:
                pressure = _interp(altitude, one.altitude_m, one.pressure, right=0.0)
                thrust = max(thrust - seg.back_pressure_area_m2 * pressure, 0.0)
            acc = thrust * inv_m
            tx, ty, tz = thrust_axis
            ax += acc * tx
            ay += acc * ty
            az += acc * tz
        if seg.aero:
            density = _interp(altitude, one.altitude_m, one.density, right=0.0)
            wx, wy, wz = vx, vy, vz
            if seg.windy:
                north = _interp(altitude, one.wind_altitude_m, one.wind_north)
                east = _interp(altitude, one.wind_altitude_m, one.wind_east)
                if one.gust_sigma > 0.0:
                    fade = min(max(1.0 - altitude / one.gust_top_m, 0.0), 1.0)
                    if fade > 0.0:
                        time_s = seg.time_s + tau
                        gust_north = gust_east = 0.0
                        for rate, wavenumber, phase_north, phase_east in one.gusts:
                            argument = rate * time_s + wavenumber * altitude
                            gust_north += math.cos(argument + phase_north)
                            gust_east += math.cos(argument + phase_east)
                        north += one.gust_sigma * fade * gust_north
                        east += one.gust_sigma * fade * gust_east
                inv_rho = 1.0 / math.sqrt(rho2)
                e_over = east * inv_rho
                n_over = north * inv_rho / r
                wx = vx + e_over * yy + n_over * z * x
                wy = vy - e_over * x + n_over * z * yy
                wz = vz - n_over * rho2
            speed2 = wx * wx + wy * wy + wz * wz
            speed = math.sqrt(speed2)
            inv_speed = 1.0 / max(speed, 1e-9)
            mach = speed / _interp(altitude, one.altitude_m, one.speed_of_sound)
            drag_coefficient = _interp(mach, one.mach, one.drag) * seg.drag_scale
            q_area_over_m = (0.5 * c.reference_area_m2) * density * speed2 * inv_m
            drag = q_area_over_m * drag_coefficient * inv_speed
            ax -= drag * wx
            ay -= drag * wy
            az -= drag * wz
            if seg.lift:
                bx, by, bz = body_axis
                cos_alpha = (bx * wx + by * wy + bz * wz) * inv_speed
                lift = q_area_over_m * c.normal_force_slope * cos_alpha
                lift_v = lift * cos_alpha * inv_speed
                ax += lift * bx - lift_v * wx
                ay += lift * by - lift_v * wy
                az += lift * bz - lift_v * wz
            heat = (SUTTON_GRAVES_CONSTANT * c.sqrt_inv_nose_radius) * math.sqrt(density) * speed2 * speed
    return vx, vy, vz, ax, ay, az, heat
