"""Segments worked out once against ``segment_offset`` worked out per call (as it was written).

Corridors and destruct lines keep a ``GreatCircleSegment`` per segment, so range safety does not
derive each segment's normal and length again at every vehicle state, and take each point's unit
vector once for all segments. The results must be the very floats the per-call form gave.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from gcs.domain.corridor import Corridor, DestructLine, Side
from gcs.domain.geodesy import (
    MEAN_RADIUS_M,
    GeoPoint,
    GreatCircleSegment,
    SegmentOffset,
    central_angle_rad,
    unit_vector_of,
)


def _unit(p: GeoPoint) -> tuple[float, float, float]:
    lat, lon = math.radians(p.latitude_deg), math.radians(p.longitude_deg)
    return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))


def _cross(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _angle(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    c = _cross(a, b)
    return math.atan2(math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]), _dot(a, b))


def _offset_per_call(point: GeoPoint, start: GeoPoint, end: GeoPoint) -> SegmentOffset:
    """``segment_offset`` before the segments were worked out once."""
    p, a, b = _unit(point), _unit(start), _unit(end)
    normal = _cross(a, b)
    norm = math.sqrt(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2])
    length_rad = math.atan2(norm, _dot(a, b))
    if norm < 1e-15:
        return SegmentOffset(0.0, 0.0, 0.0, _angle(p, a) * MEAN_RADIUS_M)
    n = (normal[0] / norm, normal[1] / norm, normal[2] / norm)
    p_n = _dot(p, n)
    right_rad = -math.asin(max(-1.0, min(1.0, p_n)))
    in_plane = (p[0] - p_n * n[0], p[1] - p_n * n[1], p[2] - p_n * n[2])
    along_rad = math.atan2(_dot(_cross(a, in_plane), n), _dot(a, in_plane))
    nearest_rad = abs(right_rad) if 0.0 <= along_rad <= length_rad else min(_angle(p, a), _angle(p, b))
    return SegmentOffset(right_rad * MEAN_RADIUS_M, along_rad * MEAN_RADIUS_M, length_rad * MEAN_RADIUS_M,
                         nearest_rad * MEAN_RADIUS_M)


def _point(rng: random.Random) -> GeoPoint:
    return GeoPoint(rng.uniform(-89.0, 89.0), rng.uniform(-180.0, 180.0))


def _near(rng: random.Random, p: GeoPoint, spread_deg: float) -> GeoPoint:
    return GeoPoint(max(-89.9, min(89.9, p.latitude_deg + rng.uniform(-spread_deg, spread_deg))),
                    p.longitude_deg + rng.uniform(-spread_deg, spread_deg))


@pytest.mark.parametrize("seed", range(5))
def test_a_segment_worked_out_once_gives_the_same_floats(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        start = _point(rng)
        end = start if rng.random() < 0.05 else _near(rng, start, rng.choice([0.01, 1.0, 30.0]))
        if central_angle_rad(start, end) > 3.0:
            continue
        segment = GreatCircleSegment(start, end)
        for _ in range(5):
            point = _near(rng, start, rng.choice([0.001, 0.5, 20.0]))
            assert segment.offset(point) == _offset_per_call(point, start, end)
            assert segment.offset_of_unit(unit_vector_of(point)) == _offset_per_call(point, start, end)


def _margin_per_call(corridor: Corridor, point: GeoPoint) -> float:
    offsets = [_offset_per_call(point, a, b) for a, b in itertools.pairwise(corridor.centreline)]
    return corridor.half_width_m - min(offsets, key=lambda o: o.distance_m).distance_m


def _destruct_offset_per_call(line: DestructLine, point: GeoPoint) -> float | None:
    offsets = [_offset_per_call(point, a, b) for a, b in itertools.pairwise(line.points)]
    index = min(range(len(offsets)), key=lambda i: offsets[i].distance_m)
    nearest = offsets[index]
    if (index == 0 and nearest.along_track_m < 0.0) or (
        index == len(offsets) - 1 and nearest.along_track_m > nearest.length_m
    ):
        return None
    right = nearest.right_of_track_m
    return right if line.forbidden_side is Side.RIGHT else -right


@pytest.mark.parametrize(("seed", "most_points", "step_deg"), [
    (0, 6, 15.0), (1, 6, 15.0), (2, 40, 2.0), (3, 40, 0.5), (4, 60, 5.0), (5, 3, 0.01)])
def test_corridors_and_destruct_lines_say_what_they_said(
        seed: int, most_points: int, step_deg: float) -> None:
    """Including long lines, where most segments are passed over as surely farther than the nearest."""
    rng = random.Random(100 + seed)
    for _ in range(40):
        points = [GeoPoint(rng.uniform(-60, 60), rng.uniform(-170, 170))]
        for _ in range(rng.randint(1, most_points - 1)):
            points.append(_near(rng, points[-1], step_deg))
        line = tuple(points)
        if any(a == b for a, b in itertools.pairwise(line)):
            continue
        corridor = Corridor("c", line, rng.uniform(1_000.0, 200_000.0))
        destruct = DestructLine("d", line, rng.choice(list(Side)))
        for _ in range(20):
            point = _near(rng, rng.choice(line), rng.choice([step_deg, 10.0, 1e-4]))
            assert corridor.margin_m(point) == _margin_per_call(corridor, point)
            assert destruct.offset_m(point) == _destruct_offset_per_call(destruct, point)
        assert corridor == Corridor("c", line, corridor.half_width_m)  # the segments are not compared


@pytest.mark.parametrize("seed", range(3))
def test_a_point_moving_along_the_line_and_jumping(seed: int) -> None:
    """The search starts where the last point's nearest segment was: a track along the line and
    back, and jumps from end to end, must still give what measuring every segment gave."""
    rng = random.Random(200 + seed)
    line = [GeoPoint(36.5, 121.6)]
    for _ in range(25):
        line.append(GeoPoint(line[-1].latitude_deg + rng.uniform(-0.5, 0.5), line[-1].longitude_deg + 3.0))
    corridor = Corridor("c", tuple(line), 50_000.0)
    destruct = DestructLine("d", tuple(line), Side.LEFT)
    track = [_near(rng, p, 0.3) for p in line] + [_near(rng, p, 2.0) for p in reversed(line)]
    for point in [*track, line[3], line[-1], line[0], line[12], line[13]]:
        assert corridor.margin_m(point) == _margin_per_call(corridor, point)
        assert destruct.offset_m(point) == _destruct_offset_per_call(destruct, point)
