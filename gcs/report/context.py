"""What every section of a report shares: the read session, the range, the time origin, the flight's
window, the platforms' parts, and how times are written. Pure.

Knows nothing of plotting or HTML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from gcs.domain.geodesy import GeoPoint
from gcs.domain.phases import FlightPhase
from gcs.launch.range_safety import RangeConfig
from gcs.report import analysis
from gcs.report.flight_data import SessionData
from gcs.report.geometry import LocalFrame
from gcs.report.series import MAX_POINTS, Series

PHASE_COLOURS = {
    FlightPhase.SAFE: "#bbbbbb",
    FlightPhase.STANDBY: "#d9d9d9",
    FlightPhase.TERMINAL_COUNT: "#c7dcef",
    FlightPhase.IGNITION: "#fdd0a2",
    FlightPhase.ASCENT: "#fdae6b",
    FlightPhase.COAST: "#c6dbef",
    FlightPhase.ENTRY: "#fcbba1",
    FlightPhase.LANDING_BURN: "#fd8d3c",
    FlightPhase.TOUCHDOWN: "#74c476",
    FlightPhase.SAFING: "#a1d99b",
    FlightPhase.ABORT: "#fb6a4a",
    FlightPhase.FLIGHT_TERMINATION: "#a50f15",
}


@dataclass(frozen=True, slots=True)
class ReportContext:
    data: SessionData
    range_config: RangeConfig | None
    range_source: str | None
    """Where the range came from (a file, or how it was found), for the header."""
    origin: analysis.TimeOrigin
    window: tuple[float, float] | None
    """Unix seconds of the flight's stretch, None if the vehicle never ignited."""
    roles: analysis.PlatformRoles
    frame: LocalFrame | None
    """East/north about the launch site (else the first position known); None without any position."""
    touchdown_s: float | None

    @classmethod
    def of(
        cls, data: SessionData, range_config: RangeConfig | None, range_source: str | None
    ) -> ReportContext:
        roles = analysis.platform_roles(data, range_config)
        origin_point: GeoPoint | None = None
        if roles.launch is not None and roles.launch in roles.positions:
            origin_point = roles.positions[roles.launch]
        elif range_config is not None:
            origin_point = GeoPoint(range_config.launch.latitude_deg, range_config.launch.longitude_deg)
        elif len(data.track):
            origin_point = GeoPoint(float(data.track.latitude_deg[0]), float(data.track.longitude_deg[0]))
        elif roles.positions:
            origin_point = next(iter(roles.positions.values()))
        return cls(
            data=data,
            range_config=range_config,
            range_source=range_source,
            origin=analysis.time_origin(data),
            window=analysis.flight_window(data),
            roles=roles,
            frame=LocalFrame(origin_point) if origin_point is not None else None,
            touchdown_s=analysis.touchdown_s(data),
        )

    # --- time ------------------------------------------------------------------------------------

    def rel(self, t_s: float) -> float:
        """Seconds from the time origin."""
        return t_s - self.origin.t_s

    def when(self, t_s: float) -> str:
        """``T+12.3 s`` (from the origin)."""
        rel = self.rel(t_s)
        return f"T{'+' if rel >= 0 else '-'}{abs(rel):.1f} s"

    @staticmethod
    def clock(t_s: float) -> str:
        """``01:56:17.8`` UTC."""
        if not math.isfinite(t_s):
            return ""
        moment = datetime.fromtimestamp(t_s, tz=UTC)
        return f"{moment:%H:%M:%S}.{moment.microsecond // 100_000}"

    @staticmethod
    def iso(t_s: float) -> str:
        return datetime.fromtimestamp(t_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @property
    def xlabel(self) -> str:
        return f"seconds from {self.origin.label} ({self.iso(self.origin.t_s)})"

    def flight_xlim(self) -> tuple[float, float]:
        start, end = self.window if self.window is not None else (self.data.start_s, self.data.end_s)
        return self.rel(start), self.rel(end)

    # --- series ----------------------------------------------------------------------------------

    def flight_series(self, name: str, scale: float = 1.0) -> Series | None:
        """A vehicle field over the flight's stretch, on the report's axis, thinned, times ``scale``."""
        series = self.data.vehicle.series(name)
        if series is None:
            return None
        return self.prepared(series, scale)

    def prepared(self, series: Series, scale: float = 1.0, *, whole: bool = False) -> Series | None:
        if self.window is not None and not whole:
            series = series.between(*self.window)
        if not len(series):
            return None
        thin = series.shifted(self.origin.t_s).decimated(MAX_POINTS)
        return Series(thin.name, thin.unit, thin.t_s, thin.values * scale)

    def phase_spans(self) -> list[tuple[float, float, FlightPhase]]:
        """``(start_s, end_s, phase)`` on the report's axis, from the vehicle's phase reports."""
        marks = self.data.phases
        out = []
        for i, mark in enumerate(marks):
            end = marks[i + 1].t_s if i + 1 < len(marks) else self.data.end_s
            out.append((self.rel(mark.t_s), self.rel(end), mark.phase))
        return out

    def track_index(self, max_points: int = MAX_POINTS) -> np.ndarray:
        """Indices of at most ``max_points`` position reports, evenly spread (first and last kept)."""
        n = len(self.data.track)
        if n <= max_points:
            return np.arange(n)
        return np.unique(np.linspace(0, n - 1, max_points).astype(np.int64))
