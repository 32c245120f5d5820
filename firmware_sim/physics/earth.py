"""The Earth: WGS-84 geodetic, ECEF and local NED/ENU frames, J2 gravity, rotation and great circles.

Pure numpy functions of arrays shaped ``(..., 3)`` or ``(...)``. Knows nothing of vehicles, the
atmosphere, time stepping or configuration files.

Frames: ECEF is the Earth-centred Earth-fixed frame (x through 0°N 0°E, z through the north pole);
NED and ENU are local tangent frames at a geodetic point; angles in degrees unless named ``_rad``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: IUGG mean Earth radius, used for great circles and the spherical test Earth.
MEAN_RADIUS_M = 6_371_008.8
#: Standard gravity, the unit of load factors and of specific impulse.
STANDARD_GRAVITY_MPS2 = 9.80665


@dataclass(frozen=True, slots=True)
class EarthModel:
    """Shape, gravity and rotation of the Earth the vehicle flies over."""

    equatorial_radius_m: float
    flattening: float
    gm_m3_per_s2: float
    j2: float
    rotation_rate_radps: float

    def __post_init__(self) -> None:
        if not self.equatorial_radius_m > 0:
            raise ValueError(f"equatorial_radius_m must be > 0, got {self.equatorial_radius_m}")
        if not 0 <= self.flattening < 0.1:
            raise ValueError(f"flattening must be in [0, 0.1), got {self.flattening}")
        if self.gm_m3_per_s2 < 0:
            raise ValueError(f"gm_m3_per_s2 must be >= 0, got {self.gm_m3_per_s2}")

    @classmethod
    def wgs84(cls) -> EarthModel:
        """WGS-84 ellipsoid, EGM96 J2, IERS rotation rate."""
        return cls(
            equatorial_radius_m=6_378_137.0,
            flattening=1.0 / 298.257223563,
            gm_m3_per_s2=3.986004418e14,
            j2=1.08262668e-3,
            rotation_rate_radps=7.292115e-5,
        )

    @classmethod
    def spherical(
        cls,
        radius_m: float = MEAN_RADIUS_M,
        gm_m3_per_s2: float = 3.986004418e14,
        rotation_rate_radps: float = 0.0,
    ) -> EarthModel:
        """A point-mass, non-rotating sphere: the Earth of two-body closed forms."""
        return cls(radius_m, 0.0, gm_m3_per_s2, 0.0, rotation_rate_radps)

    @property
    def polar_radius_m(self) -> float:
        return self.equatorial_radius_m * (1.0 - self.flattening)

    @property
    def eccentricity_squared(self) -> float:
        return self.flattening * (2.0 - self.flattening)


WGS84 = EarthModel.wgs84()


@dataclass(frozen=True, slots=True)
class GeodeticPosition:
    """Geodetic latitude and longitude (degrees) and height above the ellipsoid (m), as arrays."""

    latitude_deg: FloatArray
    longitude_deg: FloatArray
    height_m: FloatArray


def geodetic_to_ecef(
    latitude_deg: ArrayLike, longitude_deg: ArrayLike, height_m: ArrayLike, earth: EarthModel = WGS84
) -> FloatArray:
    """ECEF position (..., 3) in metres of geodetic points."""
    lat = np.radians(np.asarray(latitude_deg, dtype=np.float64))
    lon = np.radians(np.asarray(longitude_deg, dtype=np.float64))
    h = np.asarray(height_m, dtype=np.float64)
    e2 = earth.eccentricity_squared
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    prime_vertical_m = earth.equatorial_radius_m / np.sqrt(1.0 - e2 * sin_lat * sin_lat)
    x = (prime_vertical_m + h) * cos_lat * np.cos(lon)
    y = (prime_vertical_m + h) * cos_lat * np.sin(lon)
    z = (prime_vertical_m * (1.0 - e2) + h) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic(position_ecef_m: ArrayLike, earth: EarthModel = WGS84) -> GeodeticPosition:
    """Geodetic coordinates of ECEF points (..., 3).

    Bowring's iteration on the parametric latitude; four rounds keep the round trip below a
    micrometre from the Earth's centre region out to beyond geostationary height.
    """
    p = np.asarray(position_ecef_m, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    a = earth.equatorial_radius_m
    b = earth.polar_radius_m
    e2 = earth.eccentricity_squared
    ep2 = e2 / (1.0 - e2)
    rho = np.hypot(x, y)
    beta = np.arctan2(z * a, rho * b)
    lat = beta
    for _ in range(4):
        sin_b = np.sin(beta)
        cos_b = np.cos(beta)
        lat = np.arctan2(z + ep2 * b * sin_b**3, rho - e2 * a * cos_b**3)
        beta = np.arctan2((1.0 - earth.flattening) * np.sin(lat), np.cos(lat))
    sin_lat = np.sin(lat)
    prime_vertical_m = a / np.sqrt(1.0 - e2 * sin_lat * sin_lat)
    # This form of the height stays well conditioned at the poles, where rho -> 0.
    height = rho * np.cos(lat) + (z + e2 * prime_vertical_m * sin_lat) * sin_lat - prime_vertical_m
    return GeodeticPosition(np.degrees(lat), np.degrees(np.arctan2(y, x)), height)


def approximate_height_m(position_ecef_m: ArrayLike, earth: EarthModel = WGS84) -> FloatArray:
    """Height above the ellipsoid measured along the geocentric radius (cheap, no iteration).

    Exact on the ellipsoid itself; elsewhere it differs from the geodetic height by less than
    6e-6 of the height (6 m at 1,000 km), which is what the dynamics use for air data.
    """
    p = np.asarray(position_ecef_m, dtype=np.float64)
    r2 = np.sum(p * p, axis=-1)
    e2 = earth.eccentricity_squared
    cos2_geocentric = 1.0 - p[..., 2] ** 2 / r2
    ellipsoid_radius_m = earth.equatorial_radius_m * np.sqrt((1.0 - e2) / (1.0 - e2 * cos2_geocentric))
    return np.asarray(np.sqrt(r2) - ellipsoid_radius_m, dtype=np.float64)


def ned_basis(latitude_deg: ArrayLike, longitude_deg: ArrayLike) -> FloatArray:
    """Rows north, east, down of the local NED frame, as ECEF unit vectors: shape (..., 3, 3).

    ``basis @ v_ecef`` gives NED components; ``basis.swapaxes(-1, -2) @ v_ned`` gives ECEF.
    """
    lat = np.radians(np.asarray(latitude_deg, dtype=np.float64))
    lon = np.radians(np.asarray(longitude_deg, dtype=np.float64))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(sl * so)
    north = np.stack(np.broadcast_arrays(-sl * co, -sl * so, cl), axis=-1)
    east = np.stack(np.broadcast_arrays(-so, co, zero), axis=-1)
    down = np.stack(np.broadcast_arrays(-cl * co, -cl * so, -sl), axis=-1)
    return np.stack([north, east, down], axis=-2)


def ecef_vector_to_ned(
    vector_ecef: ArrayLike, latitude_deg: ArrayLike, longitude_deg: ArrayLike
) -> FloatArray:
    """NED components of an ECEF vector (a velocity, a force) at a geodetic point."""
    basis = ned_basis(latitude_deg, longitude_deg)
    return np.asarray(np.einsum("...ij,...j->...i", basis, np.asarray(vector_ecef, dtype=np.float64)))


def ned_vector_to_ecef(
    vector_ned: ArrayLike, latitude_deg: ArrayLike, longitude_deg: ArrayLike
) -> FloatArray:
    """ECEF components of a NED vector at a geodetic point."""
    basis = ned_basis(latitude_deg, longitude_deg)
    return np.asarray(np.einsum("...ji,...j->...i", basis, np.asarray(vector_ned, dtype=np.float64)))


def ecef_vector_to_enu(
    vector_ecef: ArrayLike, latitude_deg: ArrayLike, longitude_deg: ArrayLike
) -> FloatArray:
    """ENU components of an ECEF vector at a geodetic point."""
    ned = ecef_vector_to_ned(vector_ecef, latitude_deg, longitude_deg)
    return np.stack([ned[..., 1], ned[..., 0], -ned[..., 2]], axis=-1)


def enu_vector_to_ecef(
    vector_enu: ArrayLike, latitude_deg: ArrayLike, longitude_deg: ArrayLike
) -> FloatArray:
    """ECEF components of an ENU vector at a geodetic point."""
    enu = np.asarray(vector_enu, dtype=np.float64)
    ned = np.stack([enu[..., 1], enu[..., 0], -enu[..., 2]], axis=-1)
    return ned_vector_to_ecef(ned, latitude_deg, longitude_deg)


def ecef_to_local_ned(
    position_ecef_m: ArrayLike,
    origin_latitude_deg: float,
    origin_longitude_deg: float,
    origin_height_m: float,
    earth: EarthModel = WGS84,
) -> FloatArray:
    """Position of ECEF points in the NED frame of a fixed origin (metres north, east, down)."""
    origin = geodetic_to_ecef(origin_latitude_deg, origin_longitude_deg, origin_height_m, earth)
    offset = np.asarray(position_ecef_m, dtype=np.float64) - origin
    return ecef_vector_to_ned(offset, origin_latitude_deg, origin_longitude_deg)


def local_ned_to_ecef(
    position_ned_m: ArrayLike,
    origin_latitude_deg: float,
    origin_longitude_deg: float,
    origin_height_m: float,
    earth: EarthModel = WGS84,
) -> FloatArray:
    """ECEF position of points given in the NED frame of a fixed origin."""
    origin = geodetic_to_ecef(origin_latitude_deg, origin_longitude_deg, origin_height_m, earth)
    return origin + ned_vector_to_ecef(position_ned_m, origin_latitude_deg, origin_longitude_deg)


def gravity_ecef(position_ecef_m: ArrayLike, earth: EarthModel = WGS84) -> FloatArray:
    """Gravitational acceleration (point mass + J2) at ECEF points, m/s², without centrifugal terms.

    The same expression, written out per component for speed, is inlined in the vehicle dynamics;
    this is the readable reference the tests hold that copy to.
    """
    p = np.asarray(position_ecef_m, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    mu_over_r3 = earth.gm_m3_per_s2 / (r2 * r)
    z2_over_r2 = z * z / r2
    j2_term = 1.5 * earth.j2 * earth.equatorial_radius_m**2 / r2
    factor_xy = -mu_over_r3 * (1.0 + j2_term * (1.0 - 5.0 * z2_over_r2))
    factor_z = -mu_over_r3 * (1.0 + j2_term * (3.0 - 5.0 * z2_over_r2))
    return np.stack([factor_xy * x, factor_xy * y, factor_z * z], axis=-1)


def gravity_potential(position_ecef_m: ArrayLike, earth: EarthModel = WGS84) -> FloatArray:
    """Gravitational potential energy per unit mass (J/kg, negative), point mass + J2."""
    p = np.asarray(position_ecef_m, dtype=np.float64)
    r2 = np.sum(p * p, axis=-1)
    r = np.sqrt(r2)
    sin2_geocentric = p[..., 2] ** 2 / r2
    legendre_2 = 0.5 * (3.0 * sin2_geocentric - 1.0)
    j2_term = earth.j2 * (earth.equatorial_radius_m**2 / r2) * legendre_2
    return np.asarray(-earth.gm_m3_per_s2 / r * (1.0 - j2_term), dtype=np.float64)


def centrifugal_potential(position_ecef_m: ArrayLike, earth: EarthModel = WGS84) -> FloatArray:
    """Centrifugal potential energy per unit mass in the rotating frame (J/kg, negative)."""
    p = np.asarray(position_ecef_m, dtype=np.float64)
    return -0.5 * earth.rotation_rate_radps**2 * (p[..., 0] ** 2 + p[..., 1] ** 2)


def great_circle_distance_m(
    lat1_deg: ArrayLike,
    lon1_deg: ArrayLike,
    lat2_deg: ArrayLike,
    lon2_deg: ArrayLike,
    radius_m: float = MEAN_RADIUS_M,
) -> FloatArray:
    """Great-circle distance on a sphere (haversine, well conditioned for short and long arcs)."""
    p1, l1 = np.radians(lat1_deg), np.radians(lon1_deg)
    p2, l2 = np.radians(lat2_deg), np.radians(lon2_deg)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return np.asarray(2.0 * radius_m * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), dtype=np.float64)


def initial_bearing_deg(
    lat1_deg: ArrayLike, lon1_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> FloatArray:
    """Initial true bearing (0-360°, clockwise from north) of the great circle from 1 to 2."""
    p1, l1 = np.radians(lat1_deg), np.radians(lon1_deg)
    p2, l2 = np.radians(lat2_deg), np.radians(lon2_deg)
    y = np.sin(l2 - l1) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(l2 - l1)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, dtype=np.float64)


def great_circle_destination(
    lat_deg: float, lon_deg: float, bearing_deg: float, distance_m: float, radius_m: float = MEAN_RADIUS_M
) -> tuple[float, float]:
    """Latitude and longitude (degrees) reached along a great circle from a start and bearing."""
    p1, l1, theta = math.radians(lat_deg), math.radians(lon_deg), math.radians(bearing_deg)
    delta = distance_m / radius_m
    p2 = math.asin(math.sin(p1) * math.cos(delta) + math.cos(p1) * math.sin(delta) * math.cos(theta))
    l2 = l1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(p1), math.cos(delta) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0
