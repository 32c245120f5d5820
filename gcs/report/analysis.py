"""What the report derives from a read session: the time origin, the flight's window, dynamic pressure,
the impact point against the corridor, and which platform played which part. Pure.

* Time origin: liftoff (the vehicle's first ASCENT), else ignition, else the ground count's T-0,
  else the session's start. Every plot's axis is seconds from it (T+).
* Flight window: from 20 s before ignition to 15 s after the vehicle is SAFE again (or the end);
  the flight plots show this stretch, the countdown and tank plots the whole session.
* Dynamic pressure: q = ½ρv² from each position report (standard atmosphere at its altitude), as the
  fleet record derives its max q.
* IIP: the station's own computation (``gcs.domain.iip``, as range safety runs it) for each state
  while range safety watches (ignition to touchdown), thinned to the report's point budget, with
  its margin to the nearest corridor edge when the range is known.
* Platforms: the launch one is the range's launch site, else the one nearest the vehicle's first
  position; the one landed on is the vehicle's touchdown report's, else the nearest to where it
  came down; the planned landing site is the range's, else the cargo delivery's.

Knows nothing of files, plotting or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gcs.domain.atmosphere import dynamic_pressure_pa
from gcs.domain.geodesy import GeoPoint, distance_m
from gcs.domain.iip import impact_point
from gcs.domain.phases import FlightPhase
from gcs.domain.vehicle import VehicleState
from gcs.launch.range_safety import WATCHED_PHASES, RangeConfig
from gcs.report import journal_view
from gcs.report.flight_data import SessionData
from gcs.report.series import MAX_POINTS, Series

WINDOW_BEFORE_IGNITION_S = 20.0
WINDOW_AFTER_SAFE_S = 15.0


@dataclass(frozen=True, slots=True)
class TimeOrigin:
    t_s: float
    """Unix seconds of T+0."""
    label: str
    """What T+0 is: ``liftoff``, ``ignition``, ``T-0 of the count`` or ``session start``."""


def time_origin(data: SessionData) -> TimeOrigin:
    for phase, label in ((FlightPhase.ASCENT, "liftoff"), (FlightPhase.IGNITION, "ignition")):
        for mark in data.phases:
            if mark.phase is phase:
                return TimeOrigin(mark.t_s, label)
    for change in journal_view.countdown(data.journal).changes:
        if change.state.value == "liftoff":
            return TimeOrigin(change.t_unix_s, "T-0 of the count")
    return TimeOrigin(data.start_s, "session start")


def flight_window(data: SessionData) -> tuple[float, float] | None:
    """Unix seconds of the flight's stretch (see the module docstring), None if it never ignited."""
    flying = {FlightPhase.IGNITION, FlightPhase.ASCENT}
    start = next((m.t_s for m in data.phases if m.phase in flying), None)
    if start is None:
        return None
    end = next((m.t_s for m in data.phases if m.t_s > start and m.phase is FlightPhase.SAFE), data.end_s)
    return max(data.start_s, start - WINDOW_BEFORE_IGNITION_S), min(data.end_s, end + WINDOW_AFTER_SAFE_S)


def dynamic_pressure(data: SessionData) -> Series | None:
    track = data.track
    if not len(track):
        return None
    speed = np.sqrt(track.velocity_north_mps**2 + track.velocity_east_mps**2 + track.velocity_down_mps**2)
    q = np.fromiter(
        (dynamic_pressure_pa(float(h), float(v)) for h, v in zip(track.altitude_m, speed, strict=True)),
        dtype=np.float64,
        count=len(track),
    )
    return Series("vehicle.dynamic_pressure_pa", "Pa", track.t_s, q)


@dataclass(frozen=True, slots=True)
class IipTrack:
    """The station's IIP while range safety watched: Unix seconds, degrees, and the corridor margin."""

    t_s: np.ndarray
    latitude_deg: np.ndarray
    longitude_deg: np.ndarray
    margin_m: np.ndarray | None
    """Distance to the nearest corridor's edge (positive inside), if the range is known."""

    def __len__(self) -> int:
        return int(self.t_s.size)


def iip_track(data: SessionData, range_config: RangeConfig | None, max_points: int = MAX_POINTS) -> IipTrack:
    track = data.track
    watched = np.isin(track.phase, [int(p) for p in WATCHED_PHASES])
    index = np.flatnonzero(watched)
    if index.size > max_points:
        index = index[np.linspace(0, index.size - 1, max_points).astype(np.int64)]
    times, lats, lons, margins = [], [], [], []
    for i in index:
        try:
            state = VehicleState(
                t_s=float(track.t_s[i]),
                latitude_deg=float(track.latitude_deg[i]),
                longitude_deg=float(track.longitude_deg[i]),
                altitude_m=float(track.altitude_m[i]),
                velocity_north_mps=float(track.velocity_north_mps[i]),
                velocity_east_mps=float(track.velocity_east_mps[i]),
                velocity_down_mps=float(track.velocity_down_mps[i]),
                phase=FlightPhase(int(track.phase[i])),
            )
        except ValueError:
            continue  # a report with a non-finite value: no state, as in the station
        iip = impact_point(state)
        if iip.point is None:
            continue
        times.append(state.t_s)
        lats.append(iip.point.latitude_deg)
        lons.append(iip.point.longitude_deg)
        if range_config is not None:
            margins.append(max(c.margin_m(iip.point) for c in range_config.corridors))
    return IipTrack(
        np.asarray(times),
        np.asarray(lats),
        np.asarray(lons),
        np.asarray(margins) if range_config is not None else None,
    )


@dataclass(frozen=True, slots=True)
class PlatformRoles:
    launch: str | None
    planned_landing: str | None
    landed_on: str | None
    deck: str | None
    """The platform whose deck motion the report shows: landed on, else planned, else not the launch one."""
    positions: dict[str, GeoPoint]
    """Each platform's mean GNSS position in the session (platforms without a fix are absent)."""


def _nearest(positions: dict[str, GeoPoint], point: GeoPoint) -> str | None:
    if not positions:
        return None
    return min(positions, key=lambda name: distance_m(positions[name], point))


def platform_roles(data: SessionData, range_config: RangeConfig | None) -> PlatformRoles:
    positions: dict[str, GeoPoint] = {}
    for name, platform in data.platforms.items():
        mean = platform.mean_position()
        if mean is not None:
            positions[name] = GeoPoint(*mean)
    names = set(data.platforms)
    track = data.track
    launch = (
        range_config.launch.name if range_config is not None and range_config.launch.name in names else None
    )
    if launch is None and len(track):
        launch = _nearest(positions, GeoPoint(float(track.latitude_deg[0]), float(track.longitude_deg[0])))
    planned = range_config.landing.name if range_config is not None else None
    if planned is None:
        planned = next(
            (row.platform for row in journal_view.delivery_rows(data.journal) if row.platform), None
        )
    landed = data.touchdown[1].platform if data.touchdown is not None else None
    if landed is None and len(track) and FlightPhase.TOUCHDOWN in data.phases_reached:
        landed = _nearest(positions, GeoPoint(float(track.latitude_deg[-1]), float(track.longitude_deg[-1])))
    deck = next((n for n in (landed, planned) if n in names), None)
    if deck is None:
        deck = next((n for n in sorted(names) if n != launch), None)
    return PlatformRoles(launch, planned, landed, deck, positions)


def touchdown_s(data: SessionData) -> float | None:
    """When the station could first see the vehicle was down: its TOUCHDOWN phase (which the touchdown
    report puts in, ``flight_data.with_touchdown``), else the report itself."""
    mark = next((m.t_s for m in data.phases if m.phase is FlightPhase.TOUCHDOWN), None)
    if mark is not None:
        return mark
    return data.touchdown[0] if data.touchdown is not None else None
