"""Line framing and counters shared by the ASCII sensor codecs (NMEA 0183 and TSS1).

Sans-IO: ``LineFramer.feed(bytes)`` returns the complete lines found so far and keeps a partial line
for the next call, so the result never depends on how a port chunked its bytes. It knows the shape
of a line (a start character, printable ASCII, a CR and/or LF at the end) and nothing of what the
line says; it knows nothing of rockets, platforms, ports or asyncio.

Framing rules, each chosen so that one bad byte costs at most the line it lands in:

* A line starts at a start character and ends at CR or LF (CR LF, LF, CR and LF CR all work, and
  empty lines cost nothing).
* A *strong* start character (``$`` and ``!`` for NMEA: reserved characters that never occur inside a
  sentence) always begins a new line, abandoning any partial one (counted ``truncated``).
* A *weak* start character (``:`` for TSS1 on a port shared with NMEA) begins a line only outside a
  strong line, because ``:`` may legally occur inside NMEA fields (TAG blocks, free text).
* A byte that is not printable ASCII (0x20-0x7E) or CR/LF cannot be part of any line: it is counted
  in ``garbage_bytes`` and abandons the line it falls in (``truncated``).
* Printable bytes outside any line are noise (``garbage_bytes``).
* A line longer than ``max_line_chars`` is dropped (``over_long``) and the rest of it skipped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from types import MappingProxyType

# NMEA 0183 allows 82 characters including "$" and CR LF, i.e. 80 before the line end. Real units
# exceed it (PASHR with all accuracy fields, high-precision GGA from RTK receivers, long XDR
# groups), so we accept up to this many characters before the line end; above that a line is
# surely broken (a lost line end) rather than merely verbose.
DEFAULT_MAX_LINE_CHARS = 256
NMEA_STANDARD_MAX_LINE_CHARS = 80

# Distinct unknown sentence types remembered by name; beyond this they share one bucket, so a port
# spewing random sentence names cannot grow memory without bound.
MAX_UNKNOWN_TYPE_NAMES = 32
OTHER_UNKNOWN_TYPES = "(other)"


class SentenceType(StrEnum):
    """The sentence types the codecs decode into typed values (the keys of ``parse_failures``)."""

    GGA = "GGA"
    RMC = "RMC"
    VTG = "VTG"
    ZDA = "ZDA"
    HDT = "HDT"
    MWV = "MWV"
    XDR = "XDR"
    PSXN23 = "PSXN,23"
    PASHR = "PASHR"
    PHTRO = "PHTRO"
    PHLIN = "PHLIN"
    TSS1 = "TSS1"


@dataclass(frozen=True, slots=True)
class StreamCounters:
    """A snapshot of what a decoder has seen since it was built. Every lost line is in exactly one
    of ``checksum_errors`` (rejected), ``missing_checksums`` (only when rejected for that),
    ``over_long``, ``truncated``, ``malformed`` or ``parse_failures``.

    Attributes:
        sentences_ok: lines decoded into a typed sentence (NMEA or TSS1).
        checksum_errors: NMEA lines whose ``*HH`` did not match, or was not two hex digits.
        missing_checksums: NMEA lines without ``*HH``, counted whether accepted or rejected.
        over_long: lines longer than the decoder's ``max_line_chars``, dropped.
        garbage_bytes: bytes that belonged to no line: noise between lines, and every byte that is
            not printable ASCII or a line end.
        truncated: lines abandoned before their end by a new start character or a garbage byte.
        malformed: NMEA lines with a good (or no) checksum but no usable address field.
        parse_failures: per known sentence type, lines whose fields made no sense (empty where
            required, not numbers, out of range, wrong unit letters).
        unknown_types: per sentence type name, well-formed lines of types we do not decode.
    """

    sentences_ok: int = 0
    checksum_errors: int = 0
    missing_checksums: int = 0
    over_long: int = 0
    garbage_bytes: int = 0
    truncated: int = 0
    malformed: int = 0
    parse_failures: Mapping[SentenceType, int] = field(default_factory=lambda: MappingProxyType({}))
    unknown_types: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def parse_failures_total(self) -> int:
        return sum(self.parse_failures.values())

    @property
    def unknown_types_total(self) -> int:
        return sum(self.unknown_types.values())


class CounterBook:
    """The mutable tally behind ``StreamCounters``; owned by one decoder, shared with its framer."""

    __slots__ = (
        "checksum_errors",
        "garbage_bytes",
        "malformed",
        "missing_checksums",
        "over_long",
        "parse_failures",
        "sentences_ok",
        "truncated",
        "unknown_types",
    )

    def __init__(self) -> None:
        self.sentences_ok = 0
        self.checksum_errors = 0
        self.missing_checksums = 0
        self.over_long = 0
        self.garbage_bytes = 0
        self.truncated = 0
        self.malformed = 0
        self.parse_failures: dict[SentenceType, int] = {}
        self.unknown_types: dict[str, int] = {}

    def parse_failed(self, sentence_type: SentenceType) -> None:
        self.parse_failures[sentence_type] = self.parse_failures.get(sentence_type, 0) + 1

    def unknown(self, type_name: str) -> None:
        if type_name not in self.unknown_types and len(self.unknown_types) >= MAX_UNKNOWN_TYPE_NAMES:
            type_name = OTHER_UNKNOWN_TYPES
        self.unknown_types[type_name] = self.unknown_types.get(type_name, 0) + 1

    def snapshot(self) -> StreamCounters:
        return StreamCounters(
            sentences_ok=self.sentences_ok,
            checksum_errors=self.checksum_errors,
            missing_checksums=self.missing_checksums,
            over_long=self.over_long,
            garbage_bytes=self.garbage_bytes,
            truncated=self.truncated,
            malformed=self.malformed,
            parse_failures=MappingProxyType(dict(self.parse_failures)),
            unknown_types=MappingProxyType(dict(self.unknown_types)),
        )


class _Mode(Enum):
    IDLE = "idle"  # between lines: printable bytes here are noise
    LINE = "line"  # inside a line, collecting it
    SKIP = "skip"  # inside a line already dropped as over-long, waiting for its end


_CR, _LF = 0x0D, 0x0A


class LineFramer:
    """Splits a byte stream into printable-ASCII lines that begin with a start character.

    Args:
        counters: the book to count framing losses in (garbage, truncated, over-long).
        starts: strong start characters, e.g. ``b"$!"``.
        weak_starts: start characters honoured only outside a strong line, e.g. ``b":"``.
        max_line_chars: longest accepted line, start character included, line end excluded.
    """

    def __init__(
        self,
        counters: CounterBook,
        *,
        starts: bytes,
        weak_starts: bytes = b"",
        max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
    ) -> None:
        if not starts and not weak_starts:
            raise ValueError("a line framer needs at least one start character")
        for byte in starts + weak_starts:
            if not 0x21 <= byte <= 0x7E:
                raise ValueError(f"start character {byte:#04x} is not printable ASCII")
        if set(starts) & set(weak_starts):
            raise ValueError("a start character is either strong or weak, not both")
        if max_line_chars < 2:
            raise ValueError(f"max_line_chars must be at least 2, got {max_line_chars}")
        self._book = counters
        self._starts = frozenset(starts)
        self._weak = frozenset(weak_starts)
        self._max = max_line_chars
        # One regex finds the next byte that needs a decision; the runs in between are handled in
        # bulk, which keeps the framer fast on long clean streams.
        self._special = re.compile(b"[\x00-\x1f\x7f-\xff" + re.escape(starts + weak_starts) + b"]")
        self._mode = _Mode.IDLE
        self._line = bytearray()
        self._strong = False

    @property
    def pending_chars(self) -> int:
        """Characters of a partial line held for the next ``feed``."""
        return len(self._line)

    def feed(self, data: bytes) -> list[str]:
        """Consume ``data`` and return every line it completed (without its line end)."""
        lines: list[str] = []
        pos, end = 0, len(data)
        while pos < end:
            match = self._special.search(data, pos)
            stop = match.start() if match is not None else end
            if stop > pos:
                self._printable(data, pos, stop)
            if match is None:
                break
            self._special_byte(data[stop], lines)
            pos = stop + 1
        return lines

    def _printable(self, data: bytes, start: int, stop: int) -> None:
        if self._mode is _Mode.LINE:
            self._line += data[start:stop]
            if len(self._line) > self._max:
                self._book.over_long += 1
                self._line.clear()
                self._mode = _Mode.SKIP
        elif self._mode is _Mode.IDLE:
            self._book.garbage_bytes += stop - start
        # _Mode.SKIP: the rest of an over-long line, already counted.

    def _special_byte(self, byte: int, lines: list[str]) -> None:
        if byte in (_CR, _LF):
            if self._mode is _Mode.LINE:
                # Only printable ASCII reaches the buffer, so this cannot fail.
                lines.append(self._line.decode("ascii"))
                self._line.clear()
            self._mode = _Mode.IDLE
        elif byte in self._starts:
            self._begin(byte, strong=True)
        elif byte in self._weak:
            if self._mode is _Mode.LINE and self._strong:
                self._printable(bytes((byte,)), 0, 1)
            else:
                self._begin(byte, strong=False)
        else:
            self._book.garbage_bytes += 1
            if self._mode is _Mode.LINE:
                self._book.truncated += 1
                self._line.clear()
                self._mode = _Mode.IDLE

    def _begin(self, byte: int, *, strong: bool) -> None:
        if self._mode is _Mode.LINE:
            self._book.truncated += 1
            self._line.clear()
        self._line.append(byte)
        self._strong = strong
        self._mode = _Mode.LINE
