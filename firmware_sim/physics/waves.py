"""Sea waves: Pierson-Moskowitz and JONSWAP spectra (DNV-RP-C205 form) and random-phase synthesis.

Long-crested seas described by a significant wave height and a peak period; a seeded set of
sinusoids gives a reproducible surface elevation record. Knows nothing of platforms or vehicles.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Upper bounds of significant wave height (m) of WMO sea-state codes 0..8; code 9 is above 14 m.
_WMO_UPPER_HS_M = (0.0, 0.1, 0.5, 1.25, 2.5, 4.0, 6.0, 9.0, 14.0)


class SpectrumKind(enum.Enum):
    JONSWAP = "jonswap"
    PIERSON_MOSKOWITZ = "pierson_moskowitz"


def dnv_peak_enhancement(significant_wave_height_m: float, peak_period_s: float) -> float:
    """JONSWAP peak enhancement factor gamma by the DNV-RP-C205 rule of thumb."""
    if significant_wave_height_m <= 0:
        return 1.0
    ratio = peak_period_s / math.sqrt(significant_wave_height_m)
    if ratio <= 3.6:
        return 5.0
    if ratio < 5.0:
        return math.exp(5.75 - 1.15 * ratio)
    return 1.0


def pierson_moskowitz_density(
    frequency_radps: ArrayLike, significant_wave_height_m: float, peak_period_s: float
) -> FloatArray:
    """Pierson-Moskowitz spectral density S(omega) in m²·s/rad."""
    omega = np.asarray(frequency_radps, dtype=np.float64)
    omega_p = 2.0 * math.pi / peak_period_s
    safe = np.where(omega > 0, omega, 1.0)
    density = (
        5.0
        / 16.0
        * significant_wave_height_m**2
        * omega_p**4
        * safe**-5
        * np.exp(-1.25 * (omega_p / safe) ** 4)
    )
    return np.asarray(np.where(omega > 0, density, 0.0), dtype=np.float64)


def jonswap_density(
    frequency_radps: ArrayLike,
    significant_wave_height_m: float,
    peak_period_s: float,
    peak_enhancement: float | None = None,
) -> FloatArray:
    """JONSWAP spectral density (DNV form) in m²·s/rad; gamma from the DNV rule when not given."""
    gamma = (
        dnv_peak_enhancement(significant_wave_height_m, peak_period_s)
        if peak_enhancement is None
        else peak_enhancement
    )
    omega = np.asarray(frequency_radps, dtype=np.float64)
    omega_p = 2.0 * math.pi / peak_period_s
    sigma = np.where(omega <= omega_p, 0.07, 0.09)
    shape = gamma ** np.exp(-((omega - omega_p) ** 2) / (2.0 * sigma**2 * omega_p**2))
    normalisation = 1.0 - 0.287 * math.log(gamma)
    return normalisation * pierson_moskowitz_density(omega, significant_wave_height_m, peak_period_s) * shape


@dataclass(frozen=True, slots=True)
class SeaState:
    """A long-crested sea: spectrum shape, height, period and where the waves come from."""

    spectrum: SpectrumKind
    significant_wave_height_m: float
    peak_period_s: float
    wave_direction_from_deg: float = 0.0
    peak_enhancement: float | None = None

    def density(self, frequency_radps: ArrayLike) -> FloatArray:
        if self.spectrum is SpectrumKind.PIERSON_MOSKOWITZ:
            return pierson_moskowitz_density(
                frequency_radps, self.significant_wave_height_m, self.peak_period_s
            )
        return jonswap_density(
            frequency_radps, self.significant_wave_height_m, self.peak_period_s, self.peak_enhancement
        )

    @property
    def wmo_code(self) -> int:
        return sea_state_code(self.significant_wave_height_m)


def sea_state_code(significant_wave_height_m: float) -> int:
    """WMO sea-state code (0 calm .. 9 phenomenal) of a significant wave height."""
    for code, upper in enumerate(_WMO_UPPER_HS_M):
        if significant_wave_height_m <= upper:
            return code
    return 9


@dataclass(frozen=True, slots=True)
class WaveComponents:
    """A sea surface as a sum of sinusoids: eta(t) = sum a_i cos(omega_i t + phi_i) at the origin."""

    frequency_radps: FloatArray
    amplitude_m: FloatArray
    phase_rad: FloatArray
    bin_width_radps: float

    @classmethod
    def synthesize(cls, sea: SeaState, seed: int, count: int = 300) -> WaveComponents:
        """Random-phase components with amplitudes sqrt(2 S dω).

        Frequencies are jittered inside equal bins so that the record does not repeat within hours;
        the band spans the whole spectrum (0.5 to 6 times the peak frequency, at least 0.2-3 rad/s).
        """
        if count < 2:
            raise ValueError(f"need at least 2 wave components, got {count}")
        omega_p = 2.0 * math.pi / sea.peak_period_s
        low, high = min(0.2, 0.5 * omega_p), max(3.0, 6.0 * omega_p)
        width = (high - low) / count
        rng = np.random.default_rng(seed)
        frequency = low + width * (np.arange(count) + rng.uniform(0.0, 1.0, count))
        phase = rng.uniform(0.0, 2.0 * math.pi, count)
        amplitude = np.sqrt(2.0 * sea.density(frequency) * width)
        return cls(frequency, amplitude, phase, width)

    @property
    def significant_wave_height_m(self) -> float:
        """4 sqrt(m0) of the discrete spectrum: what a long record of this surface gives back."""
        return 4.0 * math.sqrt(float(np.sum(self.amplitude_m**2)) / 2.0)

    def elevation_m(self, time_s: ArrayLike) -> FloatArray:
        """Surface elevation (m, +up) at the origin for an array of times."""
        return self.response(time_s, np.ones_like(self.amplitude_m), 0.0)

    def response(self, time_s: ArrayLike, gain: FloatArray, phase_shift_rad: float) -> FloatArray:
        """sum a_i * gain_i * cos(omega_i t + phi_i + shift): a linear response with the same phases."""
        t = np.asarray(time_s, dtype=np.float64)
        flat = t.reshape(-1)
        out = np.empty_like(flat)
        weights = self.amplitude_m * gain
        # Chunks keep the (components x times) matrix to a few MB for hour-long records.
        chunk = max(1, 2_000_000 // max(1, weights.size))
        for start in range(0, flat.size, chunk):
            times = flat[start : start + chunk]
            angles = np.outer(times, self.frequency_radps) + (self.phase_rad + phase_shift_rad)
            out[start : start + chunk] = np.cos(angles) @ weights
        return out.reshape(t.shape)
