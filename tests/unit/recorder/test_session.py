"""Session folders: names by UTC start, never reused; the manifest; reading and repairing a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.errors import LogReadError
from gcs.recorder.session import (
    Manifest,
    RecordedSession,
    SessionState,
    check_platform_name,
    create_session_dir,
    session_dir_name,
)
from gcs.recorder.tlog import encode_record
from tests.support.recorder_child import frame_for

T0_US = 1_777_777_777_123_456


def test_folder_name_is_the_utc_start_and_a_suffix() -> None:
    assert session_dir_name(T0_US, "3fa9c1") == "20260503T030937Z-3fa9c1"
    with pytest.raises(ValueError, match="suffix"):
        session_dir_name(T0_US, "../x")


def test_a_folder_is_never_reused(tmp_path: Path) -> None:
    first = create_session_dir(tmp_path / "sessions", T0_US, iter(["aa", "bb"]))
    second = create_session_dir(tmp_path / "sessions", T0_US, iter(["aa", "bb"]))
    assert (first.name, second.name) == ("20260503T030937Z-aa", "20260503T030937Z-bb")
    assert len({create_session_dir(tmp_path / "sessions", T0_US).name for _ in range(20)}) == 20


@pytest.mark.parametrize("name", ["", "-x", "a/b", "..", "a b", "x" * 65, "é"])
def test_platform_names_must_make_safe_file_names(name: str) -> None:
    with pytest.raises(ValueError, match="platform name"):
        check_platform_name(name)


def test_manifest_round_trips_and_bad_ones_are_named(tmp_path: Path) -> None:
    manifest = Manifest(
        session_id="20260503T030937Z-aa",
        started_unix_us=T0_US,
        state=SessionState.CLOSED,
        ended_unix_us=T0_US + 5_000_000,
        platforms=("launch", "landing"),
    )
    again = Manifest.from_json(manifest.to_json(), tmp_path / "session.json")
    assert (again.session_id, again.state, again.platforms) == (
        manifest.session_id,
        SessionState.CLOSED,
        manifest.platforms,
    )
    assert again.started_unix_us == T0_US
    assert again.ended_unix_us == T0_US + 5_000_000
    with pytest.raises(LogReadError, match=r"session\.json"):
        Manifest.from_json(b'{"format": "other"}', tmp_path / "session.json")


def test_a_killed_session_without_manifest_is_read_and_repaired(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    record = encode_record(T0_US, frame_for(0))
    (folder / "flight-1.tlog").write_bytes(record)
    (folder / "flight-2.tlog").write_bytes(record + record[:5])
    (folder / "journal.jsonl").write_bytes(b'{"torn')
    (folder / "nmea-landing.log").write_bytes(b"2026-05-03T03:09:37.123456Z\t$GP\n2026")
    session = RecordedSession.open(folder)
    assert session.manifest is None
    assert not session.closed_cleanly
    assert set(session.nmea_paths) == {"landing"}
    report = session.repair()
    assert dict(report.trimmed_bytes) == {"flight-2.tlog": 5, "journal.jsonl": 6, "nmea-landing.log": 4}
    assert [r.frame for r in session.tlog_records()] == [frame_for(0)] * 2
    assert [r.sentence for r in session.nmea("landing")] == [b"$GP"]
    assert session.repair().total_bytes == 0
    with pytest.raises(LogReadError, match=r"nmea-launch\.log"):
        session.nmea("launch")
    with pytest.raises(LogReadError, match="not a session folder"):
        RecordedSession.open(folder / "flight-1.tlog")
