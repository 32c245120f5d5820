"""TSS1 decoding: the fixed layout, units, signs (already ours), strictness, streams and mixing."""

from __future__ import annotations

import itertools
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcs.errors import FrameError
from gcs.protocol.nmea import Hdt, SentenceType, StreamCounters
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.protocol.tss1 import Tss1, Tss1Aiding, Tss1Decoder, is_tss1_record, parse_tss1

NOVATEL_EXAMPLE = ":00FFCA -0003F-0325  0319"  # NovAtel OEM7 TSS1 log page


def test_novatel_example() -> None:
    record = parse_tss1(NOVATEL_EXAMPLE + "\r\n")
    assert record == Tss1(
        raw=NOVATEL_EXAMPLE,
        horizontal_accel_mps2=0.0,
        vertical_accel_up_mps2=pytest.approx(-54 * 0.000625),  # type: ignore[arg-type]
        heave_up_m=-0.03,
        aiding=Tss1Aiding.FULLY_AIDED,
        settled=True,
        roll_port_up_deg=-3.25,
        pitch_bow_up_deg=3.19,
    )


@pytest.mark.parametrize(
    ("record", "heave_up_m", "roll_port_up_deg", "pitch_bow_up_deg"),
    [
        (":000000  0150F 0200  0300", 1.50, 2.00, 3.00),  # space = positive
        (":000000 -0150F-0200 -0300", -1.50, -2.00, -3.00),
        (":000000 +0150F+0200 +0300", 1.50, 2.00, 3.00),  # '+' from some units
        (":000000  9999F-8999  0001", 99.99, -89.99, 0.01),
    ],
)
def test_signs_pass_through_because_tss1_is_already_our_convention(
    record: str, heave_up_m: float, roll_port_up_deg: float, pitch_bow_up_deg: float
) -> None:
    # TSS1 (NovAtel, Norwegian Subsea, UHDAS): heave + up, roll + port up, pitch + bow up.
    parsed = parse_tss1(record)
    assert (parsed.heave_up_m, parsed.roll_port_up_deg, parsed.pitch_bow_up_deg) == pytest.approx(
        (heave_up_m, roll_port_up_deg, pitch_bow_up_deg)
    )


@pytest.mark.parametrize(
    ("hex_fields", "horizontal", "vertical"),
    [
        ("FF7FFF", 255 * 0.0383, 32767 * 0.000625),
        ("008000", 0.0, -32768 * 0.000625),
        ("01ffff", 0.0383, -0.000625),
    ],
)
def test_accelerations(hex_fields: str, horizontal: float, vertical: float) -> None:
    parsed = parse_tss1(f":{hex_fields}  0000F 0000  0000")
    assert parsed.horizontal_accel_mps2 == pytest.approx(horizontal)
    assert parsed.vertical_accel_up_mps2 == pytest.approx(vertical)


@pytest.mark.parametrize(
    ("letter", "aiding", "settled"),
    [
        ("U", Tss1Aiding.UNAIDED, True),
        ("u", Tss1Aiding.UNAIDED, False),
        ("G", Tss1Aiding.GNSS_AIDED, True),
        ("g", Tss1Aiding.GNSS_AIDED, False),
        ("H", Tss1Aiding.HEADING_AIDED, True),
        ("f", Tss1Aiding.FULLY_AIDED, False),
    ],
)
def test_status_letters(letter: str, aiding: Tss1Aiding, settled: bool) -> None:
    parsed = parse_tss1(f":000000  0000{letter} 0000  0000")
    assert (parsed.aiding, parsed.settled) == (aiding, settled)


@pytest.mark.parametrize(
    "record",
    [
        ":00FFCA -0003X-0325  0319",  # unknown status letter
        ":00FFCA-0003F-0325  0319",  # a column missing: no guessing which
        ":00FFCA -0003F-0325  0319 X",  # extra text
        ":00FFCA -003F-0325   0319",  # three-digit heave
        ":0GFFCA -0003F-0325  0319",  # not hex
        ":00FFCA *0003F-0325  0319",  # bad sign character
        "00FFCA -0003F-0325  0319",  # no start character
        ":00FFCA -0003F-0325 00319",  # sign column holds a digit
        "",
    ],
)
def test_any_deviation_from_the_layout_is_rejected(record: str) -> None:
    assert not is_tss1_record(record)
    with pytest.raises(FrameError):
        parse_tss1(record)
    decoder = Tss1Decoder()
    assert decoder.feed(record.encode() + b"\r\n") == []
    if record.startswith(":"):
        assert decoder.counters.parse_failures == {SentenceType.TSS1: 1}


def test_trailing_blanks_are_padding() -> None:
    assert parse_tss1(NOVATEL_EXAMPLE + "  ").roll_port_up_deg == -3.25


def test_stream_decoder_counts_like_the_nmea_one() -> None:
    decoder = Tss1Decoder()
    stream = (
        NOVATEL_EXAMPLE.encode()
        + b"\r\n"
        + b"\x00\x01junk"
        + NOVATEL_EXAMPLE.encode()
        + b"\n"
        + b":00FFCA -00"
        + NOVATEL_EXAMPLE.encode()
        + b"\r"  # cut off by the next record
        + b":"
        + b"0" * 300
        + b"\r\n"  # over-long
        + b"$GPHDT,274.07,T*19\r\n"  # NMEA on a TSS1-only port is noise
    )
    records = decoder.feed(stream)
    assert len(records) == 3
    assert decoder.counters == StreamCounters(
        sentences_ok=3, garbage_bytes=2 + 4 + len(b"$GPHDT,274.07,T*19"), truncated=1, over_long=1
    )


def test_records_split_across_reads() -> None:
    decoder = Tss1Decoder()
    data = (NOVATEL_EXAMPLE + "\r\n").encode() * 3
    out = [record for byte in data for record in decoder.feed(bytes([byte]))]
    assert [r.raw for r in out] == [NOVATEL_EXAMPLE] * 3


def test_mixed_port_routes_by_start_character() -> None:
    decoder = NmeaTss1Decoder()
    out = decoder.feed(b":00FFCA -0003F-0325  0319\r\n$HEHDT,274.07,T*19\r\n:00FFCA  0003F 0325 -0319\r\n")
    assert [type(item) for item in out] == [Tss1, Hdt, Tss1]
    assert decoder.counters == StreamCounters(sentences_ok=3)


def test_colon_inside_an_nmea_sentence_is_text_not_a_record() -> None:
    # Free text (TXT) may hold ':'; it must neither cut the sentence nor start a TSS1 line.
    body = "GPTXT,01,01,02,ANTSTATUS=OK:12:30"
    line = f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}\r\n".encode()
    decoder = NmeaTss1Decoder()
    (txt,) = decoder.feed(line)
    assert txt.raw == line.decode().rstrip()
    assert decoder.counters.truncated == 0


def test_record_after_noise_with_a_dollar_is_recovered() -> None:
    decoder = NmeaTss1Decoder()
    (record,) = decoder.feed(b"$\x21GA:00FFCA -0003F-0325  0319\r\n")
    assert isinstance(record, Tss1)
    assert record.raw == NOVATEL_EXAMPLE
    assert decoder.counters.truncated == 2  # the '$' fragment and the '!GA' fragment


@settings(deadline=None, max_examples=60)
@given(
    heave_cm=st.integers(-9999, 9999),
    roll_cdeg=st.integers(-9999, 9999),
    pitch_cdeg=st.integers(-9999, 9999),
    h=st.integers(0, 255),
    v=st.integers(-32768, 32767),
    status=st.sampled_from("UuGgHhFf"),
)
def test_every_valid_record_decodes_exactly(
    heave_cm: int, roll_cdeg: int, pitch_cdeg: int, h: int, v: int, status: str
) -> None:
    def signed(n: int) -> str:
        return ("-" if n < 0 else " ") + f"{abs(n):04d}"

    text = f":{h:02X}{v & 0xFFFF:04X} {signed(heave_cm)}{status}{signed(roll_cdeg)} {signed(pitch_cdeg)}"
    assert len(text) == 25
    record = parse_tss1(text)
    assert record.heave_up_m == pytest.approx(heave_cm / 100)
    assert record.roll_port_up_deg == pytest.approx(roll_cdeg / 100)
    assert record.pitch_bow_up_deg == pytest.approx(pitch_cdeg / 100)
    assert record.horizontal_accel_mps2 == pytest.approx(h * 0.0383)
    assert record.vertical_accel_up_mps2 == pytest.approx(v * 0.000625)


@settings(deadline=None, max_examples=60)
@given(data=st.binary(max_size=800), cuts=st.lists(st.integers(0, 800), max_size=20))
def test_tss1_decoder_is_total_and_chunking_free(data: bytes, cuts: list[int]) -> None:
    data = data + (NOVATEL_EXAMPLE + "\r\n").encode()
    whole = Tss1Decoder()
    expected = whole.feed(data)
    chunked = Tss1Decoder()
    got = []
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for start, stop in itertools.pairwise(bounds):
        got += chunked.feed(data[start:stop])
    assert got == expected
    assert chunked.counters == whole.counters
    assert expected[-1].raw == NOVATEL_EXAMPLE
