"""The sensor box's snapshot takes the deck centre from the motion alone: exactly what the pose says.

``platform_snapshot`` skips the pose's axes and rates (a sensor box senses none of them); its
position, heading and motion must be bit for bit those of ``Platform.pose`` at the same instant, with
and without sea-state changes and moves off station.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from firmware_sim.faults.schedule import load_fault_schedule
from firmware_sim.faults.timeline import platform_conditions
from firmware_sim.io.platform_state import platform_snapshot
from firmware_sim.physics.config import load_platform_config
from firmware_sim.physics.earth import ecef_to_geodetic
from firmware_sim.physics.platform import Platform

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
