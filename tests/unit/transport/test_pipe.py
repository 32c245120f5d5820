"""One proxy direction: delays and held chunks are waited out on the injected clock, never slept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from gcs.clock import SimClock
from gcs.errors import LinkDownError
from gcs.transport.faults import FaultInjector, FaultSpec
from gcs.transport.pipe import FaultPipe
from tests.support.waits import wait_until


@asynccontextmanager
async def running(
    spec: FaultSpec, clock: SimClock, fail: bool = False
) -> AsyncIterator[tuple[FaultPipe, list[bytes]]]:
    delivered: list[bytes] = []

    async def deliver(data: bytes) -> None:
        if fail:
            raise LinkDownError("nobody there")
        delivered.append(data)

    pipe = FaultPipe(FaultInjector(spec, seed=1), deliver, clock)
    async with asyncio.TaskGroup() as group:
        task = group.create_task(pipe.run(), name="pipe under test")
        try:
            yield pipe, delivered
        finally:
            task.cancel()


async def test_a_delayed_chunk_is_delivered_when_the_clock_reaches_its_time() -> None:
    clock = SimClock()
    async with running(FaultSpec(delay_s=5.0), clock) as (pipe, delivered):
        pipe.feed(b"slow")
        pipe.feed(b"slower")
        await wait_until(lambda: clock.pending_sleepers == 1, what="the pipe waiting on the clock")
        clock.advance_to(4.999)
        assert delivered == []
        assert pipe.stats.pending_chunks == 2
        clock.advance_to(5.0)
        await wait_until(lambda: delivered == [b"slow", b"slower"], what="both chunks delivered at t=5 s")
        await pipe.drained()
        assert pipe.stats.pending_chunks == 0
        assert (pipe.stats.delivered_chunks, pipe.stats.delivered_bytes) == (2, 10)


async def test_a_chunk_without_delay_is_delivered_without_touching_the_clock() -> None:
    clock = SimClock()
    async with running(FaultSpec(), clock) as (pipe, delivered):
        pipe.feed(b"now")
        await pipe.drained()
        assert delivered == [b"now"]
        assert clock.pending_sleepers == 0


async def test_a_held_chunk_comes_out_at_its_maximum_hold_time_even_with_no_later_chunk() -> None:
    clock = SimClock()
    spec = FaultSpec(reorder_probability=1.0, reorder_max_hold_s=0.5)
    async with running(spec, clock) as (pipe, delivered):
        pipe.feed(b"held")
        await wait_until(lambda: clock.pending_sleepers == 1, what="the pipe waiting for the release time")
        clock.advance_to(0.2)
        pipe.feed(b"held too")  # wakes the pipe, which goes back to waiting for the first release
        await wait_until(lambda: clock.pending_sleepers == 1, what="the pipe waiting again")
        clock.advance_to(0.49)
        assert delivered == []
        clock.advance_to(0.5)
        await wait_until(lambda: delivered == [b"held"], what="first held chunk released at 0.5 s")
        clock.advance_to(0.7)
        await wait_until(lambda: delivered == [b"held", b"held too"], what="second released at 0.7 s")
        assert pipe.stats.faults.released_by_timeout == 2


async def test_chunks_with_nowhere_to_go_are_counted_as_undeliverable() -> None:
    async with running(FaultSpec(), SimClock(), fail=True) as (pipe, delivered):
        pipe.feed(b"a")
        pipe.feed(b"b")
        await pipe.drained()
        assert delivered == []
        assert (pipe.stats.undeliverable_chunks, pipe.stats.delivered_chunks) == (2, 0)
