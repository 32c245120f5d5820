"""The standard sentences' own field split against ``pynmea2.parse`` on the same lines.

``gcs.protocol.nmea.sentences`` splits the usual line itself and leaves anything unusual to
pynmea2; for every line here both ways must give the same sentence, or fail with the same error.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gcs.protocol.nmea import sentences
from gcs.protocol.nmea.decoder import nmea_checksum, parse_nmea
from gcs.protocol.nmea.fields import FieldError

_PARSERS: dict[str, Callable[[str, str, str], Any]] = {
    "GGA": sentences.parse_gga,
    "RMC": sentences.parse_rmc,
    "VTG": sentences.parse_vtg,
    "ZDA": sentences.parse_zda,
    "HDT": sentences.parse_hdt,
    "MWV": sentences.parse_mwv,
    "XDR": sentences.parse_xdr,
}

# Bodies as a sensor box sends them, then the odd ones: empty and missing fields, extra fields,
# other talkers, lower case, stray stars, a 'P' talker, junk values.
BODIES = [
    "GNGGA,123519.00,4807.0380,N,01131.0000,E,4,12,0.8,545.4,M,46.9,M,,",
    "GNGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47",
    "GPGGA,,,,,,0,00,99.99,,,,,,",
    "GPGGA,123519,4807.038,N",
    "GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,,extra,fields",
    "GNRMC,123519.00,A,4807.0380,N,01131.0000,E,0.5,84.4,230394,003.1,W,R",
    "GNRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,,",
    "GNRMC,123519,V,,,,,,,230394,,,N",
    "GNRMC,123519,A,4807.038,N,01131.000,E,nan,084.4,230394,,",
    "GNVTG,84.4,T,,M,0.5,N,0.9,K,R",
    "GPVTG,054.7,T,034.4,M,005.5,N,010.2,K",
    "GPVTG,054.7,034.4,005.5,010.2",
    "GNZDA,123519.00,23,03,2026,00,00",
    "GNZDA,123519.00,31,02,2026,,",
    "GNZDA,123519.00,23,03,2026,-05,30",
    "HEHDT,271.3,T",
    "HEHDT,360.0,T",
    "HEHDT,,T",
    "HEHDT",
    "HEHDT,271.3,X",
    "hehdt,271.3,T",
    "H_HDT,271.3,T",
    "PEHDT,271.3,T",
    "HEHDT,271.3*00,T",
    "HEHDT,271.3,T*4F",
    "WIMWV,045.0,R,12.5,M,A",
    "WIMWV,045.0,R,12.5,N,A",
    "WIMWV,045.0,R,12.5,,A",
    "WIMWV,,,,,V",
    "YXXDR,A,1.50,D,PITCH,A,-0.80,D,ROLL,D,0.12,M,HEAVE",
    "YXXDR,A,1.50,D,PITCH,A,-0.80,D",
    "YXXDR,Q,1.50,D,ODD",
    "YXXDR,",
    "YXXDR,A,inf,D,PITCH",
]


def _random_bodies(seed: int, count: int) -> Iterator[str]:
    """Well-formed lines with values a moving platform gives, in the layouts the simulator sends."""
    rng = random.Random(seed)
    for _ in range(count):
        hh, mm, ss = rng.randrange(24), rng.randrange(60), rng.uniform(0, 59.99)
        t = f"{hh:02d}{mm:02d}{ss:05.2f}"
        lat, lon = rng.uniform(0, 89.9), rng.uniform(0, 179.9)
        lat_t = f"{int(lat):02d}{(lat % 1) * 60:07.4f}"
        lon_t = f"{int(lon):03d}{(lon % 1) * 60:07.4f}"
        ns, ew = rng.choice("NS"), rng.choice("EW")
        speed, course = rng.uniform(0, 20), rng.uniform(0, 359.9)
        altitude, day = rng.uniform(-5, 50), rng.randrange(1, 29)
        yield f"GNGGA,{t},{lat_t},{ns},{lon_t},{ew},{rng.randrange(9)},12,0.8,{altitude:.2f},M,0.0,M,,"
        yield f"GNRMC,{t},A,{lat_t},{ns},{lon_t},{ew},{speed:.2f},{course:.1f},{day:02d}0326,,,R"
        yield f"GNVTG,{course:.1f},T,,M,{speed:.2f},N,{speed * 1.852:.2f},K,R"
        yield f"GNZDA,{t},{rng.randrange(1, 29):02d},{rng.randrange(1, 13):02d},2026,00,00"
        yield f"HEHDT,{rng.uniform(0, 359.99):.2f},T"
        yield f"WIMWV,{rng.uniform(0, 359.9):.1f},R,{rng.uniform(0, 30):.1f},M,A"
        yield (f"YXXDR,A,{rng.uniform(-5, 5):.2f},D,PITCH,A,{rng.uniform(-5, 5):.2f},D,ROLL,"
               f"D,{rng.uniform(-2, 2):.2f},M,HEAVE")


def _outcome(parse: Callable[[str, str, str], Any], body: str) -> object:
    try:
        return parse("XX", f"${body}", body)
    except FieldError as exc:
        return ("FieldError", str(exc))


@pytest.mark.parametrize("body", [*BODIES, *_random_bodies(seed=9, count=60)])
def test_the_own_split_gives_what_pynmea2_gives(body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parse = _PARSERS[body[2:5].upper()]
    own = _outcome(parse, body)
    monkeypatch.setattr(sentences, "_plain_talker_body", lambda _body, _formatter: False)
    assert _outcome(parse, body) == own


def test_the_usual_lines_take_the_own_split() -> None:
    # Else the comparison above would compare pynmea2 with itself.
    assert sentences._plain_talker_body("HEHDT,271.3,T", "HDT")
    assert sentences._plain_talker_body("GNGGA,,,,,,0,00,99.99,,,,,,", "GGA")
    assert not sentences._plain_talker_body("PEHDT,271.3,T", "HDT")
    assert not sentences._plain_talker_body("HEHDT,271.3*00,T", "HDT")
    assert not sentences._plain_talker_body("HEHDT", "HDT")


def test_a_whole_line_decodes_alike() -> None:
    body = "HEHDT,271.3,T"
    line = f"${body}*{nmea_checksum(body):02X}"
    hdt = parse_nmea(line)
    assert isinstance(hdt, sentences.Hdt)
    assert hdt.heading_true_deg == 271.3
