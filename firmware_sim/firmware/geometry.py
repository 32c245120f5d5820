"""The flight software's own geometry: WGS-84 geodesy, gravity, local frames and quaternions for one
vehicle, written in plain floats on 3-element arrays.

The flight computer runs these a few dozen times per tick on single vectors, where numpy's
general-purpose calls (cross, stack, einsum) cost far more than the arithmetic. Quaternions are
scalar-first ``(w, x, y, z)`` and rotate body vectors into ECEF. Knows nothing of the simulator's
physics models (it carries its own copy of the WGS-84 constants, as a real flight computer would).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

EQUATORIAL_RADIUS_M = 6_378_137.0
FLATTENING = 1.0 / 298.257223563
GM_M3_PER_S2 = 3.986004418e14
J2 = 1.08262668e-3
ROTATION_RATE_RADPS = 7.292115e-5
E2 = FLATTENING * (2.0 - FLATTENING)
POLAR_RADIUS_M = EQUATORIAL_RADIUS_M * (1.0 - FLATTENING)


def cross(a: FloatArray, b: FloatArray) -> FloatArray:
    a0, a1, a2 = float(a[0]), float(a[1]), float(a[2])
    b0, b1, b2 = float(b[0]), float(b[1]), float(b[2])
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def norm(v: FloatArray) -> float:
    return math.sqrt(float(v[0]) ** 2 + float(v[1]) ** 2 + float(v[2]) ** 2)


def unit(v: FloatArray) -> FloatArray:
    n = norm(v)
    return v / n if n > 1e-12 else v


def angle_deg(a: FloatArray, b: FloatArray) -> float:
    """Angle between two unit vectors."""
    return math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b)))))


# --- geodesy -------------------------------------------------------------------------------------


def geodetic_to_ecef(latitude_deg: float, longitude_deg: float, height_m: float) -> FloatArray:
    lat, lon = math.radians(latitude_deg), math.radians(longitude_deg)
    sin_lat, cos_lat = math.sin(lat), math.cos(lat)
    n = EQUATORIAL_RADIUS_M / math.sqrt(1.0 - E2 * sin_lat * sin_lat)
    return np.array(
        [
            (n + height_m) * cos_lat * math.cos(lon),
            (n + height_m) * cos_lat * math.sin(lon),
            (n * (1.0 - E2) + height_m) * sin_lat,
        ]
    )


def ecef_to_geodetic(position_ecef_m: FloatArray) -> tuple[float, float, float]:
    """Latitude, longitude (deg) and height (m) by Bowring's iteration (sub-millimetre here)."""
    x, y, z = float(position_ecef_m[0]), float(position_ecef_m[1]), float(position_ecef_m[2])
    a, b = EQUATORIAL_RADIUS_M, POLAR_RADIUS_M
    ep2 = E2 / (1.0 - E2)
    rho = math.hypot(x, y)
    beta = math.atan2(z * a, rho * b)
    lat = beta
    for _ in range(3):
        sb, cb = math.sin(beta), math.cos(beta)
        lat = math.atan2(z + ep2 * b * sb**3, rho - E2 * a * cb**3)
        beta = math.atan2((1.0 - FLATTENING) * math.sin(lat), math.cos(lat))
    sin_lat = math.sin(lat)
    n = a / math.sqrt(1.0 - E2 * sin_lat * sin_lat)
    height = rho * math.cos(lat) + (z + E2 * n * sin_lat) * sin_lat - n
    return math.degrees(lat), math.degrees(math.atan2(y, x)), height


def ned_basis(latitude_deg: float, longitude_deg: float) -> FloatArray:
    """Rows north, east, down as ECEF unit vectors: ``basis @ v_ecef`` is NED, ``basis.T @ v_ned`` ECEF."""
    lat, lon = math.radians(latitude_deg), math.radians(longitude_deg)
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return np.array([[-sl * co, -sl * so, cl], [-so, co, 0.0], [-cl * co, -cl * so, -sl]])


def frame_acceleration_ecef(position_ecef_m: FloatArray, velocity_ecef_mps: FloatArray) -> FloatArray:
    """Gravity (point mass + J2) plus the centrifugal and Coriolis terms of the rotating ECEF frame."""
    x, y, z = float(position_ecef_m[0]), float(position_ecef_m[1]), float(position_ecef_m[2])
    vx, vy = float(velocity_ecef_mps[0]), float(velocity_ecef_mps[1])
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    mu_over_r3 = GM_M3_PER_S2 / (r2 * r)
    z2_over_r2 = z * z / r2
    j2_term = 1.5 * J2 * EQUATORIAL_RADIUS_M**2 / r2
    factor_xy = -mu_over_r3 * (1.0 + j2_term * (1.0 - 5.0 * z2_over_r2))
    factor_z = -mu_over_r3 * (1.0 + j2_term * (3.0 - 5.0 * z2_over_r2))
    w = ROTATION_RATE_RADPS
    return np.array(
        [factor_xy * x + w * w * x + 2.0 * w * vy, factor_xy * y + w * w * y - 2.0 * w * vx, factor_z * z]
    )


def great_circle_distance_m(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> float:
    """Haversine distance on the mean sphere (good to ~0.5 % against the ellipsoid)."""
    p1, p2 = math.radians(lat1_deg), math.radians(lat2_deg)
    dl = math.radians(lon2_deg - lon1_deg)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * 6_371_008.8 * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


# --- quaternions ---------------------------------------------------------------------------------


def quat_multiply(a: FloatArray, b: FloatArray) -> FloatArray:
    aw, ax, ay, az = float(a[0]), float(a[1]), float(a[2]), float(a[3])
    bw, bx, by, bz = float(b[0]), float(b[1]), float(b[2]), float(b[3])
    return np.array(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ]
    )


def quat_conjugate(q: FloatArray) -> FloatArray:
    return np.array([float(q[0]), -float(q[1]), -float(q[2]), -float(q[3])])


def quat_normalize(q: FloatArray) -> FloatArray:
    n = math.sqrt(float(q @ q))
    return q / n


def quat_rotate(q: FloatArray, v: FloatArray) -> FloatArray:
    """Rotate a body vector into the frame of q (v + 2w(u×v) + 2u×(u×v))."""
    w = float(q[0])
    u = np.array([float(q[1]), float(q[2]), float(q[3])])
    t = 2.0 * cross(u, v)
    return np.asarray(v + w * t + cross(u, t), dtype=np.float64)


def body_x_axis(q: FloatArray) -> FloatArray:
    w, x, y, z = float(q[0]), float(q[1]), float(q[2]), float(q[3])
    return np.array([1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)])


def quat_from_rotation_vector(rotation: FloatArray) -> FloatArray:
    angle = norm(rotation)
    if angle < 1e-12:
        return np.array([1.0, 0.5 * float(rotation[0]), 0.5 * float(rotation[1]), 0.5 * float(rotation[2])])
    s = math.sin(0.5 * angle) / angle
    x, y, z = float(rotation[0]), float(rotation[1]), float(rotation[2])
    return np.array([math.cos(0.5 * angle), s * x, s * y, s * z])


def quat_shortest_arc(from_unit: FloatArray, to_unit: FloatArray) -> FloatArray:
    """Smallest rotation taking one unit vector onto another."""
    w = 1.0 + float(from_unit @ to_unit)
    if w < 1e-12:
        helper = np.array([1.0, 0.0, 0.0]) if abs(float(from_unit[0])) < 0.9 else np.array([0.0, 1.0, 0.0])
        axis = unit(cross(from_unit, helper))
        return np.array([0.0, float(axis[0]), float(axis[1]), float(axis[2])])
    axis = cross(from_unit, to_unit)
    return quat_normalize(np.array([w, float(axis[0]), float(axis[1]), float(axis[2])]))


def quat_from_axes(x_axis: FloatArray, y_axis: FloatArray, z_axis: FloatArray) -> FloatArray:
    """Quaternion of the rotation whose columns are the given orthonormal axes (Shepperd's method)."""
    m = np.column_stack([x_axis, y_axis, z_axis])
    trace = float(m[0, 0] + m[1, 1] + m[2, 2])
    if trace > 0.0:
        s = 2.0 * math.sqrt(1.0 + trace)
        q = np.array([0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s])
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = np.array([(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s])
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = np.array([(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s])
    else:
        s = 2.0 * math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = np.array([(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s])
    q = quat_normalize(q)
    return -q if q[0] < 0 else q
