"""``firmware-sim platform --follow-stdin-lead-s``: the real sensor box keeps to a slow leader's time.

``gcs sitl`` writes the station's clock to each box's standard input; a station slower than the
asked speed must get the boxes' sentences at its own pace. Here the leader's time runs at 2 s per
wall second while the box was asked 20x: its 10 Hz heading sentences come about 20 a wall second,
not 200; with the leader silent they come at the asked speed again.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from tests.integration.sim.sim_process import REPO
from tests.support.pymavlink_gcs import udp_stream
from tests.support.waits import within

BARGE = REPO / "configs" / "platforms" / "landing-barge.toml"
SPEED = 20.0
LEADER_RATE = 2.0  # the leader's simulated seconds per wall second


async def _heading_rate(stream: object, decoder: NmeaTss1Decoder, window_s: float) -> float:
    """HDT sentences per wall second over ``window_s``."""
    count = 0
    end = time.monotonic() + window_s
    while (left := end - time.monotonic()) > 0:
        try:
            data = await asyncio.wait_for(stream.read(), timeout=left)  # type: ignore[attr-defined]
        except TimeoutError:
            break
        count += sum(1 for s in decoder.feed(data) if str(s.sentence_type) == "HDT")
    return count / window_s


async def test_the_box_keeps_to_its_leader_and_runs_at_speed_without_one(tmp_path: Path) -> None:
    decoder = NmeaTss1Decoder()
    async with udp_stream() as stream:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", "platform", "--config", str(BARGE),
            "--nmea", f"udpout:127.0.0.1:{stream.port}", "--speed", f"{SPEED:g}",
            "--follow-stdin-lead-s", "1", cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            stderr=(tmp_path / "sim.err").open("wb"),
        )  # fmt: skip
        assert process.stdin is not None
        leading = asyncio.Event()

        async def leader() -> None:
            start = time.monotonic()
            while True:
                if leading.is_set():
                    process.stdin.write(f"{1000.0 + (time.monotonic() - start) * LEADER_RATE:.3f}\n".encode())
                await asyncio.sleep(0.02)

        task = asyncio.create_task(leader(), name="test leader")
        try:
            await within(stream.read(), timeout_s=30, what="the box's first sentences")
            free_hz = await _heading_rate(stream, decoder, 1.5)
            leading.set()
            await asyncio.sleep(0.5)
            led_hz = await _heading_rate(stream, decoder, 2.0)
            leading.clear()
            await asyncio.sleep(2.5)  # the release time
            released_hz = await _heading_rate(stream, decoder, 1.5)
        finally:
            task.cancel()
            process.terminate()
            await process.wait()
    assert led_hz < 0.35 * free_hz, (free_hz, led_hz, released_hz)  # ~20/s against ~200/s asked
    assert released_hz > 0.6 * free_hz, (free_hz, led_hz, released_hz)
    assert decoder.counters.checksum_errors == 0
