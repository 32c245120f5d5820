"""What a sea platform's sensors measure at one simulated instant, taken from the platform model. Pure.

``platform_snapshot(platform, t, start_utc, wind)`` samples the platform's motion once and returns both
views the platform process sends: ``PlatformSensorState`` for the NMEA talker (GNSS, gyro,
anemometer, MRU) and the same numbers for its MAVLink messages. The GNSS antenna is taken at the
deck centre and the MRU measures the deck itself (no lever arms). Heave acceleration comes from a
small forward difference of the heave rate, which is what an MRU's accelerometers see. The wind
over the deck changes slowly and costs as much as the pose, so the caller samples it
(``wind_over_deck``) as often as its anemometer reports and passes it in; likewise the deck's
geodetic position, which only the GNSS sentences carry (``deck_position``).

Knows nothing of NMEA sentence layouts, MAVLink framing, sockets or clocks.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from firmware_sim.io.nmea_talker import PlatformSensorState
from firmware_sim.physics.earth import ecef_to_geodetic
from firmware_sim.physics.platform import DeckMotion, Platform

_ACCEL_STEP_S = 0.05
"""Step of the forward difference for the heave acceleration."""


@dataclass(frozen=True, slots=True)
class PlatformSnapshot:
    time_s: float
    sensors: PlatformSensorState
    heave_rate_mps: float
    pitch_rate_dps: float
    roll_rate_dps: float
    velocity_north_mps: float
    velocity_east_mps: float
    station_keeping_error_m: float
    wind_over_deck_speed_mps: float
    wind_over_deck_from_deg: float  # clockwise from the bow


def wind_over_deck(platform: Platform, time_s: float) -> tuple[float, float]:
    """Apparent wind at the deck anemometer: speed (m/s) and direction it blows from (deg off the bow)."""
    speed, angle = platform.wind_over_deck(np.array([time_s]))
    return float(speed[0]), float(angle[0]) % 360.0


def deck_position(platform: Platform, motion: DeckMotion) -> tuple[float, float, float]:
    """The deck centre's latitude and longitude (deg) and height (m) for the first time of ``motion``."""
    geo = ecef_to_geodetic(platform.center_ecef_m(motion)[0])
    return float(geo.latitude_deg), float(geo.longitude_deg), float(geo.height_m)


def platform_snapshot(
    platform: Platform,
    time_s: float,
    start_utc: dt.datetime,
    wind: tuple[float, float],
    position: tuple[float, float, float] | None = None,
) -> PlatformSnapshot:
    """The platform at ``time_s``; ``position`` (latitude, longitude, height), if given, stands for
    the deck centre's own (a caller sending no GNSS position now passes the last one it took)."""
    # The motion and the deck centre only: the pose's axes and rates are not sensed here.
    motion = platform.motion(np.array([time_s, time_s + _ACCEL_STEP_S]))
    if position is None:
        position = deck_position(platform, motion)
    latitude_deg, longitude_deg, height_m = position
    north, east = float(motion.offset_north_m[0]), float(motion.offset_east_m[0])
    vn, ve = float(motion.drift_north_mps[0]), float(motion.drift_east_mps[0])
    heading = float(motion.heading_deg[0])
    wind_speed, wind_from = wind
    # Surge is along the bow, sway towards port, from the station-keeping offset.
    psi = math.radians(heading)
    surge = north * math.cos(psi) + east * math.sin(psi)
    sway_port = north * math.sin(psi) - east * math.cos(psi)
    heave_accel = float(motion.heave_rate_mps[1] - motion.heave_rate_mps[0]) / _ACCEL_STEP_S
    sensors = PlatformSensorState(
        time_utc=start_utc + dt.timedelta(seconds=time_s),
        latitude_deg=latitude_deg,
        longitude_deg=longitude_deg,
        heading_true_deg=heading % 360.0,
        speed_over_ground_mps=math.hypot(vn, ve),
        course_over_ground_true_deg=math.degrees(math.atan2(ve, vn)) % 360.0,
        wind_angle_relative_deg=wind_from,
        wind_speed_relative_mps=wind_speed,
        pitch_bow_up_deg=float(motion.pitch_deg[0]),
        roll_port_up_deg=float(motion.roll_deg[0]),
        heave_up_m=float(motion.heave_m[0]),
        surge_bow_m=surge,
        sway_port_m=sway_port,
        vertical_accel_up_mps2=heave_accel,
        horizontal_accel_mps2=0.0,
        altitude_msl_m=height_m,  # the simulated Earth has no geoid: MSL is the ellipsoid
    )
    return PlatformSnapshot(
        time_s=time_s,
        sensors=sensors,
        heave_rate_mps=float(motion.heave_rate_mps[0]),
        pitch_rate_dps=float(motion.pitch_rate_dps[0]),
        roll_rate_dps=float(motion.roll_rate_dps[0]),
        velocity_north_mps=vn,
        velocity_east_mps=ve,
        station_keeping_error_m=math.hypot(north, east),
        wind_over_deck_speed_mps=wind_speed,
        wind_over_deck_from_deg=wind_from,
    )
