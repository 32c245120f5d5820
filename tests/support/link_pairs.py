"""Two reconnecting links joined through a fault proxy, for every link kind: the ``link_pair`` fixture.

A test written against :class:`LinkPair` runs unchanged over UDP, TCP, pty serial and memory::

    async def test_something(link_pair: LinkPairFactory) -> None:
        async with link_pair.open(Faults(up=FaultSpec(loss_probability=0.1))) as pair:
            await pair.handshake()
            ...

``near`` is the end under test (a ground station, say) and opens the proxy's client side; ``far``
sits behind the proxy (the vehicle). The pair reads both links all the time into ``near_inbox``
and ``far_inbox`` and records their events, so tests only wait on conditions. ``proxy_stopped()``
takes the proxy away and brings it back on the same addresses and paths, which is what the near
end sees as its peer or device going away and returning.

The fixture yields a factory rather than an open pair because pytest-asyncio runs a fixture's
setup and teardown in different tasks, and a TaskGroup must start and end in the same task.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from gcs.clock import WallClock
from gcs.tasks import background
from gcs.transport.endpoint import Endpoint
from gcs.transport.faults import PERFECT_LINK, FaultSpec
from gcs.transport.link import Backoff, Link, LinkEvent, LinkState, open_link
from gcs.transport.memory import MemoryNetwork
from gcs.transport.proxy import MemoryFaultProxy, PtyFaultProxy, TcpFaultProxy, UdpFaultProxy
from tests.support.waits import WaitTimeout, wait_until

FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.1)
"""Reconnect quickly in tests; the policy itself is tested on its own."""

RESEND_S = 0.05
"""How long ``handshake`` waits for a token before sending it again (the link may be lossy)."""

AnyFaultProxy = UdpFaultProxy | TcpFaultProxy | PtyFaultProxy | MemoryFaultProxy


class LinkKind(Enum):
    UDP = "udp"
    TCP = "tcp"
    PTY = "pty"
    MEMORY = "memory"


@dataclass(frozen=True, slots=True)
class Faults:
    """The proxy's fault specs: ``up`` near to far, ``down`` far to near."""

    up: FaultSpec = PERFECT_LINK
    down: FaultSpec = PERFECT_LINK
    seed: int = 1


class EventLog:
    """Collects a link's events; pass it as ``on_event``."""

    def __init__(self) -> None:
        self.events: list[LinkEvent] = []

    def __call__(self, event: LinkEvent) -> None:
        self.events.append(event)

    def states(self, since: int = 0) -> list[LinkState]:
        return [event.state for event in self.events[since:]]


@dataclass(slots=True)
class Inbox:
    """Everything one end has received so far."""

    data: bytearray = field(default_factory=bytearray)
    chunks: int = 0


class LinkPair:
    """Near and far links through a fault proxy; see the module docstring."""

    def __init__(
        self,
        kind: LinkKind,
        near: Link,
        far: Link,
        proxy: _ProxyControl,
        near_events: EventLog,
        far_events: EventLog,
    ) -> None:
        self.kind = kind
        self.near = near
        self.far = far
        self._proxy = proxy
        self.near_events = near_events
        self.far_events = far_events
        self.near_inbox = Inbox()
        self.far_inbox = Inbox()
        self._tokens = itertools.count(1)

    @property
    def proxy(self) -> AnyFaultProxy:
        """The running proxy (a new object after ``proxy_stopped()``)."""
        return self._proxy.running()

    async def wait_up(self, timeout_s: float = 5.0) -> None:
        await wait_until(
            lambda: self.near.is_up and self.far.is_up, timeout_s=timeout_s, what="both links up"
        )

    async def handshake(self, timeout_s: float = 5.0) -> None:
        """Prove bytes flow both ways: each end sends a fresh token until the other has it.

        Resending copes with loss and corruption, and with the path still forming (a UDP proxy
        learns its client from the first datagram; a TCP proxy connects to the far end only when
        the near end connects).
        """
        token = b"<token %d>" % next(self._tokens)
        await self._send_until_received(self.near, self.far_inbox, token, timeout_s, "far")
        await self._send_until_received(self.far, self.near_inbox, token, timeout_s, "near")

    async def keep_writing_until(
        self, predicate: Callable[[], bool], *, what: str, timeout_s: float = 5.0
    ) -> None:
        """Write a byte every few ms from the near end until ``predicate()``.

        A UDP sender learns that its peer is gone only from the ICMP answer to a datagram, so
        tests that wait for a DOWN keep talking, as a ground station does with heartbeats.
        """
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not predicate():
            if asyncio.get_running_loop().time() > deadline:
                raise WaitTimeout(f"timed out after {timeout_s} s waiting for: {what}")
            await self.near.write(b"\x00")
            try:
                await wait_until(predicate, timeout_s=0.01)
            except WaitTimeout:
                continue

    @asynccontextmanager
    async def proxy_stopped(self) -> AsyncIterator[None]:
        """Stop the proxy for the block, then start it again on the same addresses and paths."""
        await self._proxy.stop()
        try:
            yield
        finally:
            await self._proxy.start()

    async def _send_until_received(
        self, sender: Link, inbox: Inbox, token: bytes, timeout_s: float, receiver: str
    ) -> None:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while token not in inbox.data:
            if asyncio.get_running_loop().time() > deadline:
                raise WaitTimeout(
                    f"{self.kind.value}: {receiver} end did not receive {token!r} within {timeout_s} s; "
                    f"near {self.near.state.value} {self.near.stats}, "
                    f"far {self.far.state.value} {self.far.stats}"
                )
            await sender.write(token)
            try:
                await wait_until(lambda: token in inbox.data, timeout_s=RESEND_S)
            except WaitTimeout:
                continue

    async def _collect(self, link: Link, inbox: Inbox) -> None:
        while True:
            inbox.data += await link.read()
            inbox.chunks += 1


class _ProxyControl:
    """Starts and stops the pair's proxy; a restarted proxy gets the previous one to copy addresses from."""

    def __init__(self, make: Callable[[AnyFaultProxy | None], AnyFaultProxy]) -> None:
        self._make = make
        self._proxy: AnyFaultProxy | None = None
        self._previous: AnyFaultProxy | None = None

    def running(self) -> AnyFaultProxy:
        if self._proxy is None:
            raise RuntimeError("the proxy is stopped")
        return self._proxy

    async def start(self) -> AnyFaultProxy:
        proxy = self._make(self._previous)
        self._proxy = self._previous = await proxy.__aenter__()
        return proxy

    async def stop(self) -> None:
        proxy, self._proxy = self._proxy, None
        if proxy is not None:
            await proxy.__aexit__(None, None, None)


@dataclass(frozen=True, slots=True)
class LinkPairFactory:
    """What the ``link_pair`` fixture yields: the kind, and ``open()`` to build a pair of it."""

    kind: LinkKind
    tmp_path: Path

    @asynccontextmanager
    async def open(self, faults: Faults = Faults()) -> AsyncIterator[LinkPair]:
        """Build far end, proxy and near end, and read both links until the block ends."""
        clock = WallClock()
        network = MemoryNetwork()
        near_events, far_events = EventLog(), EventLog()
        async with AsyncExitStack() as stack:

            async def link(endpoint: Endpoint | str, events: EventLog) -> Link:
                return await stack.enter_async_context(
                    open_link(endpoint, clock=clock, on_event=events, backoff=FAST_BACKOFF, memory=network)
                )

            up, down, seed = faults.up, faults.down, faults.seed
            far: Link
            make: Callable[[AnyFaultProxy | None], AnyFaultProxy]
            match self.kind:
                case LinkKind.UDP:
                    far = await link("udpin:127.0.0.1:0", far_events)
                    await far.wait_up()
                    udp_target = Endpoint.udp_out("127.0.0.1", far.endpoint.port)

                    def make(previous: AnyFaultProxy | None) -> AnyFaultProxy:
                        # A restarted proxy listens where the old one did, so the near end finds it.
                        listen = previous.listen_endpoint if isinstance(previous, UdpFaultProxy) else None
                        return UdpFaultProxy(
                            target=udp_target,
                            listen=listen or "udpin:127.0.0.1:0",
                            up=up,
                            down=down,
                            seed=seed,
                            clock=clock,
                        )

                case LinkKind.TCP:
                    far = await link("tcpin:127.0.0.1:0", far_events)
                    await far.wait_up()
                    tcp_target = Endpoint.tcp("127.0.0.1", far.endpoint.port)

                    def make(previous: AnyFaultProxy | None) -> AnyFaultProxy:
                        listen = previous.listen_endpoint if isinstance(previous, TcpFaultProxy) else None
                        return TcpFaultProxy(
                            target=tcp_target,
                            listen=listen or "tcpin:127.0.0.1:0",
                            up=up,
                            down=down,
                            seed=seed,
                            clock=clock,
                        )

                case LinkKind.PTY:
                    # Stable symlinks: a restarted proxy has new /dev/pts numbers behind the same paths.
                    near_path, far_path = self.tmp_path / "tty-near", self.tmp_path / "tty-far"
                    far = await link(Endpoint.serial(str(far_path)), far_events)

                    def make(previous: AnyFaultProxy | None) -> AnyFaultProxy:
                        return PtyFaultProxy(
                            client_link=near_path,
                            target_link=far_path,
                            up=up,
                            down=down,
                            seed=seed,
                            clock=clock,
                        )

                case LinkKind.MEMORY:
                    far = await link("mem:far", far_events)

                    def make(previous: AnyFaultProxy | None) -> AnyFaultProxy:
                        return MemoryFaultProxy(
                            network,
                            client="mem:near",
                            target="mem:far",
                            up=up,
                            down=down,
                            seed=seed,
                            clock=clock,
                        )

            control = _ProxyControl(make)
            proxy = await control.start()
            stack.push_async_callback(control.stop)
            near = await link(proxy.client_endpoint, near_events)
            pair = LinkPair(self.kind, near, far, control, near_events, far_events)
            async with background(
                (f"{self.kind.value} pair: read near", pair._collect(near, pair.near_inbox)),
                (f"{self.kind.value} pair: read far", pair._collect(far, pair.far_inbox)),
            ):
                await pair.wait_up()
                yield pair
