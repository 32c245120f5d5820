"""A link whose device or port is not there at start keeps retrying, quietly, and comes up later.

One test body, four ways an endpoint can be unavailable: a serial device that does not exist yet,
a TCP port nobody listens on, a UDP port another socket holds, a memory wire with both ends taken.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from gcs.clock import WallClock
from gcs.transport.connect import open_stream
from gcs.transport.endpoint import Endpoint
from gcs.transport.link import LinkState, open_link
from gcs.transport.memory import MemoryNetwork
from gcs.transport.pty import PtyMasterStream, open_pty
from gcs.transport.tcp import TcpServerStream
from tests.support.link_pairs import FAST_BACKOFF, EventLog
from tests.support.waits import wait_until, within

Send = Callable[[bytes], Awaitable[None]]


class Unavailable(abc.ABC):
    """An endpoint that cannot be opened until ``appear()`` is entered; ``appear`` yields a sender."""

    def __init__(self, stack: AsyncExitStack, tmp_path: Path, network: MemoryNetwork) -> None:
        self.stack, self.tmp_path, self.network = stack, tmp_path, network

    @abc.abstractmethod
    async def endpoint(self) -> Endpoint:
        raise NotImplementedError

    @abc.abstractmethod
    def appear(self) -> AbstractAsyncContextManager[Send]:
        raise NotImplementedError


class AbsentSerialDevice(Unavailable):
    async def endpoint(self) -> Endpoint:
        return Endpoint.serial(str(self.tmp_path / "ttyLATE"))

    @asynccontextmanager
    async def appear(self) -> AsyncIterator[Send]:
        with open_pty(link=self.tmp_path / "ttyLATE") as pty:
            master = PtyMasterStream(pty)
            try:
                yield master.write
            finally:
                await master.aclose()


class NobodyListensOnTcp(Unavailable):
    async def endpoint(self) -> Endpoint:
        async with open_stream("tcpin:127.0.0.1:0") as probe:  # a port that was free a moment ago
            self.port = probe.endpoint.port
        return Endpoint.tcp("127.0.0.1", self.port)

    @asynccontextmanager
    async def appear(self) -> AsyncIterator[Send]:
        server = await TcpServerStream.open(Endpoint.tcp_in("127.0.0.1", self.port))
        try:
            await wait_until(lambda: server.has_peer, what="the link connecting")
            yield server.write
        finally:
            await server.aclose()


class UdpPortInUse(Unavailable):
    async def endpoint(self) -> Endpoint:
        self.holder = await self.stack.enter_async_context(open_stream("udpin:127.0.0.1:0"))
        return self.holder.endpoint

    @asynccontextmanager
    async def appear(self) -> AsyncIterator[Send]:
        port = self.holder.endpoint.port
        await self.holder.aclose()
        async with open_stream(Endpoint.udp_out("127.0.0.1", port)) as sender:
            yield sender.write


class MemoryWireBusy(Unavailable):
    async def endpoint(self) -> Endpoint:
        wire = Endpoint.memory("busy")
        self.ends = [self.network.open(wire), self.network.open(wire)]
        for end in self.ends:
            self.stack.push_async_callback(end.aclose)
        return wire

    @asynccontextmanager
    async def appear(self) -> AsyncIterator[Send]:
        await self.ends[0].aclose()  # hangs up the other end too: the wire is free again
        late = self.network.open(Endpoint.memory("busy"))
        try:
            yield late.write
        finally:
            await late.aclose()


@pytest.mark.parametrize(
    "case", [AbsentSerialDevice, NobodyListensOnTcp, UdpPortInUse, MemoryWireBusy], ids=lambda c: c.__name__
)
async def test_an_unavailable_endpoint_is_retried_without_raising_then_comes_up(
    case: type[Unavailable], tmp_path: Path
) -> None:
    network, events = MemoryNetwork(), EventLog()
    async with AsyncExitStack() as stack:
        unavailable = case(stack, tmp_path, network)
        endpoint = await unavailable.endpoint()
        async with open_link(
            endpoint, clock=WallClock(), on_event=events, backoff=FAST_BACKOFF, memory=network
        ) as link:
            await wait_until(lambda: link.stats.open_failures >= 3, what="three failed opens")
            assert not link.is_up
            assert events.states() == [LinkState.DOWN]  # one event for the outage, not one per attempt
            async with unavailable.appear() as send:
                await within(link.wait_up(), what=f"{link.name} up")
                await send(b"hello")
                assert await within(link.read(), what="hello through the link") == b"hello"
            assert events.states()[:2] == [LinkState.DOWN, LinkState.UP]
