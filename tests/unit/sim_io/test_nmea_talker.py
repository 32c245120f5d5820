"""The simulated platform sensor box: exact sentences per vendor, schedule, faults, and a round trip
through the ground station's decoder for every motion format (a test may import both sides)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.io.nmea_format import (
    GnssFix,
    Tss1Aiding,
    WindReference,
    WindSpeedUnit,
    format_gga,
    format_hdt,
    format_mwv,
    format_pashr,
    format_phlin,
    format_phtro,
    format_psxn23,
    format_rmc,
    format_tss1,
    format_vtg,
    format_xdr,
    format_zda,
)
from firmware_sim.io.nmea_talker import (
    DEFAULT_RATES_HZ,
    MotionFormat,
    PlatformSensorState,
    PlatformSensorTalker,
    Sentence,
    TalkerConfig,
    TalkerFaults,
)
from gcs.protocol import nmea
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.protocol.tss1 import Tss1

KN = 1852 / 3600
WHEN = dt.datetime(2025, 5, 28, 12, 35, 19, tzinfo=dt.UTC)
NMEA_LINE = re.compile(rb"\$([^*]*)\*([0-9A-F]{2})\r\n")


def state(**changes: object) -> PlatformSensorState:
    values: dict[str, object] = {
        "time_utc": WHEN,
        "latitude_deg": 36.668723,
        "longitude_deg": 121.309463,
        "heading_true_deg": 274.07,
        "speed_over_ground_mps": 0.3,
        "course_over_ground_true_deg": 54.7,
        "wind_angle_relative_deg": 214.8,
        "wind_speed_relative_mps": 6.4,
        "pitch_bow_up_deg": -1.23,
        "roll_port_up_deg": 0.85,
        "heave_up_m": 0.32,
    }
    values.update(changes)
    return PlatformSensorState(**values)  # type: ignore[arg-type]


def checksum_ok(line: bytes) -> bool:
    match = NMEA_LINE.fullmatch(line)
    assert match is not None, line
    return reduce(lambda acc, byte: acc ^ byte, match[1], 0) == int(match[2], 16)


# --- exact sentences, each vendor's own convention ------------------------------------------------


@pytest.mark.parametrize(
    ("produced", "expected"),
    [
        # The published examples of domain.md 3.3 / NovAtel, reproduced byte for byte.
        (format_hdt(274.07), b"$HEHDT,274.07,T*19\r\n"),
        (format_mwv(214.8, 12.4 * KN), b"$WIMWV,214.8,R,12.4,N,A*1B\r\n"),
        (format_xdr(-1.23, 0.85, 0.32), b"$YXXDR,A,-1.23,D,PITCH,A,0.85,D,ROLL,D,0.32,M,HEAVE*7D\r\n"),
        (format_zda(WHEN, talker="GP"), b"$GPZDA,123519.00,28,05,2025,00,00*61\r\n"),
        # Seapath heave is + down on the wire: -0.13 m up is sent as 0.13.
        (format_psxn23(0.30, -0.97, 298.57, -0.13), b"$PSXN,23,0.30,-0.97,298.57,0.13*1B\r\n"),
        (format_phtro(1.23, 0.85), b"$PHTRO,1.23,M,0.85,T*45\r\n"),
        (format_phlin(0.010, -0.020, 0.320), b"$PHLIN,0.010,-0.020,0.320*7E\r\n"),
        (
            format_tss1(-0.03, -3.25, 3.19, vertical_accel_up_mps2=-54 * 0.000625),
            b":00FFCA -0003F-0325  0319\r\n",
        ),
    ],
)
def test_published_examples_byte_for_byte(produced: bytes, expected: bytes) -> None:
    assert produced == expected


@pytest.mark.parametrize(
    ("pitch", "roll", "text"),
    [
        (1.0, 2.0, b"1.00,M,2.00,T"),
        (-1.0, 2.0, b"1.00,P,2.00,T"),
        (1.0, -2.0, b"1.00,M,2.00,B"),
        (-1.0, -2.0, b"1.00,P,2.00,B"),
    ],
)
def test_ixblue_direction_letters(pitch: float, roll: float, text: bytes) -> None:
    assert format_phtro(pitch, roll).startswith(b"$PHTRO," + text + b"*")


def test_pashr_is_always_signed_with_three_time_decimals() -> None:
    line = format_pashr(WHEN.replace(microsecond=123456), 274.07, 0.85, -1.23, 0.32)
    assert line.startswith(b"$PASHR,123519.123,274.07,T,+0.85,-1.23,+0.32,")
    assert checksum_ok(line)


def test_tss1_is_always_27_bytes_and_clamps() -> None:
    extreme = format_tss1(150.0, -120.0, 0.004, horizontal_accel_mps2=-1.0, vertical_accel_up_mps2=30.0)
    assert extreme == b":007FFF  9999F-9999  0000\r\n"
    assert len(extreme) == 27
    assert format_tss1(
        0.0, 0.0, 0.0, vertical_accel_up_mps2=-30.0, aiding=Tss1Aiding.GNSS_AIDED, settled=False
    ) == (b":008000  0000g 0000  0000\r\n")
    assert format_tss1(-0.004, 0.0, 0.0)[7:13] == b"  0000"  # no "-0000"


def test_positions_carry_minutes_into_degrees() -> None:
    line = format_gga(WHEN, 36.999999999, -0.5, talker="GP")
    assert b",3700.00000,N,00030.00000,W," in line
    assert b",0000.00000,S," in format_gga(WHEN, -0.0000000001, 0.0)  # tiny negative keeps no sign


def test_time_fraction_is_truncated_never_rounded_into_second_60() -> None:
    assert format_zda(WHEN.replace(second=59, microsecond=999_999)).startswith(b"$GNZDA,123559.99,")
    assert format_zda(
        dt.datetime(2025, 5, 28, 14, 35, 19, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    ).startswith(b"$GNZDA,123519.00,")
    with pytest.raises(ValueError, match="timezone-aware"):
        format_zda(dt.datetime(2025, 5, 28))  # naive: the point of the test


def test_wind_units_and_references() -> None:
    assert format_mwv(10.0, 10.0, unit=WindSpeedUnit.METRES_PER_SECOND).startswith(b"$WIMWV,10.0,R,10.0,M,A*")
    assert format_mwv(10.0, 10.0, unit=WindSpeedUnit.KILOMETRES_PER_HOUR).startswith(
        b"$WIMWV,10.0,R,36.0,K,A*"
    )
    assert format_mwv(370.0, 0.0, reference=WindReference.TRUE, valid=False).startswith(
        b"$WIMWV,10.0,T,0.0,N,V*"
    )


def test_every_formatter_checksums() -> None:
    lines = [
        format_gga(WHEN, 36.6, 121.3),
        format_gga(WHEN, 0, 0, fix=GnssFix.NO_FIX),
        format_rmc(WHEN, -33.8, -151.2, 5.0, 181.3, magnetic_variation_east_deg=-7.1),
        format_vtg(181.3, 5.0, course_magnetic_deg=188.4),
        format_zda(WHEN),
        format_hdt(359.999),
        format_mwv(214.8, 6.4),
        format_xdr(1, 2, 3),
        format_psxn23(1, 2, 3, 4),
        format_pashr(WHEN, 1, 2, 3, 4),
        format_phtro(1, 2),
        format_phlin(1, 2, 3),
    ]
    assert all(checksum_ok(line) for line in lines)
    assert all(len(line) <= 82 for line in lines), "the standard's line length"


# --- schedule ------------------------------------------------------------------------------------


def count(data: bytes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in data.split(b"\r\n")[:-1]:
        address = line[1:].split(b",")[0].decode()
        key = "TSS1" if line.startswith(b":") else address if address.startswith("P") else address[2:]
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_each_sentence_at_its_rate() -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.IXBLUE_PHTRO_PHLIN))
    data = b"".join(talker.due(state(), k / 100) for k in range(200))  # 2 s polled at 100 Hz
    assert count(data) == {
        "GGA": 2,
        "RMC": 2,
        "VTG": 2,
        "ZDA": 2,
        "HDT": 20,
        "MWV": 2,
        "XDR": 2,
        "PHTRO": 50,
        "PHLIN": 50,
    }


def test_first_call_emits_everything_once_and_a_repeat_nothing() -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.TSS1))
    first = talker.due(state(), 12.34)
    assert count(first) == {"GGA": 1, "RMC": 1, "VTG": 1, "ZDA": 1, "HDT": 1, "MWV": 1, "XDR": 1, "TSS1": 1}
    assert talker.due(state(), 12.34) == b""


def test_any_due_says_exactly_when_due_would_emit() -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.TSS1))
    for k in range(400):  # 2 s polled at 200 Hz
        now_s = k / 200
        expected = talker.any_due(now_s)
        assert (talker.due(state(), now_s) != b"") is expected, now_s
        assert not talker.any_due(now_s)


def test_will_send_says_exactly_which_sentences_due_would_emit() -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.TSS1))
    for k in range(600):  # 3 s polled at 200 Hz, then at odd times
        now_s = k / 200 if k < 400 else 2.0 + (k - 400) * 0.0137
        mwv, hdt, gga = (talker.will_send(s, now_s) for s in (Sentence.MWV, Sentence.HDT, Sentence.GGA))
        emitted = count(talker.due(state(), now_s))
        assert (mwv, hdt, gga) == ("MWV" in emitted, "HDT" in emitted, "GGA" in emitted), now_s
        assert not talker.will_send(Sentence.MWV, now_s)
    only_motion = PlatformSensorTalker(TalkerConfig(MotionFormat.TSS1, rates_hz={Sentence.MOTION: 5.0}))
    assert not only_motion.will_send(Sentence.MWV, 0.0)


@pytest.mark.parametrize(
    "rates", [DEFAULT_RATES_HZ, {Sentence.MOTION: 50.0, Sentence.HDT: 3.0}, {Sentence.ZDA: 0.3}]
)
def test_next_due_is_the_first_instant_due_would_emit(rates: Mapping[Sentence, float]) -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.PASHR, rates_hz=rates))
    assert talker.next_due_s(7.25) == 7.25  # nothing sent yet: everything is due
    now_s = 7.25
    for _ in range(60):
        talker.due(state(), now_s)
        next_s = talker.next_due_s(now_s)
        assert next_s > now_s
        assert talker.any_due(next_s), next_s
        for fraction in (0.0, 0.3, 0.9, 0.999999):  # nothing before it
            assert not talker.any_due(now_s + fraction * (next_s - now_s))
        # Late (a slow loop), it is due at once.
        assert talker.next_due_s(next_s + 0.5) == next_s + 0.5
        now_s = next_s


def test_without_faults_a_line_goes_out_as_it_is_and_with_them_the_draws_are_as_before() -> None:
    # ``due`` skips ``_with_faults`` when every probability is 0: that returned each line unchanged.
    clean = PlatformSensorTalker(TalkerConfig(MotionFormat.IXBLUE_PHTRO_PHLIN))
    lines = [line for sentence in Sentence for line in clean.sentences(sentence, state())]
    assert [clean._with_faults(line) for line in lines] == lines
    # With faults, every line still goes through them, one line after the other in the box's order.
    faults = TalkerFaults(drop_checksum=0.3, corrupt_checksum=0.3, truncate=0.2, garbage=0.2, seed=9)
    faulty = PlatformSensorTalker(TalkerConfig(MotionFormat.IXBLUE_PHTRO_PHLIN, faults=faults))
    twin = PlatformSensorTalker(TalkerConfig(MotionFormat.IXBLUE_PHTRO_PHLIN, faults=faults))
    schedule = PlatformSensorTalker(TalkerConfig(MotionFormat.IXBLUE_PHTRO_PHLIN))
    garbled = 0
    for k in range(300):
        now_s = k * 0.037
        expected = b"".join(
            twin._with_faults(line)
            for sentence in Sentence
            if schedule.will_send(sentence, now_s)
            for line in twin.sentences(sentence, state())
        )
        clean_data = schedule.due(state(), now_s)
        data = faulty.due(state(), now_s)
        assert data == expected
        garbled += data != clean_data
    assert garbled > 50  # the faults did their work


def test_missed_periods_are_not_replayed() -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.SEAPATH_PSXN23, rates_hz={Sentence.GGA: 10.0}))
    talker.due(state(), 0.0)
    assert count(talker.due(state(), 5.0)) == {"GGA": 1}


def test_only_scheduled_sentences() -> None:
    config = TalkerConfig(MotionFormat.PASHR, rates_hz={Sentence.MOTION: 50.0, Sentence.HDT: 5.0})
    talker = PlatformSensorTalker(config)
    data = b"".join(talker.due(state(), k / 200) for k in range(200))
    assert count(data) == {"HDT": 5, "PASHR": 50}


@pytest.mark.parametrize(
    "make",
    [
        lambda: TalkerConfig(MotionFormat.TSS1, rates_hz={Sentence.GGA: 0.0}),
        lambda: TalkerConfig(MotionFormat.TSS1, faults=TalkerFaults(truncate=1.5)),
        lambda: state(time_utc=dt.datetime(2025, 5, 28)),
        lambda: state(latitude_deg=91.0),
        lambda: state(wind_speed_relative_mps=-1.0),
        lambda: PlatformSensorTalker(TalkerConfig(MotionFormat.TSS1)).due(state(), float("nan")),
    ],
)
def test_bad_configuration_is_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


# --- faults --------------------------------------------------------------------------------------


def run(config: TalkerConfig, seconds: float = 20.0) -> bytes:
    talker = PlatformSensorTalker(config)
    return b"".join(talker.due(state(), k / 100) for k in range(int(seconds * 100)))


def test_faults_are_reproducible_from_the_seed() -> None:
    faults = TalkerFaults(drop_checksum=0.1, corrupt_checksum=0.1, truncate=0.1, garbage=0.1, seed=7)
    config = TalkerConfig(MotionFormat.SEAPATH_PSXN23, faults=faults)
    assert run(config, 2) == run(config, 2)
    other = TalkerConfig(MotionFormat.SEAPATH_PSXN23, faults=TalkerFaults(truncate=0.1, garbage=0.1, seed=8))
    assert run(config, 2) != run(other, 2)


def decode(data: bytes) -> tuple[list[nmea.NmeaSentence | Tss1], nmea.StreamCounters]:
    decoder = NmeaTss1Decoder()
    return decoder.feed(data), decoder.counters


def test_each_fault_shows_up_in_the_receivers_counters() -> None:
    clean = run(TalkerConfig(MotionFormat.SEAPATH_PSXN23), 4)
    lines = clean.count(b"\r\n")
    _, counters = decode(
        run(TalkerConfig(MotionFormat.SEAPATH_PSXN23, faults=TalkerFaults(drop_checksum=1.0)), 4)
    )
    assert (counters.missing_checksums, counters.sentences_ok) == (lines, 0)
    _, counters = decode(
        run(TalkerConfig(MotionFormat.SEAPATH_PSXN23, faults=TalkerFaults(corrupt_checksum=1.0)), 4)
    )
    assert (counters.checksum_errors, counters.sentences_ok) == (lines, 0)
    truncated = run(TalkerConfig(MotionFormat.SEAPATH_PSXN23, faults=TalkerFaults(truncate=1.0)), 4)
    assert b"\r\n" not in truncated
    _, counters = decode(truncated)
    assert counters.truncated == lines - 1  # the last one is still waiting for its end
    _, counters = decode(run(TalkerConfig(MotionFormat.SEAPATH_PSXN23, faults=TalkerFaults(garbage=1.0)), 4))
    assert counters.sentences_ok >= lines * 0.9  # noise costs almost nothing: it lands between lines
    assert counters.garbage_bytes > 0


def test_fault_rates_are_roughly_respected() -> None:
    faults = TalkerFaults(corrupt_checksum=0.1, seed=3)
    _, counters = decode(run(TalkerConfig(MotionFormat.IXBLUE_PHTRO_PHLIN, faults=faults)))
    total = counters.sentences_ok + counters.checksum_errors
    assert 0.07 < counters.checksum_errors / total < 0.13


def test_tss1_has_no_checksum_to_break() -> None:
    faults = TalkerFaults(drop_checksum=1.0, corrupt_checksum=1.0)
    config = TalkerConfig(MotionFormat.TSS1, rates_hz={Sentence.MOTION: 10.0}, faults=faults)
    items, _ = decode(run(config, 1))
    assert len(items) == 10
    assert all(isinstance(item, Tss1) for item in items)


# --- round trip through the ground station's decoder -------------------------------------------


def circular(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


STATES = st.builds(
    state,
    time_utc=st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2069, 12, 31), timezones=st.just(dt.UTC)),
    latitude_deg=st.floats(-89.9, 89.9),
    longitude_deg=st.floats(-179.9, 179.9),
    heading_true_deg=st.floats(0.0, 360.0),
    speed_over_ground_mps=st.floats(0.0, 50.0),
    course_over_ground_true_deg=st.floats(0.0, 359.99),
    wind_angle_relative_deg=st.floats(0.0, 359.9),
    wind_speed_relative_mps=st.floats(0.0, 60.0),
    pitch_bow_up_deg=st.floats(-30.0, 30.0),
    roll_port_up_deg=st.floats(-45.0, 45.0),
    heave_up_m=st.floats(-20.0, 20.0),
    surge_bow_m=st.floats(-5.0, 5.0),
    sway_port_m=st.floats(-5.0, 5.0),
    vertical_accel_up_mps2=st.floats(-20.0, 20.0),
    fix=st.sampled_from(list(GnssFix)),
)


@settings(deadline=None, max_examples=40)
@given(s=STATES, motion=st.sampled_from(list(MotionFormat)))
def test_round_trip_gives_back_the_normalised_values(s: PlatformSensorState, motion: MotionFormat) -> None:
    data = PlatformSensorTalker(TalkerConfig(motion)).due(s, 0.0)
    items, counters = decode(data)
    assert counters == nmea.StreamCounters(sentences_ok=len(items))
    by_type = {type(item): item for item in items}

    gga = by_type[nmea.Gga]
    assert isinstance(gga, nmea.Gga)
    assert gga.fix_quality == nmea.FixQuality(int(s.fix))
    if s.fix is not GnssFix.NO_FIX:
        assert gga.latitude_deg == pytest.approx(s.latitude_deg, abs=2e-7)
        assert gga.longitude_deg == pytest.approx(s.longitude_deg, abs=2e-7)
    rmc = by_type[nmea.Rmc]
    assert isinstance(rmc, nmea.Rmc)
    assert rmc.valid is (s.fix is not GnssFix.NO_FIX)
    assert rmc.speed_over_ground_mps == pytest.approx(s.speed_over_ground_mps, abs=0.005 * KN + 1e-9)
    assert rmc.datetime_utc is not None
    assert abs(rmc.datetime_utc - s.time_utc) < dt.timedelta(milliseconds=10)
    zda = by_type[nmea.Zda]
    assert isinstance(zda, nmea.Zda)
    assert zda.datetime_utc is not None
    assert abs(zda.datetime_utc - s.time_utc) < dt.timedelta(milliseconds=10)
    hdt = by_type[nmea.Hdt]
    assert isinstance(hdt, nmea.Hdt)
    assert hdt.heading_true_deg is not None
    assert circular(hdt.heading_true_deg, s.heading_true_deg) < 0.006
    mwv = by_type[nmea.Mwv]
    assert isinstance(mwv, nmea.Mwv)
    assert mwv.wind_angle_deg is not None
    assert circular(mwv.wind_angle_deg, s.wind_angle_relative_deg) < 0.06
    assert mwv.wind_speed_mps == pytest.approx(s.wind_speed_relative_mps, abs=0.05 * KN + 1e-9)

    expected = (s.pitch_bow_up_deg, s.roll_port_up_deg, s.heave_up_m)
    got: tuple[float | None, ...]
    match motion:
        case MotionFormat.SEAPATH_PSXN23:
            m = by_type[nmea.Psxn23]
            assert isinstance(m, nmea.Psxn23)
            got = (m.pitch_bow_up_deg, m.roll_port_up_deg, m.heave_up_m)
        case MotionFormat.PASHR:
            m = by_type[nmea.Pashr]
            assert isinstance(m, nmea.Pashr)
            got = (m.pitch_bow_up_deg, m.roll_port_up_deg, m.heave_up_m)
        case MotionFormat.IXBLUE_PHTRO_PHLIN:
            tro, lin = by_type[nmea.Phtro], by_type[nmea.Phlin]
            assert isinstance(tro, nmea.Phtro)
            assert isinstance(lin, nmea.Phlin)
            got = (tro.pitch_bow_up_deg, tro.roll_port_up_deg, lin.heave_up_m)
            assert lin.sway_port_m == pytest.approx(s.sway_port_m, abs=0.0006)
        case MotionFormat.TSS1:
            t = by_type[Tss1]
            assert isinstance(t, Tss1)
            got = (t.pitch_bow_up_deg, t.roll_port_up_deg, t.heave_up_m)
            assert t.vertical_accel_up_mps2 == pytest.approx(s.vertical_accel_up_mps2, abs=0.0004)
    assert got == pytest.approx(expected, abs=0.0051)
