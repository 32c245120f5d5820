"""MAVLink to domain: each message kind maps onto the catalogue's fields, as a table."""

from __future__ import annotations

import math

import pytest

from gcs.domain.fields import FIELDS
from gcs.domain.phases import FlightPhase
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.protocol.dialect import seaport


def _heartbeat(phase: int, mav_type: int = seaport.MAV_TYPE_ROCKET) -> object:
    return seaport.MAVLink_heartbeat_message(mav_type, seaport.MAV_AUTOPILOT_GENERIC, 0, phase, 4, 3)


def _position(alt_mm: int = 2_500_000) -> object:
    return seaport.MAVLink_global_position_int_message(1000, 365_000_000, 1_216_000_000, alt_mm, 0,
                                                       1000, -200, -5000, 9000)


def _engine(engine_id: int, state: int, chamber_pa: float, thrust_n: float) -> object:
    return seaport.MAVLink_engine_status_message(
        0, engine_id, state, chamber_pa, thrust_n, 80.0, 0, 0, 3.6, 1)


def test_no_state_until_both_phase_and_position_are_known() -> None:
    tr = VehicleTelemetryTranslator()
    assert tr.translate(_position(), 1.0).state is None
    assert tr.translate(_heartbeat(FlightPhase.ASCENT), 1.1).state is None
    out = tr.translate(_position(), 1.2)
    assert out.state is not None
    assert out.state.phase is FlightPhase.ASCENT
    assert (out.state.latitude_deg, out.state.longitude_deg, out.state.altitude_m) == (36.5, 121.6, 2500.0)
    assert (out.state.velocity_north_mps, out.state.velocity_east_mps, out.state.velocity_down_mps) == (
        10.0, -2.0, -50.0)
    assert {s.field for s in out.samples} >= {"vehicle.altitude_m", "vehicle.vertical_speed_up_mps"}
    assert {s.field: s.value for s in out.samples}["vehicle.vertical_speed_up_mps"] == 50.0


def test_heartbeats_of_other_vehicle_types_and_unknown_phases_are_ignored() -> None:
    tr = VehicleTelemetryTranslator()
    tr.translate(_heartbeat(3, mav_type=seaport.MAV_TYPE_QUADROTOR), 0.0)
    assert tr.phase is None
    tr.translate(_heartbeat(99), 0.0)
    assert tr.phase is None


def test_engine_fields_take_the_worst_engine() -> None:
    tr = VehicleTelemetryTranslator()
    tr.translate(_engine(0, 3, 9.0e6, 1.0e6), 0.0)
    out = {s.field: s.value for s in tr.translate(_engine(1, 3, 7.5e6, 0.9e6), 0.1).samples}
    assert out == {"engine.state": 3.0, "engine.running": 1.0, "engine.chamber_pressure_pa": 7.5e6,
                   "engine.thrust_n": 1.9e6}
    out = {s.field: s.value for s in tr.translate(_engine(1, 5, 0.0, 0.0), 0.2).samples}
    assert out["engine.state"] == 5.0  # a fault on any engine shows
    assert out["engine.chamber_pressure_pa"] == 9.0e6  # of the one still running


@pytest.mark.parametrize(("vent_state", "vented"), [(0, 0.0), (1, 0.0), (2, 0.0), (3, 1.0), (15, 1.0)])
def test_tanks_are_vented_only_with_both_vents_open(vent_state: int, vented: float) -> None:
    msg = seaport.MAVLink_tank_status_message(0, 100.0, 40.0, 3e5, 2.9e5, 90.0, 111.0, vent_state)
    out = {s.field: s.value for s in VehicleTelemetryTranslator().translate(msg, 0.0).samples}
    assert out["tanks.vented"] == vented
    assert out["tanks.lox_mass_kg"] == 100.0


def test_unknown_hdop_is_nan_not_a_number_that_passes() -> None:
    msg = seaport.MAVLink_gps_raw_int_message(0, 3, 0, 0, 0, 0xFFFF, 0xFFFF, 0, 0, 12)
    out = {s.field: s.value for s in VehicleTelemetryTranslator().translate(msg, 0.0).samples}
    assert out["gnss.fix_type"] == 3.0
    assert math.isnan(out["gnss.hdop"])


def test_every_field_produced_is_in_the_catalogue() -> None:
    tr = VehicleTelemetryTranslator()
    messages = [
        _heartbeat(FlightPhase.COAST), _position(), _engine(0, 3, 8e6, 1e6),
        seaport.MAVLink_tank_status_message(0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0),
        seaport.MAVLink_gps_raw_int_message(0, 3, 0, 0, 0, 120, 0xFFFF, 0, 0, 12),
        seaport.MAVLink_attitude_message(0, 0, 0, 0, 0.1, 0.0, 0.0),
        seaport.MAVLink_highres_imu_message(0, 19.6133, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        seaport.MAVLink_cargo_bay_message(0, 21.0, 40.0, 101325.0, 0.5, 0.1, 0),
    ]
    produced = {s.field for m in messages for s in tr.translate(m, 1.0).samples}
    assert produced <= set(FIELDS)
    assert "vehicle.axial_load_g" in produced


@pytest.mark.parametrize(
    ("present", "enabled", "health", "ready", "safe"),
    [(0x01, 0x01, 0x01, [1.0], [0.0]), (0x01, 0x01, 0x00, [0.0], [0.0]), (0x01, 0x00, 0x01, [0.0], [1.0]),
     (0x00, 0x00, 0x00, [], [])],
)
def test_the_flight_termination_system_is_ready_only_present_enabled_and_healthy(
    present: int, enabled: int, health: int, ready: list[float], safe: list[float]
) -> None:
    """The FTS reports as MAVLink's recovery system; a vehicle that does not report it gives no data."""
    msg = seaport.MAVLink_sys_status_message(
        0, 0, 0, 0, 65535, -1, -1, 0, 0, 0, 0, 0, 0, present, enabled, health
    )
    samples = VehicleTelemetryTranslator().translate(msg, 5.0).samples
    assert [s.value for s in samples if s.field == "fts.ready"] == ready
    assert [s.value for s in samples if s.field == "fts.safe"] == safe  # present, not enabled: safed


@pytest.mark.parametrize(
    ("t_s", "state", "expected"),
    [
        (-42.5, seaport.COUNTDOWN_STATE_COUNTING, (-42.5, False)),
        (83.0, seaport.COUNTDOWN_STATE_LIFTOFF, (83.0, True)),
        (math.nan, seaport.COUNTDOWN_STATE_LIFTOFF, None),
    ],
)
def test_the_vehicles_count_clock_is_passed_on(
    t_s: float, state: int, expected: tuple[float, bool] | None
) -> None:
    msg = seaport.MAVLink_countdown_message(1000, t_s, state, 0.0, 0)
    out = VehicleTelemetryTranslator().translate(msg, 5.0)
    assert out.state is None
    got = (out.count.t_count_s, out.count.lifted_off) if out.count is not None else None
    assert got == expected
