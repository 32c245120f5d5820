"""The great-circle helpers in plain floats against the same formulas in numpy (as they were written).

``segment_offset`` and ``central_angle_rad`` do their 3-vector algebra in floats because range safety
calls them for every segment at every vehicle state; they must say what the numpy forms said.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from gcs.domain.geodesy import MEAN_RADIUS_M, GeoPoint, central_angle_rad, segment_offset, unit_vector


def _angle_numpy(a: GeoPoint, b: GeoPoint) -> float:
    ua, ub = unit_vector(a), unit_vector(b)
    return math.atan2(float(np.linalg.norm(np.cross(ua, ub))), float(np.dot(ua, ub)))


def _offset_numpy(point: GeoPoint, start: GeoPoint, end: GeoPoint) -> tuple[float, float, float, float]:
    p, a, b = unit_vector(point), unit_vector(start), unit_vector(end)
    normal = np.cross(a, b)
    norm = float(np.linalg.norm(normal))
    length_rad = math.atan2(norm, float(np.dot(a, b)))
    if norm < 1e-15:
        return 0.0, 0.0, 0.0, _angle_numpy(point, start) * MEAN_RADIUS_M
    n = normal / norm
    right_rad = -math.asin(max(-1.0, min(1.0, float(np.dot(p, n)))))
    in_plane = p - float(np.dot(p, n)) * n
    along_rad = math.atan2(float(np.dot(np.cross(a, in_plane), n)), float(np.dot(a, in_plane)))
    if 0.0 <= along_rad <= length_rad:
        nearest_rad = abs(right_rad)
    else:
        nearest_rad = min(_angle_numpy(point, start), _angle_numpy(point, end))
    return (right_rad * MEAN_RADIUS_M, along_rad * MEAN_RADIUS_M, length_rad * MEAN_RADIUS_M,
            nearest_rad * MEAN_RADIUS_M)


def _random_point(rng: random.Random, near: GeoPoint | None = None, spread_deg: float = 180.0) -> GeoPoint:
    if near is None:
        return GeoPoint(rng.uniform(-90, 90), rng.uniform(-180, 180))
    return GeoPoint(max(-90.0, min(90.0, near.latitude_deg + rng.uniform(-spread_deg, spread_deg) / 2)),
                    near.longitude_deg + rng.uniform(-spread_deg, spread_deg))


@pytest.mark.parametrize("spread_deg", [1e-6, 0.01, 1.0, 30.0, 170.0])
def test_segment_offsets_match_the_numpy_form(spread_deg: float) -> None:
    rng = random.Random(int(spread_deg * 1e6))
    for _ in range(500):
        start = _random_point(rng)
        end = _random_point(rng, start, spread_deg)
        point = _random_point(rng, start, spread_deg * 3)
        got = segment_offset(point, start, end)
        want = _offset_numpy(point, start, end)
        assert (got.right_of_track_m, got.along_track_m, got.length_m, got.distance_m) == pytest.approx(
            want, abs=1e-6)
        assert central_angle_rad(point, end) == pytest.approx(_angle_numpy(point, end), abs=1e-15)


def test_a_zero_length_segment_is_a_point_in_both_forms() -> None:
    point, start = GeoPoint(1.0, 2.0), GeoPoint(3.0, 4.0)
    got = segment_offset(point, start, start)
    assert (got.right_of_track_m, got.along_track_m, got.length_m, got.distance_m) == pytest.approx(
        _offset_numpy(point, start, start), abs=1e-6)
