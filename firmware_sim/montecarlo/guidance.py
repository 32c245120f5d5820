"""The hop article's guidance (``firmware.guidance_hop`` and the hover branch of
``firmware.guidance_landing``) in array form: one call steps the guidance of every run.

Formula for formula the scalar guidance: the climb's drift towards the deck and its cut-off on the
drag-aware predicted apogee, the coast, the landing ignition on the stopping profile, braking,
hover, final descent with the deck's heave followed and the body aligned with the deck. The
hoverslam's three-dimensional braking (the cargo vehicle) is not here. Every branch is worked out
for every run and the run's phase and stage pick one, so a run costs the same in every phase.
Per-run state (stage, hover clock, cut-off) lives in ``HopGuidanceState``. Knows nothing of the
simulator; reads the flight software's config and parameters as the scalar guidance does.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.guidance_common import (
    DENSITY_SCALE_HEIGHT_M,
    G0_MPS2,
    PRESSURE_SCALE_HEIGHT_M,
    SEA_LEVEL_DENSITY_KG_PER_M3,
    SEA_LEVEL_PRESSURE_PA,
)
from firmware_sim.firmware.guidance_hop import DRIFT_GAIN_PER_S, TRANSIT_TIME_S
from firmware_sim.firmware.guidance_landing import (
    FINAL_MAX_TILT_DEG,
    HOVER_EXTRA_S,
    HOVER_SETTLED_MPS,
    MAX_HORIZONTAL_SPEED_MPS,
    MIN_TIME_TO_GO_S,
    OVER_DECK_M,
    OVER_DECK_MPS,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


class Stage(enum.IntEnum):
    """``firmware.guidance_landing.LandingStage`` of the hover landing, as array codes."""

    WAITING = 0
    BRAKING = 1
    HOVER = 2
    FINAL = 3


class Mode(enum.IntEnum):
    """Which of the guidance's branches a run flies this tick."""

    CLIMB = 0
    COAST_UP = 1  # engines off, to apogee, pointing up
    LANDING = 2  # waiting for the landing ignition or burning
    IDLE = 3  # not guided (on the pad, down): the guidance's state is left alone


def dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(np.einsum("ij,ij->i", a, b), dtype=np.float64)


def norm(a: FloatArray) -> FloatArray:
    return np.sqrt(dot(a, a))


def unit(a: FloatArray) -> FloatArray:
    """Rows scaled to length 1 (rows shorter than 1e-12 left as they are, as ``guidance_common.unit``)."""
    n = norm(a)
    return a / np.where(n > 1e-12, n, 1.0)[:, None]


def clip_norm(a: FloatArray, limit: FloatArray | float) -> FloatArray:
    n = norm(a)
    scale = np.where(n > limit, limit / np.where(n > 0.0, n, 1.0), 1.0)
    return a * scale[:, None]


def air_density(altitude_m: FloatArray) -> FloatArray:
    return SEA_LEVEL_DENSITY_KG_PER_M3 * np.exp(-np.maximum(altitude_m, 0.0) / DENSITY_SCALE_HEIGHT_M)


def ambient_pressure(altitude_m: FloatArray) -> FloatArray:
    return SEA_LEVEL_PRESSURE_PA * np.exp(-np.maximum(altitude_m, 0.0) / PRESSURE_SCALE_HEIGHT_M)


def predicted_apogee_m(
    altitude_m: FloatArray, vertical_speed_mps: FloatArray, mass_kg: FloatArray, drag_area_m2: float
) -> FloatArray:
    """``guidance_hop.predicted_apogee_m`` for arrays."""
    v = np.maximum(vertical_speed_mps, 0.0)
    rise = v * v / (2.0 * G0_MPS2)
    k = air_density(altitude_m + rise / 3.0) * drag_area_m2 / (2.0 * mass_kg)
    kv2 = k * v * v
    with np.errstate(divide="ignore", invalid="ignore"):
        drag_aware = altitude_m + np.log1p(kv2 / G0_MPS2) / (2.0 * k)
    apogee = np.where(kv2 < 1e-9, altitude_m + rise, drag_aware)
    return np.where(vertical_speed_mps <= 0.0, altitude_m, apogee)


@dataclass(frozen=True, slots=True)
class DeckView:
    """The landing deck as each run's flight computer estimates it (``navigation.DeckEstimate``)."""

    center_ecef_m: FloatArray
    velocity_ecef_mps: FloatArray
    normal_ecef: FloatArray
    normal_rate_ecef_per_s: FloatArray
    age_s: FloatArray


@dataclass(frozen=True, slots=True)
class Demand:
    """The guidance's output for every run (``guidance_common.GuidanceOutput`` in rows).

    ``body_axis_ecef`` rows are NaN where the body should point along the thrust.
    """

    engines_lit: IntArray
    throttle: FloatArray
    thrust_direction_ecef: FloatArray
    body_axis_ecef: FloatArray
    body_axis_rate_ecef: FloatArray
    meco: BoolArray  # the climb's cut-off event this tick
    landing_burn_start: BoolArray


class HopGuidanceState:
    """Per-run state of the hop guidance across ticks."""

    def __init__(self, runs: int) -> None:
        self.cut_off = np.zeros(runs, dtype=np.bool_)
        self.stage = np.full(runs, int(Stage.WAITING), dtype=np.int64)
        self.hover_since_s = np.full(runs, np.nan)


class FleetHopGuidance:
    """``HopGuidance`` + ``LandingGuidance(hover)`` of every run."""

    def __init__(self, config: FlightSoftwareConfig, param: Callable[[str], float], runs: int) -> None:
        self.config = config
        self.param = param
        self.state = HopGuidanceState(runs)
        vehicle = config.vehicle
        self._drag_area = vehicle.drag_coefficient * vehicle.reference_area_m2
        self._cg = vehicle.cg_height_above_base_m
        self._engines = config.landing.engines

    # --- the shared pieces (guidance_common) ----------------------------------------------------

    def thrust_n(self, engines: int, throttle: float, pressure: FloatArray) -> FloatArray:
        vehicle = self.config.vehicle
        if engines <= 0:
            return np.zeros_like(pressure)
        return np.maximum(
            engines * (throttle * vehicle.thrust_vacuum_n - pressure * vehicle.exit_area_m2), 0.0
        )

    def thrust_demand(
        self,
        acceleration: FloatArray,
        mass_kg: FloatArray,
        altitude_m: FloatArray,
        engines: int,
        max_tilt_deg: FloatArray,
        up: FloatArray,
    ) -> tuple[FloatArray, FloatArray]:
        """``guidance_common.thrust_demand`` for rows: throttle and thrust direction."""
        vertical = dot(acceleration, up)
        horizontal = acceleration - vertical[:, None] * up
        limit = np.tan(np.radians(max_tilt_deg)) * np.maximum(vertical, 0.0)
        horizontal = clip_norm(horizontal, limit)
        wanted = np.maximum(vertical, 0.0)[:, None] * up + horizontal
        magnitude = norm(wanted)
        direction = np.where(
            (magnitude > 1e-9)[:, None], wanted / np.where(magnitude > 1e-9, magnitude, 1.0)[:, None], up
        )
        vehicle = self.config.vehicle
        pressure = ambient_pressure(altitude_m)
        throttle = (
            magnitude * mass_kg / max(engines, 1) + pressure * vehicle.exit_area_m2
        ) / vehicle.thrust_vacuum_n
        return np.clip(throttle, 0.0, 1.0), direction

    def planned_deceleration(self, altitude_m: FloatArray, mass_kg: FloatArray) -> FloatArray:
        thrust = self.thrust_n(self._engines, 1.0, ambient_pressure(altitude_m))
        return np.maximum(self.param("LND_THR_MARGIN") * thrust / mass_kg - G0_MPS2, 0.5)

    def profile_speed(self, height_m: FloatArray, a_land: FloatArray) -> FloatArray:
        """Hover profile (gate at HOP_HOVER_M, zero speed there; no braking engines)."""
        gate = self.param("HOP_HOVER_M")
        return np.sqrt(2.0 * a_land * np.maximum(height_m - gate, 0.0))

    # --- the step ---------------------------------------------------------------------------------

    def step(
        self,
        now_s: float,
        dt_s: float,
        mode: IntArray,
        burning: BoolArray,
        nav_position: FloatArray,
        nav_velocity: FloatArray,
        up: FloatArray,
        altitude_m: FloatArray,
        vertical_speed_mps: FloatArray,
        body_axis: FloatArray,
        rate_ecef: FloatArray,
        axial_load_g: FloatArray,
        mass_kg: FloatArray,
        deck: DeckView,
    ) -> Demand:
        """One tick of every run; ``mode`` says which branch each run is in (``Mode``)."""
        n = mode.shape[0]
        s = self.state
        vehicle = self.config.vehicle
        p = self.param
        climbing = mode == int(Mode.CLIMB)
        landing = mode == int(Mode.LANDING)

        # Climb (guidance_hop._climb).
        thrust_accel = np.maximum(axial_load_g * G0_MPS2, 0.0)
        tail_off = 0.5 * thrust_accel * vehicle.shutdown_ramp_s
        apogee = predicted_apogee_m(altitude_m, vertical_speed_mps + tail_off, mass_kg, self._drag_area)
        meco = climbing & (s.cut_off | (apogee >= p("HOP_APOGEE_M")))
        s.cut_off |= meco
        to_target = deck.center_ecef_m - nav_position
        horizontal = to_target - dot(to_target, up)[:, None] * up
        velocity_h = nav_velocity - vertical_speed_mps[:, None] * up
        lean = (
            DRIFT_GAIN_PER_S
            * (horizontal / TRANSIT_TIME_S - velocity_h)
            / np.maximum(thrust_accel, G0_MPS2)[:, None]
        )
        lean = clip_norm(lean, math.tan(math.radians(p("HOP_PITCH_DEG"))))
        climb_direction = unit(up + lean)

        # Landing geometry (guidance_landing.deck_geometry).
        base = nav_position - self._cg * body_axis
        to_deck = deck.center_ecef_m - base
        height = -dot(to_deck, up)
        offset_h = to_deck + height[:, None] * up
        relative = nav_velocity - deck.velocity_ecef_mps
        v_up = dot(relative, up)
        base_relative = relative - self._cg * np.cross(rate_ecef, body_axis)
        a_plan = self.planned_deceleration(altitude_m, mass_kg)

        # Waiting for the ignition (LandingGuidance.step / ignition_due, the hover branch).
        waiting = landing & (s.stage == int(Stage.WAITING))
        falling = -v_up
        ramp_s = 0.5 * vehicle.ignition_ramp_s + dt_s
        height_after = height - falling * ramp_s - 0.5 * G0_MPS2 * ramp_s**2
        due = (falling > 0.0) & (falling + G0_MPS2 * ramp_s >= self.profile_speed(height_after, a_plan))
        ignite = waiting & ~burning & due
        s.stage = np.where(ignite, int(Stage.BRAKING), s.stage)
        retro = np.where((vertical_speed_mps < -1.0)[:, None], unit(-nav_velocity), up)
        wait_axis = unit(np.where((dot(retro, up) > 0.5)[:, None], retro, up))
        still_waiting = waiting & ~ignite & ~burning

        # Stage changes (LandingGuidance._control).
        gate = p("HOP_HOVER_M")
        active = landing & ~still_waiting
        to_hover = (
            active
            & (s.stage == int(Stage.BRAKING))
            & (height <= gate + 2.0)
            & (np.abs(v_up) < HOVER_SETTLED_MPS)
        )
        s.stage = np.where(to_hover, int(Stage.HOVER), s.stage)
        s.hover_since_s = np.where(to_hover, now_s, s.hover_since_s)
        settled = (norm(offset_h) < OVER_DECK_M) & (norm(relative - v_up[:, None] * up) < OVER_DECK_MPS)
        held = now_s - s.hover_since_s
        planned = p("HOP_HOVER_S")
        hovering = active & (s.stage == int(Stage.HOVER))
        with np.errstate(invalid="ignore"):
            to_final = hovering & (held >= planned) & (settled | (held >= planned + HOVER_EXTRA_S))
        s.stage = np.where(to_final, int(Stage.FINAL), s.stage)
        braking = s.stage == int(Stage.BRAKING)
        hover = s.stage == int(Stage.HOVER)
        final = s.stage == int(Stage.FINAL)

        deck_up_speed = dot(deck.velocity_ecef_mps, up)
        wanted_up = np.where(
            braking,
            -self.profile_speed(height, a_plan),
            np.where(hover, np.clip(0.5 * (gate - height), -2.0, 2.0), -p("LND_FINAL_MPS")),
        )
        feed_forward = np.where(braking & (height > gate), a_plan, 0.0)
        heave_follow = np.where(final, p("LND_HEAVE_GAIN"), 1.0)
        target = wanted_up - (1.0 - heave_follow) * deck_up_speed
        vel_bw = p("LND_VEL_BW")
        a_up = feed_forward + vel_bw * 2.0 * (target - v_up) + G0_MPS2

        # Horizontal: braking's zero-effort miss to the gate, else the position/velocity loops.
        t_go = np.maximum(2.0 * np.maximum(height - gate, 0.0) / np.maximum(falling, 1.0), MIN_TIME_TO_GO_S)
        rel_h = relative - v_up[:, None] * up
        zem = offset_h - rel_h * t_go[:, None]
        braking_h = 6.0 * zem / (t_go**2)[:, None] - 2.0 * rel_h / t_go[:, None]
        wanted_h = clip_norm(p("LND_POS_BW") * offset_h, MAX_HORIZONTAL_SPEED_MPS)
        loop_rel = np.where(final[:, None], base_relative, relative)
        loop_rel_h = loop_rel - dot(loop_rel, up)[:, None] * up
        loop_h = vel_bw * (wanted_h - loop_rel_h)
        horizontal_accel = np.where(braking[:, None], braking_h, loop_h)
        max_tilt = np.where(braking, p("LND_BRAKE_TILT"), p("LND_MAX_TILT"))
        max_tilt = np.where(final, np.minimum(max_tilt, FINAL_MAX_TILT_DEG), max_tilt)
        land_throttle, land_direction = self.thrust_demand(
            a_up[:, None] * up + horizontal_accel, mass_kg, altitude_m, self._engines, max_tilt, up
        )
        align = final & (height < p("LND_ALIGN_M"))
        aligned_axis = unit(deck.normal_ecef + deck.normal_rate_ecef_per_s * deck.age_s[:, None])

        # Pick each run's branch.
        burn = active
        climb_on = climbing & ~meco
        engines = np.where(climb_on, vehicle.engine_count, np.where(burn, self._engines, 0))
        throttle = np.where(climb_on, 1.0, np.where(burn, land_throttle, 0.0))
        direction = np.where(
            climb_on[:, None],
            climb_direction,
            np.where(burn[:, None], land_direction, np.where(still_waiting[:, None], wait_axis, up)),
        )
        nan = np.full((n, 3), np.nan)
        body_axis_out = np.where((burn & align)[:, None], aligned_axis, nan)
        body_rate_out = np.where((burn & align)[:, None], deck.normal_rate_ecef_per_s, nan)
        return Demand(
            engines.astype(np.int64), throttle, direction, body_axis_out, body_rate_out, meco, ignite
        )
