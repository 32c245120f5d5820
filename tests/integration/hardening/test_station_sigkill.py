"""SIGKILL of the whole ground station at seeded moments, and a new one started on the same folder.

``gcs run`` is a real child process with everything attached: its console (aiohttp) on a fixed
port, the MQTT bridge to a real Mosquitto, the real ``firmware-sim vehicle`` over UDP and the
landing barge's NMEA box (``firmware-sim platform``) over UDP; the simulators keep running across
station restarts, as a vehicle on the pad does. The station is killed three times, each at a
seeded moment (after 1-6 flushes of its tlog were seen on disk, then 0-0.5 s more: so between
flushes, inside writes and fsyncs too), and each time a new ``gcs run`` starts on the same sessions
folder and console port. After each kill:

* **MQTT**: the broker publishes the dead station's Wills: ``gcs/status``, ``vehicle/1/status``
  and ``platform/landing-barge/status`` say ``offline`` to a late subscriber; the last heartbeat
  state stays retained, stamped before the kill. The new station says ``online`` again and
  republishes current state.
* **the killed session** is found by the new station, repaired (at most one torn record cut per
  file: exactly the torn bytes the kill left) and marked ``interrupted`` in its manifest, with its
  newest record as its end; every whole record is kept, no frame the vehicle numbered is missing
  between the first and the last one recorded, and nothing seen on disk before the kill is gone;
* **reported, never silent**: the new station prints it, journals it in its own session
  (``recorder_fault``, ``session_interrupted``, with the last record's time) and its console shows
  that entry to an operator who logs in on the same port;
* the last station is stopped cleanly: three sessions ``interrupted``, the last ``closed``, each
  interrupted session reported exactly once.

The loss itself (what the station held in memory, at most its flush interval) is printed as
figures (``-s``): from the newest record on disk to the kill, never asserted as a time.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from gcs.recorder.journal import JournalKind, JournalReader
from gcs.recorder.nmea_log import NmeaLogReader
from gcs.recorder.recovery import EVENT
from gcs.recorder.session import RecordedSession, SessionState
from gcs.recorder.stamps import iso_utc
from gcs.recorder.tlog import MAX_RECORD_BYTES, TlogReader
from tests.integration.bridge._mqtt import Received, retained_when
from tests.support.console_station import USERS, free_udp_port, login, write_users_file
from tests.support.mosquitto import free_port, running_mosquitto
from tests.support.station_processes import REPO, GcsRun, sequence_gaps, sim_process
from tests.support.waits import wait_until

KILLS = 3
SEED = "station-sigkill"
FLUSH_INTERVAL_S = 0.25  # configs/gcs.toml's, the promise of the design
PREFIX = "test/sigkill"
PLATFORM = "landing-barge"
STATUSES = (f"{PREFIX}/gcs/status", f"{PREFIX}/vehicle/1/status", f"{PREFIX}/platform/{PLATFORM}/status")
HEARTBEAT = f"{PREFIX}/vehicle/1/heartbeat"
START_TIMEOUT_S = 45.0
VIEWER = USERS["vic"]


@dataclass(frozen=True, slots=True)
class FileOnDisk:
    """One file of a killed session as the kill left it, read without changing it."""

    records: int
    torn_bytes: int
    last_unix_us: int | None


@dataclass(frozen=True, slots=True)
class Killed:
    session_dir: Path
    killed_unix_s: float
    frames_seen_before_kill: int
    files: dict[str, FileOnDisk]
    frames: list[bytes]

    @property
    def last_unix_us(self) -> int:
        return max(f.last_unix_us for f in self.files.values() if f.last_unix_us is not None)


def _config(tmp_path: Path, users_file: Path) -> Path:
    """configs/gcs.toml with a console user file (the test logs in); every other value as shipped."""
    text = (REPO / "configs" / "gcs.toml").read_text()
    text = text.replace("[console]\n", f'[console]\nusers_file = "{users_file}"\n', 1)
    path = tmp_path / "gcs.toml"
    path.write_text(text)
    return path


def _whole_records(path: Path) -> int:
    reader = TlogReader(path)
    return sum(1 for _ in reader)


def _as_the_kill_left_it(session_dir: Path) -> tuple[dict[str, FileOnDisk], list[bytes]]:
    tlog = TlogReader(session_dir / "flight.tlog")
    records = list(tlog)
    assert tlog.skipped_bytes == 0
    journal = JournalReader(session_dir / "journal.jsonl")
    entries = list(journal)
    assert journal.skipped_lines == 0
    nmea = NmeaLogReader(session_dir / f"nmea-{PLATFORM}.log")
    sentences = list(nmea)
    assert nmea.skipped_lines == 0
    files = {
        "flight.tlog": FileOnDisk(tlog.records, tlog.torn_bytes, _last_us(r.unix_time_us for r in records)),
        "journal.jsonl": FileOnDisk(journal.records, journal.torn_bytes,
                                    _last_us(e.unix_time_us for e in entries)),
        nmea.path.name: FileOnDisk(nmea.records, nmea.torn_bytes,
                                   _last_us(n.unix_time_us for n in sentences)),
    }
    return files, [r.frame for r in records]


def _last_us(stamps: Iterable[int]) -> int | None:
    return max(stamps, default=None)


async def _flushes_seen(tlog_path: Path, count: int) -> None:
    """Wait until the tlog has grown ``count`` times on disk (each growth is one flush of the recorder)."""
    sizes: list[int] = []

    def grown() -> bool:
        size = tlog_path.stat().st_size if tlog_path.exists() else 0
        if size and (not sizes or size > sizes[-1]):
            sizes.append(size)
        return len(sizes) >= count

    await wait_until(grown, timeout_s=START_TIMEOUT_S, what=f"{count} flushes of {tlog_path.name}")


def _statuses_are(payload: bytes) -> Callable[[dict[str, Received]], bool]:
    return lambda r: all(t in r and r[t].payload == payload for t in STATUSES)


async def _console_journal(base_url: str) -> list[dict[str, object]]:
    async with aiohttp.ClientSession() as http:
        headers = await login(http, base_url, VIEWER)
        async with http.get(f"{base_url}/api/v1/journal?limit=2000", headers=headers) as response:
            assert response.status == 200, await response.text()
            return list((await response.json())["entries"])


def _reported(entries: list[dict[str, object]], session: str) -> list[dict[str, object]]:
    return [e for e in entries if e["kind"] == "recorder_fault" and isinstance(p := e["payload"], dict)
            and p.get("event") == EVENT and p.get("session") == session]


async def _check_recovered(station: GcsRun, killed: Killed, new_session: Path, base_url: str) -> None:
    name = killed.session_dir.name
    line = await station.wait_line(lambda s: f"session {name} was not closed" in s, timeout_s=30,
                                   what=f"the new station to report {name}")
    assert "repaired" in line, line

    session = RecordedSession.open(killed.session_dir)
    assert session.manifest is not None
    assert session.manifest.state is SessionState.INTERRUPTED
    assert not session.closed_cleanly
    assert session.manifest.ended_unix_us == killed.last_unix_us
    counts = session.manifest.counts
    assert counts["recovered_by"] == new_session.name
    # Repair cut exactly the torn tails the kill left: at most one record per file (a line file's
    # torn bytes are those after its last newline; a tlog's, less than one record).
    torn = {n: f.torn_bytes for n, f in killed.files.items() if f.torn_bytes}
    assert counts["trimmed_bytes"] == torn
    assert torn.get("flight.tlog", 0) < MAX_RECORD_BYTES, torn
    assert counts["records"] == {n: f.records for n, f in killed.files.items()}
    assert session.repair().total_bytes == 0
    frames = [r.frame for r in session.tlog_records()]
    assert frames == killed.frames  # every whole record kept, in order
    assert len(frames) >= killed.frames_seen_before_kill  # nothing that was on disk before the kill is gone
    assert sequence_gaps(frames, sysid=1) == 0  # nothing missing between the first and the last frame

    # Reported where an inquiry looks: the new session's journal (critical: on disk at once) ...
    def journalled() -> list[dict[str, object]]:
        return _reported([{"kind": e.kind.value, "payload": dict(e.payload)}
                          for e in JournalReader(new_session / "journal.jsonl")], name)

    await wait_until(journalled, timeout_s=10, what=f"{name} reported in the new journal")
    (entry,) = journalled()
    payload = entry["payload"]
    assert isinstance(payload, dict)
    assert payload["last_record_iso"] == iso_utc(killed.last_unix_us)
    assert payload["repaired"] is True
    # ... and on the console, served again on the same port.
    assert len(_reported(await _console_journal(base_url), name)) == 1


async def test_the_killed_station_is_found_repaired_and_reported_and_the_new_one_takes_over(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    vehicle_port, platform_port, console_port = free_udp_port(), free_udp_port(), free_port()
    base_url = f"http://127.0.0.1:{console_port}"
    sessions = tmp_path / "sessions"
    config = _config(tmp_path, write_users_file(tmp_path / "console-users.json"))
    killed: list[Killed] = []
    figures: list[str] = []
    async with running_mosquitto() as broker, AsyncExitStack() as stack:
        await stack.enter_async_context(sim_process(
            "vehicle", "--connect", f"udpout:127.0.0.1:{vehicle_port}", "--telemetry-hz", "20",
            stderr_path=tmp_path / "vehicle.stderr"))  # fmt: skip
        await stack.enter_async_context(sim_process(
            "platform", "--config", "configs/platforms/landing-barge.toml",
            "--nmea", f"udpout:127.0.0.1:{platform_port}",
            stderr_path=tmp_path / "platform.stderr"))  # fmt: skip
        for run in range(KILLS + 1):
            started_unix_s = time.time()
            station = await GcsRun.start(
                "--config", str(config), "--vehicle", f"udpin:127.0.0.1:{vehicle_port}",
                "--platform", f"{PLATFORM}=udpin:127.0.0.1:{platform_port}", "--out", str(sessions),
                "--console", f"127.0.0.1:{console_port}", "--mqtt", f"{broker.url}/{PREFIX}",
                "--status-every", "1", stderr_path=tmp_path / f"gcs-{run}.stderr",
            )  # fmt: skip
            stack.push_async_callback(station.stop)
            line = await station.wait_line(lambda s: s.startswith("gcs: running; session "),
                                           timeout_s=START_TIMEOUT_S, what="gcs run to start recording")
            session_dir = Path(line.removeprefix("gcs: running; session ").strip())
            assert session_dir.parent == sessions
            if killed:
                await _check_recovered(station, killed[-1], session_dir, base_url)

            # The new station is the one publishing: statuses online, a heartbeat stamped after its start.
            def publishing(r: dict[str, Received], since_s: float = started_unix_s) -> bool:
                return _statuses_are(b"online")(r) and HEARTBEAT in r \
                    and float(str(r[HEARTBEAT].json()["unix_time_s"])) >= since_s  # fmt: skip

            await retained_when(broker, f"{PREFIX}/#", publishing, timeout_s=START_TIMEOUT_S,
                                what=f"station {run} online with a fresh heartbeat")
            if run == KILLS:
                break

            # A seeded moment: after some flushes were seen on disk, then anywhere within two more.
            flushes, extra_s = rng.randint(1, 6), rng.uniform(0.0, 2 * FLUSH_INTERVAL_S)
            await _flushes_seen(session_dir / "flight.tlog", flushes)
            await asyncio.sleep(extra_s)  # choosing the moment of the kill, not waiting for a condition
            seen = _whole_records(session_dir / "flight.tlog")
            killed_unix_s = time.time()
            await station.kill()
            assert station.process.returncode == -9

            files, frames = _as_the_kill_left_it(session_dir)
            killed.append(Killed(session_dir, killed_unix_s, seen, files, frames))
            lost_s = killed_unix_s - killed[-1].last_unix_us / 1e6
            figures.append(f"kill {run}: after {flushes} flushes + {extra_s * 1000:.0f} ms; "
                           f"{len(frames)} frames kept, torn bytes {[f.torn_bytes for f in files.values()]}, "
                           f"newest record {lost_s * 1000:.0f} ms before the kill")  # fmt: skip

            # The broker tells every viewer at once: the Wills say offline; the last state stays, dated.
            found = await retained_when(broker, f"{PREFIX}/#", _statuses_are(b"offline"), timeout_s=10,
                                        what="every Will to say offline after the kill")
            assert float(str(found[HEARTBEAT].json()["unix_time_s"])) <= killed_unix_s

        assert await station.stop() == 0
        await retained_when(broker, f"{PREFIX}/#", _statuses_are(b"offline"), timeout_s=10,
                            what="offline said by the cleanly stopped station")
    print("\n" + "\n".join(figures))

    states = {p.name: RecordedSession.open(p).manifest.state for p in sorted(sessions.iterdir())}  # type: ignore[union-attr]
    assert list(states.values()) == [SessionState.INTERRUPTED] * KILLS + [SessionState.CLOSED], states
    reports = [
        e.payload["session"]
        for p in sorted(sessions.iterdir())
        for e in RecordedSession.open(p).journal()
        if e.kind is JournalKind.RECORDER_FAULT and e.payload.get("event") == EVENT
    ]
    assert reports == [k.session_dir.name for k in killed]  # each reported once, by the next station
    for k in killed:
        print(json.dumps(dict(RecordedSession.open(k.session_dir).manifest.counts)))  # type: ignore[union-attr]
