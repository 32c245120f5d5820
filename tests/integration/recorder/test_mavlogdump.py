"""pymavlink's own mavlogdump reads our tlog and counts exactly the messages we recorded.

mavlogdump's ``--dialect`` only names dialect modules inside pymavlink's package
(``pymavlink.dialects.v20.<name>``, or XML in pymavlink's own message_definitions); it cannot be
pointed at an out-of-tree dialect. So the stock run uses its default dialect (ardupilotmega), where
our private messages (52500-52599) still appear, as ``UNKNOWN_<id>``: the total count and the count
of every common type must match. A second run makes our generated module importable under that
package name (in the child process only, nothing is installed) and then every name matches too.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from gcs.clock import SimClock
from gcs.recorder.session import RecordedSession
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from tests.support.recorder_child import frame_for, type_name_for

REPO = Path(__file__).resolve().parents[3]
FRAMES = 1000

# Runs mavlogdump with our dialect module registered as pymavlink.dialects.v20.seaport.
_WITH_SEAPORT = """
import runpy, sys
import pymavlink.dialects.v20 as v20
from gcs.protocol.dialect import seaport
sys.modules["pymavlink.dialects.v20.seaport"] = seaport
v20.seaport = seaport
sys.argv = ["mavlogdump.py", *sys.argv[1:]]
runpy.run_module("pymavlink.tools.mavlogdump", run_name="__main__")
"""


def mavlogdump_types(tlog_path: Path, *, seaport: bool = False) -> Counter[str]:
    """Message type -> count, as mavlogdump prints them (one JSON object per message)."""
    if seaport:
        command = [
            sys.executable,
            "-c",
            _WITH_SEAPORT,
            "--format",
            "json",
            "--dialect",
            "seaport",
            str(tlog_path),
        ]
    else:
        command = [sys.executable, "-m", "pymavlink.tools.mavlogdump", "--format", "json", str(tlog_path)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, check=True, timeout=60)
    return Counter(
        orjson.loads(line)["meta"]["type"] for line in done.stdout.splitlines() if line.startswith(b"{")
    )


async def record_session(tmp_path: Path, segment_bytes: int | None = None) -> Path:
    clock = SimClock(epoch_unix_s=1_777_777_777.0)
    settings = RecorderSettings(out_dir=tmp_path, tlog_segment_bytes=segment_bytes)
    async with SessionRecorder(settings, clock) as recorder:
        for i in range(FRAMES):
            clock.advance(0.001)
            recorder.record_frame(frame_for(i))
        assert (await recorder.flush()).tlog.records_synced == FRAMES
        return recorder.session_dir


@pytest.mark.parametrize("seaport", [False, True], ids=["stock-dialect", "seaport-dialect"])
async def test_mavlogdump_counts_every_message_we_recorded(tmp_path: Path, seaport: bool) -> None:
    session_dir = await record_session(tmp_path)
    expected = Counter(type_name_for(i, stock=not seaport) for i in range(FRAMES))
    assert mavlogdump_types(session_dir / "flight.tlog", seaport=seaport) == expected
    assert sum(expected.values()) == FRAMES


async def test_mavlogdump_reads_every_segment(tmp_path: Path) -> None:
    session_dir = await record_session(tmp_path, segment_bytes=8 * 1024)
    paths = RecordedSession.open(session_dir).tlog_paths
    assert len(paths) > 3
    total: Counter[str] = Counter()
    for path in paths:
        total += mavlogdump_types(path)
    assert total == Counter(type_name_for(i, stock=True) for i in range(FRAMES))
