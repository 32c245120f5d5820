"""Staleness as tables: each kind of value against its expected rate, the health it feeds, the settings."""

from __future__ import annotations

import tomllib

import pytest

from gcs.config import GcsConfig, MotionSource, WindTrueReference, load_dataclass
from gcs.domain.station_keeping import StationAssignment
from gcs.errors import ConfigError
from gcs.links.sea_platform_core import SeaPlatformCore
from gcs.links.sea_platform_health import FeedAges, SentenceRates, is_stale
from gcs.links.sea_platform_inputs import Stamp
from gcs.links.sea_platform_settings import DEFAULT_INTERVALS_S, FeedKind, SeaPlatformSettings

SETTINGS = SeaPlatformSettings("barge")  # GNSS and wind 1 s, gyro and MRU 0.1 s; stale after 3 intervals


@pytest.mark.parametrize(
    ("age_s", "stale_after_s", "stale"),
    [(None, 3.0, True), (0.0, 3.0, False), (3.0, 3.0, False), (3.0001, 3.0, True), (100.0, 3.0, True)],
)
def test_is_stale(age_s: float | None, stale_after_s: float, stale: bool) -> None:
    assert is_stale(age_s, stale_after_s) is stale


@pytest.mark.parametrize(
    ("kind", "last_s", "now_s", "age_s", "fresh"),
    [
        (FeedKind.POSITION, None, 5.0, None, False),  # never received: stale, never calm
        (FeedKind.POSITION, 10.0, 10.0, 0.0, True),
        (FeedKind.POSITION, 10.0, 13.0, 3.0, True),  # three 1 s periods
        (FeedKind.POSITION, 10.0, 13.01, 3.01, False),
        (FeedKind.MOTION, 10.0, 10.29, 0.29, True),  # within three 0.1 s periods
        (FeedKind.MOTION, 10.0, 10.31, 0.31, False),
        (FeedKind.HEADING, 10.0, 10.5, 0.5, False),
        (FeedKind.WIND, 10.0, 12.5, 2.5, True),
        (FeedKind.MOTION, 10.0, 9.0, 0.0, True),  # a reading from before the last sample: age 0
    ],
)
def test_each_kind_is_stale_after_its_own_periods(
    kind: FeedKind, last_s: float | None, now_s: float, age_s: float | None, fresh: bool
) -> None:
    ages = FeedAges(SETTINGS)
    if last_s is not None:
        ages.touch(kind, last_s)
    assert ages.age_s(kind, now_s) == pytest.approx(age_s)
    assert ages.is_fresh(kind, now_s) is fresh
    assert (kind in ages.stale(now_s)) is not fresh


def test_ages_never_go_back() -> None:
    ages = FeedAges(SETTINGS)
    ages.touch(FeedKind.WIND, 10.0)
    ages.touch(FeedKind.WIND, 9.0)  # a late report of an older reading
    assert ages.last_s(FeedKind.WIND) == 10.0


def test_health_says_how_old_each_kind_is_and_what_is_stale() -> None:
    core = SeaPlatformCore(SETTINGS)
    core.feed(b"$HEHDT,274.07,T*19\r\n", Stamp(100.0, 1.7e9))
    core.feed(b"$PSXN,23,0.30,-0.97,298.57,0.13*1B\r\n", Stamp(100.2, 1.7e9 + 0.2))
    health = core.health(Stamp(100.35, 1.7e9 + 0.35))
    assert health.ages_s == pytest.approx(
        {
            FeedKind.POSITION: None,
            FeedKind.VELOCITY: None,
            FeedKind.HEADING: 0.15,  # PSXN,23 carries heading too
            FeedKind.MOTION: 0.15,
            FeedKind.WIND: None,
        }
    )
    assert health.stale == {FeedKind.POSITION, FeedKind.VELOCITY, FeedKind.WIND}
    assert health.sentences_by_type == {"HDT": 1, "PSXN,23": 1}
    assert not health.fresh  # and the link has not reported up either
    assert health.counters.sentences_ok == 2


def test_sentence_rates_are_over_a_sliding_window() -> None:
    rates = SentenceRates(window_s=2.0)
    assert rates.snapshot(0.0) == {}  # nothing to measure against yet
    for _ in range(25):
        rates.count("PSXN,23")
    rates.count("GGA")
    assert rates.snapshot(1.0) == {"GGA": 1.0, "PSXN,23": 25.0}
    for _ in range(10):
        rates.count("PSXN,23")
    # From the snapshot at 1.0 (the newest at least 2 s old): 10 in 2 s; no GGA since.
    assert rates.snapshot(3.0) == {"GGA": 0.0, "PSXN,23": 5.0}
    assert rates.snapshot(3.0) == {"GGA": 0.0, "PSXN,23": 5.0}  # no time passed: the same
    assert rates.totals == {"GGA": 1, "PSXN,23": 35}


# --- settings from the config file ---------------------------------------------------------------


def load(text: str) -> GcsConfig:
    return load_dataclass(GcsConfig, tomllib.loads(text), "gcs.toml")


def test_settings_from_a_config_entry() -> None:
    config = load(
        """
        [[platforms]]
        name = "landing-barge"
        connection = "udpin:0.0.0.0:10110"
        require_checksum = false
        motion_source = "phtro+phlin"
        invert_heave = true
        mwv_true_reference = "north"
        maxima_min_window_s = 120.0
        publish_rate_hz = 5.0

        [platforms.station]
        latitude_deg = 31.159
        longitude_deg = -121.933
        on_station_radius_m = 8.0
        heading_true_deg = 300.0

        [platforms.expected_rates]
        motion_hz = 25.0
        heading_hz = 20.0
        stale_after_periods = 4.0
        """
    )
    settings = SeaPlatformSettings.from_config(config.platforms[0])
    assert settings.name == "landing-barge"
    assert (settings.require_checksum, settings.motion_source, settings.invert_heave) == (
        False,
        MotionSource.PHTRO_PHLIN,
        True,
    )
    assert settings.mwv_true_reference is WindTrueReference.NORTH
    assert settings.station == StationAssignment(31.159, -121.933, 8.0, 300.0, 5.0)
    assert settings.expected_intervals_s == pytest.approx(
        {
            FeedKind.POSITION: 1.0,
            FeedKind.VELOCITY: 1.0,
            FeedKind.HEADING: 0.05,
            FeedKind.MOTION: 0.04,
            FeedKind.WIND: 1.0,
        }
    )
    assert settings.stale_after_s(FeedKind.MOTION) == pytest.approx(0.16)
    assert (settings.maxima_min_window_s, settings.publish_interval_s) == (120.0, 0.2)


def test_defaults_need_only_a_name_and_a_connection() -> None:
    config = load('[[platforms]]\nname = "launch-platform"\nconnection = "/dev/ttyUSB1,4800"\n')
    settings = SeaPlatformSettings.from_config(config.platforms[0])
    assert settings.expected_intervals_s == DEFAULT_INTERVALS_S
    assert (settings.station, settings.motion_source, settings.require_checksum) == (
        None,
        MotionSource.AUTO,
        True,
    )


@pytest.mark.parametrize(
    ("table", "key", "expected"),
    [
        ('motion_source = "kvh"', "platforms[0].motion_source", "one of auto, psxn23"),
        ("max_line_chars = 10", "platforms[0].max_line_chars", "an integer from 25 to 4096"),
        ("maxima_min_window_s = 900.0", "platforms[0].maxima_min_window_s", "seconds from 0 to 600"),
        ("publish_rate_hz = 0.0", "platforms[0].publish_rate_hz", "a rate > 0"),
        ('name = ""', "platforms[0].name", "a non-empty platform name"),
        (
            "[platforms.station]\nlatitude_deg = 31.0",
            "platforms[0].station.longitude_deg",
            "a value (this key is required)",
        ),
        (
            "[platforms.station]\nlatitude_deg = 31.0\nlongitude_deg = 200.0",
            "platforms[0].station.longitude_deg",
            "degrees from -180 to 180",
        ),
        (
            "[platforms.expected_rates]\nmotion_hz = 0.0",
            "platforms[0].expected_rates.motion_hz",
            "a rate > 0 and <= 1000 Hz",
        ),
        (
            "[platforms.expected_rates]\nstale_after_periods = 0.5",
            "platforms[0].expected_rates.stale_after_periods",
            "a number from 1 to 1000",
        ),
        (
            "[platforms.expected_rates]\nmotion_rate = 25.0",
            "platforms[0].expected_rates.motion_rate",
            "one of",
        ),
    ],
)
def test_bad_platform_settings_name_their_key(table: str, key: str, expected: str) -> None:
    head = '[[platforms]]\nconnection = "udpin:0.0.0.0:10110"\n'
    if not table.startswith("name"):
        head += 'name = "barge"\n'
    with pytest.raises(ConfigError) as caught:
        load(head + table + "\n")
    assert caught.value.key == key
    assert expected in caught.value.expected


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"stale_after_intervals": 0.0},
        {"publish_interval_s": -1.0},
        {"expected_intervals_s": {FeedKind.MOTION: 0.1}},
        {"max_raw_line_bytes": 10},
    ],
)
def test_bad_settings_are_refused(changes: dict[str, object]) -> None:
    values: dict[str, object] = {"name": "barge", **changes}
    with pytest.raises(ValueError):
        SeaPlatformSettings(**values)  # type: ignore[arg-type]
