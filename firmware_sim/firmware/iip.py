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

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.guidance_common import DENSITY_SCALE_HEIGHT_M, SEA_LEVEL_DENSITY_KG_PER_M3

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


def _derivative(s: list[float], ballistic_per_m: float, supersonic_ratio: float = 1.0) -> list[float]:
    x, y, z, vx, vy, vz = s
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    mu_over_r3 = _MU / (r2 * r)
    z2_over_r2 = z * z / r2
    j2_term = 1.5 * geo.J2 * _R_EQ * _R_EQ / r2
    g_xy = -mu_over_r3 * (1.0 + j2_term * (1.0 - 5.0 * z2_over_r2))
    g_z = -mu_over_r3 * (1.0 + j2_term * (3.0 - 5.0 * z2_over_r2))
    ax = g_xy * x + _OMEGA * _OMEGA * x + 2.0 * _OMEGA * vy
    ay = g_xy * y + _OMEGA * _OMEGA * y - 2.0 * _OMEGA * vx
    az = g_z * z
    if ballistic_per_m > 0.0:
        h = _height(x, y, z)
        if h < _VACUUM_ALTITUDE_M:
            rho = SEA_LEVEL_DENSITY_KG_PER_M3 * math.exp(-max(h, 0.0) / DENSITY_SCALE_HEIGHT_M)
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            k = 0.5 * rho * speed * ballistic_per_m * (supersonic_ratio if speed > _SUPERSONIC_MPS else 1.0)
            ax -= k * vx
            ay -= k * vy
            az -= k * vz
    return [vx, vy, vz, ax, ay, az]


def predict_impact(
    position_ecef_m: tuple[float, float, float],
    velocity_ecef_mps: tuple[float, float, float],
    surface_height_m: float,
    drag_area_per_mass_m2_per_kg: float,
    max_time_s: float = 7_200.0,
    step_fraction: float = 0.02,
    supersonic_drag_ratio: float = 1.0,
) -> ImpactPoint | None:
    """Propagate until the height drops to ``surface_height_m``; None if it does not within the time.

    ``drag_area_per_mass_m2_per_kg`` is Cd·S/m (0 for no drag). Steps are ``step_fraction`` of the
    time to fall through the present height band, between 0.05 s and 20 s.
    """
    s = [*position_ecef_m, *velocity_ecef_mps]
    t = 0.0
    h = _height(s[0], s[1], s[2])
    if h <= surface_height_m:
        return None
    while t < max_time_s:
        speed = math.sqrt(s[3] ** 2 + s[4] ** 2 + s[5] ** 2)
        above = h - surface_height_m + 200.0
        # A slow point still falls: gravity sets a floor on the speed the step is sized for.
        pace = max(speed, math.sqrt(9.8 * above))
        dt = min(max(step_fraction * above / pace, 0.05), 20.0)
        bc, ratio = drag_area_per_mass_m2_per_kg, supersonic_drag_ratio
        k1 = _derivative(s, bc, ratio)
        k2 = _derivative([a + 0.5 * dt * b for a, b in zip(s, k1, strict=True)], bc, ratio)
        k3 = _derivative([a + 0.5 * dt * b for a, b in zip(s, k2, strict=True)], bc, ratio)
        k4 = _derivative([a + dt * b for a, b in zip(s, k3, strict=True)], bc, ratio)
        new = [
            a + dt / 6.0 * (b1 + 2 * b2 + 2 * b3 + b4)
            for a, b1, b2, b3, b4 in zip(s, k1, k2, k3, k4, strict=True)
        ]
        h_new = _height(new[0], new[1], new[2])
        if h_new <= surface_height_m:
            # Linear in height over the last step is ample at the step sizes near the surface.
            frac = (h - surface_height_m) / max(h - h_new, 1e-9)
            point = [a + frac * (b - a) for a, b in zip(s, new, strict=True)]
            lat, lon, _ = geo.ecef_to_geodetic(np.array(point[:3]))
            return ImpactPoint(lat, lon, t + frac * dt, (point[0], point[1], point[2]))
        s, h, t = new, h_new, t + dt
    return None


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
    lat, lon, _ = geo.ecef_to_geodetic(np.array([ex, ey, iz]))
    return ImpactPoint(lat, lon, tof, (ex, ey, iz))
