"""TCP byte streams (``tcp`` client, ``tcpin`` listener) on asyncio streams. Knows nothing of MAVLink or NMEA.

``tcpin`` serves one peer at a time, and a newer peer *replaces* the current one (the old
connection is closed). A peer that reconnects after a cable pull or a crash often leaves a
half-open old connection behind that TCP would only notice minutes later; with "newest wins" the
live connection is never locked out by a dead one. A listener stays up while it is bound: peers
coming and going are logged, not reported as link events (the protocol above times out on
silence). Writes while no peer is connected raise ``LinkDownError``, which a link counts as drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from gcs.errors import LinkDownError
from gcs.transport.endpoint import Endpoint, EndpointKind

READ_SIZE_BYTES = 65536
"""Largest chunk one ``read()`` returns."""

_log = logging.getLogger(__name__)


class TcpStream:
    """One TCP connection as a byte stream (a ``tcp:`` client, or a peer accepted by a listener)."""

    def __init__(
        self, endpoint: Endpoint, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str = ""
    ) -> None:
        self._endpoint = endpoint
        self._reader = reader
        self._writer = writer
        self._name = name or str(endpoint)
        self._closed = False

    @classmethod
    async def open(cls, endpoint: Endpoint) -> TcpStream:
        """Connect to ``endpoint``.

        Raises:
            LinkDownError: refused, unreachable or unresolvable.
            ValueError: ``endpoint`` is not a ``tcp:`` endpoint.
        """
        if endpoint.kind is not EndpointKind.TCP:
            raise ValueError(f"{endpoint} is not a tcp: endpoint")
        try:
            reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
        except OSError as exc:
            raise LinkDownError(f"{endpoint}: cannot connect: {exc}") from exc
        return cls(endpoint, reader, writer)

    @property
    def name(self) -> str:
        return self._name

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    async def read(self) -> bytes:
        if self._closed:
            raise LinkDownError(f"{self._name}: stream is closed")
        try:
            data = await self._reader.read(READ_SIZE_BYTES)
        except OSError as exc:
            raise LinkDownError(f"{self._name}: connection lost: {exc}") from exc
        if not data:
            raise LinkDownError(f"{self._name}: peer closed the connection")
        return data

    async def write(self, data: bytes) -> None:
        if self._closed or self._writer.is_closing():
            raise LinkDownError(f"{self._name}: stream is closed")
        try:
            self._writer.write(data)
            await self._writer.drain()
        except OSError as exc:
            raise LinkDownError(f"{self._name}: connection lost: {exc}") from exc

    def close_soon(self) -> None:
        """Start closing without waiting (for callbacks that cannot await)."""
        self._closed = True
        self._writer.close()

    async def aclose(self) -> None:
        if self._closed and self._writer.is_closing():
            return
        self._closed = True
        self._writer.close()
        with contextlib.suppress(OSError):  # a reset connection is closed all the same
            await self._writer.wait_closed()


class TcpServerStream:
    """A ``tcpin:`` listener serving one peer at a time; a newer peer replaces the current one."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._server: asyncio.Server | None = None
        self._peer: TcpStream | None = None
        self._peer_changed = asyncio.Event()
        self._closed = False

    @classmethod
    async def open(cls, endpoint: Endpoint) -> TcpServerStream:
        """Bind and listen; returns at once, without waiting for a peer.

        Raises:
            LinkDownError: the address cannot be bound.
            ValueError: ``endpoint`` is not a ``tcpin:`` endpoint.
        """
        if endpoint.kind is not EndpointKind.TCP_IN:
            raise ValueError(f"{endpoint} is not a tcpin: endpoint")
        stream = cls(endpoint)
        try:
            # asyncio sets SO_REUSEADDR on POSIX, so a restarted listener can rebind at once.
            server = await asyncio.start_server(stream._on_peer, endpoint.host, endpoint.port)
        except OSError as exc:
            raise LinkDownError(f"{endpoint}: cannot listen: {exc}") from exc
        stream._server = server
        stream._endpoint = endpoint.with_port(server.sockets[0].getsockname()[1])
        return stream

    @property
    def name(self) -> str:
        return str(self._endpoint)

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def has_peer(self) -> bool:
        return self._peer is not None

    async def read(self) -> bytes:
        while True:
            if self._closed:
                raise LinkDownError(f"{self.name}: stream is closed")
            peer = self._peer
            if peer is None:
                self._peer_changed.clear()
                await self._peer_changed.wait()
                continue
            try:
                return await peer.read()
            except LinkDownError as exc:
                if self._peer is peer:
                    _log.info("%s: peer left (%s); waiting for the next one", self.name, exc)
                    self._peer = None
                await peer.aclose()

    async def write(self, data: bytes) -> None:
        peer = self._peer
        if self._closed:
            raise LinkDownError(f"{self.name}: stream is closed")
        if peer is None:
            raise LinkDownError(f"{self.name}: no peer connected")
        await peer.write(data)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._peer_changed.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        peer, self._peer = self._peer, None
        if peer is not None:
            await peer.aclose()

    def _on_peer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback (not a coroutine) so asyncio starts no task of its own for the peer.
        address = writer.get_extra_info("peername")
        if self._closed:
            writer.close()
            return
        peer_name = f"{self.name} peer {address[0]}:{address[1]}"
        old, self._peer = self._peer, TcpStream(self._endpoint, reader, writer, name=peer_name)
        if old is not None:
            _log.info("%s: %s replaces %s", self.name, peer_name, old.name)
            # Closing the old writer ends any read waiting on it, and read() moves on to the new
            # peer; asyncio closes the old socket on the next loop iteration without our help.
            old.close_soon()
        else:
            _log.info("%s: %s connected", self.name, peer_name)
        self._peer_changed.set()
