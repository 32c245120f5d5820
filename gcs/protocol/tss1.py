"""TSS1 motion records (Teledyne TSS format, output by most MRUs and INS): sans-IO decoder.

TSS1 is not NMEA: a fixed 25-character ASCII record plus CR LF, no checksum::

    :XXAAAA MHHHHQMRRRR MPPPP
    0         1         2
    0123456789012345678901234

    XX    horizontal acceleration, unsigned hex, 0.0383 m/s² per bit (0 to 9.81)
    AAAA  vertical acceleration, 16-bit two's complement hex, 0.000625 m/s² per bit (±20.48)
    M     sign of the next field: space (or '+') positive, '-' negative
    HHHH  heave, cm, positive up ("above datum")
    Q     status: U unaided, G GNSS/speed aided, H heading aided, F fully aided; lowercase while
          settling (Teledyne/Norwegian Subsea table; NovAtel SPAN uses H for "not yet aligned")
    RRRR  roll, 0.01 deg, positive port up
    PPPP  pitch, 0.01 deg, positive bow up

Sources: NovAtel OEM7 TSS1 log, Norwegian Subsea TSS1 protocol page, UHDAS MAHRS notes, all
agreeing on heave + up, roll + port up, pitch + bow up: TSS1 already uses our internal convention,
so values pass through with only scaling (see docs/nmea.md).

Without a checksum the fixed layout is the only integrity check, so it is checked strictly: any
deviation is a parse failure. Knows nothing of rockets, platforms or asyncio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from gcs.errors import FrameError
from gcs.protocol.nmea.framing import (
    DEFAULT_MAX_LINE_CHARS,
    CounterBook,
    LineFramer,
    SentenceType,
    StreamCounters,
)

TSS1_RECORD_CHARS = 25
HORIZONTAL_ACCEL_MPS2_PER_BIT = 0.0383
VERTICAL_ACCEL_MPS2_PER_BIT = 0.000625

_RECORD = re.compile(
    r":(?P<h>[0-9A-Fa-f]{2})(?P<v>[0-9A-Fa-f]{4}) "
    r"(?P<hs>[ +-])(?P<heave>\d{4})(?P<q>[UuGgHhFf])"
    r"(?P<rs>[ +-])(?P<roll>\d{4}) "
    r"(?P<ps>[ +-])(?P<pitch>\d{4})"
)


class Tss1Aiding(Enum):
    """What the MRU is aided by, from the status letter (its case says settled or settling)."""

    UNAIDED = "U"
    GNSS_AIDED = "G"
    HEADING_AIDED = "H"
    FULLY_AIDED = "F"


@dataclass(frozen=True, slots=True)
class Tss1:
    """One TSS1 record, in SI units and the internal sign convention."""

    sentence_type: ClassVar[SentenceType] = SentenceType.TSS1
    raw: str
    horizontal_accel_mps2: float
    vertical_accel_up_mps2: float
    heave_up_m: float
    aiding: Tss1Aiding
    settled: bool
    roll_port_up_deg: float
    pitch_bow_up_deg: float


def is_tss1_record(text: str) -> bool:
    """Whether ``text`` (no line end) has the exact TSS1 layout."""
    return _RECORD.fullmatch(text.rstrip(" ")) is not None


def _signed(sign: str, digits: str, scale: float) -> float:
    value = int(digits) * scale
    return -value if sign == "-" else value


def _parse(line: str) -> Tss1 | None:
    # Trailing blanks are padding from some units; leading or inner ones are part of the layout.
    match = _RECORD.fullmatch(line.rstrip(" "))
    if match is None:
        return None
    vertical = int(match["v"], 16)
    if vertical >= 0x8000:
        vertical -= 0x10000
    status = match["q"]
    return Tss1(
        raw=line,
        horizontal_accel_mps2=int(match["h"], 16) * HORIZONTAL_ACCEL_MPS2_PER_BIT,
        vertical_accel_up_mps2=vertical * VERTICAL_ACCEL_MPS2_PER_BIT,
        heave_up_m=_signed(match["hs"], match["heave"], 0.01),
        aiding=Tss1Aiding(status.upper()),
        settled=status.isupper(),
        roll_port_up_deg=_signed(match["rs"], match["roll"], 0.01),
        pitch_bow_up_deg=_signed(match["ps"], match["pitch"], 0.01),
    )


def parse_tss1(line: str) -> Tss1:
    """Decode one record (line end optional).

    Raises:
        FrameError: the text does not have the TSS1 layout.
    """
    record = _parse(line.rstrip("\r\n"))
    if record is None:
        raise FrameError(f"not a TSS1 record: {line!r}")
    return record


def decode_tss1_line(line: str, book: CounterBook) -> Tss1 | None:
    """Decode one framed line, or count a TSS1 parse failure. Used by the stream decoders."""
    record = _parse(line)
    if record is None:
        book.parse_failed(SentenceType.TSS1)
        return None
    book.sentences_ok += 1
    return record


class Tss1Decoder:
    """Stream decoder for a port that carries only TSS1 records.

    Args:
        max_line_chars: longest accepted line; a TSS1 record is 25 characters, so anything much
            longer is a lost line end, but the limit is kept common with NMEA ports.
    """

    def __init__(self, *, max_line_chars: int = DEFAULT_MAX_LINE_CHARS) -> None:
        if max_line_chars < TSS1_RECORD_CHARS:
            raise ValueError(f"max_line_chars must be at least {TSS1_RECORD_CHARS}, got {max_line_chars}")
        self._book = CounterBook()
        self._framer = LineFramer(self._book, starts=b":", max_line_chars=max_line_chars)

    def feed(self, data: bytes) -> list[Tss1]:
        """Consume bytes; return the records they completed. Never raises on any input."""
        records = []
        for line in self._framer.feed(data):
            record = decode_tss1_line(line, self._book)
            if record is not None:
                records.append(record)
        return records

    @property
    def counters(self) -> StreamCounters:
        return self._book.snapshot()
