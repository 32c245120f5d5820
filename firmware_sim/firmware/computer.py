"""The flight computer: one object whose ``tick(sensors, now_s, dt_s)`` turns a sensor frame into an
actuator frame, plus the ground's commands, the flight plan and a telemetry snapshot.

This is the seam between the flight software and everything around it (SITL runner, MAVLink
endpoint, HIL bridge):

* ``FlightComputer(config, params, *, seed)``; ``params`` is anything with ``get(name) -> float``
  (``ParamSource``), read every tick so a parameter set from the ground acts at once;
  ``param_veto(name, value)`` says why a parameter may not change now (the cargo mass, once armed;
  the guidance flies the dry vehicle plus that cargo, fixed when the vehicle is armed);
* ``set_flight_plan(plan)``, ``command(command, now_s, args) -> CommandOutcome``,
  ``ground_link(up, now_s)``;
* ``tick(sensors, now_s, dt_s) -> ActuatorFrame`` and ``telemetry() -> FlightTelemetry``.

Time is always an argument: the computer never reads a clock, sleeps or does I/O, and for a given
seed and input sequence it gives the same outputs. It sequences the phases (``phases.py``), runs
the ignition-to-liftoff checks, navigation, guidance, red lines and link rules, and shapes
guidance's thrust demand into attitude, gimbal, engine and valve commands. Knows nothing of the
physics models, MAVLink or the simulator's clock.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Mapping
from typing import Protocol

import numpy as np

from firmware_sim.firmware import geometry as geo
from firmware_sim.firmware.commands import CommandOutcome, CommandResult, VehicleCommand
from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.failsafes import LinkMonitor, RedLineInputs, RedLineMonitor
from firmware_sim.firmware.flight_plan_types import FlightPlan, MissionKind
from firmware_sim.firmware.frames import ActuatorFrame, Quaternion, SensorFrame
from firmware_sim.firmware.guidance_cargo import CargoGuidance
from firmware_sim.firmware.guidance_common import (
    Guidance,
    GuidanceInput,
    GuidanceOutput,
    air_density_kg_per_m3,
    ambient_pressure_pa,
    unit,
)
from firmware_sim.firmware.guidance_hop import HopGuidance
from firmware_sim.firmware.iip import predict_impact
from firmware_sim.firmware.navigation import (
    DeckEstimate,
    NavGains,
    NavigationUnavailable,
    Navigator,
    NavState,
    deck_estimate,
)
from firmware_sim.firmware.param_defs import CARGO_MASS_PARAM, cargo_mass_kg
from firmware_sim.firmware.phases import AIRBORNE_PHASES, PhaseEvent, coarse_state, next_phase
from firmware_sim.firmware.telemetry import (
    CountdownTelemetry,
    EngineTelemetry,
    FailsafeFlags,
    FlightTelemetry,
    ImpactPointEstimate,
    NavigationEstimate,
    Severity,
    StatusEvent,
    TankTelemetry,
    TouchdownTelemetry,
)
from gcs.protocol.dialect import EngineState, FlightPhase

__all__ = [
    "ActuatorFrame",
    "CommandOutcome",
    "CommandResult",
    "FlightComputer",
    "FlightPlan",
    "FlightSoftwareConfig",
    "FlightTelemetry",
    "ParamSource",
    "SensorFrame",
    "VehicleCommand",
]

P = FlightPhase
E = PhaseEvent
#: How many recent STATUSTEXT-worthy events telemetry carries.
_RECENT_EVENTS = 16
#: Chamber pressure (fraction of nominal) above which an engine counts as burning.
_BURNING_PC_FRACTION = 0.05
#: The impact point is worked out at most this often (s of simulation time): it costs milliseconds.
_IIP_PERIOD_S = 1.0
_IIP_VACUUM_PERIOD_S = 10.0
_IIP_VACUUM_M = 100_000.0
#: Seconds of venting that passivate the tanks in SAFING.
_SAFING_VENT_S = 5.0
#: Vertical speed (m/s, up) that tells a released vehicle has left the pad.
_LIFTOFF_CLIMB_MPS = 0.5
#: Attitude lead (s): commanding the wanted axis this far ahead makes up most of the autopilot's lag.
_ATTITUDE_LEAD_S = 1.0


class ParamSource(Protocol):
    """Where the flight software reads its parameters (``firmware_sim.firmware.params.ParamStore``)."""

    def get(self, name: str) -> float: ...


class FlightComputer:
    """The simulated flight computer (see the module docstring for the contract)."""

    def __init__(self, config: FlightSoftwareConfig, params: ParamSource, *, seed: int) -> None:
        self.config = config
        self._params = params
        self._seed = seed
        self._phase = P.SAFE
        self._armed = False
        self._plan: FlightPlan | None = None
        self._guidance: Guidance | None = None
        self._target_name: str | None = None
        self._diverted = False
        self._navigator = Navigator()
        self._nav: NavState | None = None
        self._deck: DeckEstimate | None = None
        # The target's broadcast and time of this tick, until ``_deck_now`` works out the estimate.
        self._deck_pending: tuple[SensorFrame, str | None, float] | None = None
        self._redlines = RedLineMonitor()
        self._link = LinkMonitor()
        self._link_lost_latched = False
        self._events: collections.deque[StatusEvent] = collections.deque(maxlen=_RECENT_EVENTS)
        self._event_seq = 0
        self._now_s = 0.0
        self._phase_since_s = 0.0
        self._t_zero_s: float | None = None
        self._launch_pending = False
        self._ignition_start_s: float | None = None
        self._pc_in_band_since_s: float | None = None
        self._clamps_released_s: float | None = None
        self._liftoff_s: float | None = None
        self._hold_attitude: Quaternion | None = None
        self._last_axis_wanted: np.ndarray | None = None
        self._actuators = ActuatorFrame(0, 0.0, (1.0, 0.0, 0.0, 0.0))
        self._sensors: SensorFrame | None = None
        self._expected_fraction = 0.0  # the engine's thrust fraction as the computer expects it
        self._engines_expected = 0
        self._ignitions = 0
        self._engine_out = False
        self._auto_abort = False
        self._guidance_mode = "idle"
        self._iip: ImpactPointEstimate | None = None
        self._iip_time_s = -math.inf
        self._touchdown: TouchdownTelemetry | None = None
        self._safing_since_s: float | None = None

    # --- ground interface -------------------------------------------------------------------------

    def param(self, name: str) -> float:
        return float(self._params.get(name))

    def param_veto(self, name: str, value: float) -> str:
        """Why parameter ``name`` may not be set to ``value`` now (``""``: it may)."""
        if name == CARGO_MASS_PARAM and (self._armed or self._phase not in (P.SAFE, P.STANDBY)):
            return f"{name} is locked while armed or in flight (it may change in SAFE or STANDBY, disarmed)"
        return ""

    @property
    def cargo_mass_kg(self) -> float:
        """The cargo loaded (kg): CARGO_MASS_KG as the ground set it, or the configured cargo."""
        return cargo_mass_kg(self.param(CARGO_MASS_PARAM), self.config.vehicle)

    def _loaded_config(self) -> FlightSoftwareConfig:
        """The config with the cargo loaded now (what the guidance plans with)."""
        return dataclasses.replace(self.config, vehicle=self.config.vehicle.with_cargo(self.cargo_mass_kg))

    @property
    def phase(self) -> FlightPhase:
        return self._phase

    @property
    def flight_plan(self) -> FlightPlan | None:
        return self._plan

    def set_flight_plan(self, plan: FlightPlan) -> CommandOutcome:
        """Load a flight plan (refused once the vehicle is armed: disarm first)."""
        if self._armed or self._phase not in (P.SAFE, P.STANDBY):
            return CommandOutcome.denied("flight plan is locked while armed or in flight")
        self._plan = plan
        self._target_name = plan.target.name
        self._diverted = False
        self._guidance = self._build_guidance(plan)
        self._event(Severity.INFO, f"flight plan loaded: {plan.mission.name} to {plan.target.name}")
        return CommandOutcome.accepted()

    def ground_link(self, up: bool, now_s: float) -> None:
        """The endpoint reports the ground link: call with True on every heartbeat from the ground,
        False when it gives up. Until the first call the link is not watched."""
        self._link.report(up, now_s)
        if up and self._link_lost_latched:
            self._link_lost_latched = False
            self._event(Severity.NOTICE, "ground link regained")

    def command(
        self, command: VehicleCommand, now_s: float, args: Mapping[str, float] | None = None
    ) -> CommandOutcome:
        """Act on a ground command, or deny it with the reason (see ``_check``)."""
        args = args or {}
        outcome = self._check(command)
        if outcome is not None:
            self._event(Severity.WARNING, f"{command.name} denied: {outcome.reason}")
            return outcome
        phase = self._phase
        if command is VehicleCommand.ARM:
            if self._armed:
                return CommandOutcome.accepted("already armed")
            assert self._plan is not None  # _check
            # The cargo is locked from now on: the guidance plans with what is loaded now.
            self._guidance = self._build_guidance(self._plan)
            self._armed = True
            self._event(Severity.NOTICE, "armed")
        elif command is VehicleCommand.DISARM:
            self._armed = False
            self._launch_pending = False
            self._apply(E.DISARM, now_s)
            self._event(Severity.NOTICE, "disarmed")
        elif command is VehicleCommand.START_TERMINAL_COUNT:
            self._apply(E.START_COUNT, now_s)
        elif command is VehicleCommand.LAUNCH:
            lead = self.param("IGN_LEAD_S")
            t_zero = float(args.get("t_zero_s", now_s + lead))
            self._t_zero_s = max(t_zero, now_s + lead)
            self._launch_pending = True
            self._event(Severity.NOTICE, f"ignition go: T-0 at {self._t_zero_s:.1f} s")
            if now_s >= self._t_zero_s - lead:
                self._begin_ignition(now_s)
        elif command is VehicleCommand.HOLD:
            self._launch_pending = False
            self._apply(E.HOLD, now_s, "hold commanded")
        elif command is VehicleCommand.ABORT:
            self._launch_pending = False
            self._apply(E.ABORT, now_s, "abort commanded")
        elif command is VehicleCommand.FLIGHT_TERMINATION:
            self._apply(E.TERMINATE, now_s, "flight termination commanded")
        elif command is VehicleCommand.DIVERT:
            assert self._plan is not None
            assert self._plan.alternate is not None
            self._target_name = self._plan.alternate.name
            self._diverted = True
            self._event(Severity.WARNING, f"diverting to {self._target_name}")
        elif command is VehicleCommand.SAFE_VEHICLE:
            if phase is P.SAFE:
                return CommandOutcome.accepted("already safe")
            if phase is P.SAFING:
                return CommandOutcome(CommandResult.IN_PROGRESS, "safing", self._safing_progress_pct(now_s))
            self._launch_pending = False
            self._apply(E.SAFE_VEHICLE, now_s, "safing commanded")
        return CommandOutcome.accepted()

    def _check(self, command: VehicleCommand) -> CommandOutcome | None:
        """Why ``command`` cannot be done now (None: it can)."""
        phase = self._phase
        denied = CommandOutcome.denied
        if command is VehicleCommand.ARM:
            if phase is P.SAFE:
                return denied("self test not complete")
            if phase is not P.STANDBY:
                return denied(f"cannot arm in {phase.name}")
            if self._plan is None:
                return denied("no flight plan loaded")
        elif command is VehicleCommand.DISARM:
            if phase not in (P.SAFE, P.STANDBY, P.TERMINAL_COUNT):
                return denied(f"cannot disarm in {phase.name}")
        elif command is VehicleCommand.START_TERMINAL_COUNT:
            if phase is not P.STANDBY:
                return denied(f"terminal count needs STANDBY, vehicle is in {phase.name}")
            if not self._armed:
                return denied("vehicle not armed")
            if self._plan is None:
                return denied("no flight plan loaded")
        elif command is VehicleCommand.LAUNCH:
            if not self._armed:
                return denied("vehicle not armed")
            if phase is not P.TERMINAL_COUNT:
                return denied(f"launch needs TERMINAL_COUNT, vehicle is in {phase.name}")
            if self._launch_pending:
                return denied("ignition already commanded")
            if self._nav is None:
                return denied("navigation not ready")
        elif command is VehicleCommand.HOLD:
            if phase not in (P.TERMINAL_COUNT, P.IGNITION):
                return denied(f"no count to hold in {phase.name}")
        elif command is VehicleCommand.ABORT:
            if phase in (P.SAFE, P.SAFING, P.TOUCHDOWN, P.ABORT, P.FLIGHT_TERMINATION):
                return denied(f"nothing to abort in {phase.name}")
        elif command is VehicleCommand.FLIGHT_TERMINATION:
            if phase in (P.SAFE, P.SAFING, P.FLIGHT_TERMINATION):
                return denied(f"flight termination not possible in {phase.name}")
        elif command is VehicleCommand.DIVERT:
            if self._plan is None or self._plan.alternate is None:
                return denied("no alternate platform in the flight plan")
            if self._diverted:
                return denied("already diverted")
            if phase in (P.TOUCHDOWN, P.SAFING, P.ABORT, P.FLIGHT_TERMINATION) or (
                phase is P.SAFE and self._liftoff_s is not None
            ):
                return denied(f"cannot divert in {phase.name}")
        elif command is VehicleCommand.SAFE_VEHICLE and phase in AIRBORNE_PHASES | {P.IGNITION}:
            return denied(f"cannot safe the vehicle in {phase.name}")
        return None

    # --- the tick -------------------------------------------------------------------------------

    def tick(self, sensors: SensorFrame, now_s: float, dt_s: float) -> ActuatorFrame:
        """One control cycle: sense, decide, command. ``dt_s`` is the time since the last tick."""
        self._now_s = now_s
        self._sensors = sensors
        try:
            nav = self._navigator.update(sensors, dt_s, self._nav_gains())
        except NavigationUnavailable:
            self._actuators = ActuatorFrame(0, 0.0, sensors.imu.attitude_ecef_from_body)
            return self._actuators
        self._nav = nav
        # Where the target deck is, worked out when first asked for in this tick (in flight; the pad
        # does not need it, and a broadcast's position costs as much as the rest of a pad tick).
        self._deck_pending = (sensors, self._target_name, now_s)
        self._track_engine(dt_s)
        self._link_rules(now_s)
        phase = self._phase
        if phase is P.SAFE:
            if self._liftoff_s is None and self._self_test_ok(sensors):
                self._apply(E.SELF_TEST_OK, now_s, "self test passed")
        elif phase is P.TERMINAL_COUNT:
            lead = self.param("IGN_LEAD_S")
            if self._launch_pending and self._t_zero_s is not None and now_s >= self._t_zero_s - lead:
                self._begin_ignition(now_s)
        if sensors.touchdown_contact and self._phase in AIRBORNE_PHASES:
            self._record_touchdown(now_s)
            self._apply(E.TOUCHDOWN, now_s, "touchdown")
        frame = self._phase_actuators(sensors, nav, now_s, dt_s)
        self._watch_redlines(nav, frame, now_s)
        if self._phase is P.ABORT or self._phase is P.FLIGHT_TERMINATION:
            frame = self._phase_actuators(sensors, nav, now_s, dt_s)
        self._update_iip(nav, now_s)
        if frame.engine_on and not self._actuators.engine_on and self._expected_fraction == 0.0:
            self._ignitions += 1
        self._actuators = frame
        return frame

    def _deck_now(self) -> DeckEstimate | None:
        """The target deck's estimate at this tick (that of the last tick navigation ran)."""
        pending = self._deck_pending
        if pending is not None:
            sensors, target, now_s = pending
            sample = sensors.deck(target) if target else None
            self._deck = deck_estimate(sample, now_s) if sample is not None else None
            self._deck_pending = None
        return self._deck

    def _phase_actuators(
        self, sensors: SensorFrame, nav: NavState, now_s: float, dt_s: float
    ) -> ActuatorFrame:
        phase = self._phase
        hold = self._held_attitude(nav)
        if phase is P.IGNITION:
            return self._ignition(sensors, nav, now_s, hold)
        if phase in AIRBORNE_PHASES:
            return self._guided(nav, now_s, dt_s)
        if phase is P.TOUCHDOWN:
            if not self._engine_burning(sensors):
                self._apply(E.AT_REST, now_s, "engine safe after touchdown")
            return ActuatorFrame(0, 0.0, hold, release_clamps=True)
        if phase is P.SAFING:
            if self._safing_since_s is None:
                self._safing_since_s = now_s
            if now_s - self._safing_since_s >= _SAFING_VENT_S and not self._engine_burning(sensors):
                self._armed = False
                self._apply(E.SAFED, now_s, "vehicle safe: tanks vented, disarmed")
            return ActuatorFrame(
                0, 0.0, hold, release_clamps=self._liftoff_s is not None, vent_lox=True, vent_ch4=True
            )
        if phase is P.ABORT:
            at_rest = sensors.touchdown_contact or (sensors.clamps_closed and self._liftoff_s is None)
            if at_rest and not self._engine_burning(sensors):
                self._apply(E.AT_REST, now_s, "vehicle at rest after abort")
            return ActuatorFrame(0, 0.0, hold, release_clamps=self._liftoff_s is not None)
        if phase is P.FLIGHT_TERMINATION:
            return ActuatorFrame(0, 0.0, hold, release_clamps=self._liftoff_s is not None, fts_fire=True)
        return ActuatorFrame(0, 0.0, hold)

    def _ignition(self, sensors: SensorFrame, nav: NavState, now_s: float, hold: Quaternion) -> ActuatorFrame:
        """Ignition to liftoff: chamber pressure into its band in time, clamps released, a climb."""
        engines = self.config.vehicle.engine_count
        start = self._ignition_start_s if self._ignition_start_s is not None else now_s
        nominal = self.config.vehicle.chamber_pressure_nominal_pa
        low, high = self.param("IGN_PC_LOW") * nominal, self.param("IGN_PC_HIGH") * nominal
        pressures = sensors.chamber_pressure_pa[:engines]
        in_band = len(pressures) == engines and all(low <= pc <= high for pc in pressures)
        if self._clamps_released_s is None:
            if in_band:
                if self._pc_in_band_since_s is None:
                    self._pc_in_band_since_s = now_s
                if now_s - self._pc_in_band_since_s >= self.param("IGN_HOLD_S"):
                    self._clamps_released_s = now_s
                    self._event(Severity.INFO, "chamber pressure in band: clamps released")
            else:
                self._pc_in_band_since_s = None
                if now_s - start > self.param("IGN_PC_TIMEOUT"):
                    self._fail_ignition(now_s, "chamber pressure out of band")
                    return ActuatorFrame(0, 0.0, hold)
        else:
            if nav.vertical_speed_up_mps > _LIFTOFF_CLIMB_MPS and not sensors.clamps_closed:
                self._liftoff_s = now_s
                self._apply(E.LIFTOFF, now_s, "liftoff")
                return self._guided(nav, now_s, 0.0)
            if not in_band:
                self._fail_ignition(now_s, "chamber pressure left its band before liftoff")
                return ActuatorFrame(0, 0.0, hold)
            if now_s - self._clamps_released_s > self.param("LIFTOFF_TMO_S"):
                self._fail_ignition(now_s, "no liftoff after clamp release")
                return ActuatorFrame(0, 0.0, hold)
        return ActuatorFrame(engines, 1.0, hold, release_clamps=self._clamps_released_s is not None)

    def _guided(self, nav: NavState, now_s: float, dt_s: float) -> ActuatorFrame:
        guidance = self._guidance
        assert guidance is not None
        output = guidance.step(
            GuidanceInput(
                now_s,
                dt_s,
                self._phase,
                nav,
                self._mass_kg(),
                self._deck_now,
                self._target_name or "",
                self._engines_running(),
                self.param,
            )
        )
        self._guidance_mode = output.mode
        if output.event is not None:
            self._apply(output.event, now_s, output.mode)
        return self._shape(output, nav, dt_s)

    def _shape(self, output: GuidanceOutput, nav: NavState, dt_s: float) -> ActuatorFrame:
        """Attitude (with lead) and gimbal from guidance's thrust direction and wanted body axis."""
        thrust_dir = unit(np.asarray(output.thrust_direction_ecef, dtype=np.float64))
        axis = thrust_dir if output.body_axis_ecef is None else unit(output.body_axis_ecef)
        previous = self._last_axis_wanted
        self._last_axis_wanted = axis
        lead_axis = axis
        if output.body_axis_rate_ecef is not None:
            lead_axis = geo.unit(axis + _ATTITUDE_LEAD_S * output.body_axis_rate_ecef)
        elif previous is not None and dt_s > 0:
            rate = (axis - previous) / dt_s
            # Only slow, smooth motions are led: a jump (a new mode) would be amplified otherwise.
            if geo.norm(rate) < math.radians(self.config.vehicle.max_rate_dps):
                lead_axis = unit(axis + _ATTITUDE_LEAD_S * rate)
        q_now = nav.attitude_ecef_from_body
        current_axis = nav.body_axis_ecef
        turn = geo.quat_shortest_arc(current_axis, lead_axis)
        q_cmd = geo.quat_normalize(geo.quat_multiply(turn, q_now))
        gimbal = self._gimbal_for(thrust_dir, q_now) if output.engines_lit > 0 else (0.0, 0.0)
        return ActuatorFrame(
            output.engines_lit,
            min(max(output.throttle, 0.0), 1.0),
            (float(q_cmd[0]), float(q_cmd[1]), float(q_cmd[2]), float(q_cmd[3])),
            gimbal_deg=gimbal,
            cutoff_in_s=output.cutoff_in_s,
            release_clamps=True,
        )

    def _gimbal_for(self, thrust_dir_ecef: np.ndarray, q_now: np.ndarray) -> tuple[float, float]:
        """Gimbal angles that point the thrust along ``thrust_dir_ecef`` from the present attitude."""
        body = geo.quat_rotate(geo.quat_conjugate(q_now), thrust_dir_ecef)
        lateral = math.hypot(float(body[1]), float(body[2]))
        if lateral < 1e-9:
            return 0.0, 0.0
        tilt = min(math.atan2(lateral, float(body[0])), math.radians(self.config.vehicle.gimbal_limit_deg))
        scale = math.degrees(tilt) / lateral
        return float(body[1]) * scale, float(body[2]) * scale

    # --- phases, events, checks -------------------------------------------------------------------

    def _apply(self, event: PhaseEvent, now_s: float, why: str = "") -> bool:
        new = next_phase(self._phase, event)
        if new is None or new is self._phase:
            return False
        old = self._phase
        self._phase = new
        self._phase_since_s = now_s
        self._hold_attitude = None
        self._last_axis_wanted = None
        if new is P.SAFING:
            self._safing_since_s = now_s
        if new in (P.ABORT, P.FLIGHT_TERMINATION):
            self._launch_pending = False
        severity = {
            P.ABORT: Severity.CRITICAL,
            P.FLIGHT_TERMINATION: Severity.EMERGENCY,
        }.get(new, Severity.INFO)
        detail = f" ({why})" if why else ""
        self._event(severity, f"{old.name} -> {new.name}{detail}")
        return True

    def _event(self, severity: Severity, text: str) -> None:
        self._event_seq += 1
        self._events.append(StatusEvent(self._event_seq, self._now_s, severity, text))

    def _begin_ignition(self, now_s: float) -> None:
        if self._apply(E.IGNITION_GO, now_s, "ignition"):
            self._ignition_start_s = now_s
            self._pc_in_band_since_s = None
            self._clamps_released_s = None
            self._launch_pending = False

    def _fail_ignition(self, now_s: float, why: str) -> None:
        self._auto_abort = True
        self._apply(E.IGNITION_FAILED, now_s, f"pad abort: {why}")

    def _self_test_ok(self, sensors: SensorFrame) -> bool:
        return sensors.gnss.fix_ok and sensors.clamps_closed and not self._engine_burning(sensors)

    def _link_rules(self, now_s: float) -> None:
        """Before liftoff a lost link holds and safes; in flight the vehicle carries on by itself."""
        if not self._link.watched or not self._link.lost(now_s, self.param("GL_TIMEOUT_S")):
            return
        if not self._link_lost_latched:
            self._link_lost_latched = True
            airborne = self._phase in AIRBORNE_PHASES
            self._event(
                Severity.WARNING, "ground link lost" + (": continuing autonomously" if airborne else "")
            )
        if self._phase is P.STANDBY and self._armed:
            self._armed = False
            self._event(Severity.WARNING, "disarmed: ground link lost before launch")
        if self._phase in (P.TERMINAL_COUNT, P.IGNITION):
            self._launch_pending = False
            self._apply(E.LINK_LOST, now_s, "ground link lost before liftoff")

    def _watch_redlines(self, nav: NavState, frame: ActuatorFrame, now_s: float) -> None:
        if self._phase not in AIRBORNE_PHASES:
            return
        speed = geo.norm(nav.velocity_ecef_mps)
        wanted = self._last_axis_wanted
        error = 0.0
        if wanted is not None and frame.engines_lit > 0:
            error = math.degrees(math.acos(float(np.clip(wanted @ nav.body_axis_ecef, -1.0, 1.0))))
        # Only engines that have had time to settle are held to the engine-out fraction.
        steady = self._engines_expected if self._expected_fraction > 0.6 * self._commanded_throttle() else 0
        tripped = self._redlines.update(
            RedLineInputs(
                self._phase,
                0.5 * air_density_kg_per_m3(nav.altitude_m) * speed * speed,
                nav.axial_load_g,
                error,
                steady,
                self._engines_burning_count(self.param("RL_PC_LOW")),
            ),
            now_s,
            self.param,
        )
        if tripped:
            self._engine_out = tripped.startswith("engine out")
            if self._engine_out and self._propellant_depleted():
                # Not a failed engine: a tank ran dry (the flame-out looks the same in the chamber).
                self._engine_out = False
                tripped = self._redlines.tripped = "propellant depleted"
            self._auto_abort = True
            self._apply(E.REDLINE, now_s, f"red line: {tripped}")

    # --- engine bookkeeping -----------------------------------------------------------------------

    def _commanded_throttle(self) -> float:
        return (
            max(self._actuators.throttle, self.config.vehicle.min_throttle)
            if self._actuators.engines_lit
            else 0.0
        )

    def _track_engine(self, dt_s: float) -> None:
        """The thrust fraction the engine should have now, from what was commanded (ramps and slews)."""
        vehicle = self.config.vehicle
        frame = self._actuators
        lit = frame.engines_lit if frame.engine_on else 0
        target = self._commanded_throttle() if lit else 0.0
        if lit == 0:
            rate = 1.0 / vehicle.shutdown_ramp_s
        elif self._expected_fraction < vehicle.min_throttle and target > self._expected_fraction:
            rate = 1.0 / vehicle.ignition_ramp_s
        else:
            rate = vehicle.throttle_slew_per_s
        step = rate * dt_s
        delta = target - self._expected_fraction
        self._expected_fraction += max(-step, min(step, delta))
        self._engines_expected = lit

    def _engines_burning_count(self, fraction_of_expected: float) -> int:
        sensors = self._sensors
        if sensors is None:
            return 0
        threshold = (
            fraction_of_expected * self._expected_fraction * self.config.vehicle.chamber_pressure_nominal_pa
        )
        return sum(1 for pc in sensors.chamber_pressure_pa if pc > max(threshold, 1.0))

    def _engine_burning(self, sensors: SensorFrame) -> bool:
        floor = _BURNING_PC_FRACTION * self.config.vehicle.chamber_pressure_nominal_pa
        return any(pc > floor for pc in sensors.chamber_pressure_pa)

    def _engines_running(self) -> int:
        sensors = self._sensors
        if sensors is None:
            return 0
        floor = _BURNING_PC_FRACTION * self.config.vehicle.chamber_pressure_nominal_pa
        return sum(1 for pc in sensors.chamber_pressure_pa if pc > floor)

    def _propellant_depleted(self) -> bool:
        """The tanks are down to their residuals (what no engine can draw)."""
        sensors = self._sensors
        vehicle = self.config.vehicle
        if sensors is None:
            return False
        fraction = 1.05 * vehicle.unusable_fraction
        return (
            sensors.lox_mass_kg <= fraction * vehicle.lox_mass_kg
            or sensors.ch4_mass_kg <= fraction * vehicle.ch4_mass_kg
        )

    def _mass_kg(self) -> float:
        sensors = self._sensors
        tanks = (sensors.lox_mass_kg + sensors.ch4_mass_kg) if sensors is not None else 0.0
        return self.config.vehicle.dry_mass_kg + self.cargo_mass_kg + tanks

    def _thrust_estimate_n(self) -> float:
        sensors, nav = self._sensors, self._nav
        if sensors is None or nav is None:
            return 0.0
        vehicle = self.config.vehicle
        pressure = ambient_pressure_pa(nav.altitude_m)
        total = 0.0
        for pc in sensors.chamber_pressure_pa:
            if pc > _BURNING_PC_FRACTION * vehicle.chamber_pressure_nominal_pa:
                fraction = pc / vehicle.chamber_pressure_nominal_pa
                total += max(fraction * vehicle.thrust_vacuum_n - pressure * vehicle.exit_area_m2, 0.0)
        return total

    # --- helpers ---------------------------------------------------------------------------------

    def _nav_gains(self) -> NavGains:
        return NavGains(
            self.param("NAV_POS_GAIN"),
            self.param("NAV_VEL_GAIN"),
            self.param("NAV_BARO_GAIN"),
            self.param("NAV_BARO_TOP"),
        )

    def _held_attitude(self, nav: NavState) -> Quaternion:
        """The attitude latched when the phase began (held, not chasing the IMU's noise)."""
        if self._hold_attitude is None:
            q = nav.attitude_ecef_from_body
            self._hold_attitude = (float(q[0]), float(q[1]), float(q[2]), float(q[3]))
        return self._hold_attitude

    def _safing_progress_pct(self, now_s: float) -> int:
        since = self._safing_since_s if self._safing_since_s is not None else now_s
        return int(min(100.0, 100.0 * (now_s - since) / _SAFING_VENT_S))

    def _record_touchdown(self, now_s: float) -> None:
        nav, deck = self._nav, self._deck_now()
        if nav is None:
            return
        name = self._target_name or ""
        if deck is None:
            self._touchdown = TouchdownTelemetry(
                now_s,
                name,
                -nav.vertical_speed_up_mps,
                geo.norm(nav.velocity_ned_mps[:2]),
                0.0,
                math.nan,
            )
            return
        relative = nav.velocity_ecef_mps - deck.velocity_ecef_mps
        normal = deck.normal_ecef
        vertical = -float(relative @ normal)
        horizontal = geo.norm(relative + vertical * normal)
        tilt = math.degrees(math.acos(float(np.clip(nav.body_axis_ecef @ normal, -1.0, 1.0))))
        base = nav.position_ecef_m - self.config.vehicle.cg_height_above_base_m * nav.body_axis_ecef
        offset = base - deck.center_ecef_m
        miss = geo.norm(offset - float(offset @ normal) * normal)
        self._touchdown = TouchdownTelemetry(now_s, name, vertical, horizontal, tilt, miss)
        self._event(Severity.NOTICE, self._touchdown.text)

    def _update_iip(self, nav: NavState, now_s: float) -> None:
        if self._phase not in AIRBORNE_PHASES and self._phase not in (P.ABORT, P.FLIGHT_TERMINATION):
            return
        if self._phase in (P.ABORT, P.FLIGHT_TERMINATION) and self._liftoff_s is None:
            return
        # Out of the air the impact point moves slowly and costs the most to predict.
        period = _IIP_PERIOD_S if nav.altitude_m < _IIP_VACUUM_M else _IIP_VACUUM_PERIOD_S
        if now_s - self._iip_time_s < period:
            return
        self._iip_time_s = now_s
        vehicle = self.config.vehicle
        deck = self._deck_now()
        surface = geo.ecef_to_geodetic(deck.center_ecef_m)[2] if deck is not None else 0.0
        point = predict_impact(
            (float(nav.position_ecef_m[0]), float(nav.position_ecef_m[1]), float(nav.position_ecef_m[2])),
            (
                float(nav.velocity_ecef_mps[0]),
                float(nav.velocity_ecef_mps[1]),
                float(nav.velocity_ecef_mps[2]),
            ),
            surface,
            vehicle.drag_coefficient * vehicle.reference_area_m2 / max(self._mass_kg(), 1.0),
            step_fraction=0.1,
            supersonic_drag_ratio=vehicle.supersonic_drag_ratio,
        )
        if point is None:
            self._iip = None
            return
        distance = math.nan
        plan = self._plan
        if plan is not None:
            site = plan.alternate if self._diverted and plan.alternate is not None else plan.target
            distance = float(
                geo.great_circle_distance_m(
                    point.latitude_deg, point.longitude_deg, site.latitude_deg, site.longitude_deg
                )
            )
        self._iip = ImpactPointEstimate(
            point.latitude_deg, point.longitude_deg, point.time_to_impact_s, distance
        )

    def _build_guidance(self, plan: FlightPlan) -> Guidance:
        config = self._loaded_config()
        if plan.mission is MissionKind.HOP_TEST:
            return HopGuidance(config, plan)
        return CargoGuidance(config, plan)

    # --- telemetry -----------------------------------------------------------------------------

    def telemetry(self) -> FlightTelemetry:
        """A snapshot of everything the ground is told (cheap: no prediction is run here)."""
        nav = self._nav
        sensors = self._sensors
        airborne = self._liftoff_s is not None and self._touchdown is None and self._phase is not P.SAFE
        mav_state, landed = coarse_state(self._phase, airborne)
        vehicle = self.config.vehicle
        running = self._engines_running()
        pcs = [pc for pc in (sensors.chamber_pressure_pa if sensors else ()) if pc > 0.0]
        lox = sensors.lox_mass_kg if sensors else vehicle.lox_mass_kg
        ch4 = sensors.ch4_mass_kg if sensors else vehicle.ch4_mass_kg
        t_zero = self._t_zero_s
        return FlightTelemetry(
            time_s=self._now_s,
            phase=self._phase,
            mav_state=mav_state,
            landed_state=landed,
            armed=self._armed,
            flight_plan_loaded=self._plan is not None,
            landing_target=self._target_name,
            guidance_mode=self._guidance_mode,
            navigation=self._navigation_estimate(nav),
            engine=EngineTelemetry(
                self._engine_state(running),
                running,
                sum(pcs) / len(pcs) if pcs else 0.0,
                self._thrust_estimate_n(),
                self._actuators.throttle if self._actuators.engines_lit else 0.0,
                self._ignitions,
            ),
            tanks=TankTelemetry(
                lox,
                ch4,
                lox / vehicle.lox_mass_kg,
                ch4 / vehicle.ch4_mass_kg,
                self._actuators.vent_lox or self._actuators.vent_ch4,
            ),
            countdown=CountdownTelemetry(
                t_zero, None if t_zero is None else self._now_s - t_zero, self._liftoff_s
            ),
            impact_point=self._iip,
            touchdown=self._touchdown,
            last_event=self._events[-1] if self._events else None,
            recent_events=tuple(self._events),
            failsafes=FailsafeFlags(
                ground_link_lost=self._link_lost_latched,
                engine_out=self._engine_out,
                redline=self._redlines.tripped,
                navigation_degraded=nav is None or not nav.gnss_ok,
                auto_abort=self._auto_abort,
                diverted=self._diverted,
            ),
        )

    def _engine_state(self, running: int) -> EngineState:
        if self._engine_out:
            return EngineState.FAULT
        commanded = self._actuators.engine_on
        if running and not commanded:
            return EngineState.SHUTDOWN
        if commanded and self._expected_fraction < self.config.vehicle.min_throttle:
            return EngineState.IGNITION
        if running:
            return EngineState.RUNNING
        return EngineState.OFF

    def _navigation_estimate(self, nav: NavState | None) -> NavigationEstimate:
        if nav is None:
            zero3 = (0.0, 0.0, 0.0)
            unit_q = (1.0, 0.0, 0.0, 0.0)
            return NavigationEstimate(
                self._now_s, 0.0, 0.0, 0.0, zero3, zero3, zero3, unit_q, unit_q, zero3, zero3, False, False
            )
        # NED-from-body = (ECEF-from-NED)⁻¹ ∘ ECEF-from-body; the NED axes in ECEF are the basis rows.
        basis = nav.ned_from_ecef
        q_ecef_from_ned = geo.quat_from_axes(basis[0], basis[1], basis[2])
        q_ned = geo.quat_normalize(
            geo.quat_multiply(geo.quat_conjugate(q_ecef_from_ned), nav.attitude_ecef_from_body)
        )
        v_ned = nav.velocity_ned_mps

        def t3(v: np.ndarray) -> tuple[float, float, float]:
            return float(v[0]), float(v[1]), float(v[2])

        return NavigationEstimate(
            nav.time_s,
            nav.latitude_deg,
            nav.longitude_deg,
            nav.altitude_m,
            t3(nav.position_ecef_m),
            t3(nav.velocity_ecef_mps),
            t3(v_ned),
            (
                float(nav.attitude_ecef_from_body[0]),
                float(nav.attitude_ecef_from_body[1]),
                float(nav.attitude_ecef_from_body[2]),
                float(nav.attitude_ecef_from_body[3]),
            ),
            (float(q_ned[0]), float(q_ned[1]), float(q_ned[2]), float(q_ned[3])),
            t3(nav.angular_rate_body_radps),
            t3(nav.specific_force_body_mps2),
            nav.gnss_ok,
            True,
        )
