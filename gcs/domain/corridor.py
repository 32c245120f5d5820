"""Flight corridors and destruct lines on the ground, and where an impact point lies against them.

A corridor is a centreline (great-circle segments through listed points) with a half-width: a
point is inside when it is within the half-width of the centreline, end caps included (so the
launch and landing areas are round). A destruct line is a polyline with a forbidden side: a point
that lies abeam the line on that side has crossed it. Geometry is on the mean sphere
(see geodesy). Knows nothing of alerts, time or where the points come from.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass

from gcs.domain.geodesy import GeoPoint, SegmentOffset, segment_offset


class Side(enum.Enum):
    """A side of a line, looking along it from its first point to its last."""

    LEFT = "left"
    RIGHT = "right"


def _check_polyline(points: tuple[GeoPoint, ...], what: str) -> None:
    if len(points) < 2:
        raise ValueError(f"{what} needs at least two points, got {len(points)}")
    for a, b in itertools.pairwise(points):
        if a == b:
            raise ValueError(f"{what} repeats the point {a}")


def _nearest(point: GeoPoint, points: tuple[GeoPoint, ...]) -> SegmentOffset:
    offsets = [segment_offset(point, a, b) for a, b in itertools.pairwise(points)]
    return min(offsets, key=lambda o: o.distance_m)


@dataclass(frozen=True, slots=True)
class Corridor:
    """A band ``half_width_m`` either side of a centreline."""

    name: str
    centreline: tuple[GeoPoint, ...]
    half_width_m: float

    def __post_init__(self) -> None:
        _check_polyline(self.centreline, f"corridor {self.name!r}")
        if not self.half_width_m > 0:
            raise ValueError(f"corridor {self.name!r}: half_width_m must be > 0, got {self.half_width_m}")

    def distance_from_centreline_m(self, point: GeoPoint) -> float:
        return _nearest(point, self.centreline).distance_m

    def margin_m(self, point: GeoPoint) -> float:
        """Distance to the corridor's edge: positive inside, negative outside."""
        return self.half_width_m - self.distance_from_centreline_m(point)

    def contains(self, point: GeoPoint) -> bool:
        return self.margin_m(point) >= 0.0


@dataclass(frozen=True, slots=True)
class DestructLine:
    """A line the impact point must not cross, with the side that is forbidden."""

    name: str
    points: tuple[GeoPoint, ...]
    forbidden_side: Side

    def __post_init__(self) -> None:
        _check_polyline(self.points, f"destruct line {self.name!r}")

    def offset_m(self, point: GeoPoint) -> float | None:
        """Signed distance from the line, positive on the forbidden side; None beyond its ends."""
        offsets = [segment_offset(point, a, b) for a, b in zip(self.points, self.points[1:], strict=False)]
        index = min(range(len(offsets)), key=lambda i: offsets[i].distance_m)
        nearest = offsets[index]
        # Beyond either end the line says nothing. Past an inner corner the nearest segment's side
        # still holds: the wedge outside a convex corner lies wholly on one side.
        if (index == 0 and nearest.along_track_m < 0.0) or (
            index == len(offsets) - 1 and nearest.along_track_m > nearest.length_m
        ):
            return None
        right = nearest.right_of_track_m
        return right if self.forbidden_side is Side.RIGHT else -right

    def crossed_by(self, point: GeoPoint) -> bool:
        offset = self.offset_m(point)
        return offset is not None and offset > 0.0
