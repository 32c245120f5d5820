"""The air: US Standard Atmosphere 1976 to 86 km, a smooth exponential above, and a seeded wind field.

Pure functions of geometric altitude (m above the ellipsoid) and time; knows nothing of vehicles,
frames beyond local north/east, or configuration files (``WindField.from_profile`` takes plain numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# US76 defining constants.
_G0_MPS2 = 9.80665
_R_STAR_J_PER_KMOL_K = 8314.32
_MOLAR_MASS_KG_PER_KMOL = 28.9644
_GAMMA = 1.4
_EARTH_RADIUS_FOR_GEOPOTENTIAL_M = 6_356_766.0
_SEA_LEVEL_PRESSURE_PA = 101_325.0
_SEA_LEVEL_TEMPERATURE_K = 288.15

#: Layer bases in geopotential metres and the molecular-scale temperature gradient above each, K/m.
_LAYER_BASE_GEOPOTENTIAL_M = np.array([0.0, 11_000.0, 20_000.0, 32_000.0, 47_000.0, 51_000.0, 71_000.0])
_LAYER_GRADIENT_K_PER_M = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3])
_TOP_GEOPOTENTIAL_M = 84_852.0  # = 86 km geometric, where the US76 hydrostatic layers end

_GAS_CONSTANT_J_PER_KG_K = _R_STAR_J_PER_KMOL_K / _MOLAR_MASS_KG_PER_KMOL
_HYDROSTATIC_K_PER_M = _G0_MPS2 / _GAS_CONSTANT_J_PER_KG_K  # g0 M0 / R*


def _layer_bases() -> tuple[FloatArray, FloatArray]:
    """Base temperatures and pressures of the layers, chained from sea level (not copied from tables)."""
    temperatures = [_SEA_LEVEL_TEMPERATURE_K]
    pressures = [_SEA_LEVEL_PRESSURE_PA]
    for i in range(len(_LAYER_BASE_GEOPOTENTIAL_M) - 1):
        t_b, p_b, lapse = temperatures[-1], pressures[-1], _LAYER_GRADIENT_K_PER_M[i]
        dh = _LAYER_BASE_GEOPOTENTIAL_M[i + 1] - _LAYER_BASE_GEOPOTENTIAL_M[i]
        t_top = t_b + lapse * dh
        if lapse == 0.0:
            p_top = p_b * math.exp(-_HYDROSTATIC_K_PER_M * dh / t_b)
        else:
            p_top = p_b * (t_b / t_top) ** (_HYDROSTATIC_K_PER_M / lapse)
        temperatures.append(t_top)
        pressures.append(p_top)
    return np.array(temperatures), np.array(pressures)


_LAYER_BASE_TEMPERATURE_K, _LAYER_BASE_PRESSURE_PA = _layer_bases()


@dataclass(frozen=True, slots=True)
class AtmosphereSample:
    """Air properties at an array of altitudes."""

    temperature_k: FloatArray
    pressure_pa: FloatArray
    density_kg_per_m3: FloatArray
    speed_of_sound_mps: FloatArray


def geopotential_altitude_m(geometric_altitude_m: ArrayLike) -> FloatArray:
    """US76 geopotential altitude of a geometric altitude."""
    z = np.asarray(geometric_altitude_m, dtype=np.float64)
    return np.asarray(_EARTH_RADIUS_FOR_GEOPOTENTIAL_M * z / (_EARTH_RADIUS_FOR_GEOPOTENTIAL_M + z))


def geometric_altitude_m(geopotential_altitude: ArrayLike) -> FloatArray:
    """Inverse of :func:`geopotential_altitude_m`."""
    h = np.asarray(geopotential_altitude, dtype=np.float64)
    return np.asarray(_EARTH_RADIUS_FOR_GEOPOTENTIAL_M * h / (_EARTH_RADIUS_FOR_GEOPOTENTIAL_M - h))


def _hydrostatic(geopotential_m: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Molecular-scale temperature and pressure inside the US76 layers (below 84.852 km')."""
    layer = np.clip(np.searchsorted(_LAYER_BASE_GEOPOTENTIAL_M, geopotential_m, side="right") - 1, 0, 6)
    base_h = _LAYER_BASE_GEOPOTENTIAL_M[layer]
    base_t = _LAYER_BASE_TEMPERATURE_K[layer]
    base_p = _LAYER_BASE_PRESSURE_PA[layer]
    lapse = _LAYER_GRADIENT_K_PER_M[layer]
    dh = geopotential_m - base_h
    temperature = base_t + lapse * dh
    isothermal = lapse == 0.0
    safe_lapse = np.where(isothermal, 1.0, lapse)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_gradient = base_p * (base_t / temperature) ** (_HYDROSTATIC_K_PER_M / safe_lapse)
    p_isothermal = base_p * np.exp(-_HYDROSTATIC_K_PER_M * dh / base_t)
    return temperature, np.where(isothermal, p_isothermal, p_gradient)


_TOP_GEOMETRIC_M = float(geometric_altitude_m(_TOP_GEOPOTENTIAL_M))
_TOP_T, _TOP_P = (float(v[0]) for v in _hydrostatic(np.array([_TOP_GEOPOTENTIAL_M])))
_TOP_DENSITY = _TOP_P / (_GAS_CONSTANT_J_PER_KG_K * _TOP_T)
# Density scale height at 86 km, so density and its slope are continuous where the exponential takes over.
_TOP_SCALE_HEIGHT_M = _TOP_T / (
    (_HYDROSTATIC_K_PER_M + _LAYER_GRADIENT_K_PER_M[-1])
    * (_EARTH_RADIUS_FOR_GEOPOTENTIAL_M / (_EARTH_RADIUS_FOR_GEOPOTENTIAL_M + _TOP_GEOMETRIC_M)) ** 2
)


def us76(altitude_m: ArrayLike) -> AtmosphereSample:
    """US Standard Atmosphere 1976 at geometric altitudes (m), valid from -5 km.

    Up to 86 km this is the standard's hydrostatic model (temperature is the molecular-scale
    temperature). Above 86 km density falls exponentially with the 86 km scale height at the
    86 km temperature: smooth, but thinner than the real thermosphere (see docs/physics.md).
    """
    z = np.asarray(altitude_m, dtype=np.float64)
    geopotential = geopotential_altitude_m(np.minimum(z, _TOP_GEOMETRIC_M))
    temperature, pressure = _hydrostatic(geopotential)
    density = pressure / (_GAS_CONSTANT_J_PER_KG_K * temperature)
    above = z > _TOP_GEOMETRIC_M
    if np.any(above):
        decay = np.exp(-(np.maximum(z, _TOP_GEOMETRIC_M) - _TOP_GEOMETRIC_M) / _TOP_SCALE_HEIGHT_M)
        density = np.where(above, _TOP_DENSITY * decay, density)
        pressure = np.where(above, _TOP_P * decay, pressure)
    speed_of_sound = np.sqrt(_GAMMA * _GAS_CONSTANT_J_PER_KG_K * temperature)
    return AtmosphereSample(temperature, pressure, density, speed_of_sound)


@dataclass(frozen=True, slots=True)
class AtmosphereTable:
    """US76 sampled on a fine altitude grid for the dynamics' hot loop (one ``np.interp`` per quantity).

    Linear interpolation on a 50 m grid stays within 1e-5 of :func:`us76`; above ``top_m`` (150 km,
    where the exponential extension is down to 1.6e-10 kg/m³ and drags a hop by micrometres per
    second) the table is vacuum. ``AtmosphereTable.vacuum()`` switches the air off for closed-form tests.
    """

    altitude_m: FloatArray
    density_kg_per_m3: FloatArray
    pressure_pa: FloatArray
    speed_of_sound_mps: FloatArray
    top_m: float

    @classmethod
    def us76(cls, spacing_m: float = 50.0, top_m: float = 150_000.0) -> AtmosphereTable:
        grid = np.arange(-1_000.0, top_m + spacing_m / 2, spacing_m)
        # Grid points on the layer boundaries keep the temperature kinks out of the interpolation.
        kinks = geometric_altitude_m(np.append(_LAYER_BASE_GEOPOTENTIAL_M[1:], _TOP_GEOPOTENTIAL_M))
        altitude = np.unique(np.concatenate([grid, kinks]))
        sample = us76(altitude)
        return cls(altitude, sample.density_kg_per_m3, sample.pressure_pa, sample.speed_of_sound_mps, top_m)

    @classmethod
    def vacuum(cls) -> AtmosphereTable:
        altitude = np.array([-1_000.0, 0.0])
        zero = np.zeros(2)
        return cls(altitude, zero, zero.copy(), np.full(2, 340.0), -1_000.0)

    @property
    def is_vacuum(self) -> bool:
        return self.top_m <= float(self.altitude_m[0])

    def density(self, altitude_m: FloatArray) -> FloatArray:
        return np.interp(altitude_m, self.altitude_m, self.density_kg_per_m3, right=0.0)

    def pressure(self, altitude_m: FloatArray) -> FloatArray:
        return np.interp(altitude_m, self.altitude_m, self.pressure_pa, right=0.0)

    def speed_of_sound(self, altitude_m: FloatArray) -> FloatArray:
        return np.interp(altitude_m, self.altitude_m, self.speed_of_sound_mps)


@dataclass(frozen=True, slots=True)
class WindField:
    """Horizontal wind: a layered mean profile plus a seeded gust field, one realisation per vehicle.

    The profile is interpolated linearly between layers and held above the last one. Gusts are a
    sum of a few random-phase sinusoids in time and altitude (a smooth stand-in for Dryden
    turbulence that is a pure function of ``(t, altitude)``, so any step size sees the same air),
    with standard deviation ``gust_sigma_mps`` per axis at the surface, fading linearly to zero at
    ``gust_top_altitude_m``.
    """

    profile_altitude_m: FloatArray
    profile_north_mps: FloatArray
    profile_east_mps: FloatArray
    gust_sigma_mps: float
    gust_top_altitude_m: float
    gust_rate_radps: FloatArray  # (G, 1)
    gust_wavenumber_radpm: FloatArray  # (G, 1)
    gust_phase_north_rad: FloatArray  # (G, N)
    gust_phase_east_rad: FloatArray  # (G, N)

    @classmethod
    def calm(cls, vehicle_count: int) -> WindField:
        return cls.from_profile([0.0], [0.0], [0.0], 0.0, 1.0, vehicle_count, seed=0)

    @classmethod
    def from_profile(
        cls,
        altitude_m: ArrayLike,
        speed_mps: ArrayLike,
        direction_from_deg: ArrayLike,
        gust_sigma_mps: float,
        gust_top_altitude_m: float,
        vehicle_count: int,
        seed: int,
        gust_components: int = 4,
    ) -> WindField:
        """Build from layers given as speed and meteorological direction (where the wind comes from)."""
        altitude = np.asarray(altitude_m, dtype=np.float64)
        speed = np.asarray(speed_mps, dtype=np.float64)
        towards_rad = np.radians(np.asarray(direction_from_deg, dtype=np.float64) + 180.0)
        if altitude.ndim != 1 or altitude.shape != speed.shape or np.any(np.diff(altitude) <= 0):
            raise ValueError("wind profile altitudes must increase and match the speeds and directions")
        rng = np.random.default_rng(seed)
        g = gust_components
        # Periods from ~6 s to ~2 min and wavelengths from ~150 m to ~3 km cover what a rising
        # vehicle (a few hundred m/s) feels as 0.1-2 Hz buffeting.
        rate = np.exp(rng.uniform(np.log(0.05), np.log(1.0), g))[:, None]
        wavenumber = np.exp(rng.uniform(np.log(2 * np.pi / 3_000.0), np.log(2 * np.pi / 150.0), g))[:, None]
        phases = rng.uniform(0.0, 2 * np.pi, (2, g, vehicle_count))
        return cls(
            altitude,
            speed * np.cos(towards_rad),
            speed * np.sin(towards_rad),
            float(gust_sigma_mps),
            float(gust_top_altitude_m),
            rate,
            wavenumber,
            phases[0],
            phases[1],
        )

    @property
    def vehicle_count(self) -> int:
        return int(self.gust_phase_north_rad.shape[1])

    @property
    def calm_above_m(self) -> float:
        """Altitude above which there is no wind at all (``inf`` if the top layer blows)."""
        top_calm = self.profile_north_mps[-1] == 0.0 and self.profile_east_mps[-1] == 0.0
        if not top_calm:
            return math.inf
        gust_top = self.gust_top_altitude_m if self.gust_sigma_mps > 0 else -math.inf
        return max(float(self.profile_altitude_m[-1]), gust_top)

    def wind_ned_mps(self, time_s: FloatArray, altitude_m: FloatArray) -> tuple[FloatArray, FloatArray]:
        """North and east wind (m/s) for each vehicle at its time and altitude, arrays shaped (N,)."""
        north = np.interp(altitude_m, self.profile_altitude_m, self.profile_north_mps)
        east = np.interp(altitude_m, self.profile_altitude_m, self.profile_east_mps)
        if self.gust_sigma_mps > 0.0:
            fade = np.clip(1.0 - altitude_m / self.gust_top_altitude_m, 0.0, 1.0)
            if np.any(fade > 0.0):
                argument = self.gust_rate_radps * time_s + self.gust_wavenumber_radpm * altitude_m
                scale = self.gust_sigma_mps * math.sqrt(2.0 / self.gust_rate_radps.shape[0]) * fade
                north = north + scale * np.cos(argument + self.gust_phase_north_rad).sum(axis=0)
                east = east + scale * np.cos(argument + self.gust_phase_east_rad).sum(axis=0)
        return north, east
