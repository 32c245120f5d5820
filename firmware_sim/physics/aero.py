"""Aerodynamic coefficients and the heating proxy: drag against Mach, normal force, Sutton-Graves.

The configured drag table is joined by a monotone cubic (Fritsch-Carlson PCHIP), not straight
lines: a kinked curve at Mach 1 costs a fixed-step integrator its order exactly where dynamic
pressure peaks. Knows nothing of vehicles, frames or the atmosphere model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

#: Sutton-Graves constant for Earth air, SI units (W/m² with density in kg/m³, speeds in m/s).
SUTTON_GRAVES_CONSTANT = 1.7415e-4


def pchip(x_knots: ArrayLike, y_knots: ArrayLike, x: ArrayLike) -> FloatArray:
    """Monotone piecewise-cubic Hermite interpolation (Fritsch-Carlson), held flat beyond the ends."""
    xk = np.asarray(x_knots, dtype=np.float64)
    yk = np.asarray(y_knots, dtype=np.float64)
    xq = np.clip(np.asarray(x, dtype=np.float64), xk[0], xk[-1])
    h = np.diff(xk)
    delta = np.diff(yk) / h
    slopes = np.zeros_like(yk)
    # Interior slopes: weighted harmonic mean where the secants agree in sign, zero at extrema.
    same_sign = delta[:-1] * delta[1:] > 0
    w1 = 2 * h[1:] + h[:-1]
    w2 = h[1:] + 2 * h[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:])
    slopes[1:-1] = np.where(same_sign, harmonic, 0.0)
    # The ends stay flat, which also makes the curve's continuation beyond them smooth.
    i = np.clip(np.searchsorted(xk, xq, side="right") - 1, 0, len(h) - 1)
    t = (xq - xk[i]) / h[i]
    t2, t3 = t * t, t * t * t
    return np.asarray(
        yk[i] * (2 * t3 - 3 * t2 + 1)
        + h[i] * slopes[i] * (t3 - 2 * t2 + t)
        + yk[i + 1] * (-2 * t3 + 3 * t2)
        + h[i] * slopes[i + 1] * (t3 - t2),
        dtype=np.float64,
    )


@dataclass(frozen=True, slots=True)
class DragCurve:
    """Axial drag coefficient against Mach: the monotone cubic through the configured points,
    sampled every 0.005 Mach so that the hot loop needs one ``np.interp``."""

    mach: FloatArray
    drag_coefficient: FloatArray

    @classmethod
    def through(cls, mach: ArrayLike, drag_coefficient: ArrayLike, spacing: float = 0.005) -> DragCurve:
        knots = np.asarray(mach, dtype=np.float64)
        grid = np.arange(knots[0], knots[-1] + spacing / 2, spacing)
        return cls(grid, pchip(knots, drag_coefficient, grid))

    def __call__(self, mach: FloatArray) -> FloatArray:
        return np.interp(mach, self.mach, self.drag_coefficient)


def sutton_graves_heat_flux_w_per_m2(
    density_kg_per_m3: ArrayLike, speed_mps: ArrayLike, nose_radius_m: float
) -> FloatArray:
    """Stagnation-point convective heat flux, a proxy for heating loads (not a thermal model)."""
    rho = np.asarray(density_kg_per_m3, dtype=np.float64)
    v = np.asarray(speed_mps, dtype=np.float64)
    return np.asarray(SUTTON_GRAVES_CONSTANT * np.sqrt(rho / nose_radius_m) * v**3, dtype=np.float64)
