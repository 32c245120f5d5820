"""``.tlog`` files as MAVProxy and Mission Planner write them: reader, torn-tail repair, segmented writer.

A ``.tlog`` is a bare sequence of records, each an 8-byte big-endian unsigned count of microseconds
since the Unix epoch followed by one raw MAVLink frame (v1 ``0xFE`` or v2 ``0xFD``, a signed v2
frame with its 13-byte signature). There is no file header and no record length: a record's length
comes from the MAVLink header, which is why a reader has to parse it and why a torn last record can
only be found by walking the file from the start.

Knows nothing of message contents (no dialect, no CRC check: that is the codec's job, and a recorder
must keep even frames it cannot decode), nor of asyncio or sessions.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from gcs.errors import LogReadError, RecorderWriteError
from gcs.recorder.files import READ_CHUNK_BYTES, AppendFile, FileOpener, fsync_dir, open_append, write_error

MAGIC_V1 = 0xFE
MAGIC_V2 = 0xFD
STAMP_BYTES = 8
HEADER_BYTES_V1 = 6
HEADER_BYTES_V2 = 10
CHECKSUM_BYTES = 2
SIGNATURE_BYTES = 13
INCOMPAT_FLAG_SIGNED = 0x01
MAX_FRAME_BYTES = HEADER_BYTES_V2 + 255 + CHECKSUM_BYTES + SIGNATURE_BYTES
MAX_RECORD_BYTES = STAMP_BYTES + MAX_FRAME_BYTES

# pymavlink's mavlogfile uses the same window to decide whether a stamp is plausible when it
# resynchronises after damage; using it too keeps us and mavlogdump seeing the same records.
RESYNC_WINDOW_US = 3 * 24 * 3600 * 1_000_000

_STAMP = struct.Struct(">Q")


class TlogRecord(NamedTuple):
    """One record: a tuple so that ``for stamp_us, frame in reader`` reads naturally, and cheap at 50 kHz."""

    unix_time_us: int
    frame: bytes

    @property
    def unix_time_s(self) -> float:
        return self.unix_time_us / 1_000_000


def frame_length(data: bytes | bytearray | memoryview, offset: int = 0) -> int | None:
    """Length of the MAVLink frame starting at ``data[offset]``, from its header alone.

    Returns:
        The frame's total length in bytes (header, payload, checksum, signature if flagged), or
        ``None`` if ``data`` ends before the bytes that decide it.

    Raises:
        ValueError: if ``data[offset]`` is not a MAVLink start byte.
    """
    available = len(data) - offset
    if available < 1:
        return None
    magic = data[offset]
    if magic == MAGIC_V2:
        if available < 3:
            return None
        signed = data[offset + 2] & INCOMPAT_FLAG_SIGNED
        return HEADER_BYTES_V2 + data[offset + 1] + CHECKSUM_BYTES + (SIGNATURE_BYTES if signed else 0)
    if magic == MAGIC_V1:
        if available < 2:
            return None
        return HEADER_BYTES_V1 + data[offset + 1] + CHECKSUM_BYTES
    raise ValueError(f"0x{magic:02X} is not a MAVLink start byte (0xFD or 0xFE)")


def encode_record(unix_time_us: int, frame: bytes) -> bytes:
    """The bytes of one record: the stamp, then ``frame``.

    Raises:
        ValueError: if ``frame`` is not exactly one whole MAVLink frame (a short or long frame would
            shift every record after it), or the stamp does not fit 64 unsigned bits.
    """
    if not 0 <= unix_time_us < 1 << 64:
        raise ValueError(f"tlog stamp out of range: {unix_time_us} µs")
    expected = frame_length(frame)
    if expected != len(frame):
        raise ValueError(f"not one whole MAVLink frame: header says {expected} bytes, got {len(frame)}")
    return _STAMP.pack(unix_time_us) + frame


class _Status:
    OK = 0
    NEED_MORE = 1
    BAD = 2


class TlogParser:
    """Sans-IO record splitter: ``feed(bytes) -> list[TlogRecord]``, then ``finish()`` at end of file.

    Damage in the middle of a file (never written by our recorder, which rolls failed writes back)
    is skipped byte by byte until a record with a MAVLink start byte and a stamp within
    ``RESYNC_WINDOW_US`` of the last good one; skipped bytes are counted. At the end, what is left
    is the torn tail (``torn_bytes``) unless a plausible whole record follows it.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._consumed = 0  # file offset of self._buffer[0]
        self._last_us: int | None = None
        self.records = 0
        self.skipped_bytes = 0
        self.torn_bytes = 0
        self.good_end = 0  # file offset just past the last whole record
        self._finished = False

    def feed(self, data: bytes) -> list[TlogRecord]:
        if self._finished:
            raise RuntimeError("TlogParser.feed after finish()")
        self._buffer += data
        return self._parse(final=False)

    def finish(self) -> list[TlogRecord]:
        """Parse what is left as the end of the file; sets ``torn_bytes``."""
        records = self._parse(final=True)
        self.torn_bytes = len(self._buffer)
        self._finished = True
        return records

    def _candidate(self, position: int) -> tuple[int, int]:
        buffer = self._buffer
        available = len(buffer) - position
        if available <= STAMP_BYTES:
            return _Status.NEED_MORE, 0
        try:
            length = frame_length(buffer, position + STAMP_BYTES)
        except ValueError:
            return _Status.BAD, 0
        if self._last_us is not None:
            (stamp,) = _STAMP.unpack_from(buffer, position)
            if abs(stamp - self._last_us) > RESYNC_WINDOW_US:
                return _Status.BAD, 0
        if length is None or available < STAMP_BYTES + length:
            return _Status.NEED_MORE, 0
        return _Status.OK, STAMP_BYTES + length

    def _next_plausible(self, start: int) -> int | None:
        # Without a good stamp to compare with, any byte pair could pass as a record: trust nothing.
        if self._last_us is None:
            return None
        for position in range(start, len(self._buffer)):
            if self._candidate(position)[0] == _Status.OK:
                return position
        return None

    def _parse(self, *, final: bool) -> list[TlogRecord]:
        buffer = self._buffer
        records: list[TlogRecord] = []
        position = 0
        end = len(buffer)
        while position < end:
            status, length = self._candidate(position)
            if status == _Status.OK:
                (stamp,) = _STAMP.unpack_from(buffer, position)
                records.append(TlogRecord(stamp, bytes(buffer[position + STAMP_BYTES : position + length])))
                self._last_us = stamp
                position += length
                self.good_end = self._consumed + position
                continue
            if status == _Status.NEED_MORE:
                if not final:
                    break
                resume = self._next_plausible(position + 1)
                if resume is None:
                    break
                self.skipped_bytes += resume - position
                position = resume
                continue
            self.skipped_bytes += 1
            position += 1
        del buffer[:position]
        self._consumed += position
        self.records += len(records)
        return records


class TlogReader:
    """The records of one ``.tlog`` file, read in chunks (files can be gigabytes).

    Iterate once; afterwards ``records``, ``skipped_bytes``, ``torn_bytes`` and ``good_end`` describe
    the file. Reading never changes the file: ``repair`` does.
    """

    def __init__(self, path: Path, *, chunk_bytes: int = READ_CHUNK_BYTES) -> None:
        self.path = path
        self._chunk_bytes = chunk_bytes
        self._parser = TlogParser()

    @property
    def records(self) -> int:
        return self._parser.records

    @property
    def skipped_bytes(self) -> int:
        return self._parser.skipped_bytes

    @property
    def torn_bytes(self) -> int:
        return self._parser.torn_bytes

    @property
    def good_end(self) -> int:
        return self._parser.good_end

    def __iter__(self) -> Iterator[TlogRecord]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise LogReadError(self.path, f"cannot open: {exc.strerror or exc}", exc.errno) from exc
        with fh:
            while True:
                try:
                    chunk = fh.read(self._chunk_bytes)
                except OSError as exc:
                    raise LogReadError(self.path, f"cannot read: {exc.strerror or exc}", exc.errno) from exc
                if not chunk:
                    break
                yield from self._parser.feed(chunk)
        yield from self._parser.finish()


def torn_tail_bytes(path: Path) -> int:
    """Bytes after the last whole record of ``path`` (walks the whole file).

    Raises:
        LogReadError: if the file cannot be read.
    """
    reader = TlogReader(path)
    for _ in reader:
        pass
    return reader.torn_bytes


def repair(path: Path) -> int:
    """Cut a torn last record off ``path``; returns the bytes removed (0 for a sound file).

    Raises:
        LogReadError: if the file cannot be read.
        RecorderWriteError: if it cannot be cut.
    """
    reader = TlogReader(path)
    for _ in reader:
        pass
    if reader.torn_bytes:
        try:
            os.truncate(path, reader.good_end)
        except OSError as exc:
            raise write_error(path, "trim its torn last record", exc) from exc
    return reader.torn_bytes


def segment_path(directory: Path, stem: str, index: int | None) -> Path:
    """``flight.tlog`` without a size limit, ``flight-<index>.tlog`` (from 1) with one."""
    return directory / (f"{stem}.tlog" if index is None else f"{stem}-{index}.tlog")


def segment_paths(directory: Path, stem: str = "flight") -> list[Path]:
    """The tlog files of a session in recording order: ``flight.tlog`` or ``flight-1..N.tlog``.

    Sorted by number, not by name, so ``flight-10`` comes after ``flight-9``.
    """
    numbered: list[tuple[int, Path]] = []
    for path in directory.glob(f"{stem}-*.tlog"):
        number = path.stem[len(stem) + 1 :]
        if number.isdigit() and not number.startswith("0"):
            numbered.append((int(number), path))
    single = segment_path(directory, stem, None)
    return ([single] if single.exists() else []) + [path for _, path in sorted(numbered)]


class TlogWriter:
    """Appends encoded records to ``<stem>.tlog``, or to ``<stem>-N.tlog`` segments of at most
    ``segment_bytes`` each. Blocking; for one thread (the recorder's writer thread, or a tool).

    Each ``write`` is all or nothing, across a segment change too: on failure every file it touched
    is cut back (a segment it created is removed) and ``RecorderWriteError`` names the file.
    Opening trims a torn last record left by a killed writer before appending.
    """

    def __init__(
        self,
        directory: Path,
        *,
        stem: str = "flight",
        segment_bytes: int | None = None,
        opener: FileOpener = open_append,
    ) -> None:
        if segment_bytes is not None and segment_bytes < MAX_RECORD_BYTES:
            raise ValueError(f"segment_bytes must be at least {MAX_RECORD_BYTES}, got {segment_bytes}")
        self._directory = directory
        self._stem = stem
        self._segment_bytes = segment_bytes
        self._opener = opener
        self.trimmed_bytes = 0
        existing = segment_paths(directory, stem) if segment_bytes is not None else []
        self._index: int | None = None
        if segment_bytes is not None:
            self._index = int(existing[-1].stem[len(stem) + 1 :]) if existing else 1
        self._file = self._open(segment_path(directory, stem, self._index))
        self._unsynced: list[AppendFile] = []  # rolled-over segments still to fsync and close
        self._dir_dirty = True

    @property
    def path(self) -> Path:
        """The file being appended to now."""
        return self._file.path

    def _open(self, path: Path) -> AppendFile:
        if path.exists():
            self.trimmed_bytes += repair(path)
        try:
            return self._opener(path)
        except OSError as exc:
            raise write_error(path, "open for appending", exc) from exc

    def write_frame(self, unix_time_us: int, frame: bytes, *, sync: bool = True) -> None:
        """Append one frame with its stamp (see ``encode_record``)."""
        self.write([encode_record(unix_time_us, frame)], sync=sync)

    def write(self, records: Sequence[bytes], *, sync: bool = True) -> None:
        """Append encoded records (from ``encode_record``), then fsync if ``sync``.

        Raises:
            RecorderWriteError: naming the file; nothing of ``records`` remains in any file.
        """
        if not records:
            return
        start_file, start_index, start_size = self._file, self._index, self._file.size
        created: list[AppendFile] = []
        retired: list[AppendFile] = []
        try:
            group: list[bytes] = []
            group_bytes = 0
            for record in records:
                used = self._file.size + group_bytes
                # A segment never starts empty-handed: one record larger than the limit still fits.
                if self._segment_bytes is not None and used > 0 and used + len(record) > self._segment_bytes:
                    self._append(group)
                    group, group_bytes = [], 0
                    retired.append(self._file)
                    assert self._index is not None
                    self._index += 1
                    self._file = self._open(segment_path(self._directory, self._stem, self._index))
                    created.append(self._file)
                    self._dir_dirty = True
                group.append(record)
                group_bytes += len(record)
            self._append(group)
            if sync:
                self._sync_all(retired)
            else:
                self._unsynced.extend(retired)
        except RecorderWriteError:
            self._roll_back(start_file, start_index, start_size, created)
            raise

    def _append(self, group: list[bytes]) -> None:
        if not group:
            return
        try:
            self._file.append(b"".join(group))
        except OSError as exc:
            raise write_error(self._file.path, "append", exc) from exc

    def _sync_all(self, retired: list[AppendFile]) -> None:
        for file in [*self._unsynced, *retired, self._file]:
            try:
                file.sync()
            except OSError as exc:
                raise write_error(file.path, "fsync", exc) from exc
        if self._dir_dirty:
            try:
                fsync_dir(self._directory)
            except OSError as exc:
                raise write_error(self._directory, "fsync the directory", exc) from exc
            self._dir_dirty = False
        for file in [*self._unsynced, *retired]:
            file.close()
        self._unsynced.clear()

    def _roll_back(
        self, start_file: AppendFile, start_index: int | None, start_size: int, created: list[AppendFile]
    ) -> None:
        # Best effort: a cut that fails too leaves a partial record, which readers skip and count.
        for file in created:
            file.close()
            with contextlib.suppress(OSError):
                file.path.unlink()
        with contextlib.suppress(OSError):
            start_file.truncate(start_size)
        self._file, self._index = start_file, start_index

    def sync(self) -> None:
        """fsync everything written so far.

        Raises:
            RecorderWriteError: naming the file.
        """
        self._sync_all([])

    def close(self) -> None:
        for file in self._unsynced:
            file.close()
        self._unsynced.clear()
        self._file.close()

    def __enter__(self) -> TlogWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
