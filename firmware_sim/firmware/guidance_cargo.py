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

import itertools
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
from firmware_sim.firmware.iip import Bend, fall_to_height, kepler_crossing, predict_impact
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
#: Below this altitude (m) the entry's lift also bends the path towards the vertical, with at most
#: this share of the lift the largest tilt gives: a slant arrival leaves the landing burn a speed
#: across that its slow-turning body cannot take off in time.
_BEND_BELOW_M = 15_000.0
_BEND_LIFT_SHARE = 0.7
#: The landing burn is not considered above this altitude (m): up there drag brakes far harder than
#: the engines can, and its drag-aware prediction is not worth its cost.
_LANDING_CONSIDERED_BELOW_M = 25_000.0
#: The entry aims the landing burn's stop point: first guess (m over the deck) and bounds of the
#: ignition height it flies ahead to, refined by every prediction.
_IGNITION_HEIGHT_GUESS_M = 2_000.0
_IGNITION_HEIGHT_RANGE_M = (300.0, 8_000.0)
#: Zero-effort-miss gain of the entry's aim over the time to ignition, and the shortest time to go (s).
_ENTRY_AIM_GAIN = 3.0
_ENTRY_MIN_TIME_TO_GO_S = 5.0
#: Rate (1/s) at which the tilt is trimmed to make the measured lift the wanted lift.
_LIFT_TRIM_PER_S = 0.5
_RE_M = 6_371_008.8


def _interpolate(table: tuple[tuple[float, float], ...], t: float) -> float:
    """Piecewise linear in ``t``, held beyond the ends (``numpy.interp`` without its per-call cost)."""
    if t <= table[0][0]:
        return table[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(table):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return table[-1][1]


Vec3 = tuple[float, float, float]


def _frame_acceleration(p: Vec3, v: Vec3) -> Vec3:
    """``geometry.frame_acceleration_ecef`` on tuples (the burn predictor calls it hundreds of times)."""
    x, y, z = p
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    mu_over_r3 = geo.GM_M3_PER_S2 / (r2 * r)
    z2_over_r2 = z * z / r2
    j2_term = 1.5 * geo.J2 * geo.EQUATORIAL_RADIUS_M**2 / r2
    factor_xy = -mu_over_r3 * (1.0 + j2_term * (1.0 - 5.0 * z2_over_r2))
    w = geo.ROTATION_RATE_RADPS
    return (
        factor_xy * x + w * w * x + 2.0 * w * v[1],
        factor_xy * y + w * w * y - 2.0 * w * v[0],
        -mu_over_r3 * (1.0 + j2_term * (3.0 - 5.0 * z2_over_r2)) * z,
    )


class _Track:
    """Range to go and cross-range of points against the great circle launch -> aim, on tuples.

    The aim moves only with the deck's drift, so its unit vector and the track's normal are kept
    until it changes.
    """

    def __init__(self, launch_unit: Vec3) -> None:
        self._launch = launch_unit
        self._aim: tuple[float, float] | None = None
        self._normal: Vec3 = (0.0, 0.0, 1.0)
        self._downrange_target = 0.0

    def __call__(self, aim: tuple[float, float], point: Vec3) -> tuple[float, float]:
        """(range to go, cross-range right of track) in metres."""
        lx, ly, lz = self._launch
        if aim != self._aim:
            t = geo.unit(geo.geodetic_to_ecef(aim[0], aim[1], 0.0))
            cx, cy, cz = ly * t[2] - lz * t[1], lz * t[0] - lx * t[2], lx * t[1] - ly * t[0]
            size = math.sqrt(cx * cx + cy * cy + cz * cz)
            self._normal = (cx / size, cy / size, cz / size)  # left of the track
            self._downrange_target = math.atan2(size, lx * t[0] + ly * t[1] + lz * t[2])
            self._aim = aim
        nx, ny, nz = self._normal
        x, y, z = point
        r = math.sqrt(x * x + y * y + z * z)
        px, py, pz = x / r, y / r, z / r
        # (launch x p) . normal and launch . p
        along = (ly * pz - lz * py) * nx + (lz * px - lx * pz) * ny + (lx * py - ly * px) * nz
        downrange_point = math.atan2(along, lx * px + ly * py + lz * pz)
        cross = -math.asin(max(-1.0, min(1.0, px * nx + py * ny + pz * nz)))
        return _RE_M * (self._downrange_target - downrange_point), _RE_M * cross


class CargoGuidance:
    """Ascent to cut-off, coast, entry steering and the hoverslam for the cargo hop."""

    def __init__(self, config: FlightSoftwareConfig, plan: FlightPlan) -> None:
        self.config = config
        self.plan = plan
        self.landing = LandingGuidance(config, hover_s_param=None)
        basis = geo.ned_basis(plan.launch_latitude_deg, plan.launch_longitude_deg)
        self._launch_basis: tuple[Vec3, Vec3, Vec3] = (_t3(basis[0]), _t3(basis[1]), _t3(basis[2]))
        self._track = _Track(
            _t3(geo.unit(geo.geodetic_to_ecef(plan.launch_latitude_deg, plan.launch_longitude_deg, 0.0)))
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
        self._wanted_lift = np.zeros(3)  # across the flow, m/s², from the last entry prediction
        self._lift_trim = np.zeros(3)  # tilt added to make the measured lift the wanted one
        self._entry_predict_s = -math.inf
        self._ignition_height_m = _IGNITION_HEIGHT_GUESS_M

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
        direction = np.array(self._program_direction(elapsed, self._azimuth_deg))

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

    def _program_direction(self, elapsed_s: float, azimuth_deg: float) -> Vec3:
        """The pitch program's thrust direction (ECEF) at a time after liftoff, in the azimuth's plane."""
        tilt = math.radians(_interpolate(PITCH_PROGRAM, elapsed_s))
        psi = math.radians(azimuth_deg)
        north, east, down = self._launch_basis
        cp, sp, ct, st = math.cos(psi), math.sin(psi), math.cos(tilt), math.sin(tilt)
        return (
            -ct * down[0] + st * (cp * north[0] + sp * east[0]),
            -ct * down[1] + st * (cp * north[1] + sp * east[1]),
            -ct * down[2] + st * (cp * north[2] + sp * east[2]),
        )

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
        between predictor steps (the impact sweeps hundreds of kilometres a second there); its
        cross-range is the vacuum one plus the same correction, which changes little over the rest
        of the burn. Plain floats: two of these run every second of the ascent.
        """
        nav = inputs.nav
        vehicle = self.config.vehicle
        radius = geo.norm(geo.geodetic_to_ecef(aim[0], aim[1], 0.0))
        px, py, pz = _t3(nav.position_ecef_m)
        vx, vy, vz = _t3(nav.velocity_ecef_mps)
        mass = inputs.mass_kg
        usable = max(mass - vehicle.inert_mass_kg, 0.0)
        flow_per_n = 1.0 / (vehicle.isp_vacuum_s * G0_MPS2)
        max_g = inputs.param("ASC_MAX_G")
        correction_down, correction_cross = self._correction
        t = elapsed_s
        dt = _PREDICT_STEP_S
        previous: tuple[float, float, float] | None = None  # (to go, cross, time) at the last step
        for _ in range(400):
            crossing = kepler_crossing((px, py, pz), (vx, vy, vz), radius)
            if crossing is not None:
                to_go, cross = self._track(aim, crossing[1])
                to_go += correction_down
                cross += correction_cross
                if to_go <= 0.0:
                    if previous is None:
                        return None
                    g0, c0, _ = previous
                    k = g0 / (g0 - to_go)
                    return c0 + k * (cross - c0)
                previous = (to_go, cross, t)
            engines, throttle = ascent_throttle(self.config, max_g, mass, 1e9, 0.0, 1.0)
            thrust = vehicle.thrust_n(engines, throttle, 0.0)
            burned = thrust * flow_per_n * dt
            if burned >= usable:
                return None
            usable -= burned
            dx, dy, dz = self._program_direction(t + 0.5 * dt, azimuth_deg)
            gx, gy, gz = _frame_acceleration((px, py, pz), (vx, vy, vz))
            a = thrust / (mass - 0.5 * burned)
            ax, ay, az = a * dx + gx, a * dy + gy, a * dz + gz
            half = 0.5 * dt * dt
            px, py, pz = px + vx * dt + half * ax, py + vy * dt + half * ay, pz + vz * dt + half * az
            vx, vy, vz = vx + ax * dt, vy + ay * dt, vz + az * dt
            mass -= burned
            t += dt
        return None

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
        position = _t3(nav.position_ecef_m)
        velocity = _t3(nav.velocity_ecef_mps + tail)
        radius = geo.norm(geo.geodetic_to_ecef(aim[0], aim[1], 0.0))
        vacuum = kepler_crossing(position, velocity, radius)
        if vacuum is None:
            return math.inf
        time_of_flight_s, vacuum_point = vacuum
        close = self._last_range_to_go is not None and self._last_range_to_go[1] < _CORRECTION_CLOSE_M
        period = _CORRECTION_CLOSE_PERIOD_S if close else _CORRECTION_PERIOD_S
        if inputs.now_s - self._correction_time_s >= period:
            self._correction_time_s = inputs.now_s
            full = predict_impact(
                position,
                velocity,
                0.0,
                vehicle.drag_coefficient * vehicle.reference_area_m2 / inputs.mass_kg,
                step_fraction=0.1,
                supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
            )
            if full is not None:
                v_track = self._track(aim, vacuum_point)
                f_track = self._track(aim, full.position_ecef_m)
                self._correction = (v_track[0] - f_track[0], f_track[1] - v_track[1])
        to_go, cross = self._track(aim, vacuum_point)
        to_go += self._correction[0]
        cross += self._correction[1]
        self._cross_range_m = cross
        self._time_of_flight_s = time_of_flight_s
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
        if nav.altitude_m < _LANDING_CONSIDERED_BELOW_M:
            geometry = self.landing.geometry(inputs, deck)
            if self.landing.ignition_due(inputs, geometry):
                return self.landing.step(inputs, deck, burning=False)
        speed = geo.norm(nav.velocity_ecef_mps)
        airflow = geo.unit(nav.velocity_ecef_mps)
        q = 0.5 * air_density_kg_per_m3(nav.altitude_m) * speed * speed
        if q <= _ENTRY_MIN_Q_PA:
            self._wanted_lift = np.zeros(3)
            self._lift_trim = np.zeros(3)
            return coast(inputs, "entry, tail first", -airflow)
        vehicle = self.config.vehicle
        # Tail-first body lift is q S CNa sin(d) cos(d) away from the side the nose tilts to.
        authority = q * vehicle.reference_area_m2 * vehicle.normal_force_slope_per_rad / inputs.mass_kg
        if inputs.now_s - self._entry_predict_s >= _ENTRY_PREDICT_PERIOD_S:
            self._entry_predict_s = inputs.now_s
            self._wanted_lift = self._entry_steering(inputs)
        wanted = self._wanted_lift - float(self._wanted_lift @ airflow) * airflow
        # Drive the lift the accelerometers measure (across the flow) to the lift wanted: the trim
        # takes up the attitude autopilot's lag behind a turning flow and the push of cross-winds,
        # which at these dynamic pressures bend the path more than the steering asks for.
        sensed = nav.sensed_acceleration_ecef_mps2
        measured = sensed - float(sensed @ airflow) * airflow
        gain = min(_LIFT_TRIM_PER_S * inputs.dt_s, 1.0)
        trim = self._lift_trim - gain * (wanted - measured) / authority
        trim = trim - float(trim @ airflow) * airflow
        tilt = -wanted / authority + trim
        limit = math.tan(math.radians(_ENTRY_MAX_TILT_DEG))
        size = geo.norm(tilt)
        if size > limit:
            tilt = tilt * (limit / size)
            trim = tilt + wanted / authority  # no wind-up beyond the tilt limit
        self._lift_trim = trim
        # Tail first: the nose points up-stream, tilted off the flow to make lift where it is wanted.
        return coast(inputs, "entry, tail first", geo.unit(-airflow + tilt))

    def _entry_steering(self, inputs: GuidanceInput) -> FloatArray:
        """Acceleration across the flow (m/s²) that moves the landing burn's stop point onto the deck.

        The state is flown ahead (drag, no lift) to the predicted ignition height and the landing
        burn's gravity turn from there; the miss of its stop point is taken out by the ignition as
        a zero-effort miss. The ignition height estimate is refined by each prediction.
        """
        nav = inputs.nav
        vehicle = self.config.vehicle
        deck = inputs.deck
        aim_ecef = deck.center_ecef_m if deck is not None else geo.geodetic_to_ecef(*self._aim(inputs), 0.0)
        deck_velocity = deck.velocity_ecef_mps if deck is not None else np.zeros(3)
        surface = float(geo.ecef_to_geodetic(aim_ecef)[2])
        cg_height = vehicle.cg_height_above_base_m
        ballistic = vehicle.drag_coefficient * vehicle.reference_area_m2 / inputs.mass_kg
        start = _t3(nav.position_ecef_m), _t3(nav.velocity_ecef_mps)
        bend = self._bend(inputs)
        fall = fall_to_height(
            *start,
            surface + self._ignition_height_m + cg_height,
            ballistic,
            step_fraction=0.1,
            supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
            bend=bend,
        )
        miss: FloatArray | None = None
        t_go = 0.0
        if fall is not None:
            position = np.array(fall.position_ecef_m)
            velocity = np.array(fall.velocity_ecef_mps)
            latitude, longitude, altitude = geo.ecef_to_geodetic(position)
            up = -geo.ned_basis(latitude, longitude)[2]
            # Tail first: the base (where the legs are) leads the centre of mass along the flow.
            base = position + cg_height * geo.unit(velocity)
            deck_then = aim_ecef + deck_velocity * fall.time_s
            stop, handover_m = self.landing.planned_stop(
                inputs, base - deck_then, velocity - deck_velocity, up, altitude
            )
            if stop is not None:
                low, high = _IGNITION_HEIGHT_RANGE_M
                estimate = self._ignition_height_m + 0.7 * (handover_m - stop.stop_height_m)
                self._ignition_height_m = min(max(estimate, low), high)
                miss = -stop.stop_offset_ecef_m
                t_go = fall.time_s
        if miss is None:
            point = predict_impact(
                *start,
                surface,
                ballistic,
                step_fraction=0.1,
                supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
            )
            if point is None:
                return np.zeros(3)
            miss = aim_ecef - np.array(point.position_ecef_m)
            t_go = point.time_to_impact_s
        airflow = geo.unit(nav.velocity_ecef_mps)
        across = miss - float(miss @ airflow) * airflow
        t_go = max(t_go, _ENTRY_MIN_TIME_TO_GO_S)
        wanted_accel = _ENTRY_AIM_GAIN * across / (t_go * t_go)
        # Low in the air the lift also bends the path towards the vertical, as the prediction has it.
        wanted_accel = wanted_accel + bend.at(nav.position_ecef_m, nav.velocity_ecef_mps)
        return np.asarray(wanted_accel, dtype=np.float64)

    def _bend(self, inputs: GuidanceInput) -> Bend:
        """The steepening lift of the low entry (``ENT_BEND_MPS2``), within a share of the lift the
        largest tilt gives so that the aim keeps some."""
        vehicle = self.config.vehicle
        per_pa = vehicle.reference_area_m2 * vehicle.normal_force_slope_per_rad / inputs.mass_kg
        cap = _BEND_LIFT_SHARE * per_pa * math.tan(math.radians(_ENTRY_MAX_TILT_DEG))
        return Bend(inputs.param("ENT_BEND_MPS2"), _BEND_BELOW_M, cap)


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


def _t3(v: FloatArray) -> Vec3:
    return float(v[0]), float(v[1]), float(v[2])
