"""The real ``firmware-sim`` process for integration tests, and the links a test ground station uses.

``firmware_sim(*args)`` starts ``python -m firmware_sim ARGS``, waits for its "serving" line and
always ends it (SIGTERM, then SIGKILL), also when the test fails; its stderr goes to a file whose
tail is shown on failure. ``vehicle_link(kind)`` yields the vehicle's ``--link`` string and the
stream the test's ground station talks through: a UDP socket the vehicle sends to (``udpout``), or
the master side of a pty pair whose slave the vehicle opens as a serial port.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from gcs.transport.pty import open_pty
from tests.support.pymavlink_gcs import FdStream, PymavlinkGcs, udp_stream
from tests.support.waits import within

REPO = Path(__file__).resolve().parents[3]
CARGO = REPO / "configs" / "vehicles" / "cargo-p2p.toml"
LINK_KINDS = ["pty", "udp"]
START_TIMEOUT_S = 30.0


class SimProcess:
    def __init__(self, process: asyncio.subprocess.Process, stderr_path: Path, first_line: str) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.first_line = first_line
        self.lines: list[str] = [first_line]

    def stderr_tail(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:] if self.stderr_path.exists() else ""


@asynccontextmanager
async def firmware_sim(*args: str, stderr_path: Path, expect: str = "serving") -> AsyncIterator[SimProcess]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", *args,
            cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=stderr, env=env,
        )  # fmt: skip
    assert process.stdout is not None
    try:
        first = ""
        while expect not in first:
            raw = await within(process.stdout.readline(), timeout_s=START_TIMEOUT_S, what="sim start")
            first = raw.decode()
            sim = SimProcess(process, stderr_path, first)
            if not raw:
                raise AssertionError(f"firmware-sim exited: {sim.stderr_tail()}")
        yield sim
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        await process.stdout.read()


@asynccontextmanager
async def vehicle_link(kind: str) -> AsyncIterator[tuple[str, Any]]:
    """(the vehicle's --link, the ground station's stream) for ``kind`` ("pty" or "udp")."""
    if kind == "udp":
        async with udp_stream() as stream:
            yield f"udpout:127.0.0.1:{stream.port}", stream
        return
    with open_pty() as pty:
        stream = FdStream(pty.master_fd)
        try:
            yield f"serial:{pty.path}:115200", stream
        finally:
            stream.close()


@asynccontextmanager
async def ground_station(
    stream: Any, *, key: bytes | None = None, heartbeat_hz: float = 2.0, target: int = 1
) -> AsyncIterator[PymavlinkGcs]:
    """A :class:`PymavlinkGcs` on ``stream`` with its receive and heartbeat tasks running."""
    gcs = PymavlinkGcs(stream, key=key, link_id=7, target=target)
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(gcs.receive(), name="test gcs receive"),
            group.create_task(gcs.heartbeats(heartbeat_hz), name="test gcs heartbeat"),
        ]
        try:
            yield gcs
        finally:
            for task in tasks:
                task.cancel()
