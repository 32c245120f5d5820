"""Landing guidance: when to light the landing burn, then brake, (hover,) and set down on a moving deck.

A hoverslam (the cargo vehicle, coming down a slant path from entry) brakes in three dimensions
first: a gravity turn, lit when the drag-aware prediction of that burn (``guidance_powered_
descent``) stops at the hand-over point, throttled to keep it there and leaned off retrograde to
move that point over the deck. From the hand-over speed it finishes on its landing engines alone
with the vertical profile below. The hop article's hover landing uses the profile all the way.

Vertical: a stopping profile v(h) = -sqrt(v_gate² + 2·a·(h - h_gate)) of the base's height over the
deck, with ``a`` a margin below the deceleration the landing engines can give at the present mass,
tracked by a velocity loop with the profile's own deceleration as feed-forward. The burn is lit
when the vehicle's fall speed reaches that profile (plus what the ignition ramp costs). A
hover-capable vehicle stops at the hover height, holds, then descends at the final speed; a
hoverslam passes the approach gate at the final speed and keeps it. Near the deck the descent
follows the deck's heave rate and the body is aligned with the deck's normal (the gimbal keeps the
thrust where the guidance wants it).

Horizontal: a position loop on the deck centre feeding a velocity loop on the velocity relative to
the deck, tilting the thrust within a limit. Knows nothing of phases' rules or the simulator.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.config import FlightSoftwareConfig, LandingMode
from firmware_sim.firmware.guidance_common import (
    G0_MPS2,
    GuidanceInput,
    GuidanceOutput,
    ambient_pressure_pa,
    thrust_demand,
    unit,
)
from firmware_sim.firmware.guidance_powered_descent import (
    BrakingPrediction,
    BrakingVehicle,
    StopHeight,
    braking_direction,
    predict_gravity_turn,
    thrust_for_stop_height,
)
from firmware_sim.firmware.navigation import DeckEstimate
from firmware_sim.firmware.phases import PhaseEvent

FloatArray = NDArray[np.float64]
#: Hover is reached when the vertical speed relative to the deck is below this (m/s).
HOVER_SETTLED_MPS = 0.5
#: At most this much longer than planned (s) the hover waits for the vehicle to settle over the deck.
HOVER_EXTRA_S = 10.0
#: The gate is reached within this height (m) above it: hovering there is holding the gate.
GATE_BAND_M = 2.0
#: Settled over the deck: offset (m) and relative speed (m/s) at which the final descent may begin.
OVER_DECK_M = 1.5
OVER_DECK_MPS = 0.3
#: Largest horizontal speed (m/s) the position loop asks for.
MAX_HORIZONTAL_SPEED_MPS = 25.0
#: In the final descent the tilt is held to this (deg): the deck is close.
FINAL_MAX_TILT_DEG = 4.0
#: Shortest time to go (s) the braking's horizontal guidance plans with (it grows violent below).
MIN_TIME_TO_GO_S = 4.0
#: Speed (m/s) below which a vehicle with braking engines lands on its landing engines alone. Low,
#: because every second on one engine at ~1.6 g of thrust pays ~1 g of gravity loss.
_BRAKING_HANDOVER_MPS = 30.0
#: The gravity turn's stop point is moved onto the deck with a lean of at most this (deg) off
#: retrograde, planned as a zero-effort-miss correction with this gain over the time to the stop.
_MAX_LEAN_OFF_RETROGRADE_DEG = 15.0
_STOP_POINT_GAIN = 3.0
#: Engines are added only when the thrust wanted exceeds this share of what fewer can give.
_ENGINE_ADD_SHARE = 0.95


class LandingStage(enum.Enum):
    WAITING = "waiting for landing ignition"
    BRAKING = "landing burn: braking"
    APPROACH = "landing burn: approach"  # a hoverslam's last braking, on the landing engines
    HOVER = "hover"
    FINAL = "final descent"


@dataclass(frozen=True, slots=True)
class DeckGeometry:
    """The vehicle relative to the deck, in the local vertical at the vehicle."""

    base_height_m: float  # base point over the deck plane's centre height, along local up
    offset_horizontal_ecef_m: FloatArray  # from the vehicle to the deck centre, horizontal part
    velocity_rel_ecef_mps: FloatArray  # vehicle (its centre of mass) minus deck
    vertical_speed_rel_mps: float  # up positive
    base_velocity_rel_ecef_mps: FloatArray  # the base point (where the legs are) minus deck


def deck_geometry(inputs: GuidanceInput, deck: DeckEstimate, cg_height_m: float) -> DeckGeometry:
    nav = inputs.nav
    up = nav.up_ecef
    base = nav.position_ecef_m - cg_height_m * nav.body_axis_ecef
    to_deck = deck.center_ecef_m - base
    height = -float(to_deck @ up)
    horizontal = to_deck + height * up
    relative = nav.velocity_ecef_mps - deck.velocity_ecef_mps
    # The base swings with the body's rotation about the centre of mass (the gyros' rate).
    rate_ecef = geo.quat_rotate(nav.attitude_ecef_from_body, nav.angular_rate_body_radps)
    base_relative = relative - cg_height_m * geo.cross(rate_ecef, nav.body_axis_ecef)
    return DeckGeometry(height, horizontal, relative, float(relative @ up), base_relative)


class LandingGuidance:
    """The landing's own state (stage, hover clock) across ticks."""

    def __init__(self, config: FlightSoftwareConfig, hover_s_param: str | None) -> None:
        self.config = config
        # None: no hover (hoverslam); otherwise the parameter holding the hover time.
        self._hover_param = hover_s_param if config.landing.mode is LandingMode.HOVER else None
        self.stage = LandingStage.WAITING
        self._hover_since_s: float | None = None
        self._braking_thrust_n = 0.0  # the gravity turn's last thrust: the next tick's first guess

    # --- the numbers the profile is built on -----------------------------------------------------

    def _gate(self, inputs: GuidanceInput) -> tuple[float, float]:
        """Height of the profile's end over the deck (m) and the speed there (m/s, downward)."""
        if self._hover_param is not None:
            return inputs.param("HOP_HOVER_M"), 0.0
        return inputs.param("LND_APPROACH_M"), inputs.param("LND_FINAL_MPS")

    def planned_deceleration_mps2(self, inputs: GuidanceInput, engines: int | None = None) -> float:
        vehicle = self.config.vehicle
        count = self.config.landing.engines if engines is None else engines
        thrust = vehicle.thrust_n(count, 1.0, ambient_pressure_pa(inputs.nav.altitude_m))
        return max(inputs.param("LND_THR_MARGIN") * thrust / inputs.mass_kg - G0_MPS2, 0.5)

    def _segments(self, inputs: GuidanceInput) -> tuple[float, float, float, float]:
        """The profile's two segments: (landing deceleration, hand-over height, hand-over speed,
        braking deceleration). Without braking engines both decelerations are the same."""
        gate_m, gate_speed = self._gate(inputs)
        a_land = self.planned_deceleration_mps2(inputs)
        braking = self.config.landing.braking_engines
        if braking <= self.config.landing.engines:
            return a_land, math.inf, math.inf, a_land
        a_brake = self.planned_deceleration_mps2(inputs, braking)
        handover_speed = max(_BRAKING_HANDOVER_MPS, gate_speed)
        handover_m = gate_m + (handover_speed**2 - gate_speed**2) / (2.0 * a_land)
        return a_land, handover_m, handover_speed, a_brake

    def profile_speed_mps(self, inputs: GuidanceInput, height_m: float) -> float:
        """Downward speed (m/s, positive) the profile asks for at a base height over the deck."""
        gate_m, gate_speed = self._gate(inputs)
        a_land, handover_m, handover_speed, a_brake = self._segments(inputs)
        if height_m <= handover_m:
            return math.sqrt(gate_speed**2 + 2.0 * a_land * max(height_m - gate_m, 0.0))
        return math.sqrt(handover_speed**2 + 2.0 * a_brake * (height_m - handover_m))

    def _three_d(self) -> bool:
        """Hoverslams brake in three dimensions (they arrive on a slant path from entry)."""
        return self._hover_param is None

    def _relative_base(self, geometry: DeckGeometry, up: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The base's position from the deck centre and its velocity relative to the deck (ECEF)."""
        position = -geometry.offset_horizontal_ecef_m + geometry.base_height_m * up
        return position, geometry.velocity_rel_ecef_mps

    def _braking_vehicle(self, inputs: GuidanceInput, thrust_n: float) -> BrakingVehicle:
        vehicle = self.config.vehicle
        return BrakingVehicle(
            thrust_n,
            inputs.mass_kg,
            vehicle.isp_sea_level_s * G0_MPS2,
            vehicle.drag_coefficient * vehicle.reference_area_m2,
            vehicle.supersonic_drag_ratio,
        )

    def _braking_thrust_range_n(self, inputs: GuidanceInput) -> tuple[float, float, float]:
        """(least, planned, most) thrust of the gravity turn: the landing engines at minimum
        throttle, ``LND_THR_MARGIN`` of the braking engines' full thrust, and that full thrust."""
        vehicle = self.config.vehicle
        pressure = ambient_pressure_pa(inputs.nav.altitude_m)
        most = vehicle.thrust_n(self.config.landing.most_engines, 1.0, pressure)
        least = vehicle.thrust_n(self.config.landing.engines, vehicle.min_throttle, pressure)
        return least, inputs.param("LND_THR_MARGIN") * most, most

    def _handover(self, inputs: GuidanceInput) -> tuple[float, float]:
        """Height over the deck (m) and speed (m/s) where the gravity turn hands over to the landing
        engines' profile (the gate itself without braking engines)."""
        _, handover_m, handover_speed, _ = self._segments(inputs)
        if math.isinf(handover_m):
            return self._gate(inputs)
        return handover_m, handover_speed

    def planned_stop(
        self,
        inputs: GuidanceInput,
        position_rel_m: FloatArray,
        velocity_rel_mps: FloatArray,
        up_ecef: FloatArray,
        altitude_m: float,
    ) -> tuple[BrakingPrediction | None, float]:
        """Where a gravity turn at the planned thrust, lit at this state (the base's position and
        velocity relative to the deck), reaches the hand-over speed; and the hand-over height it
        should stop at. For the entry's aim, before the burn."""
        _, planned, _ = self._braking_thrust_range_n(inputs)
        handover_m, handover_speed = self._handover(inputs)
        vehicle = self._braking_vehicle(inputs, planned)
        stop = predict_gravity_turn(
            position_rel_m, velocity_rel_mps, up_ecef, altitude_m, vehicle, handover_speed
        )
        return stop, handover_m

    def ignition_due(self, inputs: GuidanceInput, geometry: DeckGeometry) -> bool:
        """Light now: the burn lit now (its ramp counted in) only just stops where it must."""
        if self._three_d():
            up = inputs.nav.up_ecef
            position, velocity = self._relative_base(geometry, up)
            if float(velocity @ up) >= 0.0:
                return False
            _, planned, _ = self._braking_thrust_range_n(inputs)
            handover_m, handover_speed = self._handover(inputs)
            # Until the thrust is up the vehicle keeps falling: about half the ramp is lost.
            ahead_s = 0.5 * self.config.vehicle.ignition_ramp_s + inputs.dt_s
            stop = predict_gravity_turn(
                position,
                velocity,
                up,
                inputs.nav.altitude_m,
                self._braking_vehicle(inputs, planned),
                handover_speed,
                coast_s=ahead_s,
            )
            if stop is None or stop.stop_height_m <= handover_m:
                self._braking_thrust_n = planned
                return True
            return False
        falling = -geometry.vertical_speed_rel_mps
        if falling <= 0.0:
            return False
        vehicle = self.config.vehicle
        # Until the thrust is up the vehicle keeps falling at ~1 g: about half the ramp is lost.
        ramp_s = 0.5 * vehicle.ignition_ramp_s + inputs.dt_s
        height_after_ramp = geometry.base_height_m - falling * ramp_s - 0.5 * G0_MPS2 * ramp_s**2
        speed_after_ramp = falling + G0_MPS2 * ramp_s
        return speed_after_ramp >= self.profile_speed_mps(inputs, height_after_ramp)

    # --- the step -------------------------------------------------------------------------------

    def step(self, inputs: GuidanceInput, deck: DeckEstimate | None, burning: bool) -> GuidanceOutput:
        """Guidance from the coast (``burning`` False: wait for ignition) down to contact."""
        nav = inputs.nav
        up = nav.up_ecef
        # No broadcast ever heard: land on the sea surface below (a soft splash beats none).
        geometry = self.geometry(inputs, deck)
        if self.stage is LandingStage.WAITING:
            if not burning and not self.ignition_due(inputs, geometry):
                retro = unit(-nav.velocity_ecef_mps) if nav.vertical_speed_up_mps < -1.0 else up
                # Fall tail-first (engine down): only the upward half of retrograde is used.
                axis = unit(retro if float(retro @ up) > 0.5 else up)
                return GuidanceOutput(0, 0.0, axis, self.stage.value)
            self.stage = LandingStage.BRAKING
            return self._control(inputs, geometry, deck, PhaseEvent.LANDING_BURN_START)
        return self._control(inputs, geometry, deck, None)

    def geometry(self, inputs: GuidanceInput, deck: DeckEstimate | None) -> DeckGeometry:
        nav = inputs.nav
        if deck is None:
            return DeckGeometry(
                nav.altitude_m - self.config.vehicle.cg_height_above_base_m,
                np.zeros(3),
                nav.velocity_ecef_mps,
                nav.vertical_speed_up_mps,
                nav.velocity_ecef_mps,
            )
        return deck_geometry(inputs, deck, self.config.vehicle.cg_height_above_base_m)

    def _control(
        self,
        inputs: GuidanceInput,
        geometry: DeckGeometry,
        deck: DeckEstimate | None,
        event: PhaseEvent | None,
    ) -> GuidanceOutput:
        nav = inputs.nav
        up = nav.up_ecef
        now = inputs.now_s
        gate_m, gate_speed = self._gate(inputs)
        height = geometry.base_height_m
        v_up = geometry.vertical_speed_rel_mps
        deck_up_speed = float(deck.velocity_ecef_mps @ up) if deck is not None else 0.0
        a_plan = self.planned_deceleration_mps2(inputs)
        vel_bw = inputs.param("LND_VEL_BW")

        if self.stage is LandingStage.BRAKING:
            at_gate = height <= gate_m + GATE_BAND_M
            if self._hover_param is not None and at_gate and abs(v_up) < HOVER_SETTLED_MPS:
                self.stage = LandingStage.HOVER
                self._hover_since_s = now
            elif self._hover_param is None and height <= gate_m:
                self.stage = LandingStage.FINAL
        settled = (
            geo.norm(geometry.offset_horizontal_ecef_m) < OVER_DECK_M
            and geo.norm(geometry.velocity_rel_ecef_mps - v_up * up) < OVER_DECK_MPS
        )
        if self.stage is LandingStage.APPROACH and height <= gate_m + GATE_BAND_M:
            # A hoverslam arrives at the gate on its landing engine, which can hover: if it is not
            # yet over the deck and still, it holds the gate height until it is. The band matters:
            # just above the gate the approach's time to go is pinned at its floor, and its lean
            # after the deck can hold the vehicle there, never reaching the gate itself.
            self.stage = LandingStage.FINAL if settled else LandingStage.HOVER
            self._hover_since_s = now
        if self.stage is LandingStage.HOVER:
            assert self._hover_since_s is not None
            held = now - self._hover_since_s
            planned = inputs.param(self._hover_param) if self._hover_param is not None else 0.0
            if held >= planned and (settled or held >= planned + HOVER_EXTRA_S):
                self.stage = LandingStage.FINAL

        if self.stage is LandingStage.BRAKING and self._three_d():
            output = self._braking_3d(inputs, geometry, event)
            if output is not None:
                return output
            self.stage = LandingStage.APPROACH if height > gate_m else LandingStage.FINAL
        final_speed = inputs.param("LND_FINAL_MPS")
        if self.stage is LandingStage.BRAKING or self.stage is LandingStage.APPROACH:
            wanted_up = -self.profile_speed_mps(inputs, height)
            _, handover_m, _, a_brake = self._segments(inputs)
            feed_forward = 0.0 if height <= gate_m else (a_plan if height <= handover_m else a_brake)
        elif self.stage is LandingStage.HOVER:
            wanted_up = max(min(0.5 * (gate_m - height), 2.0), -2.0)
            feed_forward = 0.0
        else:
            wanted_up = -final_speed
            feed_forward = 0.0
        # Relative to the deck, but following its heave only by the chosen fraction near the end.
        heave_follow = inputs.param("LND_HEAVE_GAIN") if self.stage is LandingStage.FINAL else 1.0
        vertical_rel_target = wanted_up - (1.0 - heave_follow) * deck_up_speed
        a_up = feed_forward + vel_bw * 2.0 * (vertical_rel_target - v_up) + G0_MPS2

        if self.stage is LandingStage.BRAKING or self.stage is LandingStage.APPROACH:
            horizontal = self._braking_horizontal(inputs, geometry, up, height - gate_m, -v_up, gate_speed)
            max_tilt = inputs.param("LND_BRAKE_TILT")
        else:
            horizontal = self._horizontal_acceleration(inputs, geometry, up)
            max_tilt = inputs.param("LND_MAX_TILT")
        if self.stage is LandingStage.FINAL:
            max_tilt = min(max_tilt, FINAL_MAX_TILT_DEG)
        engines = self._engines_for(inputs, a_up)
        throttle, direction = thrust_demand(
            self.config, a_up * up + horizontal, inputs.mass_kg, nav.altitude_m, engines, max_tilt, up
        )
        body_axis = body_axis_rate = None
        if deck is not None and self.stage is LandingStage.FINAL and height < inputs.param("LND_ALIGN_M"):
            # The broadcast is up to a period old: carry the normal forward by the MRU's rates.
            body_axis = unit(deck.normal_ecef + deck.normal_rate_ecef_per_s * deck.age_s)
            body_axis_rate = deck.normal_rate_ecef_per_s
        return GuidanceOutput(
            engines,
            throttle,
            direction,
            self.stage.value,
            body_axis_ecef=body_axis,
            body_axis_rate_ecef=body_axis_rate,
            event=event,
        )

    def _engines_for(self, inputs: GuidanceInput, thrust_accel_up_mps2: float) -> int:
        """The fewest engines (landing engines up to braking engines) that give the thrust wanted."""
        landing = self.config.landing
        if landing.braking_engines <= landing.engines or self.stage is not LandingStage.BRAKING:
            return landing.engines
        per_engine = self.config.vehicle.thrust_n(1, 1.0, ambient_pressure_pa(inputs.nav.altitude_m))
        wanted = thrust_accel_up_mps2 * inputs.mass_kg
        for count in range(landing.engines, landing.braking_engines):
            if wanted <= _ENGINE_ADD_SHARE * count * per_engine:
                return count
        return landing.braking_engines

    def _braking_3d(
        self, inputs: GuidanceInput, geometry: DeckGeometry, event: PhaseEvent | None
    ) -> GuidanceOutput | None:
        """The gravity turn: thrust against the velocity relative to the deck, throttled so the
        predicted stop stays at the hand-over point and leaned to move it over the deck; None once
        the hand-over speed is reached (the landing engines take over)."""
        nav = inputs.nav
        up = nav.up_ecef
        position, velocity = self._relative_base(geometry, up)
        handover_m, handover_speed = self._handover(inputs)
        if -float(velocity @ up) <= handover_speed or geometry.base_height_m <= handover_m:
            return None
        least, _, most = self._braking_thrust_range_n(inputs)
        stops = StopHeight(
            position, velocity, up, nav.altitude_m, self._braking_vehicle(inputs, 0.0), handover_speed
        )
        thrust = thrust_for_stop_height(stops, handover_m, self._braking_thrust_n, least, most)
        self._braking_thrust_n = thrust
        stop = stops.prediction(thrust)
        accel = (thrust / inputs.mass_kg) * braking_direction(velocity, up)
        if stop is not None:
            # Zero-effort miss of the stop point, within a lean off retrograde.
            t_go = max(stop.time_s, MIN_TIME_TO_GO_S)
            lean = -_STOP_POINT_GAIN * stop.stop_offset_ecef_m / (t_go * t_go)
            lean = lean - float(lean @ accel) / float(accel @ accel) * accel  # across the thrust only
            limit = math.tan(math.radians(_MAX_LEAN_OFF_RETROGRADE_DEG)) * thrust / inputs.mass_kg
            size = geo.norm(lean)
            accel = accel + (lean * (limit / size) if size > limit else lean)
        engines = self._engines_for(inputs, geo.norm(accel))
        throttle, direction = thrust_demand(
            self.config, accel, inputs.mass_kg, nav.altitude_m, engines, 80.0, up
        )
        return GuidanceOutput(engines, throttle, direction, self.stage.value, event=event)

    def _braking_horizontal(
        self,
        inputs: GuidanceInput,
        geometry: DeckGeometry,
        up: FloatArray,
        height_to_gate_m: float,
        falling_mps: float,
        gate_speed_mps: float,
    ) -> FloatArray:
        """Zero-effort-miss guidance to arrive over the deck, at the deck's speed, at the gate.

        a = 6·ZEM/t² − 2·ZEV/t with the time to go of a uniform deceleration down to the gate:
        the braking's horizontal share, whatever the speed across the flow at ignition.
        """
        t_go = max(
            2.0 * max(height_to_gate_m, 0.0) / max(falling_mps + gate_speed_mps, 1.0), MIN_TIME_TO_GO_S
        )
        relative = geometry.velocity_rel_ecef_mps
        velocity_h = relative - float(relative @ up) * up
        zem = geometry.offset_horizontal_ecef_m - velocity_h * t_go
        zev = -velocity_h
        return np.asarray(6.0 * zem / t_go**2 + 2.0 * zev / t_go, dtype=np.float64)

    def _horizontal_acceleration(
        self, inputs: GuidanceInput, geometry: DeckGeometry, up: FloatArray
    ) -> FloatArray:
        pos_bw = inputs.param("LND_POS_BW")
        vel_bw = inputs.param("LND_VEL_BW")
        offset = geometry.offset_horizontal_ecef_m
        wanted = pos_bw * offset
        speed = geo.norm(wanted)
        if speed > MAX_HORIZONTAL_SPEED_MPS:
            wanted = wanted * (MAX_HORIZONTAL_SPEED_MPS / speed)
        # At the end it is the legs' speed over the deck that counts, not the centre of mass's.
        final = self.stage is LandingStage.FINAL
        relative = geometry.base_velocity_rel_ecef_mps if final else geometry.velocity_rel_ecef_mps
        relative_h = relative - float(relative @ up) * up
        return np.asarray(vel_bw * (wanted - relative_h), dtype=np.float64)
