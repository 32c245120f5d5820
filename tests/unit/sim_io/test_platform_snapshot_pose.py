"""The sensor box's snapshot takes the deck centre from the motion alone: exactly what the pose says.

``platform_snapshot`` skips the pose's axes and rates (a sensor box senses none of them); its
position, heading and motion must be bit for bit those of ``Platform.pose`` at the same instant, with
and without sea-state changes and moves off station. Likewise the wind over the deck, which takes
the platform's drift and heading from station keeping alone (not the whole motion, sea included),
and the deck velocity the vehicle's sensors take without the pose.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from firmware_sim.faults.schedule import load_fault_schedule
from firmware_sim.faults.timeline import platform_conditions
from firmware_sim.io.platform_state import platform_snapshot
from firmware_sim.physics.conditions import PlatformConditions, StationMove, WindChange, mean_wind_ned_mps
from firmware_sim.physics.config import load_platform_config
from firmware_sim.physics.earth import ecef_to_geodetic
from firmware_sim.physics.platform import ANEMOMETER_HEIGHT_ABOVE_DECK_M, Platform

START = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def _platforms() -> list[Platform]:
    out = []
    for name in ("landing-barge", "launch-platform", "hop-alternate"):
        config = load_platform_config(f"configs/platforms/{name}.toml")
        out.append(Platform(config, seed=3))
    high_sea = load_fault_schedule("configs/scenarios/high-sea.toml")
    config = load_platform_config("configs/platforms/hop-barge.toml")
    faults = high_sea.for_platform(config.name)
    assert faults  # the sea rises at 120 s over 30 s: times before, during and after it below
    out.append(Platform(config, seed=3, conditions=platform_conditions(faults, config)))
    return out


@pytest.mark.parametrize("platform", _platforms(), ids=lambda p: p.name)
def test_the_snapshot_is_the_pose_at_that_instant(platform: Platform) -> None:
    for t_s in (0.0, 0.3, 17.25, 135.0, 455.0, 1805.5, 3000.0):
        snap = platform_snapshot(platform, t_s, START, (5.0, 30.0))
        pose = platform.pose(np.array([t_s, t_s + 0.05]))
        geo = ecef_to_geodetic(pose.center_ecef_m[0])
        assert snap.sensors.latitude_deg == float(geo.latitude_deg)
        assert snap.sensors.longitude_deg == float(geo.longitude_deg)
        assert snap.sensors.altitude_msl_m == float(geo.height_m)
        assert snap.sensors.heading_true_deg == float(pose.motion.heading_deg[0]) % 360.0
        assert snap.sensors.heave_up_m == float(pose.motion.heave_m[0])
        heave_accel = float(pose.motion.heave_rate_mps[1] - pose.motion.heave_rate_mps[0]) / 0.05
        assert snap.sensors.vertical_accel_up_mps2 == heave_accel


def _wind_from_the_motion(platform: Platform, time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Platform.wind_over_deck`` as it was: the drift and heading taken from the whole motion."""
    t = np.asarray(time_s, dtype=np.float64)
    height = np.full_like(t, platform.config.position.deck_height_m + ANEMOMETER_HEIGHT_ABOVE_DECK_M)
    north, east = platform.wind.wind_ned_mps(t, height)
    if platform.conditions.wind:
        wind = platform.wind
        base_north = np.interp(height, wind.profile_altitude_m, wind.profile_north_mps)
        base_east = np.interp(height, wind.profile_altitude_m, wind.profile_east_mps)
        mean_north, mean_east = mean_wind_ned_mps(platform.conditions.wind, base_north, base_east, t)
        north, east = north + (mean_north - base_north), east + (mean_east - base_east)
    m = platform.motion(t)
    apparent_north = north - m.drift_north_mps
    apparent_east = east - m.drift_east_mps
    speed = np.hypot(apparent_north, apparent_east)
    from_deg = np.degrees(np.arctan2(-apparent_east, -apparent_north))
    return speed, (from_deg - m.heading_deg) % 360.0


def _windy_moving_barge() -> Platform:
    config = load_platform_config("configs/platforms/landing-barge.toml")
    conditions = PlatformConditions(
        wind=(WindChange(100.0, 30.0, 20.0, 300.0),), moves=(StationMove(100.0, 60.0, 30.0, 40.0),)
    )
    return Platform(config, seed=5, conditions=conditions)


@pytest.mark.parametrize("platform", [*_platforms(), _windy_moving_barge()], ids=lambda p: p.name)
def test_the_wind_over_deck_needs_no_sea(platform: Platform) -> None:
    times = np.array([0.0, 0.3, 17.25, 110.0, 135.0, 455.0, 1805.5, 3000.0])
    for t in [times, times[3:4]]:
        speed, angle = platform.wind_over_deck(t)
        old_speed, old_angle = _wind_from_the_motion(platform, t)
        assert np.array_equal(speed, old_speed)
        assert np.array_equal(angle, old_angle)


def test_the_deck_velocity_is_the_poses() -> None:
    for platform in [*_platforms(), _windy_moving_barge()]:
        t = np.array([0.0, 17.25, 135.0, 1805.5])
        pose = platform.pose(t)
        assert np.array_equal(platform.velocity_ecef_mps(pose.motion), pose.velocity_ecef_mps)
        m = pose.motion
        rate_ned = np.stack([m.drift_north_mps, m.drift_east_mps, -m.heave_rate_mps], axis=-1)
        assert np.array_equal(pose.velocity_ecef_mps, rate_ned @ platform._ned.T.T)  # as pose had it
