"""Fault-injecting proxies for UDP, TCP, pty serial and memory links: how tests break a link on purpose.

The kernel here has no netem, so every test that needs loss, corruption, duplicates, reordering,
delay or a blackout puts one of these between the two ends::

    async with UdpFaultProxy(target="udpout:127.0.0.1:14550", up=FaultSpec(loss_probability=0.1),
                             down=FaultSpec(delay_s=0.05), seed=1) as proxy:
        ...  # the near end opens proxy.client_endpoint; proxy.up / proxy.down count what happened

Every proxy has a *client side* (what the near end opens: ``client_endpoint``) and a *target side*;
``up`` is client to target, ``down`` target to client, each with its own :class:`FaultSpec` and
its own seeded :class:`~gcs.transport.faults.FaultInjector` (the model is pure; delays are waited
out on the injected clock). Blackout windows count from the moment the proxy starts or, with
``windows_from_start=False``, from when :meth:`count_windows_from` is called. Closing a proxy is
what its clients see as the peer or device going away, so restarting one on the same address (or
pty link path) is also how tests exercise reconnection.

Knows nothing of MAVLink or NMEA.
"""

from __future__ import annotations

import abc
import asyncio
import itertools
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Self

from gcs.clock import Clock, WallClock
from gcs.errors import EndpointError, LinkDownError
from gcs.tasks import Jobs, background
from gcs.transport.connect import open_stream
from gcs.transport.endpoint import DEFAULT_BAUD, Endpoint, EndpointKind, parse_endpoint
from gcs.transport.faults import PERFECT_LINK, FaultInjector, FaultSpec
from gcs.transport.link import Backoff, Link, open_link
from gcs.transport.memory import MemoryNetwork
from gcs.transport.pipe import DirectionStats, FaultPipe
from gcs.transport.pty import Pty, PtyMasterStream, open_pty
from gcs.transport.stream import ByteStream
from gcs.transport.tcp import TcpStream

_log = logging.getLogger(__name__)

# The proxy's own reconnecting sides (UDP target, memory wires) should come back quickly.
_PROXY_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.25)


@dataclass(frozen=True, slots=True)
class _Side:
    """One side of a relay: where chunks come from and how to send chunks to it."""

    name: str
    read: Callable[[], Awaitable[bytes]]
    write: Callable[[bytes], Awaitable[None]]


def _stream_side(stream: ByteStream) -> _Side:
    return _Side(stream.name, stream.read, stream.write)


def _link_side(link: Link) -> _Side:
    async def write(data: bytes) -> None:
        if not await link.write(data):
            raise LinkDownError(f"{link.name} is down")

    return _Side(link.name, link.read, write)


class _FaultProxy(abc.ABC):
    """What every proxy shares: specs, seed, clock, lifetime and the per-direction statistics."""

    def __init__(
        self,
        *,
        up: FaultSpec,
        down: FaultSpec,
        seed: int | str,
        clock: Clock | None,
        windows_from_start: bool = True,
    ) -> None:
        self._up_spec = up
        self._down_spec = down
        self._seed = seed
        self._clock: Clock = clock or WallClock()
        self._windows_from_start = windows_from_start
        self._start_s: float | None = None
        self._stack: AsyncExitStack | None = None
        self._pipes: list[tuple[FaultPipe, FaultPipe]] = []
        self._retired = (DirectionStats(), DirectionStats())

    @property
    def up(self) -> DirectionStats:
        """Client to target: what the faults did and what was delivered (all connections so far)."""
        return sum((up.stats for up, _ in self._pipes), self._retired[0])

    @property
    def down(self) -> DirectionStats:
        """Target to client."""
        return sum((down.stats for _, down in self._pipes), self._retired[1])

    async def __aenter__(self) -> Self:
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            if self._windows_from_start:
                self._start_s = self._clock.monotonic_s()
            await self._start(stack)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    def count_windows_from(self, start_s: float | None = None) -> None:
        """Count the blackout windows from ``start_s`` (default: now on the proxy's clock).

        For a proxy made with ``windows_from_start=False``, whose windows belong to an event the
        proxy cannot see (a liftoff); applies to the open connections and to later ones.
        """
        self._start_s = self._clock.monotonic_s() if start_s is None else start_s
        for up, down in self._pipes:
            up.injector.count_windows_from(self._start_s)
            down.injector.count_windows_from(self._start_s)

    @abc.abstractmethod
    async def _start(self, stack: AsyncExitStack) -> None:
        raise NotImplementedError

    def _pipes_for(self, client: _Side, target: _Side, tag: str) -> tuple[FaultPipe, FaultPipe]:
        up = FaultPipe(
            FaultInjector(self._up_spec, f"{self._seed}:{tag}up", self._start_s), target.write, self._clock
        )
        down = FaultPipe(
            FaultInjector(self._down_spec, f"{self._seed}:{tag}down", self._start_s),
            client.write,
            self._clock,
        )
        self._pipes.append((up, down))
        return up, down

    def _retire(self, pipes: tuple[FaultPipe, FaultPipe]) -> None:
        self._pipes.remove(pipes)
        self._retired = (self._retired[0] + pipes[0].stats, self._retired[1] + pipes[1].stats)

    async def _relay(self, client: _Side, target: _Side, tag: str = "") -> None:
        """Pump both ways through fresh pipes until either side's read ends, then flush its data.

        What the ended side sent before it went is still delivered (as TCP delivers data sent
        before a FIN); what was in flight the other way is dropped with the connection.
        """
        pipes = up, down = self._pipes_for(client, target, tag)
        try:
            async with background((f"{tag}up pipe", up.run()), (f"{tag}down pipe", down.run())):
                client_ended = await _first_to_end(_pump(client, up), _pump(target, down))
                await (up if client_ended else down).drained()
        finally:
            self._retire(pipes)


async def _pump(source: _Side, pipe: FaultPipe) -> None:
    while True:
        try:
            chunk = await source.read()
        except LinkDownError as exc:
            _log.debug("%s ended: %s", source.name, exc)
            return
        pipe.feed(chunk)


async def _first_to_end(first: Coroutine[Any, Any, None], second: Coroutine[Any, Any, None]) -> bool:
    """Run both until one returns; cancel the other. True if ``first`` ended first."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(first, name="pump client"), group.create_task(second, name="pump target")]

        def stop_the_other(done: asyncio.Task[None]) -> None:
            for task in tasks:
                if task is not done:
                    task.cancel()

        for task in tasks:
            task.add_done_callback(stop_the_other)
    return not tasks[0].cancelled()


def _connectable(listen: Endpoint, kind: EndpointKind) -> Endpoint:
    """The endpoint a client on this host uses to reach a bound listener."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(listen.host, listen.host)
    return Endpoint(kind, host=host, port=listen.port)


def _endpoint_of(value: Endpoint | str, kind: EndpointKind, role: str) -> Endpoint:
    endpoint = parse_endpoint(value) if isinstance(value, str) else value
    if endpoint.kind is not kind:
        raise EndpointError(f"{role} {endpoint}: expected a {kind.value}: endpoint")
    return endpoint


class UdpFaultProxy(_FaultProxy):
    """Listens on a UDP port, forwards to a target, sends replies back to the last client that sent.

    Args:
        target: ``udpout:HOST:PORT`` of the far end.
        listen: ``udpin:HOST:PORT`` to listen on (default: a free port on 127.0.0.1).
        up, down: faults client to target and target to client.
        seed: makes the fault decisions repeatable.
        clock: delivery times and blackouts are on this clock (default: the wall clock).
        windows_from_start: count blackout windows from the start (else from ``count_windows_from``).

    Raises (on entry):
        EndpointError: endpoints of the wrong kind.
        LinkDownError: the listen address cannot be bound.
    """

    def __init__(
        self,
        *,
        target: Endpoint | str,
        listen: Endpoint | str = "udpin:127.0.0.1:0",
        up: FaultSpec = PERFECT_LINK,
        down: FaultSpec = PERFECT_LINK,
        seed: int | str = 0,
        clock: Clock | None = None,
        windows_from_start: bool = True,
    ) -> None:
        super().__init__(up=up, down=down, seed=seed, clock=clock, windows_from_start=windows_from_start)
        self._target = _endpoint_of(target, EndpointKind.UDP_OUT, "target")
        self._listen = _endpoint_of(listen, EndpointKind.UDP_IN, "listen")

    @property
    def listen_endpoint(self) -> Endpoint:
        """Where the proxy listens, with the port it actually bound."""
        return self._listen

    @property
    def client_endpoint(self) -> Endpoint:
        """What a client opens to go through the proxy (``udpout:...``)."""
        return _connectable(self._listen, EndpointKind.UDP_OUT)

    @property
    def target_endpoint(self) -> Endpoint:
        return self._target

    async def _start(self, stack: AsyncExitStack) -> None:
        listener = await stack.enter_async_context(open_stream(self._listen))
        self._listen = listener.endpoint
        # The target side reconnects on its own: the far end may restart while the proxy runs.
        target = await stack.enter_async_context(
            open_link(self._target, clock=self._clock, backoff=_PROXY_BACKOFF)
        )
        relay = self._relay(_stream_side(listener), _link_side(target))
        await stack.enter_async_context(background((f"udp fault proxy {self._listen}", relay)))


class TcpFaultProxy(_FaultProxy):
    """Accepts TCP clients and connects each to the target, with faults both ways.

    Each client gets its own connection to the target and its own pair of injectors (seeded with
    the seed and the connection's number), so concurrent clients never mix bytes. A client whose
    target connection fails is closed at once, as a real proxy would.

    Args:
        target: ``tcp:HOST:PORT`` of the far end.
        listen: ``tcpin:HOST:PORT`` to accept on (default: a free port on 127.0.0.1).
        up, down, seed, clock: as for :class:`UdpFaultProxy`.

    Raises (on entry):
        EndpointError: endpoints of the wrong kind.
        LinkDownError: the listen address cannot be bound.
    """

    def __init__(
        self,
        *,
        target: Endpoint | str,
        listen: Endpoint | str = "tcpin:127.0.0.1:0",
        up: FaultSpec = PERFECT_LINK,
        down: FaultSpec = PERFECT_LINK,
        seed: int | str = 0,
        clock: Clock | None = None,
        windows_from_start: bool = True,
    ) -> None:
        super().__init__(up=up, down=down, seed=seed, clock=clock, windows_from_start=windows_from_start)
        self._target = _endpoint_of(target, EndpointKind.TCP, "target")
        self._listen = _endpoint_of(listen, EndpointKind.TCP_IN, "listen")
        self._jobs: Jobs | None = None
        self._numbers = itertools.count(1)
        self.connections = 0
        """Clients accepted so far."""
        self.target_failures = 0
        """Clients closed because the target could not be reached."""

    @property
    def listen_endpoint(self) -> Endpoint:
        return self._listen

    @property
    def client_endpoint(self) -> Endpoint:
        """What a client opens to go through the proxy (``tcp:...``)."""
        return _connectable(self._listen, EndpointKind.TCP)

    @property
    def target_endpoint(self) -> Endpoint:
        return self._target

    async def _start(self, stack: AsyncExitStack) -> None:
        try:
            server = await asyncio.start_server(self._on_client, self._listen.host, self._listen.port)
        except OSError as exc:
            raise LinkDownError(f"{self._listen}: cannot listen: {exc}") from exc
        self._listen = self._listen.with_port(server.sockets[0].getsockname()[1])
        # Unwound in reverse: stop accepting first, then cancel the connections' tasks.
        self._jobs = await stack.enter_async_context(background())
        stack.push_async_callback(self._stop_accepting, server)

    async def _stop_accepting(self, server: asyncio.Server) -> None:
        self._jobs = None
        server.close()
        await server.wait_closed()

    def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback, so asyncio starts no task of its own: the connection runs as a named
        # task in the proxy's own TaskGroup.
        number = next(self._numbers)
        peer = writer.get_extra_info("peername")
        client = TcpStream(self._listen, reader, writer, name=f"{self._listen} client {peer[0]}:{peer[1]}")
        if self._jobs is None:
            client.close_soon()
            return
        self.connections += 1
        self._jobs.start(f"tcp fault proxy connection {number}", self._serve(client, number))

    async def _serve(self, client: TcpStream, number: int) -> None:
        try:
            async with open_stream(self._target) as target:
                await self._relay(_stream_side(client), _stream_side(target), tag=f"{number}:")
        except LinkDownError as exc:
            self.target_failures += 1
            _log.info("%s: closing %s: %s", self._listen, client.name, exc)
        finally:
            await client.aclose()


class PtyFaultProxy(_FaultProxy):
    """Two pty pairs with the proxy holding both masters: a serial cable with faults in the middle.

    Each end opens its slave path as an ordinary serial port: the near end
    ``client_endpoint``, the far end ``target_endpoint``. Closing the proxy closes both ptys,
    which both ends see as their device vanishing.

    Args:
        client_link, target_link: optional stable symlink paths for the two slave devices, so a
            proxy started again later is found at the same paths (as udev's by-id links are).
        baud: the baud rate written into the endpoints (a pty ignores it).
        up, down, seed, clock: as for :class:`UdpFaultProxy`.
    """

    def __init__(
        self,
        *,
        client_link: str | os.PathLike[str] | None = None,
        target_link: str | os.PathLike[str] | None = None,
        baud: int = DEFAULT_BAUD,
        up: FaultSpec = PERFECT_LINK,
        down: FaultSpec = PERFECT_LINK,
        seed: int | str = 0,
        clock: Clock | None = None,
        windows_from_start: bool = True,
    ) -> None:
        super().__init__(up=up, down=down, seed=seed, clock=clock, windows_from_start=windows_from_start)
        self._links = (client_link, target_link)
        self._baud = baud
        self._ptys: tuple[Pty, Pty] | None = None

    @property
    def client_endpoint(self) -> Endpoint:
        """The ``serial:`` endpoint the near end opens."""
        return self._opened()[0].endpoint(self._baud)

    @property
    def target_endpoint(self) -> Endpoint:
        """The ``serial:`` endpoint the far end opens."""
        return self._opened()[1].endpoint(self._baud)

    def _opened(self) -> tuple[Pty, Pty]:
        if self._ptys is None:
            raise RuntimeError("PtyFaultProxy has no ptys until it is entered")
        return self._ptys

    async def _start(self, stack: AsyncExitStack) -> None:
        client_pty = stack.enter_context(open_pty(self._links[0]))
        target_pty = stack.enter_context(open_pty(self._links[1]))
        self._ptys = (client_pty, target_pty)
        client = PtyMasterStream(client_pty, name=f"pty proxy client {client_pty.path}")
        stack.push_async_callback(client.aclose)
        target = PtyMasterStream(target_pty, name=f"pty proxy target {target_pty.path}")
        stack.push_async_callback(target.aclose)
        relay = self._relay(_stream_side(client), _stream_side(target))
        await stack.enter_async_context(background((f"pty fault proxy {client_pty.path}", relay)))


class MemoryFaultProxy(_FaultProxy):
    """Sits between two in-memory wires: the near end opens ``client``, the far end ``target``.

    The proxy holds one end of each wire through a reconnecting link, so an end that closes and
    reopens is picked up again; closing the proxy hangs up both ends, like the other proxies.

    Args:
        network: the :class:`MemoryNetwork` both ends use.
        client, target: ``mem:NAME`` endpoints (two different wires).
        up, down, seed, clock: as for :class:`UdpFaultProxy`.
    """

    def __init__(
        self,
        network: MemoryNetwork,
        *,
        client: Endpoint | str,
        target: Endpoint | str,
        up: FaultSpec = PERFECT_LINK,
        down: FaultSpec = PERFECT_LINK,
        seed: int | str = 0,
        clock: Clock | None = None,
        windows_from_start: bool = True,
    ) -> None:
        super().__init__(up=up, down=down, seed=seed, clock=clock, windows_from_start=windows_from_start)
        self._network = network
        self._client = _endpoint_of(client, EndpointKind.MEMORY, "client")
        self._target = _endpoint_of(target, EndpointKind.MEMORY, "target")
        if self._client == self._target:
            raise EndpointError(f"client and target are the same wire {self._client}")

    @property
    def client_endpoint(self) -> Endpoint:
        return self._client

    @property
    def target_endpoint(self) -> Endpoint:
        return self._target

    async def _start(self, stack: AsyncExitStack) -> None:
        sides = []
        for endpoint in (self._client, self._target):
            link = await stack.enter_async_context(
                open_link(endpoint, clock=self._clock, backoff=_PROXY_BACKOFF, memory=self._network)
            )
            sides.append(_link_side(link))
        relay = self._relay(sides[0], sides[1])
        await stack.enter_async_context(background((f"memory fault proxy {self._client}", relay)))
