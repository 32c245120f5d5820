"""Open the right byte stream for an endpoint, as an ``async with`` resource. Knows nothing of payloads.

This is the one place that maps :class:`EndpointKind` to an implementation; it does not retry
(that is :mod:`gcs.transport.link`'s job).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from gcs.errors import EndpointError
from gcs.transport.endpoint import Endpoint, EndpointKind, parse_endpoint
from gcs.transport.memory import MemoryNetwork
from gcs.transport.serial import SerialStream
from gcs.transport.stream import EndpointStream
from gcs.transport.tcp import TcpServerStream, TcpStream
from gcs.transport.udp import UdpStream


@asynccontextmanager
async def open_stream(
    endpoint: Endpoint | str, *, memory: MemoryNetwork | None = None
) -> AsyncIterator[EndpointStream]:
    """Open a stream for ``endpoint`` and close it when the block ends.

    Args:
        endpoint: an :class:`Endpoint` or a connection string such as ``tcp:127.0.0.1:5760``.
        memory: the network that ``mem:`` endpoints attach to; required for them only.

    Raises:
        EndpointError: a bad connection string, or a ``mem:`` endpoint without ``memory``.
        LinkDownError: the stream cannot be opened now (refused, absent device, port in use...).
    """
    resolved = parse_endpoint(endpoint) if isinstance(endpoint, str) else endpoint
    stream = await _open(resolved, memory)
    try:
        yield stream
    finally:
        await stream.aclose()


async def _open(endpoint: Endpoint, memory: MemoryNetwork | None) -> EndpointStream:
    match endpoint.kind:
        case EndpointKind.UDP_IN | EndpointKind.UDP_OUT:
            return await UdpStream.open(endpoint)
        case EndpointKind.TCP:
            return await TcpStream.open(endpoint)
        case EndpointKind.TCP_IN:
            return await TcpServerStream.open(endpoint)
        case EndpointKind.SERIAL:
            return await SerialStream.open(endpoint)
        case EndpointKind.MEMORY:
            if memory is None:
                raise EndpointError(f"{endpoint}: mem: endpoints need a MemoryNetwork (pass memory=...)")
            return memory.open(endpoint)
