"""kill -9 during a stream: the session reopens, nothing from before the last completed flush is lost,
every file reads back as exactly a prefix of what was handed over, and mavlogdump agrees."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession, SessionState
from gcs.recorder.tlog import MAX_RECORD_BYTES
from tests.integration.recorder.test_mavlogdump import mavlogdump_types
from tests.support.recorder_child import (
    JOURNAL_EVERY,
    NMEA_EVERY,
    PLATFORM,
    frame_for,
    sentence_for,
    type_name_for,
)

REPO = Path(__file__).resolve().parents[3]
FLUSHES_BEFORE_KILL = 6
DEADLINE_S = 20.0


class Child:
    """The recording process and the JSON lines it reports on stdout."""

    def __init__(self, out_dir: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.recorder_child", str(out_dir)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self._stdout = self.process.stdout
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._stdout, selectors.EVENT_READ)
        self._partial = b""
        self.reports: list[dict[str, Any]] = []

    def read_until(self, done: Any, deadline: float) -> None:
        """Collect reports until ``done(reports)`` holds; fail with what was seen at the deadline."""
        while not done(self.reports):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                stderr = (
                    self.process.stderr.read()
                    if self.process.poll() is not None and self.process.stderr
                    else b""
                )
                pytest.fail(
                    f"child did not get there: last reports {self.reports[-3:]}, stderr {stderr[-2000:]!r}"
                )
            if self._selector.select(timeout=remaining):
                self._take(os.read(self._stdout.fileno(), 65536))

    def _take(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        self.reports += [orjson.loads(line) for line in lines if line]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=DEADLINE_S)
        self._take(self._stdout.read())  # whatever it reported before it died counts too
        self._selector.close()
        self._stdout.close()
        if self.process.stderr:
            self.process.stderr.close()


@pytest.mark.parametrize("attempt", range(3))
def test_a_session_killed_with_sigkill_loses_nothing_before_the_last_flush(
    tmp_path: Path, attempt: int
) -> None:
    child = Child(tmp_path)
    try:
        child.read_until(
            lambda reports: (
                sum(r["event"] == "flushed" and r["tlog_synced"] > 0 for r in reports)
                >= FLUSHES_BEFORE_KILL + attempt
            ),
            time.monotonic() + DEADLINE_S,
        )
    finally:
        child.kill()
    assert child.process.returncode == -signal.SIGKILL
    (opened,) = [r for r in child.reports if r["event"] == "open"]
    last = [r for r in child.reports if r["event"] == "flushed"][-1]

    session = RecordedSession.open(Path(opened["session_dir"]))
    assert session.manifest is not None
    assert session.manifest.state is SessionState.RECORDING
    assert not session.closed_cleanly
    # If the kill landed mid-write, each file may end in one torn record: only that is cut.
    trimmed = session.repair()
    for name, cut in trimmed.trimmed_bytes.items():
        assert 0 < cut < (MAX_RECORD_BYTES if name.endswith(".tlog") else 200), name

    readers = session.tlog_readers()
    frames = [r.frame for reader in readers for r in reader]
    assert all(reader.skipped_bytes == 0 and reader.torn_bytes == 0 for reader in readers)
    assert len(frames) >= last["tlog_synced"]
    assert frames == [frame_for(i) for i in range(len(frames))]

    nmea = session.nmea(PLATFORM)
    sentences = [r.sentence for r in nmea]
    assert nmea.skipped_lines == 0
    assert nmea.torn_bytes == 0
    assert len(sentences) >= last["nmea_synced"]
    assert sentences == [sentence_for(i) for i in range(len(sentences))]
    assert len(sentences) <= len(frames) // NMEA_EVERY + 1

    journal = session.journal()
    entries = list(journal)
    assert journal.skipped_lines == 0
    assert journal.torn_bytes == 0
    assert len(entries) >= last["journal_synced"]
    assert [e.seq for e in entries] == list(range(len(entries)))
    assert entries[0].kind is JournalKind.SESSION_START
    assert [e.payload["index"] for e in entries[1:]] == [JOURNAL_EVERY * i for i in range(len(entries) - 1)]

    assert mavlogdump_types(session.tlog_paths[0]) == Counter(
        type_name_for(i, stock=True) for i in range(len(frames))
    )
