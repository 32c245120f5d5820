"""The flight plan as the flight computer holds it: launch site, target and alternate platforms,
corridor and mission kind, as frozen values shared by the mission protocol and the flight software.

Knows nothing of MAVLink mission items (``flight_plan.py`` translates those) or of guidance.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class MissionKind(enum.IntEnum):
    """What the flight is for; it picks the guidance (a low hover hop or a ballistic cargo hop)."""

    HOP_TEST = 0  # low vertical hop with a hover over the landing platform (the YXZ-1 sea hop)
    CARGO_P2P = 1  # ballistic point-to-point hop to a platform thousands of kilometres away


def _check_latitude_longitude(owner: str, latitude_deg: float, longitude_deg: float) -> None:
    if not (math.isfinite(latitude_deg) and -90.0 <= latitude_deg <= 90.0):
        raise ValueError(f"{owner}: latitude_deg must be in [-90, 90], got {latitude_deg}")
    if not (math.isfinite(longitude_deg) and -180.0 <= longitude_deg <= 180.0):
        raise ValueError(f"{owner}: longitude_deg must be in [-180, 180], got {longitude_deg}")


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A point on the Earth's surface (WGS-84 geodetic degrees)."""

    latitude_deg: float
    longitude_deg: float

    def __post_init__(self) -> None:
        _check_latitude_longitude("GeoPoint", self.latitude_deg, self.longitude_deg)


@dataclass(frozen=True, slots=True)
class PlatformSite:
    """A named sea platform and where it is meant to be on station."""

    name: str
    latitude_deg: float
    longitude_deg: float

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("PlatformSite: name must not be empty")
        _check_latitude_longitude(f"PlatformSite {self.name!r}", self.latitude_deg, self.longitude_deg)

    @property
    def point(self) -> GeoPoint:
        return GeoPoint(self.latitude_deg, self.longitude_deg)


@dataclass(frozen=True, slots=True)
class FlightPlan:
    """Everything the flight computer needs to know about where it flies.

    ``target_apogee_m`` and ``burnout_flight_path_angle_deg`` are optional shaping choices for the
    cargo hop (at most one of them; None lets guidance pick). For a hop test the target apogee is the
    height of the hop (None: the parameter default).
    """

    mission: MissionKind
    launch_latitude_deg: float
    launch_longitude_deg: float
    target: PlatformSite
    alternate: PlatformSite | None = None
    corridor: tuple[GeoPoint, ...] = ()
    target_apogee_m: float | None = None
    burnout_flight_path_angle_deg: float | None = None

    def __post_init__(self) -> None:
        _check_latitude_longitude(
            "FlightPlan launch site", self.launch_latitude_deg, self.launch_longitude_deg
        )
        if self.target_apogee_m is not None and self.burnout_flight_path_angle_deg is not None:
            raise ValueError("FlightPlan: give target_apogee_m or burnout_flight_path_angle_deg, not both")
        if self.target_apogee_m is not None and not (
            math.isfinite(self.target_apogee_m) and self.target_apogee_m > 0
        ):
            raise ValueError(f"FlightPlan: target_apogee_m must be > 0, got {self.target_apogee_m}")
        fpa = self.burnout_flight_path_angle_deg
        if fpa is not None and not (math.isfinite(fpa) and 0.0 < fpa < 90.0):
            raise ValueError(f"FlightPlan: burnout_flight_path_angle_deg must be in (0, 90), got {fpa}")

    @property
    def launch_site(self) -> GeoPoint:
        return GeoPoint(self.launch_latitude_deg, self.launch_longitude_deg)
