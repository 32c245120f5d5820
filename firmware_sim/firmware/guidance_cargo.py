"""Guidance for the cargo point-to-point hop: ascent steering to the target platform with cut-off when
the predicted impact point reaches it, a tail-first coast, an aerodynamically steered entry, and
the hoverslam onto the barge (``guidance_landing``).

Ascent: a pitch program in time from the launch vertical, in a plane whose azimuth starts on the
great circle to the target (less a bias for the Earth's turn) and is trimmed by the impact point's
cross-range; throttled and engine-counted to an axial g limit and eased through max-q. Cut-off
is timed inside the tick when the impact point reaches the aim point: the vacuum two-body impact
(microseconds, every tick) plus a correction for J2 and drag taken from a full propagation every
few seconds; the engine's tail-off is counted in. Entry: tail-first, the body tilted off the
airflow so the body's lift pushes the drag-aware impact point onto the target. Knows nothing of
phases' rules or the simulator.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.flight_plan_types import FlightPlan
from firmware_sim.firmware.guidance_common import (
    G0_MPS2,
    GuidanceInput,
    GuidanceOutput,
    air_density_kg_per_m3,
    ambient_pressure_pa,
    coast,
)
from firmware_sim.firmware.guidance_landing import LandingGuidance
from firmware_sim.firmware.iip import kepler_impact, predict_impact
from firmware_sim.firmware.phases import PhaseEvent
from gcs.protocol.dialect import FlightPhase

FloatArray = NDArray[np.float64]

#: (time since liftoff s, tilt from the launch vertical deg), held after the last point. The
#: shape of the reference hop's program (physics/reference_trajectory.py), which suits this vehicle.
PITCH_PROGRAM: tuple[tuple[float, float], ...] = (
    (6.0, 0.0),
    (23.0, 6.0),
    (38.0, 12.0),
    (58.0, 24.0),
    (78.0, 36.6),
    (98.0, 47.2),
    (118.0, 55.5),
    (148.0, 64.3),
    (178.0, 70.0),
    (218.0, 74.8),
    (258.0, 77.8),
)
#: Initial azimuth bias (deg) for what the Earth's turn does to the ground track of a long hop.
AZIMUTH_BIAS_DEG = -6.85
ENTRY_INTERFACE_M = 120_000.0
#: Below this speed (m/s) there is no impact point worth aiming yet.
_IIP_MIN_SPEED_MPS = 2_500.0
#: Seconds between full propagations that refresh the J2-and-drag correction of the vacuum impact.
_CORRECTION_PERIOD_S = 2.0
#: ... and more often this close (m) to cut-off, where the correction changes fastest.
_CORRECTION_CLOSE_M = 1_500_000.0
_CORRECTION_CLOSE_PERIOD_S = 0.5
#: Azimuth correction: from this time after liftoff (s), every period (s), until this close (m).
_AZIMUTH_FROM_S = 100.0
_AZIMUTH_PERIOD_S = 1.0
_AZIMUTH_UNTIL_M = 200_000.0
#: Step (s) of the burn predictor and the azimuth probe (deg) for the sensitivity.
_PREDICT_STEP_S = 1.0
_AZIMUTH_PROBE_DEG = 0.2
#: Terminal yaw steering starts when the impact point is this far (m) from the aim: in the last
#: seconds of the burn the impact point answers the thrust direction at once.
_YAW_STEERING_FROM_M = 0.0
#: Largest yaw (deg) off the pitch program that the cross-range steering may ask for.
_YAW_LIMIT_DEG = 10.0
#: Entry steering: largest body tilt off the airflow (deg), and how often (s) the impact is re-predicted.
_ENTRY_MAX_TILT_DEG = 12.0
_ENTRY_PREDICT_PERIOD_S = 0.5
#: Only steer by lift when the dynamic pressure (Pa) gives it some authority.
_ENTRY_MIN_Q_PA = 500.0
#: Below this altitude (m) the entry steering also bends the path towards the vertical.
_BEND_BELOW_M = 30_000.0
_BEND_ABOVE_M = 12_000.0
#: The landing burn is not considered above this altitude (m) or speed (m/s): until the air has
#: slowed the fall to near its terminal speed, drag brakes far harder than the engines can.
_LANDING_CONSIDERED_BELOW_M = 25_000.0
_LANDING_CONSIDERED_BELOW_MPS = 500.0
_RE_M = 6_371_008.8


def _interpolate(table: tuple[tuple[float, float], ...], t: float) -> float:
    times = [p[0] for p in table]
    values = [p[1] for p in table]
    return float(np.interp(t, times, values))


class CargoGuidance:
    """Ascent to cut-off, coast, entry steering and the hoverslam for the cargo hop."""

    def __init__(self, config: FlightSoftwareConfig, plan: FlightPlan) -> None:
        self.config = config
        self.plan = plan
        self.landing = LandingGuidance(config, hover_s_param=None)
        self._launch_basis = geo.ned_basis(plan.launch_latitude_deg, plan.launch_longitude_deg)
        self._launch_unit = geo.unit(
            geo.geodetic_to_ecef(plan.launch_latitude_deg, plan.launch_longitude_deg, 0.0)
        )
        self._azimuth_deg: float | None = None
        self._azimuth_time_s = -math.inf
        self._engines = config.vehicle.engine_count
        self._throttle = 1.0
        self._cross_range_m: float | None = None
        self._time_of_flight_s = 0.0
        self._downrange_rate_mps = 0.0
        self._yaw = 0.0  # tan of the yaw off the program, positive to the right of the velocity
        self._liftoff_s: float | None = None
        self._cut_off = False
        self._correction: tuple[float, float] = (0.0, 0.0)  # (downrange, crossrange) m, full minus vacuum
        self._correction_time_s = -math.inf
        self._last_range_to_go: tuple[float, float] | None = None  # (time, range to go)
        self._entry_tilt = np.zeros(3)
        self._entry_predict_s = -math.inf

    # --- where to go ------------------------------------------------------------------------------

    def _aim(self, inputs: GuidanceInput) -> tuple[float, float]:
        """The aim point: the deck's broadcast position when heard, else the plan's site."""
        if inputs.deck is not None:
            lat, lon, _ = geo.ecef_to_geodetic(inputs.deck.center_ecef_m)
            return lat, lon
        site = self.plan.target
        if self.plan.alternate is not None and inputs.landing_target_name == self.plan.alternate.name:
            site = self.plan.alternate
        return site.latitude_deg, site.longitude_deg

    def _track(self, aim: tuple[float, float], point_ecef: FloatArray) -> tuple[float, float]:
        """(range to go, cross-range right of track) in metres of a point against launch->aim."""
        launch = self._launch_unit
        target = geo.unit(geo.geodetic_to_ecef(aim[0], aim[1], 0.0))
        normal = geo.unit(geo.cross(launch, target))  # left of the track
        p = geo.unit(point_ecef)
        downrange_target = math.atan2(geo.norm(geo.cross(launch, target)), float(launch @ target))
        downrange_point = math.atan2(float(geo.cross(launch, p) @ normal), float(launch @ p))
        cross = -math.asin(max(-1.0, min(1.0, float(p @ normal))))
        return _RE_M * (downrange_target - downrange_point), _RE_M * cross

    # --- the step -----------------------------------------------------------------------------------

    def step(self, inputs: GuidanceInput) -> GuidanceOutput:
        phase = inputs.phase
        if phase is FlightPhase.ASCENT:
            return self._ascent(inputs)
        if phase is FlightPhase.COAST:
            nav = inputs.nav
            retrograde = geo.unit(-nav.velocity_ecef_mps)
            if nav.vertical_speed_up_mps < 0.0 and nav.altitude_m < ENTRY_INTERFACE_M:
                return coast(inputs, "entry interface", retrograde, PhaseEvent.ENTRY_INTERFACE)
            return coast(inputs, "coast, tail first", retrograde)
        if phase is FlightPhase.ENTRY:
            return self._entry(inputs)
        return self.landing.step(inputs, inputs.deck, burning=True)

    def _ascent(self, inputs: GuidanceInput) -> GuidanceOutput:
        nav = inputs.nav
        vehicle = self.config.vehicle
        if self._cut_off:
            return coast(inputs, "engine cut-off", nav.body_axis_ecef, PhaseEvent.MECO)
        if self._liftoff_s is None:
            self._liftoff_s = inputs.now_s
        aim = self._aim(inputs)
        if self._azimuth_deg is None:
            bearing = _bearing_deg(self.plan.launch_latitude_deg, self.plan.launch_longitude_deg, *aim)
            self._azimuth_deg = bearing + AZIMUTH_BIAS_DEG
        elapsed = inputs.now_s - self._liftoff_s
        if (
            elapsed >= _AZIMUTH_FROM_S
            and inputs.now_s - self._azimuth_time_s >= _AZIMUTH_PERIOD_S
            and (self._last_range_to_go is None or self._last_range_to_go[1] > _AZIMUTH_UNTIL_M)
        ):
            self._azimuth_time_s = inputs.now_s
            self._correct_azimuth(inputs, aim, elapsed)
        direction = self._program_direction(elapsed, self._azimuth_deg)

        engines, throttle = self._ascent_throttle(inputs)
        self._engines, self._throttle = engines, throttle
        thrust_accel = (
            vehicle.thrust_n(engines, throttle, ambient_pressure_pa(nav.altitude_m)) / inputs.mass_kg
        )
        cutoff_in_s = math.inf
        speed = geo.norm(nav.velocity_ecef_mps)
        if speed > _IIP_MIN_SPEED_MPS:
            cutoff_in_s = self._cutoff_timing(inputs, aim, thrust_accel)
            direction = self._yaw_steer(inputs, direction, thrust_accel)
        if math.isfinite(cutoff_in_s):
            self._cut_off = True
            return GuidanceOutput(
                engines, throttle, direction, "engine cut-off", cutoff_in_s=cutoff_in_s, event=PhaseEvent.MECO
            )
        return GuidanceOutput(engines, throttle, direction, "ascent")

    def _program_direction(self, elapsed_s: float, azimuth_deg: float) -> FloatArray:
        """The pitch program's thrust direction (ECEF) at a time after liftoff, in the azimuth's plane."""
        tilt = math.radians(_interpolate(PITCH_PROGRAM, elapsed_s))
        psi = math.radians(azimuth_deg)
        north, east, down = self._launch_basis
        horizontal = math.cos(psi) * north + math.sin(psi) * east
        return np.asarray(math.cos(tilt) * (-down) + math.sin(tilt) * horizontal, dtype=np.float64)

    def _correct_azimuth(self, inputs: GuidanceInput, aim: tuple[float, float], elapsed_s: float) -> None:
        """Predictor-corrector: fly the rest of the burn ahead at two azimuths, then aim the cross-range
        of the impact at cut-off onto the track (one secant step, damped)."""
        assert self._azimuth_deg is not None
        psi = self._azimuth_deg
        cross = self._predicted_cross_range(inputs, aim, elapsed_s, psi)
        probe = self._predicted_cross_range(inputs, aim, elapsed_s, psi + _AZIMUTH_PROBE_DEG)
        if cross is None or probe is None or abs(probe - cross) < 1.0:
            return
        slope = (probe - cross) / _AZIMUTH_PROBE_DEG
        step = max(-1.0, min(1.0, -0.7 * cross / slope))
        self._azimuth_deg = psi + step

    def _predicted_cross_range(
        self, inputs: GuidanceInput, aim: tuple[float, float], elapsed_s: float, azimuth_deg: float
    ) -> float | None:
        """Cross-range (m) of the impact point at the predicted cut-off, flying the program at
        ``azimuth_deg`` from now with the ascent's own throttle law (point mass, vacuum thrust).

        The cut-off is found on the vacuum impact (plus the J2-and-drag correction), interpolated
        between predictor steps (the impact sweeps hundreds of kilometres a second there), and the
        cross-range is taken from a full propagation of that cut-off state.
        """
        nav = inputs.nav
        vehicle = self.config.vehicle
        radius = geo.norm(geo.geodetic_to_ecef(aim[0], aim[1], 0.0))
        position = nav.position_ecef_m.copy()
        velocity = nav.velocity_ecef_mps.copy()
        mass = inputs.mass_kg
        usable = max(mass - vehicle.inert_mass_kg, 0.0)
        flow_per_n = 1.0 / (vehicle.isp_vacuum_s * G0_MPS2)
        t = elapsed_s
        dt = _PREDICT_STEP_S
        previous: tuple[FloatArray, FloatArray, float, float] | None = None  # position, velocity, mass, to go
        for _ in range(400):
            impact = kepler_impact(_t3(position), _t3(velocity), radius)
            if impact is not None:
                to_go = self._track(aim, np.array(impact.position_ecef_m))[0] + self._correction[0]
                if to_go <= 0.0:
                    if previous is None:
                        return None
                    p0, v0, m0, g0 = previous
                    k = g0 / (g0 - to_go)
                    return self._full_cross_range(aim, p0 + k * (position - p0), v0 + k * (velocity - v0), m0)
                previous = (position, velocity, mass, to_go)
            engines, throttle = ascent_throttle(self.config, inputs.param("ASC_MAX_G"), mass, 1e9, 0.0, 1.0)
            thrust = vehicle.thrust_n(engines, throttle, 0.0)
            burned = thrust * flow_per_n * dt
            if burned >= usable:
                return None
            usable -= burned
            direction = self._program_direction(t + 0.5 * dt, azimuth_deg)
            accel = thrust / (mass - 0.5 * burned) * direction + geo.frame_acceleration_ecef(
                position, velocity
            )
            position = position + velocity * dt + 0.5 * accel * dt * dt
            velocity = velocity + accel * dt
            mass -= burned
            t += dt
        return None

    def _full_cross_range(
        self, aim: tuple[float, float], position: FloatArray, velocity: FloatArray, mass_kg: float
    ) -> float | None:
        vehicle = self.config.vehicle
        full = predict_impact(
            _t3(position),
            _t3(velocity),
            0.0,
            vehicle.drag_coefficient * vehicle.reference_area_m2 / mass_kg,
            step_fraction=0.1,
            supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
        )
        return None if full is None else self._track(aim, np.array(full.position_ecef_m))[1]

    def _ascent_throttle(self, inputs: GuidanceInput) -> tuple[int, float]:
        nav = inputs.nav
        speed = geo.norm(nav.velocity_ecef_mps)
        q = 0.5 * air_density_kg_per_m3(nav.altitude_m) * speed * speed
        return ascent_throttle(
            self.config,
            inputs.param("ASC_MAX_G"),
            inputs.mass_kg,
            nav.altitude_m,
            q,
            inputs.param("ASC_Q_BUCKET"),
        )

    def _cutoff_timing(self, inputs: GuidanceInput, aim: tuple[float, float], thrust_accel: float) -> float:
        """Seconds into this tick at which to cut off (inf: not this tick); notes the cross-range."""
        nav = inputs.nav
        vehicle = self.config.vehicle
        # What the tail-off still adds, along the thrust: the cluster's thrust fraction falls to zero
        # at 1/shutdown_ramp_s per second, so a partly lit cluster tails off sooner.
        fraction = self._engines * self._throttle / vehicle.engine_count
        tail = 0.5 * thrust_accel * vehicle.shutdown_ramp_s * fraction * nav.body_axis_ecef
        position = nav.position_ecef_m
        velocity = nav.velocity_ecef_mps + tail
        radius = geo.norm(geo.geodetic_to_ecef(aim[0], aim[1], 0.0))
        vacuum = kepler_impact(_t3(position), _t3(velocity), radius)
        if vacuum is None:
            return math.inf
        close = self._last_range_to_go is not None and self._last_range_to_go[1] < _CORRECTION_CLOSE_M
        period = _CORRECTION_CLOSE_PERIOD_S if close else _CORRECTION_PERIOD_S
        if inputs.now_s - self._correction_time_s >= period:
            self._correction_time_s = inputs.now_s
            full = predict_impact(
                _t3(position),
                _t3(velocity),
                0.0,
                vehicle.drag_coefficient * vehicle.reference_area_m2 / inputs.mass_kg,
                step_fraction=0.1,
                supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
            )
            if full is not None:
                v_track = self._track(aim, np.array(vacuum.position_ecef_m))
                f_track = self._track(aim, np.array(full.position_ecef_m))
                self._correction = (v_track[0] - f_track[0], f_track[1] - v_track[1])
        to_go, cross = self._track(aim, np.array(vacuum.position_ecef_m))
        to_go += self._correction[0]
        cross += self._correction[1]
        self._cross_range_m = cross
        self._time_of_flight_s = vacuum.time_to_impact_s
        previous = self._last_range_to_go
        self._last_range_to_go = (inputs.now_s, to_go)
        if to_go <= 0.0:
            return 0.0
        if previous is None or inputs.now_s <= previous[0]:
            return math.inf
        rate = (previous[1] - to_go) / (inputs.now_s - previous[0])
        self._downrange_rate_mps = rate
        if rate <= 0.0:
            return math.inf
        wait = to_go / rate
        # The next tick comes one period later: cut inside this one if the crossing comes first.
        return wait if wait < self.config.control.control_tick_s else math.inf

    def _yaw_steer(self, inputs: GuidanceInput, direction: FloatArray, thrust_accel: float) -> FloatArray:
        """Near cut-off, yaw the thrust so that the impact point's cross-range is gone at cut-off.

        The cross-range moves at about (time of flight) x (cross acceleration); over the time left
        to cut-off it must cover the present cross-range.
        """
        previous = self._last_range_to_go
        cross = self._cross_range_m
        if previous is None or cross is None or previous[1] > _YAW_STEERING_FROM_M or previous[1] <= 0.0:
            return direction
        nav = inputs.nav
        up = nav.up_ecef
        velocity_h = nav.velocity_ecef_mps - nav.vertical_speed_up_mps * up
        right = geo.unit(geo.cross(velocity_h, up))
        rate = self._downrange_rate_mps
        t_go = previous[1] / rate if rate > 0.0 else math.inf
        sensitivity = max(self._time_of_flight_s, 60.0)
        wanted = -cross / (max(t_go, 1.0) * sensitivity)
        limit = math.tan(math.radians(_YAW_LIMIT_DEG))
        self._yaw = max(-limit, min(limit, wanted / max(thrust_accel, 1.0)))
        return geo.unit(direction + self._yaw * right)

    def _entry(self, inputs: GuidanceInput) -> GuidanceOutput:
        nav = inputs.nav
        deck = inputs.deck
        speed = geo.norm(nav.velocity_ecef_mps)
        if nav.altitude_m < _LANDING_CONSIDERED_BELOW_M and speed < _LANDING_CONSIDERED_BELOW_MPS:
            geometry = self.landing.geometry(inputs, deck)
            if self.landing.ignition_due(inputs, geometry):
                return self.landing.step(inputs, deck, burning=False)
        airflow = geo.unit(nav.velocity_ecef_mps)
        q = 0.5 * air_density_kg_per_m3(nav.altitude_m) * speed * speed
        if q > _ENTRY_MIN_Q_PA and inputs.now_s - self._entry_predict_s >= _ENTRY_PREDICT_PERIOD_S:
            self._entry_predict_s = inputs.now_s
            self._entry_tilt = self._entry_steering(inputs, q)
        elif q <= _ENTRY_MIN_Q_PA:
            self._entry_tilt = np.zeros(3)
        # Tail first: the nose points up-stream, tilted off the flow to make lift where it is wanted.
        axis = geo.unit(-airflow + self._entry_tilt)
        return coast(inputs, "entry, tail first", axis)

    def _entry_steering(self, inputs: GuidanceInput, q_pa: float) -> FloatArray:
        """Nose tilt (a vector across the flow) whose body lift moves the impact point onto the aim."""
        nav = inputs.nav
        vehicle = self.config.vehicle
        aim_ecef = (
            inputs.deck.center_ecef_m
            if inputs.deck is not None
            else geo.geodetic_to_ecef(*self._aim(inputs), 0.0)
        )
        surface = float(geo.ecef_to_geodetic(aim_ecef)[2])
        point = predict_impact(
            _t3(nav.position_ecef_m),
            _t3(nav.velocity_ecef_mps),
            surface,
            vehicle.drag_coefficient * vehicle.reference_area_m2 / inputs.mass_kg,
            step_fraction=0.1,
            supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
        )
        if point is None:
            return np.zeros(3)
        miss = aim_ecef - np.array(point.position_ecef_m)
        airflow = geo.unit(nav.velocity_ecef_mps)
        across = miss - float(miss @ airflow) * airflow
        t_go = max(point.time_to_impact_s, 5.0)
        wanted_accel = 2.0 * across / (t_go * t_go)
        # Low in the air, also bend the path towards the vertical: lift across the flow, on the
        # ground side, takes speed off the horizontal that the landing burn could not afford to.
        if _BEND_ABOVE_M < nav.altitude_m < _BEND_BELOW_M:
            up = nav.up_ecef
            steeper = geo.unit(-up - float(-up @ airflow) * airflow)
            wanted_accel = wanted_accel + inputs.param("ENT_BEND_MPS2") * steeper
        # Tail-first body lift is q S CNa sin(d) cos(d) away from the side the nose tilts to.
        authority = q_pa * vehicle.reference_area_m2 * vehicle.normal_force_slope_per_rad / inputs.mass_kg
        tilt = np.asarray(-wanted_accel / max(authority, 1e-6), dtype=np.float64)
        limit = math.tan(math.radians(_ENTRY_MAX_TILT_DEG))
        size = geo.norm(tilt)
        return tilt * (limit / size) if size > limit else tilt


def ascent_throttle(
    config: FlightSoftwareConfig,
    max_g: float,
    mass_kg: float,
    altitude_m: float,
    q_pa: float,
    q_bucket_pa: float,
) -> tuple[int, float]:
    """Fewest engines that reach the g limit, throttled onto it (2 % steps), eased through max-q."""
    vehicle = config.vehicle
    per_engine = vehicle.thrust_n(1, 1.0, ambient_pressure_pa(altitude_m))
    wanted = max_g * G0_MPS2 * mass_kg
    if q_pa > q_bucket_pa:
        wanted *= max(0.7, 1.0 - 3.0 * (q_pa - q_bucket_pa) / q_bucket_pa)
    engines = min(max(math.ceil(wanted / per_engine), 1), vehicle.engine_count)
    throttle = min(max(wanted / (engines * per_engine), vehicle.min_throttle), 1.0)
    # Steps of 2 %, as a sequencer would command, rather than a new engine transient every tick.
    return engines, math.floor(throttle * 50.0) / 50.0


def _bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def _t3(v: FloatArray) -> tuple[float, float, float]:
    return float(v[0]), float(v[1]), float(v[2])
