"""The cargo bay's sensors as the vehicle's telemetry reads them (``TelemetryContext.cargo_bay``).

Two sources, one model (``physics.cargo_bay``):

* SITL (``runner_bay``): the lockstep runner's bay, stepped with every tick from the physics'
  truth (air, heating, loads, the physics' events) and the fault schedule's bay faults.
* A flight computer alone (``SnapshotBay``: the HIL split's flight-computer process, a bare flight
  computer): the physics runs in another process and the HIL link carries no bay data, so a bay
  model of its own is stepped from the flight computer's telemetry snapshots, once per read
  (navigation height and speed, sensed acceleration, engines, liftoff and touchdown). It sees no
  fault schedule (that belongs to the physics process).

Knows nothing of MAVLink, sockets or the flight software's rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from firmware_sim.firmware.telemetry import FlightTelemetry
from firmware_sim.physics import cargo_bay
from firmware_sim.physics.cargo_bay import CargoBayReading, CargoBayState, Shock, ShockKind
from firmware_sim.runner import SitlRunner

_G0_MPS2 = 9.80665

BaySensors = Callable[[FlightTelemetry], CargoBayReading]


def runner_bay(runner: SitlRunner) -> BaySensors:
    """The SITL runner's bay (the snapshot is not needed: the runner has the truth)."""
    return lambda t: runner.read_cargo_bay()


class SnapshotBay:
    """A bay model stepped from the flight computer's own snapshots, one step per read."""

    def __init__(self, engine_count: int, nose_radius_m: float) -> None:
        """``nose_radius_m``: of the heating proxy (the physics configs use the body's radius)."""
        self._engine_count = engine_count
        self._nose_radius_m = nose_radius_m
        self._state: CargoBayState | None = None
        self._last: FlightTelemetry | None = None
        self._last_heat_flux = 0.0

    def __call__(self, t: FlightTelemetry) -> CargoBayReading:
        nav = t.navigation
        speed = math.sqrt(sum(v * v for v in nav.velocity_ecef_mps))
        air = cargo_bay.air_data(nav.altitude_m, speed, self._nose_radius_m)
        last = self._last
        if self._state is None or last is None:
            self._state = cargo_bay.on_pad(t.time_s, air.ambient_pressure_pa)
            last = t
            self._last_heat_flux = air.heat_flux_w_per_m2
        dt_s = max(t.time_s - last.time_s, 0.0)
        inputs = cargo_bay.BayInputs(
            ambient_pressure_pa=air.ambient_pressure_pa,
            # The mean of the two ends: the heating pulse of an entry is sampled about once a second.
            heat_flux_w_per_m2=0.5 * (self._last_heat_flux + air.heat_flux_w_per_m2),
            dynamic_pressure_pa=air.dynamic_pressure_pa,
            sensed_acceleration_g=math.sqrt(sum(f * f for f in nav.specific_force_body_mps2)) / _G0_MPS2,
            engines_lit=t.engine.engines_running,
            engine_count=self._engine_count,
            throttle=t.engine.throttle,
            conditioned=t.countdown.liftoff_time_s is None,
            shocks=_shocks(last, t),
        )
        self._state = cargo_bay.advance(self._state, inputs, dt_s)
        self._last, self._last_heat_flux = t, air.heat_flux_w_per_m2
        reading, self._state = cargo_bay.read(self._state)
        return reading


def _shocks(before: FlightTelemetry, now: FlightTelemetry) -> tuple[Shock, ...]:
    """The transients between two snapshots, from what changed."""
    shocks = []
    if now.engine.engines_running > 0 and before.engine.engines_running == 0:
        shocks.append(Shock(ShockKind.ENGINE_START))
    if now.engine.engines_running == 0 and before.engine.engines_running > 0:
        shocks.append(Shock(ShockKind.ENGINE_CUTOFF))
    if now.countdown.liftoff_time_s is not None and before.countdown.liftoff_time_s is None:
        shocks.append(Shock(ShockKind.LIFTOFF))
    if now.touchdown is not None and before.touchdown is None:
        shocks.append(Shock(ShockKind.TOUCHDOWN, now.touchdown.vertical_speed_mps))
    return tuple(shocks)
