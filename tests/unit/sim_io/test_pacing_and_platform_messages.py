"""Serial pacing at a baud rate, and the platform's MAVLink messages from a snapshot of the platform model."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from firmware_sim.io.pacing import BaudPacer
from firmware_sim.io.platform_mavlink import DeckMaxima, PlatformMessages
from firmware_sim.io.platform_state import platform_snapshot, wind_over_deck
from firmware_sim.physics.config import load_platform_config
from firmware_sim.physics.platform import Platform
from gcs.protocol.dialect import seaport
from tests.unit.sim_io.mav_roundtrip import received

S = seaport
BARGE = "configs/platforms/landing-barge.toml"


def test_chunks_go_out_no_faster_than_the_line() -> None:
    pacer = BaudPacer(38400)  # 3840 bytes/s
    assert pacer.delay_s(0.0, 384) == 0.0
    assert pacer.delay_s(0.0, 384) == pytest.approx(0.1)  # waits for the first chunk to finish
    assert pacer.delay_s(0.5, 10) == 0.0  # the line was idle again
    with pytest.raises(ValueError):
        BaudPacer(0)


def test_deck_maxima_forget_what_is_older_than_the_window() -> None:
    maxima = DeckMaxima(window_s=10.0)
    assert maxima.add(0.0, -3.0, 1.0, 0.5) == (3.0, 1.0, 0.5)
    assert maxima.add(5.0, 1.0, -2.0, 0.1) == (3.0, 2.0, 0.5)
    assert maxima.add(12.0, 0.5, 0.5, 0.2) == (1.0, 2.0, 0.2)


def test_the_platform_on_mavlink_matches_its_model() -> None:
    config = load_platform_config(BARGE)
    platform = Platform(config, seed=3)
    start = dt.datetime(2026, 5, 29, 12, 0, tzinfo=dt.UTC)
    snap = platform_snapshot(platform, 42.0, start, wind_over_deck(platform, 42.0))
    motion = platform.motion([42.0])
    assert snap.sensors.time_utc == start + dt.timedelta(seconds=42)
    assert snap.sensors.heave_up_m == pytest.approx(float(motion.heave_m[0]))
    assert snap.sensors.roll_port_up_deg == pytest.approx(float(motion.roll_deg[0]))
    assert abs(snap.sensors.latitude_deg - config.position.latitude_deg) < 1e-3
    messages = PlatformMessages(platform_id=2)

    beat = received(messages.build(S.MAVLINK_MSG_ID_HEARTBEAT, snap), (2, 1))
    assert (beat.type, beat.autopilot) == (S.MAV_TYPE_SURFACE_BOAT, S.MAV_AUTOPILOT_INVALID)
    deck = received(messages.build(S.MAVLINK_MSG_ID_DECK_MOTION, snap), (2, 1))
    assert (deck.platform_id, deck.time_boot_ms) == (2, 42_000)
    assert deck.heave_m == pytest.approx(snap.sensors.heave_up_m, abs=1e-6)
    assert deck.pitch_max_10min_deg == pytest.approx(abs(snap.sensors.pitch_bow_up_deg), abs=1e-6)
    status = received(messages.build(S.MAVLINK_MSG_ID_PLATFORM_STATUS, snap), (2, 1))
    assert status.lat_deg_e7 == round(snap.sensors.latitude_deg * 1e7)
    assert status.flags & S.PLATFORM_FLAGS_READY_TO_RECEIVE
    position = received(messages.build(S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, snap), (2, 1))
    assert position.hdg == round(snap.sensors.heading_true_deg * 100) % 36000
    attitude = received(messages.build(S.MAVLINK_MSG_ID_ATTITUDE, snap), (2, 1))
    assert math.degrees(attitude.roll) == pytest.approx(snap.sensors.roll_port_up_deg, abs=1e-4)
