"""Station keeping as tables: the local offset, the error from the assigned station, on station."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gcs.domain.geodesy import (
    GeoPoint,
    destination,
    distance_m,
    ecef_to_geodetic,
    geodetic_to_ecef_m,
    ned_to_ecef_matrix,
)
from gcs.domain.platform import PlatformSite
from gcs.domain.station_keeping import (
    StationAssignment,
    heading_difference_deg,
    local_offset_m,
    station_keeping_error,
)

BARGE = (31.159, -121.933)


def offset_point(north_m: float, east_m: float, origin: tuple[float, float] = BARGE) -> tuple[float, float]:
    """The point ``north_m``/``east_m`` from ``origin`` on the ellipsoid, by an independent route:
    along the exact local north/east axes in ECEF (it ends a micrometre above the surface)."""
    ecef = geodetic_to_ecef_m(*origin, 0.0) + ned_to_ecef_matrix(*origin) @ np.array([north_m, east_m, 0.0])
    latitude_deg, longitude_deg, _ = ecef_to_geodetic(ecef)
    return latitude_deg, longitude_deg


@pytest.mark.parametrize(
    ("bearing_deg", "distance"),
    [(0.0, 3.0), (90.0, 4.0), (180.0, 2.5), (270.0, 0.7), (38.0, 4.99), (221.0, 250.0), (300.0, 1000.0)],
)
def test_offset_agrees_with_the_great_circle_within_its_sphere_error(
    bearing_deg: float, distance: float
) -> None:
    # The great circle is on the mean sphere: within 0.5 % of the ellipsoid at this scale.
    station = GeoPoint(*BARGE)
    there = destination(station, bearing_deg, distance)
    north, east = local_offset_m(*BARGE, there.latitude_deg, there.longitude_deg)
    assert math.hypot(north, east) == pytest.approx(distance_m(station, there), rel=5e-3)
    assert math.degrees(math.atan2(east, north)) % 360.0 == pytest.approx(bearing_deg, abs=0.3)


@pytest.mark.parametrize(
    ("north_m", "east_m"), [(3.0, 0.0), (0.0, 4.0), (-2.5, 1.5), (7.0, -7.0), (400.0, 300.0)]
)
@pytest.mark.parametrize("origin", [BARGE, (36.5, 121.6), (0.0, 0.0), (-65.0, 179.9999)])
def test_offset_matches_the_exact_local_axes(
    north_m: float, east_m: float, origin: tuple[float, float]
) -> None:
    north, east = local_offset_m(*origin, *offset_point(north_m, east_m, origin))
    assert (north, east) == pytest.approx(
        (north_m, east_m), abs=max(1e-3, 1e-4 * math.hypot(north_m, east_m))
    )


@pytest.mark.parametrize("latitude_deg", [0.0, 31.0, 45.0, 89.9])
def test_a_minute_of_latitude_is_its_ellipsoid_chord(latitude_deg: float) -> None:
    # Over one minute the chord and the arc differ by micrometres.
    south, north_lat = latitude_deg - 1 / 120, latitude_deg + 1 / 120
    chord = float(
        np.linalg.norm(geodetic_to_ecef_m(north_lat, 10.0, 0.0) - geodetic_to_ecef_m(south, 10.0, 0.0))
    )
    north, east = local_offset_m(south, 10.0, north_lat, 10.0)
    assert north == pytest.approx(chord, abs=1e-3)
    assert 1842.0 < north < 1862.0  # a nautical mile, give or take the Earth's flattening
    assert east == 0.0


def test_offsets_across_the_antimeridian_are_short() -> None:
    north, east = local_offset_m(0.0, 179.99999, 0.0, -179.99999)
    assert north == 0.0
    assert east == pytest.approx(2.226, abs=0.001)  # 0.00002 deg of longitude at the equator


@pytest.mark.parametrize(
    ("assignment", "offset", "heading_deg", "error_m", "heading_error_deg", "on_station"),
    [
        (StationAssignment(*BARGE), (3.0, 0.0), None, 3.0, None, True),
        (StationAssignment(*BARGE), (0.0, 0.0), 123.0, 0.0, None, True),
        (StationAssignment(*BARGE), (4.0, 3.0), None, 5.0, None, True),  # on the edge is on station
        (StationAssignment(*BARGE), (4.0, 3.1), None, 5.06, None, False),
        (StationAssignment(*BARGE, on_station_radius_m=10.0), (6.0, -8.0), None, 10.0, None, True),
        (StationAssignment(*BARGE, heading_true_deg=300.0), (1.0, 0.0), 303.0, 1.0, 3.0, True),
        (StationAssignment(*BARGE, heading_true_deg=300.0), (1.0, 0.0), 294.0, 1.0, -6.0, False),
        (StationAssignment(*BARGE, heading_true_deg=300.0), (1.0, 0.0), None, 1.0, None, False),  # unknown
        (StationAssignment(*BARGE, heading_true_deg=359.0), (1.0, 0.0), 2.0, 1.0, 3.0, True),  # wraps
        (
            StationAssignment(*BARGE, heading_true_deg=10.0, heading_tolerance_deg=20.0),
            (0.0, 2.0),
            355.0,
            2.0,
            -15.0,
            True,
        ),
    ],
)
def test_station_keeping_error_and_on_station(
    assignment: StationAssignment,
    offset: tuple[float, float],
    heading_deg: float | None,
    error_m: float,
    heading_error_deg: float | None,
    on_station: bool,
) -> None:
    error = station_keeping_error(assignment, *offset_point(*offset), heading_deg)
    assert error.distance_m == pytest.approx(error_m, abs=0.005)
    assert (error.north_m, error.east_m) == pytest.approx(offset, abs=1e-3)
    if heading_error_deg is None:
        assert error.heading_error_deg is None
    else:
        assert error.heading_error_deg == pytest.approx(heading_error_deg)
    assert error.on_station is on_station


@pytest.mark.parametrize(
    ("heading", "reference", "difference"),
    [(10.0, 350.0, 20.0), (350.0, 10.0, -20.0), (180.0, 0.0, -180.0), (0.0, 0.0, 0.0), (721.0, 0.0, 1.0)],
)
def test_heading_difference_wraps_into_a_half_turn(
    heading: float, reference: float, difference: float
) -> None:
    assert heading_difference_deg(heading, reference) == pytest.approx(difference)


def test_the_bearing_from_the_station_is_clockwise_from_north() -> None:
    error = station_keeping_error(StationAssignment(*BARGE), *offset_point(-2.0, 2.0), None)
    assert error.bearing_from_station_deg == pytest.approx(135.0, abs=0.01)
    assert station_keeping_error(StationAssignment(*BARGE), *BARGE, None).bearing_from_station_deg == 0.0


def test_a_mission_site_is_a_station() -> None:
    site = PlatformSite("landing-barge", *BARGE, deck_height_m=2.5)
    assignment = StationAssignment.at_site(site, heading_true_deg=300.0)
    assert (assignment.latitude_deg, assignment.longitude_deg, assignment.heading_true_deg) == (*BARGE, 300.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"latitude_deg": 91.0},
        {"on_station_radius_m": 0.0},
        {"on_station_radius_m": math.nan},
        {"heading_tolerance_deg": -1.0},
        {"heading_true_deg": math.inf},
    ],
)
def test_bad_assignments_are_refused(bad: dict[str, float]) -> None:
    values: dict[str, float] = {"latitude_deg": BARGE[0], "longitude_deg": BARGE[1], **bad}
    with pytest.raises(ValueError):
        StationAssignment(**values)
