"""The instantaneous impact point: where the vehicle would come down if the engines stopped now.

Two predictors: ``predict_impact`` propagates the navigation state (J2 gravity, the Earth's rotation
and a drag estimate in the flight software's exponential air) until the height falls to a surface
height, in plain floats for speed; ``kepler_impact`` solves the vacuum two-body case in closed
form (microseconds, for every tick of an ascent). Knows nothing of guidance or of the simulator's
models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.guidance_common import DENSITY_SCALE_HEIGHT_M, SEA_LEVEL_DENSITY_KG_PER_M3

FloatArray = NDArray[np.float64]
_MU = geo.GM_M3_PER_S2
_OMEGA = geo.ROTATION_RATE_RADPS
_R_EQ = geo.EQUATORIAL_RADIUS_M
_E2 = geo.E2
#: Above this the air is left out (its drag is below the predictor's other errors).
_VACUUM_ALTITUDE_M = 100_000.0


@dataclass(frozen=True, slots=True)
class ImpactPoint:
    latitude_deg: float
    longitude_deg: float
    time_to_impact_s: float
    position_ecef_m: tuple[float, float, float]


def _height(x: float, y: float, z: float) -> float:
    r2 = x * x + y * y + z * z
    cos2 = 1.0 - z * z / r2
    return math.sqrt(r2) - _R_EQ * math.sqrt((1.0 - _E2) / (1.0 - _E2 * cos2))


#: Above this speed (m/s) drag uses the supersonic drag ratio (a two-level stand-in for Cd(Mach)).
_SUPERSONIC_MPS = 400.0


def _bend(
    s: list[float], bend_mps2: float, below_m: float, lift_cap_per_pa: float
) -> tuple[float, float, float]:
    """The steering lift that steepens a descent: ``bend_mps2`` (capped by what the air gives), across
    the flow on the ground side, fading as the path turns vertical; only below ``below_m``."""
    x, y, z, vx, vy, vz = s
    h = _height(x, y, z)
    if h >= below_m:
        return 0.0, 0.0, 0.0
    r = math.sqrt(x * x + y * y + z * z)
    ux, uy, uz = x / r, y / r, z / r
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    if speed < 1.0:
        return 0.0, 0.0, 0.0
    v_up = (vx * ux + vy * uy + vz * uz) / speed
    # Across the flow towards the ground: -up less its part along the flow.
    dx, dy, dz = -ux + v_up * vx / speed, -uy + v_up * vy / speed, -uz + v_up * vz / speed
    size = math.sqrt(dx * dx + dy * dy + dz * dz)  # = horizontal share of the flow: fades to 0
    if size < 1e-9:
        return 0.0, 0.0, 0.0
    rho = SEA_LEVEL_DENSITY_KG_PER_M3 * math.exp(-max(h, 0.0) / DENSITY_SCALE_HEIGHT_M)
    accel = min(bend_mps2 * size, lift_cap_per_pa * 0.5 * rho * speed * speed)
    return accel * dx / size, accel * dy / size, accel * dz / size


@dataclass(frozen=True, slots=True)
class Bend:
    """Steering lift that steepens the descent below ``below_m`` (``_bend``), for the fall predictor."""

    accel_mps2: float
    below_m: float
    lift_cap_per_pa: float  # the most lift per pascal of dynamic pressure, m/s²/Pa

    def at(self, position_ecef_m: FloatArray, velocity_ecef_mps: FloatArray) -> FloatArray:
        """The bend's acceleration (ECEF) at a state, as the predictor flies it."""
        state = [*(float(c) for c in position_ecef_m), *(float(c) for c in velocity_ecef_mps)]
        return np.array(_bend(state, self.accel_mps2, self.below_m, self.lift_cap_per_pa))


@dataclass(frozen=True, slots=True)
class FallState:
    """The state where a drag-and-gravity fall reaches a height."""

    time_s: float
    position_ecef_m: tuple[float, float, float]
    velocity_ecef_mps: tuple[float, float, float]


def fall_to_height(
    position_ecef_m: tuple[float, float, float],
    velocity_ecef_mps: tuple[float, float, float],
    height_m: float,
    drag_area_per_mass_m2_per_kg: float,
    max_time_s: float = 7_200.0,
    step_fraction: float = 0.02,
    supersonic_drag_ratio: float = 1.0,
    bend: Bend | None = None,
) -> FallState | None:
    """Propagate (J2, rotation, drag, and the steering ``bend`` if any) until the height drops to
    ``height_m``; None if it does not within the time, or if the state is already below it.

    ``drag_area_per_mass_m2_per_kg`` is Cd·S/m (0 for no drag). Steps are ``step_fraction`` of the
    time to fall through the present height band, between 0.05 s and 20 s.
    """
    x, y, z = position_ecef_m
    vx, vy, vz = velocity_ecef_mps
    h = _height(x, y, z)
    if h <= height_m:
        return None
    # Plain floats and one closure: this loop runs a few hundred RK4 steps per call, several calls
    # a second in ascent and entry, and list or array temporaries would cost more than the maths.
    bc, ratio = drag_area_per_mass_m2_per_kg, supersonic_drag_ratio
    mu, omega, omega2 = _MU, _OMEGA, _OMEGA * _OMEGA
    j2k = 1.5 * geo.J2 * _R_EQ * _R_EQ
    re, e2 = _R_EQ, _E2
    # No air outside this radius anywhere on the ellipsoid: skip the height there.
    air_r2 = (_R_EQ + _VACUUM_ALTITUDE_M) ** 2 if bc > 0.0 else -1.0
    rho0, scale, supersonic = SEA_LEVEL_DENSITY_KG_PER_M3, DENSITY_SCALE_HEIGHT_M, _SUPERSONIC_MPS
    bent = bend is not None and bend.accel_mps2 != 0.0

    def accel(x: float, y: float, z: float, vx: float, vy: float, vz: float) -> tuple[float, float, float]:
        r2 = x * x + y * y + z * z
        r = math.sqrt(r2)
        mu_over_r3 = mu / (r2 * r)
        z2_over_r2 = z * z / r2
        j2_term = j2k / r2
        g_xy = -mu_over_r3 * (1.0 + j2_term * (1.0 - 5.0 * z2_over_r2))
        ax = g_xy * x + omega2 * x + 2.0 * omega * vy
        ay = g_xy * y + omega2 * y - 2.0 * omega * vx
        az = -mu_over_r3 * (1.0 + j2_term * (3.0 - 5.0 * z2_over_r2)) * z
        if r2 < air_r2:
            height = r - re * math.sqrt((1.0 - e2) / (1.0 - e2 * (1.0 - z2_over_r2)))
            if height < _VACUUM_ALTITUDE_M:
                speed = math.sqrt(vx * vx + vy * vy + vz * vz)
                k = 0.5 * rho0 * math.exp(-max(height, 0.0) / scale) * speed * bc
                if speed > supersonic:
                    k *= ratio
                ax -= k * vx
                ay -= k * vy
                az -= k * vz
        if bent:
            assert bend is not None
            bx, by, bz = _bend([x, y, z, vx, vy, vz], bend.accel_mps2, bend.below_m, bend.lift_cap_per_pa)
            ax += bx
            ay += by
            az += bz
        return ax, ay, az

    t = 0.0
    while t < max_time_s:
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
        above = h - height_m + 200.0
        # A slow point still falls: gravity sets a floor on the speed the step is sized for.
        pace = max(speed, math.sqrt(9.8 * above))
        dt = min(max(step_fraction * above / pace, 0.05), 20.0)
        half = 0.5 * dt
        a1x, a1y, a1z = accel(x, y, z, vx, vy, vz)
        v2x, v2y, v2z = vx + half * a1x, vy + half * a1y, vz + half * a1z
        a2x, a2y, a2z = accel(x + half * vx, y + half * vy, z + half * vz, v2x, v2y, v2z)
        v3x, v3y, v3z = vx + half * a2x, vy + half * a2y, vz + half * a2z
        a3x, a3y, a3z = accel(x + half * v2x, y + half * v2y, z + half * v2z, v3x, v3y, v3z)
        v4x, v4y, v4z = vx + dt * a3x, vy + dt * a3y, vz + dt * a3z
        a4x, a4y, a4z = accel(x + dt * v3x, y + dt * v3y, z + dt * v3z, v4x, v4y, v4z)
        sixth = dt / 6.0
        nx = x + sixth * (vx + 2.0 * v2x + 2.0 * v3x + v4x)
        ny = y + sixth * (vy + 2.0 * v2y + 2.0 * v3y + v4y)
        nz = z + sixth * (vz + 2.0 * v2z + 2.0 * v3z + v4z)
        nvx = vx + sixth * (a1x + 2.0 * a2x + 2.0 * a3x + a4x)
        nvy = vy + sixth * (a1y + 2.0 * a2y + 2.0 * a3y + a4y)
        nvz = vz + sixth * (a1z + 2.0 * a2z + 2.0 * a3z + a4z)
        h_new = _height(nx, ny, nz)
        if h_new <= height_m:
            # Linear in height over the last step is ample at the step sizes near the surface.
            f = (h - height_m) / max(h - h_new, 1e-9)
            return FallState(
                t + f * dt,
                (x + f * (nx - x), y + f * (ny - y), z + f * (nz - z)),
                (vx + f * (nvx - vx), vy + f * (nvy - vy), vz + f * (nvz - vz)),
            )
        x, y, z, vx, vy, vz, h, t = nx, ny, nz, nvx, nvy, nvz, h_new, t + dt
    return None


def predict_impact(
    position_ecef_m: tuple[float, float, float],
    velocity_ecef_mps: tuple[float, float, float],
    surface_height_m: float,
    drag_area_per_mass_m2_per_kg: float,
    max_time_s: float = 7_200.0,
    step_fraction: float = 0.02,
    supersonic_drag_ratio: float = 1.0,
) -> ImpactPoint | None:
    """Where a free fall from this state (``fall_to_height``) reaches ``surface_height_m``."""
    fall = fall_to_height(
        position_ecef_m,
        velocity_ecef_mps,
        surface_height_m,
        drag_area_per_mass_m2_per_kg,
        max_time_s,
        step_fraction,
        supersonic_drag_ratio,
    )
    if fall is None:
        return None
    lat, lon, _ = geo.ecef_to_geodetic(np.array(fall.position_ecef_m))
    return ImpactPoint(lat, lon, fall.time_s, fall.position_ecef_m)


def kepler_impact(
    position_ecef_m: tuple[float, float, float],
    velocity_ecef_mps: tuple[float, float, float],
    impact_radius_m: float,
) -> ImpactPoint | None:
    """Where a vacuum two-body arc from this state crosses ``impact_radius_m`` (geocentric) on the way down.

    The state is taken to inertial axes aligned with ECEF now (adding the Earth's rotation to the
    velocity); the impact point is rotated back by the Earth's turn over the time of flight.
    None when the arc does not come down to that radius (escape, or it stays above it).
    """
    crossing = kepler_crossing(position_ecef_m, velocity_ecef_mps, impact_radius_m)
    if crossing is None:
        return None
    tof, point = crossing
    lat, lon, _ = geo.ecef_to_geodetic(np.array(point))
    return ImpactPoint(lat, lon, tof, point)


def kepler_crossing(
    position_ecef_m: tuple[float, float, float],
    velocity_ecef_mps: tuple[float, float, float],
    impact_radius_m: float,
) -> tuple[float, tuple[float, float, float]] | None:
    """``kepler_impact`` without the geodetic latitude and longitude: (time of flight s, ECEF point).

    For the guidance loops that call it thousands of times a second and only need the point.
    """
    x, y, z = position_ecef_m
    vx = velocity_ecef_mps[0] - _OMEGA * y
    vy = velocity_ecef_mps[1] + _OMEGA * x
    vz = velocity_ecef_mps[2]
    r = math.sqrt(x * x + y * y + z * z)
    v2 = vx * vx + vy * vy + vz * vz
    energy = 0.5 * v2 - _MU / r
    if energy >= 0.0:
        return None
    hx, hy, hz = y * vz - z * vy, z * vx - x * vz, x * vy - y * vx
    h2 = hx * hx + hy * hy + hz * hz
    if h2 <= 0.0:
        return None
    a = -_MU / (2.0 * energy)
    p = h2 / _MU
    e = math.sqrt(max(1.0 - p / a, 0.0))
    rv = x * vx + y * vy + z * vz
    if e < 1e-9:
        return None
    cos_nu0 = max(-1.0, min(1.0, (p / r - 1.0) / e))
    nu0 = math.acos(cos_nu0)
    if rv < 0.0:
        nu0 = 2.0 * math.pi - nu0
    cos_nui = (p / impact_radius_m - 1.0) / e
    if not -1.0 <= cos_nui <= 1.0:
        return None
    nui = 2.0 * math.pi - math.acos(cos_nui)  # the descending crossing
    if nui < nu0:
        return None

    def mean_anomaly(nu: float) -> float:
        ecc = 2.0 * math.atan2(
            math.sqrt(1.0 - e) * math.sin(nu / 2.0), math.sqrt(1.0 + e) * math.cos(nu / 2.0)
        )
        return ecc - e * math.sin(ecc)

    mean_motion = math.sqrt(_MU / a**3)
    m0, mi = mean_anomaly(nu0), mean_anomaly(nui)
    if mi < m0:
        mi += 2.0 * math.pi
    tof = (mi - m0) / mean_motion
    # Impact direction: turn the present radius by (nu_i - nu_0) in the orbit plane.
    h = math.sqrt(h2)
    ux, uy, uz = x / r, y / r, z / r
    nx, ny, nz = hx / h, hy / h, hz / h
    wx, wy, wz = ny * uz - nz * uy, nz * ux - nx * uz, nx * uy - ny * ux
    d = nui - nu0
    c, s_ = math.cos(d), math.sin(d)
    ix = impact_radius_m * (c * ux + s_ * wx)
    iy = impact_radius_m * (c * uy + s_ * wy)
    iz = impact_radius_m * (c * uz + s_ * wz)
    # Back to ECEF: the Earth has turned by omega * tof meanwhile.
    turn = _OMEGA * tof
    ct, st = math.cos(turn), math.sin(turn)
    ex, ey = ct * ix + st * iy, -st * ix + ct * iy
    return tof, (ex, ey, iz)
