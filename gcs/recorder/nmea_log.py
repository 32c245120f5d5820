"""Raw NMEA logs: each received sentence, exactly as received, with its receive stamp. Knows no NMEA.

One line per sentence, so ``grep``, ``cut -f2`` and every NMEA replay tool can read the file::

    2026-05-01T12:34:56.123456Z<TAB>$GPGGA,123456.00,5957.5,N,01043.2,E,1,12,0.8,3.1,M,38.9,M,,*6A

The sentence is the line as the link received it, without its line ending (``\\r\\n`` is the
framing, not the content). If it holds any byte outside printable ASCII (0x20-0x7E: control bytes,
a stray CR, binary noise from a flaky serial line), the line gets a third field and the sentence is
escaped, so the file stays one-line-per-sentence text and still round-trips byte for byte::

    2026-05-01T12:34:56.123456Z<TAB>x<TAB>$GPGGA,1234\\x00\\xff*00

In the escaped form ``\\\\`` is a backslash and ``\\xHH`` any other byte outside 0x20-0x7E; the plain
form never escapes anything, so NMEA 4 TAG blocks (``\\s:...*hh\\``) stay as they arrived. Parsing
and checksums belong to ``gcs/protocol/nmea.py``: this module keeps even sentences that fail them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from gcs.recorder.files import LineReader, trim_torn_line
from gcs.recorder.stamps import iso_utc, parse_iso_utc

ESCAPED_MARK = b"x"
_PRINTABLE = re.compile(rb"[\x20-\x7e]*")
_ESCAPE = re.compile(rb"\\(\\|x[0-9a-fA-F]{2})|\\")


class NmeaRecord(NamedTuple):
    """One received sentence and when it arrived (microseconds since the Unix epoch, UTC)."""

    unix_time_us: int
    sentence: bytes

    @property
    def unix_time_s(self) -> float:
        return self.unix_time_us / 1_000_000


def escape(sentence: bytes) -> bytes:
    """``\\\\`` for a backslash, ``\\xHH`` for every byte outside printable ASCII."""
    out = bytearray()
    for byte in sentence:
        if byte == 0x5C:
            out += b"\\\\"
        elif 0x20 <= byte <= 0x7E:
            out.append(byte)
        else:
            out += b"\\x%02x" % byte
    return bytes(out)


def unescape(text: bytes) -> bytes:
    """Inverse of ``escape``.

    Raises:
        ValueError: on a lone backslash or a malformed ``\\x`` escape.
    """

    def replace(match: re.Match[bytes]) -> bytes:
        body = match.group(1)
        if body is None:
            raise ValueError(f"bad escape in {text!r}")
        return b"\\" if body == b"\\" else bytes([int(body[1:], 16)])

    return _ESCAPE.sub(replace, text)


@functools.lru_cache(maxsize=8)
def _stamp(unix_time_us: int) -> bytes:
    # The lines of one read share its receive time: the stamp is made once for all of them.
    return iso_utc(unix_time_us).encode("ascii")


def encode_line(unix_time_us: int, sentence: bytes) -> bytes:
    """The log line (with its ``\\n``) for ``sentence`` received at ``unix_time_us``."""
    stamp = _stamp(unix_time_us)
    if _PRINTABLE.fullmatch(sentence):
        return stamp + b"\t" + sentence + b"\n"
    return stamp + b"\t" + ESCAPED_MARK + b"\t" + escape(sentence) + b"\n"


def parse_line(line: bytes) -> NmeaRecord:
    """The record of one log line (without its ``\\n``).

    Raises:
        ValueError: if the line is not in the shape ``encode_line`` writes.
    """
    fields = line.split(b"\t")
    if len(fields) == 2:
        stamp, sentence = fields
    elif len(fields) == 3 and fields[1] == ESCAPED_MARK:
        stamp, sentence = fields[0], unescape(fields[2])
    else:
        raise ValueError(f"not a raw NMEA log line: {line[:80]!r}")
    if not _PRINTABLE.fullmatch(fields[-1]):
        raise ValueError(f"unescaped non-printable bytes in {line[:80]!r}")
    return NmeaRecord(parse_iso_utc(stamp.decode("ascii", errors="replace")), sentence)


class NmeaLogReader:
    """The sentences of one raw NMEA log, with their receive stamps.

    Iterate once; afterwards ``records``, ``skipped_lines`` (lines not in the format, for example
    edited by hand) and ``torn_bytes`` (an unterminated last line, not yielded) describe the file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines = LineReader(path)
        self.records = 0
        self.skipped_lines = 0

    @property
    def torn_bytes(self) -> int:
        return self._lines.torn_bytes

    def __iter__(self) -> Iterator[NmeaRecord]:
        for line in self._lines:
            try:
                record = parse_line(line)
            except ValueError:
                self.skipped_lines += 1
                continue
            self.records += 1
            yield record


def repair(path: Path) -> int:
    """Cut a torn last line off a raw NMEA log; returns the bytes removed.

    Raises:
        LogReadError: if the file cannot be read.
        RecorderWriteError: if it cannot be cut.
    """
    return trim_torn_line(path)
