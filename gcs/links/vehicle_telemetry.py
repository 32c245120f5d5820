"""Vehicle telemetry in the domain's words: MAVLink messages to ``VehicleState`` and field samples.

The launch cores (commit criteria, red lines, range safety) speak in the field names of
``gcs.domain.fields`` and in ``VehicleState`` snapshots; the vehicle speaks MAVLink. This pure
translator is the one place that maps one onto the other, message by message, with the time of
reception as an argument. Knows nothing of sockets, the hub or the launch rules themselves.

Choices:
- ``VehicleState`` needs a position and a phase: nothing is produced before both a HEARTBEAT of a
  rocket and a GLOBAL_POSITION_INT have arrived (a state without them would be invented).
- GLOBAL_POSITION_INT carries MSL altitude; the domain takes it as ellipsoid height, which the
  domain documents as a few hundred metres in the impact point at most.
- An engine field takes the worst engine (highest ENGINE_STATE, lowest chamber pressure of the
  running ones), since a rule on "the engine" must trip on any of them.
- Values the vehicle marks as unknown (UINT16_MAX hdop, NaN) become NaN samples, which the
  criteria treat as no data, never as a pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from gcs.domain.fields import Sample, vehicle_samples
from gcs.domain.phases import CountdownDisplay, FlightPhase
from gcs.domain.vehicle import VehicleCount, VehicleState

_MAV_TYPE_ROCKET = 9
_ENGINE_RUNNING_STATES = frozenset({2, 3})  # ENGINE_STATE IGNITION, RUNNING
_VENTS_OPEN = 0x1 | 0x2  # TANK_VENT_FLAGS LOX_VENT_OPEN | CH4_VENT_OPEN
_G0_MPS2 = 9.80665
_RECOVERY_SYSTEM = 0x01  # MAV_SYS_STATUS_SENSOR_EXTENDED: the vehicle's flight termination system


@dataclass(frozen=True, slots=True)
class Translated:
    """What one message gave: a new state snapshot (or None) and the samples it carries."""

    state: VehicleState | None
    samples: tuple[Sample, ...]
    count: VehicleCount | None = None
    """The vehicle's count clock, from its COUNTDOWN message."""


_NOTHING = Translated(None, ())
"""What most messages give (a frozen value: one will do for all)."""

_Handler = Callable[[Any, Any, float], Translated]
_HANDLERS: dict[tuple[type, str], _Handler | None] = {}
"""Each translator class's handler per message type, found once (translate runs for every message)."""


_Engine = tuple[int, float, float]
"""One engine's latest ENGINE_STATE, chamber pressure (Pa) and thrust (N)."""


@dataclass(slots=True)
class VehicleTelemetryTranslator:
    """Keeps the little memory the mapping needs (phase, engines) for one vehicle."""

    phase: FlightPhase | None = None
    _position: Any = None
    _engines: dict[int, _Engine] = field(default_factory=dict)

    def translate(self, msg: Any, t_s: float) -> Translated:
        """Map one message received at ``t_s`` (the runner's clock) onto state and samples."""
        key = (type(self), msg.get_type())
        try:
            handler = _HANDLERS[key]
        except KeyError:
            handler = _HANDLERS[key] = getattr(key[0], f"_on_{key[1].lower()}", None)
        if handler is None:
            return _NOTHING
        return handler(self, msg, t_s)

    def _state(self, t_s: float) -> VehicleState | None:
        pos = self._position
        if pos is None or self.phase is None:
            return None
        return VehicleState(
            t_s=t_s,
            latitude_deg=pos.lat / 1e7,
            longitude_deg=pos.lon / 1e7,
            altitude_m=pos.alt / 1000.0,
            velocity_north_mps=pos.vx / 100.0,
            velocity_east_mps=pos.vy / 100.0,
            velocity_down_mps=pos.vz / 100.0,
            phase=self.phase,
            time_boot_ms=int(pos.time_boot_ms),
        )

    def _on_heartbeat(self, msg: Any, t_s: float) -> Translated:
        if msg.type != _MAV_TYPE_ROCKET:
            return _NOTHING
        try:
            self.phase = FlightPhase(msg.custom_mode)
        except ValueError:
            return _NOTHING  # a phase we do not know is not a phase we may act on
        return _NOTHING

    def _on_countdown(self, msg: Any, t_s: float) -> Translated:
        t_count_s = float(msg.t_s)
        if not math.isfinite(t_count_s):
            return _NOTHING
        lifted_off = int(msg.state) == CountdownDisplay.LIFTOFF
        return Translated(None, (), VehicleCount(t_count_s, lifted_off))

    def _on_global_position_int(self, msg: Any, t_s: float) -> Translated:
        self._position = msg
        state = self._state(t_s)
        return Translated(state, vehicle_samples(state) if state is not None else ())

    def _on_engine_status(self, msg: Any, t_s: float) -> Translated:
        # Nine engines at 2 Hz to two translators: one pass over plain tuples instead of the four
        # generator passes over engine objects (the same comparisons in the same order).
        engines = self._engines
        engines[int(msg.engine_id)] = (int(msg.state), float(msg.chamber_pressure_pa), float(msg.thrust_n))
        worst: int | None = None
        chamber: float | None = None  # the first running engine's, then any lower one's
        for state, chamber_pressure_pa, _ in engines.values():
            if worst is None or state > worst:
                worst = state
            if state in _ENGINE_RUNNING_STATES and (chamber is None or chamber_pressure_pa < chamber):
                chamber = chamber_pressure_pa
        return Translated(None, (
            Sample("engine.state", float(cast(int, worst)), t_s),
            Sample("engine.running", 0.0 if chamber is None else 1.0, t_s),
            Sample("engine.chamber_pressure_pa", 0.0 if chamber is None else chamber, t_s),
            Sample("engine.thrust_n", sum([e[2] for e in engines.values()]), t_s),
        ))

    def _on_tank_status(self, msg: Any, t_s: float) -> Translated:
        return Translated(None, (
            Sample("tanks.lox_pressure_pa", float(msg.lox_pressure_pa), t_s),
            Sample("tanks.ch4_pressure_pa", float(msg.ch4_pressure_pa), t_s),
            Sample("tanks.lox_temperature_k", float(msg.lox_temperature_k), t_s),
            Sample("tanks.ch4_temperature_k", float(msg.ch4_temperature_k), t_s),
            Sample("tanks.lox_mass_kg", float(msg.lox_mass_kg), t_s),
            Sample("tanks.ch4_mass_kg", float(msg.ch4_mass_kg), t_s),
            Sample("tanks.vented", 1.0 if msg.vent_state & _VENTS_OPEN == _VENTS_OPEN else 0.0, t_s),
        ))

    def _on_sys_status(self, msg: Any, t_s: float) -> Translated:
        # The flight termination system reports as MAVLink's recovery system (extended sensor bits).
        fts = _RECOVERY_SYSTEM
        present = getattr(msg, "onboard_control_sensors_present_extended", 0) or 0
        if not present & fts:
            return _NOTHING  # a vehicle that does not report its FTS: no data, not "ready"
        enabled = msg.onboard_control_sensors_enabled_extended & fts
        healthy = msg.onboard_control_sensors_health_extended & fts
        return Translated(None, (
            Sample("fts.ready", 1.0 if enabled and healthy else 0.0, t_s),
            # Present but not enabled: its pyros are safed (the recovery checklist waits for it).
            Sample("fts.safe", 0.0 if enabled else 1.0, t_s),
        ))

    def _on_gps_raw_int(self, msg: Any, t_s: float) -> Translated:
        hdop = math.nan if msg.eph == 0xFFFF else msg.eph / 100.0
        return Translated(None, (
            Sample("gnss.fix_type", float(msg.fix_type), t_s),
            Sample("gnss.hdop", hdop, t_s),
        ))

    def _on_attitude(self, msg: Any, t_s: float) -> Translated:
        rate_dps = math.degrees(math.sqrt(msg.rollspeed**2 + msg.pitchspeed**2 + msg.yawspeed**2))
        return Translated(None, (Sample("vehicle.body_rate_dps", rate_dps, t_s),))

    def _on_highres_imu(self, msg: Any, t_s: float) -> Translated:
        # Body x is the vehicle's long axis: thrust pushes along +x, so axial load is +xacc.
        return Translated(None, (Sample("vehicle.axial_load_g", float(msg.xacc) / _G0_MPS2, t_s),))

    def _on_cargo_bay(self, msg: Any, t_s: float) -> Translated:
        return Translated(None, (
            Sample("cargo_bay.temperature_degc", float(msg.temperature_degc), t_s),
            Sample("cargo_bay.humidity_pct", float(msg.humidity_pct), t_s),
            Sample("cargo_bay.pressure_pa", float(msg.pressure_pa), t_s),
            Sample("cargo_bay.peak_shock_g", float(msg.peak_shock_g), t_s),
            Sample("cargo_bay.vibration_rms_g", float(msg.vibration_g_rms), t_s),
            Sample("cargo_bay.smoke_detected", 1.0 if msg.smoke_detected else 0.0, t_s),
        ))


TRANSLATED_MESSAGES: frozenset[str] = frozenset(
    name[len("_on_"):].upper() for name in vars(VehicleTelemetryTranslator) if name.startswith("_on_")
)
"""The message types ``translate`` maps (any other gives nothing): a reader of the vehicle's
telemetry subscribes to these alone instead of waking for every frame."""
