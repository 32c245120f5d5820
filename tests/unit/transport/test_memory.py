"""The in-memory wire: the same contract as the real streams, without sockets."""

from __future__ import annotations

import pytest

from gcs.errors import LinkDownError
from gcs.transport.endpoint import Endpoint
from gcs.transport.memory import MemoryNetwork, memory_pair


async def test_chunks_cross_both_ways_with_their_boundaries() -> None:
    async with memory_pair() as (a, b):
        await a.write(b"one")
        await a.write(b"two")
        await b.write(b"back")
        assert [await b.read(), await b.read()] == [b"one", b"two"]
        assert await a.read() == b"back"


async def test_closing_one_end_delivers_what_was_sent_then_hangs_up_the_other() -> None:
    async with memory_pair() as (a, b):
        await a.write(b"last words")
        await a.aclose()
        assert await b.read() == b"last words"
        with pytest.raises(LinkDownError, match="peer closed"):
            await b.read()
        with pytest.raises(LinkDownError, match="peer closed"):
            await b.write(b"anyone?")


async def test_a_closed_end_refuses_reads_and_writes_and_closes_twice_quietly() -> None:
    async with memory_pair() as (a, _):
        await a.aclose()
        await a.aclose()
        with pytest.raises(LinkDownError, match="closed"):
            await a.read()
        with pytest.raises(LinkDownError, match="closed"):
            await a.write(b"x")


async def test_a_wire_has_two_ends_and_fresh_ends_make_a_fresh_connection() -> None:
    network = MemoryNetwork()
    wire = Endpoint.memory("w")
    first, second = network.open(wire), network.open(wire)
    with pytest.raises(LinkDownError, match="busy"):
        network.open(wire)
    await second.aclose()
    assert network.ends_attached("w") == 0  # the hung-up end left the wire with its peer
    third, fourth = network.open(wire), network.open(wire)
    await third.write(b"hello")
    assert await fourth.read() == b"hello"
    with pytest.raises(LinkDownError, match="peer closed"):
        await first.write(b"stale")
    for end in (first, third, fourth):
        await end.aclose()
    assert network.ends_attached("w") == 0


async def test_bytes_written_with_nobody_attached_are_lost() -> None:
    network = MemoryNetwork()
    lonely = network.open(Endpoint.memory("w"))
    await lonely.write(b"into the void")
    late = network.open(Endpoint.memory("w"))
    await late.write(b"now")
    assert await lonely.read() == b"now"
    await lonely.aclose()
    await late.aclose()


def test_only_mem_endpoints_open_on_a_network() -> None:
    with pytest.raises(ValueError, match="not a mem: endpoint"):
        MemoryNetwork().open(Endpoint.tcp("127.0.0.1", 5760))
