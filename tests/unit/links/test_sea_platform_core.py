"""The sea-platform link's pure core, fed with sentences from the simulator's formatters.

Each vendor's motion format must come out in the one convention; the link must use only what it is
configured to use, derive wind over deck, station keeping and on-station, publish deck state with
NaN for whatever is stale or missing, and never raise on any bytes. Time is an argument throughout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.io.nmea_format import (
    GnssFix,
    WindReference,
    WindSpeedUnit,
    format_gga,
    format_hdt,
    format_mwv,
    format_pashr,
    format_psxn23,
    format_rmc,
    format_tss1,
    format_vtg,
    format_xdr,
    nmea_frame,
)
from firmware_sim.io.nmea_talker import (
    MotionFormat,
    PlatformSensorState,
    PlatformSensorTalker,
    Sentence,
    TalkerConfig,
)
from gcs.config import MotionSource, WindTrueReference
from gcs.domain.geodesy import ecef_to_geodetic, geodetic_to_ecef_m, ned_to_ecef_matrix
from gcs.domain.platform import DeckState
from gcs.domain.station_keeping import StationAssignment
from gcs.links.sea_platform_core import PlatformValue, SeaPlatformCore
from gcs.links.sea_platform_inputs import Stamp
from gcs.links.sea_platform_settings import FeedKind, SeaPlatformSettings
from gcs.links.sea_platform_values import (
    DeckMotion,
    PlatformFeedHealth,
    PlatformHeading,
    PlatformLinkEvent,
    PlatformPosition,
    PlatformVelocity,
    PlatformWind,
    StationKeeping,
)
from gcs.protocol.nmea import FixQuality
from gcs.transport.link import LinkState

T = TypeVar("T")
NAME = "landing-barge"
EPOCH_UNIX_S = 1_780_000_000.0
STATION = (31.159, -121.933)
KNOT = 1852.0 / 3600.0


def north_east_of(origin: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    """A point at a known local offset, by way of the exact ECEF axes."""
    ecef = geodetic_to_ecef_m(*origin, 0.0) + ned_to_ecef_matrix(*origin) @ np.array([north_m, east_m, 0.0])
    lat, lon, _ = ecef_to_geodetic(ecef)
    return lat, lon


def make_settings(**changes: Any) -> SeaPlatformSettings:
    values: dict[str, Any] = {
        "name": NAME,
        "station": StationAssignment(*STATION, heading_true_deg=300.0),
        "maxima_min_window_s": 0.0,
        **changes,
    }
    return SeaPlatformSettings(**values)


def at(t_s: float) -> Stamp:
    return Stamp(t_s, EPOCH_UNIX_S + t_s)


class Feed:
    """A core with a link that is up, and every value it produced."""

    def __init__(self, **changes: Any) -> None:
        self.core = SeaPlatformCore(make_settings(**changes))
        self.values: list[PlatformValue] = []
        self.raw: list[bytes] = []
        self.values += self.core.link_event(LinkState.UP, "test", at(0.0))

    def feed(self, t_s: float, *sentences: bytes) -> list[PlatformValue]:
        received = self.core.feed(b"".join(sentences), at(t_s))
        self.values += received.values
        self.raw += received.raw_lines
        return received.values

    def all(self, kind: type[T]) -> list[T]:
        return [v for v in self.values if isinstance(v, kind)]

    def last(self, kind: type[T]) -> T:
        found = self.all(kind)
        assert found, f"no {kind.__name__} published"
        return found[-1]


def state(**changes: Any) -> PlatformSensorState:
    lat, lon = north_east_of(STATION, 3.0, 0.0)
    values: dict[str, Any] = {
        "time_utc": dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC),
        "latitude_deg": lat,
        "longitude_deg": lon,
        "heading_true_deg": 300.5,
        "speed_over_ground_mps": 0.0,
        "course_over_ground_true_deg": 0.0,
        "wind_angle_relative_deg": 20.0,
        "wind_speed_relative_mps": 7.0,
        "pitch_bow_up_deg": 1.5,
        "roll_port_up_deg": -2.0,
        "heave_up_m": 0.4,
        **changes,
    }
    return PlatformSensorState(**values)


def motion_lines(motion: MotionFormat, s: PlatformSensorState) -> bytes:
    return b"".join(PlatformSensorTalker(TalkerConfig(motion)).sentences(Sentence.MOTION, s))


# --- motion: every vendor in one convention ----------------------------------------------------


@pytest.mark.parametrize("motion", list(MotionFormat))
@pytest.mark.parametrize(("pitch", "roll", "heave"), [(1.5, -2.0, 0.4), (-0.75, 3.25, -1.2)])
def test_each_vendor_format_arrives_in_the_one_convention(
    motion: MotionFormat, pitch: float, roll: float, heave: float
) -> None:
    feed = Feed()
    s = state(pitch_bow_up_deg=pitch, roll_port_up_deg=roll, heave_up_m=heave)
    for i in range(13):
        feed.feed(i * 0.04, motion_lines(motion, s))
    deck = feed.last(DeckMotion)
    assert (deck.pitch_bow_up_deg, deck.roll_port_up_deg, deck.heave_up_m) == pytest.approx(
        (pitch, roll, heave)
    )
    assert (deck.pitch_max_10min_deg, deck.roll_max_10min_deg, deck.heave_max_10min_m) == pytest.approx(
        (abs(pitch), abs(roll), abs(heave))
    )
    assert (deck.pitch_rate_dps, deck.roll_rate_dps, deck.heave_rate_up_mps) == pytest.approx((0.0, 0.0, 0.0))
    assert deck.heave_peak_to_peak_10min_m == pytest.approx(0.0)
    headings = feed.all(PlatformHeading)
    if motion in (MotionFormat.SEAPATH_PSXN23, MotionFormat.PASHR):
        assert headings[-1].heading_true_deg == pytest.approx(300.5)
    else:
        assert headings == []
    assert feed.core.inputs.ignored == {}
    assert feed.core.counters.sentences_ok == 13 * (2 if motion is MotionFormat.IXBLUE_PHTRO_PHLIN else 1)


def test_xdr_attitude_is_used_only_when_it_is_the_motion_source() -> None:
    xdr = format_xdr(1.5, -2.0, 0.4)
    ignored = Feed()
    ignored.feed(0.0, xdr)
    assert ignored.all(DeckMotion) == []
    assert ignored.core.inputs.ignored == {"XDR: not the motion source": 1}
    used = Feed(motion_source=MotionSource.XDR)
    used.feed(0.0, xdr, nmea_frame("WIXDR,C,21.5,C,AIRTEMP"))  # a weather station's XDR has no attitude
    deck = used.last(DeckMotion)
    assert (deck.pitch_bow_up_deg, deck.roll_port_up_deg, deck.heave_up_m) == (1.5, -2.0, 0.4)
    assert used.core.inputs.ignored == {"XDR: no motion values": 1}


@pytest.mark.parametrize(
    ("source", "used"),
    [
        (MotionSource.AUTO, {"PSXN,23", "PASHR", "TSS1"}),
        (MotionSource.PSXN23, {"PSXN,23"}),
        (MotionSource.PASHR, {"PASHR"}),
        (MotionSource.TSS1, {"TSS1"}),
        (MotionSource.PHTRO_PHLIN, set()),
    ],
)
def test_only_the_configured_motion_source_feeds_the_deck(source: MotionSource, used: set[str]) -> None:
    feed = Feed(motion_source=source)
    when = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    feed.feed(
        0.0,
        format_psxn23(1.0, 1.0, 300.0, 0.1),
        format_pashr(when, 300.0, 1.0, 1.0, 0.1),
        format_tss1(0.1, 1.0, 1.0),
    )
    ignored = {reason.split(":")[0] for reason in feed.core.inputs.ignored}
    assert ignored == {"PSXN,23", "PASHR", "TSS1"} - used
    assert bool(feed.all(DeckMotion)) is bool(used)


def test_inverted_heave_quirk_and_settling_tss1() -> None:
    feed = Feed(invert_heave=True)
    feed.feed(0.0, format_tss1(0.3, 0.0, 0.0, settled=False), format_psxn23(0.0, 0.0, 300.0, 0.25))
    assert feed.last(DeckMotion).heave_up_m == -0.25
    assert feed.core.inputs.ignored == {"TSS1: settling": 1}


def test_maxima_and_rates_of_a_moving_deck() -> None:
    # 2° pitch at a 6 s period, sent by a Seapath at 25 Hz for a minute.
    feed = Feed(publish_interval_s=1.0)
    omega = 2 * math.pi / 6.0
    for i in range(25 * 60):
        t = i / 25
        feed.feed(t, format_psxn23(0.0, 2.0 * math.sin(omega * t), 300.0, 0.5 * math.cos(omega * t)))
    deck = feed.last(DeckMotion)
    assert deck.pitch_max_10min_deg == pytest.approx(2.0, abs=0.005)
    assert deck.heave_max_10min_m == pytest.approx(0.5, abs=0.005)
    assert deck.heave_peak_to_peak_10min_m == pytest.approx(1.0, abs=0.01)
    assert deck.significant_heave_10min_m == pytest.approx(2 * math.sqrt(2) * 0.5, rel=0.02)
    assert deck.pitch_rate_max_10min_dps == pytest.approx(2.0 * omega, rel=0.03)
    assert deck.heave_rate_max_10min_mps == pytest.approx(0.5 * omega, abs=0.03)  # heave comes in cm
    assert deck.window_covered_s == pytest.approx(deck.monotonic_s)  # since the first sample, at 0
    # Published at most once a second, whatever the sensor's rate.
    assert 59 <= len(feed.all(DeckMotion)) <= 61


# --- position, heading, station keeping, wind --------------------------------------------------


def test_position_velocity_heading_and_station_keeping() -> None:
    feed = Feed()
    s = state(speed_over_ground_mps=0.4, course_over_ground_true_deg=55.0)
    when = s.time_utc
    feed.feed(0.0, format_hdt(s.heading_true_deg))
    feed.feed(
        0.05, format_gga(when, s.latitude_deg, s.longitude_deg, fix=GnssFix.RTK_FIXED, altitude_msl_m=3.1)
    )
    feed.feed(0.06, format_rmc(when, s.latitude_deg, s.longitude_deg, 0.4, 55.0), format_vtg(55.0, 0.4))
    position = feed.last(PlatformPosition)
    assert (position.latitude_deg, position.longitude_deg) == pytest.approx(
        (s.latitude_deg, s.longitude_deg), abs=2e-7
    )
    gga = feed.all(PlatformPosition)[0]
    assert (gga.fix_quality, gga.altitude_msl_m, gga.sentence) == (FixQuality.RTK_FIXED, 3.1, "GGA")
    assert position.sentence == "RMC"
    velocity = feed.last(PlatformVelocity)
    assert velocity.speed_over_ground_mps == pytest.approx(0.4, abs=0.003)  # two decimals of knots
    assert (velocity.course_over_ground_true_deg, velocity.sentence) == (55.0, "VTG")
    keeping = feed.last(StationKeeping)
    assert keeping.error_m == pytest.approx(3.0, abs=0.03)
    assert keeping.north_error_m == pytest.approx(3.0, abs=0.03)
    assert keeping.bearing_from_station_deg == pytest.approx(0.0, abs=1.0)
    assert keeping.heading_error_deg == pytest.approx(0.5)
    assert keeping.on_station
    assert (keeping.unix_time_s, keeping.monotonic_s) == (EPOCH_UNIX_S + 0.06, 0.06)


@pytest.mark.parametrize(
    ("offset_m", "heading_sentences", "on_station"),
    [
        (3.0, [format_hdt(300.5)], True),
        (6.0, [format_hdt(300.5)], False),  # outside the 5 m radius
        (3.0, [format_hdt(310.0)], False),  # heading 10° off
        (3.0, [], False),  # the assignment names a heading and none is known
    ],
)
def test_on_station(offset_m: float, heading_sentences: list[bytes], on_station: bool) -> None:
    feed = Feed()
    lat, lon = north_east_of(STATION, offset_m, 0.0)
    feed.feed(0.0, *heading_sentences, format_gga(state().time_utc, lat, lon))
    assert feed.last(StationKeeping).on_station is on_station


def test_without_a_station_there_is_no_station_keeping() -> None:
    feed = Feed(station=None)
    feed.feed(0.0, format_gga(state().time_utc, *STATION), format_psxn23(0.0, 0.0, 300.0, 0.0))
    assert feed.all(StationKeeping) == []
    deck = feed.last(DeckState)
    assert math.isnan(deck.station_keeping_error_m)
    assert not deck.on_station


def test_sentences_without_a_fix_or_valid_status_are_counted_not_used() -> None:
    feed = Feed()
    when = state().time_utc
    feed.feed(
        0.0,
        format_gga(when, *STATION, fix=GnssFix.NO_FIX),
        format_rmc(when, *STATION, 0.0, 0.0, fix=GnssFix.NO_FIX),
        format_mwv(10.0, 5.0, valid=False),
        nmea_frame("GPZDA,120000.00,01,05,2026,00,00"),
    )
    assert feed.all(PlatformPosition) == []
    assert feed.all(PlatformWind) == []
    assert feed.core.inputs.ignored == {
        "GGA: no fix": 1,
        "MWV: void": 1,
        "RMC: void": 1,
        "ZDA: not used": 1,
    }


def test_relative_wind_is_the_wind_over_deck_and_gives_the_true_wind() -> None:
    feed = Feed()
    # Heading 090 at 10 m/s due east, 14.1 m/s from 315° relative: 10 m/s from true north.
    feed.feed(0.0, format_hdt(90.0), format_vtg(90.0, 10.0))
    feed.feed(0.1, format_mwv(315.0, 10 * math.sqrt(2), unit=WindSpeedUnit.METRES_PER_SECOND))
    wind = feed.last(PlatformWind)
    assert (wind.over_deck_from_bow_deg, wind.over_deck_derived, wind.true_derived) == (315.0, False, True)
    assert wind.over_deck_speed_mps == pytest.approx(14.1, abs=0.001)
    assert wind.true_from_deg is not None
    assert abs((wind.true_from_deg + 180) % 360 - 180) < 0.3
    assert wind.true_speed_mps == pytest.approx(10.0, abs=0.05)


@pytest.mark.parametrize(
    ("reference", "angle", "true_from"),
    [
        (WindTrueReference.BOW, 270.0, 0.0),  # NMEA: from the bow, heading 090 -> from the north
        (WindTrueReference.NORTH, 0.0, 0.0),  # a unit that sends the direction from north
    ],
)
def test_theoretical_wind_gives_the_wind_over_deck(
    reference: WindTrueReference, angle: float, true_from: float
) -> None:
    feed = Feed(mwv_true_reference=reference)
    feed.feed(0.0, format_hdt(90.0), format_vtg(90.0, 10.0))
    feed.feed(
        0.1, format_mwv(angle, 10.0, reference=WindReference.TRUE, unit=WindSpeedUnit.METRES_PER_SECOND)
    )
    wind = feed.last(PlatformWind)
    assert wind.true_from_deg == pytest.approx(true_from)
    assert (wind.true_speed_mps, wind.true_derived, wind.over_deck_derived) == (10.0, False, True)
    assert wind.over_deck_from_bow_deg == pytest.approx(315.0, abs=0.01)  # VTG: 2 decimals of knots
    assert wind.over_deck_speed_mps == pytest.approx(10 * math.sqrt(2), abs=0.002)


def test_theoretical_wind_without_heading_gives_nothing_derived() -> None:
    feed = Feed()
    feed.feed(0.0, format_mwv(270.0, 10.0, reference=WindReference.TRUE))
    wind = feed.last(PlatformWind)
    assert (wind.true_from_deg, wind.over_deck_from_bow_deg, wind.over_deck_speed_mps) == (None, None, None)


# --- deck state for the launch cores -----------------------------------------------------------


def everything(s: PlatformSensorState) -> bytes:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.SEAPATH_PSXN23))
    return talker.due(s, 0.0)  # the first call sends every sentence once


def test_a_fresh_feed_gives_a_complete_deck_state() -> None:
    feed = Feed()
    feed.feed(0.0, everything(state()))
    deck = feed.last(DeckState)
    assert deck.platform == NAME
    assert deck.t_s == EPOCH_UNIX_S
    assert (deck.pitch_deg, deck.roll_deg, deck.heave_m) == pytest.approx((1.5, -2.0, 0.4))
    assert (deck.pitch_max_10min_deg, deck.roll_max_10min_deg, deck.heave_max_10min_m) == pytest.approx(
        (1.5, 2.0, 0.4)
    )
    assert deck.heading_true_deg == pytest.approx(300.5)
    assert deck.wind_over_deck_direction_deg == pytest.approx(20.0)
    assert deck.wind_over_deck_speed_mps == pytest.approx(7.0, abs=0.03)
    assert deck.station_keeping_error_m == pytest.approx(3.0, abs=0.03)
    assert deck.on_station
    assert deck.deck_clear is None  # NMEA has no such report
    assert math.isnan(deck.pitch_rate_dps)  # one sample makes no rate


def test_stale_inputs_become_nan_so_the_assessment_names_them() -> None:
    feed = Feed()
    feed.feed(0.0, everything(state()))
    # Motion (and heading, in PSXN,23) keeps coming; GNSS (1 Hz: stale after 3 s) and wind do not.
    for i in range(1, 21):
        feed.feed(i * 0.1, format_psxn23(-2.0, 1.5, 300.5, 0.4))
    fresh = feed.last(DeckState)
    assert fresh.station_keeping_error_m == pytest.approx(3.0, abs=0.03)
    assert fresh.wind_over_deck_speed_mps == pytest.approx(7.0, abs=0.03)
    for i in range(21, 61):
        feed.feed(i * 0.1, format_psxn23(-2.0, 1.5, 300.5, 0.4))
    deck = feed.last(DeckState)
    assert (deck.pitch_deg, deck.roll_deg, deck.heave_m) == pytest.approx((1.5, -2.0, 0.4))
    assert not math.isnan(deck.heading_true_deg)
    assert math.isnan(deck.wind_over_deck_speed_mps)
    assert math.isnan(deck.latitude_deg)
    assert math.isnan(deck.station_keeping_error_m)
    assert not deck.on_station
    # Then the motion unit stops: a tick turns its quantities to NaN too.
    health, ticked = feed.core.tick(at(6.5))
    assert isinstance(ticked, DeckState)
    assert math.isnan(ticked.pitch_deg)
    assert math.isnan(ticked.pitch_max_10min_deg)
    assert isinstance(health, PlatformFeedHealth)
    assert health.stale == frozenset(FeedKind)


def test_a_stale_floor_keeps_sparse_motion_fresh_until_it_has_gone_by() -> None:
    # Accelerated SITL: the motion unit's 10 Hz (stale after 0.3 s) comes every 0.5 simulated s.
    sparse = Feed()
    floored = Feed(stale_floor_s=2.0)
    for t_s in (0.0, 0.5, 1.0, 1.5):
        for feed in (sparse, floored):
            feed.feed(t_s, format_psxn23(-2.0, 1.5, 300.5, 0.4))
    _, between = sparse.core.tick(at(1.9))
    assert isinstance(between, DeckState)
    assert math.isnan(between.pitch_deg)
    _, between = floored.core.tick(at(1.9))
    assert isinstance(between, DeckState)
    assert between.pitch_deg == 1.5
    # The floor only raises the rule: silent past it, the quantities are unknown again.
    health, after = floored.core.tick(at(3.6))
    assert isinstance(after, DeckState)
    assert math.isnan(after.pitch_deg)
    assert isinstance(health, PlatformFeedHealth)
    assert FeedKind.MOTION in health.stale
    assert make_settings(stale_floor_s=2.0).stale_after_s(FeedKind.POSITION) == 3.0  # 3 periods of 1 s


def test_maxima_wait_for_enough_data_in_the_deck_state_only() -> None:
    feed = Feed(maxima_min_window_s=60.0)
    for i in range(62 * 10):
        feed.feed(i / 10, format_psxn23(-2.0, 1.5, 300.5, 0.4))
        if i == 100:
            early = feed.last(DeckState)
            assert math.isnan(early.pitch_max_10min_deg)
            assert early.pitch_deg == 1.5  # the value now is known
            assert feed.last(DeckMotion).pitch_max_10min_deg == 1.5  # shown with its coverage
            assert feed.last(DeckMotion).window_covered_s == pytest.approx(10.0)
    assert feed.last(DeckState).pitch_max_10min_deg == 1.5


def test_a_dropped_link_is_an_event_and_an_all_unknown_deck() -> None:
    feed = Feed()
    feed.feed(0.0, everything(state()))
    out = feed.core.link_event(LinkState.DOWN, "serial:/dev/ttyUSB1: device vanished", at(0.5))
    event, health, deck = out
    assert isinstance(event, PlatformLinkEvent)
    assert (event.platform, event.state, event.reason) == (
        NAME,
        LinkState.DOWN,
        "serial:/dev/ttyUSB1: device vanished",
    )
    assert isinstance(health, PlatformFeedHealth)
    assert (health.link_up, health.link_ups, health.link_downs) == (False, 1, 1)
    assert isinstance(deck, DeckState)
    numbers = [
        getattr(deck, f.name) for f in dataclasses.fields(deck) if f.type == "float" and f.name != "t_s"
    ]
    assert numbers
    assert all(math.isnan(n) for n in numbers)
    assert not deck.on_station
    assert not health.fresh
    up = feed.core.link_event(LinkState.UP, "open", at(1.0))
    assert [type(v) for v in up] == [PlatformLinkEvent, PlatformFeedHealth]


# --- robustness ----------------------------------------------------------------------------------


def _nmea(body: str) -> bytes:
    checksum = 0
    for char in body.encode():
        checksum ^= char
    return f"${body}*{checksum:02X}\r\n".encode()


FIELDS = st.text(alphabet="0123456789.-+ABCDEFMNPRSTVWXZ", max_size=12)
SENTENCES = st.builds(
    lambda address, fields: _nmea(",".join([address, *fields])),
    st.sampled_from(
        ["GPGGA", "GNRMC", "GNVTG", "HEHDT", "WIMWV", "YXXDR", "PSXN,23", "PASHR", "PHTRO", "PHLIN"]
    ),
    st.lists(FIELDS, max_size=16),
)


@settings(max_examples=200)
@given(chunks=st.lists(st.one_of(SENTENCES, st.binary(max_size=64)), max_size=30))
def test_no_input_raises_and_every_value_is_finite(chunks: Iterable[bytes]) -> None:
    feed = Feed(motion_source=MotionSource.AUTO)
    for i, chunk in enumerate(chunks):
        feed.feed(i * 0.01, chunk)
    feed.core.tick(at(1.0))
    for value in feed.values:
        for f in dataclasses.fields(value):
            number = getattr(value, f.name)
            if isinstance(number, float) and not isinstance(value, DeckState):
                assert math.isfinite(number), (value, f.name)
