"""A platform's sensor box builds the wind over the deck and the deck's geodetic position only for the
sentences that carry them (MWV; GGA and RMC): what it sends is exactly what a box building the whole
snapshot, wind and position included, at every poll would send.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from firmware_sim.io.nmea_talker import MotionFormat, PlatformSensorTalker, TalkerConfig
from firmware_sim.io.platform_process import PlatformOptions, PlatformProcess
from firmware_sim.io.platform_state import platform_snapshot, wind_over_deck

START = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
CONFIGS = Path(__file__).resolve().parents[3] / "configs"


@pytest.mark.parametrize("motion_format", list(MotionFormat))
@pytest.mark.parametrize("step_s", [0.2, 0.013])  # polls 2 ms apart at 100x, 13 ms of a slow clock
def test_the_box_sends_what_a_whole_snapshot_at_every_poll_gives(
    motion_format: MotionFormat, step_s: float
) -> None:
    options = PlatformOptions(
        config=CONFIGS / "platforms" / "landing-barge.toml",
        nmea="udpout:127.0.0.1:9",
        speed=100.0,
        motion_format=motion_format,
        start_utc=START,
    )
    box = PlatformProcess(options, announce=lambda line: None)
    reference = PlatformSensorTalker(TalkerConfig(motion_format, options.rates_hz))
    jitter = random.Random(3)
    now_s, sent, positions = 0.0, 0, 0
    while now_s < 40.0:
        data = box.nmea_due(now_s)
        if reference.any_due(now_s):
            whole = platform_snapshot(box.platform, now_s, START, wind_over_deck(box.platform, now_s))
            assert data == reference.due(whole.sensors, now_s), now_s
            sent += 1
            positions += b"GGA" in data
        else:
            assert data == b""
        now_s += step_s * jitter.uniform(0.5, 1.5)
    assert sent > 150
    assert 35 <= positions <= 41  # one fix a second
