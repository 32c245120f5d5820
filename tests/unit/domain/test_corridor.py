"""Corridors and destruct lines on the ground."""

from __future__ import annotations

import pytest

from gcs.domain.corridor import Corridor, DestructLine, Side
from gcs.domain.geodesy import GeoPoint, destination

# An eastbound corridor along the equator, 100 km either side, with a dog-leg north-east.
LINE = (GeoPoint(0, 0), GeoPoint(0, 10), GeoPoint(5, 15))
CORRIDOR = Corridor("test", LINE, 100_000.0)


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        (GeoPoint(0, 5), True),
        (GeoPoint(0.8, 5), True),  # ~89 km north
        (GeoPoint(1.0, 5), False),  # ~111 km north
        (GeoPoint(-0.8, 5), True),
        (GeoPoint(0, -0.8), True),  # round end cap behind the start
        (GeoPoint(0, -1.0), False),
        (GeoPoint(2.5, 12.5), True),  # on the dog-leg
        (GeoPoint(5.5, 15.5), True),  # end cap
        (GeoPoint(20, 20), False),
    ],
)
def test_corridor_contains(point: GeoPoint, inside: bool) -> None:
    assert CORRIDOR.contains(point) is inside
    assert (CORRIDOR.margin_m(point) >= 0) is inside


def test_margin_is_distance_to_the_edge() -> None:
    north_50km = destination(GeoPoint(0, 5), 0.0, 50_000.0)
    assert CORRIDOR.margin_m(north_50km) == pytest.approx(50_000.0, rel=1e-6)


@pytest.mark.parametrize(
    ("side", "point", "crossed"),
    [
        (Side.LEFT, GeoPoint(1, 5), True),  # north of an eastbound line is its left
        (Side.LEFT, GeoPoint(-1, 5), False),
        (Side.RIGHT, GeoPoint(-1, 5), True),
        (Side.RIGHT, GeoPoint(1, 5), False),
        (Side.LEFT, GeoPoint(1, -3), False),  # before the line starts: it says nothing
        (Side.LEFT, GeoPoint(9, 17), False),  # past its end
        (Side.RIGHT, GeoPoint(-0.5, 10.4), True),  # outside the convex corner, on the right
    ],
)
def test_destruct_line_sides(side: Side, point: GeoPoint, crossed: bool) -> None:
    line = DestructLine("d", LINE, side)
    assert line.crossed_by(point) is crossed


def test_offset_is_none_beyond_the_ends() -> None:
    line = DestructLine("d", LINE, Side.LEFT)
    assert line.offset_m(GeoPoint(0, -5)) is None
    assert line.offset_m(GeoPoint(1, 5)) == pytest.approx(111_195, rel=1e-3)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Corridor("c", (GeoPoint(0, 0),), 1.0), "at least two points"),
        (lambda: Corridor("c", (GeoPoint(0, 0), GeoPoint(0, 0)), 1.0), "repeats"),
        (lambda: Corridor("c", LINE, 0.0), "half_width_m"),
        (lambda: DestructLine("d", (GeoPoint(0, 0),), Side.LEFT), "at least two points"),
    ],
)
def test_bad_geometry_is_refused(build: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()  # type: ignore[operator]
