"""Guidance for the hop test (the YXZ-1 sea hop): a near-vertical climb at full thrust drifting towards
the landing deck, cut off when the predicted apogee (with drag) reaches the planned height, a
free fall, then the landing guidance's relight, braking, hover and slow descent onto the deck.

The climb leans at most a degree or two: it only has to carry the vehicle the few hundred metres
to the deck, whose position comes from the flight plan until its broadcast is heard. Knows
nothing of phases' rules or the simulator.
"""

from __future__ import annotations

import math

import numpy as np

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.flight_plan_types import FlightPlan
from firmware_sim.firmware.guidance_common import (
    G0_MPS2,
    GuidanceInput,
    GuidanceOutput,
    air_density_kg_per_m3,
    coast,
    unit,
)
from firmware_sim.firmware.guidance_landing import LandingGuidance
from firmware_sim.firmware.navigation import ecef_of
from firmware_sim.firmware.phases import PhaseEvent
from gcs.protocol.dialect import FlightPhase

#: Rough time (s) from liftoff to arriving over the deck: sets the drift speed the climb aims for.
TRANSIT_TIME_S = 90.0
#: Gain (1/s) of the drift-speed loop during the climb.
DRIFT_GAIN_PER_S = 0.5


def predicted_apogee_m(
    altitude_m: float, vertical_speed_mps: float, mass_kg: float, drag_area_m2: float
) -> float:
    """Altitude where a vertical coast with quadratic drag stops climbing.

    Closed form for constant density, h = ln(1 + k v²/g) / (2k) with k = ρ·CdS/(2m), evaluated
    with the density a third of the way up the climb (the speed, and so the drag, is largest low).
    """
    if vertical_speed_mps <= 0.0:
        return altitude_m
    rise_vacuum = vertical_speed_mps**2 / (2.0 * G0_MPS2)
    rho = air_density_kg_per_m3(altitude_m + rise_vacuum / 3.0)
    k = rho * drag_area_m2 / (2.0 * mass_kg)
    if k * vertical_speed_mps**2 < 1e-9:
        return altitude_m + rise_vacuum
    return altitude_m + math.log1p(k * vertical_speed_mps**2 / G0_MPS2) / (2.0 * k)


class HopGuidance:
    """Climb, cut-off on predicted apogee, free fall, and the hover landing."""

    def __init__(self, config: FlightSoftwareConfig, plan: FlightPlan) -> None:
        self.config = config
        self.plan = plan
        self.landing = LandingGuidance(config, hover_s_param="HOP_HOVER_S")
        self._cut_off = False

    def _target_point_ecef(self, inputs: GuidanceInput) -> np.ndarray:
        if inputs.deck is not None:
            return inputs.deck.center_ecef_m
        site = self.plan.target
        if self.plan.alternate is not None and inputs.landing_target_name == self.plan.alternate.name:
            site = self.plan.alternate
        return ecef_of(site.latitude_deg, site.longitude_deg, 0.0)

    def step(self, inputs: GuidanceInput) -> GuidanceOutput:
        phase = inputs.phase
        if phase is FlightPhase.ASCENT:
            return self._climb(inputs)
        burning = phase is FlightPhase.LANDING_BURN
        if phase is FlightPhase.COAST and inputs.nav.vertical_speed_up_mps > 0.0:
            return coast(inputs, "coast to apogee", inputs.nav.up_ecef)
        return self.landing.step(inputs, inputs.deck, burning)

    def _climb(self, inputs: GuidanceInput) -> GuidanceOutput:
        nav = inputs.nav
        up = nav.up_ecef
        vehicle = self.config.vehicle
        if self._cut_off:
            return coast(inputs, "engine cut-off", up, PhaseEvent.MECO)
        # Cut off when the apogee of a coast from here (tail-off included) reaches the plan's height.
        thrust_accel = max(nav.axial_load_g * G0_MPS2, 0.0)
        tail_off_mps = 0.5 * thrust_accel * vehicle.shutdown_ramp_s
        apogee_target = self.plan.target_apogee_m or inputs.param("HOP_APOGEE_M")
        apogee = predicted_apogee_m(
            nav.altitude_m,
            nav.vertical_speed_up_mps + tail_off_mps,
            inputs.mass_kg,
            vehicle.drag_coefficient * vehicle.reference_area_m2,
        )
        if apogee >= apogee_target:
            self._cut_off = True
            return coast(inputs, "engine cut-off", up, PhaseEvent.MECO)
        # Drift towards the deck: a horizontal speed that covers the distance in the transit time.
        to_target = self._target_point_ecef(inputs) - nav.position_ecef_m
        horizontal = to_target - float(to_target @ up) * up
        velocity_h = nav.velocity_ecef_mps - nav.vertical_speed_up_mps * up
        wanted_velocity = horizontal / TRANSIT_TIME_S
        lean = DRIFT_GAIN_PER_S * (wanted_velocity - velocity_h) / max(thrust_accel, G0_MPS2)
        limit = math.tan(math.radians(inputs.param("HOP_PITCH_DEG")))
        size = geo.norm(lean)
        if size > limit:
            lean = lean * (limit / size)
        return GuidanceOutput(vehicle.engine_count, 1.0, unit(up + lean), "climb")
