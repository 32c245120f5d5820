"""Changes of a sea platform's conditions over time: a new sea state, a new surface wind, a move off
station. Values and pure functions of simulated time (arrays in, arrays out), for ``Platform``.

A platform keeps its configured sea, wind and station until a change begins at ``at_s``; a change
then takes over over ``ramp_s`` (the wave field crossfades, the wind and the position ramp
linearly), and later changes take over from whatever was in force. Every function here is a pure
function of time, so the same schedule gives the same deck in every process that models the
platform. Knows nothing of where the changes come from (fault files) or of vehicles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics.waves import SeaState

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SeaChange:
    """From ``at_s`` the waves become ``sea``, crossfading from the old field over ``ramp_s``."""

    at_s: float
    ramp_s: float
    sea: SeaState


@dataclass(frozen=True, slots=True)
class WindChange:
    """From ``at_s`` the mean surface wind ramps to this speed and direction over ``ramp_s``."""

    at_s: float
    ramp_s: float
    speed_mps: float
    direction_from_deg: float


@dataclass(frozen=True, slots=True)
class StationMove:
    """From ``at_s`` the platform moves ``north_m``/``east_m`` off its station at a steady speed,
    taking ``over_s``; after ``back_at_s`` (if given) it returns the same way."""

    at_s: float
    over_s: float
    north_m: float
    east_m: float
    back_at_s: float | None = None


@dataclass(frozen=True, slots=True)
class PlatformConditions:
    """Every change of one platform's conditions, each kind in the order they begin."""

    sea: tuple[SeaChange, ...] = ()
    wind: tuple[WindChange, ...] = ()
    moves: tuple[StationMove, ...] = ()

    def __post_init__(self) -> None:
        for name in ("sea", "wind", "moves"):
            starts = [change.at_s for change in getattr(self, name)]
            if starts != sorted(starts):
                raise ValueError(f"PlatformConditions.{name} must be in the order the changes begin")

    @property
    def empty(self) -> bool:
        return not (self.sea or self.wind or self.moves)


def linear_ramp(time_s: FloatArray, at_s: float, length_s: float) -> tuple[FloatArray, FloatArray]:
    """0 before ``at_s``, 1 from ``at_s + length_s``, linear between; and its rate (1/s).

    A zero length is a step at ``at_s`` (rate 0: a step has no finite rate).
    """
    t = np.asarray(time_s, dtype=np.float64)
    if length_s <= 0.0:
        return np.where(t >= at_s, 1.0, 0.0), np.zeros_like(t)
    inside = (t > at_s) & (t < at_s + length_s)
    return np.clip((t - at_s) / length_s, 0.0, 1.0), np.where(inside, 1.0 / length_s, 0.0)


def crossfade(
    time_s: FloatArray, at_s: float, ramp_s: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Equal-power crossfade weights (keep, take) and their rates at ``time_s``: keep² + take² = 1.

    Two independent wave records mixed this way keep the variance of the mix at
    keep²·σ_old² + take²·σ_new², so the significant height moves smoothly from the old value to
    the new one instead of dipping half way as a linear mix of two random records would.
    """
    ramp, rate = linear_ramp(time_s, at_s, ramp_s)
    angle = 0.5 * math.pi * ramp
    angle_rate = 0.5 * math.pi * rate
    return np.cos(angle), np.sin(angle), -np.sin(angle) * angle_rate, np.cos(angle) * angle_rate


def station_offset_m(
    moves: tuple[StationMove, ...], time_s: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """North and east offset (m) from every move, and their rates (m/s), at ``time_s``."""
    t = np.asarray(time_s, dtype=np.float64)
    north, east = np.zeros_like(t), np.zeros_like(t)
    north_rate, east_rate = np.zeros_like(t), np.zeros_like(t)
    for move in moves:
        out, out_rate = linear_ramp(t, move.at_s, move.over_s)
        if move.back_at_s is not None:
            back, back_rate = linear_ramp(t, move.back_at_s, move.over_s)
            out, out_rate = out - back, out_rate - back_rate
        north, east = north + move.north_m * out, east + move.east_m * out
        north_rate, east_rate = north_rate + move.north_m * out_rate, east_rate + move.east_m * out_rate
    return north, east, north_rate, east_rate


def wind_towards_ned_mps(speed_mps: float, direction_from_deg: float) -> tuple[float, float]:
    """North and east components of a wind of this speed blowing from this direction."""
    towards = math.radians(direction_from_deg + 180.0)
    return speed_mps * math.cos(towards), speed_mps * math.sin(towards)


def mean_wind_ned_mps(
    changes: tuple[WindChange, ...], base_north_mps: FloatArray, base_east_mps: FloatArray, time_s: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The mean surface wind (north, east) after the changes in force at ``time_s``, from the base wind."""
    north = np.asarray(base_north_mps, dtype=np.float64)
    east = np.asarray(base_east_mps, dtype=np.float64)
    for change in changes:
        ramp, _ = linear_ramp(time_s, change.at_s, change.ramp_s)
        target_north, target_east = wind_towards_ned_mps(change.speed_mps, change.direction_from_deg)
        north = north + ramp * (target_north - north)
        east = east + ramp * (target_east - east)
    return north, east
