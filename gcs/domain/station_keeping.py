"""Station keeping: how far a platform is from its assigned station, and whether it is on station.

The offset is taken in the local north/east plane at the station, with the WGS-84 radii of
curvature there: exact to well under a millimetre over the few metres that matter, and still
within about 0.1 % at a kilometre (a great circle on the mean sphere would be off by up to 0.5 %
from the ellipsoid at the metre scale, which is a centimetre too much for a 5 m limit).

A platform is on station when its position is within ``on_station_radius_m`` of the station and,
if the assignment names a heading, its heading is within ``heading_tolerance_deg`` of it; an
unknown heading is not on station. Pure; knows nothing of NMEA, GNSS receivers or links.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gcs.domain.geodesy import WGS84, GeoPoint, wrap_longitude_deg
from gcs.domain.platform import PlatformSite

DEFAULT_ON_STATION_RADIUS_M = 5.0
"""reference/domain.md §3.2 [proposed]: station-keeping error ≤ 5 m."""
DEFAULT_HEADING_TOLERANCE_DEG = 5.0
"""reference/domain.md §3.2 [proposed]: heading error ≤ 5°."""


@dataclass(frozen=True, slots=True)
class StationAssignment:
    """Where a platform is meant to hold station, and how closely.

    Raises:
        ValueError: coordinates out of range, or a radius or tolerance that is not > 0.
    """

    latitude_deg: float
    longitude_deg: float
    on_station_radius_m: float = DEFAULT_ON_STATION_RADIUS_M
    heading_true_deg: float | None = None
    heading_tolerance_deg: float = DEFAULT_HEADING_TOLERANCE_DEG

    def __post_init__(self) -> None:
        GeoPoint(self.latitude_deg, self.longitude_deg)  # validates the coordinates
        for name in ("on_station_radius_m", "heading_tolerance_deg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a number > 0, got {value}")
        if self.heading_true_deg is not None and not math.isfinite(self.heading_true_deg):
            raise ValueError(f"heading_true_deg must be finite, got {self.heading_true_deg}")

    @classmethod
    def at_site(
        cls,
        site: PlatformSite,
        *,
        on_station_radius_m: float = DEFAULT_ON_STATION_RADIUS_M,
        heading_true_deg: float | None = None,
        heading_tolerance_deg: float = DEFAULT_HEADING_TOLERANCE_DEG,
    ) -> StationAssignment:
        """The station of a mission's ``PlatformSite``."""
        return cls(
            site.latitude_deg,
            site.longitude_deg,
            on_station_radius_m,
            heading_true_deg,
            heading_tolerance_deg,
        )


@dataclass(frozen=True, slots=True)
class StationKeepingError:
    """Where the platform is relative to its station.

    ``north_m``/``east_m`` point from the station to the platform; ``bearing_from_station_deg`` is
    that direction (clockwise from true north, 0 when on the spot); ``heading_error_deg`` is the
    platform's heading minus the assigned one in [-180, 180), None when either is unknown.
    """

    north_m: float
    east_m: float
    distance_m: float
    bearing_from_station_deg: float
    heading_error_deg: float | None
    on_station: bool


def local_offset_m(
    from_latitude_deg: float, from_longitude_deg: float, to_latitude_deg: float, to_longitude_deg: float
) -> tuple[float, float]:
    """(north, east) metres from the first point to the second, in the local plane at their middle."""
    e2 = WGS84.eccentricity_squared
    a = WGS84.equatorial_radius_m
    lat_mid = math.radians((from_latitude_deg + to_latitude_deg) / 2.0)
    w = math.sqrt(1.0 - e2 * math.sin(lat_mid) ** 2)
    meridional_m = a * (1.0 - e2) / w**3  # M: metres per radian of latitude
    prime_vertical_m = a / w  # N: times cos(lat), metres per radian of longitude
    d_lat = math.radians(to_latitude_deg - from_latitude_deg)
    d_lon = math.radians(wrap_longitude_deg(to_longitude_deg - from_longitude_deg))
    return d_lat * meridional_m, d_lon * prime_vertical_m * math.cos(lat_mid)


def heading_difference_deg(heading_deg: float, reference_deg: float) -> float:
    """``heading_deg - reference_deg`` brought into [-180, 180)."""
    return (heading_deg - reference_deg + 180.0) % 360.0 - 180.0


def station_keeping_error(
    station: StationAssignment, latitude_deg: float, longitude_deg: float, heading_true_deg: float | None
) -> StationKeepingError:
    """The platform at (``latitude_deg``, ``longitude_deg``, ``heading_true_deg``) against ``station``."""
    north_m, east_m = local_offset_m(station.latitude_deg, station.longitude_deg, latitude_deg, longitude_deg)
    distance_m = math.hypot(north_m, east_m)
    bearing_deg = math.degrees(math.atan2(east_m, north_m)) % 360.0 if distance_m > 0 else 0.0
    bearing_deg = 0.0 if bearing_deg >= 360.0 else bearing_deg  # % gives 360.0 for a tiny negative angle
    heading_error: float | None = None
    if station.heading_true_deg is not None and heading_true_deg is not None:
        heading_error = heading_difference_deg(heading_true_deg, station.heading_true_deg)
    on_station = distance_m <= station.on_station_radius_m
    if station.heading_true_deg is not None:
        on_station = (
            on_station and heading_error is not None and abs(heading_error) <= station.heading_tolerance_deg
        )
    return StationKeepingError(north_m, east_m, distance_m, bearing_deg, heading_error, on_station)
