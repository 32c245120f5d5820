"""NMEA 0183 decoding: real-looking sentences from several vendors, sign conventions per vendor,
every kind of broken input counted, golden streams, and properties over chunking and noise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import itertools
import json
import math
import os
from collections.abc import Mapping
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gcs.errors import FrameError
from gcs.protocol.nmea import (
    FixQuality,
    Gga,
    Hdt,
    Mwv,
    NmeaDecoder,
    Pashr,
    Phlin,
    Phtro,
    PositioningMode,
    Psxn23,
    Rmc,
    SentenceType,
    StreamCounters,
    TransducerKind,
    UnknownSentence,
    Vtg,
    WindReference,
    Xdr,
    Zda,
    parse_nmea,
)
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.protocol.tss1 import Tss1

DATA = Path(__file__).parents[2] / "data" / "nmea"
KN = 1852 / 3600


def cs(body: str) -> str:
    """A sentence with its checksum, computed here independently of the decoder."""
    return f"${body}*{reduce(lambda acc, ch: acc ^ ord(ch), body, 0):02X}"


def decode_one(line: str, **options: Any) -> tuple[list[Any], StreamCounters]:
    decoder = NmeaDecoder(**options)
    out = decoder.feed(line.encode("latin-1") + b"\r\n")
    return out, decoder.counters


# --- real-looking sentences ----------------------------------------------------------------------

# (vendor / source, sentence, expected type, expected fields). Checksums of the literal lines are
# as published (domain.md 3.3, NovAtel OEM7 PASHR log, a Phins log, go-nmea's PHTRO example).
VALID: list[tuple[str, str, type, dict[str, Any]]] = [
    (
        "generic GNSS",
        "$GPGGA,123519.00,3640.1234,N,12118.5678,E,4,12,0.8,2.1,M,8.5,M,1.0,0000*7C",
        Gga,
        {
            "talker": "GP",
            "latitude_deg": 36 + 40.1234 / 60,
            "longitude_deg": 121 + 18.5678 / 60,
            "fix_quality": FixQuality.RTK_FIXED,
            "satellites_used": 12,
            "hdop": 0.8,
            "altitude_msl_m": 2.1,
            "geoid_separation_m": 8.5,
            "dgps_age_s": 1.0,
            "dgps_station_id": "0000",
            "time_utc": dt.time(12, 35, 19, tzinfo=dt.UTC),
        },
    ),
    (
        "generic GNSS",
        "$GNRMC,123519.00,A,3640.1234,N,12118.5678,E,0.5,54.7,280525,7.1,W,D*0E",
        Rmc,
        {
            "talker": "GN",
            "valid": True,
            "speed_over_ground_mps": 0.5 * KN,
            "course_true_deg": 54.7,
            "date_utc": dt.date(2025, 5, 28),
            "magnetic_variation_east_deg": -7.1,
            "mode": PositioningMode.DIFFERENTIAL,
        },
    ),
    (
        "generic GNSS",
        "$GPVTG,54.7,T,61.8,M,0.5,N,0.9,K,D*23",
        Vtg,
        {"course_true_deg": 54.7, "course_magnetic_deg": 61.8, "speed_over_ground_mps": 0.5 * KN},
    ),
    (
        "generic GNSS",
        "$GPZDA,123519.00,28,05,2025,00,00*61",
        Zda,
        {
            "datetime_utc": dt.datetime(2025, 5, 28, 12, 35, 19, tzinfo=dt.UTC),
            "local_offset": dt.timedelta(0),
        },
    ),
    ("gyro", "$HEHDT,274.07,T*19", Hdt, {"talker": "HE", "heading_true_deg": 274.07}),
    (
        "anemometer",
        "$WIMWV,214.8,R,12.4,N,A*1B",
        Mwv,
        {
            "wind_angle_deg": 214.8,
            "reference": WindReference.RELATIVE,
            "wind_speed_mps": 12.4 * KN,
            "valid": True,
        },
    ),
    (
        "Kongsberg Seapath",
        "$PSXN,23,0.30,-0.97,298.57,0.13*1B",
        Psxn23,
        {
            "talker": "P",
            "roll_port_up_deg": 0.30,
            "pitch_bow_up_deg": -0.97,
            "heading_true_deg": 298.57,
            "heave_up_m": -0.13,
        },
    ),
    (
        "NovAtel SPAN",
        "$PASHR,163029.000,158.09,T,-0.30,+0.31,+0.01,0.029,0.029,0.059,1,1*3B",
        Pashr,
        {
            "time_utc": dt.time(16, 30, 29, tzinfo=dt.UTC),
            "heading_true_deg": 158.09,
            "roll_port_up_deg": -0.30,
            "pitch_bow_up_deg": 0.31,
            "heave_up_m": 0.01,
            "roll_sigma_deg": 0.029,
            "heading_sigma_deg": 0.059,
            "gnss_quality": 1,
            "imu_status": 1,
        },
    ),
    ("iXblue Phins", "$HEHDT,5.021,T*29", Hdt, {"heading_true_deg": 5.021}),
    ("iXblue Phins", "$PHTRO,1.72,M,0.34,T*4B", Phtro, {"pitch_bow_up_deg": 1.72, "roll_port_up_deg": 0.34}),
    (
        "iXblue Phins",
        "$PHLIN,0.335,0.407,0.542*54",
        Phlin,
        {"surge_bow_m": 0.335, "sway_port_m": 0.407, "heave_up_m": 0.542},
    ),
    (
        "iXblue (go-nmea)",
        "$PHTRO,10.37,P,177.62,T*65",
        Phtro,
        {"pitch_bow_up_deg": -10.37, "roll_port_up_deg": 177.62},
    ),
    ("transducers", "$YXXDR,A,-1.23,D,PITCH,A,0.85,D,ROLL,D,0.32,M,HEAVE*7D", Xdr, {}),
    # Hand-made variants (checksums computed here).
    (
        "Trimble PASHR, 2 decimals",
        cs("PASHR,123525.00,181.30,T,+0.12,-0.34,+0.05,0.021,0.021,0.051,4,3"),
        Pashr,
        {"time_utc": dt.time(12, 35, 25, tzinfo=dt.UTC), "roll_port_up_deg": 0.12, "gnss_quality": 4},
    ),
    (
        "PASHR without time decimals (pynmea2 cannot)",
        cs("PASHR,123519,274.07,T,0.85,-1.23,0.32,,,,,"),
        Pashr,
        {"time_utc": dt.time(12, 35, 19, tzinfo=dt.UTC), "pitch_bow_up_deg": -1.23, "roll_sigma_deg": None},
    ),
    (
        "PASHR heading not flagged true",
        cs("PASHR,123519.0,274.07,,0.85,-1.23,0.32"),
        Pashr,
        {"heading_true_deg": None, "roll_port_up_deg": 0.85},
    ),
    (
        "receiver without a fix",
        cs("GPGGA,123523.00,,,,,0,00,99.99,,,,,,"),
        Gga,
        {
            "latitude_deg": None,
            "longitude_deg": None,
            "fix_quality": FixQuality.NO_FIX,
            "hdop": 99.99,
            "altitude_msl_m": None,
        },
    ),
    (
        "southern and western hemispheres",
        cs("GNGGA,010203.5,3351.4071,S,15112.9178,W,5,09,1.2,-3.4,M,22.1,M,,"),
        Gga,
        {
            "latitude_deg": -(33 + 51.4071 / 60),
            "longitude_deg": -(151 + 12.9178 / 60),
            "altitude_msl_m": -3.4,
            "time_utc": dt.time(1, 2, 3, 500000, tzinfo=dt.UTC),
        },
    ),
    (
        "RMC void",
        cs("GNRMC,123523.00,V,,,,,,,280525,,,N"),
        Rmc,
        {"valid": False, "latitude_deg": None, "mode": PositioningMode.NOT_VALID},
    ),
    (
        "RMC at a leap second",
        cs("GPRMC,235960.00,A,3640.1234,N,12118.5678,E,0.0,0.0,311216,,"),
        Rmc,
        {
            "time_utc": dt.time(23, 59, 59, 999999, tzinfo=dt.UTC),
            "date_utc": dt.date(2016, 12, 31),
            "mode": None,
        },
    ),
    (
        "VTG with km/h only",
        cs("GPVTG,10.0,T,,M,,N,36.0,K,A"),
        Vtg,
        {"speed_over_ground_mps": 10.0, "mode": PositioningMode.AUTONOMOUS},
    ),
    (
        "ZDA with a local zone",
        cs("GPZDA,050000.00,01,01,2026,-05,30"),
        Zda,
        {"local_offset": -dt.timedelta(hours=5, minutes=30)},
    ),
    ("ZDA without zone fields", cs("INZDA,123519.00,28,05,2025,,"), Zda, {"local_offset": None}),
    ("HDT at north printed as 360", cs("HEHDT,360.00,T"), Hdt, {"heading_true_deg": 0.0}),
    (
        "MWV true wind in m/s",
        cs("WIMWV,34.8,T,6.4,M,A"),
        Mwv,
        {"reference": WindReference.TRUE, "wind_speed_mps": 6.4},
    ),
    ("MWV in km/h", cs("WIMWV,10.0,R,36.0,K,A"), Mwv, {"wind_speed_mps": 10.0}),
    ("MWV in mph, void", cs("IIMWV,10.0,R,10.0,S,V"), Mwv, {"wind_speed_mps": 4.4704, "valid": False}),
    ("lowercase checksum hex", "$PSXN,23,0.30,-0.97,298.57,0.13*1b", Psxn23, {"heave_up_m": -0.13}),
    ("trailing blanks after the checksum", "$HEHDT,274.07,T*19  ", Hdt, {"heading_true_deg": 274.07}),
    ("extra trailing fields (a newer standard)", cs("HEHDT,274.07,T,X,Y"), Hdt, {"heading_true_deg": 274.07}),
]


@pytest.mark.parametrize(("source", "line", "kind", "expected"), VALID, ids=[v[0] for v in VALID])
def test_real_sentences_decode_to_typed_values(
    source: str, line: str, kind: type[Any], expected: dict[str, Any]
) -> None:
    out, counters = decode_one(line)
    assert len(out) == 1, counters
    sentence = out[0]
    assert type(sentence) is kind
    assert sentence.raw == line.rstrip(" ")
    for name, value in expected.items():
        got = getattr(sentence, name)
        if isinstance(value, float):
            assert got == pytest.approx(value, abs=1e-9), name
        else:
            assert got == value, name
    assert counters.sentences_ok == 1
    assert counters == StreamCounters(sentences_ok=1)


def test_xdr_keeps_every_quadruplet() -> None:
    (xdr,), _ = decode_one("$YXXDR,A,-1.23,D,PITCH,A,0.85,D,ROLL,D,0.32,M,HEAVE*7D")
    assert isinstance(xdr, Xdr)
    assert [(t.kind, t.value, t.units, t.name) for t in xdr.transducers] == [
        (TransducerKind.ANGULAR_DISPLACEMENT, -1.23, "D", "PITCH"),
        (TransducerKind.ANGULAR_DISPLACEMENT, 0.85, "D", "ROLL"),
        (TransducerKind.LINEAR_DISPLACEMENT, 0.32, "M", "HEAVE"),
    ]
    (odd,), _ = decode_one(cs("WIXDR,X,1.5,,FOO,C,,C,AIRTEMP"))
    assert [(t.kind, t.type_code, t.value) for t in odd.transducers] == [
        (None, "X", 1.5),
        (TransducerKind.TEMPERATURE, "C", None),
    ]


# --- sign conventions, one test per vendor ------------------------------------------------------


def test_seapath_heave_is_positive_down_on_the_wire() -> None:
    # Kongsberg: roll + starboard down (port up), pitch + bow up, heave + DOWN.
    (up,), _ = decode_one(cs("PSXN,23,1.50,2.50,10.00,-0.40"))
    assert (up.roll_port_up_deg, up.pitch_bow_up_deg, up.heave_up_m) == (1.5, 2.5, 0.4)
    (down,), _ = decode_one(cs("PSXN,23,-1.50,-2.50,10.00,0.40"))
    assert (down.roll_port_up_deg, down.pitch_bow_up_deg, down.heave_up_m) == (-1.5, -2.5, -0.4)


@pytest.mark.parametrize(
    ("fields", "pitch_bow_up", "roll_port_up"),
    [
        ("1.23,M,0.85,T", 1.23, 0.85),
        ("1.23,P,0.85,T", -1.23, 0.85),
        ("1.23,M,0.85,B", 1.23, -0.85),
        ("1.23,P,0.85,B", -1.23, -0.85),
        ("0.00,P,0.00,B", 0.0, 0.0),
    ],
)
def test_ixblue_phtro_direction_letters(fields: str, pitch_bow_up: float, roll_port_up: float) -> None:
    # iXblue: M bow up, P bow down; T port up, B port down; magnitudes unsigned.
    (phtro,), _ = decode_one(cs(f"PHTRO,{fields}"))
    assert (phtro.pitch_bow_up_deg, phtro.roll_port_up_deg) == (pitch_bow_up, roll_port_up)


def test_ixblue_phlin_heave_is_positive_up() -> None:
    (phlin,), _ = decode_one(cs("PHLIN,0.100,-0.200,-0.300"))
    assert (phlin.surge_bow_m, phlin.sway_port_m, phlin.heave_up_m) == (0.1, -0.2, -0.3)


def test_pashr_roll_pitch_heave_pass_through() -> None:
    (pashr,), _ = decode_one(cs("PASHR,000000.000,0.00,T,+1.00,-2.00,-0.50,,,,,"))
    assert (pashr.roll_port_up_deg, pashr.pitch_bow_up_deg, pashr.heave_up_m) == (1.0, -2.0, -0.5)


# --- everything that goes wrong is counted --------------------------------------------------------

PARSE_FAILURES: list[tuple[str, str, SentenceType]] = [
    ("NaN altitude", cs("GPGGA,123519.00,3640.1234,N,12118.5678,E,4,12,0.8,nan,M,8.5,M,,"), SentenceType.GGA),
    (
        "altitude in feet",
        cs("GNGGA,123525.00,3351.4071,S,15112.9178,W,4,12,0.8,12.3,F,22.1,M,,"),
        SentenceType.GGA,
    ),
    (
        "latitude without longitude",
        cs("GPGGA,123519.00,3640.1234,N,,,4,12,0.8,2.1,M,8.5,M,,"),
        SentenceType.GGA,
    ),
    (
        "hemisphere letter X",
        cs("GPGGA,123519.00,3640.1234,X,12118.5678,E,4,12,0.8,2.1,M,8.5,M,,"),
        SentenceType.GGA,
    ),
    ("60 minutes", cs("GPGGA,123519.00,3660.0000,N,12118.5678,E,4,12,0.8,2.1,M,8.5,M,,"), SentenceType.GGA),
    ("latitude 91", cs("GPGGA,123519.00,9100.0000,N,12118.5678,E,4,12,0.8,2.1,M,8.5,M,,"), SentenceType.GGA),
    (
        "fix quality 9",
        cs("GPGGA,123519.00,3640.1234,N,12118.5678,E,9,12,0.8,2.1,M,8.5,M,,"),
        SentenceType.GGA,
    ),
    ("time 25:00", cs("GPGGA,250000.00,3640.1234,N,12118.5678,E,4,12,0.8,2.1,M,8.5,M,,"), SentenceType.GGA),
    ("date 32 May", cs("GNRMC,123519.00,A,3640.1234,N,12118.5678,E,0.5,54.7,320525,,,D"), SentenceType.RMC),
    (
        "variation without E/W",
        cs("GNRMC,123519.00,A,3640.1234,N,12118.5678,E,0.5,54.7,280525,7.1,,D"),
        SentenceType.RMC,
    ),
    ("status Q", cs("GNRMC,123519.00,Q,3640.1234,N,12118.5678,E,0.5,54.7,280525,,,D"), SentenceType.RMC),
    ("VTG before NMEA 2.3 (no unit letters)", cs("GPVTG,054.7,034.4,005.5,010.2"), SentenceType.VTG),
    ("31 February", cs("GPZDA,123519.00,31,02,2025,00,00"), SentenceType.ZDA),
    ("heading 361", cs("HEHDT,361.00,T"), SentenceType.HDT),
    ("heading infinity", cs("HEHDT,inf,T"), SentenceType.HDT),
    ("heading magnetic flag", cs("HEHDT,274.07,M"), SentenceType.HDT),
    ("wind angle NaN", cs("WIMWV,nan,R,12.0,N,A"), SentenceType.MWV),
    ("wind unit X", cs("WIMWV,214.8,R,12.4,X,A"), SentenceType.MWV),
    ("wind speed without unit", cs("WIMWV,214.8,R,12.4,,A"), SentenceType.MWV),
    ("negative wind speed", cs("WIMWV,214.8,R,-1.0,N,A"), SentenceType.MWV),
    ("XDR not in quadruplets", cs("YXXDR,A,-1.23,D"), SentenceType.XDR),
    ("XDR value 1e5 style", cs("YXXDR,A,1e5,D,PITCH"), SentenceType.XDR),
    ("PSXN,23 roll with underscore", cs("PSXN,23,1_0,-0.97,298.57,0.13"), SentenceType.PSXN23),
    ("PSXN,23 heave infinity", cs("PSXN,23,0.30,-0.97,298.57,inf"), SentenceType.PSXN23),
    ("PSXN,23 pitch 95", cs("PSXN,23,0.30,95.0,298.57,0.13"), SentenceType.PSXN23),
    ("PASHR time 25", cs("PASHR,25,274.07,T,0.85,-1.23,0.32"), SentenceType.PASHR),
    ("PASHR roll 200", cs("PASHR,123519.000,274.07,T,200.0,-1.23,0.32"), SentenceType.PASHR),
    ("PHTRO signed magnitude", cs("PHTRO,-1.23,M,0.85,T"), SentenceType.PHTRO),
    ("PHTRO letter X", cs("PHTRO,1.23,X,0.85,T"), SentenceType.PHTRO),
    ("PHTRO value without letter", cs("PHTRO,1.23,,0.85,T"), SentenceType.PHTRO),
    ("PHLIN heave with spaces", cs("PHLIN,0.010,-0.020, 0.320"), SentenceType.PHLIN),
]


@pytest.mark.parametrize(("case", "line", "kind"), PARSE_FAILURES, ids=[p[0] for p in PARSE_FAILURES])
def test_checksum_valid_nonsense_is_a_counted_parse_failure(case: str, line: str, kind: SentenceType) -> None:
    out, counters = decode_one(line)
    assert out == []
    assert counters.parse_failures == {kind: 1}
    assert counters.parse_failures_total == 1
    assert counters.sentences_ok == 0
    with pytest.raises(FrameError, match=str(kind)):
        parse_nmea(line)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("$HEHDT,274.07,T*18", "checksum_errors"),  # one bit off
        ("$HEHDT,274.07,T*1", "checksum_errors"),  # one digit
        ("$HEHDT,274.07,T*ZZ", "checksum_errors"),  # not hex
        ("$HEHDT,274.07,T*195", "checksum_errors"),  # three digits
        ("$HEHDT,274.07,T", "missing_checksums"),
        (cs("G,1,2"), "malformed"),  # address too short
        (cs("gpgga,1,2"), "malformed"),  # lowercase address
        (cs(""), "malformed"),
        ("$", "missing_checksums"),  # nothing at all: counted as what it lacks first
    ],
)
def test_rejected_lines_are_counted(line: str, field: str) -> None:
    out, counters = decode_one(line)
    assert out == []
    assert getattr(counters, field) == 1
    others: dict[str, Any] = {field: 0}
    assert dataclasses.replace(counters, **others) == StreamCounters()


def test_missing_checksum_accepted_when_allowed_and_still_counted() -> None:
    out, counters = decode_one("$HEHDT,274.07,T", require_checksum=False)
    assert [type(s) for s in out] == [Hdt]
    assert (counters.sentences_ok, counters.missing_checksums) == (1, 1)
    # Even when allowed, a present but wrong checksum is rejected.
    out, counters = decode_one("$HEHDT,274.07,T*18", require_checksum=False)
    assert (out, counters.checksum_errors) == ([], 1)


@pytest.mark.parametrize(
    ("line", "type_name"),
    [
        ("$GPGSV,3,1,11,01,45,120,38,03,12,300,22,07,66,045,45,08,30,210,31*7D", "GSV"),
        ("$PSXN,20,0,0,0,0*3B", "PSXN,20"),
        (cs("PASHR,ATT,88536.0000,345.9640,0.0390,-0.9052,0.0024,0.0144,0"), "PASHR,ATT"),
        (cs("PHSPD,0.016,0.309,0.001"), "PHSPD"),
        ("!AIVDM,1,1,,B,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*4D", "VDM"),  # AIS, '!' encapsulation
    ],
)
def test_unknown_types_come_back_as_unknown_sentences(line: str, type_name: str) -> None:
    out, counters = decode_one(line)
    (unknown,) = out
    assert isinstance(unknown, UnknownSentence)
    assert unknown.type_name == type_name
    assert counters.unknown_types == {type_name: 1}
    assert counters.sentences_ok == 0


def test_unknown_type_names_are_bounded() -> None:
    decoder = NmeaDecoder()
    decoder.feed(b"".join(cs(f"GP{a}{b}Z,1").encode() + b"\r\n" for a in "ABCDEFG" for b in "ABCDEFG"))
    counters = decoder.counters
    assert counters.unknown_types_total == 49
    assert len(counters.unknown_types) == 33
    assert counters.unknown_types["(other)"] == 49 - 32


def test_counters_are_an_immutable_snapshot() -> None:
    decoder = NmeaDecoder()
    decoder.feed(b"$HEHDT,274.07,T*19\r\n")
    snapshot = decoder.counters
    decoder.feed(b"$HEHDT,274.07,T*19\r\n")
    assert snapshot.sentences_ok == 1
    assert decoder.counters.sentences_ok == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.sentences_ok = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        snapshot.parse_failures[SentenceType.GGA] = 1  # type: ignore[index]


def test_parse_nmea_single_lines() -> None:
    assert isinstance(parse_nmea("$HEHDT,274.07,T*19\r\n"), Hdt)
    assert isinstance(parse_nmea("$HEHDT,274.07,T", require_checksum=False), Hdt)
    for bad in ("$HEHDT,274.07,T", "$HEHDT,274.07,T*18", "HEHDT,274.07,T*19", "$HEHDT,27\x004.07,T*19", ""):
        with pytest.raises(FrameError):
            parse_nmea(bad)


# --- framing ---------------------------------------------------------------------------------------

LINES = ["$HEHDT,274.07,T*19", "$PSXN,23,0.30,-0.97,298.57,0.13*1B", "$PHTRO,1.23,M,0.85,T*45"]


@pytest.mark.parametrize("ending", [b"\r\n", b"\n", b"\r", b"\n\r", b"\r\r\n"])
def test_any_line_ending(ending: bytes) -> None:
    decoder = NmeaDecoder()
    out = decoder.feed(b"".join(line.encode() + ending for line in LINES))
    assert [s.raw for s in out] == LINES
    assert decoder.counters == StreamCounters(sentences_ok=3)


def test_partial_sentences_wait_for_their_end() -> None:
    decoder = NmeaDecoder()
    assert decoder.feed(b"$PSXN,23,0.30,-0.9") == []
    assert decoder.feed(b"7,298.57,0.13*1B") == []
    (sentence,) = decoder.feed(b"\r\n")
    assert isinstance(sentence, Psxn23)
    assert decoder.counters == StreamCounters(sentences_ok=1)


def test_over_long_lines_are_dropped_and_counted() -> None:
    long_ok = cs("GPTXT,01,01,02," + "A" * 150)  # 171 chars: beyond the standard's 80, accepted
    too_long = "$GNGGA," + "9" * 300 + "*00"
    decoder = NmeaDecoder()
    out = decoder.feed(f"{long_ok}\r\n{too_long}\r\n$HEHDT,274.07,T*19\r\n".encode())
    assert [type(s) for s in out] == [UnknownSentence, Hdt]
    assert decoder.counters.over_long == 1
    assert decoder.counters.garbage_bytes == 0
    strict = NmeaDecoder(max_line_chars=80)
    assert strict.feed(f"{long_ok}\r\n".encode()) == []
    assert strict.counters.over_long == 1


def test_over_long_line_ends_at_the_next_sentence_start() -> None:
    decoder = NmeaDecoder()
    out = decoder.feed(b"$GPGGA," + b"1" * 400 + b"$HEHDT,274.07,T*19\r\n")
    assert [s.raw for s in out] == ["$HEHDT,274.07,T*19"]
    assert (decoder.counters.over_long, decoder.counters.truncated) == (1, 0)


def test_garbage_between_sentences_is_counted_per_byte() -> None:
    decoder = NmeaDecoder()
    out = decoder.feed(b"\x00\xff abc$HEHDT,274.07,T*19\r\n\xb5\x62\x01\x07\r\n$HEHDT,274.07,T*19\r\n")
    assert len(out) == 2
    assert decoder.counters.garbage_bytes == 6 + 4
    assert decoder.counters.truncated == 0


def test_a_new_start_truncates_the_sentence_before_it() -> None:
    decoder = NmeaDecoder()
    out = decoder.feed(b"$GPGGA,123519.00,36$HEHDT,274.07,T*19\r\n")
    assert [s.raw for s in out] == ["$HEHDT,274.07,T*19"]
    assert decoder.counters == StreamCounters(sentences_ok=1, truncated=1)


def test_a_binary_byte_inside_a_sentence_abandons_it() -> None:
    decoder = NmeaDecoder()
    assert decoder.feed(b"$HEHDT,27\x004.07,T*19\r\n$HEHDT,274.07,T*19\r\n") != []
    # the NUL, then "4.07,T*19" as noise outside any line
    assert decoder.counters == StreamCounters(sentences_ok=1, truncated=1, garbage_bytes=1 + 9)


def test_tag_block_before_a_sentence_costs_only_itself() -> None:
    decoder = NmeaDecoder()
    tag = b"\\s:r003669,c:1241544035*4A\\"
    (sentence,) = decoder.feed(tag + b"$HEHDT,274.07,T*19\r\n")
    assert isinstance(sentence, Hdt)
    assert decoder.counters.garbage_bytes == len(tag)


def test_decoder_options_are_checked() -> None:
    with pytest.raises(ValueError, match="max_line_chars"):
        NmeaDecoder(max_line_chars=1)
    with pytest.raises(ValueError, match="max_line_chars"):
        NmeaTss1Decoder(max_line_chars=20)


# --- golden streams ------------------------------------------------------------------------------

GOLDEN = ["seapath.nmea", "ixblue_phins.nmea", "gnss_anemometer.nmea", "tss1_mru.txt"]


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "raw"
        }
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    return value


def summarise(items: list[Any], counters: StreamCounters) -> dict[str, Any]:
    return {
        "decoded": [{"type": type(item).__name__, **jsonable(item)} for item in items],
        "counters": {
            f.name: dict(sorted((str(k), v) for k, v in value.items()))
            if isinstance(value, Mapping)
            else value
            for f in dataclasses.fields(counters)
            for value in [getattr(counters, f.name)]
        },
    }


def decode_file(name: str, decoder: Any = None) -> tuple[list[Any], StreamCounters]:
    decoder = decoder or NmeaTss1Decoder()
    items = decoder.feed((DATA / name).read_bytes())
    return items, decoder.counters


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_streams(name: str) -> None:
    """Decoded values and counters of each recorded-style stream, as reviewed in the .json.

    Regenerate after a deliberate change with ``UPDATE_GOLDEN=1 pytest tests/unit/protocol`` and
    review the diff: every value there was checked by hand against the stream once.
    """
    items, counters = decode_file(name)
    summary = json.loads(json.dumps(summarise(items, counters)))
    expected_path = DATA / (name.rsplit(".", 1)[0] + ".expected.json")
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(summary, indent=1) + "\n")
    assert summary == json.loads(expected_path.read_text())


def test_golden_stream_losses_are_the_planted_faults() -> None:
    # Each stream was written with known faults; the counters must name exactly those.
    _, seapath = decode_file("seapath.nmea")
    assert (seapath.checksum_errors, seapath.truncated, seapath.garbage_bytes) == (1, 1, 6)
    assert seapath.unknown_types == {"PSXN,20": 3}
    _, ixblue = decode_file("ixblue_phins.nmea")
    assert ixblue.missing_checksums == 1
    assert ixblue.unknown_types == {"PHSPD": 20, "PHINF": 2}
    _, gnss = decode_file("gnss_anemometer.nmea")
    assert gnss.over_long == 1
    assert gnss.parse_failures == {SentenceType.MWV: 1, SentenceType.GGA: 1}
    assert gnss.unknown_types == {"GSV": 4}
    _, tss1 = decode_file("tss1_mru.txt")
    assert tss1.parse_failures == {SentenceType.TSS1: 1}
    assert tss1.truncated == 2  # the '$' and the '!' of the noise, each cut short


def test_golden_seapath_heave_is_normalised() -> None:
    items, _ = decode_file("seapath.nmea")
    raw_heave = [float(s.raw.split(",")[5].split("*")[0]) for s in items if isinstance(s, Psxn23)]
    assert [s.heave_up_m for s in items if isinstance(s, Psxn23)] == [-h for h in raw_heave]
    assert len(raw_heave) == 30 - 2  # one corrupted, one truncated; the noisy one survives


# --- properties ----------------------------------------------------------------------------------

STREAMS = {name: (DATA / name).read_bytes() for name in GOLDEN}
FAST = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(name=st.sampled_from(GOLDEN), cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=40))
def test_any_chunking_decodes_identically(name: str, cuts: list[int]) -> None:
    stream = STREAMS[name]
    whole = NmeaTss1Decoder()
    expected = whole.feed(stream)
    chunked = NmeaTss1Decoder()
    got: list[Any] = []
    bounds = [0, *sorted(c % (len(stream) + 1) for c in cuts), len(stream)]
    for start, stop in itertools.pairwise(bounds):
        got += chunked.feed(stream[start:stop])
    assert got == expected
    assert chunked.counters == whole.counters


NMEA_ALPHABET = "$!:*,.-+ 0123456789ABCDEFGHILMNPRSTVWXZ\r\n"


@FAST
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.text(alphabet=NMEA_ALPHABET, max_size=600).map(str.encode),
    ),
    require=st.booleans(),
)
def test_arbitrary_bytes_never_raise(data: bytes, require: bool) -> None:
    for decoder in (NmeaDecoder(require_checksum=require), NmeaTss1Decoder(require_checksum=require)):
        items = decoder.feed(data)
        counters = decoder.counters
        assert counters.sentences_ok + counters.unknown_types_total == len(items)


@FAST
@given(
    name=st.sampled_from(GOLDEN),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=30),
    require=st.booleans(),
)
def test_corrupted_real_streams_never_raise(name: str, edits: list[tuple[int, int]], require: bool) -> None:
    stream = bytearray(STREAMS[name])
    for position, byte in edits:
        stream[position % len(stream)] = byte
    decoder = NmeaTss1Decoder(require_checksum=require)
    for item in decoder.feed(bytes(stream)):
        for f in dataclasses.fields(item):
            value = getattr(item, f.name)
            assert not (isinstance(value, float) and not math.isfinite(value)), (item, f.name)


INTACT = [
    b"$GPGGA,123519.00,3640.1234,N,12118.5678,E,4,12,0.8,2.1,M,8.5,M,1.0,0000*7C\r\n",
    b"$GNRMC,123519.00,A,3640.1234,N,12118.5678,E,0.5,54.7,280525,7.1,W,D*0E\r\n",
    b"$HEHDT,274.07,T*19\r\n",
    b"$WIMWV,214.8,R,12.4,N,A*1B\r\n",
    b"$PSXN,23,0.30,-0.97,298.57,0.13*1B\r\n",
    b"$PHTRO,1.23,M,0.85,T*45\r\n",
    b"$PHLIN,0.010,-0.020,0.320*7E\r\n",
    b":00FFCA -0003F-0325  0319\r\n",
    b"$PASHR,163029.000,158.09,T,-0.30,+0.31,+0.01,0.029,0.029,0.059,1,1*3B\r\n",
    b"$GPGSV,3,1,11,01,45,120,38,03,12,300,22,07,66,045,45,08,30,210,31*7D\r\n",
]


@FAST
@given(
    order=st.lists(st.sampled_from(INTACT), min_size=1, max_size=12),
    noise=st.lists(st.binary(max_size=64), min_size=13, max_size=13),
    require=st.booleans(),
)
def test_garbage_between_sentences_never_loses_an_intact_one(
    order: list[bytes], noise: list[bytes], require: bool
) -> None:
    stream = b"".join(n + s for n, s in zip(noise, order, strict=False)) + noise[-1]
    decoder = NmeaTss1Decoder(require_checksum=require)
    raws = iter(item.raw for item in decoder.feed(stream))
    for sentence in order:  # every intact sentence, in order (noise may add decodable extras)
        wanted = sentence.decode().rstrip("\r\n")
        assert any(raw == wanted for raw in raws), (wanted, stream)


def test_garbage_between_nmea_only_sentences_never_loses_one() -> None:
    # The same property on the NMEA-only decoder, exhaustively over awkward noise.
    sentences = [s for s in INTACT if s.startswith(b"$")]
    for noise in (
        b"$",
        b"!",
        b"$$$",
        b"\x00",
        b"*",
        b"$GPGGA,1*",
        b"\r",
        b"\n\r$\r",
        b":" * 30,
        b"$" + b"x" * 300,
    ):
        decoder = NmeaDecoder()
        stream = b"".join(noise + s for s in sentences)
        assert [s.raw + "\r\n" for s in decoder.feed(stream)] == [s.decode() for s in sentences], noise


def test_tss1_records_in_a_mixed_stream_are_routed() -> None:
    decoder = NmeaTss1Decoder()
    out = decoder.feed(b"$HEHDT,274.07,T*19\r\n:00FFCA -0003F-0325  0319\r\n$PHTRO,1.23,M,0.85,T*45\r\n")
    assert [type(item) for item in out] == [Hdt, Tss1, Phtro]
