"""An open-loop reference trajectory for tests and benchmarks: NOT flight software, NOT guidance.

A fixed steering law flies a ballistic hop so the physics can be exercised end to end: ignite on
the pad, release when the engines are up, follow a pitch program in time in the launch plane
under a g limit, cut off at a target Earth-relative speed (timed inside the tick, as a sequencer
would), hold attitude through the coast, turn tail-first for entry and fall into the sea. Nothing
closes a loop on the target: where it lands is where the numbers send it, and a pitch program in
time (rather than a gravity turn on the measured velocity) keeps dispersed vehicles on similar
paths. The real flight computer (firmware_sim/firmware) replaces all of this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_sim.physics import attitude as att
from firmware_sim.physics.earth import (
    STANDARD_GRAVITY_MPS2,
    approximate_height_m,
    initial_bearing_deg,
)
from firmware_sim.physics.engine import EngineMode
from firmware_sim.physics.events import Event
from firmware_sim.physics.integrator import Integrator
from firmware_sim.physics.vehicle import (
    Commands,
    VehicleModel,
    VehicleState,
    VehicleStatus,
    attitude_from_ned,
)

FloatArray = NDArray[np.float64]

# Plain ints for per-tick array comparisons (enum attribute access costs microseconds each).
_ON_PAD = int(VehicleStatus.ON_PAD)
_OFF, _STARTING, _RUNNING = int(EngineMode.OFF), int(EngineMode.STARTING), int(EngineMode.RUNNING)
_GRAVITY_BOUND_MPS2 = 9.9  # at least local gravity anywhere on the path: time-to-altitude never overshoots


@dataclass(frozen=True, slots=True)
class HopProgram:
    """Parameters of the open-loop law.

    The defaults were tuned by hand so that cargo-p2p.toml, launched from launch-platform.toml,
    comes down near landing-barge.toml 10,000 km away; other vehicles need their own numbers.
    """

    launch_latitude_deg: float
    launch_longitude_deg: float
    launch_azimuth_deg: float
    cutoff_speed_mps: float = 6_783.0
    #: (time since ignition s, tilt from the launch vertical towards the azimuth deg), held after the last.
    pitch_program: tuple[tuple[float, float], ...] = (
        (8.0, 0.0),
        (25.0, 6.0),
        (40.0, 12.0),
        (60.0, 24.0),
        (80.0, 36.6),
        (100.0, 47.2),
        (120.0, 55.5),
        (150.0, 64.3),
        (180.0, 70.0),
        (220.0, 74.8),
        (260.0, 77.8),
    )
    max_axial_g: float = 5.0
    dense_tick_s: float = 1.0
    coast_tick_s: float = 60.0
    entry_pointing_altitude_m: float = 300_000.0
    entry_tracking_altitude_m: float = 150_000.0

    @classmethod
    def toward(
        cls,
        launch_latitude_deg: float,
        launch_longitude_deg: float,
        target_latitude_deg: float,
        target_longitude_deg: float,
        azimuth_bias_deg: float = -6.85,
    ) -> HopProgram:
        """Launch along the great circle to a target, biased for what the Earth's rotation does to
        the ground track (the default bias suits the default program on the 10,000 km hop)."""
        bearing = float(
            initial_bearing_deg(
                launch_latitude_deg, launch_longitude_deg, target_latitude_deg, target_longitude_deg
            )
        )
        return cls(launch_latitude_deg, launch_longitude_deg, (bearing + azimuth_bias_deg) % 360.0)


class OpenLoopHop:
    """The steering law as two pure functions of the state: the commands and the next tick length."""

    def __init__(self, model: VehicleModel, program: HopProgram) -> None:
        self.model = model
        self.program = program
        p = program
        self._vertical = attitude_from_ned(
            p.launch_latitude_deg, p.launch_longitude_deg, 90.0, p.launch_azimuth_deg
        )
        # Body z of the vertical attitude points along the azimuth, so turning about body -y leans the
        # nose that way.
        self._pitch_axis = att.quat_rotate(self._vertical, np.array([0.0, -1.0, 0.0]))
        self._program_time_s = np.array([t for t, _ in p.pitch_program])
        self._program_tilt_rad = np.radians([a for _, a in p.pitch_program])

    def commands(self, state: VehicleState) -> Commands:
        """This tick's commands for every vehicle of the fleet."""
        p = self.program
        model = self.model
        n = state.count
        engines = model.config.engine.count
        mode = state.engine_mode
        burning = (mode == _STARTING) | (mode == _RUNNING)
        on_pad = state.status == _ON_PAD
        active = state.active
        attitude = state.attitude_ecef_from_body.copy()
        throttle = np.ones(n)
        cutoff = np.full(n, math.inf)
        lit_count = np.full(n, float(engines))
        velocity = state.velocity_ecef_mps
        speed = np.linalg.norm(velocity, axis=1)
        t = state.time_s

        ascending = (on_pad | burning) & active
        if ascending.any():
            tilt = float(np.interp(t, self._program_time_s, self._program_tilt_rad))
            target = att.quat_multiply(att.quat_from_rotation_vector(tilt * self._pitch_axis), self._vertical)
            attitude = np.where(ascending[:, None], target, attitude)
            mass = state.mass_kg
            # Fewest engines that reach the g limit at full throttle, then throttle onto it.
            per_engine = model.engine.thrust_vacuum_total_n / engines
            wanted = p.max_axial_g * STANDARD_GRAVITY_MPS2 * mass
            lit_count = np.clip(np.ceil(wanted / per_engine), 1, engines)
            full = per_engine * lit_count
            throttle = np.minimum(1.0, wanted / full)
            # Throttle in 2% steps, as a sequencer would, rather than a new kink every tick.
            current = state.thrust_fraction * engines / lit_count
            throttle = np.where(np.abs(throttle - current) < 0.02, np.minimum(current, 1.0), throttle)
            # Predict the crossing of the cutoff speed inside the next tick, net of the tail-off.
            thrust_accel = full * np.maximum(throttle, model.config.engine.min_throttle) / mass
            radial = np.sum(velocity * state.position_ecef_m, axis=1) / np.linalg.norm(
                state.position_ecef_m, axis=1
            )
            along = thrust_accel - STANDARD_GRAVITY_MPS2 * radial / np.maximum(speed, 1.0)
            tail_off = 0.5 * thrust_accel * model.config.engine.shutdown_ramp_s
            wait = (p.cutoff_speed_mps - tail_off - speed) / np.maximum(along, 1e-3)
            cutoff = np.where(burning & (wait < p.dense_tick_s), np.maximum(wait, 0.0), math.inf)

        coasting = active & ~ascending
        if coasting.any():
            altitude = approximate_height_m(state.position_ecef_m, model.earth)
            descending = np.sum(velocity * state.position_ecef_m, axis=1) < 0.0
            entering = coasting & descending & (altitude < p.entry_pointing_altitude_m)
            if entering.any():
                retrograde = self._pointing(state, -velocity / np.maximum(speed, 1e-9)[:, None])
                attitude = np.where(entering[:, None], retrograde, attitude)

        lit_command = np.where(ascending, lit_count, 0)
        release = on_pad & (mode == _RUNNING)
        return Commands(
            throttle=throttle,
            engines_lit=lit_command.astype(np.int64),
            attitude_ecef_from_body=attitude,
            gimbal_deg=np.zeros((n, 2)),
            release_clamps=release,
            cutoff_in_s=cutoff,
        )

    @staticmethod
    def _pointing(state: VehicleState, direction: FloatArray) -> FloatArray:
        """Attitude with the body axis along ``direction``, reached by the smallest turn (keeps roll)."""
        current = att.body_x_axis(state.attitude_ecef_from_body)
        turn = att.quat_shortest_arc(current, direction)
        return att.quat_normalize(att.quat_multiply(turn, state.attitude_ecef_from_body))

    def tick_s(self, state: VehicleState) -> float:
        """Dense ticks while anything burns or flies low; otherwise coast until the next altitude gate."""
        p = self.program
        active = state.active
        if not active.any():
            return p.dense_tick_s
        if (active & ((state.status == _ON_PAD) | (state.engine_mode != _OFF))).any():
            return p.dense_tick_s
        position = state.position_ecef_m[active]
        velocity = state.velocity_ecef_mps[active]
        altitude = approximate_height_m(position, self.model.earth)
        radial_up = np.sum(velocity * position, axis=1) / np.linalg.norm(position, axis=1)
        gates = np.where(
            altitude > p.entry_pointing_altitude_m, p.entry_pointing_altitude_m, p.entry_tracking_altitude_m
        )
        drop = altitude - gates
        if (drop <= 0.0).any():
            return p.dense_tick_s
        # Time to fall to the gate if gravity pulled at its strongest all the way: never too long.
        time = (radial_up + np.sqrt(radial_up**2 + 2.0 * _GRAVITY_BOUND_MPS2 * drop)) / _GRAVITY_BOUND_MPS2
        ticks = math.floor(min(float(np.min(time)), p.coast_tick_s) / p.dense_tick_s)
        return max(1, ticks) * p.dense_tick_s


@dataclass(frozen=True, slots=True)
class Flight:
    state: VehicleState
    events: tuple[Event, ...]
    tick_durations_s: tuple[float, ...]


def fly(
    integrator: Integrator,
    law: OpenLoopHop,
    state: VehicleState,
    max_time_s: float,
    tick_durations_s: Sequence[float] | None = None,
) -> Flight:
    """Tick the law and the physics until every vehicle has landed or splashed (or time runs out).

    ``tick_durations_s`` replays another flight's ticks (e.g. a 10 ms reference of some vehicles of
    a fleet on the fleet's own ticks), so that both see the same commands at the same times.
    """
    events: list[Event] = []
    durations: list[float] = []
    replay = iter(tick_durations_s) if tick_durations_s is not None else None
    while state.active.any() and state.time_s < max_time_s:
        duration = law.tick_s(state) if replay is None else next(replay, law.program.dense_tick_s)
        result = integrator.advance(state, law.commands(state), duration)
        events.extend(result.events)
        durations.append(duration)
        state = result.state
    return Flight(state, tuple(events), tuple(durations))
