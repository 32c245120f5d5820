"""Time stepping: fixed-step RK4 over a command tick, a long-step coast above the air, events inside steps.

``Integrator.advance(state, commands, duration_s)`` holds the commands for the whole call (one
flight-computer tick, or a long coast). Inside it:

* the engine plan and the attitude cycles are known in closed form (engine.py, attitude.py), so
  only position, velocity and heat load are integrated;
* RK4 sub-steps are ``step_s`` long but end exactly on every engine kink (ramp ends, cutoff,
  flame-out) and attitude-cycle boundary, which keeps the scheme fourth order where the thrust
  has corners;
* when every flying vehicle is above ``coast_floor_altitude_m`` with no thrust, steps grow to
  ``coast_step_s`` (translation no longer depends on attitude there);
* apogee, entry interface, touchdown and splashdown are placed inside the step by regula falsi
  on a cubic Hermite interpolant of the step; landed and splashed vehicles are frozen there;
* a tick in which every vehicle waits on its pad (engines off and none asked to light, clamps
  held) only moves the time on: held vehicles take no step, so it is not integrated at all.

Knows nothing of guidance or of how ticks are chosen.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics import attitude as att
from firmware_sim.physics.config import IntegrationConfig
from firmware_sim.physics.dynamics import (
    Constants,
    OneVehicle,
    Segment,
    SegmentOne,
    Vector3,
    derivative,
    derivative_one,
    turned,
    turned_one,
)
from firmware_sim.physics.engine import EngineMode, EnginePlan, apply_commands, plan_tick
from firmware_sim.physics.events import Event, EventKind, StepInterpolant, find_crossing
from firmware_sim.physics.platform import Deck
from firmware_sim.physics.vehicle import (
    Commands,
    VehicleModel,
    VehicleState,
    VehicleStatus,
    gimbal_direction_body,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_FLYING = int(VehicleStatus.FLYING)
_ENGINE_OFF = int(EngineMode.OFF)
_ON_PAD = int(VehicleStatus.ON_PAD)
# Steps shorter than this (s) left over by floating-point time arithmetic are merged into the last one.
_TIME_EPSILON_S = 1e-9
# No gravity anywhere on a trajectory is stronger (m/s²): time-to-floor estimates never run long.
_GRAVITY_BOUND_MPS2 = 9.9


@dataclass(frozen=True, slots=True)
class StepResult:
    state: VehicleState
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class _OneCycle:
    """A one-vehicle cycle's vectors as floats, for ``turned_one`` (the SITL runner flies one vehicle)."""

    body_axis: Vector3
    thrust_axis: Vector3
    rate: Vector3
    accel: Vector3


@dataclass(frozen=True, slots=True)
class _Cycle:
    """One attitude-control cycle: the closed-form attitude motion from its start (rows (3, N))."""

    start_s: float  # from the start of the advance
    length_s: float
    body_axis: FloatArray
    thrust_axis: FloatArray
    rate: FloatArray
    accel: FloatArray
    rotating: bool
    gimbaled: bool
    one: _OneCycle | None = None  # set for a one-vehicle fleet

    def stage_axes(self, tau: FloatArray, h: FloatArray) -> tuple[tuple[FloatArray, FloatArray], ...]:
        """(body, thrust) axes at cycle times tau, tau + h/2 and tau + h: the RK4 stage times."""
        if not self.rotating:
            fixed = (self.body_axis, self.thrust_axis)
            return fixed, fixed, fixed
        if self.one is not None:
            return self._stage_axes_one(self.one, float(tau[0]), float(h[0]))
        times = np.stack([tau, tau + 0.5 * h, tau + h])
        if self.gimbaled:
            body, thrust = turned([self.body_axis, self.thrust_axis], self.rate, self.accel, times)
        else:
            (body,) = turned([self.body_axis], self.rate, self.accel, times)
            thrust = body
        return (body[:, 0], thrust[:, 0]), (body[:, 1], thrust[:, 1]), (body[:, 2], thrust[:, 2])

    def _stage_axes_one(
        self, one: _OneCycle, tau: float, h: float
    ) -> tuple[tuple[FloatArray, FloatArray], ...]:
        """``stage_axes`` of one vehicle: the same numbers from floats, columns (3, 1) of one array."""
        vectors = [one.body_axis, one.thrust_axis] if self.gimbaled else [one.body_axis]
        stages = [turned_one(vectors, one.rate, one.accel, t) for t in (tau, tau + 0.5 * h, tau + h)]
        body = np.array([stage[0] for stage in stages]).T
        thrust = np.array([stage[1] for stage in stages]).T if self.gimbaled else body
        return (body[:, 0:1], thrust[:, 0:1]), (body[:, 1:2], thrust[:, 1:2]), (body[:, 2:3], thrust[:, 2:3])

    def body_axis_at(self, tau_s: FloatArray, index: IntArray) -> FloatArray:
        """Body x axes (3, len(index)) at cycle times ``tau_s`` of the vehicles at ``index``."""
        if not self.rotating:
            return np.asarray(self.body_axis[:, index], dtype=np.float64)
        if self.one is not None:  # index is [0]: the fleet's one vehicle
            (axis_one,) = turned_one([self.one.body_axis], self.one.rate, self.one.accel, float(tau_s[0]))
            return np.array(axis_one).reshape(3, 1)
        (axis,) = turned(
            [self.body_axis[:, index]], self.rate[:, index], self.accel[:, index], tau_s[None, :]
        )
        return np.asarray(axis[:, 0], dtype=np.float64)

    def rate_at(self, tau_s: FloatArray, index: IntArray) -> FloatArray:
        return np.asarray(self.rate[:, index] + self.accel[:, index] * tau_s, dtype=np.float64)

    def frozen(self) -> _Cycle:
        """This cycle's starting attitude held still: what long coast steps use for contact geometry."""
        return dataclasses.replace(self, rotating=False)


@dataclass(slots=True)
class _Run:
    """Working arrays of one ``advance`` call (mutated in place, never escapes it)."""

    t0_s: float
    y: FloatArray  # rows x, y, z, vx, vy, vz, heat (7, N)
    status: IntArray
    altitude_m: FloatArray
    radial_speed_sign: FloatArray  # r · v, whose sign change is apogee
    release: BoolArray
    base_mass_kg: FloatArray  # mass at the start of the advance
    plan: EnginePlan
    events: list[Event] = field(default_factory=list)


class Integrator:
    """Advances a fleet of vehicles of one model over ticks; stateless between calls."""

    def __init__(
        self, model: VehicleModel, settings: IntegrationConfig | None = None, decks: Sequence[Deck] = ()
    ) -> None:
        self.model = model
        self.settings = settings or model.config.integration
        self.decks = tuple(decks)
        self._c = Constants.of(model)
        self._coast_enabled = self.settings.coast_step_s > self.settings.step_s
        self._cg_height_m = model.config.structure.cg_height_above_base_m
        self._length_m = model.config.structure.length_m
        top = max((deck.highest_point_m for deck in self.decks), default=0.0)
        # Below this (CG) altitude some part of the vehicle may reach a deck or the sea.
        self._screen_altitude_m = top + self._length_m + 10.0
        self._zero = np.zeros(model.count)
        # Asked at every step: worked out once (``calm_above_m`` is a computed property).
        self._has_air = not model.atmosphere.is_vacuum
        self._air_top_m = model.atmosphere.top_m
        self._calm_above_m = model.wind.calm_above_m

    def advance(self, state: VehicleState, commands: Commands, duration_s: float) -> StepResult:
        """Hold ``commands`` for ``duration_s`` seconds and return the new state and the events seen.

        Raises:
            ValueError: for a non-positive duration or arrays sized for another fleet.
        """
        if not duration_s > 0:
            raise ValueError(f"duration_s must be > 0, got {duration_s}")
        n = self.model.count
        if state.count != n or commands.throttle.shape != (n,):
            raise ValueError(
                f"state has {state.count} and commands {commands.throttle.shape} vehicles; model has {n}"
            )
        if _waiting_on_pad(state, commands):
            return StepResult(_waited(state, duration_s), ())
        model = self.model
        engine = model.engine
        burn_limit = engine.burn_integral_limit_s(state.lox_mass_kg, state.ch4_mass_kg)
        start = apply_commands(
            engine,
            state.engine_mode,
            state.engines_lit,
            state.ignitions_used,
            state.engines_failed,
            burn_limit,
            commands.engines_lit,
        )
        plan = plan_tick(
            engine,
            start,
            state.thrust_fraction,
            burn_limit,
            commands.throttle,
            commands.cutoff_in_s,
            commands.thrust_factor,
        )
        events = [Event(EventKind.IGNITION, int(i), state.time_s) for i in np.flatnonzero(start.ignited)]
        events += [
            Event(EventKind.IGNITION_REFUSED, int(i), state.time_s) for i in np.flatnonzero(start.refused)
        ]

        cycles, attitude, rate = self._attitude_cycles(state, commands, duration_s)
        y = np.empty((7, n))
        y[0:3] = state.position_ecef_m.T
        y[3:6] = state.velocity_ecef_mps.T
        y[6] = state.heat_load_j_per_m2
        run = _Run(
            state.time_s,
            y,
            state.status.copy(),
            self._height(y[0:3]),
            (y[0:3] * y[3:6]).sum(axis=0),
            np.asarray(commands.release_clamps, dtype=np.bool_),
            state.mass_kg,
            plan,
            events,
        )
        self._translate(run, cycles, duration_s)

        fraction, _, burned, _ = plan.at(np.full(n, duration_s))
        mode = plan.end_mode(duration_s)
        used = engine.mass_flow_full_kg_per_s * burned
        cutoff = plan.cutoff_event_time_s(duration_s)
        for i in np.flatnonzero(~np.isnan(cutoff)):
            t = state.time_s + float(cutoff[i])
            run.events.append(Event(EventKind.MECO, int(i), t))
            if plan.depletion_time_s[i] <= cutoff[i]:
                run.events.append(Event(EventKind.PROPELLANT_DEPLETION, int(i), t))
        new_state = VehicleState(
            time_s=state.time_s + duration_s,
            status=run.status,
            position_ecef_m=np.ascontiguousarray(run.y[0:3].T),
            velocity_ecef_mps=np.ascontiguousarray(run.y[3:6].T),
            attitude_ecef_from_body=attitude,
            body_rate_ecef_radps=rate,
            lox_mass_kg=np.maximum(state.lox_mass_kg - used * engine.lox_share, 0.0),
            ch4_mass_kg=np.maximum(state.ch4_mass_kg - used * (1.0 - engine.lox_share), 0.0),
            inert_mass_kg=state.inert_mass_kg,
            thrust_fraction=fraction,
            engine_mode=mode,
            engines_lit=np.where(mode == _ENGINE_OFF, 0, start.engines_lit),
            engines_failed=state.engines_failed,
            ignitions_used=start.ignitions_used,
            heat_load_j_per_m2=run.y[6].copy(),
        )
        return StepResult(new_state, tuple(sorted(run.events, key=lambda e: e.time_s)))

    # --- attitude ------------------------------------------------------------------------------

    def _attitude_cycles(
        self, state: VehicleState, commands: Commands, duration_s: float
    ) -> tuple[list[_Cycle], FloatArray, FloatArray]:
        """Autopilot cycles over the call; once everything has settled, one static cycle to the end."""
        model = self.model
        limits = model.attitude_limits
        q = state.attitude_ecef_from_body.copy()
        rate = state.body_rate_ecef_radps.copy()
        commanded = att.quat_normalize(commands.attitude_ecef_from_body)
        held = state.status != _FLYING  # on the pad or at rest: the attitude does not move
        gimbal = gimbal_direction_body(commands.gimbal_deg, model.config.engine.gimbal_limit_deg)
        gimbaled = bool((gimbal[:, 0] < 1.0).any())
        count = max(1, math.ceil(duration_s / self.settings.max_control_cycle_s - _TIME_EPSILON_S))
        length = duration_s / count
        cycles: list[_Cycle] = []
        for k in range(count):
            error = att.attitude_error(q, commanded)
            calm = held | att.settled(error, rate)
            snap = calm & ~held
            q = np.where(snap[:, None], commanded, q)
            rate = np.where(calm[:, None], 0.0, rate)
            if calm.all():
                cycles.append(
                    self._cycle(k * length, duration_s - k * length, q, rate, rate, gimbal, gimbaled, False)
                )
                break
            accel = np.where(calm[:, None], 0.0, att.autopilot_acceleration(error, rate, length, limits))
            cycles.append(self._cycle(k * length, length, q, rate, accel, gimbal, gimbaled, True))
            q, rate = att.propagate(q, rate, accel, length)
        return cycles, q, rate

    @staticmethod
    def _cycle(
        start_s: float,
        length_s: float,
        q: FloatArray,
        rate: FloatArray,
        accel: FloatArray,
        gimbal_body: FloatArray,
        gimbaled: bool,
        rotating: bool,
    ) -> _Cycle:
        if q.shape[0] == 1:
            return _cycle_one(start_s, length_s, q, rate, accel, gimbal_body, gimbaled, rotating)
        body_axis = np.ascontiguousarray(att.body_x_axis(q).T)
        thrust_axis = np.einsum("nij,nj->in", att.rotation_matrix(q), gimbal_body) if gimbaled else body_axis
        return _Cycle(
            start_s,
            length_s,
            body_axis,
            thrust_axis,
            np.ascontiguousarray(rate.T),
            np.ascontiguousarray(accel.T),
            rotating,
            gimbaled,
        )

    # --- translation ---------------------------------------------------------------------------

    def _translate(self, run: _Run, cycles: list[_Cycle], duration_s: float) -> None:
        """Long coast steps where allowed, otherwise dense steps cycle by cycle, to the end of the call."""
        starts = [cycle.start_s for cycle in cycles]
        t = 0.0
        while duration_s - t > _TIME_EPSILON_S:
            if self._coast_enabled and self._thrust_free(run):
                t = self._coast(run, cycles, starts, t, duration_s)
                if duration_s - t <= _TIME_EPSILON_S:
                    return
            cycle = cycles[bisect.bisect_right(starts, t + _TIME_EPSILON_S) - 1]
            self._dense(run, cycle, t - cycle.start_s)
            t = cycle.start_s + cycle.length_s

    @staticmethod
    def _thrust_free(run: _Run) -> bool:
        active = run.status <= _FLYING
        return not bool((active[:, None] & (run.plan.knot_fraction > 0.0)).any())

    def _segment(
        self,
        run: _Run,
        time_s: FloatArray,
        fraction: FloatArray,
        slope: FloatArray,
        burned: FloatArray,
        thrusting: bool,
        lift_allowed: bool,
    ) -> Segment:
        model = self.model
        aero = self._has_air and bool(((run.status <= _FLYING) & (run.altitude_m < self._air_top_m)).any())
        windy = aero and bool(((run.status == _FLYING) & (run.altitude_m < self._calm_above_m)).any())
        engine = model.engine
        return Segment(
            time_s=time_s,
            fraction=fraction,
            fraction_slope=slope,
            mass_kg=run.base_mass_kg - engine.mass_flow_full_kg_per_s * burned,
            mass_flow_full_kg_per_s=engine.mass_flow_full_kg_per_s,
            thrust_vacuum_n=engine.thrust_vacuum_total_n,
            back_pressure_area_m2=run.plan.lit_fraction * engine.exit_area_total_m2,
            drag_scale=model.drag_scale,
            thrusting=thrusting,
            aero=aero,
            windy=windy,
            lift=aero and lift_allowed and self._c.normal_force_slope > 0.0,
        )

    def _rk4(
        self, seg: Segment, y: FloatArray, h: FloatArray, axes: tuple[tuple[FloatArray, FloatArray], ...]
    ) -> FloatArray:
        """One classical RK4 step of per-vehicle length h."""
        model, c = self.model, self._c
        if c.one is not None:
            return _rk4_one(c, c.one, seg, y, float(h[0]), axes)
        half = 0.5 * h
        k1 = derivative(model, c, seg, self._zero, y, *axes[0])
        k2 = derivative(model, c, seg, half, y + half * k1, *axes[1])
        k3 = derivative(model, c, seg, half, y + half * k2, *axes[1])
        k4 = derivative(model, c, seg, h, y + h * k3, *axes[2])
        return np.asarray(y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4), dtype=np.float64)

    def _coast(
        self, run: _Run, cycles: list[_Cycle], starts: list[float], start_s: float, end_s: float
    ) -> float:
        """Long steps while nothing thrusts and everything flies above the coast floor.

        Returns the time reached: the end, or where a vehicle sank below the floor. A step never
        runs past the soonest time any vehicle could fall to the floor, so no long step ends deep in
        the air. Attitude does not enter: there is no thrust, and lift is negligible this high.
        """
        floor = self.settings.coast_floor_altitude_m
        n = run.y.shape[1]
        fraction, slope, burned, _ = run.plan.at(np.full(n, start_s))
        zero = self._zero
        t = start_s
        while end_s - t > _TIME_EPSILON_S:
            flying = run.status == _FLYING
            height = run.altitude_m[flying] - floor
            if (height < 0.0).any():
                return t
            step = min(self.settings.coast_step_s, end_s - t)
            if height.size:
                y = run.y[:, flying]
                up = (y[0:3] * y[3:6]).sum(axis=0) / np.sqrt((y[0:3] * y[0:3]).sum(axis=0))
                fall_s = (up + np.sqrt(up * up + 2.0 * _GRAVITY_BOUND_MPS2 * height)) / _GRAVITY_BOUND_MPS2
                step = min(step, max(float(fall_s.min()), self.settings.step_s))
            cycle = cycles[bisect.bisect_right(starts, t + _TIME_EPSILON_S) - 1].frozen()
            fixed = (cycle.body_axis, cycle.thrust_axis)
            seg = self._segment(run, run.t0_s + t + zero, fraction, slope, burned, False, lift_allowed=False)
            y1 = self._rk4(seg, run.y, np.where(flying, step, 0.0), (fixed, fixed, fixed))
            self._check_events(run, cycle, seg, zero, np.where(flying, step, 0.0), y1)
            t = end_s if end_s - (t + step) <= _TIME_EPSILON_S else t + step
        return end_s

    def _dense(self, run: _Run, cycle: _Cycle, tau_start: float) -> None:
        """RK4 steps of ``step_s`` through the rest of the cycle, ending on every engine kink."""
        n = run.y.shape[1]
        length = cycle.length_s
        step = self.settings.step_s
        tau = np.full(n, tau_start)
        plan = run.plan
        while True:
            stepping = (run.status <= _FLYING) & (tau < length)
            if not stepping.any():
                return
            fraction, slope, burned, kink = plan.at(cycle.start_s + tau)
            end = np.minimum(np.minimum(tau + step, kink - cycle.start_s), length)
            end = np.where(length - end < _TIME_EPSILON_S, length, end)
            thrusting = bool((stepping & ((fraction > 0.0) | (slope > 0.0))).any())
            time = run.t0_s + cycle.start_s + tau
            seg = self._segment(run, time, fraction, slope, burned, thrusting, lift_allowed=True)
            axes = cycle.stage_axes(tau, end - tau)
            on_pad = stepping & (run.status == _ON_PAD)
            if on_pad.any():
                k1 = derivative(self.model, self._c, seg, self._zero, run.y, *axes[0])
                self._liftoff(run, seg, k1, on_pad & run.release)
            h = np.where(stepping & (run.status == _FLYING), end - tau, 0.0)
            y1 = self._rk4(seg, run.y, h, axes)
            self._check_events(run, cycle, seg, tau, h, y1)
            tau = np.where(stepping, end, tau)

    def _liftoff(self, run: _Run, seg: Segment, k1: FloatArray, released: BoolArray) -> None:
        # Upward net acceleration (thrust beats weight and the pad's hold) releases the vehicle.
        upward = np.sum(k1[3:6] * run.y[0:3], axis=0) > 0.0
        for i in np.flatnonzero(released & upward):
            run.status[i] = _FLYING
            run.events.append(Event(EventKind.LIFTOFF, int(i), float(seg.time_s[i]), _point(run.y[0:3, i])))

    # --- events ----------------------------------------------------------------------------------

    def _check_events(
        self,
        run: _Run,
        cycle: _Cycle,
        seg: Segment,
        tau: FloatArray,
        h: FloatArray,
        y1: FloatArray,
    ) -> None:
        """Accept the step ``run.y -> y1`` after placing any event that happened inside it."""
        moved = h > 0.0
        altitude = self._height(y1[0:3])
        radial = (y1[0:3] * y1[3:6]).sum(axis=0)
        apogee = moved & (run.radial_speed_sign > 0.0) & (radial <= 0.0)
        interface = self.settings.entry_interface_altitude_m
        entry = moved & (run.altitude_m > interface) & (altitude <= interface)
        low = moved & (altitude < self._screen_altitude_m)
        if apogee.any() or entry.any() or low.any():
            self._locate(run, cycle, seg, tau, h, y1, apogee, entry, low)
            altitude = self._height(y1[0:3])
            radial = (y1[0:3] * y1[3:6]).sum(axis=0)
        run.y = y1
        run.altitude_m = altitude
        run.radial_speed_sign = radial

    def _locate(
        self,
        run: _Run,
        cycle: _Cycle,
        seg: Segment,
        tau: FloatArray,
        h: FloatArray,
        y1: FloatArray,
        apogee: BoolArray,
        entry: BoolArray,
        low: BoolArray,
    ) -> None:
        y0 = run.y
        step = StepInterpolant(h, y0[0:3], y0[3:6], y1[0:3], y1[3:6])

        for index, kind in (
            (np.flatnonzero(apogee), EventKind.APOGEE),
            (np.flatnonzero(entry), EventKind.ENTRY_INTERFACE),
        ):
            if index.size:
                self._record_crossing(run, seg, step.subset(index), index, kind)

        remaining = np.flatnonzero(low)
        for deck in self.decks:
            if remaining.size == 0:
                break
            remaining = self._touchdown(run, deck, cycle, seg, tau, step, y1, remaining)
        if remaining.size == 0:
            return
        cg, nose = self._cg_height_m, self._length_m - self._cg_height_m

        def lowest_point(s: FloatArray, index: IntArray, part: StepInterpolant) -> FloatArray:
            """Height above the sea of whichever end of the vehicle hangs lower."""
            p = part.position(s)
            axis = cycle.body_axis_at(tau[index] + s * part.h, index)
            up = (axis * p).sum(axis=0) / np.sqrt((p * p).sum(axis=0))
            return np.asarray(self._height(p) - np.maximum(cg * up, -nose * up), dtype=np.float64)

        sunk = remaining[lowest_point(np.ones(remaining.size), remaining, step.subset(remaining)) <= 0.0]
        if sunk.size:
            part = step.subset(sunk)
            fraction = find_crossing(lambda s: lowest_point(s, sunk, part), sunk.size)
            self._freeze(run, y1, sunk, fraction, part, seg)
            times = seg.time_s[sunk] + fraction * part.h
            for j, i in enumerate(sunk):
                run.events.append(Event(EventKind.SPLASHDOWN, int(i), float(times[j]), _point(y1[0:3, i])))

    def _record_crossing(
        self, run: _Run, seg: Segment, part: StepInterpolant, index: IntArray, kind: EventKind
    ) -> None:
        """An apogee or entry-interface event inside the step, placed on the interpolant."""
        level = self.settings.entry_interface_altitude_m

        def radial_speed(s: FloatArray) -> FloatArray:
            return np.asarray((part.position(s) * part.velocity(s)).sum(axis=0), dtype=np.float64)

        def above_interface(s: FloatArray) -> FloatArray:
            return self._height(part.position(s)) - level

        fraction = find_crossing(radial_speed if kind is EventKind.APOGEE else above_interface, index.size)
        p = part.position(fraction)
        times = seg.time_s[index] + fraction * part.h
        for j, i in enumerate(index):
            run.events.append(Event(kind, int(i), float(times[j]), _point(p[:, j])))

    def _height(self, p: FloatArray) -> FloatArray:
        """Height above the ellipsoid along the geocentric radius of points (3, k)."""
        c = self._c
        if p.shape[1] == 1:
            # One point (the SITL runner's every step): the same formula in floats, a tenth the cost.
            x, y, z = p[:, 0].tolist()
            rho2_one = x * x + y * y
            r2_one = rho2_one + z * z
            return np.array(
                [
                    math.sqrt(r2_one)
                    - c.equatorial_radius_m * math.sqrt(c.one_minus_e2 / (1.0 - c.e2 * rho2_one / r2_one))
                ]
            )
        rho2 = p[0] ** 2 + p[1] ** 2
        r2 = rho2 + p[2] ** 2
        return np.asarray(
            np.sqrt(r2) - c.equatorial_radius_m * np.sqrt(c.one_minus_e2 / (1.0 - c.e2 * rho2 / r2)),
            dtype=np.float64,
        )

    def _touchdown(
        self,
        run: _Run,
        deck: Deck,
        cycle: _Cycle,
        seg: Segment,
        tau: FloatArray,
        step: StepInterpolant,
        y1: FloatArray,
        candidates: IntArray,
    ) -> IntArray:
        """Land the candidates whose base met this deck inside the step; return the others."""
        cg = self._cg_height_m

        def base_height(
            s: FloatArray, index: IntArray, part: StepInterpolant
        ) -> tuple[FloatArray, BoolArray]:
            axis = cycle.body_axis_at(tau[index] + s * part.h, index)
            time = seg.time_s[index] + s * part.h
            return deck.contact_height_m(time, (part.position(s) - cg * axis).T)

        part = step.subset(candidates)
        end_height, end_inside = base_height(np.ones(candidates.size), candidates, part)
        ended_on_deck = (end_height <= 0.0) & end_inside
        # Every step of a landing burn's last seconds comes here, and almost all end above the deck:
        # those need no deck pose at the step's start (the costly part).
        if not ended_on_deck.any():
            return candidates
        start_height, _ = base_height(np.zeros(candidates.size), candidates, part)
        # Starting the step below the deck plane means beside the hull, not above the deck: no landing.
        hit = candidates[ended_on_deck & (start_height > 0.0)]
        if hit.size == 0:
            return candidates
        part = step.subset(hit)
        fraction = find_crossing(lambda s: base_height(s, hit, part)[0], hit.size)
        _, inside = base_height(fraction, hit, part)
        landed = hit[inside]
        if landed.size == 0:
            return candidates
        part = part.subset(np.flatnonzero(inside))
        fraction = fraction[inside]
        p, v = part.position(fraction), part.velocity(fraction)
        cycle_tau = tau[landed] + fraction * part.h
        axis = cycle.body_axis_at(cycle_tau, landed)
        spin = cycle.rate_at(cycle_tau, landed)
        spin_cross_axis = np.stack(
            [
                spin[1] * axis[2] - spin[2] * axis[1],
                spin[2] * axis[0] - spin[0] * axis[2],
                spin[0] * axis[1] - spin[1] * axis[0],
            ]
        )
        base_velocity = v - cg * spin_cross_axis
        times = seg.time_s[landed] + fraction * part.h
        for j, i in enumerate(landed):
            report = deck.touchdown_report(
                float(times[j]),
                p[:, j] - cg * axis[:, j],
                base_velocity[:, j],
                axis[:, j],
                self.model.config.landing_gear,
            )
            run.events.append(Event(EventKind.TOUCHDOWN, int(i), float(times[j]), _point(p[:, j]), report))
        self._freeze(run, y1, landed, fraction, part, seg)
        run.status[landed] = int(VehicleStatus.LANDED)
        return np.setdiff1d(candidates, landed)

    @staticmethod
    def _freeze(
        run: _Run, y1: FloatArray, index: IntArray, fraction: FloatArray, part: StepInterpolant, seg: Segment
    ) -> None:
        """Put the vehicles at ``index`` at their event state in y1 and stop them there (splashed
        unless the caller says otherwise)."""
        y1[0:3, index] = part.position(fraction)
        y1[3:6, index] = part.velocity(fraction)
        y1[6, index] = run.y[6, index] + fraction * (y1[6, index] - run.y[6, index])
        run.status[index] = int(VehicleStatus.SPLASHED)


def _rk4_one(
    c: Constants,
    one: OneVehicle,
    segment: Segment,
    y: FloatArray,
    h: float,
    axes: tuple[tuple[FloatArray, FloatArray], ...],
) -> FloatArray:
    """``Integrator._rk4`` for one vehicle: the same stages and sums element by element in floats
    (each numpy call on a (7, 1) array costs more than its seven additions)."""
    seg = SegmentOne.of(segment)
    (b1, t1), (b2, t2), (b3, t3) = ((body[:, 0].tolist(), thrust[:, 0].tolist()) for body, thrust in axes)
    half = 0.5 * h
    y0 = y[:, 0].tolist()
    k1 = derivative_one(c, one, seg, 0.0, y0, b1, t1)
    k2 = derivative_one(c, one, seg, half, [v + half * k for v, k in zip(y0, k1, strict=True)], b2, t2)
    k3 = derivative_one(c, one, seg, half, [v + half * k for v, k in zip(y0, k2, strict=True)], b2, t2)
    k4 = derivative_one(c, one, seg, h, [v + h * k for v, k in zip(y0, k3, strict=True)], b3, t3)
    sixth = h / 6.0
    return np.array(
        [
            v + sixth * (d1 + 2.0 * (d2 + d3) + d4)
            for v, d1, d2, d3, d4 in zip(y0, k1, k2, k3, k4, strict=True)
        ]
    ).reshape(-1, 1)


def _cycle_one(
    start_s: float,
    length_s: float,
    q: FloatArray,
    rate: FloatArray,
    accel: FloatArray,
    gimbal_body: FloatArray,
    gimbaled: bool,
    rotating: bool,
) -> _Cycle:
    """``Integrator._cycle`` for one vehicle: ``att.rotation_matrix``'s entries written out in floats
    (its four ``np.stack`` calls cost more than the arithmetic); the gimbal still goes through the
    same ``einsum``, whose summation order is numpy's own."""
    w, x, y, z = q[0].tolist()
    body = (1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y))
    body_axis = np.array(body).reshape(3, 1)
    thrust = body
    thrust_axis = body_axis
    if gimbaled:
        matrix = np.array(
            [
                [body[0], 2.0 * (x * y - w * z), 2.0 * (x * z + w * y)],
                [body[1], 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - w * x)],
                [body[2], 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y)],
            ]
        )
        thrust_axis = np.einsum("nij,nj->in", matrix[None], gimbal_body)
        thrust = _point(thrust_axis[:, 0])
    rate_row, accel_row = rate[0].tolist(), accel[0].tolist()
    return _Cycle(
        start_s,
        length_s,
        body_axis,
        thrust_axis,
        np.array(rate_row).reshape(3, 1),
        np.array(accel_row).reshape(3, 1),
        rotating,
        gimbaled,
        _OneCycle(body, thrust, _point(rate_row), _point(accel_row)),
    )


def _point(p: FloatArray | Sequence[float]) -> tuple[float, float, float]:
    return float(p[0]), float(p[1]), float(p[2])


def _waiting_on_pad(state: VehicleState, commands: Commands) -> bool:
    """Every vehicle held on its pad, engines off and none asked to light, clamps not released: a
    tick that changes nothing but the time (the count's ten ticks a second for minutes on end)."""
    return bool(
        (state.status == _ON_PAD).all()
        and (state.engine_mode == _ENGINE_OFF).all()
        and (state.engines_lit == 0).all()
        and (state.thrust_fraction == 0.0).all()
        and (commands.engines_lit == 0).all()
        and not np.asarray(commands.release_clamps).any()
    )


def _waited(state: VehicleState, duration_s: float) -> VehicleState:
    """``advance``'s state after a tick in ``_waiting_on_pad`` (tests/unit/physics/test_pad_wait.py
    compares the two): nothing moves (a held vehicle takes no integration step), nothing burns, the
    attitude stays where it is with its rate stilled, no event."""
    return dataclasses.replace(
        state,
        time_s=state.time_s + duration_s,
        status=state.status.copy(),
        position_ecef_m=state.position_ecef_m.copy(),
        velocity_ecef_mps=state.velocity_ecef_mps.copy(),
        attitude_ecef_from_body=state.attitude_ecef_from_body.copy(),
        body_rate_ecef_radps=np.zeros_like(state.body_rate_ecef_radps),
        lox_mass_kg=state.lox_mass_kg.copy(),
        ch4_mass_kg=state.ch4_mass_kg.copy(),
        thrust_fraction=state.thrust_fraction.copy(),
        engine_mode=state.engine_mode.copy(),
        engines_lit=state.engines_lit.copy(),
        ignitions_used=state.ignitions_used.copy(),
        heat_load_j_per_m2=state.heat_load_j_per_m2.copy(),
    )
