"""The engine cluster: thrust and Isp against ambient pressure, throttle range, ignitions, transients.

Over one command tick the thrust fraction moves linearly towards its target (ignition ramp,
throttle slew, shutdown tail-off), so it is known in closed form: the integrator asks an
``EnginePlan`` for the fraction, its slope, the propellant used so far and the next kink, and
never integrates the engine numerically. Knows nothing of attitude, aerodynamics or the Earth.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics.config import EngineConfig, PropellantConfig
from firmware_sim.physics.earth import STANDARD_GRAVITY_MPS2

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_SEA_LEVEL_PRESSURE_PA = 101_325.0
#: Kinks closer ahead than this (s) are treated as reached (see ``EnginePlan.at``).
KNOT_TOLERANCE_S = 1e-9


class EngineMode(enum.IntEnum):
    OFF = 0
    STARTING = 1
    RUNNING = 2
    SHUTDOWN = 3


# Plain ints for array comparisons in per-tick code: enum attribute access costs microseconds.
_OFF, _STARTING, _RUNNING, _SHUTDOWN = (int(m) for m in EngineMode)


@dataclass(frozen=True, slots=True)
class EngineModel:
    """Cluster numbers per vehicle (arrays shaped (N,)), dispersions already applied."""

    config: EngineConfig
    thrust_vacuum_total_n: FloatArray
    exit_area_total_m2: FloatArray
    mass_flow_full_kg_per_s: FloatArray
    lox_share: float
    unusable_lox_kg: float
    unusable_ch4_kg: float

    @classmethod
    def build(
        cls,
        engine: EngineConfig,
        propellant: PropellantConfig,
        thrust_scale: FloatArray,
        isp_scale: FloatArray,
    ) -> EngineModel:
        # Thrust falls with ambient pressure by p * A_exit at constant mass flow, which is what the
        # sea-level and vacuum Isp pair pins down.
        exit_area_m2 = (
            engine.thrust_vacuum_n
            * (1.0 - engine.isp_sea_level_s / engine.isp_vacuum_s)
            / _SEA_LEVEL_PRESSURE_PA
        )
        thrust = engine.count * engine.thrust_vacuum_n * np.asarray(thrust_scale, dtype=np.float64)
        mass_flow = thrust / (
            engine.isp_vacuum_s * np.asarray(isp_scale, dtype=np.float64) * STANDARD_GRAVITY_MPS2
        )
        return cls(
            engine,
            thrust,
            np.full_like(thrust, engine.count * exit_area_m2),
            mass_flow,
            engine.mixture_ratio / (1.0 + engine.mixture_ratio),
            propellant.unusable_fraction * propellant.lox_mass_kg,
            propellant.unusable_fraction * propellant.ch4_mass_kg,
        )

    def thrust_n(
        self, fraction: FloatArray, lit_fraction: FloatArray, ambient_pressure_pa: FloatArray
    ) -> FloatArray:
        """Cluster thrust for a thrust fraction (of all engines at full throttle) and ambient pressure."""
        return np.maximum(
            fraction * self.thrust_vacuum_total_n
            - lit_fraction * ambient_pressure_pa * self.exit_area_total_m2,
            0.0,
        )

    def isp_s(self, ambient_pressure_pa: FloatArray) -> FloatArray:
        """Specific impulse of the full cluster at full throttle at an ambient pressure."""
        thrust = self.thrust_n(
            np.ones_like(self.thrust_vacuum_total_n),
            np.ones_like(self.thrust_vacuum_total_n),
            ambient_pressure_pa,
        )
        return thrust / (self.mass_flow_full_kg_per_s * STANDARD_GRAVITY_MPS2)

    def burn_integral_limit_s(self, lox_mass_kg: FloatArray, ch4_mass_kg: FloatArray) -> FloatArray:
        """Integral of thrust fraction over time (s) that empties the first usable tank."""
        lox = np.maximum(lox_mass_kg - self.unusable_lox_kg, 0.0) / (
            self.mass_flow_full_kg_per_s * self.lox_share
        )
        ch4 = np.maximum(ch4_mass_kg - self.unusable_ch4_kg, 0.0) / (
            self.mass_flow_full_kg_per_s * (1.0 - self.lox_share)
        )
        return np.minimum(lox, ch4)


@dataclass(frozen=True, slots=True)
class EngineTickStart:
    """The engine after this tick's commands are applied at its start."""

    mode: IntArray
    engines_lit: IntArray
    ignitions_used: IntArray
    ignited: BoolArray
    refused: BoolArray


@dataclass(frozen=True, slots=True)
class EnginePlan:
    """Thrust fraction over one tick: piecewise linear through four knots per vehicle, arrays (N, 4).

    Knots: start; end of the ramp towards the commanded level (or the cutoff, if earlier); the
    cutoff; end of the tail-off. Coincident knots collapse unused pieces. After the usable
    propellant runs out (``depletion_time_s``) the fraction is zero: the engine flames out.
    """

    knot_time_s: FloatArray
    knot_fraction: FloatArray
    slope_per_s: FloatArray
    knot_integral_s: FloatArray
    depletion_time_s: FloatArray
    burn_limit_s: FloatArray
    lit_fraction: FloatArray
    start_mode: IntArray
    target_time_s: FloatArray
    cutoff_time_s: FloatArray
    _rows: IntArray
    #: No knots at all (``_steady_plan``): every engine holds its fraction for the whole tick.
    steady: bool = False

    @property
    def any_thrust(self) -> bool:
        return bool(np.any(self.knot_fraction > 0.0))

    def at(self, tau_s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Fraction, slope (1/s), integral of fraction since tick start (s) and next kink time at tau.

        A knot within ``KNOT_TOLERANCE_S`` ahead counts as passed: time arithmetic can land a step
        an ulp short of the kink it was cut to, and a zero-length step must never be asked for.
        """
        if self.steady:
            return self._steady_at(tau_s)
        times = self.knot_time_s
        probe = tau_s + KNOT_TOLERANCE_S
        segment = (probe >= times[:, 1]).astype(np.int64) + (probe >= times[:, 2]) + (probe >= times[:, 3])
        rows = self._rows
        t_k = times[rows, segment]
        v_k = self.knot_fraction[rows, segment]
        s_k = self.slope_per_s[rows, segment]
        dt = tau_s - t_k
        fraction = v_k + s_k * dt
        integral = self.knot_integral_s[rows, segment] + dt * (v_k + 0.5 * s_k * dt)
        next_knot = np.where(segment < 3, times[rows, np.minimum(segment + 1, 3)], math.inf)
        depleted = probe >= self.depletion_time_s
        fraction = np.where(depleted, 0.0, fraction)
        slope = np.where(depleted, 0.0, s_k)
        integral = np.where(depleted, self.burn_limit_s, integral)
        next_kink = np.where(depleted, math.inf, np.minimum(next_knot, self.depletion_time_s))
        return fraction, slope, integral, next_kink

    def _steady_at(self, tau_s: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """``at`` for a steady plan, the common tick (a third of the numpy calls): every knot sits at 0,
        so each vehicle is in the last piece, of slope 0, with no knot ahead. The general formulas
        then reduce to these exactly; the ``+ 0.0`` keep their signed zeros."""
        fraction = self.knot_fraction[:, 3] + 0.0
        depleted = tau_s + KNOT_TOLERANCE_S >= self.depletion_time_s
        return (
            np.where(depleted, 0.0, fraction),
            np.zeros_like(tau_s),
            np.where(depleted, self.burn_limit_s, tau_s * fraction + 0.0),
            np.where(depleted, math.inf, self.depletion_time_s),
        )

    def end_mode(self, duration_s: float) -> IntArray:
        """Engine mode at the end of a tick of this length."""
        mode = self.start_mode.copy()
        t3 = self.knot_time_s[:, 3]
        reached = self.target_time_s <= np.minimum(duration_s, self.cutoff_time_s)
        mode = np.where((mode == _STARTING) & reached, _RUNNING, mode)
        mode = np.where(self.cutoff_time_s <= duration_s, _SHUTDOWN, mode)
        finished_shutdown = (mode == _SHUTDOWN) & (t3 <= duration_s)
        mode = np.where(finished_shutdown | (self.depletion_time_s <= duration_s), _OFF, mode)
        return np.asarray(mode, dtype=np.int64)

    def cutoff_event_time_s(self, duration_s: float) -> FloatArray:
        """When thrust ended inside this tick (tail-off over, or flame-out), NaN where it did not."""
        was_burning = self.start_mode != _OFF
        shutdown_end = np.where(
            (self.start_mode == _SHUTDOWN) | np.isfinite(self.cutoff_time_s),
            self.knot_time_s[:, 3],
            math.inf,
        )
        end = np.minimum(shutdown_end, self.depletion_time_s)
        return np.where(was_burning & (end <= duration_s), end, math.nan)


def apply_commands(
    model: EngineModel,
    mode: IntArray,
    engines_lit: IntArray,
    ignitions_used: IntArray,
    engines_failed: IntArray,
    burn_limit_s: FloatArray,
    commanded_engines_lit: IntArray,
) -> EngineTickStart:
    """Ignite, keep or shut down the cluster at the start of a tick.

    An ignition needs usable propellant and an ignition left; a relight request during the tail-off
    is ignored until the engine is off. Failed engines cannot be lit.
    """
    cfg = model.config
    available = np.maximum(cfg.count - engines_failed, 0)
    # np.minimum(np.maximum(...)) is np.clip without its Python-level wrapper (a per-tick cost).
    wanted = np.minimum(np.maximum(commanded_engines_lit, 0), available)
    off = mode == _OFF
    asks = off & (wanted > 0)
    ignited = asks & (burn_limit_s > 0.0) & (ignitions_used < cfg.max_ignitions)
    mode = np.where(ignited, _STARTING, mode)
    burning = (mode == _STARTING) | (mode == _RUNNING)
    stopping = burning & (wanted == 0)
    mode = np.where(stopping, _SHUTDOWN, mode)
    burning &= ~stopping
    lit = np.where(burning, wanted, np.where(mode == _SHUTDOWN, engines_lit, 0))
    return EngineTickStart(
        np.asarray(mode, dtype=np.int64),
        np.asarray(lit, dtype=np.int64),
        np.asarray(ignitions_used + ignited, dtype=np.int64),
        ignited,
        asks & ~ignited,
    )


def plan_tick(
    model: EngineModel,
    start: EngineTickStart,
    thrust_fraction: FloatArray,
    burn_limit_s: FloatArray,
    throttle: FloatArray,
    cutoff_in_s: FloatArray,
    thrust_factor: FloatArray | None = None,
) -> EnginePlan:
    """The thrust fraction over the tick from its start value, the commanded throttle and cutoff.

    ``thrust_factor`` (a fault: a low chamber pressure) scales what the lit engines deliver after
    the throttle's limits; the fraction moves to the new level at the throttle slew rate.
    """
    cfg = model.config
    mode = start.mode
    burning = (mode == _STARTING) | (mode == _RUNNING)
    lit_fraction = start.engines_lit / cfg.count
    delivered = np.minimum(np.maximum(throttle, cfg.min_throttle), 1.0) * lit_fraction
    if thrust_factor is not None:
        delivered = delivered * thrust_factor
    target = np.where(burning, delivered, 0.0)
    f0 = thrust_fraction
    delta = target - f0
    cutoff = np.where(burning, np.maximum(cutoff_in_s, 0.0), math.inf)
    if not (delta.any() or np.isfinite(cutoff).any()):
        # Every fraction at its target already: |delta| / rate is 0 (the config keeps rates > 0).
        return _steady_plan(f0, burn_limit_s, lit_fraction, mode, np.where(burning, 0.0, math.inf), cutoff)
    shutdown_rate = 1.0 / cfg.shutdown_ramp_s
    rate = np.where(
        mode == _SHUTDOWN,
        shutdown_rate,
        np.where((mode == _STARTING) & (target >= f0), 1.0 / cfg.ignition_ramp_s, cfg.throttle_slew_per_s),
    )
    target_time = np.abs(delta) / rate
    t1 = np.minimum(target_time, cutoff)
    v1 = f0 + np.sign(delta) * rate * t1
    has_cutoff = np.isfinite(cutoff)
    t2 = np.where(has_cutoff, cutoff, t1)
    t3 = np.where(has_cutoff, cutoff + v1 / shutdown_rate, t1)
    v3 = np.where(has_cutoff, 0.0, v1)
    times = np.stack([np.zeros_like(f0), t1, t2, t3], axis=1)
    values = np.stack([f0, v1, v1, v3], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        durations = np.diff(times, axis=1)
        slopes = np.where(durations > 0, np.diff(values, axis=1) / durations, 0.0)
    slopes = np.concatenate([slopes, np.zeros((f0.size, 1))], axis=1)
    pieces = 0.5 * (values[:, :-1] + values[:, 1:]) * durations
    integrals = np.concatenate([np.zeros((f0.size, 1)), np.cumsum(pieces, axis=1)], axis=1)
    depletion = _depletion_time(times, values, slopes, integrals, burn_limit_s)
    return EnginePlan(
        times,
        values,
        slopes,
        integrals,
        depletion,
        burn_limit_s,
        lit_fraction,
        mode,
        np.where(burning, target_time, math.inf),
        cutoff,
        np.arange(f0.size),
    )


def _steady_plan(
    fraction: FloatArray,
    burn_limit_s: FloatArray,
    lit_fraction: FloatArray,
    mode: IntArray,
    target_time: FloatArray,
    cutoff: FloatArray,
) -> EnginePlan:
    """The common tick where every engine already sits at its commanded level: no knots at all."""
    n = fraction.size
    zeros = np.zeros((n, 4))
    with np.errstate(divide="ignore"):
        depletion = np.where(fraction > 0.0, burn_limit_s / np.where(fraction > 0.0, fraction, 1.0), math.inf)
    depletion = np.where(burn_limit_s <= 0.0, 0.0, depletion)
    return EnginePlan(
        zeros,
        np.repeat(fraction[:, None], 4, axis=1),
        zeros,
        zeros,
        depletion,
        burn_limit_s,
        lit_fraction,
        mode,
        target_time,
        cutoff,
        np.arange(n),
        steady=True,
    )


def _depletion_time(
    times: FloatArray, values: FloatArray, slopes: FloatArray, integrals: FloatArray, limit: FloatArray
) -> FloatArray:
    """First time the integral of the fraction reaches ``limit`` (inf if never in this plan)."""
    upper = np.concatenate([integrals[:, 1:], np.full((limit.size, 1), math.inf)], axis=1)
    lim = limit[:, None]
    inside = (integrals <= lim) & (lim < upper) & ((values > 0) | (slopes > 0))
    remaining = lim - integrals
    with np.errstate(invalid="ignore", divide="ignore"):
        # Root of v*d + s*d²/2 = remaining, in the form that stays accurate as s -> 0.
        root = 2.0 * remaining / (values + np.sqrt(np.maximum(values**2 + 2.0 * slopes * remaining, 0.0)))
    candidate = np.where(inside, times + root, math.inf)
    first = np.min(candidate, axis=1)
    # Nothing usable left at the start: the engine cannot produce thrust at all.
    return np.where(limit <= 0.0, 0.0, first)
