"""The one seam of the transport layer: an async byte stream. Knows nothing of what the bytes mean.

Every implementation (UDP, TCP, serial, memory, a pty master) keeps the same contract:

- ``read()`` returns the next chunk: one datagram, or whatever bytes a stream has ready. It never
  returns ``b""``; a closed stream, a vanished peer or device raises ``LinkDownError``.
- ``write(data)`` sends all of ``data`` or raises ``LinkDownError``; it may wait for the OS buffer.
- ``aclose()`` releases the socket, device or fd; it never raises and may be called twice.
- ``name`` is for logs and events.

Streams are opened as ``async with`` resources (see ``gcs.transport.connect.open_stream``) and do
not reconnect: reconnection is the job of ``gcs.transport.link``.
"""

from __future__ import annotations

from typing import Protocol

from gcs.transport.endpoint import Endpoint


class ByteStream(Protocol):
    """A bidirectional stream of byte chunks."""

    @property
    def name(self) -> str:
        """A short human-readable name (the canonical endpoint string where there is one)."""
        ...

    async def read(self) -> bytes:
        """The next non-empty chunk.

        Raises:
            LinkDownError: the stream is closed or its peer or device went away.
        """
        ...

    async def write(self, data: bytes) -> None:
        """Send ``data``.

        Raises:
            LinkDownError: the stream is closed, its peer or device went away, or (listeners) no
                peer is known yet to send to.
        """
        ...

    async def aclose(self) -> None:
        """Release the underlying resource; idempotent, never raises."""
        ...


class EndpointStream(ByteStream, Protocol):
    """A byte stream opened from an :class:`Endpoint`."""

    @property
    def endpoint(self) -> Endpoint:
        """The endpoint in use; a listener opened on port 0 reports the port it actually bound."""
        ...
