"""Sleep on an injected clock unless an event comes first. Knows nothing of what is awaited.

asyncio's own timeouts run on the event loop's clock; the link's timeouts must run on the
injected :class:`~gcs.clock.Clock` (simulation time in accelerated SITL), so waits race
``clock.sleep`` against ``event.wait`` in a TaskGroup and cancel the loser.
"""

from __future__ import annotations

import asyncio

from gcs.clock import Clock


async def sleep_unless_set(clock: Clock, duration_s: float, event: asyncio.Event) -> bool:
    """Wait ``duration_s`` of ``clock`` time or until ``event`` is set, whichever comes first.

    Returns:
        True if the event was (or already is) set.
    """
    if event.is_set():
        return True
    if duration_s <= 0:
        await asyncio.sleep(0)
        return event.is_set()
    async with asyncio.TaskGroup() as group:
        sleeper = group.create_task(clock.sleep(duration_s), name="sleep")
        waiter = group.create_task(event.wait(), name="wait for event")

        def cancel_the_other(done: asyncio.Task[object]) -> None:
            for task in (sleeper, waiter):
                if task is not done:
                    task.cancel()

        sleeper.add_done_callback(cancel_the_other)
        waiter.add_done_callback(cancel_the_other)
    return event.is_set()
