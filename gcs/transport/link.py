"""A byte link that keeps itself open: reconnects with jittered backoff and reports up/down as events.

``async with open_link(endpoint, clock=clock, on_event=journal) as link:`` opens the right stream
and runs one named task that reads it. When the stream drops (device vanished, TCP reset, pty
closed, nothing listening) the link reports a DOWN :class:`LinkEvent` and reopens the endpoint on
its own; a dropped link is an event, never an exception. While down, ``read()`` waits and
``write()`` drops (and counts) what it is given. Knows nothing of what the bytes mean.

Backoff is full jitter, as in aiomqtt: attempt *n* waits ``uniform(0, min(max_s, base_s * 1.5**n))``
of the injected clock. The attempt counter resets when the reopened stream delivers data, not when
it merely opens: a UDP socket or a TCP accept can open fine and fail at once, and resetting on open
would make such a link flap at full speed.

A ``tcpin`` listener is up while it is bound, whoever its peer is; its peers connecting, leaving,
being replaced or refused go to ``on_peer`` as :class:`~gcs.transport.tcp.PeerEvent` (naming the
address) and into :class:`LinkStats`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import random
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

from gcs.clock import Clock
from gcs.errors import EndpointError, LinkDownError
from gcs.tasks import background
from gcs.transport.connect import open_stream
from gcs.transport.endpoint import Endpoint, EndpointKind, parse_endpoint
from gcs.transport.memory import MemoryNetwork
from gcs.transport.stream import EndpointStream
from gcs.transport.tcp import PeerEvent, TcpServerStream
from gcs.transport.udp import UdpStream

INBOX_LIMIT_CHUNKS = 4096
"""Chunks read but not yet taken by ``read()``; beyond this the oldest are dropped and counted."""

_log = logging.getLogger(__name__)


_Origin = tuple[UdpStream | TcpServerStream, Any]
"""A stream with senders (UDP, a TCP listener) and the sender of a chunk it delivered."""


class LinkState(Enum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """The link went up or down, why, and when (on the link's clock)."""

    endpoint: Endpoint
    state: LinkState
    reason: str
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class LinkStats:
    """Counters since the link was opened.

    ``writes_dropped``/``bytes_dropped``: writes refused because the link was down or had no peer.
    ``chunks_overflowed``: received chunks discarded because nobody read them in time.
    ``reconnects``: times the link came up again after having been up.
    ``open_failures``: attempts to open the endpoint that failed.
    ``peers_connected``/``peers_replaced``/``peers_refused``: a ``tcpin`` listener's peers (see
    :mod:`gcs.transport.peer_gate`); every refusal is counted, reported or not.
    """

    bytes_in: int = 0
    chunks_in: int = 0
    bytes_out: int = 0
    chunks_out: int = 0
    writes_dropped: int = 0
    bytes_dropped: int = 0
    chunks_overflowed: int = 0
    reconnects: int = 0
    open_failures: int = 0
    peers_connected: int = 0
    peers_replaced: int = 0
    peers_refused: int = 0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential backoff between reconnection attempts.

    Raises:
        ValueError: a non-positive base or cap, or a factor below 1.
    """

    base_s: float = 0.1
    factor: float = 1.5
    max_s: float = 5.0

    def __post_init__(self) -> None:
        if not (self.base_s > 0 and self.max_s > 0 and self.factor >= 1 and math.isfinite(self.max_s)):
            raise ValueError(f"Backoff needs base_s > 0, max_s > 0 and factor >= 1, got {self!r}")

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """How long to wait before attempt number ``attempt`` (0 for the first retry)."""
        try:
            growth = self.factor**attempt
        except OverflowError:  # after days of retrying; the cap applies anyway
            growth = math.inf
        return rng.uniform(0.0, min(self.max_s, self.base_s * growth))


class Link:
    """A reconnecting byte link; create it with :func:`open_link`."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        clock: Clock,
        on_event: Callable[[LinkEvent], None] | None,
        backoff: Backoff,
        memory: MemoryNetwork | None,
        rng: random.Random,
        on_peer: Callable[[PeerEvent], None] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._clock = clock
        self._on_event = on_event
        self._on_peer = on_peer
        self._backoff = backoff
        self._memory = memory
        self._rng = rng
        self._stream: EndpointStream | None = None
        self._reported: LinkState | None = None  # the last state sent to on_event
        self._up = asyncio.Event()
        # Each chunk with where it came from: a UDP stream and its sender (see trust_last_sender).
        self._inbox: deque[tuple[bytes, _Origin | None]] = deque()
        self._last_origin: _Origin | None = None
        self._readable = asyncio.Event()
        self._closed = False
        self._attempt = 0
        self._ever_up = False
        self._counts = {field.name: 0 for field in dataclasses.fields(LinkStats)}

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint; for a listener opened on port 0, the port it bound (kept across reconnects)."""
        return self._endpoint

    @property
    def name(self) -> str:
        return str(self._endpoint)

    @property
    def state(self) -> LinkState:
        return LinkState.UP if self._stream is not None else LinkState.DOWN

    @property
    def is_up(self) -> bool:
        return self._stream is not None

    @property
    def stats(self) -> LinkStats:
        counts = dict(self._counts)
        if isinstance(self._stream, TcpServerStream):  # the open listener's peers, not yet retired
            for name, value in dataclasses.asdict(self._stream.peer_counts).items():
                counts[name] += value
        return LinkStats(**counts)

    async def wait_up(self) -> None:
        """Return once the link is up (at once if it is up now)."""
        await self._up.wait()

    async def read(self) -> bytes:
        """The next chunk received, waiting across reconnections for as long as it takes.

        Raises:
            LinkDownError: only once the link itself is closed (its ``async with`` block ended).
        """
        while True:
            if self._closed:
                raise LinkDownError(f"{self.name}: link is closed")
            if self._inbox:
                chunk, self._last_origin = self._inbox.popleft()
                return chunk
            self._readable.clear()
            await self._readable.wait()

    def trust_last_sender(self) -> None:
        """Reply only to the sender of the chunk ``read()`` returned last, until another is trusted.

        For a ``udpin`` listener, which otherwise replies to whoever sent the latest datagram; for a
        ``tcpin`` listener it keeps that peer's slot (a stranger cannot replace it while it is
        vouched for); a no-op for every other kind. The caller vouches for the sender (its bytes
        carried a valid signature): the link itself knows nothing of what the bytes mean.
        """
        origin = self._last_origin
        if origin is not None and origin[0] is self._stream:
            origin[0].reply_to(origin[1])

    async def write(self, data: bytes) -> bool:
        """Send ``data`` if the link is up; otherwise drop it and count the drop. Never raises.

        Returns:
            True if the stream took the bytes, False if they were dropped.
        """
        if not data:
            return True
        stream = self._stream
        if stream is None or self._closed:
            self._drop(data)
            return False
        try:
            await stream.write(data)
        except LinkDownError as exc:
            _log.debug("%s: write dropped: %s", self.name, exc)
            self._drop(data)
            return False
        self._counts["chunks_out"] += 1
        self._counts["bytes_out"] += len(data)
        return True

    async def _run(self) -> None:
        while True:
            opened = False
            try:
                async with open_stream(self._endpoint, memory=self._memory) as stream:
                    opened = True
                    self._went_up(stream)
                    try:
                        await self._pump(stream)
                    finally:
                        self._stream = None
                        self._up.clear()
                        if isinstance(stream, TcpServerStream):
                            for name, value in dataclasses.asdict(stream.peer_counts).items():
                                self._counts[name] += value
            except LinkDownError as exc:
                reason = str(exc)
            except OSError as exc:  # a stream that forgot to translate: still an event, not a crash
                reason = f"{self.name}: unexpected OS error: {exc!r}"
            if not opened:
                self._counts["open_failures"] += 1
            if self._reported is not LinkState.DOWN:
                self._emit(LinkState.DOWN, reason)
            delay_s = self._backoff.delay_s(self._attempt, self._rng)
            self._attempt += 1
            _log.debug("%s: retrying in %.3f s (attempt %d): %s", self.name, delay_s, self._attempt, reason)
            await self._clock.sleep(delay_s)

    async def _pump(self, stream: EndpointStream) -> None:
        while True:
            chunk = await stream.read()
            self._attempt = 0
            self._counts["chunks_in"] += 1
            self._counts["bytes_in"] += len(chunk)
            if len(self._inbox) >= INBOX_LIMIT_CHUNKS:
                self._inbox.popleft()  # the newest data matters most to a ground station
                self._counts["chunks_overflowed"] += 1
            origin = None
            if isinstance(stream, UdpStream | TcpServerStream) and stream.last_sender is not None:
                origin = (stream, stream.last_sender)
            self._inbox.append((chunk, origin))
            self._readable.set()

    def _went_up(self, stream: EndpointStream) -> None:
        if self._endpoint.kind.is_listener and self._endpoint.port == 0:
            # Keep the port the OS chose, so peers find the listener again after a reconnect.
            self._endpoint = stream.endpoint
        if self._ever_up:
            self._counts["reconnects"] += 1
        self._ever_up = True
        if isinstance(stream, TcpServerStream):
            stream.on_peer = self._on_peer
        self._stream = stream
        self._up.set()
        self._emit(LinkState.UP, f"{stream.name} open")

    def _drop(self, data: bytes) -> None:
        self._counts["writes_dropped"] += 1
        self._counts["bytes_dropped"] += len(data)

    def _emit(self, state: LinkState, reason: str) -> None:
        self._reported = state
        event = LinkEvent(self._endpoint, state, reason, self._clock.monotonic_s())
        # Stream errors already name the endpoint, so the reason alone reads well.
        # A link we close on purpose going down is not news; one that drops by itself is.
        quiet = state is LinkState.UP or self._closed
        _log.log(logging.INFO if quiet else logging.WARNING, "link %s: %s", state.value, reason)
        if self._on_event is not None:
            self._on_event(event)

    def _close(self) -> None:
        self._closed = True
        self._readable.set()

    def _report_closed(self) -> None:
        if self._reported is LinkState.UP:
            self._emit(LinkState.DOWN, f"{self.name}: link closed")


@asynccontextmanager
async def open_link(
    endpoint: Endpoint | str,
    *,
    clock: Clock,
    on_event: Callable[[LinkEvent], None] | None = None,
    backoff: Backoff | None = None,
    memory: MemoryNetwork | None = None,
    rng: random.Random | None = None,
    on_peer: Callable[[PeerEvent], None] | None = None,
) -> AsyncIterator[Link]:
    """Open a reconnecting link to ``endpoint`` for the length of the block.

    The block starts at once, whether or not the endpoint can be opened yet: use
    ``await link.wait_up()`` to wait for it. On exit the stream is closed and, if the link was up,
    a final DOWN event ("link closed") is reported.

    Args:
        endpoint: an :class:`Endpoint` or a connection string such as ``udpin:0.0.0.0:14550``.
        clock: used for backoff waits and event times.
        on_event: called (synchronously, in the link's task) with every UP/DOWN change; it must
            not raise.
        backoff: reconnection policy (default: 0.1 s base, factor 1.5, 5 s cap).
        memory: the network for ``mem:`` endpoints.
        rng: random source for the backoff jitter (pass a seeded one for repeatable tests).
        on_peer: for a ``tcpin`` listener, called (synchronously, in the event loop) with every
            peer that connects, leaves, replaces the holder or is refused; it must not raise.

    Raises:
        EndpointError: a bad connection string, or ``mem:`` without ``memory``. Never
            ``LinkDownError``: an endpoint that cannot be opened is retried.
    """
    resolved = parse_endpoint(endpoint) if isinstance(endpoint, str) else endpoint
    if resolved.kind is EndpointKind.MEMORY and memory is None:
        raise EndpointError(f"{resolved}: mem: endpoints need a MemoryNetwork (pass memory=...)")
    link = Link(
        resolved,
        clock=clock,
        on_event=on_event,
        backoff=backoff or Backoff(),
        memory=memory,
        rng=rng or random.Random(),
        on_peer=on_peer,
    )
    try:
        async with background((f"link {resolved}", link._run())):
            try:
                yield link
            finally:
                link._close()
    finally:
        link._report_closed()
