"""Places on the Earth as east/north kilometres from the launch site, for the report's maps. Pure.

No map tiles offline, so tracks, impact points, platforms and corridors are drawn in a local frame:
an azimuthal equidistant projection about an origin (the launch site), on the mean sphere. Distance
and bearing from the origin are exact, so a 400 m hop and a 10,000 km cargo flight both come out
true to scale along their line of flight; the cross-track scale drifts only far from the origin.

A corridor (``gcs.domain.corridor``: every point within ``half_width_m`` of its centreline) is
outlined by offsetting the centreline on the sphere at each vertex, with half-circle caps at the
ends, then projecting. Knows nothing of sessions or plotting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gcs.domain.corridor import Corridor
from gcs.domain.geodesy import MEAN_RADIUS_M, GeoPoint, destination, initial_bearing_deg
from gcs.report.series import FloatArray

_CAP_STEPS = 12


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """East/north kilometres about ``origin``."""

    origin: GeoPoint

    def east_north_km(
        self, latitude_deg: FloatArray, longitude_deg: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        lat0 = math.radians(self.origin.latitude_deg)
        lon0 = math.radians(self.origin.longitude_deg)
        lat = np.radians(np.asarray(latitude_deg, dtype=np.float64))
        dlon = np.radians(np.asarray(longitude_deg, dtype=np.float64)) - lon0
        # Haversine for the central angle (well-conditioned for a few metres and for 10,000 km).
        h = np.sin((lat - lat0) / 2) ** 2 + math.cos(lat0) * np.cos(lat) * np.sin(dlon / 2) ** 2
        angle = 2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        bearing = np.arctan2(
            np.sin(dlon) * np.cos(lat),
            math.cos(lat0) * np.sin(lat) - math.sin(lat0) * np.cos(lat) * np.cos(dlon),
        )
        distance_km = angle * MEAN_RADIUS_M / 1000.0
        return distance_km * np.sin(bearing), distance_km * np.cos(bearing)

    def point_km(self, point: GeoPoint) -> tuple[float, float]:
        east, north = self.east_north_km(np.asarray([point.latitude_deg]), np.asarray([point.longitude_deg]))
        return float(east[0]), float(north[0])

    def polyline_km(self, points: tuple[GeoPoint, ...] | list[GeoPoint]) -> tuple[FloatArray, FloatArray]:
        return self.east_north_km(
            np.asarray([p.latitude_deg for p in points]), np.asarray([p.longitude_deg for p in points])
        )


def _vertex_directions(points: tuple[GeoPoint, ...]) -> list[tuple[float, float]]:
    """At each vertex: the direction the outline's offset is measured from (the bisector of the track
    coming in and going out, as bearings at that vertex; a great circle's bearing changes along it),
    and how far out the edge lies for a half-width of one (the miter of the turn, capped at 2)."""
    out = []
    for i, point in enumerate(points):
        going = initial_bearing_deg(point, points[i + 1]) if i + 1 < len(points) else None
        coming = (initial_bearing_deg(point, points[i - 1]) + 180.0) % 360.0 if i > 0 else None
        if going is None or coming is None:
            out.append((going if going is not None else coming or 0.0, 1.0))
            continue
        turn = (going - coming + 180.0) % 360.0 - 180.0
        out.append((coming + turn / 2, min(2.0, 1.0 / math.cos(math.radians(turn / 2)))))
    return out


def corridor_outline(corridor: Corridor) -> list[GeoPoint]:
    """A closed ring around ``corridor``: left edge out, cap, right edge back, cap. The edges are
    mitred at the centreline's corners, so they run at the half-width from both segments."""
    points = corridor.centreline
    directions = _vertex_directions(points)
    width = corridor.half_width_m
    left = [destination(p, b - 90.0, width * k) for p, (b, k) in zip(points, directions, strict=True)]
    right = [destination(p, b + 90.0, width * k) for p, (b, k) in zip(points, directions, strict=True)]
    end, start = directions[-1][0], directions[0][0]
    end_cap = [
        destination(points[-1], end - 90.0 + 180.0 * i / _CAP_STEPS, width) for i in range(1, _CAP_STEPS)
    ]
    start_cap = [
        destination(points[0], start + 90.0 + 180.0 * i / _CAP_STEPS, width) for i in range(1, _CAP_STEPS)
    ]
    ring = [*left, *end_cap, *reversed(right), *start_cap]
    return [*ring, ring[0]]
