"""Wind over the deck (what an anemometer on the moving platform feels) and the true wind.

NMEA 0183 MWV gives the wind *relative* (apparent: angle from the bow, speed as felt on the moving
vessel) or *theoretical* (its ``T``: still an angle from the bow, but the speed and angle the
vessel would see if it were stationary). Wind over the deck is the relative wind; the true wind is
the same air seen from the ground, blowing from a direction clockwise from true north. One turns
into the other by adding or removing the platform's own velocity over ground (course and speed)
in the bow frame set by its heading.

Every angle here is a *from* direction, as winds are reported: 0 on the bow (or true north) means
the wind blows from ahead (from the north), 90 from starboard (from the east). Pure; knows nothing
of NMEA sentences or sensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wind:
    """A wind: the direction it blows from, in degrees [0, 360), and its speed."""

    from_deg: float
    speed_mps: float


def _air_velocity(wind: Wind) -> tuple[float, float]:
    """The air's velocity (x towards 0°, y towards 90°) for a wind blowing from ``from_deg``."""
    toward = math.radians(wind.from_deg + 180.0)
    return wind.speed_mps * math.cos(toward), wind.speed_mps * math.sin(toward)


CALM_MPS = 1e-9
"""Below this a wind's direction is rounding noise: it is reported as 0 m/s from 0°."""


def wrap_360_deg(angle_deg: float) -> float:
    """``angle_deg`` in [0, 360); ``%`` alone gives 360.0 for a tiny negative angle."""
    wrapped = angle_deg % 360.0
    return 0.0 if wrapped >= 360.0 else wrapped


def _wind_of(vx: float, vy: float) -> Wind:
    speed = math.hypot(vx, vy)
    if speed < CALM_MPS:
        return Wind(0.0, 0.0)
    return Wind(wrap_360_deg(math.degrees(math.atan2(-vy, -vx))), speed)


def _platform_velocity_in_bow_frame(
    heading_true_deg: float, speed_over_ground_mps: float, course_over_ground_true_deg: float
) -> tuple[float, float]:
    relative = math.radians(course_over_ground_true_deg - heading_true_deg)
    return speed_over_ground_mps * math.cos(relative), speed_over_ground_mps * math.sin(relative)


def wind_over_deck(
    true_wind: Wind, heading_true_deg: float, speed_over_ground_mps: float, course_over_ground_true_deg: float
) -> Wind:
    """The relative wind (``from_deg`` clockwise from the bow) for a true wind and the platform's motion."""
    air_x, air_y = _air_velocity(Wind(true_wind.from_deg - heading_true_deg, true_wind.speed_mps))
    own_x, own_y = _platform_velocity_in_bow_frame(
        heading_true_deg, speed_over_ground_mps, course_over_ground_true_deg
    )
    return _wind_of(air_x - own_x, air_y - own_y)


def true_wind(
    relative_wind: Wind,
    heading_true_deg: float,
    speed_over_ground_mps: float,
    course_over_ground_true_deg: float,
) -> Wind:
    """The true wind (``from_deg`` clockwise from true north) of a relative wind on a moving platform."""
    air_x, air_y = _air_velocity(relative_wind)
    own_x, own_y = _platform_velocity_in_bow_frame(
        heading_true_deg, speed_over_ground_mps, course_over_ground_true_deg
    )
    in_bow_frame = _wind_of(air_x + own_x, air_y + own_y)
    return Wind(wrap_360_deg(in_bow_frame.from_deg + heading_true_deg), in_bow_frame.speed_mps)
