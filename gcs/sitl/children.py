"""The simulator's processes, started and always stopped: none outlives the run.

Each child gets ``PR_SET_PDEATHSIG`` (SIGKILL when its parent dies), so a ground station killed with
SIGKILL, or crashing, takes its simulator with it; on a normal exit, and on Ctrl-C, the context
manager sends SIGTERM, waits, then kills. Output goes to a log file in the session folder, where a
failed run can be read afterwards.

Knows nothing of what the children simulate.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from gcs.errors import GcsError

STOP_GRACE_S = 5.0
"""Wall seconds a child has to exit after SIGTERM before it is killed."""

_PR_SET_PDEATHSIG = 1


class ChildProcessError(GcsError):
    """A simulator process could not be started, or ended before the run did."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # Our own process group: a Ctrl-C at the terminal reaches the ground station, which stops the
    # children in order, instead of every process at once.
    os.setpgid(0, 0)


@dataclass(slots=True)
class Child:
    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def tail(self, lines: int = 20) -> str:
        """The last lines of the child's output, for an error message."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def exited(self) -> int:
        return await self.process.wait()


@contextlib.asynccontextmanager
async def child_process(name: str, argv: Sequence[str], *, log_dir: Path, cwd: Path | None = None,
                        stdin_pipe: bool = False) -> AsyncIterator[Child]:
    """Run ``argv`` (``python -m ...`` with this interpreter if it starts with ``-m``) for the block;
    its output goes to ``log_dir/NAME.log`` (``log_dir`` must exist). ``stdin_pipe``: its standard
    input is a pipe the caller writes to (``child.process.stdin``), else nothing.

    Raises:
        ChildProcessError: it could not be started.
    """
    command = [sys.executable, *argv] if argv and argv[0] == "-m" else list(argv)
    log_path = log_dir / f"{name}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("ab") as log:
        try:
            process = await asyncio.create_subprocess_exec(
                *command, stdin=asyncio.subprocess.PIPE if stdin_pipe else asyncio.subprocess.DEVNULL,
                stdout=log, stderr=asyncio.subprocess.STDOUT,
                env=env, cwd=cwd, preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            raise ChildProcessError(f"{name}: cannot start {command[0]}: {exc}") from exc
    child = Child(name, process, log_path)
    try:
        yield child
    finally:
        await stop_process(process)


async def stop_process(process: asyncio.subprocess.Process, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM, then SIGKILL after ``grace_s``; never returns with the child alive (also when cancelled)."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), grace_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
    except asyncio.CancelledError:
        # Cancelled while stopping (a second Ctrl-C): still never leave the child behind.
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
