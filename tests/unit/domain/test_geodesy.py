"""WGS-84 frames and great circles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.domain.geodesy import (
    MEAN_RADIUS_M,
    WGS84,
    GeoPoint,
    destination,
    distance_m,
    ecef_to_geodetic,
    ellipsoid_radius_m,
    geodetic_to_ecef_m,
    initial_bearing_deg,
    ned_to_ecef_matrix,
    segment_offset,
    wrap_longitude_deg,
)


@given(lat=st.floats(-90, 90), lon=st.floats(-180, 179.999), h=st.floats(-10_000, 2_000_000))
def test_geodetic_round_trip(lat: float, lon: float, h: float) -> None:
    back_lat, back_lon, back_h = ecef_to_geodetic(geodetic_to_ecef_m(lat, lon, h))
    assert back_lat == pytest.approx(lat, abs=1e-9)
    if abs(lat) < 89.999:
        assert wrap_longitude_deg(back_lon - lon) == pytest.approx(0.0, abs=1e-9)
    assert back_h == pytest.approx(h, abs=1e-3)


def test_known_ecef_points() -> None:
    assert geodetic_to_ecef_m(0, 0, 0) == pytest.approx([WGS84.equatorial_radius_m, 0, 0])
    assert geodetic_to_ecef_m(90, 0, 0) == pytest.approx([0, 0, WGS84.polar_radius_m], abs=1e-6)
    assert ellipsoid_radius_m(np.array([0.0, 0.0, 1.0])) == pytest.approx(WGS84.polar_radius_m)
    assert ellipsoid_radius_m(np.array([0.0, 1.0, 0.0])) == pytest.approx(WGS84.equatorial_radius_m)


@given(lat=st.floats(-89, 89), lon=st.floats(-180, 180))
def test_ned_matrix_is_a_right_handed_rotation(lat: float, lon: float) -> None:
    m = ned_to_ecef_matrix(lat, lon)
    assert m.T @ m == pytest.approx(np.eye(3), abs=1e-12)
    assert np.linalg.det(m) == pytest.approx(1.0)
    # Down points at the centre (to within the ellipsoid's deflection of the vertical).
    down = m @ np.array([0.0, 0.0, 1.0])
    to_centre = -geodetic_to_ecef_m(lat, lon, 0.0)
    assert float(down @ to_centre / np.linalg.norm(to_centre)) > math.cos(math.radians(0.2))


def test_great_circle_basics() -> None:
    quarter = MEAN_RADIUS_M * math.pi / 2
    assert distance_m(GeoPoint(0, 0), GeoPoint(0, 90)) == pytest.approx(quarter)
    assert distance_m(GeoPoint(0, 0), GeoPoint(90, 0)) == pytest.approx(quarter)
    assert initial_bearing_deg(GeoPoint(0, 0), GeoPoint(0, 10)) == pytest.approx(90.0)
    assert initial_bearing_deg(GeoPoint(0, 0), GeoPoint(-10, 0)) == pytest.approx(180.0)
    end = destination(GeoPoint(10, 20), 45.0, 1_000_000.0)
    assert distance_m(GeoPoint(10, 20), end) == pytest.approx(1_000_000.0, rel=1e-9)
    assert initial_bearing_deg(GeoPoint(10, 20), end) == pytest.approx(45.0)


def test_segment_offset_sides_and_ends() -> None:
    start, end = GeoPoint(0, 0), GeoPoint(0, 10)  # eastbound along the equator
    north = segment_offset(GeoPoint(1, 5), start, end)
    assert north.right_of_track_m < 0 < north.along_track_m < north.length_m  # north is left
    assert north.abeam
    assert north.distance_m == pytest.approx(-north.right_of_track_m)
    south = segment_offset(GeoPoint(-1, 5), start, end)
    assert south.right_of_track_m == pytest.approx(-north.right_of_track_m)
    beyond = segment_offset(GeoPoint(0, 12), start, end)
    assert not beyond.abeam
    assert beyond.distance_m == pytest.approx(distance_m(GeoPoint(0, 12), end))


def test_geopoint_validates_and_wraps() -> None:
    assert GeoPoint(0, 180).longitude_deg == -180.0
    assert GeoPoint(0, 190) == GeoPoint(0, -170)
    with pytest.raises(ValueError, match="latitude"):
        GeoPoint(91, 0)
    with pytest.raises(ValueError, match="finite"):
        GeoPoint(0, math.nan)
    assert str(GeoPoint(-31.5, -122.25)) == "31.5000°S 122.2500°W"
