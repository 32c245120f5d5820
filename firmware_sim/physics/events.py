"""Flight events (ignition, liftoff, MECO, apogee, entry interface, touchdown, splashdown) and the
step interpolation and root finding the integrator uses to place them inside a step.

Knows nothing of the dynamics: it interpolates positions, velocities and accelerations it is given.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics.platform import TouchdownReport

FloatArray = NDArray[np.float64]


class EventKind(enum.Enum):
    IGNITION = "ignition"
    IGNITION_REFUSED = "ignition_refused"  # no ignitions or no usable propellant left
    LIFTOFF = "liftoff"
    MECO = "meco"  # thrust has ended: tail-off over, or flame-out
    PROPELLANT_DEPLETION = "propellant_depletion"
    APOGEE = "apogee"
    ENTRY_INTERFACE = "entry_interface"
    TOUCHDOWN = "touchdown"
    SPLASHDOWN = "splashdown"


@dataclass(frozen=True, slots=True)
class Event:
    """One event of one vehicle (index into the fleet) at a time within the tick that saw it."""

    kind: EventKind
    vehicle: int
    time_s: float
    position_ecef_m: tuple[float, float, float] | None = None
    touchdown: TouchdownReport | None = None


@dataclass(frozen=True, slots=True)
class StepInterpolant:
    """Cubic Hermite interpolation of one step from both ends' positions and velocities.

    Arrays are rows (3, N) for N vehicles with steps ``h`` (N,). Fourth-order accurate like RK4
    itself, and needs nothing the step did not already compute: for a 20 s coast step the
    position is good to millimetres, inside the atmosphere to far less.
    """

    h: FloatArray
    p0: FloatArray
    v0: FloatArray
    p1: FloatArray
    v1: FloatArray

    def subset(self, index: NDArray[np.int64]) -> StepInterpolant:
        return StepInterpolant(
            self.h[index], self.p0[:, index], self.v0[:, index], self.p1[:, index], self.v1[:, index]
        )

    def position(self, s: FloatArray) -> FloatArray:
        """Positions at step fractions s (N,)."""
        s2 = s * s
        s3 = s2 * s
        h = self.h
        return np.asarray(
            self.p0 * (2 * s3 - 3 * s2 + 1)
            + self.v0 * (h * (s3 - 2 * s2 + s))
            + self.p1 * (3 * s2 - 2 * s3)
            + self.v1 * (h * (s3 - s2)),
            dtype=np.float64,
        )

    def velocity(self, s: FloatArray) -> FloatArray:
        """Velocities at step fractions s (N,): the derivative of ``position``."""
        s2 = s * s
        h = self.h
        return np.asarray(
            (self.p0 - self.p1) * ((6 * s2 - 6 * s) / h)
            + self.v0 * (3 * s2 - 4 * s + 1)
            + self.v1 * (3 * s2 - 2 * s),
            dtype=np.float64,
        )


def find_crossing(
    g: Callable[[FloatArray], FloatArray], count: int, tolerance: float = 1e-12, max_iterations: int = 60
) -> FloatArray:
    """Fractions s in [0, 1] where ``g`` (vectorised over ``count`` items) goes from > 0 to <= 0.

    ``g(1) <= 0`` is assumed for every item; where ``g(0) <= 0`` already, the answer is 0. Regula
    falsi with the Illinois correction keeps the bracket (so it cannot wander off like a secant)
    yet converges in a handful of evaluations on the near-linear functions met here; the result
    is the end with ``g <= 0``.
    """
    low = np.zeros(count)
    g_low = g(low)
    # Already at or past the crossing at the start of the step: the answer is the start.
    high = np.where(g_low > 0.0, 1.0, 0.0)
    g_high = g(np.ones(count))
    last = np.zeros(count)  # -1: the high end moved last time, +1: the low end did
    for _ in range(max_iterations):
        if np.all(high - low < tolerance):
            break
        # g_low > 0 >= g_high keeps the denominator negative and s inside the bracket; closed
        # brackets just stay where they are.
        denominator = np.where(high > low, g_high - g_low, -1.0)
        # np.clip without its Python-level wrapper: this loop runs at every step near a deck.
        s = np.minimum(np.maximum((low * g_high - high * g_low) / denominator, low), high)
        value = g(s)
        below = value <= 0.0
        moved_high_twice = below & (last < 0)
        moved_low_twice = ~below & (last > 0)
        high = np.where(below, s, high)
        g_high = np.where(below, value, g_high)
        # A guess right on the root closes the bracket (regula falsi would stall on it otherwise).
        low = np.where(below & (value < 0.0), low, s)
        g_low = np.where(below, g_low, value)
        # Illinois: when one end moves twice running, halve the other end's value so it moves next.
        g_low = np.where(moved_high_twice, 0.5 * g_low, g_low)
        g_high = np.where(moved_low_twice, 0.5 * g_high, g_high)
        last = np.where(below, -1.0, 1.0)
    return high
