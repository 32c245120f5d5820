"""The impact point's float arithmetic against the same algorithm in numpy, as it was written.

``impact_point_ecef`` does its three-vector algebra in plain floats (range safety runs it at every
vehicle state); on states from the pad to orbit, up and down, it must give the numpy form's answer
to rounding.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from gcs.domain import iip
from gcs.domain.geodesy import WGS84, EarthShape, ellipsoid_radius_m, geodetic_to_ecef_m, ned_to_ecef_matrix


def _numpy_form(r_in: np.ndarray, v_in: np.ndarray, earth: EarthShape = WGS84,
                surface_height_m: float = 0.0) -> iip.ImpactPoint:
    mu = earth.gm_m3ps2
    r = np.asarray(r_in, dtype=np.float64)
    v = np.asarray(v_in, dtype=np.float64) + np.cross([0.0, 0.0, earth.rotation_rate_radps], r)
    r_mag = float(np.linalg.norm(r))
    r_hat = r / r_mag
    radial_speed = float(np.dot(r_hat, v))
    surface_m = ellipsoid_radius_m(r, earth) + surface_height_m
    if r_mag <= surface_m and radial_speed <= 0.0:
        return iip._here(r, earth)
    h_vec = np.cross(r, v)
    h = float(np.linalg.norm(h_vec))
    speed = float(np.linalg.norm(v))
    if h <= 1e-9 * r_mag * max(speed, 1.0):
        return iip._radial(r, radial_speed, speed, surface_m, earth)
    p = h * h / mu
    e_cos, e_sin = p / r_mag - 1.0, radial_speed * h / mu
    e = math.hypot(e_cos, e_sin)
    if e < 1e-12:
        return iip.ImpactPoint(iip.IipStatus.NO_IMPACT, None, None)
    t_hat = np.cross(h_vec / h, r_hat)
    hyperbolic = e >= 1.0
    nu0 = math.atan2(e_sin, e_cos)
    if not hyperbolic:
        nu0 %= 2 * math.pi
    radius_m, direction, nu_i, crossing = surface_m, r_hat, nu0, 0.0
    for _ in range(20):
        c = (p / radius_m - 1.0) / e
        if c >= 1.0:
            return iip.ImpactPoint(iip.IipStatus.NO_IMPACT, None, None)
        crossing = math.acos(max(c, -1.0))
        nu_i = 2 * math.pi - crossing if not hyperbolic else -crossing
        if nu_i < nu0:
            return iip._here(r, earth)
        direction = math.cos(nu_i - nu0) * r_hat + math.sin(nu_i - nu0) * t_hat
        new_radius_m = ellipsoid_radius_m(direction, earth) + surface_height_m
        if abs(new_radius_m - radius_m) < 1e-4:
            radius_m = new_radius_m
            break
        radius_m = new_radius_m
    tof_s = iip._time_of_flight_s(nu0, nu_i, crossing, e, p, mu)
    return iip._in_earth_frame(direction * radius_m, tof_s, earth)


def _states(seed: int, count: int) -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        lat, lon = rng.uniform(-89, 89), rng.uniform(-180, 180)
        altitude = rng.choice([0.0, 50.0, rng.uniform(0, 5e3), rng.uniform(1e4, 3e5), rng.uniform(3e5, 2e6)])
        speed = rng.choice([0.0, rng.uniform(0, 500), rng.uniform(500, 7000), rng.uniform(7000, 12000)])
        direction = np.array([rng.gauss(0, 1) for _ in range(3)])
        ned = direction / np.linalg.norm(direction) * speed
        v = ned_to_ecef_matrix(lat, lon) @ ned
        out.append((geodetic_to_ecef_m(lat, lon, altitude), v, rng.choice([0.0, 0.0, 12.0])))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_float_form_gives_the_numpy_forms_impact(seed: int) -> None:
    for r, v, surface in _states(seed, 300):
        got = iip.impact_point_ecef(r, v, WGS84, surface)
        want = _numpy_form(r, v, WGS84, surface)
        assert got.status is want.status
        if want.point is None:
            assert got.point is None
            assert got.time_to_impact_s is None
            continue
        assert got.point is not None
        assert want.time_to_impact_s is not None
        assert got.point.latitude_deg == pytest.approx(want.point.latitude_deg, abs=1e-9)
        assert got.point.longitude_deg == pytest.approx(want.point.longitude_deg, abs=1e-9)
        assert got.time_to_impact_s == pytest.approx(want.time_to_impact_s, rel=1e-9, abs=1e-9)


def test_a_sphere_without_rotation_takes_the_float_form_too() -> None:
    sphere = EarthShape.sphere()
    r = geodetic_to_ecef_m(10.0, 20.0, 1e5, sphere)
    v = ned_to_ecef_matrix(10.0, 20.0) @ np.array([2000.0, 500.0, -1000.0])
    got, want = iip.impact_point_ecef(r, v, sphere), _numpy_form(r, v, sphere)
    assert got.point is not None
    assert want.point is not None
    assert (got.point.latitude_deg, got.point.longitude_deg) == pytest.approx(
        (want.point.latitude_deg, want.point.longitude_deg), abs=1e-9)
