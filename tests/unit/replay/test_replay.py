"""Replay: a recorded session through the live links again, on the session's time, damage skipped."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import shutil
from collections.abc import Hashable
from pathlib import Path

import pytest

from gcs.cli import main as gcs_main
from gcs.links.sea_platform_values import PlatformLinkEvent
from gcs.links.values import LinkEventKind, VehicleHeartbeat, VehicleLinkEvent, VehicleLinkHealth
from gcs.protocol.dialect import FlightPhase
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.recorder.session import RecordedSession
from gcs.recorder.tlog import encode_record
from gcs.replay import ReplayClock, parse_speed, replay_session
from tests.unit.replay.flight_script import (
    EPOCH_S,
    PLATFORM,
    REPO,
    SILENT_FROM_S,
    VEHICLE,
    Event,
    TapHub,
    record_flight,
    replay_settings,
    script,
)


def comparable(log: list[tuple[Hashable | None, object]]) -> list[tuple[Hashable | None, object]]:
    """The hub's log without what a replay adds (journal entries) or words differently (why a
    platform's byte link came up: "opened" live, "replay" in a replay)."""
    out: list[tuple[Hashable | None, object]] = []
    for key, value in log:
        if isinstance(value, JournalRecord):
            continue
        if isinstance(value, PlatformLinkEvent):
            value = dataclasses.replace(value, reason="")
        out.append((key, value))
    return out


async def test_replay_puts_every_value_of_the_recorded_run_on_the_hub_again(tmp_path: Path) -> None:
    session_dir, live = await record_flight(tmp_path)
    replayed = TapHub()

    report = await replay_session(session_dir, replay_settings(), hub=replayed)

    # Same values, same order, same stamps: heartbeats, link events (the loss declared at its
    # deadline, not at the next frame), link and feed health, every platform value, the telemetry.
    assert comparable(replayed.log) == comparable(live.log)
    beats = replayed.of(VehicleHeartbeat)
    assert len(beats) == 13
    assert [FlightPhase(b.custom_mode).name for b in beats][::6] == ["SAFE", "STANDBY", "TERMINAL_COUNT"]
    events = [(e.kind, round(e.unix_time_s - EPOCH_S, 6)) for e in replayed.of(VehicleLinkEvent)]
    assert events == [
        (LinkEventKind.FOUND, 0.5),
        (LinkEventKind.LOST, round(8.92 + 5.0, 6)),  # last frame before the silence + 5 heartbeats
        (LinkEventKind.RECOVERED, 16.02),  # the first frame after the silence, an ATTITUDE
    ]
    assert report.complete
    assert report.frames_received == sum(1 for e in script() if e.what == "frame")
    assert report.sentences == sum(1 for e in script() if e.what == "nmea")


async def test_frames_the_station_sent_are_counted_and_not_fed_back(tmp_path: Path) -> None:
    session_dir, _ = await record_flight(tmp_path)
    frames = RecordedSession.open(session_dir).tlog_records()
    station_frames = sum(1 for _, frame in frames if frame[5] == 255)
    assert station_frames > 10  # the live link's own heartbeats, recorded as sent

    replayed = TapHub()
    report = await replay_session(session_dir, replay_settings(), hub=replayed)

    assert report.frames_sent == station_frames
    assert {value.sysid for value in replayed.of(VehicleLinkHealth)} == {VEHICLE}  # type: ignore[attr-defined]


async def test_journal_entries_reach_the_hub_at_their_stamps(tmp_path: Path) -> None:
    events = sorted([*script(), Event(3.25, "journal", b"go for terminal count")], key=lambda e: e.t_s)
    session_dir, _ = await record_flight(tmp_path, events)
    replayed = TapHub()

    await replay_session(session_dir, replay_settings(), hub=replayed)

    entries = replayed.of(JournalRecord)
    kinds = [entry.kind for entry in entries]  # type: ignore[attr-defined]
    assert kinds[0] is JournalKind.SESSION_START
    assert kinds[-1] is JournalKind.SESSION_END
    [action] = [e for e in entries if e.kind is JournalKind.OPERATOR_ACTION]  # type: ignore[attr-defined]
    assert action.who == "alice"  # type: ignore[attr-defined]
    assert action.unix_time_us == round((EPOCH_S + 3.25) * 1e6)  # type: ignore[attr-defined]
    # It went out between the frames and sentences of its moment, not at the end.
    position = next(i for i, (_, v) in enumerate(replayed.log) if v is action)
    before = [v for _, v in replayed.log[:position] if isinstance(v, VehicleHeartbeat)]
    assert round(before[-1].unix_time_s - EPOCH_S, 6) == 2.5


class FakePacer:
    """A wall clock whose sleeps take no time: the test reads when each value would have appeared."""

    def __init__(self) -> None:
        self.now_s = 100.0
        self.slept_s = 0.0

    def monotonic_s(self) -> float:
        return self.now_s

    def unix_time_s(self) -> float:
        return self.now_s

    async def sleep(self, duration_s: float) -> None:
        self.now_s += duration_s
        self.slept_s += duration_s
        await asyncio.sleep(0)


@pytest.mark.parametrize("speed", [1.0, 4.0, 50.0])
async def test_replay_at_speed_n_follows_session_time(tmp_path: Path, speed: float) -> None:
    session_dir, _ = await record_flight(tmp_path)
    pacer = FakePacer()
    appeared: list[tuple[float, float]] = []

    class Watch(TapHub):
        def publish(self, value: object, *, key: Hashable | None = None) -> None:
            if isinstance(value, VehicleHeartbeat):
                appeared.append((value.unix_time_s - EPOCH_S, pacer.now_s - 100.0))
            super().publish(value, key=key)

    report = await replay_session(session_dir, replay_settings(speed=speed), hub=Watch(), pacer=pacer)

    for session_s, wall_s in appeared:
        assert wall_s == pytest.approx(session_s / speed, abs=1e-9)
    assert pacer.slept_s == pytest.approx(report.session_s / speed, rel=1e-9)
    assert report.wall_s == pytest.approx(report.session_s / speed, rel=1e-9)


def damage(session_dir: Path) -> None:
    """What a killed recorder and a bad disk leave: a torn tlog tail, garbage inside the tlog, a torn
    NMEA line, an unreadable journal line, no manifest."""
    tlog = session_dir / "flight.tlog"
    data = tlog.read_bytes()
    first = len(encode_record(0, bytes(RecordedSession.open(session_dir).tlog_records().__next__().frame)))
    data = data[:first] + b"\x00\xffgarbage" + data[first:]
    tlog.write_bytes(data + encode_record(round((EPOCH_S + 30) * 1e6), _frame())[:-4])
    nmea = session_dir / f"nmea-{PLATFORM}.log"
    nmea.write_bytes(nmea.read_bytes() + b"2027-01-15T08:00:30.000000Z\t$INHDT,29")
    journal = session_dir / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + b'{"seq": 1, "kind": "no such kind"}\n' + b"".join(lines[1:]))
    (session_dir / "session.json").unlink()


def _frame() -> bytes:
    from gcs.protocol.dialect import seaport
    from gcs.protocol.mavlink import MavlinkCodec

    return MavlinkCodec(VEHICLE, 1).encode(seaport.MAVLink_heartbeat_message(9, 0, 0, 0, 4, 3))


async def test_a_torn_session_replays_what_is_readable_and_reports_what_it_skipped(tmp_path: Path) -> None:
    session_dir, live = await record_flight(tmp_path / "live")
    damaged = tmp_path / "damaged"
    shutil.copytree(session_dir, damaged)
    damage(damaged)
    before = {p.name: p.read_bytes() for p in damaged.iterdir()}
    replayed = TapHub()

    report = await replay_session(damaged, replay_settings(), hub=replayed)

    # Everything readable came through: the tlog resynchronised after the garbage.
    assert replayed.of(VehicleHeartbeat) == live.of(VehicleHeartbeat)
    assert len(replayed.of(JournalRecord)) == 2  # session start and end; the bad line skipped
    assert not report.complete
    text = "\n".join(report.lines())
    assert "no session.json" in text
    assert "flight.tlog: 165 records, 9 damaged bytes skipped, torn last record of" in text
    lines = sum(1 for e in script() if e.what == "nmea")
    assert f"nmea-{PLATFORM}.log: {lines} records, torn last record of 37 bytes skipped" in text
    assert "journal.jsonl: 2 records, 1 unreadable lines skipped" in text
    assert {p.name: p.read_bytes() for p in damaged.iterdir()} == before  # replay never writes


async def test_an_empty_session_folder_replays_nothing_and_says_so(tmp_path: Path) -> None:
    report = await replay_session(tmp_path, replay_settings(), hub=TapHub())
    assert (report.frames_received, report.sentences, report.journal_entries) == (0, 0, 0)
    assert report.lines()[1] == "no session.json (never started cleanly?): files read as found"


async def test_the_clock_wakes_sleepers_in_deadline_order_and_never_goes_back() -> None:
    clock = ReplayClock(EPOCH_S)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, duration_s: float) -> None:
        await clock.sleep(duration_s)
        woke.append((name, clock.monotonic_s()))

    async with asyncio.TaskGroup() as group:
        group.create_task(sleeper("late", 2.0))
        group.create_task(sleeper("early", 1.0))
        await asyncio.sleep(0)
        assert clock.next_deadline_s() == 1.0
        clock.advance_to(1.0)
        await asyncio.sleep(0)
        clock.advance_to(0.5)  # a stamp earlier than the one before: time stays
        assert clock.monotonic_s() == 1.0
        clock.advance_to(2.0)
    assert woke == [("early", 1.0), ("late", 2.0)]
    assert clock.unix_time_s() == EPOCH_S + 2.0


def test_speed_is_a_positive_number_or_max() -> None:
    assert parse_speed("10") == 10.0
    assert math.isinf(parse_speed("max"))
    for bad in ("0", "-2", "fast", "nan"):
        with pytest.raises(Exception, match="positive number"):
            parse_speed(bad)


async def test_gcs_replay_prints_status_on_session_time_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session_dir, _ = await record_flight(tmp_path)
    argv = ["replay", str(session_dir), "--speed", "max", "--config", str(REPO / "configs" / "gcs.toml"),
            "--status-every", "5"]

    code = await asyncio.to_thread(gcs_main, argv)

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"gcs: replaying {session_dir} (closed cleanly) as fast as possible" in out
    assert "  T+15.0s 2027-01-15T08:00:15.000000Z\n    vehicle 1: LOST phase STANDBY" in out  # since 13.92 s
    assert "  vehicle 1: UP phase TERMINAL_COUNT" in out  # the final status
    assert "gcs: replayed 20.4 s of session in" in out
    assert "complete: every file read to its end" in out
    assert SILENT_FROM_S == 9.0
