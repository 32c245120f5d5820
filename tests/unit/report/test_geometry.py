"""The report's local east/north frame and corridor outlines."""

from __future__ import annotations

import numpy as np
import pytest

from gcs.domain.corridor import Corridor
from gcs.domain.geodesy import GeoPoint, destination, distance_m
from gcs.report.geometry import LocalFrame, corridor_outline

ORIGIN = GeoPoint(36.5, 121.6)


@pytest.mark.parametrize(
    ("bearing_deg", "east_km", "north_km"),
    [(0.0, 0.0, 1.0), (90.0, 1.0, 0.0), (180.0, 0.0, -1.0), (270.0, -1.0, 0.0), (45.0, 0.7071, 0.7071)],
)
def test_a_point_1_km_away_lands_1_km_away_in_its_direction(
    bearing_deg: float, east_km: float, north_km: float
) -> None:
    frame = LocalFrame(ORIGIN)
    east, north = frame.point_km(destination(ORIGIN, bearing_deg, 1000.0))
    assert east == pytest.approx(east_km, abs=1e-3)
    assert north == pytest.approx(north_km, abs=1e-3)


def test_distance_from_the_origin_is_exact_across_an_ocean() -> None:
    frame = LocalFrame(ORIGIN)
    far = GeoPoint(31.159, -121.933)  # the cargo hop's landing barge, ~10,000 km away across the date line
    east, north = frame.point_km(far)
    assert np.hypot(east, north) * 1000.0 == pytest.approx(distance_m(ORIGIN, far), rel=1e-6)
    assert east > 0  # east-north-east, not the long way round


def test_the_origin_is_zero_and_arrays_come_back_as_arrays() -> None:
    east, north = LocalFrame(ORIGIN).east_north_km(np.asarray([36.5, 36.6]), np.asarray([121.6, 121.6]))
    assert east.tolist()[0] == pytest.approx(0.0, abs=1e-9)
    assert north.tolist()[0] == pytest.approx(0.0, abs=1e-9)
    assert north[1] == pytest.approx(11.1, abs=0.1)


def test_a_straight_corridor_outline_is_a_closed_ring_at_half_width_from_the_centreline() -> None:
    corridor = Corridor("nominal", (GeoPoint(36.5, 121.6), GeoPoint(36.5, 121.6045)), 3000.0)
    ring = corridor_outline(corridor)
    assert ring[0] == ring[-1]
    for point in ring[:-1]:
        assert corridor.distance_from_centreline_m(point) == pytest.approx(3000.0, rel=1e-3)


def test_a_bent_corridor_outline_keeps_the_half_width_along_both_legs_of_a_corner() -> None:
    corridor = Corridor(
        "nominal", (GeoPoint(36.5, 121.6), GeoPoint(36.6, 121.7), GeoPoint(36.6, 121.9)), 3000.0
    )
    ring = corridor_outline(corridor)
    inner_or_edge = [corridor.distance_from_centreline_m(p) for p in ring[:-1]]
    # Every vertex is on the edge except the outer corner's miter, which lies a little outside it.
    assert sorted(inner_or_edge)[:-1] == pytest.approx([3000.0] * (len(inner_or_edge) - 1), rel=0.01)
    assert 3000.0 < max(inner_or_edge) < 3000.0 * 1.2
