"""What the console shows: the launch clock text, the vehicle's state from its MAVLink messages (with
the launch runner's own translator), JSON views of link values, the corridor's edge and the journal."""

from __future__ import annotations

import math
from types import MappingProxyType

import pytest

from gcs.console.views import (
    VehicleView,
    clock_text,
    corridor_polygon,
    heartbeat_view,
    journal_entry,
)
from gcs.domain.corridor import Corridor
from gcs.domain.geodesy import GeoPoint, distance_m
from gcs.links.values import MavlinkTelemetry, VehicleHeartbeat
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.views import encode, plain

T = 1_800_000_000.0


@pytest.mark.parametrize(
    ("t_count_s", "text"),
    [
        (-180.0, "T-00:03:00"),
        (-179.2, "T-00:03:00"),  # counting down: the whole seconds still to go
        (-0.4, "T-00:00:01"),
        (0.0, "T+00:00:00"),
        (59.9, "T+00:00:59"),
        (3725.0, "T+01:02:05"),
        (math.nan, "T--:--:--"),
    ],
)
def test_clock_text(t_count_s: float, text: str) -> None:
    assert clock_text(t_count_s) == text


def _tm(msg: object, t_s: float = T) -> MavlinkTelemetry:
    return MavlinkTelemetry(1, 1, msg, t_s, 0.0)


def _beat(phase: FlightPhase) -> MavlinkTelemetry:
    return _tm(seaport.MAVLink_heartbeat_message(seaport.MAV_TYPE_ROCKET, 0, 0, int(phase), 4, 3))


def test_the_state_needs_a_rockets_heartbeat_and_a_position_and_carries_attitude_engines_tanks() -> None:
    view = VehicleView(1)
    position = seaport.MAVLink_global_position_int_message(1000, 365_000_000, 1_216_000_000, 11_000_000, 0,
                                                            30_000, 40_000, -50_000, 0)
    assert view.feed(_tm(position)) is None  # no phase yet: no state invented
    view.feed(_beat(FlightPhase.ASCENT))
    # Nose straight up: a quaternion rotating body x (forward) onto -down.
    half = math.radians(90.0) / 2
    view.feed(_tm(seaport.MAVLink_attitude_quaternion_message(1000, math.cos(half), 0.0, math.sin(half), 0.0,
                                                                0.01, 0.0, 0.0, [0.0] * 4)))
    for engine_id, state in ((1, 3), (0, 3)):
        view.feed(_tm(seaport.MAVLink_engine_status_message(1000, engine_id, state, 9e6, 2e6, 100.0, 0.5,
                                                             -0.5, 3.6, 1)))
    view.feed(_tm(seaport.MAVLink_tank_status_message(1000, 1e5, 3e4, 3e5, 2.9e5, 90.0, 111.0,
                                                       seaport.TANK_VENT_FLAGS_LOX_VENT_OPEN)))
    produced = view.feed(_tm(position, T + 0.25))
    assert produced is not None
    assert (produced.suffix, produced.t_s) == ("state", T + 0.25)
    state = produced.payload
    assert state["phase"] == "ascent"
    assert (state["latitude_deg"], state["longitude_deg"], state["altitude_m"]) == (36.5, 121.6, 11_000.0)
    assert state["vertical_speed_up_mps"] == 500.0
    assert state["speed_mps"] == pytest.approx(math.sqrt(300**2 + 400**2 + 500**2))
    # q = ½ ρ v²: the standard atmosphere has ρ = 0.3648 kg/m³ at 11 km.
    assert state["dynamic_pressure_pa"] == pytest.approx(0.5 * 0.3648 * state["speed_mps"] ** 2, rel=1e-3)
    assert state["mach"] == pytest.approx(state["speed_mps"] / 295.07, rel=1e-3)
    assert state["pitch_deg"] == pytest.approx(90.0, abs=1e-3)
    assert state["nose_elevation_deg"] == pytest.approx(90.0, abs=1e-3)
    assert state["nose_azimuth_deg"] is None  # straight up: no azimuth
    assert [e["engine_id"] for e in state["engine"]["engines"]] == [0, 1]
    assert state["engine"]["engines"][0]["state"] == "running"
    assert state["engine"]["thrust_n"] == 4e6
    assert state["engine"]["running"] is True
    assert state["tanks"]["vents_open"] == ["lox_vent_open"]
    encode(state)  # JSON all the way


def test_the_nose_points_where_the_attitude_says_in_flight() -> None:
    view = VehicleView(1)
    view.feed(_beat(FlightPhase.COAST))
    pitch, yaw = math.radians(30.0), math.radians(45.0)
    view.feed(_tm(seaport.MAVLink_attitude_message(1000, 0.0, pitch, yaw, 0, 0, 0)))
    position = seaport.MAVLink_global_position_int_message(1000, 0, 0, 100_000_000, 0, 0, 0, 0, 0)
    produced = view.feed(_tm(position))
    assert produced is not None
    assert produced.payload["nose_elevation_deg"] == pytest.approx(30.0)
    assert produced.payload["nose_azimuth_deg"] == pytest.approx(45.0)
    assert produced.payload["dynamic_pressure_pa"] == 0.0


def test_the_impact_point_in_degrees() -> None:
    produced = VehicleView(1).feed(_tm(seaport.MAVLink_impact_point_message(
        1000, 401_234_567, -1_501_000_000, 321.5, math.nan, math.nan, math.nan, 1)))
    assert produced is not None
    assert produced.suffix == "iip"
    assert produced.payload["lat_deg"] == pytest.approx(40.1234567)
    assert produced.payload["lon_deg"] == pytest.approx(-150.1)
    assert produced.payload["inside_corridor"] is True
    assert produced.payload["dispersion_major_m"] is None


def test_heartbeat_view_names_phase_and_state() -> None:
    beat = VehicleHeartbeat(1, 1, seaport.MAV_TYPE_ROCKET, 0, seaport.MAV_MODE_FLAG_SAFETY_ARMED,
                            int(FlightPhase.TERMINAL_COUNT), seaport.MAV_STATE_ACTIVE, 3, T, 5.0)
    view = heartbeat_view(beat)
    assert (view["phase"], view["armed"], view["system_status_name"]) == ("terminal_count", True, "active")
    assert "monotonic_s" not in view
    assert view["time_utc"].endswith("Z")


def test_plain_handles_what_hub_values_carry() -> None:
    assert plain({FlightPhase.COAST: 1.0, "x": math.inf}) == {"coast": 1.0, "x": None}
    assert plain(frozenset({FlightPhase.COAST, FlightPhase.SAFE})) == ["safe", "coast"]
    assert plain(MappingProxyType({"a": (1, 2)})) == {"a": [1, 2]}
    assert plain(b"\x01\x02") == [1, 2]


def test_the_corridor_edge_is_a_closed_ring_half_a_width_from_the_centreline() -> None:
    corridor = Corridor("c", (GeoPoint(0.0, 0.0), GeoPoint(0.0, 10.0)), half_width_m=100_000.0)
    ring = corridor_polygon(corridor)
    assert ring[0] == ring[-1]
    assert len(ring) > 20  # densified along the great circle
    for lat, lon in ring[:-1]:
        assert corridor.distance_from_centreline_m(GeoPoint(lat, lon)) == pytest.approx(100_000.0, rel=1e-3)
    assert distance_m(GeoPoint(*ring[0]), GeoPoint(0.0, 0.0)) == pytest.approx(100_000.0, rel=1e-3)


def test_journal_entry() -> None:
    record = JournalRecord(7, 1_800_000_000_123_456, JournalKind.OPERATOR_ACTION, "console", "dana",
                           MappingProxyType({"action": "login", "phase": FlightPhase.SAFE}))
    assert journal_entry(record) == {
        "seq": 7, "unix_time_s": 1_800_000_000.123456, "utc": "2027-01-15T08:00:00.123456Z",
        "kind": "operator_action", "source": "console", "who": "dana",
        "payload": {"action": "login", "phase": "safe"},
    }
