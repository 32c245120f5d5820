"""WGS-84 frames, J2 gravity and great circles against exact identities and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.physics.earth import (
    WGS84,
    EarthModel,
    approximate_height_m,
    ecef_to_geodetic,
    ecef_to_local_ned,
    ecef_vector_to_enu,
    ecef_vector_to_ned,
    enu_vector_to_ecef,
    geodetic_to_ecef,
    gravity_ecef,
    gravity_potential,
    great_circle_destination,
    great_circle_distance_m,
    initial_bearing_deg,
    local_ned_to_ecef,
    ned_vector_to_ecef,
)

latitudes = st.floats(-90.0, 90.0)
longitudes = st.floats(-180.0, 180.0)
heights = st.floats(-10_000.0, 40_000_000.0)


@settings(max_examples=300, deadline=None)
@given(latitudes, longitudes, heights)
def test_geodetic_round_trip_within_a_millimetre(lat: float, lon: float, h: float) -> None:
    """geodetic -> ECEF -> geodetic -> ECEF lands within 1 mm, from below sea level to beyond GEO."""
    p = geodetic_to_ecef(lat, lon, h)
    back = ecef_to_geodetic(p)
    again = geodetic_to_ecef(back.latitude_deg, back.longitude_deg, back.height_m)
    assert np.linalg.norm(again - p) < 1e-3
    assert back.height_m == pytest.approx(h, abs=1e-3)
    assert back.latitude_deg == pytest.approx(lat, abs=1e-9)


def test_known_points() -> None:
    """Equator/prime meridian, the north pole and the ellipsoid's axes (exact to 1 mm)."""
    np.testing.assert_allclose(geodetic_to_ecef(0.0, 0.0, 0.0), [6_378_137.0, 0.0, 0.0], atol=1e-3)
    np.testing.assert_allclose(geodetic_to_ecef(90.0, 0.0, 0.0), [0.0, 0.0, 6_356_752.314245], atol=1e-3)
    pole = ecef_to_geodetic(np.array([0.0, 0.0, 6_356_752.314245 + 100.0]))
    assert float(pole.latitude_deg) == pytest.approx(90.0, abs=1e-12)
    assert float(pole.height_m) == pytest.approx(100.0, abs=1e-3)


def test_ned_and_enu_round_trip_and_orientation() -> None:
    """North at the equator on the prime meridian is ECEF +z, east is +y, down is -x."""
    np.testing.assert_allclose(ned_vector_to_ecef([1.0, 0.0, 0.0], 0.0, 0.0), [0.0, 0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(ned_vector_to_ecef([0.0, 1.0, 0.0], 0.0, 0.0), [0.0, 1.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(ned_vector_to_ecef([0.0, 0.0, 1.0], 0.0, 0.0), [-1.0, 0.0, 0.0], atol=1e-15)
    rng = np.random.default_rng(1)
    v = rng.normal(size=(50, 3))
    lat, lon = rng.uniform(-90, 90, 50), rng.uniform(-180, 180, 50)
    np.testing.assert_allclose(ned_vector_to_ecef(ecef_vector_to_ned(v, lat, lon), lat, lon), v, atol=1e-12)
    np.testing.assert_allclose(enu_vector_to_ecef(ecef_vector_to_enu(v, lat, lon), lat, lon), v, atol=1e-12)
    enu = ecef_vector_to_enu(v, lat, lon)
    ned = ecef_vector_to_ned(v, lat, lon)
    np.testing.assert_allclose(enu, np.stack([ned[:, 1], ned[:, 0], -ned[:, 2]], axis=1), atol=1e-12)


def test_local_ned_round_trip() -> None:
    point = geodetic_to_ecef(36.6, 121.7, 120.0)
    ned = ecef_to_local_ned(point, 36.5, 121.6, 30.0)
    assert ned[0] > 10_000
    assert ned[1] > 8_000
    np.testing.assert_allclose(local_ned_to_ecef(ned, 36.5, 121.6, 30.0), point, atol=1e-6)


def test_gravity_is_the_gradient_of_the_potential() -> None:
    """J2 acceleration = -grad U by central differences (to 1e-8 of |g|); normal gravity to 1 mm/s²."""
    rng = np.random.default_rng(2)
    for _ in range(20):
        p = geodetic_to_ecef(rng.uniform(-90, 90), rng.uniform(-180, 180), rng.uniform(0, 2e6))
        step = 1.0
        grad = np.array(
            [
                (gravity_potential(p + step * e) - gravity_potential(p - step * e)) / (2 * step)
                for e in np.eye(3)
            ]
        )
        g = gravity_ecef(p)
        np.testing.assert_allclose(g, -grad, atol=1e-8 * float(np.linalg.norm(g)))
    # Gravity plus centrifugal on the ellipsoid against Somigliana's normal gravity: a J2-only field
    # lacks the J4 and higher terms, worth ~1e-4 m/s² here.
    for lat in (0.0, 45.0, 90.0):
        p = geodetic_to_ecef(lat, 0.0, 0.0)
        effective = gravity_ecef(p) + WGS84.rotation_rate_radps**2 * np.array([p[0], p[1], 0.0])
        s2 = math.sin(math.radians(lat)) ** 2
        somigliana = 9.7803253359 * (1 + 0.00193185265241 * s2) / math.sqrt(1 - 0.00669437999013 * s2)
        assert np.linalg.norm(effective) == pytest.approx(somigliana, abs=1e-3)


def test_approximate_height_error_bound() -> None:
    """The hot-loop height is exact on the ellipsoid and within 6e-6 of the height aloft."""
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-90, 90, 500), rng.uniform(-180, 180, 500)
    h = rng.uniform(0, 2e6, 500)
    approx = approximate_height_m(geodetic_to_ecef(lat, lon, h))
    assert np.all(np.abs(approx - h) <= 6e-6 * h + 1e-6)
    np.testing.assert_allclose(approximate_height_m(geodetic_to_ecef(lat, lon, 0.0)), 0.0, atol=1e-6)


def test_great_circle_new_york_to_beijing() -> None:
    """domain.md §1.1: New York-Beijing ≈ 10,990 km (its rounding: 10 km)."""
    d = float(great_circle_distance_m(40.7128, -74.0060, 39.9042, 116.4074))
    assert d == pytest.approx(10_990e3, abs=10e3)


def test_bearing_and_destination_invert_each_other() -> None:
    assert float(initial_bearing_deg(0.0, 0.0, 0.0, 10.0)) == pytest.approx(90.0)
    assert float(initial_bearing_deg(0.0, 0.0, 10.0, 0.0)) == pytest.approx(0.0)
    assert float(initial_bearing_deg(10.0, 0.0, 0.0, 0.0)) == pytest.approx(180.0)
    lat, lon = great_circle_destination(36.5, 121.6, 50.0, 10_000e3)
    assert float(great_circle_distance_m(36.5, 121.6, lat, lon)) == pytest.approx(10_000e3, abs=1e-3)
    assert float(initial_bearing_deg(36.5, 121.6, lat, lon)) == pytest.approx(50.0, abs=1e-9)


def test_spherical_model_is_a_non_rotating_sphere() -> None:
    sphere = EarthModel.spherical()
    assert sphere.flattening == 0.0
    assert sphere.j2 == 0.0
    assert sphere.rotation_rate_radps == 0.0
    p = geodetic_to_ecef(33.0, 44.0, 1000.0, sphere)
    assert np.linalg.norm(p) == pytest.approx(sphere.equatorial_radius_m + 1000.0, abs=1e-6)
    assert WGS84.polar_radius_m == pytest.approx(6_356_752.314245, abs=1e-6)
    with pytest.raises(ValueError, match="flattening"):
        EarthModel(6e6, 0.5, 4e14, 0.0, 0.0)
    assert math.isclose(float(approximate_height_m(p, sphere)), 1000.0, abs_tol=1e-6)
