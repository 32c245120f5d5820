"""In-memory wires: the byte-stream twin for fast unit tests. Knows nothing of sockets or devices.

A :class:`MemoryNetwork` holds named wires; ``mem:NAME`` opens one end of the wire ``NAME``. A wire
has two ends and behaves like a TCP connection between them, so tests see the same semantics as
the real transports:

- the first two openers of ``mem:NAME`` are connected; a third gets ``LinkDownError`` (busy);
- bytes written while no peer is attached are lost, as on a cable with nothing plugged in;
- chunk boundaries are kept (one ``write`` is one ``read`` on the other end);
- when an end closes, the other end first reads what was already sent, then gets
  ``LinkDownError`` ("peer closed") and stays down: reopening ``mem:NAME`` gives a fresh end.

The network is an object passed in, never a module global, so tests cannot leak wires into each
other. Inboxes are unbounded: this is a test twin, not a place for backpressure.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from gcs.errors import LinkDownError
from gcs.transport.endpoint import Endpoint, EndpointKind


class MemoryNetwork:
    """Named two-ended in-memory wires."""

    def __init__(self) -> None:
        self._wires: dict[str, _Wire] = {}

    def open(self, endpoint: Endpoint) -> MemoryStream:
        """Attach a new end to the wire ``endpoint.wire``.

        Raises:
            LinkDownError: the wire already has two ends attached.
            ValueError: ``endpoint`` is not a ``mem:`` endpoint.
        """
        if endpoint.kind is not EndpointKind.MEMORY:
            raise ValueError(f"{endpoint} is not a mem: endpoint")
        wire = self._wires.setdefault(endpoint.wire, _Wire(endpoint.wire, self._forget))
        stream = MemoryStream(endpoint, wire)
        wire.attach(stream)
        return stream

    def ends_attached(self, name: str) -> int:
        """How many ends of wire ``name`` are open (0, 1 or 2)."""
        wire = self._wires.get(name)
        return 0 if wire is None else wire.attached

    def _forget(self, name: str) -> None:
        del self._wires[name]


class MemoryStream:
    """One end of an in-memory wire; see the module docstring for its semantics."""

    def __init__(self, endpoint: Endpoint, wire: _Wire) -> None:
        self._endpoint = endpoint
        self._wire = wire
        self._inbox: deque[bytes] = deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        self._hung_up = False

    @property
    def name(self) -> str:
        return str(self._endpoint)

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    async def read(self) -> bytes:
        while True:
            if self._closed:
                raise LinkDownError(f"{self.name}: stream is closed")
            if self._inbox:
                return self._inbox.popleft()
            if self._hung_up:
                raise LinkDownError(f"{self.name}: peer closed")
            self._wakeup.clear()
            await self._wakeup.wait()

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkDownError(f"{self.name}: stream is closed")
        if self._hung_up:
            raise LinkDownError(f"{self.name}: peer closed")
        peer = self._wire.peer_of(self)
        if peer is not None and data:
            peer._deliver(bytes(data))

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wakeup.set()
        self._wire.detach(self)

    def _deliver(self, data: bytes) -> None:
        if not (self._closed or self._hung_up):
            self._inbox.append(data)
            self._wakeup.set()

    def _hang_up(self) -> None:
        self._hung_up = True
        self._wakeup.set()


class _Wire:
    def __init__(self, name: str, forget: Callable[[str], None]) -> None:
        self._name = name
        self._forget = forget
        self._ends: list[MemoryStream | None] = [None, None]

    @property
    def attached(self) -> int:
        return sum(end is not None for end in self._ends)

    def attach(self, stream: MemoryStream) -> None:
        for slot, end in enumerate(self._ends):
            if end is None:
                self._ends[slot] = stream
                return
        raise LinkDownError(f"mem:{self._name}: wire is busy (both ends attached)")

    def detach(self, stream: MemoryStream) -> None:
        if stream not in self._ends:
            return  # already cut loose when its peer closed
        # Closing one end kills the connection, as a TCP close does: the peer is hung up and
        # leaves the wire too, so the next two openers make a fresh connection.
        peer = self.peer_of(stream)
        self._ends[self._ends.index(stream)] = None
        if peer is not None:
            self._ends[self._ends.index(peer)] = None
            peer._hang_up()
        if self.attached == 0:
            self._forget(self._name)

    def peer_of(self, stream: MemoryStream) -> MemoryStream | None:
        if stream not in self._ends:
            return None
        return self._ends[1 - self._ends.index(stream)]


@asynccontextmanager
async def memory_pair(name: str = "pair") -> AsyncIterator[tuple[MemoryStream, MemoryStream]]:
    """Two connected ends of a fresh wire, closed on exit: the quickest stream pair for a unit test."""
    network = MemoryNetwork()
    endpoint = Endpoint.memory(name)
    first = network.open(endpoint)
    try:
        second = network.open(endpoint)
        try:
            yield first, second
        finally:
            await second.aclose()
    finally:
        await first.aclose()
