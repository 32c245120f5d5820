"""Test doubles for the flight computer: a parameter dict and synthetic sensor frames on the pad."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from firmware_sim.firmware.config import FlightSoftwareConfig, load_flight_software_config
from firmware_sim.firmware.flight_plan_types import FlightPlan, MissionKind, PlatformSite
from firmware_sim.firmware.frames import GnssSample, ImuSample, SensorFrame
from firmware_sim.firmware.param_defs import parameter_defaults
from firmware_sim.physics.vehicle import attitude_from_ned

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
PAD_LATITUDE_DEG = 36.5
PAD_LONGITUDE_DEG = 121.6
PAD_ALTITUDE_M = 40.0


class DictParams:
    """A ParamSource over the defaults, with overrides."""

    def __init__(self, **overrides: float) -> None:
        self.values = parameter_defaults()
        self.values.update(overrides)

    def get(self, name: str) -> float:
        return self.values[name]


def hop_config() -> FlightSoftwareConfig:
    return load_flight_software_config(CONFIGS / "flight_software" / "yxz-1-hop.toml")


def cargo_config() -> FlightSoftwareConfig:
    return load_flight_software_config(CONFIGS / "flight_software" / "cargo-p2p.toml")


def hop_plan(alternate: bool = False) -> FlightPlan:
    return FlightPlan(
        MissionKind.HOP_TEST,
        PAD_LATITUDE_DEG,
        PAD_LONGITUDE_DEG,
        PlatformSite("hop-barge", 36.5, 121.6045),
        PlatformSite("spare-barge", 36.505, 121.6045) if alternate else None,
    )


def pad_frame(
    time_s: float,
    *,
    chamber_pressure_pa: float = 0.0,
    clamps_closed: bool = True,
    vertical_speed_up_mps: float = 0.0,
    contact: bool = False,
) -> SensorFrame:
    """Sensors of a vehicle standing upright on the pad (or just above it, climbing)."""
    q = attitude_from_ned(PAD_LATITUDE_DEG, PAD_LONGITUDE_DEG, 90.0, 0.0)
    return SensorFrame(
        time_s=time_s,
        imu=ImuSample((9.8, 0.0, 0.0), (0.0, 0.0, 0.0), (float(q[0]), float(q[1]), float(q[2]), float(q[3]))),
        gnss=GnssSample(
            True, PAD_LATITUDE_DEG, PAD_LONGITUDE_DEG, PAD_ALTITUDE_M, (0.0, 0.0, -vertical_speed_up_mps)
        ),
        baro_altitude_m=PAD_ALTITUDE_M,
        chamber_pressure_pa=(chamber_pressure_pa,),
        lox_mass_kg=16318.0,
        ch4_mass_kg=4662.0,
        decks=(),
        clamps_closed=clamps_closed,
        touchdown_contact=contact,
    )


def unit_quaternion_norm(q: tuple[float, float, float, float]) -> float:
    return float(np.linalg.norm(q))
