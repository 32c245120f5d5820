"""The NMEA and TSS1 stream decoders under hostile lines: every line is delivered or counted once.

The stream is built so that its lines can be counted from outside: each line begins with one start
character, holds none other, and ends with CR LF; printable noise sits between lines. Whatever a
line says (intact, corrupted, random, over-long), the decoder must deliver it or count it in
exactly one loss counter, and count every noise byte as garbage. The existing tests in
tests/unit/protocol prove the decoders never raise on arbitrary bytes; this is their ledger.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gcs.protocol.nmea.decoder import NmeaDecoder
from gcs.protocol.nmea.framing import DEFAULT_MAX_LINE_CHARS, StreamCounters
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.protocol.tss1 import Tss1Decoder

HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

INTACT_NMEA = [
    "$GPGGA,123519.00,3640.1234,N,12118.5678,E,4,12,0.8,2.1,M,8.5,M,1.0,0000*7C",
    "$GNRMC,123519.00,A,3640.1234,N,12118.5678,E,0.5,54.7,280525,7.1,W,D*0E",
    "$HEHDT,274.07,T*19",
    "$WIMWV,214.8,R,12.4,N,A*1B",
    "$PSXN,23,0.30,-0.97,298.57,0.13*1B",
    "$PHTRO,1.23,M,0.85,T*45",
    "$PHLIN,0.010,-0.020,0.320*7E",
    "$PASHR,163029.000,158.09,T,-0.30,+0.31,+0.01,0.029,0.029,0.059,1,1*3B",
    "$GPGSV,3,1,11,01,45,120,38,03,12,300,22,07,66,045,45,08,30,210,31*7D",
]
INTACT_TSS1 = [":00FFCA -0003F-0325  0319", ":0F01A0  0150 -0250 F1234"]
# Printable ASCII without any start character: what may fill a line or sit between lines.
BODY = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in "$!:")
NOISE = st.text(alphabet=BODY, max_size=20)


def _corrupt(line: str, rng: random.Random) -> str:
    chars = list(line)
    for _ in range(rng.randrange(1, 4)):
        chars[rng.randrange(1, len(chars))] = rng.choice(BODY)
    return "".join(chars)


def _line(kind: str, start: str, body: str, rng: random.Random, *, tss1: bool) -> str:
    if kind == "intact":
        return rng.choice(INTACT_TSS1 if start == ":" else INTACT_NMEA)
    if kind == "corrupted":
        return _corrupt(rng.choice(INTACT_TSS1 if start == ":" else INTACT_NMEA), rng)
    if kind == "over_long":
        return start + (body * (DEFAULT_MAX_LINE_CHARS // max(1, len(body)) + 2) or "X" * 300)
    return start + body  # random


def _stream(draw: st.DrawFn, starts: str, *, tss1: bool) -> tuple[bytes, int, int]:
    """A stream, its number of lines and its number of noise bytes."""
    rng = random.Random(draw(st.integers(0, 2**16)))
    specs = draw(st.lists(st.tuples(st.sampled_from(["intact", "corrupted", "random", "over_long"]),
                                    st.sampled_from(starts), st.text(alphabet=BODY, max_size=60), NOISE),
                          max_size=25))
    out, noise_bytes = [], 0
    for kind, start, body, noise in specs:
        out.append(noise + _line(kind, start, body, rng, tss1=tss1) + "\r\n")
        noise_bytes += len(noise)
    return "".join(out).encode(), len(specs), noise_bytes


@st.composite
def nmea_streams(draw: st.DrawFn) -> tuple[bytes, int, int]:
    return _stream(draw, "$!", tss1=False)


@st.composite
def mixed_streams(draw: st.DrawFn) -> tuple[bytes, int, int]:
    return _stream(draw, "$!:", tss1=True)


@st.composite
def tss1_streams(draw: st.DrawFn) -> tuple[bytes, int, int]:
    return _stream(draw, ":", tss1=True)


def lines_accounted(c: StreamCounters, delivered: int) -> int:
    """Lines the counters account for; an unknown type is delivered (as ``UnknownSentence``) and counted."""
    assert delivered == c.sentences_ok + c.unknown_types_total
    return (c.sentences_ok + c.unknown_types_total + c.checksum_errors + c.missing_checksums + c.malformed
            + c.parse_failures_total + c.over_long + c.truncated)


def _feed(decoder: NmeaDecoder | NmeaTss1Decoder | Tss1Decoder, data: bytes, cut: int) -> int:
    cut %= len(data) + 1
    return len(decoder.feed(data[:cut])) + len(decoder.feed(data[cut:]))


@HOSTILE
@given(stream=nmea_streams(), cut=st.integers(min_value=0))
def test_nmea_decoder_delivers_or_counts_every_line_once(stream: tuple[bytes, int, int], cut: int) -> None:
    data, lines, noise = stream
    decoder = NmeaDecoder(require_checksum=True)
    delivered = _feed(decoder, data, cut)
    assert lines_accounted(decoder.counters, delivered) == lines
    assert decoder.counters.garbage_bytes == noise


@HOSTILE
@given(stream=mixed_streams(), cut=st.integers(min_value=0))
def test_mixed_nmea_tss1_decoder_delivers_or_counts_every_line_once(stream: tuple[bytes, int, int],
                                                                   cut: int) -> None:
    data, lines, noise = stream
    decoder = NmeaTss1Decoder(require_checksum=True)
    delivered = _feed(decoder, data, cut)
    assert lines_accounted(decoder.counters, delivered) == lines
    assert decoder.counters.garbage_bytes == noise


@HOSTILE
@given(stream=tss1_streams(), cut=st.integers(min_value=0))
def test_tss1_decoder_delivers_or_counts_every_record_once(stream: tuple[bytes, int, int], cut: int) -> None:
    data, lines, noise = stream
    decoder = Tss1Decoder()
    delivered = _feed(decoder, data, cut)
    assert lines_accounted(decoder.counters, delivered) == lines
    assert decoder.counters.garbage_bytes == noise
