"""The SITL lockstep loop: sensors from the physics' truth, one flight-computer tick, the actuators held
over one physics advance, repeated; as fast as possible or paced against a wall clock.

``SitlRunner.step(until_sim_s)`` is the pure-ish core (no clock, no I/O): it advances simulated
time in control ticks. ``run(speed, clock)`` paces it so simulated time keeps at or ahead of wall
time × speed (``speed=math.inf``: flat out, yielding to the event loop between chunks), which is
what the MAVLink endpoint runs beside; ``time_s`` is the simulated time the endpoint puts in
SYSTEM_TIME. The runner owns the things no flight computer controls: the hold-down clamps'
latch, the flight termination system's effect, the cargo bay's environment (``physics.cargo_bay``,
stepped with each tick and read through ``read_cargo_bay``), the cargo loaded (``cargo_mass_kg``:
the vehicle's inert mass follows it until liftoff), and fault knobs: engine failures by hand
(``fail_engines``) or from a fault schedule's vehicle faults, applied at the start of each control
tick once their moment (since the start, the first ignition or liftoff) has come and told through
``on_fault``. Knows nothing of MAVLink or of the flight software's internals beyond its seam.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from firmware_sim.faults.schedule import PlatformFault, VehicleFault
from firmware_sim.faults.timeline import Epochs, FaultLog, VehicleCondition, vehicle_condition
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.frames import ActuatorFrame
from firmware_sim.physics import cargo_bay
from firmware_sim.physics.cargo_bay import CargoBayReading, CargoBayState, Shock, ShockKind
from firmware_sim.physics.config import PlatformKind, VehicleConfig
from firmware_sim.physics.earth import approximate_height_m
from firmware_sim.physics.engine import EngineMode
from firmware_sim.physics.events import Event, EventKind
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.platform import Platform, TouchdownReport
from firmware_sim.physics.vehicle import (
    Commands,
    Dispersions,
    VehicleModel,
    VehicleState,
    VehicleStatus,
    state_on_pad,
)
from firmware_sim.sensors import SensorConfig, SensorModel
from gcs.protocol.dialect import FlightPhase

#: Flat out, the runner yields to the event loop at least this often (s of simulated time per chunk).
_CHUNK_SIM_S = 1.0
#: Paced but behind the wall (a loaded machine), it yields this often: the endpoint's streams go out
#: when it yields, so a shorter chunk keeps them at their rates per simulated second (a 1 s chunk
#: left the heartbeat and 1 Hz streams ~3 simulated seconds apart and ground stations called the
#: link lost).
_BEHIND_CHUNK_SIM_S = 0.1
#: Simulated times closer than this (s) count as equal: ticks are sums of floats.
_TIME_EPSILON_S = 1e-9
#: Held back by ``run``'s limit, it looks again this often (wall s).
_HELD_POLL_WALL_S = 0.005
_ON_PAD = int(VehicleStatus.ON_PAD)
_ENGINE_OFF = int(EngineMode.OFF)
_G0_MPS2 = 9.80665
#: The physics' events that shake the cargo bay, and how.
_BAY_SHOCKS = {
    EventKind.IGNITION: ShockKind.ENGINE_START,
    EventKind.LIFTOFF: ShockKind.LIFTOFF,
    EventKind.MECO: ShockKind.ENGINE_CUTOFF,
    EventKind.TOUCHDOWN: ShockKind.TOUCHDOWN,
    EventKind.SPLASHDOWN: ShockKind.SPLASHDOWN,
}


class RunnerClock(Protocol):
    """The wall clock ``run`` paces against (``gcs.clock.WallClock`` has this shape)."""

    def monotonic_s(self) -> float: ...

    async def sleep(self, duration_s: float) -> None: ...


@dataclass(frozen=True, slots=True)
class TraceSample:
    """The truth at one control tick, for tests, plots and reports."""

    time_s: float
    phase: FlightPhase
    altitude_m: float
    vertical_speed_up_mps: float
    thrust_fraction: float
    engines_lit: int


class SitlRunner:
    """One simulated vehicle, its platforms and its flight computer, stepped in lockstep."""

    def __init__(
        self,
        vehicle_config: VehicleConfig,
        platforms: Sequence[Platform],
        flight_software: FlightComputer,
        *,
        seed: int,
        physics_tick_s: float | None = None,
        control_tick_s: float | None = None,
        sensor_config: SensorConfig | None = None,
        dispersions: Dispersions | None = None,
        keep_trace: bool = True,
        coast_tick_s: float | None = None,
        faults: Sequence[VehicleFault] = (),
        deck_faults: Sequence[PlatformFault] = (),
        on_fault: Callable[[str], None] | None = None,
        cargo_mass_kg: Callable[[], float] | None = None,
    ) -> None:
        """Put the vehicle on the launch platform's pad, engines off, tanks full.

        Args:
            platforms: every platform; the one of kind LAUNCH_PLATFORM is the pad, the others are
                decks to land on. The first landing platform's wind is the wind the vehicle flies in.
            physics_tick_s: the integrator's RK4 step (default: the vehicle config's).
            control_tick_s: the flight computer's period on the simulation clock (default: its
                config's). Each tick is one physics advance of this length.
            coast_tick_s: a longer tick for the engines-off coast above the air (the physics'
                ``coast_floor_altitude_m``), where the flight computer only holds an attitude;
                None keeps every tick at ``control_tick_s``. This trades the flight computer's
                rate in that phase for simulation speed.
            faults: vehicle faults of a fault schedule, applied when their moment comes.
            deck_faults: platform faults the platforms were built with (their conditions); only told.
            on_fault: told a line as each fault begins or ends ("fault: engine_out ... at liftoff+20.0 s").
            cargo_mass_kg: the cargo loaded (kg), asked every tick until liftoff: the vehicle's
                inert mass is its config's dry mass plus this (None: the config's cargo).

        Raises:
            ValueError: without a launch platform, or for non-positive ticks.
        """
        launch = [p for p in platforms if p.kind is PlatformKind.LAUNCH_PLATFORM]
        if not launch:
            raise ValueError("SitlRunner needs a launch platform among the platforms")
        self.launch_platform = launch[0]
        self.decks = tuple(p for p in platforms if p is not self.launch_platform)
        self.fc = flight_software
        self.control_tick_s = control_tick_s or flight_software.config.control.control_tick_s
        if not self.control_tick_s > 0:
            raise ValueError(f"control_tick_s must be > 0, got {self.control_tick_s}")
        wind = self.decks[0].wind if self.decks else self.launch_platform.wind
        self.model = VehicleModel.build(vehicle_config, count=1, wind=wind, dispersions=dispersions)
        settings = vehicle_config.integration
        if physics_tick_s is not None:
            if not physics_tick_s > 0:
                raise ValueError(f"physics_tick_s must be > 0, got {physics_tick_s}")
            settings = dataclasses.replace(
                settings, step_s=physics_tick_s, coast_step_s=max(settings.coast_step_s, physics_tick_s)
            )
        self.integrator = Integrator(self.model, settings, decks=self.decks)
        self.coast_tick_s = coast_tick_s
        self.held_wall_s = 0.0
        """Wall seconds ``run`` waited at its limit (for the ground station, in ground-paced SITL)."""
        self._coast_floor_m = settings.coast_floor_altitude_m
        pad = self.launch_platform.config.position
        self.state: VehicleState = state_on_pad(
            self.model, pad.latitude_deg, pad.longitude_deg, pad.deck_height_m, pad.heading_deg
        )
        self.sensors = SensorModel(
            sensor_config or SensorConfig(),
            self.model,
            self.decks,  # the launch platform's broadcast is of no use to the flight computer
            flight_software.config.vehicle.chamber_pressure_nominal_pa,
            seed,
        )
        self.events: list[Event] = []
        self.trace: list[TraceSample] | None = [] if keep_trace else None
        self.touchdown: TouchdownReport | None = None
        self.touchdown_platform: str | None = None
        self.splashdown_time_s: float | None = None
        self.ignition_time_s: float | None = None
        self.liftoff_time_s: float | None = None
        self.terminated = False
        self.last_actuators: ActuatorFrame | None = None
        self._clamps_released = False
        self._last_tick_s: float | None = None
        self._previous: VehicleState | None = None
        self._faults = tuple(faults)
        self._fault_log = FaultLog((*self._faults, *deck_faults))
        self._on_fault = on_fault
        self._fault_condition = VehicleCondition()
        self._cargo_mass_kg = cargo_mass_kg
        pad_height = float(approximate_height_m(self.state.position_ecef_m[0]))
        pad_air = cargo_bay.air_data(
            pad_height, 0.0, vehicle_config.structure.nose_radius_m, self.model.atmosphere
        )
        self._bay: CargoBayState = cargo_bay.on_pad(self.state.time_s, pad_air.ambient_pressure_pa)

    @property
    def time_s(self) -> float:
        """Simulated time (s since the runner started)."""
        return self.state.time_s

    @property
    def vehicle_at_rest(self) -> bool:
        """Landed or splashed (frozen by the physics)."""
        return not bool(self.state.active[0])

    # --- fault knobs ----------------------------------------------------------------------------

    def fail_engines(self, count: int = 1) -> None:
        """Engine-out: ``count`` engines can no longer burn from now on."""
        self.state = dataclasses.replace(self.state, engines_failed=np.array([count], dtype=np.int64))

    @property
    def cargo_bay(self) -> CargoBayState:
        """The cargo bay's environment now."""
        return self._bay

    def read_cargo_bay(self) -> CargoBayReading:
        """What the bay's sensors report now: the peak and RMS since the previous read (cleared by it)."""
        reading, self._bay = cargo_bay.read(self._bay)
        return reading

    @property
    def fault_condition(self) -> VehicleCondition:
        """The schedule's vehicle faults in force over the last tick."""
        return self._fault_condition

    def _apply_faults(self, now_s: float) -> None:
        epochs = Epochs(self.ignition_time_s, self.liftoff_time_s)
        condition = vehicle_condition(self._faults, now_s, epochs)
        more_failed = condition.engines_failed - self._fault_condition.engines_failed
        if more_failed:
            failed = self.state.engines_failed + more_failed
            self.state = dataclasses.replace(self.state, engines_failed=failed)
        self._fault_condition = condition
        for line in self._fault_log.due(now_s, epochs):
            if self._on_fault is not None:
                self._on_fault(line)

    # --- lockstep -----------------------------------------------------------------------------

    def step(self, until_sim_s: float) -> None:
        """Run control ticks until simulated time reaches ``until_sim_s`` (whole ticks)."""
        while self.state.time_s < until_sim_s - _TIME_EPSILON_S:
            self._tick()

    def run_until(self, done: Callable[[SitlRunner], bool], max_sim_s: float) -> bool:
        """Tick until ``done(self)`` or simulated time reaches ``max_sim_s``; whether ``done`` held."""
        while self.state.time_s < max_sim_s - _TIME_EPSILON_S:
            if done(self):
                return True
            self._tick()
        return done(self)

    def _tick(self) -> None:
        if self._fault_log.pending or self._fault_condition.changing:
            self._apply_faults(self.state.time_s)
        if self._cargo_mass_kg is not None and self.liftoff_time_s is None:
            self._load_cargo(self._cargo_mass_kg())
        state = self.state
        clamps_closed = int(state.status[0]) == _ON_PAD and not self._clamps_released
        frame = self.sensors.frame(state, self._previous, clamps_closed)
        now = state.time_s
        dt = 0.0 if self._last_tick_s is None else now - self._last_tick_s
        self._last_tick_s = now
        actuators = self.fc.tick(frame, now, dt)
        self.last_actuators = actuators
        if actuators.release_clamps:
            self._clamps_released = True
        if actuators.fts_fire and not self.terminated:
            self.terminated = True
        tick_s = self._tick_length(state)
        result = self.integrator.advance(state, self._commands(actuators), tick_s)
        self._previous = state
        self.state = result.state
        self._step_cargo_bay(state, result.state, result.events, frame.imu.specific_force_body_mps2)
        for event in result.events:
            self.events.append(event)
            if event.kind is EventKind.IGNITION and self.ignition_time_s is None:
                self.ignition_time_s = event.time_s
            elif event.kind is EventKind.LIFTOFF and self.liftoff_time_s is None:
                self.liftoff_time_s = event.time_s
            elif event.kind is EventKind.TOUCHDOWN and event.touchdown is not None:
                self.touchdown = event.touchdown
                self.touchdown_platform = self._deck_under(event)
            elif event.kind is EventKind.SPLASHDOWN:
                self.splashdown_time_s = event.time_s
        if self.trace is not None:
            position = state.position_ecef_m[0]
            up = position / math.sqrt(float(position @ position))
            self.trace.append(
                TraceSample(
                    now,
                    self.fc.phase,
                    float(approximate_height_m(position)),
                    float(state.velocity_ecef_mps[0] @ up),
                    float(state.thrust_fraction[0]),
                    int(state.engines_lit[0]),
                )
            )

    def _load_cargo(self, cargo_kg: float) -> None:
        structure = self.model.config.structure
        inert = np.array([structure.dry_mass_kg + max(cargo_kg, 0.0)])
        if not np.array_equal(inert, self.state.inert_mass_kg):
            self.state = dataclasses.replace(self.state, inert_mass_kg=inert)

    def _step_cargo_bay(
        self,
        before: VehicleState,
        after: VehicleState,
        events: Sequence[Event],
        specific_force_body_mps2: tuple[float, float, float],
    ) -> None:
        """The bay over the tick just flown: the air at its start, the heat the physics integrated."""
        dt_s = after.time_s - before.time_s
        velocity = before.velocity_ecef_mps[0]
        height = float(approximate_height_m(before.position_ecef_m[0]))
        config = self.model.config
        air = cargo_bay.air_data(
            height, float(np.sqrt(velocity @ velocity)), config.structure.nose_radius_m, self.model.atmosphere
        )
        heat_flux = air.heat_flux_w_per_m2
        if dt_s > 0.0:
            heat_flux = float(after.heat_load_j_per_m2[0] - before.heat_load_j_per_m2[0]) / dt_s
        shocks = []
        for event in events:
            kind = _BAY_SHOCKS.get(event.kind)
            if kind is ShockKind.TOUCHDOWN and event.touchdown is not None:
                shocks.append(Shock(kind, event.touchdown.vertical_speed_mps))
            elif kind is ShockKind.SPLASHDOWN:
                impact = after.velocity_ecef_mps[0]
                shocks.append(Shock(kind, float(np.sqrt(impact @ impact))))
            elif kind is not None:
                shocks.append(Shock(kind))
        lit = int(before.engines_lit[0])
        engines = config.engine.count
        sensed = math.sqrt(sum(f * f for f in specific_force_body_mps2)) / _G0_MPS2
        condition = self._fault_condition
        inputs = cargo_bay.BayInputs(
            ambient_pressure_pa=air.ambient_pressure_pa,
            heat_flux_w_per_m2=heat_flux,
            dynamic_pressure_pa=air.dynamic_pressure_pa,
            sensed_acceleration_g=sensed,
            engines_lit=lit,
            engine_count=engines,
            throttle=float(before.thrust_fraction[0]) * engines / lit if lit else 0.0,
            conditioned=self.liftoff_time_s is None and int(before.status[0]) == _ON_PAD,
            shocks=tuple(shocks),
            heating_rise_degc=condition.bay_heating_degc,
            smoke=condition.bay_smoke,
        )
        self._bay = cargo_bay.advance(self._bay, inputs, dt_s)

    def _tick_length(self, state: VehicleState) -> float:
        if (
            self.coast_tick_s is not None
            and self.fc.phase is FlightPhase.COAST
            and int(state.engine_mode[0]) == _ENGINE_OFF
            and float(approximate_height_m(state.position_ecef_m[0])) > self._coast_floor_m
        ):
            return self.coast_tick_s
        return self.control_tick_s

    def _deck_under(self, event: Event) -> str | None:
        if event.position_ecef_m is None:
            return self.decks[0].name if len(self.decks) == 1 else None
        point = np.array([event.position_ecef_m])
        for deck in self.decks:
            _, inside = deck.contact_height_m(np.array([event.time_s]), point)
            if bool(inside[0]):
                return deck.name
        return None

    def _commands(self, actuators: ActuatorFrame) -> Commands:
        # A fired flight termination system ends thrust for good; the rest is ballistic debris.
        lit = 0 if self.terminated else actuators.engines_lit
        factor = self._fault_condition.thrust_factor
        return Commands(
            throttle=np.array([actuators.throttle]),
            engines_lit=np.array([lit], dtype=np.int64),
            attitude_ecef_from_body=np.array([actuators.attitude_ecef_from_body]),
            gimbal_deg=np.array([actuators.gimbal_deg]),
            release_clamps=np.array([self._clamps_released]),
            cutoff_in_s=np.array([actuators.cutoff_in_s]),
            thrust_factor=None if factor == 1.0 else np.array([factor]),
        )

    # --- paced running ------------------------------------------------------------------------

    async def run(
        self,
        speed: float,
        clock: RunnerClock,
        until_sim_s: float = math.inf,
        limit: Callable[[float], float] | None = None,
        after_step: Callable[[], None] | None = None,
    ) -> None:
        """Keep simulated time at or ahead of (wall time since start) × ``speed`` until ``until_sim_s``.

        With ``speed=math.inf`` it runs flat out, yielding to the event loop after every
        ``_CHUNK_SIM_S`` of simulated time so the endpoint's tasks keep running. ``limit(wall_s)``,
        if given, is a simulated time not to pass (``io.ground_pace``: as far ahead of the ground
        station as it may run); held there, the run waits, and once released goes on at ``speed``
        from where it was, without racing to make up the wait (``held_wall_s`` sums the waits).
        ``after_step()``, if given, is called after every step, before the run yields (the MAVLink
        endpoint serves its streams by simulated time from it). Cancel the task to stop it.
        """
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        start_wall = clock.monotonic_s()
        start_sim = self.time_s
        while self.time_s < until_sim_s - _TIME_EPSILON_S:
            cap = until_sim_s
            if limit is not None:
                cap = min(cap, limit(clock.monotonic_s()))
                if self.time_s >= cap - _TIME_EPSILON_S:
                    held_from = clock.monotonic_s()
                    await clock.sleep(_HELD_POLL_WALL_S)
                    start_wall = clock.monotonic_s()
                    start_sim = self.time_s
                    self.held_wall_s += start_wall - held_from
                    continue
            if math.isinf(speed):
                self.step(min(self.time_s + _CHUNK_SIM_S, cap))
                if after_step is not None:
                    after_step()
                await clock.sleep(0.0)
                continue
            target = start_sim + (clock.monotonic_s() - start_wall) * speed
            if self.time_s <= target:
                # One tick past the target keeps simulated time ahead of the wall; chunks bound the
                # time between yields when the machine cannot keep up.
                self.step(min(target + self.control_tick_s, self.time_s + _BEHIND_CHUNK_SIM_S, cap))
                if after_step is not None:
                    after_step()
                await clock.sleep(0.0)
            else:
                await clock.sleep((self.time_s - target) / speed)
