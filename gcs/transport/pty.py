"""Pseudo-terminal pairs that stand in for serial cables in tests and in the simulator.

``open_pty()`` makes a pty pair in raw mode and gives back the master fd and the slave device path
(optionally behind a stable symlink, as udev gives ``/dev/serial/by-id/...``). A program opens the
slave path as an ordinary serial port; whoever holds the master plays the device at the other end
of the cable, for example with :class:`PtyMasterStream`. Knows nothing of what the bytes mean.

The pair keeps its own slave fd open for its whole life. Without it the master reads EIO (and
polls readable, so an event loop would spin) whenever no serial client has the slave open, and the
tty would forget its raw settings between clients. With it, clients may come and go like a
program reopening a USB adapter, and closing the pair (the master) is what makes their next read
fail: that is "the device vanished".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gcs.errors import LinkDownError
from gcs.transport.endpoint import DEFAULT_BAUD, Endpoint

READ_SIZE_BYTES = 65536
"""Largest chunk one ``read()`` of the master returns."""

INBOX_LIMIT_BYTES = 1 << 20
"""Bytes read from the master and not yet consumed before we stop reading (the tty then buffers)."""

OUTBOX_LIMIT_BYTES = 1 << 16
"""Bytes queued for the master before further writes are dropped, as a UART without flow control does."""


@dataclass(frozen=True, slots=True)
class Pty:
    """An open pty pair: the master fd and the path a serial client opens."""

    master_fd: int
    device_path: str
    """The slave device, e.g. ``/dev/pts/3``."""
    path: str
    """What a client should open: the stable symlink if one was asked for, else ``device_path``."""

    def endpoint(self, baud: int = DEFAULT_BAUD) -> Endpoint:
        """The ``serial:`` endpoint of the slave side (the baud rate means nothing to a pty)."""
        return Endpoint.serial(self.path, baud)


@contextlib.contextmanager
def open_pty(link: str | os.PathLike[str] | None = None) -> Iterator[Pty]:
    """Open a raw pty pair; on exit close it, which clients see as the device vanishing.

    Args:
        link: if given, a symlink created (atomically replaced) to point at the slave device, so a
            pair opened again later can be found at the same path. Removed on exit unless it has
            been pointed at another device meanwhile.

    Raises:
        OSError: no pty could be allocated or the link could not be made.
    """
    master_fd, slave_fd = os.openpty()
    try:
        tty.setraw(slave_fd)
        os.set_blocking(master_fd, False)
        device_path = os.ttyname(slave_fd)
        link_path = None if link is None else Path(link)
        if link_path is not None:
            _point(link_path, device_path)
        try:
            yield Pty(master_fd, device_path, device_path if link_path is None else str(link_path))
        finally:
            if link_path is not None:
                _unpoint(link_path, device_path)
    finally:
        # The master first: clients get EIO on their next read, as when a USB adapter is pulled.
        os.close(master_fd)
        os.close(slave_fd)


def _point(link: Path, device_path: str) -> None:
    staging = link.with_name(f".{link.name}.{os.getpid()}.new")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    staging.symlink_to(device_path)
    staging.replace(link)  # atomic: a client never sees the link missing or half-made


def _unpoint(link: Path, device_path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        if os.readlink(link) == device_path:
            link.unlink()


class PtyMasterStream:
    """The master end of a :class:`Pty` as a byte stream: the device side of the cable.

    Writes never wait: bytes beyond ``OUTBOX_LIMIT_BYTES`` that the slave side has not taken are
    dropped and counted in ``overrun_bytes``, as a UART without flow control loses them. ``aclose``
    stops watching the fd but does not close it: the fd belongs to ``open_pty``.
    """

    def __init__(self, pty: Pty, name: str = "") -> None:
        self._fd = pty.master_fd
        self._name = name or f"pty master of {pty.path}"
        self._loop = asyncio.get_running_loop()
        self._inbox: deque[bytes] = deque()
        self._inbox_bytes = 0
        self._outbox = bytearray()
        self._wakeup = asyncio.Event()
        self._error: OSError | None = None
        self._reading = False
        self._closed = False
        self.overrun_bytes = 0
        self._resume_reading()

    @property
    def name(self) -> str:
        return self._name

    async def read(self) -> bytes:
        while True:
            if self._closed:
                raise LinkDownError(f"{self._name}: stream is closed")
            if self._inbox:
                data = self._inbox.popleft()
                self._inbox_bytes -= len(data)
                if self._error is None:
                    self._resume_reading()
                return data
            if self._error is not None:
                raise LinkDownError(f"{self._name}: {self._error}") from self._error
            self._wakeup.clear()
            await self._wakeup.wait()

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise LinkDownError(f"{self._name}: stream is closed")
        if self._error is not None:
            raise LinkDownError(f"{self._name}: {self._error}") from self._error
        view = memoryview(data)
        if not self._outbox:
            try:
                view = view[os.write(self._fd, view) :]
            except BlockingIOError:
                pass
            except OSError as exc:
                self._fail(exc)
                raise LinkDownError(f"{self._name}: {exc}") from exc
            if not view:
                return
            self._loop.add_writer(self._fd, self._on_writable)
        room = OUTBOX_LIMIT_BYTES - len(self._outbox)
        self._outbox += view[:room]
        self.overrun_bytes += max(0, len(view) - room)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pause_reading()
        if self._outbox:
            self._loop.remove_writer(self._fd)
            self._outbox.clear()
        self._wakeup.set()

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, READ_SIZE_BYTES)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail(exc)
            return
        if not data:
            self._fail(OSError("pty closed"))
            return
        self._inbox.append(data)
        self._inbox_bytes += len(data)
        if self._inbox_bytes >= INBOX_LIMIT_BYTES:
            self._pause_reading()  # backpressure: the tty buffers, then its writer waits
        self._wakeup.set()

    def _on_writable(self) -> None:
        try:
            written = os.write(self._fd, self._outbox)
        except BlockingIOError:
            return
        except OSError as exc:
            self._fail(exc)
            return
        del self._outbox[:written]
        if not self._outbox:
            self._loop.remove_writer(self._fd)

    def _fail(self, exc: OSError) -> None:
        self._error = exc
        self._pause_reading()
        if self._outbox:
            self._loop.remove_writer(self._fd)
            self._outbox.clear()
        self._wakeup.set()

    def _pause_reading(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False

    def _resume_reading(self) -> None:
        if not self._reading and not self._closed:
            self._loop.add_reader(self._fd, self._on_readable)
            self._reading = True
