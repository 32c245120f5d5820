"""Run named background jobs for the length of an ``async with`` block. Knows nothing of what they do.

``asyncio.TaskGroup`` in Python 3.11 wraps an exception raised *in the body* of the block into an
``ExceptionGroup``; a user of ``async with open_link(...)`` should get their own ``KeyError`` back,
not a group. :func:`background` keeps the jobs in a TaskGroup (so a crashing job still surfaces as
one, and no task outlives the block) while letting the body's own exception through unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any


class Jobs:
    """The running jobs of one :func:`background` block; more can be started while it lasts."""

    def __init__(self, group: asyncio.TaskGroup) -> None:
        self._group = group
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, name: str, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``job`` as a task named ``name`` in the block's TaskGroup."""
        task = self._group.create_task(job, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()


@asynccontextmanager
async def background(*jobs: tuple[str, Coroutine[Any, Any, None]]) -> AsyncIterator[Jobs]:
    """Run each ``(name, coroutine)`` as a named task until the block ends, then cancel and await it."""
    body_error: BaseException | None = None
    async with asyncio.TaskGroup() as group:
        running = Jobs(group)
        for name, job in jobs:
            running.start(name, job)
        try:
            yield running
        except BaseException as exc:  # re-raised below, outside the group, unwrapped
            body_error = exc
        finally:
            running.cancel_all()
    if body_error is not None:
        raise body_error


def describe_tasks(limit_frames: int = 6) -> list[str]:
    """Every task of the running loop with where it waits now: what a hung shutdown prints."""
    lines: list[str] = []
    for task in sorted(asyncio.all_tasks(), key=lambda t: t.get_name()):
        lines.append(f"task {task.get_name()!r}{' (done)' if task.done() else ''}:")
        for frame in task.get_stack(limit=limit_frames):
            code = frame.f_code
            lines.append(f"    {code.co_filename}:{frame.f_lineno} in {code.co_name}")
    return lines
