"""A deterministic recording stream, and a process that records it with the real recorder until killed.

``frame_for(i)``, ``sentence_for(i)`` define the stream, so a test can check what it reads back
against what was handed over, record by record. As a program::

    python -m tests.support.recorder_child OUT_DIR

it records that stream through ``SessionRecorder`` on the wall clock and prints one JSON object per
line on stdout: ``{"event": "open", "session_dir": ...}``, then after every completed flush
``{"event": "flushed", "flushes": n, "tlog_synced": ..., "nmea_synced": ..., "journal_synced": ...,
"tlog_handed": ...}``. Every count it prints was on disk (written and fsynced) before it printed it.
It never stops by itself: the test kills it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson

from gcs.clock import WallClock
from gcs.protocol.dialect import seaport
from gcs.recorder.journal import JournalKind
from gcs.recorder.writer import RecorderSettings, SessionRecorder

PLATFORM = "landing"
SIGNING_KEY = bytes(range(32))
FLUSH_INTERVAL_S = 0.05
FRAMES_PER_TICK = 200
TICK_S = 0.002
NMEA_EVERY = 10
JOURNAL_EVERY = 100
CRITICAL_EVERY = 1000

_plain = seaport.MAVLink(None, srcSystem=1, srcComponent=1)
_signed = seaport.MAVLink(None, srcSystem=1, srcComponent=1)
_signed.signing.secret_key = SIGNING_KEY
_signed.signing.link_id = 1
_signed.signing.sign_outgoing = True

# What mavlogdump calls each kind with its default (ardupilotmega) dialect, which lacks ours.
STOCK_TYPE_NAMES = ("HEARTBEAT", "ATTITUDE", "UNKNOWN_52500", "HEARTBEAT", "ATTITUDE")
SEAPORT_TYPE_NAMES = ("HEARTBEAT", "ATTITUDE", "ENGINE_STATUS", "HEARTBEAT", "ATTITUDE")


def frame_for(index: int) -> bytes:
    """Frame ``index`` of the stream: cycles v2, v2, v2 private-dialect, v1, v2 signed."""
    kind = index % 5
    mav = _signed if kind == 4 else _plain
    mav.seq = index % 256
    if kind == 4:
        mav.signing.timestamp = index + 1
    if kind in (0, 3):
        message = mav.heartbeat_encode(
            seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC, 0, index % 1000, 3
        )
    elif kind == 2:
        message = mav.engine_status_encode(
            index, 0, seaport.ENGINE_STATE_RUNNING, 7e6, 2e6, 80.0, 0.5, -0.5, 3.6, 1
        )
    else:
        message = mav.attitude_encode(index, 0.01, -0.02, 1.5, 0.0, 0.0, 0.0)
    frame: bytes = message.pack(mav, force_mavlink1=kind == 3)
    return frame


def type_name_for(index: int, *, stock: bool) -> str:
    return (STOCK_TYPE_NAMES if stock else SEAPORT_TYPE_NAMES)[index % 5]


def sentence_for(index: int) -> bytes:
    """NMEA sentence ``index``; every seventh carries a stray control byte (to exercise escaping)."""
    body = f"GPZDA,{index % 86400:06d}.00,01,05,2026,00,00".encode()
    checksum = 0
    for byte in body:
        checksum ^= byte
    sentence = b"$" + body + b"*%02X" % checksum
    return sentence + b"\x00" if index % 7 == 6 else sentence


def _emit(obj: dict[str, object]) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")
    sys.stdout.buffer.flush()


async def _record(out_dir: Path) -> None:
    clock = WallClock()
    settings = RecorderSettings(out_dir=out_dir, flush_interval_s=FLUSH_INTERVAL_S)
    async with SessionRecorder(settings, clock, platforms=(PLATFORM,)) as recorder:
        _emit({"event": "open", "session_dir": str(recorder.session_dir)})
        async with asyncio.TaskGroup() as tg:
            tg.create_task(recorder.run(), name="recorder")
            index = 0
            reported = 0
            while True:
                for _ in range(FRAMES_PER_TICK):
                    recorder.record_frame(frame_for(index))
                    if index % NMEA_EVERY == 0:
                        recorder.record_nmea(PLATFORM, sentence_for(index // NMEA_EVERY))
                    if index % JOURNAL_EVERY == 0:
                        # Mostly timer-flushed entries, with a critical one now and then.
                        kind = (
                            JournalKind.COMMAND_SENT
                            if index % CRITICAL_EVERY == 0
                            else JournalKind.PARAM_CHANGE
                        )
                        recorder.journal(kind, "recorder_child", {"index": index})
                    index += 1
                stats = recorder.stats
                if stats.flushes != reported:
                    reported = stats.flushes
                    _emit(
                        {
                            "event": "flushed",
                            "flushes": stats.flushes,
                            "tlog_synced": stats.tlog.records_synced,
                            "nmea_synced": stats.nmea[PLATFORM].records_synced,
                            "journal_synced": stats.journal.records_synced,
                            "tlog_handed": stats.tlog.records_handed,
                        }
                    )
                await clock.sleep(TICK_S)  # pacing the stream, like a link would


def main() -> None:
    asyncio.run(_record(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
