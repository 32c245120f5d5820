"""TCP byte streams (``tcp`` client, ``tcpin`` listener) on asyncio streams. Knows nothing of MAVLink or NMEA.

``tcpin`` serves one peer at a time. Who holds that one slot is :mod:`gcs.transport.peer_gate`'s
rule: a newer connection waits, unread, and takes the slot when the holder closes or has gone
silent (the half-open connection a cable pull leaves behind, which TCP would notice only minutes
later); if the holder stays live it is turned away, so no host that can reach the port takes the
link from a live vehicle by connecting. Once the layer above vouches for a peer (``reply_to``: a
MAVLink frame with a valid signature came from it) only vouched-for traffic keeps a holder live. A
listener stays up while it is bound: peers connecting, leaving, replaced and refused are not link
up/down events but :class:`PeerEvent` reports to ``on_peer`` naming the address, and are counted
(``peer_counts``). Writes while no peer is connected raise ``LinkDownError``, which a link counts
as drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from gcs.errors import LinkDownError
from gcs.transport.endpoint import Endpoint, EndpointKind
from gcs.transport.peer_gate import (
    PEER_SILENCE_FOR_TAKEOVER_S,
    Admission,
    PeerCounts,
    PeerEventKind,
    PeerGate,
)

READ_SIZE_BYTES = 65536
"""Largest chunk one ``read()`` returns."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PeerEvent:
    """A peer came, left, took the slot over or was turned away at a ``tcpin`` listener.

    ``peer`` is the address (``host:port``) the event is about: the newcomer for CONNECTED,
    REPLACED and REFUSED, the one that went for LEFT. ``holder`` is the peer that held the slot
    (replaced, or kept it), with how long it had been silent. ``unreported``: refusals before this
    one that were counted but not reported (see ``REFUSAL_REPORT_INTERVAL_S``).
    """

    kind: PeerEventKind
    listener: Endpoint
    peer: str
    holder: str | None = None
    holder_silent_s: float | None = None
    unreported: int = 0

    @property
    def detail(self) -> str:
        """One line for a log or journal, naming the addresses."""
        silent = "" if self.holder_silent_s is None else f", silent {self.holder_silent_s:.2f} s"
        match self.kind:
            case PeerEventKind.CONNECTED:
                text = f"peer {self.peer} connected"
            case PeerEventKind.REPLACED:
                text = f"peer {self.peer} replaces {self.holder}{silent}"
            case PeerEventKind.REFUSED:
                text = f"peer {self.peer} refused: {self.holder} holds the link{silent}"
                if self.unreported:
                    text += f" ({self.unreported} more refused since the last report)"
            case PeerEventKind.LEFT:
                text = f"peer {self.peer} left"
        return f"{self.listener}: {text}"


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

    @property
    def address(self) -> str:
        """The far end's ``host:port``."""
        peer = self._writer.get_extra_info("peername")
        return f"{peer[0]}:{peer[1]}" if peer else "unknown"

    @property
    def finished(self) -> bool:
        """Closed here, or the far end closed its side and everything it sent has been read."""
        return self._closed or self._writer.is_closing() or self._reader.at_eof()

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
    """A ``tcpin:`` listener serving one peer at a time (see the module docstring for who).

    ``on_peer`` (an attribute, so a link can set it on a stream it opened) is called, in the
    event loop, with every :class:`PeerEvent` worth reporting; it must not raise.
    """

    def __init__(self, endpoint: Endpoint, gate: PeerGate) -> None:
        self._endpoint = endpoint
        self._gate = gate
        self._server: asyncio.Server | None = None
        self._peer: TcpStream | None = None
        self._sender: TcpStream | None = None  # the peer whose bytes read() returned last
        self._waiting: tuple[TcpStream, float] | None = None  # a newcomer and since when
        self._recheck: asyncio.TimerHandle | None = None
        self._peer_changed = asyncio.Event()
        self._closed = False
        self.on_peer: Callable[[PeerEvent], None] | None = None

    @classmethod
    async def open(
        cls, endpoint: Endpoint, *, silence_for_takeover_s: float = PEER_SILENCE_FOR_TAKEOVER_S
    ) -> TcpServerStream:
        """Bind and listen; returns at once, without waiting for a peer.

        Args:
            silence_for_takeover_s: how long the peer must have been silent before a newer
                connection replaces it (event-loop time: it is about real sockets).

        Raises:
            LinkDownError: the address cannot be bound.
            ValueError: ``endpoint`` is not a ``tcpin:`` endpoint.
        """
        if endpoint.kind is not EndpointKind.TCP_IN:
            raise ValueError(f"{endpoint} is not a tcpin: endpoint")
        stream = cls(endpoint, PeerGate(silence_for_takeover_s))
        try:
            # asyncio sets SO_REUSEADDR on POSIX, so a restarted listener can rebind at once.
            server = await asyncio.start_server(stream._on_connection, endpoint.host, endpoint.port)
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

    @property
    def peer_counts(self) -> PeerCounts:
        """Peers taken on, replaced and refused since the listener opened."""
        return self._gate.counts

    @property
    def last_sender(self) -> TcpStream | None:
        """The peer whose bytes ``read()`` returned last."""
        return self._sender

    def reply_to(self, sender: TcpStream) -> None:
        """Vouch for ``sender`` (its bytes carried a valid signature): it stays live while vouched for.

        Named as ``UdpStream.reply_to``, which a link calls for the same reason; replies always go
        to the one peer here. A peer already replaced is ignored.
        """
        if sender is self._peer:
            self._gate.vouched(self._now_s())

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
                data = await peer.read()
            except LinkDownError as exc:
                if self._peer is peer:
                    _log.info("%s: peer left (%s); waiting for the next one", self.name, exc)
                    self._peer = None
                    self._gate.left()
                    self._report(PeerEvent(PeerEventKind.LEFT, self._endpoint, peer.address))
                    self._decide()  # a newcomer waiting takes the slot at once
                await peer.aclose()
                continue
            if self._peer is not peer:
                continue  # bytes a replaced peer sent before it went: not the link's any more
            self._gate.heard(self._now_s())
            self._sender = peer
            return data

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
        if self._recheck is not None:
            self._recheck.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for peer in (self._peer, self._waiting[0] if self._waiting else None):
            if peer is not None:
                await peer.aclose()
        self._peer = self._waiting = None

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback (not a coroutine) so asyncio starts no task of its own for the peer.
        address = writer.get_extra_info("peername")
        if self._closed:
            writer.close()
            return
        newcomer = TcpStream(
            self._endpoint, reader, writer, name=f"{self.name} peer {address[0]}:{address[1]}"
        )
        if self._waiting is not None:
            self._refuse(self._waiting[0])  # one newcomer waits at a time: the newest
        self._waiting = (newcomer, self._now_s())
        self._decide()

    def _decide(self) -> None:
        """Give the slot to the newcomer waiting, refuse it, or look again later (see peer_gate)."""
        if self._recheck is not None:
            self._recheck.cancel()
            self._recheck = None
        if self._waiting is None or self._closed:
            return
        newcomer, since_s = self._waiting
        now_s = self._now_s()
        if newcomer.finished:  # it gave up waiting: it was turned away all the same
            self._waiting = None
            self._refuse(newcomer)
            return
        old = self._peer
        silent_s = self._gate.silent_s(now_s)
        admission = self._gate.admit(
            now_s, waiting_since_s=since_s, holder_closed=old is not None and old.finished
        )
        if admission is Admission.WAIT:
            self._recheck = asyncio.get_running_loop().call_at(self._gate.next_check_s(since_s), self._decide)
            return
        self._waiting = None
        if admission is Admission.REFUSE:
            self._refuse(newcomer)
            return
        self._peer = newcomer
        if old is None:
            _log.info("%s: %s connected", self.name, newcomer.address)
            self._report(PeerEvent(PeerEventKind.CONNECTED, self._endpoint, newcomer.address))
        else:
            _log.warning(
                "%s: %s replaces %s (silent %.2f s)",
                self.name,
                newcomer.address,
                old.address,
                silent_s or 0.0,
            )
            # Closing the old writer ends any read waiting on it, and read() moves on to the new
            # peer; asyncio closes the old socket on the next loop iteration without our help.
            old.close_soon()
            self._report(
                PeerEvent(PeerEventKind.REPLACED, self._endpoint, newcomer.address, old.address, silent_s)
            )
        self._peer_changed.set()

    def _refuse(self, newcomer: TcpStream) -> None:
        newcomer.close_soon()
        now_s = self._now_s()
        unreported = self._gate.refuse(now_s)
        holder = self._peer.address if self._peer is not None else None
        _log.log(
            logging.DEBUG if unreported is None else logging.WARNING,
            "%s: %s refused: %s holds the link",
            self.name,
            newcomer.address,
            holder,
        )
        if unreported is not None:
            self._report(
                PeerEvent(
                    PeerEventKind.REFUSED,
                    self._endpoint,
                    newcomer.address,
                    holder,
                    self._gate.silent_s(now_s),
                    unreported,
                )
            )

    def _report(self, event: PeerEvent) -> None:
        if self.on_peer is not None:
            self.on_peer(event)

    @staticmethod
    def _now_s() -> float:
        # Event-loop time, so that the rechecks scheduled with call_at run on the same clock.
        return asyncio.get_running_loop().time()
