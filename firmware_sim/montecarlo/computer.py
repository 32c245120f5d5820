"""The flight computer's sequencing around the guidance, for every run: the ignition checks up to
liftoff, the phases (ascent, coast, landing burn) and the shaping of a thrust demand into an
attitude command (with the lead) and gimbal angles, as ``firmware.computer.FlightComputer`` does.

Left out, because a dispersed nominal flight never needs them: commands from the ground, red
lines, link rules, the impact point and safing. A run whose ignition checks fail is a pad abort
(engines off). Knows nothing of the physics: it is given the navigation and the chamber pressure.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.montecarlo.guidance import DeckView, Demand, FleetHopGuidance, Mode, norm, unit
from firmware_sim.montecarlo.navigation import FleetNav
from firmware_sim.physics import attitude as att

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: ``firmware.computer``: the climb that tells liftoff (m/s) and the attitude lead (s).
_LIFTOFF_CLIMB_MPS = 0.5
_ATTITUDE_LEAD_S = 1.0


class Phase(enum.IntEnum):
    IGNITION = 0
    ASCENT = 1
    COAST = 2
    LANDING_BURN = 3
    PAD_ABORT = 4


class Actuators:
    """What every run's flight computer commands this tick (rows per run)."""

    def __init__(
        self,
        engines: IntArray,
        throttle: FloatArray,
        attitude: FloatArray,
        gimbal_deg: FloatArray,
        release: BoolArray,
    ) -> None:
        self.engines_lit = engines
        self.throttle = throttle
        self.attitude_ecef_from_body = attitude
        self.gimbal_deg = gimbal_deg
        self.release_clamps = release


class FleetComputer:
    """Phases, ignition-to-liftoff checks and actuator shaping of every run."""

    def __init__(self, config: FlightSoftwareConfig, param: Callable[[str], float], runs: int) -> None:
        self.config = config
        self.param = param
        self.guidance = FleetHopGuidance(config, param, runs)
        self.phase = np.full(runs, int(Phase.IGNITION), dtype=np.int64)
        self.ignition_s = 0.0
        self._in_band_since = np.full(runs, np.nan)
        self._released_s = np.full(runs, np.nan)
        self._hold: FloatArray | None = None
        self._last_axis = np.zeros((runs, 3))
        self._last_valid = np.zeros(runs, dtype=np.bool_)

    def tick(
        self,
        now_s: float,
        dt_s: float,
        nav: FleetNav,
        chamber_fraction: FloatArray,
        mass_kg: FloatArray,
        deck: DeckView,
    ) -> Actuators:
        p = self.param
        vehicle = self.config.vehicle
        if self._hold is None:
            self._hold = nav.attitude_ecef_from_body.copy()  # latched when the ignition phase began
        phase = self.phase

        # IGNITION (FlightComputer._ignition): chamber pressure in band, clamps, the first climb.
        igniting = phase == int(Phase.IGNITION)
        in_band = (chamber_fraction >= p("IGN_PC_LOW")) & (chamber_fraction <= p("IGN_PC_HIGH"))
        clamped = igniting & np.isnan(self._released_s)
        self._in_band_since = np.where(
            clamped & in_band & np.isnan(self._in_band_since), now_s, self._in_band_since
        )
        self._in_band_since = np.where(clamped & ~in_band, np.nan, self._in_band_since)
        with np.errstate(invalid="ignore"):
            release = clamped & in_band & (now_s - self._in_band_since >= p("IGN_HOLD_S"))
            late = clamped & ~in_band & (now_s - self.ignition_s > p("IGN_PC_TIMEOUT"))
        self._released_s = np.where(release, now_s, self._released_s)
        was_released = igniting & ~clamped
        liftoff = was_released & (nav.vertical_speed_up_mps > _LIFTOFF_CLIMB_MPS)
        with np.errstate(invalid="ignore"):
            lost = was_released & ~liftoff & (~in_band | (now_s - self._released_s > p("LIFTOFF_TMO_S")))
        abort = late | lost
        phase = np.where(abort, int(Phase.PAD_ABORT), phase)
        phase = np.where(liftoff, int(Phase.ASCENT), phase)
        changed = liftoff.copy()

        # Guidance for the airborne runs (at liftoff in the same tick, with dt 0 as the scalar).
        coasting = phase == int(Phase.COAST)
        burning = phase == int(Phase.LANDING_BURN)
        coast_up = coasting & (nav.vertical_speed_up_mps > 0.0)
        mode = np.select(
            [phase == int(Phase.ASCENT), coast_up, coasting | burning],
            [int(Mode.CLIMB), int(Mode.COAST_UP), int(Mode.LANDING)],
            int(Mode.IDLE),
        )
        rate_ecef = att.quat_rotate(nav.attitude_ecef_from_body, nav.angular_rate_body_radps)
        demand = self.guidance.step(
            now_s,
            dt_s,
            mode,
            burning,
            nav.position_ecef_m,
            nav.velocity_ecef_mps,
            nav.up_ecef,
            nav.altitude_m,
            nav.vertical_speed_up_mps,
            nav.body_axis_ecef,
            rate_ecef,
            nav.axial_load_g,
            mass_kg,
            deck,
        )
        airborne = mode != int(Mode.IDLE)
        meco = airborne & demand.meco
        lit = airborne & demand.landing_burn_start & (phase == int(Phase.COAST))
        phase = np.where(meco, int(Phase.COAST), phase)
        phase = np.where(lit, int(Phase.LANDING_BURN), phase)
        changed |= meco | lit
        self.phase = phase
        # A phase change forgets the last wanted axis and the held attitude (FlightComputer._apply).
        self._last_valid &= ~changed
        self._hold = np.where(changed[:, None], nav.attitude_ecef_from_body, self._hold)

        q_cmd, gimbal = self._shape(demand, nav, dt_s, airborne)
        engines = np.where(airborne, demand.engines_lit, 0)
        throttle = np.where(airborne, np.clip(demand.throttle, 0.0, 1.0), 0.0)
        on_pad = phase == int(Phase.IGNITION)
        engines = np.where(on_pad, vehicle.engine_count, engines)
        throttle = np.where(on_pad, 1.0, throttle)
        attitude = np.where(airborne[:, None], q_cmd, self._hold)
        gimbal = np.where(airborne[:, None], gimbal, 0.0)
        release = ~np.isnan(self._released_s)
        return Actuators(engines.astype(np.int64), throttle, attitude, gimbal, release)

    def _shape(
        self, demand: Demand, nav: FleetNav, dt_s: float, airborne: BoolArray
    ) -> tuple[FloatArray, FloatArray]:
        """``FlightComputer._shape``: attitude (with lead) and gimbal from the thrust direction."""
        thrust_dir = unit(demand.thrust_direction_ecef)
        has_axis = ~np.isnan(demand.body_axis_ecef[:, 0])
        axis = np.where(has_axis[:, None], unit(np.nan_to_num(demand.body_axis_ecef)), thrust_dir)
        lead = axis
        if dt_s > 0:
            rate = (axis - self._last_axis) / dt_s
            smooth = self._last_valid & (norm(rate) < math.radians(self.config.vehicle.max_rate_dps))
            lead = np.where(smooth[:, None], unit(axis + _ATTITUDE_LEAD_S * rate), axis)
        lead = np.where(
            has_axis[:, None], unit(axis + _ATTITUDE_LEAD_S * np.nan_to_num(demand.body_axis_rate_ecef)), lead
        )
        self._last_axis = np.where(airborne[:, None], axis, self._last_axis)
        self._last_valid |= airborne
        q_now = nav.attitude_ecef_from_body
        turn = att.quat_shortest_arc(nav.body_axis_ecef, lead)
        q_cmd = att.quat_normalize(att.quat_multiply(turn, q_now))
        body = att.quat_rotate(att.quat_conjugate(q_now), thrust_dir)
        lateral = np.hypot(body[:, 1], body[:, 2])
        limit = math.radians(self.config.vehicle.gimbal_limit_deg)
        tilt = np.minimum(np.arctan2(lateral, body[:, 0]), limit)
        scale = np.where(lateral >= 1e-9, np.degrees(tilt) / np.where(lateral >= 1e-9, lateral, 1.0), 0.0)
        gimbal = np.stack([body[:, 1] * scale, body[:, 2] * scale], axis=1)
        gimbal = np.where((demand.engines_lit > 0)[:, None], gimbal, 0.0)
        return q_cmd, gimbal
