"""The simulator's own byte streams: UDP, TCP and serial, from MAVProxy-style connection strings.

The simulator deliberately does not reuse the ground station's transport layer: the wire is the
contract between the two programs, so a bug in one side's transport cannot hide by being shared.
This side is simpler: a simulated vehicle or sensor does not reconnect on its own, it serves.
Knows nothing of MAVLink or NMEA.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


class WireError(Exception):
    """A connection string the simulator cannot use, or a stream that closed."""


class SimStream(Protocol):
    async def read(self) -> bytes: ...

    async def write(self, data: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class WireAddress:
    scheme: str  # udpin, udpout, tcp, tcpin, serial
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 57600


def parse_address(text: str) -> WireAddress:
    """Parse ``udpin:H:P``, ``udpout:H:P``, ``tcp:H:P``, ``tcpin:H:P``, ``serial:DEV[:BAUD]``, ``DEV[,B]``."""
    if text.startswith("/"):
        device, _, baud = text.partition(",")
        return WireAddress("serial", device=device, baud=_int(baud, text) if baud else 57600)
    scheme, _, rest = text.partition(":")
    if scheme == "serial":
        device, _, baud = rest.rpartition(":") if ":" in rest else (rest, "", "")
        return WireAddress("serial", device=device, baud=_int(baud, text) if baud else 57600)
    if scheme not in {"udpin", "udpout", "udp", "tcp", "tcpin"}:
        raise WireError(f"{text!r}: expected udpin:, udpout:, tcp:, tcpin:, serial: or a device path")
    host, _, port = rest.rpartition(":")
    if not host:
        raise WireError(f"{text!r}: expected {scheme}:HOST:PORT")
    return WireAddress("udpin" if scheme == "udp" else scheme, host=host, port=_int(port, text))


def _int(value: str, text: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise WireError(f"{text!r}: {value!r} is not a number") from None


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue(maxsize=1024)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.queue.full():
            # A slow consumer loses the oldest datagram, as a real radio would, rather than stall.
            self.queue.get_nowait()
        self.queue.put_nowait((data, addr))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable while the ground station is not yet listening: not an error for us.
        pass


class _UdpStream:
    def __init__(self, transport: asyncio.DatagramTransport, proto: _Datagrams, peer: tuple[str, int] | None):
        self._transport = transport
        self._proto = proto
        self._peer = peer

    async def read(self) -> bytes:
        data, addr = await self._proto.queue.get()
        self._peer = addr
        return data

    async def write(self, data: bytes) -> None:
        if self._peer is not None:
            self._transport.sendto(data, self._peer)


class _TcpServerStream:
    """``tcpin``: one ground station at a time; a new connection replaces the old one."""

    def __init__(self) -> None:
        self._writer: asyncio.StreamWriter | None = None
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1024)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:
            self._writer.close()
        self._writer = writer
        try:
            while chunk := await reader.read(4096):
                await self._chunks.put(chunk)
        except ConnectionError:
            pass
        finally:
            if self._writer is writer:
                self._writer = None
            writer.close()

    async def read(self) -> bytes:
        return await self._chunks.get()

    async def write(self, data: bytes) -> None:
        writer = self._writer
        if writer is None:
            return
        try:
            writer.write(data)
            await writer.drain()
        except ConnectionError:
            self._writer = None


class _StreamPair:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self) -> bytes:
        chunk = await self._reader.read(4096)
        if not chunk:
            raise WireError("stream closed by the peer")
        return chunk

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()


@contextlib.asynccontextmanager
async def open_stream(address: WireAddress) -> AsyncIterator[SimStream]:
    """Open the stream for ``address`` and close it on exit."""
    loop = asyncio.get_running_loop()
    if address.scheme in {"udpin", "udpout"}:
        if address.scheme == "udpin":
            transport, proto = await loop.create_datagram_endpoint(
                _Datagrams, local_addr=(address.host, address.port)
            )
            peer = None
        else:
            transport, proto = await loop.create_datagram_endpoint(
                _Datagrams, remote_addr=(address.host, address.port)
            )
            peer = (address.host, address.port)
        try:
            yield _UdpStream(transport, proto, peer)
        finally:
            transport.close()
    elif address.scheme == "tcpin":
        stream = _TcpServerStream()
        server = await asyncio.start_server(stream.handle, address.host, address.port)
        try:
            yield stream
        finally:
            server.close()
            await server.wait_closed()
    elif address.scheme == "tcp":
        reader, writer = await asyncio.open_connection(address.host, address.port)
        try:
            yield _StreamPair(reader, writer)
        finally:
            writer.close()
    else:
        import serialx

        try:
            reader, serial_writer = await serialx.open_serial_connection(
                address.device, baudrate=address.baud
            )
        except (OSError, serialx.SerialException) as exc:
            raise WireError(f"cannot open serial port {address.device}: {exc}") from exc
        try:
            yield _StreamPair(reader, serial_writer)
        finally:
            serial_writer.close()
