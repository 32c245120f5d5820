"""The reconnecting link over the memory wire, with simulated time: events, drops, backoff, closing."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import pytest

from gcs.clock import SimClock
from gcs.errors import EndpointError, LinkDownError
from gcs.transport.endpoint import Endpoint
from gcs.transport.link import Backoff, Link, LinkEvent, LinkState, open_link
from gcs.transport.memory import MemoryNetwork
from tests.support.waits import wait_until, within

WIRE = Endpoint.memory("wire")


@dataclass(frozen=True)
class RecordingBackoff(Backoff):
    """Remembers which attempt numbers the link asked about."""

    attempts: list[int] = field(default_factory=list)

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        self.attempts.append(attempt)
        return super().delay_s(attempt, rng)


async def next_retry(clock: SimClock) -> None:
    """Let the link's backoff sleep end: wait until it sleeps, then move time past any backoff."""
    await wait_until(lambda: clock.pending_sleepers > 0, timeout_s=2.0, what="the link sleeping in backoff")
    clock.advance(10.0)


async def open_failures_reach(link: Link, count: int) -> None:
    await wait_until(lambda: link.stats.open_failures == count, what=f"{count} failed opens")


async def test_a_link_comes_up_carries_chunks_both_ways_and_reports_events() -> None:
    network, clock, events = MemoryNetwork(), SimClock(), list[LinkEvent]()
    peer = network.open(WIRE)
    async with open_link("mem:wire", clock=clock, on_event=events.append, memory=network) as link:
        await within(link.wait_up(), what="link up")
        assert await link.write(b"ping")
        assert await peer.read() == b"ping"
        await peer.write(b"pong")
        assert await link.read() == b"pong"
        stats = link.stats
        assert (stats.chunks_out, stats.bytes_out, stats.chunks_in, stats.bytes_in) == (1, 4, 1, 4)
    await peer.aclose()
    assert [(e.state, e.endpoint) for e in events] == [(LinkState.UP, WIRE), (LinkState.DOWN, WIRE)]
    assert events[-1].reason.endswith("link closed")


async def test_writes_while_down_are_dropped_and_counted_never_raised() -> None:
    network, clock = MemoryNetwork(), SimClock()
    blockers = [network.open(WIRE), network.open(WIRE)]  # the wire is busy: the link cannot open
    async with open_link(WIRE, clock=clock, memory=network) as link:
        await wait_until(lambda: link.stats.open_failures == 1, what="first failed open")
        assert not await link.write(b"lost")
        assert not await link.write(b"also lost")
        assert (link.stats.writes_dropped, link.stats.bytes_dropped, link.stats.chunks_out) == (2, 13, 0)
    for blocker in blockers:
        await blocker.aclose()


async def test_an_absent_endpoint_is_retried_on_the_clock_with_one_down_event() -> None:
    network, clock, events = MemoryNetwork(), SimClock(), list[LinkEvent]()
    blockers = [network.open(WIRE), network.open(WIRE)]
    async with open_link(WIRE, clock=clock, on_event=events.append, memory=network) as link:
        await open_failures_reach(link, 1)
        assert link.stats.open_failures == 1  # no retry until simulated time moves
        for failures in (2, 3, 4):
            await next_retry(clock)
            await open_failures_reach(link, failures)
        assert [e.state for e in events] == [LinkState.DOWN]
        assert "busy" in events[0].reason
        await blockers[0].aclose()
        await next_retry(clock)
        await within(link.wait_up(), what="link up")
        assert [e.state for e in events] == [LinkState.DOWN, LinkState.UP]
    await blockers[1].aclose()


async def test_read_waits_across_a_reconnection() -> None:
    network, clock, events = MemoryNetwork(), SimClock(), list[LinkEvent]()
    peer = network.open(WIRE)
    async with open_link(WIRE, clock=clock, on_event=events.append, memory=network) as link:
        await within(link.wait_up(), what="link up")
        async with asyncio.TaskGroup() as group:
            reading = group.create_task(link.read(), name="reader")
            await peer.aclose()  # the peer goes away while a read is waiting
            await wait_until(lambda: [e.state for e in events] == [LinkState.UP, LinkState.DOWN], what="DOWN")
            assert not reading.done()
            new_peer = network.open(WIRE)
            await next_retry(clock)
            await within(link.wait_up(), what="link up")
            await new_peer.write(b"after the gap")
        assert reading.result() == b"after the gap"
        assert link.stats.reconnects == 1
        await new_peer.aclose()


async def test_backoff_starts_over_only_once_the_reopened_stream_delivers_data() -> None:
    network, clock = MemoryNetwork(), SimClock()
    backoff = RecordingBackoff(base_s=0.1, max_s=1.0)
    peer = network.open(WIRE)
    async with open_link(WIRE, clock=clock, backoff=backoff, memory=network) as link:
        await within(link.wait_up(), what="link up")
        await peer.aclose()  # drop 1: no data seen
        await next_retry(clock)
        await link.wait_up()  # reopened onto an empty wire
        peer = network.open(WIRE)
        await peer.aclose()  # drop 2: still no data seen, so the attempts keep counting
        await next_retry(clock)
        await within(link.wait_up(), what="link up")
        peer = network.open(WIRE)
        await peer.write(b"alive")
        assert await link.read() == b"alive"
        await peer.aclose()  # drop 3, after data: back to attempt 0
        await wait_until(lambda: len(backoff.attempts) == 3, what="third backoff")
    assert backoff.attempts == [0, 1, 0]


def test_backoff_is_full_jitter_capped_and_never_overflows() -> None:
    backoff = Backoff(base_s=0.1, factor=1.5, max_s=5.0)
    rng = random.Random(1)
    for attempt in range(60):
        ceiling = min(5.0, 0.1 * 1.5**attempt)
        delays = [backoff.delay_s(attempt, rng) for _ in range(50)]
        assert all(0.0 <= d <= ceiling for d in delays)
    assert 0.0 <= backoff.delay_s(10**9, rng) <= 5.0
    assert 0.0 <= Backoff(factor=1000.0).delay_s(10**6, rng) <= 5.0  # no OverflowError
    assert [Backoff().delay_s(3, random.Random(7)) for _ in range(2)] == [
        Backoff().delay_s(3, random.Random(7))
    ] * 2
    with pytest.raises(ValueError, match="Backoff"):
        Backoff(base_s=0.0)


async def test_an_error_in_the_block_comes_out_unwrapped_and_the_link_closes() -> None:
    network = MemoryNetwork()

    async def fail_inside_the_block() -> None:
        async with open_link(WIRE, clock=SimClock(), memory=network) as link:
            await within(link.wait_up(), what="link up")
            raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):  # a KeyError, not an ExceptionGroup around one
        await fail_inside_the_block()
    assert network.ends_attached("wire") == 0


async def test_closing_the_link_ends_a_waiting_read_with_link_down() -> None:
    network = MemoryNetwork()
    waiting = asyncio.Event()

    async def read_until_closed(link: Link) -> LinkDownError:
        waiting.set()
        try:
            await link.read()
        except LinkDownError as exc:
            return exc
        raise AssertionError("read returned data")

    async with asyncio.TaskGroup() as group, open_link(WIRE, clock=SimClock(), memory=network) as link:
        await within(link.wait_up(), what="link up")
        reading = group.create_task(read_until_closed(link), name="reader")
        await waiting.wait()
    assert "link is closed" in str(reading.result())
    with pytest.raises(LinkDownError, match="link is closed"):
        await link.read()
    assert not await link.write(b"too late")


async def test_bad_endpoints_fail_at_once_rather_than_retrying() -> None:
    with pytest.raises(EndpointError, match="unknown scheme"):
        async with open_link("carrier-pigeon:42", clock=SimClock()):
            pass
    with pytest.raises(EndpointError, match="MemoryNetwork"):
        async with open_link("mem:wire", clock=SimClock()):
            pass
