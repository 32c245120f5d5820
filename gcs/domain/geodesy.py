"""The Earth as the ground station needs it: WGS-84 frames, and great circles on the mean sphere.

Geodetic ↔ ECEF and NED → ECEF are exact on the ellipsoid. Distances, bearings and cross-track
offsets use a sphere of the IUGG mean radius: over a corridor tens of kilometres wide that costs at
most ~0.5 % of an offset, far inside any corridor margin, and keeps the geometry simple and robust.
Knows nothing of vehicles, telemetry or configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

MEAN_RADIUS_M = 6_371_008.8
"""IUGG mean Earth radius: the sphere of the great-circle helpers."""


@dataclass(frozen=True, slots=True)
class EarthShape:
    """Shape, point-mass gravity and rotation of the Earth."""

    equatorial_radius_m: float
    flattening: float
    gm_m3ps2: float
    rotation_rate_radps: float

    def __post_init__(self) -> None:
        if not self.equatorial_radius_m > 0:
            raise ValueError(f"equatorial_radius_m must be > 0, got {self.equatorial_radius_m}")
        if not 0.0 <= self.flattening < 0.1:
            raise ValueError(f"flattening must be in [0, 0.1), got {self.flattening}")
        if not self.gm_m3ps2 > 0:
            raise ValueError(f"gm_m3ps2 must be > 0, got {self.gm_m3ps2}")

    @property
    def polar_radius_m(self) -> float:
        return self.equatorial_radius_m * (1.0 - self.flattening)

    @property
    def eccentricity_squared(self) -> float:
        return self.flattening * (2.0 - self.flattening)

    @classmethod
    def sphere(cls, radius_m: float = MEAN_RADIUS_M, rotation_rate_radps: float = 0.0) -> EarthShape:
        """A round, by default non-rotating Earth: the Earth of textbook closed forms."""
        return cls(radius_m, 0.0, WGS84.gm_m3ps2, rotation_rate_radps)


WGS84 = EarthShape(
    equatorial_radius_m=6_378_137.0,
    flattening=1.0 / 298.257223563,
    gm_m3ps2=3.986004418e14,
    rotation_rate_radps=7.292115e-5,
)
"""WGS-84 ellipsoid and GM, IERS mean rotation rate."""


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A place on the ground: geodetic latitude and longitude in degrees (longitude in [-180, 180))."""

    latitude_deg: float
    longitude_deg: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise ValueError(f"latitude_deg must be in [-90, 90], got {self.latitude_deg}")
        if not math.isfinite(self.longitude_deg):
            raise ValueError(f"longitude_deg must be finite, got {self.longitude_deg}")
        # Normalise once here so equal places compare equal (180 and -180 are one meridian).
        object.__setattr__(self, "longitude_deg", wrap_longitude_deg(self.longitude_deg))

    def __str__(self) -> str:
        ns = "N" if self.latitude_deg >= 0 else "S"
        ew = "E" if self.longitude_deg >= 0 else "W"
        return f"{abs(self.latitude_deg):.4f}°{ns} {abs(self.longitude_deg):.4f}°{ew}"


def wrap_longitude_deg(longitude_deg: float) -> float:
    """``longitude_deg`` brought into [-180, 180)."""
    return (longitude_deg + 180.0) % 360.0 - 180.0


# --- the ellipsoid -------------------------------------------------------------------------------


def geodetic_to_ecef_m(
    latitude_deg: float, longitude_deg: float, height_m: float, earth: EarthShape = WGS84
) -> FloatArray:
    """ECEF position (m) of a geodetic point at ``height_m`` above the ellipsoid."""
    lat = math.radians(latitude_deg)
    lon = math.radians(longitude_deg)
    a = earth.equatorial_radius_m
    e2 = earth.eccentricity_squared
    n = a / math.sqrt(1.0 - e2 * math.sin(lat) ** 2)
    return np.array(
        [
            (n + height_m) * math.cos(lat) * math.cos(lon),
            (n + height_m) * math.cos(lat) * math.sin(lon),
            (n * (1.0 - e2) + height_m) * math.sin(lat),
        ]
    )


def ecef_to_geodetic(position_ecef_m: FloatArray, earth: EarthShape = WGS84) -> tuple[float, float, float]:
    """Geodetic latitude (deg), longitude (deg) and height above the ellipsoid (m) of an ECEF point.

    Bowring's parametric-latitude iteration: two passes reach millimetres anywhere from the centre
    of the Earth to beyond geostationary height; a few more cost nothing and guard odd cases.
    """
    x, y, z = (float(c) for c in position_ecef_m)
    a = earth.equatorial_radius_m
    b = earth.polar_radius_m
    e2 = earth.eccentricity_squared
    ep2 = (a * a - b * b) / (b * b) if b > 0 else 0.0
    p = math.hypot(x, y)
    lon = math.atan2(y, x)
    if p < 1e-9:  # on the axis: latitude is ±90° and height is measured along it
        lat = math.copysign(math.pi / 2, z) if z != 0 else math.pi / 2
        return math.degrees(lat), math.degrees(lon), abs(z) - b
    beta = math.atan2(a * z, b * p)
    lat = 0.0
    for _ in range(5):
        lat = math.atan2(z + ep2 * b * math.sin(beta) ** 3, p - e2 * a * math.cos(beta) ** 3)
        new_beta = math.atan2(b * math.sin(lat), a * math.cos(lat))
        if abs(new_beta - beta) < 1e-15:
            break
        beta = new_beta
    sin_lat = math.sin(lat)
    n = a / math.sqrt(1.0 - e2 * sin_lat * sin_lat)
    # Height along the normal; the two forms lose precision near the poles and the equator in turn.
    height = p / math.cos(lat) - n if abs(lat) < math.radians(45.0) else z / sin_lat - n * (1.0 - e2)
    return math.degrees(lat), math.degrees(lon), height


def ned_to_ecef_matrix(latitude_deg: float, longitude_deg: float) -> FloatArray:
    """Rotation taking a local north-east-down vector at a geodetic point into ECEF axes."""
    lat = math.radians(latitude_deg)
    lon = math.radians(longitude_deg)
    sl, cl = math.sin(lat), math.cos(lat)
    so, co = math.sin(lon), math.cos(lon)
    # Columns are the north, east and down unit vectors expressed in ECEF.
    return np.array(
        [
            [-sl * co, -so, -cl * co],
            [-sl * so, co, -cl * so],
            [cl, 0.0, -sl],
        ]
    )


def ellipsoid_radius_m(direction_ecef: FloatArray, earth: EarthShape = WGS84) -> float:
    """Distance from the Earth's centre to the ellipsoid surface along ``direction_ecef``."""
    u = direction_ecef / np.linalg.norm(direction_ecef)
    a = earth.equatorial_radius_m
    b = earth.polar_radius_m
    return 1.0 / math.sqrt((u[0] ** 2 + u[1] ** 2) / (a * a) + u[2] ** 2 / (b * b))


# --- great circles on the mean sphere ------------------------------------------------------------


def unit_vector(point: GeoPoint) -> FloatArray:
    """The point as a unit vector from the centre of the sphere (the 'n-vector')."""
    lat = math.radians(point.latitude_deg)
    lon = math.radians(point.longitude_deg)
    return np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])


def point_from_unit_vector(v: FloatArray) -> GeoPoint:
    n = v / np.linalg.norm(v)
    latitude_rad = math.asin(max(-1.0, min(1.0, float(n[2]))))
    return GeoPoint(math.degrees(latitude_rad), math.degrees(math.atan2(n[1], n[0])))


# The great-circle helpers below do their 3-vector algebra in plain floats: range safety runs them
# for every corridor and destruct-line segment at every vehicle state, and numpy's per-call cost
# on three elements was most of a ground station's range-safety time (same formulas, same order).
_Vec = tuple[float, float, float]


def _unit(point: GeoPoint) -> _Vec:
    lat = math.radians(point.latitude_deg)
    lon = math.radians(point.longitude_deg)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def _cross(a: _Vec, b: _Vec) -> _Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: _Vec, b: _Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _norm(a: _Vec) -> float:
    return math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])


def _angle_rad(ua: _Vec, ub: _Vec) -> float:
    return math.atan2(_norm(_cross(ua, ub)), _dot(ua, ub))


def central_angle_rad(a: GeoPoint, b: GeoPoint) -> float:
    """Angle between two points seen from the centre (atan2 form: exact for tiny and antipodal)."""
    return _angle_rad(_unit(a), _unit(b))


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on the mean sphere."""
    return central_angle_rad(a, b) * MEAN_RADIUS_M


def initial_bearing_deg(a: GeoPoint, b: GeoPoint) -> float:
    """Bearing at ``a`` of the great circle to ``b``, clockwise from true north, in [0, 360)."""
    lat1, lat2 = math.radians(a.latitude_deg), math.radians(b.latitude_deg)
    dlon = math.radians(b.longitude_deg - a.longitude_deg)
    y = math.sin(dlon) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return math.degrees(math.atan2(y, x)) % 360.0


def destination(start: GeoPoint, bearing_deg: float, distance_m_: float) -> GeoPoint:
    """The point ``distance_m_`` along the great circle leaving ``start`` at ``bearing_deg``."""
    lat1, lon1 = math.radians(start.latitude_deg), math.radians(start.longitude_deg)
    brg = math.radians(bearing_deg)
    d = distance_m_ / MEAN_RADIUS_M
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(brg))
    lon2 = lon1 + math.atan2(
        math.sin(brg) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2)
    )
    return GeoPoint(math.degrees(lat2), math.degrees(lon2))


@dataclass(frozen=True, slots=True)
class SegmentOffset:
    """Where a point lies relative to the great-circle segment from ``start`` to ``end``.

    ``right_of_track_m`` is positive to the right of the direction of travel; ``along_track_m`` is
    measured from ``start`` (negative before it, beyond ``length_m`` past the end);
    ``distance_m`` is the distance to the nearest point of the segment itself.
    """

    right_of_track_m: float
    along_track_m: float
    length_m: float
    distance_m: float

    @property
    def abeam(self) -> bool:
        """Whether the point projects onto the segment (not before its start or past its end)."""
        return 0.0 <= self.along_track_m <= self.length_m


def segment_offset(point: GeoPoint, start: GeoPoint, end: GeoPoint) -> SegmentOffset:
    """Offset of ``point`` from the great-circle segment ``start`` → ``end`` (shorter than 180°)."""
    return GreatCircleSegment(start, end).offset(point)


class GreatCircleSegment:
    """A fixed segment ``start`` → ``end`` with what ``segment_offset`` derives from its ends alone
    worked out once: range safety measures the same corridor and destruct-line segments at every
    vehicle state. ``offset`` gives what ``segment_offset`` gives (the same operations in the same
    order, so the same floats)."""

    __slots__ = ("_a", "_b", "_degenerate", "_length_rad", "_middle", "_n", "_reach_rad")

    def __init__(self, start: GeoPoint, end: GeoPoint) -> None:
        a, b = _unit(start), _unit(end)
        normal = _cross(a, b)
        norm = _norm(normal)
        self._a, self._b = a, b
        self._length_rad = math.atan2(norm, _dot(a, b))
        self._degenerate = norm < 1e-15  # a zero-length segment is a single point
        self._n = (0.0, 0.0, 0.0) if self._degenerate else (
            normal[0] / norm, normal[1] / norm, normal[2] / norm)
        # For may_be_within: a point of the segment's middle, and an angle every point of the
        # segment is within from it (with a margin far above rounding: 1e-6 rad is 6 m).
        s = (a[0] + b[0], a[1] + b[1], a[2] + b[2])
        s_norm = _norm(s)
        self._middle = a if s_norm < 1e-12 else (s[0] / s_norm, s[1] / s_norm, s[2] / s_norm)
        self._reach_rad = max(_angle_rad(self._middle, a), _angle_rad(self._middle, b)) + 1e-6

    def may_be_within(self, p: tuple[float, float, float], distance_m: float) -> bool:
        """False only if the point of unit vector ``p`` is surely farther than ``distance_m`` from
        every point of the segment (its distance from the middle, less the reach, exceeds it)."""
        limit_rad = distance_m / MEAN_RADIUS_M + self._reach_rad
        if not limit_rad < math.pi:  # (NaN too: then nothing is sure)
            return True
        m = self._middle
        return p[0] * m[0] + p[1] * m[1] + p[2] * m[2] >= math.cos(limit_rad)

    def offset(self, point: GeoPoint) -> SegmentOffset:
        return self.offset_of_unit(_unit(point))

    def offset_of_unit(self, p: tuple[float, float, float]) -> SegmentOffset:
        """``offset`` of the point whose unit vector is ``p`` (``unit_vector_of``: one per point,
        however many segments it is measured against)."""
        a = self._a
        if self._degenerate:
            d = _angle_rad(p, a) * MEAN_RADIUS_M
            return SegmentOffset(0.0, 0.0, 0.0, d)
        n = self._n
        length_rad = self._length_rad
        # The normal points to the left of travel (a × b), so right is the negative side.
        p_n = _dot(p, n)
        right_rad = -math.asin(max(-1.0, min(1.0, p_n)))
        in_plane = (p[0] - p_n * n[0], p[1] - p_n * n[1], p[2] - p_n * n[2])
        along_rad = math.atan2(_dot(_cross(a, in_plane), n), _dot(a, in_plane))
        if 0.0 <= along_rad <= length_rad:
            nearest_rad = abs(right_rad)
        else:
            nearest_rad = min(_angle_rad(p, a), _angle_rad(p, self._b))
        return SegmentOffset(
            right_of_track_m=right_rad * MEAN_RADIUS_M,
            along_track_m=along_rad * MEAN_RADIUS_M,
            length_m=length_rad * MEAN_RADIUS_M,
            distance_m=nearest_rad * MEAN_RADIUS_M,
        )


def unit_vector_of(point: GeoPoint) -> tuple[float, float, float]:
    """The point's unit vector from the Earth's centre, for ``GreatCircleSegment.offset_of_unit``."""
    return _unit(point)
