"""The fleet database: schema and migrations, refusing files that are not ours, idempotent writes,
accumulation over flights, clearances with roles, and a vehicle past its engine-start limit."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from gcs.domain.fields import Sample
from gcs.domain.phases import FlightPhase
from gcs.domain.roles import Role, User
from gcs.errors import FleetError, RoleDenied
from gcs.fleet.limits import FleetLimits, load_fleet_limits
from gcs.fleet.record import EventKind, FlightOutcome, FlightRecord, FlightRecordBuilder
from gcs.fleet.schema import APPLICATION_ID, MIGRATIONS, Migration, latest_version
from gcs.fleet.status import Condition
from gcs.fleet.store import AddResult, FleetStore, record_flight, record_taken_over_flight, vehicle_status
from tests.unit.fleet.flights import BASE_UTC, HOP_LIMITS, Phase, Report, hop, record, run

REPO = Path(__file__).resolve().parents[3]
LIMITS: FleetLimits = load_fleet_limits(REPO / "configs" / "limits" / "fleet.toml")
VIC = User.of("vic", Role.VEHICLE)


def _pragma(path: Path, name: str) -> object:
    with sqlite3.connect(path) as conn:
        value = conn.execute(f"PRAGMA {name}").fetchone()[0]
    conn.close()
    return value


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


# --- schema and migrations ---------------------------------------------------------------------------


def test_a_new_database_gets_the_whole_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fleet.sqlite"
    with FleetStore.open(path) as store:
        assert store.vehicles() == ()
    assert _pragma(path, "user_version") == latest_version() == MIGRATIONS[-1].version
    assert _pragma(path, "application_id") == APPLICATION_ID
    assert _pragma(path, "journal_mode") == "wal"
    assert {"vehicles", "flights", "events", "clearances"} <= _tables(path)


def test_an_empty_sqlite_file_is_version_0_and_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    sqlite3.connect(path).close()
    path.touch()
    assert _pragma(path, "user_version") == 0
    with FleetStore.open(path, create=False) as store:
        assert store.add_flight(record(1)) is AddResult.ADDED
    assert _pragma(path, "user_version") == latest_version()


_STEP_2 = Migration(2, "a note per vehicle",
                    ("ALTER TABLE vehicles ADD COLUMN note TEXT NOT NULL DEFAULT ''",))


def test_a_database_of_an_earlier_version_is_migrated_step_by_step_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    with FleetStore.open(path) as store:
        store.add_flight(record(1))
    with FleetStore.open(path, migrations=(*MIGRATIONS, _STEP_2)) as store:
        assert [r.flight_id for r in store.history("YXZ-01")] == ["YXZ-01-flight-1"]
    assert _pragma(path, "user_version") == 2
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT note FROM vehicles").fetchall() == [("",)]
    finally:
        conn.close()


def test_a_failing_step_leaves_the_database_at_the_step_before(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    with FleetStore.open(path) as store:
        store.add_flight(record(1))
    broken = Migration(2, "half a step", ("CREATE TABLE notes (x TEXT)", "ALTER TABLE nowhere ADD COLUMN y"))
    with pytest.raises(FleetError, match=r"schema step 2 \(half a step\) failed: no such table: nowhere"):
        FleetStore.open(path, migrations=(*MIGRATIONS, broken))
    assert _pragma(path, "user_version") == 1
    assert "notes" not in _tables(path)  # the step's first statement was rolled back with it


def test_a_database_from_a_newer_station_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    FleetStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(FleetError) as info:
        FleetStore.open(path)
    assert info.value.path == path
    assert "schema version 99 is newer than this ground station knows (1)" in str(info.value)


def test_another_programs_sqlite_database_is_refused_not_written_into(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(FleetError, match="another program, not a fleet database \\(tables: songs\\)"):
        FleetStore.open(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with pytest.raises(FleetError, match="not a fleet database \\(SQLite application_id 0x0"):
        FleetStore.open(path)
    assert _tables(path) == {"songs"}
    assert _pragma(path, "journal_mode") == "delete"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"vehicle,flights\nYXZ-01,3\n", "not an SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "not a usable SQLite database"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_naming_it(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "fleet.sqlite"
    path.write_bytes(content)
    with pytest.raises(FleetError, match=message) as info:
        FleetStore.open(path)
    assert str(info.value).startswith(f"{path}: ")
    assert path.read_bytes() == content


def test_no_database_without_create_and_a_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FleetError, match="no fleet database here"):
        FleetStore.open(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()
    with pytest.raises(FleetError, match="not a directory"):
        FleetStore.open(tmp_path)


def test_the_connection_is_closed_after_the_with_block(tmp_path: Path) -> None:
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        pass
    with pytest.raises(FleetError, match="read vehicles: the fleet database was closed"):
        store.vehicles()


# --- flights -----------------------------------------------------------------------------------------


def test_a_flight_record_reads_back_equal_with_its_events(tmp_path: Path) -> None:
    flight = run(hop())
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        store.add_flight(flight)
        assert store.history("YXZ-01") == (flight,)
        assert store.history("nobody") == ()


def test_writing_the_same_flight_again_does_not_count_it_twice(tmp_path: Path) -> None:
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        assert store.add_flight(record(1)) is AddResult.ADDED
        assert store.add_flight(record(1)) is AddResult.UNCHANGED
        assert store.totals("YXZ-01").engine_starts == 2
        # A session written again once more was known replaces its record.
        assert store.add_flight(record(1, engine_starts=3)) is AddResult.REPLACED
        totals = store.totals("YXZ-01")
    assert (totals.records, totals.engine_starts) == (1, 3)


def test_a_second_flight_of_the_same_vehicle_accumulates(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    first = run(hop(), flight_id="session-1")
    second = replace(run(hop(), flight_id="session-2"), started_utc=BASE_UTC + timedelta(days=1),
                     ended_utc=BASE_UTC + timedelta(days=1, minutes=5))
    assert record_flight(path, first) is AddResult.ADDED
    assert record_flight(path, second) is AddResult.ADDED
    with FleetStore.open(path) as store:
        totals = store.totals("YXZ-01")
        assert [r.flight_id for r in store.history("YXZ-01")] == ["session-1", "session-2"]
    assert totals.flights == 2
    assert totals.engine_starts == 4
    assert totals.burn_time_s == pytest.approx(2 * 71.0)
    assert totals.last_flight_id == "session-2"


def test_a_flight_id_belongs_to_one_vehicle_and_a_vehicle_to_one_type(tmp_path: Path) -> None:
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        store.add_flight(record(1))
        with pytest.raises(FleetError, match="YXZ-01-flight-1 is recorded for vehicle YXZ-01, not YXZ-02"):
            store.add_flight(replace(record(1), vehicle_id="YXZ-02"))
        with pytest.raises(FleetError, match="vehicle YXZ-01 is a yxz-1-hop in this database, but flight"):
            store.add_flight(record(2, vehicle_type="cargo-p2p"))
        assert [v.vehicle_id for v in store.vehicles()] == ["YXZ-01"]
        assert len(store.history("YXZ-01")) == 1


def test_a_row_edited_into_nonsense_is_reported_with_the_file_and_the_flight(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    record_flight(path, record(1))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE flights SET outcome = 'exploded'")
    conn.close()
    unreadable = "flight YXZ-01-flight-1: unreadable row"
    with FleetStore.open(path) as store, pytest.raises(FleetError, match=unreadable):
        store.history("YXZ-01")


def test_two_connections_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    with FleetStore.open(path) as reader, FleetStore.open(path) as writer:
        assert reader.history("YXZ-01") == ()
        writer.add_flight(record(1))
        assert len(reader.history("YXZ-01")) == 1


# --- limits, clearances and status -------------------------------------------------------------------


def test_a_vehicle_past_its_engine_start_limit_is_no_go_until_cleared(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    # yxz-1-hop: inspection after 8 engine starts (or 5 flights). Two hops that relit twice each.
    for n in range(2):
        record_flight(path, record(n, engine_starts=4))
    status = vehicle_status(path, "YXZ-01", "yxz-1-hop", LIMITS)
    assert not status.go
    assert status.condition is Condition.INSPECTION_DUE
    assert status.reasons == (
        "inspection.engine_starts: engine starts 8 >= limit 8 since entry into service",)
    with FleetStore.open(path) as store:
        clearance = store.clear("YXZ-01", "inspection.engine_starts", User.of("pat", Role.PROPULSION),
                                "borescope: no erosion", BASE_UTC + timedelta(days=5))
        assert clearance.role is Role.PROPULSION
        assert store.status("YXZ-01", LIMITS).go
        assert store.clearances("YXZ-01") == (clearance,)
        store.add_flight(record(6, engine_starts=2))
        assert store.status("YXZ-01", LIMITS).go  # 2 starts since the clearance


def test_clearing_needs_the_role_a_reason_a_known_limit_and_a_known_vehicle(tmp_path: Path) -> None:
    at = BASE_UTC + timedelta(days=9)
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        store.add_flight(record(1))
        with pytest.raises(RoleDenied, match="clearing inspection needs the role vehicle; dana"):
            store.clear("YXZ-01", "inspection", User.of("dana", Role.LAUNCH_DIRECTOR), "looked fine", at)
        with pytest.raises(RoleDenied):
            store.clear("YXZ-01", "inspection.flights", User.of("pat", Role.PROPULSION), "engine ok", at)
        with pytest.raises(FleetError, match="needs a reason"):
            store.clear("YXZ-01", "inspection", VIC, "  ", at)
        with pytest.raises(FleetError, match=r"unknown limit 'inspection\.paint'; one of inspection, refurb"):
            store.clear("YXZ-01", "inspection.paint", VIC, "repainted", at)
        with pytest.raises(FleetError, match="no vehicle 'YXZ-09' in the fleet database; known: YXZ-01"):
            store.clear("YXZ-09", "inspection", VIC, "walk-down", at)
        with pytest.raises(ValueError, match="timezone-aware"):
            store.clear("YXZ-01", "inspection", VIC, "walk-down", at.replace(tzinfo=None))
        assert store.clearances("YXZ-01") == ()


def test_status_of_a_vehicle_never_recorded(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    assert vehicle_status(path, "YXZ-02", "yxz-1-hop", LIMITS).go
    assert vehicle_status(path, "NEW-1", "prototype", LIMITS).condition is Condition.NO_LIMITS
    with FleetStore.open(path) as store:
        with pytest.raises(FleetError, match="no vehicle 'YXZ-02'"):
            store.status("YXZ-02", LIMITS)
        store.add_flight(record(1))
        with pytest.raises(FleetError, match="YXZ-01 is a yxz-1-hop in this database, not a cargo-p2p"):
            store.status("YXZ-01", LIMITS, "cargo-p2p")


def test_a_pad_abort_counts_its_start_and_its_abort_but_not_a_flight(tmp_path: Path) -> None:
    path = tmp_path / "fleet.sqlite"
    pad_abort = record(1, outcome=FlightOutcome.PAD_ABORT, engine_starts=1, aborted=True, max_q_pa=None)
    record_flight(path, pad_abort)
    with FleetStore.open(path) as store:
        totals = store.totals("YXZ-01")
        status = store.status("YXZ-01", LIMITS)
    assert (totals.records, totals.flights, totals.engine_starts, totals.aborts) == (1, 0, 1, 1)
    assert status.reasons == ("inspection.aborts: aborts 1 >= limit 1 since entry into service",)


# --- a flight recorded by two stations (the first lost mid-flight, the second started then) ------


def _halves(gap_s: float = 20.0) -> tuple[FlightRecord, FlightRecord]:
    """The hop of ``flights.hop`` cut at 70 s: the first station saw ignition to coast and ended
    incomplete; the second started ``gap_s`` later with the vehicle in its coast and saw it land."""
    steps = hop()
    first = run([s for s in steps if s.t_s < 70.0], flight_id="station-1")
    first = replace(first, ended_utc=BASE_UTC + timedelta(seconds=70))
    builder = FlightRecordBuilder("YXZ-01", "yxz-1-hop", "station-2", HOP_LIMITS)
    start_s = 70.0 + gap_s
    builder.take_over(start_s)
    builder.observe_phase(FlightPhase.COAST, start_s)
    for step in steps:
        if step.t_s < start_s:
            continue
        if isinstance(step, Sample):
            builder.observe(step)
        elif isinstance(step, Phase):
            builder.observe_phase(step.phase, step.t_s)
        elif isinstance(step, Report):
            builder.observe_touchdown_report(step.down_mps, step.across_mps, step.t_s)
    second = builder.finish(started_utc=BASE_UTC + timedelta(seconds=start_s),
                            ended_utc=BASE_UTC + timedelta(minutes=5))
    return first, second


def test_a_flight_taken_over_by_a_restarted_station_completes_the_record_left_incomplete(
    tmp_path: Path,
) -> None:
    database = tmp_path / "fleet.sqlite"
    first, second = _halves()
    assert first.outcome is FlightOutcome.INCOMPLETE
    assert not second.has(EventKind.LIFTOFF), "the take-over is no liftoff"
    record_flight(database, first)
    result, whole = record_taken_over_flight(database, second)
    assert result is AddResult.REPLACED
    with FleetStore.open(database) as store:
        [flight] = store.history("YXZ-01")
        totals = store.totals("YXZ-01")
    assert flight == whole
    assert flight.flight_id == "station-1"
    assert flight.outcome is FlightOutcome.LANDED
    assert (totals.flights, totals.records) == (1, 1)
    assert flight.engine_starts == 2  # ignition (first station), landing burn (second)
    assert flight.burn_time_s == pytest.approx(50.0 + 21.0)
    assert [e.kind for e in flight.events] == [EventKind.ENGINE_START, EventKind.LIFTOFF,
                                               EventKind.ENGINE_START, EventKind.TOUCHDOWN]
    assert flight.events[-1].since_start_s == pytest.approx(120.0)  # on the first record's time line
    assert flight.touchdown_vertical_speed_mps == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("first_outcome", "gap_s", "joined"),
    [
        (FlightOutcome.INCOMPLETE, 20.0, True),
        (FlightOutcome.LANDED, 20.0, False),  # that flight is over: this is another one
        (FlightOutcome.INCOMPLETE, 2 * 3600.0, False),  # too long ago to be the same flight
    ],
)
def test_only_a_recent_incomplete_record_is_continued(
    tmp_path: Path, first_outcome: FlightOutcome, gap_s: float, joined: bool
) -> None:
    database = tmp_path / "fleet.sqlite"
    first, second = _halves()
    record_flight(database, replace(first, outcome=first_outcome))
    second = replace(second, started_utc=first.ended_utc + timedelta(seconds=gap_s),
                     ended_utc=first.ended_utc + timedelta(seconds=gap_s + 200))
    _, written = record_taken_over_flight(database, second)
    with FleetStore.open(database) as store:
        records = store.history("YXZ-01")
    assert (written.flight_id == "station-1") is joined
    assert len(records) == (1 if joined else 2)
