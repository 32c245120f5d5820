"""The NMEA 0183 decoder: bytes in, typed sentences out, every loss counted, nothing ever raised.

Sans-IO: ``NmeaDecoder.feed(data)`` takes whatever bytes a serial port or UDP socket produced and
returns the sentences they completed. ``parse_nmea(line)`` decodes one line (for replay and tools)
and raises ``FrameError`` instead of counting. Knows nothing of rockets, platforms or asyncio.

Per line: the checksum (XOR of every character between ``$``/``!`` and ``*``) is verified; the
address selects a parser (pynmea2 for standard sentences, our own for proprietary ones); a
well-formed sentence of a type we do not decode comes back as ``UnknownSentence``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import reduce
from operator import xor

from gcs.errors import FrameError
from gcs.protocol.nmea.fields import FieldError
from gcs.protocol.nmea.framing import (
    DEFAULT_MAX_LINE_CHARS,
    CounterBook,
    LineFramer,
    SentenceType,
    StreamCounters,
)
from gcs.protocol.nmea.proprietary import (
    Pashr,
    Phlin,
    Phtro,
    Psxn23,
    parse_pashr,
    parse_phlin,
    parse_phtro,
    parse_psxn23,
)
from gcs.protocol.nmea.sentences import (
    Gga,
    Hdt,
    Mwv,
    Rmc,
    Vtg,
    Xdr,
    Zda,
    parse_gga,
    parse_hdt,
    parse_mwv,
    parse_rmc,
    parse_vtg,
    parse_xdr,
    parse_zda,
)


@dataclass(frozen=True, slots=True)
class UnknownSentence:
    """A well-formed sentence of a type we do not decode (GSV, PSXN,20, AIS ``!AIVDM``...).

    ``type_name`` is the sentence formatter (``GSV``), or for proprietary sentences the address
    (``PGRME``) plus the subtype field where one selects the layout (``PSXN,20``, ``PASHR,ATT``).
    """

    talker: str
    raw: str
    type_name: str
    fields: tuple[str, ...]


NmeaSentence = Gga | Rmc | Vtg | Zda | Hdt | Mwv | Xdr | Psxn23 | Pashr | Phtro | Phlin | UnknownSentence


class RejectReason(Enum):
    """Why a line was not decoded; each maps onto one ``StreamCounters`` field."""

    CHECKSUM_ERROR = "checksum error"
    MISSING_CHECKSUM = "missing checksum"
    MALFORMED = "malformed"
    PARSE_FAILURE = "parse failure"


@dataclass(frozen=True, slots=True)
class _Rejection:
    reason: RejectReason
    detail: str
    sentence_type: SentenceType | None = None


class _Checksum(Enum):
    GOOD = "good"
    BAD = "bad"
    MISSING = "missing"


# Talker sentences: 2-character talker + 3-character formatter. Proprietary: "P" + a manufacturer
# code and whatever the manufacturer appends (PSXN, PASHR, PHTRO, PGRME...).
_TALKER_ADDRESS = re.compile(r"[A-Z][A-Z0-9][A-Z0-9]{3}")
_PROPRIETARY_ADDRESS = re.compile(r"P[A-Z0-9]{2,8}")
_HEX = frozenset("0123456789ABCDEFabcdef")

_Parser = Callable[[str, str, str, list[str]], NmeaSentence]


def _std(parse: Callable[[str, str, str], NmeaSentence]) -> _Parser:
    return lambda talker, raw, body, _fields: parse(talker, raw, body)


def _prop(parse: Callable[[str, str, list[str]], NmeaSentence]) -> _Parser:
    return lambda talker, raw, _body, fields: parse(talker, raw, fields)


# Keyed by formatter (talker sentences) or by type name (proprietary). Parsers get the fields after
# the address: for PSXN that list starts with the "23" that selected the layout.
_TALKER_PARSERS: dict[str, tuple[SentenceType, _Parser]] = {
    "GGA": (SentenceType.GGA, _std(parse_gga)),
    "RMC": (SentenceType.RMC, _std(parse_rmc)),
    "VTG": (SentenceType.VTG, _std(parse_vtg)),
    "ZDA": (SentenceType.ZDA, _std(parse_zda)),
    "HDT": (SentenceType.HDT, _std(parse_hdt)),
    "MWV": (SentenceType.MWV, _std(parse_mwv)),
    "XDR": (SentenceType.XDR, _std(parse_xdr)),
}
_PROPRIETARY_PARSERS: dict[str, tuple[SentenceType, _Parser]] = {
    "PSXN,23": (SentenceType.PSXN23, _prop(parse_psxn23)),
    "PASHR": (SentenceType.PASHR, _prop(parse_pashr)),
    "PHTRO": (SentenceType.PHTRO, _prop(parse_phtro)),
    "PHLIN": (SentenceType.PHLIN, _prop(parse_phlin)),
}


def nmea_checksum(body: str) -> int:
    """XOR of the characters of ``body`` (the text between ``$``/``!`` and ``*``)."""
    return reduce(xor, body.encode("ascii", "replace"), 0)


def _split_checksum(line: str) -> tuple[str, _Checksum]:
    """The body between the start character and ``*``, and what its checksum says."""
    star = line.rfind("*")
    if star < 0:
        return line[1:], _Checksum.MISSING
    body, digits = line[1:star], line[star + 1 :]
    if len(digits) != 2 or not _HEX.issuperset(digits):
        return body, _Checksum.BAD
    return body, _Checksum.GOOD if int(digits, 16) == nmea_checksum(body) else _Checksum.BAD


def has_valid_checksum(line: str) -> bool:
    """Whether ``line`` (``$...*HH``, no line end) carries a checksum that matches."""
    return _split_checksum(line.rstrip(" "))[1] is _Checksum.GOOD


def _type_name(address: str, fields: list[str]) -> str:
    # Kongsberg selects the PSXN layout by its first field, Ashtech/Trimble PASHR by a word in the
    # first field (PASHR,ATT / PASHR,POS) where the RT300 attitude layout has a time.
    if address == "PSXN" and len(fields) > 1:
        return f"PSXN,{fields[1]}"
    if address == "PASHR" and len(fields) > 1 and fields[1][:1].isalpha():
        return f"PASHR,{fields[1]}"
    return address


def _decode(line: str, require_checksum: bool) -> tuple[NmeaSentence | _Rejection, bool]:
    """Decode one line; also say whether it lacked a checksum (counted even when accepted)."""
    raw = line.rstrip(" ")  # trailing blanks after the checksum are padding some units send
    body, checksum = _split_checksum(raw)
    missing = checksum is _Checksum.MISSING
    if checksum is _Checksum.BAD:
        return _Rejection(RejectReason.CHECKSUM_ERROR, raw), missing
    if missing and require_checksum:
        return _Rejection(RejectReason.MISSING_CHECKSUM, raw), missing
    fields = body.split(",")
    address = fields[0]
    if _PROPRIETARY_ADDRESS.fullmatch(address):
        talker, type_name = "P", _type_name(address, fields)
        entry = _PROPRIETARY_PARSERS.get(type_name)
    elif _TALKER_ADDRESS.fullmatch(address):
        talker, type_name = address[:2], address[2:]
        entry = _TALKER_PARSERS.get(type_name)
    else:
        return _Rejection(RejectReason.MALFORMED, f"address {address!r}"), missing
    if entry is None:
        return UnknownSentence(talker, raw, type_name, tuple(fields[1:])), missing
    sentence_type, parse = entry
    try:
        return parse(talker, raw, body, fields[1:]), missing
    except FieldError as exc:
        return _Rejection(RejectReason.PARSE_FAILURE, str(exc), sentence_type), missing
    except Exception as exc:  # a parser bug must cost one sentence, never the link
        return _Rejection(RejectReason.PARSE_FAILURE, f"internal: {exc!r}", sentence_type), missing


def parse_nmea(line: str, *, require_checksum: bool = True) -> NmeaSentence:
    """Decode one sentence (``$...*HH``, line end optional).

    Raises:
        FrameError: the checksum is wrong or missing (when required), the address is not NMEA,
            or the fields of a known type make no sense.
    """
    text = line.rstrip("\r\n")
    if text[:1] not in ("$", "!") or not text.isascii() or not text.isprintable():
        raise FrameError(f"not an NMEA sentence: {line!r}")
    result, _ = _decode(text, require_checksum)
    if isinstance(result, _Rejection):
        kind = f" {result.sentence_type}" if result.sentence_type else ""
        raise FrameError(f"{result.reason.value}{kind}: {result.detail}")
    return result


def decode_nmea_line(line: str, require_checksum: bool, book: CounterBook) -> NmeaSentence | None:
    """Decode one framed line into a sentence, or count why not. Used by the stream decoders."""
    result, missing = _decode(line, require_checksum)
    if missing:
        book.missing_checksums += 1
    if isinstance(result, _Rejection):
        if result.reason is RejectReason.CHECKSUM_ERROR:
            book.checksum_errors += 1
        elif result.reason is RejectReason.MALFORMED:
            book.malformed += 1
        elif result.reason is RejectReason.PARSE_FAILURE and result.sentence_type is not None:
            book.parse_failed(result.sentence_type)
        # MISSING_CHECKSUM is already in missing_checksums.
        return None
    if isinstance(result, UnknownSentence):
        book.unknown(result.type_name)
    else:
        book.sentences_ok += 1
    return result


class NmeaDecoder:
    """Stream decoder for one NMEA 0183 port.

    Args:
        require_checksum: reject sentences without ``*HH`` (the default: since NMEA 0183 v2 every
            sentence carries one, and an unchecked line can be a truncated one). Set False for
            old gyros and anemometers that omit it; they are counted either way.
        max_line_chars: longest accepted sentence, ``$`` to checksum, line end excluded. The
            standard's limit is 80 (82 with CR LF); real units exceed it, see ``framing``.
    """

    def __init__(
        self, *, require_checksum: bool = True, max_line_chars: int = DEFAULT_MAX_LINE_CHARS
    ) -> None:
        self._book = CounterBook()
        self._framer = LineFramer(self._book, starts=b"$!", max_line_chars=max_line_chars)
        self._require_checksum = require_checksum

    def feed(self, data: bytes) -> list[NmeaSentence]:
        """Consume bytes; return the sentences they completed. Never raises on any input."""
        sentences = []
        for line in self._framer.feed(data):
            sentence = decode_nmea_line(line, self._require_checksum, self._book)
            if sentence is not None:
                sentences.append(sentence)
        return sentences

    @property
    def counters(self) -> StreamCounters:
        return self._book.snapshot()
