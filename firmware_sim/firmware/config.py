"""The flight software's own configuration: what it knows of its vehicle and how it lands.

Loaded from ``configs/flight_software/<name>.toml``. The vehicle numbers are the flight software's
own copy (a real flight computer carries its vehicle database; it cannot read the physics), and a
unit test holds them to ``configs/vehicles/<name>.toml``. The file's ``[sensors]`` table belongs to
the SITL sensor models (``firmware_sim/sensors.py``) and is skipped here. Knows nothing of physics.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

STANDARD_GRAVITY_MPS2 = 9.80665
#: Tables of the file that other readers own.
_FOREIGN_TABLES = frozenset({"sensors"})


class FlightSoftwareConfigError(ValueError):
    """A flight-software config file is missing, unreadable or has a bad key (named in the message)."""


class LandingMode(enum.Enum):
    HOVERSLAM = "hoverslam"  # light late, reach zero speed at the deck; cannot hover (T/W > 1)
    HOVER = "hover"  # can hover: stop above the deck, hold, then descend slowly


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True, slots=True)
class VehicleKnowledge:
    """Nominal vehicle numbers the guidance plans with (per engine where it says so)."""

    engine_count: int
    thrust_vacuum_n: float  # per engine
    isp_vacuum_s: float
    isp_sea_level_s: float
    min_throttle: float
    max_ignitions: int
    ignition_ramp_s: float
    shutdown_ramp_s: float
    throttle_slew_per_s: float
    gimbal_limit_deg: float
    max_rate_dps: float
    inert_mass_kg: float  # dry + cargo
    lox_mass_kg: float  # full load
    ch4_mass_kg: float
    unusable_fraction: float
    chamber_pressure_nominal_pa: float  # at full throttle
    cg_height_above_base_m: float
    diameter_m: float
    drag_coefficient: float  # subsonic, for the impact-point predictor and the landing burn
    drag_coefficient_supersonic: float = 0.0  # above ~Mach 1.2 (0: the subsonic value)
    normal_force_slope_per_rad: float = 2.0  # body lift across the flow, for steering in the air
    #: The nominal cargo inside ``inert_mass_kg``: the parameter CARGO_MASS_KG's default, the rest
    #: of the inert mass is the dry vehicle's.
    cargo_mass_kg: float = 0.0

    def __post_init__(self) -> None:
        _require(self.engine_count >= 1, "vehicle.engine_count must be >= 1")
        for name in (
            "thrust_vacuum_n",
            "isp_vacuum_s",
            "isp_sea_level_s",
            "inert_mass_kg",
            "chamber_pressure_nominal_pa",
            "diameter_m",
            "max_rate_dps",
        ):
            _require(getattr(self, name) > 0, f"vehicle.{name} must be > 0")
        _require(0.0 < self.min_throttle <= 1.0, "vehicle.min_throttle must be in (0, 1]")
        _require(
            0.0 <= self.cargo_mass_kg < self.inert_mass_kg,
            "vehicle.cargo_mass_kg must be >= 0 and less than vehicle.inert_mass_kg (dry + cargo)",
        )

    @property
    def dry_mass_kg(self) -> float:
        """The vehicle without its cargo (and without propellant)."""
        return self.inert_mass_kg - self.cargo_mass_kg

    def with_cargo(self, cargo_mass_kg: float) -> VehicleKnowledge:
        """These numbers with another cargo loaded (the inert mass follows)."""
        return dataclasses.replace(
            self, inert_mass_kg=self.dry_mass_kg + cargo_mass_kg, cargo_mass_kg=cargo_mass_kg
        )

    @property
    def supersonic_drag_ratio(self) -> float:
        """Supersonic over subsonic drag coefficient (1 when only one is known)."""
        if self.drag_coefficient_supersonic <= 0.0:
            return 1.0
        return self.drag_coefficient_supersonic / self.drag_coefficient

    @property
    def reference_area_m2(self) -> float:
        return math.pi * self.diameter_m**2 / 4.0

    @property
    def mass_flow_full_kg_per_s(self) -> float:
        """Propellant flow of one engine at full throttle."""
        return self.thrust_vacuum_n / (self.isp_vacuum_s * STANDARD_GRAVITY_MPS2)

    @property
    def exit_area_m2(self) -> float:
        """Nozzle exit area of one engine, from the sea-level/vacuum Isp pair at constant flow."""
        return self.thrust_vacuum_n * (1.0 - self.isp_sea_level_s / self.isp_vacuum_s) / 101_325.0

    def thrust_n(self, engines: int, throttle: float, ambient_pressure_pa: float) -> float:
        """Cluster thrust at a throttle (per engine) and ambient pressure."""
        if engines <= 0:
            return 0.0
        per_engine = throttle * self.thrust_vacuum_n - ambient_pressure_pa * self.exit_area_m2
        return max(engines * per_engine, 0.0)


@dataclass(frozen=True, slots=True)
class LandingConfig:
    mode: LandingMode
    #: Engines lit for the landing burn (the cargo vehicle lands on one, the hop article has one).
    engines: int = 1
    #: Engines the landing burn may light for its first, hard braking (0: only ``engines``).
    braking_engines: int = 0

    def __post_init__(self) -> None:
        _require(self.engines >= 1, "landing.engines must be >= 1")
        _require(self.braking_engines >= 0, "landing.braking_engines must be >= 0")

    @property
    def most_engines(self) -> int:
        """The most engines the landing burn ever lights."""
        return max(self.engines, self.braking_engines)


@dataclass(frozen=True, slots=True)
class ControlConfig:
    #: The control loop's period on the simulation clock.
    control_tick_s: float = 0.05

    def __post_init__(self) -> None:
        _require(0.001 <= self.control_tick_s <= 1.0, "control.control_tick_s must be in [0.001, 1]")


@dataclass(frozen=True, slots=True)
class FlightSoftwareConfig:
    name: str
    vehicle: VehicleKnowledge
    landing: LandingConfig
    control: ControlConfig = ControlConfig()

    def __post_init__(self) -> None:
        _require(
            self.landing.most_engines <= self.vehicle.engine_count,
            "landing.engines and landing.braking_engines must not exceed vehicle.engine_count",
        )


def load_flight_software_config(path: Path | str) -> FlightSoftwareConfig:
    """Load ``configs/flight_software/<name>.toml``.

    Raises:
        FlightSoftwareConfigError: naming the file and the key that is wrong.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FlightSoftwareConfigError(f"{path}: cannot read flight software config: {exc}") from exc
    own = {key: value for key, value in data.items() if key not in _FOREIGN_TABLES}
    try:
        return _build(FlightSoftwareConfig, own, "")
    except (ValueError, TypeError) as exc:
        raise FlightSoftwareConfigError(f"{path}: {exc}") from None


def _build(cls: type[T], data: object, prefix: str) -> T:
    if not isinstance(data, Mapping):
        raise ValueError(f"{prefix or 'top level'}: expected a table")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{prefix + '.' if prefix else ''}{unknown[0]}: unknown key")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        key = f"{prefix}.{name}" if prefix else name
        if name in data:
            values[name] = _convert(hints[name], data[name], key)
        elif f.default is dataclasses.MISSING:
            raise ValueError(f"{key}: required key missing")
    return cls(**values)


def _convert(hint: Any, value: object, key: str) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, key)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        choices = [str(m.value) for m in hint]
        if value not in choices:
            raise ValueError(f"{key}: expected one of {', '.join(choices)}, got {value!r}")
        return hint(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"{key}: expected a string, got {value!r}")
        return value
    raise ValueError(f"{key}: unsupported type {hint}")
