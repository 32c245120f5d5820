"""The vehicle's state as one frozen snapshot: where it is, how it moves, which phase it is in.

Built by the flight-computer link from GLOBAL_POSITION_INT and HEARTBEAT; read by the range-safety
monitor and the launch cores. Knows nothing of the messages it came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gcs.domain.geodesy import WGS84, EarthShape, FloatArray, GeoPoint, geodetic_to_ecef_m, ned_to_ecef_matrix
from gcs.domain.phases import FlightPhase


@dataclass(frozen=True, slots=True)
class VehicleState:
    """Position, Earth-relative velocity and phase of the vehicle at one instant.

    ``t_s`` is the instant the snapshot describes, on the runner's clock (the same time base as
    every ``now_s`` handed to the launch cores); ``time_boot_ms`` is the vehicle's own stamp if
    it sent one. Height is taken as height above the WGS-84 ellipsoid: a link that only has MSL
    altitude may pass it unchanged, at a cost of at most a few hundred metres in the impact point
    (the geoid lies within ~110 m of the ellipsoid).
    """

    t_s: float
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    velocity_north_mps: float
    velocity_east_mps: float
    velocity_down_mps: float
    phase: FlightPhase
    time_boot_ms: int | None = None

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise ValueError(f"latitude_deg must be in [-90, 90], got {self.latitude_deg}")
        for name in (
            "longitude_deg",
            "altitude_m",
            "velocity_north_mps",
            "velocity_east_mps",
            "velocity_down_mps",
            "t_s",
        ):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)}")

    @property
    def position(self) -> GeoPoint:
        return GeoPoint(self.latitude_deg, self.longitude_deg)

    @property
    def velocity_ned_mps(self) -> FloatArray:
        return np.array([self.velocity_north_mps, self.velocity_east_mps, self.velocity_down_mps])

    @property
    def speed_mps(self) -> float:
        return math.sqrt(self.velocity_north_mps**2 + self.velocity_east_mps**2 + self.velocity_down_mps**2)

    @property
    def vertical_speed_up_mps(self) -> float:
        return -self.velocity_down_mps

    @property
    def horizontal_speed_mps(self) -> float:
        return math.hypot(self.velocity_north_mps, self.velocity_east_mps)

    def position_ecef_m(self, earth: EarthShape = WGS84) -> FloatArray:
        return geodetic_to_ecef_m(self.latitude_deg, self.longitude_deg, self.altitude_m, earth)

    def velocity_ecef_mps(self) -> FloatArray:
        """Earth-relative velocity in ECEF axes."""
        return ned_to_ecef_matrix(self.latitude_deg, self.longitude_deg) @ self.velocity_ned_mps


@dataclass(frozen=True, slots=True)
class VehicleCount:
    """The vehicle's own count clock (its COUNTDOWN message), as received."""

    t_count_s: float
    """Count time: negative before T-0, positive after."""
    lifted_off: bool
    """The vehicle shows T-plus: it has lifted off."""
