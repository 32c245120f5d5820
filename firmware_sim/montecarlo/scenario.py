"""What a Monte-Carlo batch flies, read from a SITL scenario file (configs/scenarios/*.toml), and which
engine flies it.

Only the parts that shape a flight are read: the vehicle, its flight software (configs/
flight_software/<vehicle name>.toml), the launch and landing platforms. The count, the station
and the expectations belong to the ground's scenario runs and are ignored here. Two engines fly
batches: the vectorised model (every run at once in arrays; only the hop article's hover landing is
ported to it) and the scalar engine (each run by the real flight software and physics, in a pool of
processes; any vehicle). ``choose_engine`` picks one: ``auto`` takes the vectorised model where it
can fly the scenario and the scalar engine elsewhere. A scenario with a simulator fault schedule is
refused by name by both. Ground-side parts (link faults, the team's commands such as a divert) are
not flown: every run flies its flight plan to the landing platform. Knows nothing of the ground
station's scenario loader (the wire between them is the file format, docs/sitl.md).
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.firmware.config import FlightSoftwareConfig, LandingMode, load_flight_software_config
from firmware_sim.physics.config import (
    PlatformConfig,
    VehicleConfig,
    load_platform_config,
    load_vehicle_config,
)
from firmware_sim.sensors import SensorConfig, load_sensor_config

SUPPORTED = "scenarios without a [faults] schedule (hop, corridor, cargo, ...)"
VECTOR_SUPPORTED = (
    "scenarios that fly the hop article (hover landing: hop, corridor, ...) without a [faults] schedule; "
    "others fly with --engine scalar (or auto)"
)


class Engine(enum.Enum):
    """How a batch is flown."""

    AUTO = "auto"  # the vectorised model where it can, the scalar engine elsewhere
    VECTOR = "vector"  # every run at once in arrays (hover landings only)
    SCALAR = "scalar"  # each run by the real flight software and physics, in a process pool


class UnsupportedScenario(ValueError):
    """The scenario cannot be flown by the Monte-Carlo model (the message says what can)."""


@dataclass(frozen=True, slots=True)
class MonteCarloScenario:
    name: str
    path: Path
    vehicle: VehicleConfig
    flight_software: FlightSoftwareConfig
    sensors: SensorConfig
    launch: PlatformConfig
    landing: PlatformConfig


def _resolve(reference: str, scenario_path: Path) -> Path:
    """Scenario paths are relative to the project root: the working directory, or the scenario's."""
    path = Path(reference)
    if path.is_absolute() or path.exists():
        return path
    return scenario_path.resolve().parents[2] / path


def load_scenario(path: Path | str) -> MonteCarloScenario:
    """Read a scenario file for a Monte-Carlo batch.

    Raises:
        UnsupportedScenario: the scenario's vehicle or its faults are beyond the model.
        ValueError: an unreadable or incomplete file (naming it).
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read scenario: {exc}") from exc
    name = str(data.get("name", path.stem))
    try:
        vehicle_path = _resolve(str(data["vehicle"]["config"]), path)
        platforms = {str(p["role"]): p for p in data["platforms"]}
        launch_entry, landing_entry = platforms["launch"], platforms["landing"]
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"{path}: scenario needs [vehicle] config and launch and landing [[platforms]]: missing {exc}"
        ) from None
    vehicle = load_vehicle_config(vehicle_path)
    fs_path = vehicle_path.parent.parent / "flight_software" / f"{vehicle.name}.toml"
    flight_software = load_flight_software_config(fs_path)
    if "faults" in data:
        raise UnsupportedScenario(
            f"scenario {name!r} has a fault schedule, which the Monte-Carlo engines do not apply; "
            f"supported: {SUPPORTED}"
        )
    return MonteCarloScenario(
        name,
        path,
        vehicle,
        flight_software,
        load_sensor_config(fs_path),
        load_platform_config(_resolve(str(launch_entry["config"]), path)),
        load_platform_config(_resolve(str(landing_entry["config"]), path)),
    )


def vector_refusal(scenario: MonteCarloScenario) -> str | None:
    """Why the vectorised model cannot fly the scenario (None: it can)."""
    mode = scenario.flight_software.landing.mode
    if mode is LandingMode.HOVER:
        return None
    return (
        f"scenario {scenario.name!r}: vehicle {scenario.vehicle.name!r} lands with the {mode.value} "
        f"guidance, which the vectorised Monte-Carlo model does not fly; supported: {VECTOR_SUPPORTED}"
    )


def choose_engine(scenario: MonteCarloScenario, asked: Engine) -> Engine:
    """The engine that flies the batch: ``asked``, or for AUTO the vectorised model where it can.

    Raises:
        UnsupportedScenario: VECTOR asked for a scenario it cannot fly.
    """
    refusal = vector_refusal(scenario)
    if asked is Engine.AUTO:
        return Engine.VECTOR if refusal is None else Engine.SCALAR
    if asked is Engine.VECTOR and refusal is not None:
        raise UnsupportedScenario(refusal)
    return asked
