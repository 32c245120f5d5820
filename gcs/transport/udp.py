"""UDP byte streams (``udpin``/``udpout``) on asyncio datagram endpoints. Knows nothing of MAVLink or NMEA.

One ``read()`` is one datagram. ``udpin`` binds HOST:PORT and replies to the last peer that sent a
datagram (as MAVProxy does), so it cannot send before someone has spoken to it; once the layer
above vouches for a sender (``reply_to``: a MAVLink frame with a valid signature came from it),
replies stay with that sender, and a stranger's datagram can no longer turn them away. ``udpout`` uses a
connected socket to HOST:PORT: it accepts datagrams only from there, and when nothing listens at
the target the kernel's ICMP "port unreachable" turns into ``LinkDownError`` on the next read, which
is how a link notices that its peer went away. (A ``udpin`` socket is unconnected, so Linux does not
report such errors to it: a listener stays up until it is closed.)
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections import deque
from typing import Any

from gcs.errors import LinkDownError
from gcs.transport.endpoint import Endpoint, EndpointKind

INBOX_LIMIT_DATAGRAMS = 4096
RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024
"""Asked of the kernel for each socket (it grants at most net.core.rmem_max). The default 208 KiB
holds only about 270 small datagrams, as the kernel counts them: a telemetry burst while the event
loop is busy for a fifth of a second (a GC pause, a slow consumer, accelerated SITL) overflowed it
and the frames were lost before the codec ever saw them."""
"""Datagrams held for a slow reader before new ones are dropped (the kernel would drop them too)."""

_Address = tuple[Any, ...]


class UdpStream:
    """A UDP socket as a :class:`~gcs.transport.stream.EndpointStream`."""

    def __init__(self, endpoint: Endpoint, transport: asyncio.DatagramTransport, inbox: _Inbox) -> None:
        self._endpoint = endpoint
        self._transport = transport
        self._inbox = inbox
        self._peer: _Address | None = None
        self._sender: _Address | None = None  # of the datagram read() returned last
        self._pinned = False  # reply_to() was called: replies no longer follow each sender
        self._closed = False

    @classmethod
    async def open(cls, endpoint: Endpoint) -> UdpStream:
        """Bind (``udpin``) or connect (``udpout``) a UDP socket.

        Raises:
            LinkDownError: the address cannot be resolved or bound (in use, not on this host...).
            ValueError: ``endpoint`` is not a UDP endpoint.
        """
        if endpoint.kind not in (EndpointKind.UDP_IN, EndpointKind.UDP_OUT):
            raise ValueError(f"{endpoint} is not a UDP endpoint")
        loop = asyncio.get_running_loop()
        address = (endpoint.host, endpoint.port)
        try:
            if endpoint.kind is EndpointKind.UDP_IN:
                transport, inbox = await loop.create_datagram_endpoint(_Inbox, local_addr=address)
                endpoint = endpoint.with_port(transport.get_extra_info("sockname")[1])
            else:
                transport, inbox = await loop.create_datagram_endpoint(_Inbox, remote_addr=address)
        except OSError as exc:
            raise LinkDownError(f"{endpoint}: cannot open UDP socket: {exc}") from exc
        _enlarge_receive_buffer(transport)
        return cls(endpoint, transport, inbox)

    @property
    def name(self) -> str:
        return str(self._endpoint)

    @property
    def receive_buffer_bytes(self) -> int:
        """The socket's receive buffer as the kernel reports it (twice what it grants for data)."""
        sock = self._transport.get_extra_info("socket")
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)) if sock is not None else 0

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    @property
    def dropped_datagrams(self) -> int:
        """Datagrams dropped because the reader fell more than ``INBOX_LIMIT_DATAGRAMS`` behind."""
        return self._inbox.overflow

    @property
    def last_sender(self) -> _Address | None:
        """The address of the datagram ``read()`` returned last."""
        return self._sender

    def reply_to(self, sender: _Address) -> None:
        """Send to ``sender`` from now on, whoever sends datagrams later (``udpin``; harmless otherwise).

        Call it only for a sender the layer above has authenticated: without it, one spoofed or
        unsigned datagram turns every reply towards its sender until the real peer speaks again.
        """
        self._peer = sender
        self._pinned = True

    async def read(self) -> bytes:
        inbox = self._inbox
        while True:
            if self._closed:
                raise LinkDownError(f"{self.name}: stream is closed")
            while inbox.datagrams:
                data, address = inbox.datagrams.popleft()
                self._sender = address
                if not self._pinned:
                    self._peer = address
                if data:  # an empty datagram is legal UDP but not a chunk of bytes
                    return data
            if inbox.error is not None:
                raise LinkDownError(f"{self.name}: {_describe(inbox.error)}") from inbox.error
            inbox.wakeup.clear()
            await inbox.wakeup.wait()

    async def write(self, data: bytes) -> None:
        if self._closed or self._transport.is_closing():
            raise LinkDownError(f"{self.name}: stream is closed")
        if self._inbox.error is not None:
            raise LinkDownError(f"{self.name}: {_describe(self._inbox.error)}") from self._inbox.error
        if not data:
            return
        if self._endpoint.kind is EndpointKind.UDP_OUT:
            self._transport.sendto(data)
        elif self._peer is None:
            raise LinkDownError(
                f"{self.name}: no peer has sent a datagram yet, so there is no one to reply to"
            )
        else:
            self._transport.sendto(data, self._peer)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._inbox.wakeup.set()
        self._transport.close()
        # The socket is closed on the next loop iteration; wait for it so no fd outlives aclose().
        await asyncio.shield(self._inbox.lost)


class _Inbox(asyncio.DatagramProtocol):
    """Collects datagrams and errors for :class:`UdpStream`."""

    def __init__(self) -> None:
        self.datagrams: deque[tuple[bytes, _Address]] = deque()
        self.overflow = 0
        self.error: Exception | None = None
        self.wakeup = asyncio.Event()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: _Address) -> None:
        if len(self.datagrams) >= INBOX_LIMIT_DATAGRAMS:
            self.overflow += 1
            return
        self.datagrams.append((data, addr))
        self.wakeup.set()

    def error_received(self, exc: Exception) -> None:
        self.error = exc
        self.wakeup.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and self.error is None:
            self.error = exc
        if not self.lost.done():
            self.lost.set_result(None)
        self.wakeup.set()


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED:
        return "nothing listens at the target (ICMP port unreachable)"
    return f"socket error: {exc}"


def _enlarge_receive_buffer(transport: asyncio.DatagramTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):  # a smaller buffer still works, as before
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
