"""Raw lines for the recorder, and recorded vendor streams through the core: nothing raises, all counted.

The raw lines must be everything received (sentences, rejected lines, noise), so that decoding the
raw log again gives exactly the counters the live feed had: that is what makes a replay faithful.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcs.links.sea_platform_core import SeaPlatformCore
from gcs.links.sea_platform_inputs import Stamp
from gcs.links.sea_platform_raw import RawLineSplitter
from gcs.links.sea_platform_settings import SeaPlatformSettings
from gcs.links.sea_platform_values import DeckMotion, PlatformPosition
from gcs.protocol.nmea import StreamCounters
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder

DATA = Path(__file__).resolve().parents[2] / "data" / "nmea"
STREAMS = ["seapath.nmea", "ixblue_phins.nmea", "tss1_mru.txt", "gnss_anemometer.nmea"]


@pytest.mark.parametrize(
    ("chunks", "lines", "pending"),
    [
        ([b"$A*00\r\n"], [b"$A*00"], 0),
        ([b"$A*0", b"0\r", b"\n$B"], [b"$A*00"], 2),
        ([b"\r\n\r\n\n\r"], [], 0),  # line ends are framing; empty lines cost nothing
        ([b"\x00\xff$A\rnoise\n"], [b"\x00\xff$A", b"noise"], 0),  # noise is kept, as received
        ([b"$A", b"$B\n"], [b"$A$B"], 0),  # a line cut short waits for its end, as in the decoder
        ([b"x" * 20 + b"\n"], [b"x" * 8, b"x" * 8, b"xxxx"], 0),  # longer than 8 bytes: in parts
        ([b"x" * 17], [b"x" * 8, b"x" * 8], 1),
    ],
)
def test_raw_lines(chunks: list[bytes], lines: list[bytes], pending: int) -> None:
    splitter = RawLineSplitter(max_line_bytes=8)
    got = [line for chunk in chunks for line in splitter.feed(chunk)]
    assert got == lines
    assert splitter.pending_bytes == pending


def test_flush_gives_the_partial_line_once() -> None:
    splitter = RawLineSplitter()
    splitter.feed(b"$GPGGA,12")
    assert splitter.flush() == b"$GPGGA,12"
    assert splitter.flush() is None


def counters_dict(counters: StreamCounters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(counters):
        value = getattr(counters, f.name)
        out[f.name] = {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else value
    return out


def feed_in_chunks(core: SeaPlatformCore, data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    raw: list[bytes] = []
    position, t = 0, 0.0
    while position < len(data):
        size = rng.randint(1, 200)
        raw += core.feed(data[position : position + size], Stamp(t, 1.7e9 + t)).raw_lines
        position += size
        t += 0.02
    return raw


@pytest.mark.parametrize("name", STREAMS)
@pytest.mark.parametrize("seed", [1, 2])
def test_recorded_vendor_streams_are_counted_exactly_and_replay_the_same(name: str, seed: int) -> None:
    data = (DATA / name).read_bytes()
    expected = json.loads((DATA / (name.rsplit(".", 1)[0] + ".expected.json")).read_text())["counters"]
    core = SeaPlatformCore(SeaPlatformSettings("platform", maxima_min_window_s=0.0))
    raw = feed_in_chunks(core, data, seed)
    assert counters_dict(core.counters) == expected
    # The raw log is everything: decoding it again gives the same counts.
    replay = NmeaTss1Decoder()
    replay.feed(b"".join(line + b"\r\n" for line in raw))
    assert replay.counters == core.counters
    assert sum(map(len, raw)) == len(data.replace(b"\r", b"").replace(b"\n", b""))


def test_streams_without_checksums_are_used_when_the_port_says_so() -> None:
    data = (DATA / "ixblue_phins.nmea").read_bytes()
    strict = SeaPlatformCore(SeaPlatformSettings("barge", maxima_min_window_s=0.0))
    lenient = SeaPlatformCore(SeaPlatformSettings("barge", maxima_min_window_s=0.0, require_checksum=False))
    strict.feed(data, Stamp(0.0, 0.0))
    lenient.feed(data, Stamp(0.0, 0.0))
    assert (strict.counters.sentences_ok, lenient.counters.sentences_ok) == (61, 62)
    assert strict.counters.missing_checksums == lenient.counters.missing_checksums == 1


def test_recorded_streams_give_normalised_platform_values() -> None:
    seapath = SeaPlatformCore(SeaPlatformSettings("barge", maxima_min_window_s=0.0, publish_interval_s=1e-9))
    values = []
    for i, line in enumerate((DATA / "seapath.nmea").read_bytes().splitlines(keepends=True)):
        values += seapath.feed(line, Stamp(i * 0.04, 0.0)).values
    motion = [v for v in values if isinstance(v, DeckMotion)]
    # The last PSXN,23 of the file is "-2.09,1.05,298.57,-0.16": Seapath heave is + down.
    assert (motion[-1].roll_port_up_deg, motion[-1].pitch_bow_up_deg, motion[-1].heave_up_m) == (
        -2.09,
        1.05,
        0.16,
    )
    positions = [v for v in values if isinstance(v, PlatformPosition)]
    assert positions[0].latitude_deg == pytest.approx(36.0 + 40.1232 / 60)
    assert positions[0].longitude_deg == pytest.approx(121.0 + 18.5676 / 60)


@settings(max_examples=40)
@given(
    name=st.sampled_from(STREAMS), cut=st.integers(min_value=0, max_value=3000), noise=st.binary(max_size=300)
)
def test_damaged_recordings_never_raise(name: str, cut: int, noise: bytes) -> None:
    data = (DATA / name).read_bytes()
    damaged = data[:cut] + noise + data[cut:]
    core = SeaPlatformCore(SeaPlatformSettings("barge"))
    raw = feed_in_chunks(core, damaged, cut)
    core.tick(Stamp(100.0, 0.0))
    raw.append(core.close() or b"")
    assert b"".join(raw) == damaged.replace(b"\r", b"").replace(b"\n", b"")  # every byte kept
