"""Real processes around a ground station for process-level hardening tests, and what their records say.

* ``sim_process(*args)``: a ``firmware-sim`` child (``vehicle``, ``platform``), stopped with SIGTERM
  (SIGKILL if it lingers) when the block ends; its stderr kept for failure messages.
* ``GcsRun``: ``gcs run`` as a child process, as an operator starts it; its stdout kept line by
  line as it comes (``wait_line``), killed (``kill``: SIGKILL, no goodbye) or stopped (``stop``:
  SIGTERM, a clean close) by the test.
* ``sequence_gaps(frames)``: the MAVLink sequence numbers a sender skipped, per (sysid, compid):
  on a loopback link a gap is a frame that reached the station and was not recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from tests.support.waits import wait_until

REPO = Path(__file__).resolve().parents[2]
STOP_TIMEOUT_S = 20.0


@asynccontextmanager
async def sim_process(*args: str, stderr_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m firmware_sim ARGS`` for the length of the block."""
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", *args, cwd=REPO,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    try:
        yield process
    finally:
        await stop_process(process)


async def stop_process(process: asyncio.subprocess.Process) -> int | None:
    """SIGTERM, then SIGKILL if it has not exited within ``STOP_TIMEOUT_S``; its return code."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode


class GcsRun:
    """One ``gcs run`` child process and its terminal output; see the module docstring."""

    def __init__(self, process: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.process = process
        self.lines: list[str] = []
        self._stderr_path = stderr_path
        self._reader = asyncio.create_task(self._read(), name=f"gcs run {process.pid} output")

    @classmethod
    async def start(cls, *args: str, stderr_path: Path) -> GcsRun:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with stderr_path.open("ab") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "gcs", "run", *args, cwd=REPO, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )  # fmt: skip
        return cls(process, stderr_path)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    def tail(self) -> str:
        stderr = self._stderr_path.read_text(errors="replace")[-3000:]
        return "\n".join(self.lines[-15:]) + f"\n--- gcs stderr ---\n{stderr}"

    async def wait_line(self, predicate: Callable[[str], bool], *, timeout_s: float, what: str) -> str:
        """The first output line that satisfies ``predicate``, waiting for it if need be."""
        def found() -> str | None:
            return next((line for line in self.lines if predicate(line)), None)

        await wait_until(lambda: found() is not None or self.process.returncode is not None,
                         timeout_s=timeout_s, what=what, show=self.tail)
        line = found()
        assert line is not None, f"gcs run exited ({self.process.returncode}) before {what}:\n{self.tail()}"
        return line

    async def kill(self) -> None:
        """SIGKILL: no goodbye to anyone, files left as they are at this instant."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        await self._reader

    async def stop(self) -> int | None:
        """SIGTERM (a clean stop), or SIGKILL if it hangs; its return code."""
        code = await stop_process(self.process)
        await self._reader
        return code


def frame_header(frame: bytes) -> tuple[int, int, int]:
    """(sysid, compid, seq) of a MAVLink 1 or 2 frame."""
    if frame[0] == 0xFD:
        return frame[5], frame[6], frame[4]
    return frame[3], frame[4], frame[2]


def sequence_gaps(frames: Iterable[bytes], *, sysid: int) -> int:
    """Frames ``sysid`` numbered but that are not among ``frames``, summed over its components."""
    last: dict[int, int] = {}
    gaps = 0
    for frame in frames:
        sender, compid, seq = frame_header(frame)
        if sender != sysid:
            continue
        if compid in last and seq != last[compid]:  # a repeat is a duplicate, not a gap
            gaps += (seq - last[compid] - 1) % 256
        last[compid] = seq
    return gaps
