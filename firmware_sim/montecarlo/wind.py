"""Each run's wind: the landing platform's profile and gusts, scaled and turned per run.

A ``WindField`` whose ``wind_ned_mps`` turns the (profile + gust) vector of each vehicle by that
run's angle (clockwise, as the direction it blows from moves) and scales it by that run's factor.
The physics asks its wind only through ``wind_ned_mps`` for a fleet of two or more vehicles
(``dynamics`` reads a one-vehicle profile directly), so a fleet is never built with one run.
Knows nothing of guidance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics.atmosphere import WindField
from firmware_sim.physics.config import WindConfig

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DispersedWind(WindField):
    speed_scale: FloatArray  # (N,)
    turn_cos: FloatArray
    turn_sin: FloatArray

    @classmethod
    def build(
        cls,
        config: WindConfig,
        speed_scale: FloatArray,
        turn_deg: FloatArray,
        gust_seed: int,
        same_gusts: bool,
    ) -> DispersedWind:
        count = int(speed_scale.shape[0])
        base = WindField.from_profile(
            config.altitude_m,
            config.speed_mps,
            config.direction_from_deg,
            config.gust_sigma_mps,
            config.gust_top_altitude_m,
            count,
            seed=gust_seed,
        )
        north_phase, east_phase = base.gust_phase_north_rad, base.gust_phase_east_rad
        if same_gusts:
            north_phase = np.repeat(north_phase[:, :1], count, axis=1)
            east_phase = np.repeat(east_phase[:, :1], count, axis=1)
        turn = np.radians(turn_deg)
        return cls(
            base.profile_altitude_m,
            base.profile_north_mps,
            base.profile_east_mps,
            base.gust_sigma_mps,
            base.gust_top_altitude_m,
            base.gust_rate_radps,
            base.gust_wavenumber_radpm,
            north_phase,
            east_phase,
            np.asarray(speed_scale, dtype=np.float64),
            np.cos(turn),
            np.sin(turn),
        )

    def wind_ned_mps(self, time_s: FloatArray, altitude_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        north, east = WindField.wind_ned_mps(self, time_s, altitude_m)
        # A wind from a direction turned clockwise by the angle blows towards one turned the same way.
        c, s = self.turn_cos, self.turn_sin
        return self.speed_scale * (c * north - s * east), self.speed_scale * (s * north + c * east)
