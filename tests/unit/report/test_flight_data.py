"""Reading a session for a report, and what the report derives from it (origin, window, platforms,
dynamic pressure, impact point)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.domain.phases import FlightPhase
from gcs.launch.range_safety import load_range
from gcs.report import analysis
from gcs.report.flight_data import PhaseMark, ReportError, SessionData, read_session, with_touchdown
from tests.unit.report.synthetic_session import (
    APOGEE_M,
    EPOCH_S,
    LIFTOFF_S,
    SESSION_ID,
    TOUCHDOWN_S,
    TOUCHDOWN_TEXT,
    write_session,
)

REPO = Path(__file__).resolve().parents[3]
HOP_RANGE = REPO / "configs" / "range" / "hop.toml"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SessionData:
    return read_session(write_session(tmp_path_factory.mktemp("sessions")))


def test_the_vehicle_is_the_rocket_and_the_station_s_frames_are_not_its_data(data: SessionData) -> None:
    assert data.session_id == SESSION_ID
    assert data.vehicle_system_id == 1
    assert len(data.track) == 600  # every GLOBAL_POSITION_INT, none of the station's heartbeats
    assert data.clean
    assert data.file_lines[0] == "flight.tlog: 1531 records"


def test_fields_carry_the_catalogue_s_names_and_units(data: SessionData) -> None:
    altitude = data.vehicle.series("vehicle.altitude_m")
    assert altitude is not None
    assert altitude.unit == "m"
    assert max(altitude.values) == pytest.approx(30.0 + APOGEE_M - 27.5 / 2, abs=2.0)
    thrust = data.vehicle.series("engine.thrust_n")
    assert thrust is not None
    assert max(thrust.values) == pytest.approx(650e3)
    assert "cargo_bay.temperature_degc" in data.vehicle


def test_phases_include_a_touchdown_shorter_than_a_heartbeat(data: SessionData) -> None:
    assert data.phases_reached == [
        FlightPhase.STANDBY,
        FlightPhase.TERMINAL_COUNT,
        FlightPhase.IGNITION,
        FlightPhase.ASCENT,
        FlightPhase.COAST,
        FlightPhase.LANDING_BURN,
        FlightPhase.TOUCHDOWN,
        FlightPhase.SAFING,
        FlightPhase.SAFE,
    ]
    assert data.touchdown is not None
    t_s, report = data.touchdown
    assert t_s == pytest.approx(EPOCH_S + TOUCHDOWN_S, abs=0.01)
    assert (report.platform, report.vertical_speed_down_mps, report.miss_m) == ("hop-barge", 1.1, 0.3)
    assert [text for _, text in data.status_texts] == [TOUCHDOWN_TEXT]  # two chunks, joined


def test_platforms_give_positions_and_deck_motion_in_the_station_s_convention(data: SessionData) -> None:
    barge = data.platforms["hop-barge"]
    assert len(barge.positions) == 60
    mean = barge.mean_position()
    assert mean is not None
    assert mean == pytest.approx((36.5, 121.6045), abs=1e-6)
    heave = barge.deck.series("heave_up_m")
    assert heave is not None
    # PSXN,23 sends heave positive down; the station turns it positive up, as the simulator meant it.
    assert max(heave.values) == pytest.approx(0.1, abs=0.01)
    assert len(heave) == 600


def test_the_journal_and_verdict_come_along(data: SessionData) -> None:
    assert len(data.journal) == 20
    assert data.verdict is not None
    assert data.verdict["passed"] is True


def test_time_origin_is_liftoff_and_the_window_spans_the_flight(data: SessionData) -> None:
    origin = analysis.time_origin(data)
    assert origin.label == "liftoff"
    assert origin.t_s == pytest.approx(EPOCH_S + LIFTOFF_S, abs=0.01)
    window = analysis.flight_window(data)
    assert window is not None
    assert window[0] == pytest.approx(
        EPOCH_S + 0.0, abs=0.01
    )  # 20 s before ignition, no earlier than the start
    assert window[1] == pytest.approx(EPOCH_S + 60.0)  # SAFE at 55 s + 15 s, cut at the session's end


def test_platform_roles_from_the_range_and_from_the_flight_alone(data: SessionData) -> None:
    with_range = analysis.platform_roles(data, load_range(HOP_RANGE))
    assert (with_range.launch, with_range.planned_landing, with_range.landed_on, with_range.deck) == (
        "launch-platform",
        "hop-barge",
        "hop-barge",
        "hop-barge",
    )
    alone = analysis.platform_roles(data, None)
    # The launch platform is where the vehicle stood; the planned landing comes from the cargo stages.
    assert (alone.launch, alone.planned_landing, alone.landed_on) == (
        "launch-platform",
        "hop-barge",
        "hop-barge",
    )


def test_dynamic_pressure_peaks_where_the_vehicle_is_fastest_low_down(data: SessionData) -> None:
    q = analysis.dynamic_pressure(data)
    assert q is not None
    peak = q.finite_max()
    assert peak is not None
    assert peak[1] > 1000.0  # ~70 m/s near sea level: ~3 kPa
    assert EPOCH_S + LIFTOFF_S <= peak[0] <= EPOCH_S + TOUCHDOWN_S


def test_the_impact_point_is_computed_while_range_safety_watches_and_measured_against_the_corridor(
    data: SessionData,
) -> None:
    iip = analysis.iip_track(data, load_range(HOP_RANGE))
    assert len(iip) > 100
    assert iip.t_s.min() >= EPOCH_S + 20.0  # from ignition on
    assert iip.margin_m is not None
    assert (iip.margin_m > 0).all()  # the hop stays inside its ±3 km corridor
    assert analysis.iip_track(data, None).margin_m is None
    assert len(analysis.iip_track(data, None, max_points=50)) <= 50


def test_a_missing_or_empty_folder_is_a_report_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no-such-session"):
        read_session(tmp_path / "no-such-session")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ReportError, match="empty: not a recorded session"):
        read_session(empty)


def test_a_session_without_manifest_or_verdict_is_read_as_found(tmp_path: Path) -> None:
    folder = write_session(tmp_path, verdict=False)
    (folder / "session.json").unlink()
    data = read_session(folder)
    assert data.verdict is None
    assert data.manifest is None
    assert data.session_id == SESSION_ID  # the folder's name
    assert not data.clean
    assert "no session.json" in data.file_lines[0]


def _marks(*pairs: tuple[float, FlightPhase]) -> list[PhaseMark]:
    return [PhaseMark(t, p) for t, p in pairs]


def test_a_touchdown_report_after_the_safing_heartbeat_puts_touchdown_where_first_seen_down() -> None:
    marks = _marks((0.0, FlightPhase.COAST), (10.0, FlightPhase.LANDING_BURN), (20.0, FlightPhase.SAFING))
    phases = with_touchdown(marks, 20.4)
    assert [(m.t_s, m.phase) for m in phases] == [
        (0.0, FlightPhase.COAST),
        (10.0, FlightPhase.LANDING_BURN),
        (20.0, FlightPhase.TOUCHDOWN),
        (20.0, FlightPhase.SAFING),
    ]


def test_a_touchdown_report_before_the_next_heartbeat_goes_in_at_its_own_time() -> None:
    marks = _marks((10.0, FlightPhase.LANDING_BURN), (20.0, FlightPhase.SAFING))
    assert [(m.t_s, m.phase) for m in with_touchdown(marks, 19.5)] == [
        (10.0, FlightPhase.LANDING_BURN),
        (19.5, FlightPhase.TOUCHDOWN),
        (20.0, FlightPhase.SAFING),
    ]
    seen = _marks((10.0, FlightPhase.LANDING_BURN), (19.0, FlightPhase.TOUCHDOWN))
    assert with_touchdown(seen, 19.5) == tuple(seen)
    assert with_touchdown(marks, None) == tuple(marks)
