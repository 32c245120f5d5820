"""Durable append-only files: write all or nothing, fsync, trim a torn last line. Knows no log format.

The seam here is ``AppendFile``: the recorder writes through it, ``OsAppendFile`` is the real
one, and tests put a twin in its place that fails like a full or read-only disk. Everything in this
module is blocking and meant for the recorder's writer thread (or a tool), never the event loop.

Rollback is the reason for the seam's ``truncate``: if a write or an fsync fails half-way (ENOSPC
after a short write, EIO), the file is cut back to its length before the batch, so no partial
record ever sits in the middle of a log and the batch can be retried whole later.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Protocol

from gcs.errors import LogReadError, RecorderWriteError

READ_CHUNK_BYTES = 1 << 20


class AppendFile(Protocol):
    """A file that only grows at its end (and shrinks back on rollback)."""

    @property
    def path(self) -> Path: ...

    @property
    def size(self) -> int:
        """Bytes in the file as this handle knows it."""
        ...

    def append(self, data: bytes) -> None:
        """Write all of ``data`` at the end or raise ``OSError`` (``size`` counts what got through)."""
        ...

    def sync(self) -> None:
        """Push written bytes to the device (fsync); raise ``OSError`` if it cannot."""
        ...

    def truncate(self, size: int) -> None:
        """Cut the file back to ``size`` bytes."""
        ...

    def close(self) -> None: ...


FileOpener = Callable[[Path], AppendFile]
"""Opens (creating if needed) a file for appending; raises ``OSError``."""


class OsAppendFile:
    """The real ``AppendFile``: an ``O_APPEND`` file descriptor, written with ``os.write``.

    No Python-level buffering: the recorder batches in memory already, and an extra buffer would
    hide which bytes reached the kernel when a write fails.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        try:
            self._size = os.fstat(self._fd).st_size
        except OSError:
            os.close(self._fd)
            raise

    @property
    def path(self) -> Path:
        return self._path

    @property
    def size(self) -> int:
        return self._size

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            if written <= 0:  # a regular file never does this, but looping forever would be worse
                raise OSError(errno.EIO, "write() made no progress", str(self._path))
            self._size += written
            view = view[written:]

    def sync(self) -> None:
        os.fsync(self._fd)

    def truncate(self, size: int) -> None:
        os.ftruncate(self._fd, size)
        self._size = size

    def close(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)


def open_append(path: Path) -> AppendFile:
    """The default ``FileOpener``."""
    return OsAppendFile(path)


def write_error(path: Path, action: str, exc: OSError) -> RecorderWriteError:
    """Translate an ``OSError`` from ``action`` on ``path`` into the tree, keeping the errno."""
    reason = exc.strerror or str(exc)
    return RecorderWriteError(path, f"cannot {action}: {reason}", exc.errno)


def append_durably(file: AppendFile, data: bytes, *, sync: bool = True) -> None:
    """Append ``data`` (and fsync it) completely, or cut the file back and raise.

    Raises:
        RecorderWriteError: naming the file, with the errno; the file is back at its old length
            unless even the cut failed (then the error says so).
    """
    before = file.size
    try:
        file.append(data)
        if sync:
            file.sync()
    except OSError as exc:
        error = write_error(file.path, "append", exc)
        try:
            file.truncate(before)
        except OSError as cut_exc:
            error = RecorderWriteError(
                file.path,
                f"{error.detail}; cutting back to {before} bytes also failed "
                f"({cut_exc.strerror}), a partial record may remain",
                exc.errno,
            )
        raise error from exc


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (new files, renames) durable. Raises ``OSError``."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lock_folder(path: Path, *, wait: bool) -> int | None:
    """Take an exclusive ``flock`` on a folder; the returned descriptor holds it until it is closed.

    The kernel lets the lock go when its process dies, however it dies (kill -9 included): a folder
    that cannot be locked belongs to a live process. With ``wait`` false, returns None at once if
    another open of the folder holds the lock (in this process or another).

    Raises:
        OSError: the folder cannot be opened or locked.
    """
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_file_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a reader sees the old or the new file, never half of one.

    Raises:
        RecorderWriteError: naming ``path``.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise write_error(path, "write", exc) from exc


class LineLog:
    """An append-only log of ``\\n``-terminated lines; the journal and the NMEA logs use it.

    Opening an existing file trims a torn last line first, so appended lines never glue onto the
    remains of a record that a killed process left half-written.
    """

    def __init__(self, path: Path, opener: FileOpener = open_append) -> None:
        self.path = path
        self.trimmed_bytes = trim_torn_line(path) if path.exists() else 0
        try:
            self._file = opener(path)
        except OSError as exc:
            raise write_error(path, "open for appending", exc) from exc

    @property
    def size(self) -> int:
        return self._file.size

    def append(self, data: bytes, *, sync: bool = True) -> None:
        """Append complete lines (``data`` must end in ``\\n``); all or nothing, see ``append_durably``."""
        if data and not data.endswith(b"\n"):
            raise ValueError("LineLog.append takes whole lines ending in b'\\n'")
        append_durably(self._file, data, sync=sync)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LineLog:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def torn_line_bytes(path: Path) -> int:
    """How many bytes after the last ``\\n`` (a line that was being written when the writer died).

    Raises:
        LogReadError: if the file cannot be read.
    """
    try:
        with path.open("rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            position = end
            while position > 0:
                step = min(READ_CHUNK_BYTES, position)
                position -= step
                fh.seek(position)
                chunk = fh.read(step)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    return end - (position + newline + 1)
            return end
    except OSError as exc:
        raise LogReadError(path, f"cannot read: {exc.strerror or exc}", exc.errno) from exc


def trim_torn_line(path: Path) -> int:
    """Cut a torn last line off ``path``; returns the bytes removed (0 if the file ends in ``\\n``).

    Raises:
        LogReadError: if the file cannot be read.
        RecorderWriteError: if it cannot be cut.
    """
    torn = torn_line_bytes(path)
    if torn:
        try:
            size = path.stat().st_size
            os.truncate(path, size - torn)
        except OSError as exc:
            raise write_error(path, "trim its torn last line", exc) from exc
    return torn


class LineReader:
    """Complete lines of a file, without their ``\\n``; a torn last line is counted, not yielded.

    Iterate once; afterwards ``torn_bytes`` tells how long the unterminated tail was.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.torn_bytes = 0
        self.lines = 0

    def __iter__(self) -> Iterator[bytes]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise LogReadError(self.path, f"cannot open: {exc.strerror or exc}", exc.errno) from exc
        with fh:
            try:
                for line in fh:
                    if not line.endswith(b"\n"):
                        self.torn_bytes = len(line)
                        return
                    self.lines += 1
                    yield line[:-1]
            except OSError as exc:
                raise LogReadError(self.path, f"cannot read: {exc.strerror or exc}", exc.errno) from exc


class FaultyDisk:
    """A ``FileOpener`` whose files fail on demand like a full, read-only or dying disk.

    The in-memory twin of the real disk for tests and fault drills: it wraps real files (the bytes
    that do get through are really written), and while ``write_errno`` is set every ``append`` of a
    file whose name contains ``only`` (all files if ``None``) writes ``partial_bytes`` and then
    raises, as a short write followed by ENOSPC does. ``open_errno`` fails opening likewise.
    Attributes may be changed from another thread between writes.
    """

    def __init__(self, opener: FileOpener = open_append) -> None:
        self._opener = opener
        self.write_errno: int | None = None
        self.sync_errno: int | None = None
        self.open_errno: int | None = None
        self.partial_bytes = 0
        self.only: str | None = None
        self.failures = 0

    def applies_to(self, path: Path) -> bool:
        return self.only is None or self.only in path.name

    def fail(self, code: int | None, path: Path) -> None:
        if code is not None and self.applies_to(path):
            self.failures += 1
            raise OSError(code, os.strerror(code), str(path))

    def __call__(self, path: Path) -> AppendFile:
        self.fail(self.open_errno, path)
        return _FaultyFile(self, self._opener(path))


class _FaultyFile:
    def __init__(self, disk: FaultyDisk, inner: AppendFile) -> None:
        self._disk = disk
        self._inner = inner

    @property
    def path(self) -> Path:
        return self._inner.path

    @property
    def size(self) -> int:
        return self._inner.size

    def append(self, data: bytes) -> None:
        code = self._disk.write_errno
        if code is not None and self._disk.applies_to(self.path):
            self._inner.append(data[: self._disk.partial_bytes])
            self._disk.fail(code, self.path)
        self._inner.append(data)

    def sync(self) -> None:
        self._disk.fail(self._disk.sync_errno, self.path)
        self._inner.sync()

    def truncate(self, size: int) -> None:
        self._inner.truncate(size)

    def close(self) -> None:
        self._inner.close()
