"""One direction of a fault proxy: chunks go in, the fault model decides, the clock delivers.

A :class:`FaultPipe` feeds every chunk to a :class:`~gcs.transport.faults.FaultInjector` and hands
what comes out to a ``deliver`` coroutine at the times the model chose, waiting with the injected
:class:`~gcs.clock.Clock` (so a simulation clock drives delays too; nothing here sleeps on its own).
Knows nothing of sockets: the proxies give it a ``deliver`` function.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from gcs.clock import Clock
from gcs.errors import LinkDownError
from gcs.transport.faults import Delivery, FaultCounters, FaultInjector


@dataclass(frozen=True, slots=True)
class DirectionStats:
    """What happened in one direction of a proxy.

    ``faults`` is what the model did; ``delivered_*`` is what actually reached the other side;
    ``undeliverable_chunks`` had nowhere to go (no client yet, peer gone); ``pending_chunks`` are
    waiting for their delivery time or held back for reordering.
    """

    faults: FaultCounters = dataclasses.field(default_factory=FaultCounters)
    delivered_chunks: int = 0
    delivered_bytes: int = 0
    undeliverable_chunks: int = 0
    pending_chunks: int = 0

    def __add__(self, other: DirectionStats) -> DirectionStats:
        return DirectionStats(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(DirectionStats))
        )


class FaultPipe:
    """Delivers fed chunks through a fault model, in order, at the model's times.

    Args:
        injector: the fault model for this direction.
        deliver: sends one chunk on; ``LinkDownError`` counts the chunk as undeliverable.
        clock: whose time the delivery times are in.
    """

    def __init__(
        self, injector: FaultInjector, deliver: Callable[[bytes], Awaitable[None]], clock: Clock
    ) -> None:
        self._injector = injector
        self._deliver = deliver
        self._clock = clock
        self._queue: deque[Delivery] = deque()
        self._wakeup = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._delivered_chunks = 0
        self._delivered_bytes = 0
        self._undeliverable_chunks = 0
        self._sending = 0  # popped from the queue, delivery not finished: still pending

    @property
    def injector(self) -> FaultInjector:
        """The fault model of this direction (a proxy moves its blackout origin through it)."""
        return self._injector

    @property
    def stats(self) -> DirectionStats:
        return DirectionStats(
            faults=self._injector.counters,
            delivered_chunks=self._delivered_chunks,
            delivered_bytes=self._delivered_bytes,
            undeliverable_chunks=self._undeliverable_chunks,
            pending_chunks=len(self._queue) + self._injector.held_chunks + self._sending,
        )

    def feed(self, chunk: bytes) -> None:
        """Put one chunk in at the clock's current time."""
        self._queue.extend(self._injector.apply(chunk, self._clock.monotonic_s()))
        self._drained.clear()
        self._wakeup.set()

    async def drained(self) -> None:
        """Return once nothing fed so far is waiting (delivered, dropped or undeliverable).

        Needs :meth:`run` to be running.
        """
        await self._drained.wait()

    async def run(self) -> None:
        """Deliver forever; run it as a task and cancel it to stop."""
        while True:
            # Clear first, then look: a feed() during any await below sets the flag again.
            self._wakeup.clear()
            now_s = self._clock.monotonic_s()
            self._queue.extend(self._injector.release_due(now_s))
            if self._queue and self._queue[0].at_s <= now_s:
                await self._send(self._queue.popleft().data)
                continue
            head_s = self._queue[0].at_s if self._queue else None
            release_s = self._injector.next_release_s()
            if head_s is None and release_s is None:
                self._drained.set()
            if head_s is not None:
                # The model delivers in time order: nothing fed meanwhile can be due before the head.
                await self._clock.sleep(min(head_s, release_s if release_s is not None else head_s) - now_s)
            elif release_s is not None:
                await self._sleep_unless_fed(release_s - now_s)
            else:
                await self._wakeup.wait()

    async def _send(self, data: bytes) -> None:
        self._sending += 1
        try:
            await self._deliver(data)
        except LinkDownError:
            self._undeliverable_chunks += 1
        else:
            self._delivered_chunks += 1
            self._delivered_bytes += len(data)
        finally:
            self._sending -= 1

    async def _sleep_unless_fed(self, duration_s: float) -> None:
        """Wait ``duration_s`` of clock time, or less if a new chunk arrives (it may be due sooner)."""
        async with asyncio.TaskGroup() as group:
            sleeper = group.create_task(self._clock.sleep(duration_s), name="fault pipe: delay")
            waker = group.create_task(self._wakeup.wait(), name="fault pipe: new chunk")
            sleeper.add_done_callback(lambda _: waker.cancel())
            waker.add_done_callback(lambda _: sleeper.cancel())
