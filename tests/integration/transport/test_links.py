"""Reconnecting links over real loopback sockets and real pty pairs, through the fault proxies.

Each test body runs once per link kind (udp, tcp, pty serial, memory) through the ``link_pair``
fixture; nothing waits a fixed time, everything waits for the condition it needs.
"""

from __future__ import annotations

import pytest

from gcs.transport.faults import FaultSpec
from gcs.transport.link import LinkState
from gcs.transport.pipe import DirectionStats
from tests.support.link_pairs import Faults, LinkPair, LinkPairFactory
from tests.support.waits import wait_until

CLEAN = Faults()
FAULTY = Faults(
    up=FaultSpec(
        loss_probability=0.1,
        bit_flip_probability=0.01,
        duplicate_probability=0.05,
        reorder_probability=0.05,
        reorder_depth=3,
        delay_s=0.002,
        jitter_s=0.003,
    ),
    down=FaultSpec(
        loss_probability=0.1,
        bit_flip_probability=0.01,
        duplicate_probability=0.05,
        delay_s=0.001,
        jitter_s=0.002,
        blackout_windows_s=((0.0, 0.1),),  # the first moments of the link are lost entirely
    ),
    seed=42,
)
CHUNKS = 40
CHUNK = bytes(range(256))[:160]


async def send_and_account(pair: LinkPair, *, upward: bool) -> tuple[bytes, bytes]:
    """Send CHUNKS chunks one way; wait until the proxy has decided on every byte and what it
    delivered has arrived. Returns what was sent and what the receiving end got meanwhile."""
    sender, inbox = (pair.near, pair.far_inbox) if upward else (pair.far, pair.near_inbox)

    def direction() -> DirectionStats:
        return pair.proxy.up if upward else pair.proxy.down

    before, received_before = direction(), len(inbox.data)
    chunks = [CHUNK[:-1] + bytes([index]) for index in range(CHUNKS)]
    for chunk in chunks:
        assert await sender.write(chunk)
    sent = b"".join(chunks)

    def accounted() -> bool:
        now = direction()
        return (
            now.faults.bytes_in - before.faults.bytes_in == len(sent)
            and now.pending_chunks == 0
            and len(inbox.data) - received_before == now.delivered_bytes - before.delivered_bytes
        )

    await wait_until(accounted, what="every byte sent fed, decided and delivered", show=direction)
    return sent, bytes(inbox.data[received_before:])


@pytest.mark.parametrize("faults", [CLEAN, FAULTY], ids=["clean", "faulty"])
async def test_bytes_flow_both_ways_through_the_fault_proxy(
    link_pair: LinkPairFactory, faults: Faults
) -> None:
    async with link_pair.open(faults) as pair:
        await pair.handshake()
        for upward in (True, False):
            sent, received = await send_and_account(pair, upward=upward)
            stats = pair.proxy.up if upward else pair.proxy.down
            if faults is CLEAN:
                assert received == sent
                assert stats.faults.dropped == stats.faults.bits_flipped == stats.undeliverable_chunks == 0
            else:
                # What the proxy says it delivered is exactly what arrived, and it is not what was sent.
                assert received != sent
                assert stats.faults.bits_flipped > 0


async def test_a_link_goes_down_and_comes_back_when_its_peer_restarts(link_pair: LinkPairFactory) -> None:
    async with link_pair.open() as pair:
        await pair.handshake()
        seen = len(pair.near_events.events)
        async with pair.proxy_stopped():
            # TCP sees a reset, a pty EIO, a memory wire a hang-up; UDP needs the ICMP answer to a write.
            await pair.keep_writing_until(
                lambda: pair.near_events.states(seen)[-1:] == [LinkState.DOWN], what="near end DOWN"
            )
        await pair.handshake()  # bytes flow again, both ways
        states = pair.near_events.states(seen)
        assert states[0] is LinkState.DOWN, states
        assert states[-1] is LinkState.UP, states
        assert pair.near.stats.reconnects >= 1
        assert pair.near.is_up


async def test_writes_during_an_outage_are_dropped_and_counted(link_pair: LinkPairFactory) -> None:
    async with link_pair.open() as pair:
        await pair.handshake()
        async with pair.proxy_stopped():
            await pair.keep_writing_until(lambda: not pair.near.is_up, what="near end down")
            dropped_before = pair.near.stats.writes_dropped
            assert not await pair.near.write(b"into the outage")
            assert pair.near.stats.writes_dropped == dropped_before + 1
        await pair.handshake()
