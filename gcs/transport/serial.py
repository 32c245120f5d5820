"""Serial ports as byte streams, through serialx's async API. Knows nothing of MAVLink or NMEA.

This module is the boundary where serial and OS errors become ``LinkDownError`` (with
``raise ... from``), so nothing above it ever sees ``serialx.SerialException`` or ``OSError``.
Unplugging a USB adapter or closing the far side of a pty makes the next ``read()`` fail with EIO;
that arrives here as ``LinkDownError`` and a link reopens the device path when it comes back.
"""

from __future__ import annotations

import contextlib

import serialx

from gcs.errors import LinkDownError
from gcs.transport.endpoint import Endpoint, EndpointKind

READ_SIZE_BYTES = 65536
"""Largest chunk one ``read()`` returns."""

_SERIAL_ERRORS = (OSError, serialx.SerialException)


class SerialStream:
    """An open serial port (8N1, no flow control) as an :class:`~gcs.transport.stream.EndpointStream`."""

    def __init__(self, endpoint: Endpoint, port: serialx.AsyncSerial) -> None:
        self._endpoint = endpoint
        self._port = port
        self._closed = False

    @classmethod
    async def open(cls, endpoint: Endpoint) -> SerialStream:
        """Open ``endpoint.device`` at ``endpoint.baud``, locked for this process (flock).

        Raises:
            LinkDownError: the device is absent, busy or refuses the settings.
            ValueError: ``endpoint`` is not a ``serial:`` endpoint.
        """
        if endpoint.kind is not EndpointKind.SERIAL:
            raise ValueError(f"{endpoint} is not a serial endpoint")
        port = serialx.async_serial_for_url(endpoint.device, baudrate=endpoint.baud)
        try:
            await port.open()
        except _SERIAL_ERRORS as exc:
            raise LinkDownError(f"{endpoint}: cannot open serial port: {exc}") from exc
        return cls(endpoint, port)

    @property
    def name(self) -> str:
        return str(self._endpoint)

    @property
    def endpoint(self) -> Endpoint:
        return self._endpoint

    async def read(self) -> bytes:
        if self._closed:
            raise LinkDownError(f"{self.name}: stream is closed")
        try:
            data: bytes = await self._port.read(READ_SIZE_BYTES)
        except _SERIAL_ERRORS as exc:
            raise LinkDownError(f"{self.name}: device lost: {exc}") from exc
        if not data:
            raise LinkDownError(f"{self.name}: device closed")
        return data

    async def write(self, data: bytes) -> None:
        if self._closed or not self._port.is_open:
            raise LinkDownError(f"{self.name}: stream is closed")
        try:
            await self._port.write(data)
        except _SERIAL_ERRORS as exc:
            raise LinkDownError(f"{self.name}: device lost: {exc}") from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(*_SERIAL_ERRORS):  # a vanished device is closed all the same
            await self._port.close()
