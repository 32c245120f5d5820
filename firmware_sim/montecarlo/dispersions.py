"""What a Monte-Carlo run disperses, how much (1-sigma), and the seeded draw of each run's inputs.

``DispersionSigmas`` holds the spreads (defaults: ASSUMPTION, typical of a test article's
knowledge: a few per cent of thrust, a per cent of dry mass, a third of the wind); ``draw`` turns
them into one ``DispersedRuns`` of arrays shaped (runs,) from one ``numpy`` Generator, in a fixed
order, so the same seed gives the same runs; the seeds of the realisations (each run's waves, the
gust field, the sensor noise) come from the same generator. Knows nothing of physics or guidance.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class DispersionSigmas:
    """1-sigma spreads. Fractions are of the nominal value (0.02 = 2 %)."""

    thrust_fraction: float = 0.02  # engine thrust (chamber pressure, thrust and flow together)
    isp_fraction: float = 0.005
    drag_fraction: float = 0.05  # drag coefficient
    dry_mass_fraction: float = 0.01  # what the flight software does not know: it plans with nominal
    propellant_fraction: float = 0.005  # load of each tank
    wind_speed_fraction: float = 0.3  # the whole wind profile scaled
    wind_direction_deg: float = 20.0  # the whole wind profile turned
    wave_height_fraction: float = 0.3  # significant wave height, log-normal about the platform's
    #: Multiplier of the flight software's ``[sensors]`` table: each run draws its own biases and
    #: noise at these levels (0: perfect sensors and navigation).
    sensor_scale: float = 1.0
    #: Each run its own wave phases, gusts and deck wander (False: all runs share run 0's).
    vary_realisations: bool = True

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"dispersion {f.name} must be a finite number >= 0, got {value}")

    @classmethod
    def none(cls) -> DispersionSigmas:
        """Every run nominal and alike: perfect sensors, the same sea and gusts."""
        zero = {f.name: 0.0 for f in dataclasses.fields(cls) if f.name != "vary_realisations"}
        return cls(**zero, vary_realisations=False)


@dataclass(frozen=True, slots=True)
class DispersedRuns:
    """Each run's inputs, arrays shaped (runs,)."""

    thrust_scale: FloatArray
    isp_scale: FloatArray
    drag_scale: FloatArray
    dry_mass_scale: FloatArray
    lox_scale: FloatArray
    ch4_scale: FloatArray
    wind_speed_scale: FloatArray
    wind_turn_deg: FloatArray
    wave_height_scale: FloatArray
    sea_seed: IntArray  # per run: its wave record and deck wander
    gust_seed: int  # the fleet's gust field (each vehicle its own phases)
    noise_seed: int  # the sensor biases and noise of every run

    @property
    def count(self) -> int:
        return int(self.thrust_scale.shape[0])


def draw(sigmas: DispersionSigmas, runs: int, seed: int) -> DispersedRuns:
    """``runs`` dispersed input sets from ``seed`` (same seed and sigmas: same draws).

    Raises:
        ValueError: for fewer than one run.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    rng = np.random.default_rng(seed)

    def normal(sigma: float) -> FloatArray:
        # + 0.0: a zero sigma gives 0.0, never -0.0 (runs.csv would tell "-0.00" from "0.00").
        return np.asarray(sigma * rng.standard_normal(runs) + 0.0, dtype=np.float64)

    thrust = 1.0 + normal(sigmas.thrust_fraction)
    isp = 1.0 + normal(sigmas.isp_fraction)
    drag = np.maximum(1.0 + normal(sigmas.drag_fraction), 0.0)
    dry = 1.0 + normal(sigmas.dry_mass_fraction)
    lox = 1.0 + normal(sigmas.propellant_fraction)
    ch4 = 1.0 + normal(sigmas.propellant_fraction)
    wind_speed = np.maximum(1.0 + normal(sigmas.wind_speed_fraction), 0.0)
    wind_turn = normal(sigmas.wind_direction_deg)
    # Log-normal: a wave height is never negative and its spread grows with it.
    waves = np.exp(normal(sigmas.wave_height_fraction))
    sea_seeds = rng.integers(0, 2**31, size=runs, dtype=np.int64)
    if not sigmas.vary_realisations:
        sea_seeds = np.repeat(sea_seeds[:1], runs)
    gust_seed, noise_seed = (int(s) for s in rng.integers(0, 2**31, size=2))
    return DispersedRuns(
        thrust, isp, drag, dry, lox, ch4, wind_speed, wind_turn, waves, sea_seeds, gust_seed, noise_seed
    )
