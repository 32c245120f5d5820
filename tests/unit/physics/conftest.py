"""Shared fixtures: the project's vehicle and platform configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.physics.config import (
    PlatformConfig,
    VehicleConfig,
    load_platform_config,
    load_vehicle_config,
)

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


@pytest.fixture(scope="session")
def cargo() -> VehicleConfig:
    return load_vehicle_config(CONFIGS / "vehicles" / "cargo-p2p.toml")


@pytest.fixture(scope="session")
def hop() -> VehicleConfig:
    return load_vehicle_config(CONFIGS / "vehicles" / "yxz-1-hop.toml")


@pytest.fixture(scope="session")
def barge() -> PlatformConfig:
    return load_platform_config(CONFIGS / "platforms" / "landing-barge.toml")


@pytest.fixture(scope="session")
def launch_platform() -> PlatformConfig:
    return load_platform_config(CONFIGS / "platforms" / "launch-platform.toml")
