"""The 1976 US Standard Atmosphere (to 86 km, an exponential tail above): density, temperature, speed
of sound, and the dynamic pressure and Mach number of a speed through it.

For displays that must show dynamic pressure and Mach when the vehicle does not send them: the
speed used is the Earth-relative one (no wind), so the values are estimates, named as such where
they are shown. Knows nothing of where the altitude and speed come from.
"""

from __future__ import annotations

import math

_G0_MPS2 = 9.80665
_R_JPKGK = 287.053
_GAMMA = 1.4
# Geopotential base height (m), base temperature (K), lapse rate (K/m) and base pressure (Pa).
_LAYERS = (
    (0.0, 288.15, -0.0065, 101_325.0),
    (11_000.0, 216.65, 0.0, 22_632.06),
    (20_000.0, 216.65, 0.001, 5_474.889),
    (32_000.0, 228.65, 0.0028, 868.0187),
    (47_000.0, 270.65, 0.0, 110.9063),
    (51_000.0, 270.65, -0.0028, 66.93887),
    (71_000.0, 214.65, -0.002, 3.956420),
)
_TOP_M = 84_852.0  # geopotential top of the 1976 model's lower part (86 km geometric)
_EARTH_RADIUS_M = 6_356_766.0
_TAIL_SCALE_HEIGHT_M = 6_000.0


def _geopotential_m(altitude_m: float) -> float:
    return _EARTH_RADIUS_M * altitude_m / (_EARTH_RADIUS_M + altitude_m)


def _state(altitude_m: float) -> tuple[float, float]:
    """(temperature K, pressure Pa) at geometric ``altitude_m`` (clamped below 0 m)."""
    h = _geopotential_m(max(0.0, altitude_m))
    if h > _TOP_M:
        t_top, p_top = _state_below(_TOP_M)
        return t_top, p_top * math.exp(-(h - _TOP_M) / _TAIL_SCALE_HEIGHT_M)
    return _state_below(h)


def _state_below(h: float) -> tuple[float, float]:
    base_h, base_t, lapse, base_p = next(layer for layer in reversed(_LAYERS) if h >= layer[0])
    t = base_t + lapse * (h - base_h)
    if lapse == 0.0:
        p = base_p * math.exp(-_G0_MPS2 * (h - base_h) / (_R_JPKGK * base_t))
    else:
        p = base_p * (t / base_t) ** (-_G0_MPS2 / (lapse * _R_JPKGK))
    return t, p


def density_kgpm3(altitude_m: float) -> float:
    t, p = _state(altitude_m)
    return p / (_R_JPKGK * t)


def speed_of_sound_mps(altitude_m: float) -> float:
    t, _ = _state(altitude_m)
    return math.sqrt(_GAMMA * _R_JPKGK * t)


def dynamic_pressure_pa(altitude_m: float, speed_mps: float) -> float:
    """q = ½ ρ v², with the standard density at ``altitude_m``."""
    return 0.5 * density_kgpm3(altitude_m) * speed_mps * speed_mps


def mach(altitude_m: float, speed_mps: float) -> float:
    return speed_mps / speed_of_sound_mps(altitude_m)
