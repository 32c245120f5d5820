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
from dataclasses import dataclass, field

from gcs.domain.geodesy import GeoPoint, GreatCircleSegment, SegmentOffset, unit_vector_of


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


class _Segments:
    """A line's great-circle segments, worked out once (range safety measures every line at every
    vehicle state), and the one nearest the last point measured: the next point, a moment later,
    is nearest the same one or a neighbour, so the search starts there."""

    __slots__ = ("last_nearest", "segments")

    def __init__(self, points: tuple[GeoPoint, ...]) -> None:
        self.segments = tuple(GreatCircleSegment(a, b) for a, b in itertools.pairwise(points))
        self.last_nearest = 0


def _nearest(point: GeoPoint, line: _Segments) -> tuple[int, SegmentOffset]:
    """The segment nearest ``point`` (the first of equals) and the point's offset from it.

    A segment that cannot come nearer than the nearest so far (its bound says so with a margin far
    above rounding) is not measured: a long centreline has dozens of segments. The search starts
    at the segment nearest last time, so the bound passes over nearly all the others at once.
    What is measured, and the choice, is what measuring all in order and taking the first of the
    nearest gave (a segment passed over was farther than one measured, so neither nearest nor tied;
    a ``GeoPoint`` is finite, so every distance is a number).
    """
    p = unit_vector_of(point)
    segments = line.segments
    start = best_index = line.last_nearest
    best = segments[start].offset_of_unit(p)
    for index, segment in enumerate(segments):
        if index == start or not segment.may_be_within(p, best.distance_m):
            continue
        offset = segment.offset_of_unit(p)
        d = offset.distance_m
        if d < best.distance_m or (d == best.distance_m and index < best_index):
            best_index, best = index, offset
    line.last_nearest = best_index
    return best_index, best


@dataclass(frozen=True, slots=True)
class Corridor:
    """A band ``half_width_m`` either side of a centreline."""

    name: str
    centreline: tuple[GeoPoint, ...]
    half_width_m: float
    _segments: _Segments = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_polyline(self.centreline, f"corridor {self.name!r}")
        if not self.half_width_m > 0:
            raise ValueError(f"corridor {self.name!r}: half_width_m must be > 0, got {self.half_width_m}")
        object.__setattr__(self, "_segments", _Segments(self.centreline))

    def distance_from_centreline_m(self, point: GeoPoint) -> float:
        return _nearest(point, self._segments)[1].distance_m

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
    _segments: _Segments = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_polyline(self.points, f"destruct line {self.name!r}")
        object.__setattr__(self, "_segments", _Segments(self.points))

    def offset_m(self, point: GeoPoint) -> float | None:
        """Signed distance from the line, positive on the forbidden side; None beyond its ends."""
        index, nearest = _nearest(point, self._segments)
        # Beyond either end the line says nothing. Past an inner corner the nearest segment's side
        # still holds: the wedge outside a convex corner lies wholly on one side.
        if (index == 0 and nearest.along_track_m < 0.0) or (
            index == len(self._segments.segments) - 1 and nearest.along_track_m > nearest.length_m
        ):
            return None
        right = nearest.right_of_track_m
        return right if self.forbidden_side is Side.RIGHT else -right

    def crossed_by(self, point: GeoPoint) -> bool:
        offset = self.offset_m(point)
        return offset is not None and offset > 0.0
