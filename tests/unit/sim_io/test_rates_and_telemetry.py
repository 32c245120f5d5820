"""Message rates in simulated time, STATUSTEXT chunking, and the telemetry built from a flight computer."""

from __future__ import annotations

import math

import pytest

from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import load_flight_software_config
from firmware_sim.firmware.param_defs import PARAMETERS
from firmware_sim.firmware.params import ParamStore
from firmware_sim.firmware.telemetry import FlightTelemetry
from firmware_sim.io import vehicle_telemetry
from firmware_sim.io.message_rates import MessageRates
from firmware_sim.io.statustext import StatusTexts
from firmware_sim.io.vehicle_telemetry import TelemetryContext
from gcs.protocol.dialect import CountdownState, FlightPhase, seaport
from tests.unit.sim_io.mav_roundtrip import received

S = seaport
HB, POS = S.MAVLINK_MSG_ID_HEARTBEAT, S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT


def _count(rates: MessageRates, msg_id: int, until_s: float, step_s: float) -> int:
    return sum(msg_id in rates.due(i * step_s) for i in range(round(until_s / step_s)))


def test_streams_follow_their_rate_and_never_burst_after_a_time_jump() -> None:
    rates = MessageRates({HB: 1.0, POS: 4.0})
    assert _count(rates, POS, 10.0, 0.01) == 40
    rates = MessageRates({HB: 1.0, POS: 4.0})
    assert rates.due(0.0) == [HB, POS]
    assert rates.due(100.0) == [HB, POS]  # once, not the hundred missed periods
    assert rates.due(100.1) == []


def test_the_next_due_time_is_the_soonest_stream() -> None:
    rates = MessageRates({HB: 1.0, POS: 4.0})
    assert rates.next_due_s() == -math.inf  # never sent: due now
    assert rates.due(10.0) == [HB, POS]
    assert rates.next_due_s() == 10.25
    assert rates.due(10.25) == [POS]
    assert rates.next_due_s() == 10.5
    rates.set_interval_us(POS, -1)
    assert rates.next_due_s() == 11.0
    rates.set_interval_us(HB, -1)
    assert rates.next_due_s() == math.inf


def test_set_message_interval_changes_stops_and_restores() -> None:
    rates = MessageRates({HB: 1.0, POS: 4.0})
    assert rates.set_interval_us(POS, 100_000)[0] == S.MAV_RESULT_ACCEPTED
    assert rates.interval_us(POS) == 100_000
    assert _count(rates, POS, 10.0, 0.01) == 100
    assert rates.set_interval_us(POS, -1)[0] == S.MAV_RESULT_ACCEPTED
    assert (rates.interval_us(POS), _count(rates, POS, 10.0, 0.01)) == (-1, 0)
    assert rates.set_interval_us(POS, 0)[0] == S.MAV_RESULT_ACCEPTED
    assert rates.interval_us(POS) == 250_000
    for msg_id, interval in ((S.MAVLINK_MSG_ID_HIGH_LATENCY2, 1e6), (POS, 10.0), (POS, math.nan)):
        result, reason = rates.set_interval_us(msg_id, interval)
        assert result == S.MAV_RESULT_DENIED
        assert reason
    assert rates.interval_us(S.MAVLINK_MSG_ID_HIGH_LATENCY2) == 0


def test_long_texts_travel_in_numbered_chunks() -> None:
    texts = StatusTexts()
    (short,) = texts(S.MAV_SEVERITY_INFO, "armed")
    assert (short.id, short.chunk_seq) == (0, 0)
    chunks = texts(S.MAV_SEVERITY_WARNING, "x" * 120)
    assert [(c.id, c.chunk_seq, len(c.text)) for c in chunks] == [(1, 0, 50), (1, 1, 50), (1, 2, 20)]
    exact = texts(S.MAV_SEVERITY_WARNING, "y" * 100)
    assert [len(c.text) for c in exact] == [50, 50, 0]  # an empty chunk ends a text that filled its last
    assert {c.id for c in exact} == {2}


@pytest.fixture
def snapshot() -> FlightTelemetry:
    config = load_flight_software_config("configs/flight_software/cargo-p2p.toml")
    return FlightComputer(config, ParamStore.from_specs(PARAMETERS), seed=1).telemetry()


def test_a_bare_flight_computer_reports_truthfully(snapshot: FlightTelemetry) -> None:
    ctx = TelemetryContext(sim_epoch_unix_s=1_800_000_000.0, engine_count=9, home_altitude_m=30.0)
    built = {
        msg_id: [received(m, (1, 1)) for m in vehicle_telemetry.build(msg_id, snapshot, ctx)]
        for msg_id in vehicle_telemetry.BUILDERS
    }
    (beat,) = built[HB]
    assert (beat.type, beat.custom_mode, beat.system_status) == (
        S.MAV_TYPE_ROCKET,
        FlightPhase.SAFE,
        S.MAV_STATE_BOOT,
    )
    assert not beat.base_mode & S.MAV_MODE_FLAG_SAFETY_ARMED
    (state,) = built[S.MAVLINK_MSG_ID_EXTENDED_SYS_STATE]
    assert state.landed_state == S.MAV_LANDED_STATE_ON_GROUND
    (clock,) = built[S.MAVLINK_MSG_ID_SYSTEM_TIME]
    assert clock.time_unix_usec == 1_800_000_000_000_000  # simulated time 0 at the simulation's epoch
    assert len(built[S.MAVLINK_MSG_ID_ENGINE_STATUS]) == 9
    (count,) = built[S.MAVLINK_MSG_ID_COUNTDOWN]
    assert count.state == CountdownState.IDLE
    assert math.isnan(count.t_s)
    assert built[S.MAVLINK_MSG_ID_IMPACT_POINT] == []  # nothing to report before there is a flight


def test_the_pad_reports_what_the_commit_criteria_read(snapshot: FlightTelemetry) -> None:
    """Every input of a pad commit criterion has a source: tank pressures, GNSS, FTS, cargo bay."""
    ctx = TelemetryContext(sim_epoch_unix_s=1_800_000_000.0, engine_count=9, home_altitude_m=30.0)

    def one(msg_id: int) -> object:
        (msg,) = [received(m, (1, 1)) for m in vehicle_telemetry.build(msg_id, snapshot, ctx)]
        return msg

    tanks = one(S.MAVLINK_MSG_ID_TANK_STATUS)
    assert 100_000 < tanks.lox_pressure_pa < 400_000  # type: ignore[attr-defined]
    assert 100_000 < tanks.ch4_pressure_pa < 400_000  # type: ignore[attr-defined]
    status = one(S.MAVLINK_MSG_ID_SYS_STATUS)
    assert status.onboard_control_sensors_health_extended & S.MAV_SYS_STATUS_RECOVERY_SYSTEM  # type: ignore[attr-defined]
    gnss = one(S.MAVLINK_MSG_ID_GPS_RAW_INT)
    assert gnss.eph != 65535 or gnss.fix_type == S.GPS_FIX_TYPE_NO_FIX  # type: ignore[attr-defined]
    bay = one(S.MAVLINK_MSG_ID_CARGO_BAY)
    assert bay.smoke_detected == 0  # type: ignore[attr-defined]
    assert 0 < bay.temperature_degc < 40  # type: ignore[attr-defined]
