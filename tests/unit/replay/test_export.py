"""Export: one table per message type and per derived value, units in column names, every row there."""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from pathlib import Path

import pytest

from gcs.cli import main as gcs_main
from gcs.export import ExportError, export_session, field_column, table_name, unit_suffix
from gcs.links.values import MavlinkTelemetry
from gcs.protocol.dialect import seaport
from gcs.recorder.journal import JournalRecord
from gcs.recorder.session import RecordedSession
from gcs.replay import replay_session
from tests.unit.replay.flight_script import REPO, TapHub, record_flight, replay_settings


@pytest.fixture
def session_dir(tmp_path: Path) -> Path:
    path, _ = asyncio.run(record_flight(tmp_path / "sessions"))
    return path


def stock_message_counts(session_dir: Path) -> Counter[str]:
    """Message counts as stock pymavlink decodes the tlog's frames: an independent count."""
    mav = seaport.MAVLink(None)
    counts: Counter[str] = Counter()
    for _, frame in RecordedSession.open(session_dir).tlog_records():
        for msg in mav.parse_buffer(frame) or []:
            counts[msg.get_type()] += 1
    return counts


def derived_counts(session_dir: Path) -> Counter[str]:
    hub = TapHub()
    asyncio.run(replay_session(session_dir, replay_settings(), hub=hub))
    values = [v for _, v in hub.log if not isinstance(v, MavlinkTelemetry | JournalRecord)]
    return Counter(table_name(type(v)) for v in values)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def test_units_become_name_parts() -> None:
    assert [unit_suffix(u) for u in ("m/s", "%", "degE7", "rad/s", "m/s/s", "cdegC")] == [
        "mps", "pct", "degE7", "radps", "mps2", "cdegC",
    ]
    assert field_column("lat", "degE7") == "lat_degE7"
    assert field_column("time_boot_ms", "ms") == "time_boot_ms"  # already says it
    assert field_column("type", "") == "type"


def test_csv_export_has_a_table_per_message_and_value_with_every_row(
    session_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "csv"
    report = export_session(session_dir, out, "csv", replay_settings())

    messages = stock_message_counts(session_dir)
    assert messages["HEARTBEAT"] > 13  # the vehicle's and the station's own
    for name, count in messages.items():
        header, rows = read_csv(out / f"mavlink_{name}.csv")
        assert len(rows) == count, name
        assert header[:4] == ["t_unix_us", "direction", "sysid", "compid"]
    header, rows = read_csv(out / "mavlink_ATTITUDE.csv")
    assert header[4:] == ["time_boot_ms", "roll_rad", "pitch_rad", "yaw_rad", "rollspeed_radps",
                          "pitchspeed_radps", "yawspeed_radps"]
    assert rows[0] == ["1800000000520000", "received", "1", "1", "500", "0.0", "-0.02", "1.5", "0.0", "0.0",
                       "0.001"]
    directions = Counter(row[1] for row in read_csv(out / "mavlink_HEARTBEAT.csv")[1])
    assert directions == {"received": 13, "sent": messages["HEARTBEAT"] - 13}

    for name, count in derived_counts(session_dir).items():
        assert len(read_csv(out / f"{name}.csv")[1]) == count, name
    header, _ = read_csv(out / "deck_motion.csv")
    assert {"pitch_bow_up_deg", "heave_up_m", "heave_rate_max_10min_mps", "unix_time_s"} <= set(header)
    assert len(read_csv(out / "journal.csv")[1]) == 2
    assert report.rows["mavlink_ATTITUDE.csv"] == messages["ATTITUDE"]
    assert report.frames_undecoded == 0


def test_parquet_export_is_typed_and_holds_the_same_rows(session_dir: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    export_session(session_dir, tmp_path / "csv", "csv", replay_settings())
    report = export_session(session_dir, tmp_path / "parquet", "parquet", replay_settings())

    for name, rows in report.rows.items():
        assert rows == len(read_csv(tmp_path / "csv" / name.replace(".parquet", ".csv"))[1]), name
    attitude = pq.read_table(tmp_path / "parquet" / "mavlink_ATTITUDE.parquet")
    types = {f.name: str(f.type) for f in attitude.schema}
    assert types["roll_rad"] == "float"  # float32, as on the wire
    assert types["sysid"] == "uint8"
    assert types["time_boot_ms"] == "uint32"
    assert attitude.num_rows == stock_message_counts(session_dir)["ATTITUDE"]
    deck = pq.read_table(tmp_path / "parquet" / "deck_state.parquet")
    assert str(deck.schema.field("on_station").type) == "bool"
    assert str(deck.schema.field("pitch_deg").type) == "double"


def test_export_refuses_a_folder_that_is_not_empty_and_an_unknown_format(
    session_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_session(session_dir, tmp_path / "used", "csv", replay_settings())
    with pytest.raises(ExportError, match="unknown format"):
        export_session(session_dir, tmp_path / "new", "xlsx", replay_settings())


def test_gcs_export_prints_its_tables(
    session_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tables"
    argv = ["export", str(session_dir), "--format", "csv", "--out", str(out),
            "--config", str(REPO / "configs" / "gcs.toml")]
    assert gcs_main(argv) == 0
    text = capsys.readouterr().out
    assert f"as csv to {out}" in text
    assert "  mavlink_ATTITUDE.csv: 130 rows" in text
    assert (out / "vehicle_heartbeat.csv").exists()
