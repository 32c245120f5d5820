"""Vehicle and platform configuration: TOML files loaded into frozen dataclasses with units in names.

The only I/O in the physics package. A bad file raises ``PhysicsConfigError`` naming the file, the
dotted key and what was expected; unknown keys are errors too, so a typo never falls back to a
default. Knows nothing of how the numbers are used beyond their ranges.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from firmware_sim.physics.waves import SpectrumKind

T = TypeVar("T")


class PhysicsConfigError(ValueError):
    """A vehicle or platform file is unreadable, or a key is missing, unknown or out of range."""

    def __init__(self, path: Path | str, key: str, expected: str, got: object = None) -> None:
        where = f"{path}: {key}" if key else str(path)
        got_text = "" if got is None else f", got {got!r}"
        super().__init__(f"{where}: expected {expected}{got_text}")
        self.path = Path(path)
        self.key = key
        self.expected = expected


class _Invalid(ValueError):
    """Raised by field checks with the field name; the loader adds the file and the table."""

    def __init__(self, key: str, expected: str, got: object) -> None:
        super().__init__(key)
        self.key = key
        self.expected = expected
        self.got = got


def _positive(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not (value > 0 and math.isfinite(value)):
            raise _Invalid(name, "a finite number > 0", value)


def _non_negative(owner: object, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not (value >= 0 and math.isfinite(value)):
            raise _Invalid(name, "a finite number >= 0", value)


def _within(owner: object, name: str, low: float, high: float) -> None:
    value = getattr(owner, name)
    if not low <= value <= high:
        raise _Invalid(name, f"a number from {low} to {high}", value)


# --- vehicle -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StructureConfig:
    dry_mass_kg: float
    cargo_mass_kg: float
    diameter_m: float
    length_m: float
    nose_radius_m: float
    cg_height_above_base_m: float

    def __post_init__(self) -> None:
        _positive(self, "dry_mass_kg", "diameter_m", "length_m", "nose_radius_m", "cg_height_above_base_m")
        _non_negative(self, "cargo_mass_kg")

    @property
    def reference_area_m2(self) -> float:
        return math.pi * self.diameter_m**2 / 4.0


@dataclass(frozen=True, slots=True)
class PropellantConfig:
    lox_mass_kg: float
    ch4_mass_kg: float
    unusable_fraction: float = 0.0

    def __post_init__(self) -> None:
        _non_negative(self, "lox_mass_kg", "ch4_mass_kg")
        _within(self, "unusable_fraction", 0.0, 0.5)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    count: int
    thrust_vacuum_n: float
    isp_vacuum_s: float
    isp_sea_level_s: float
    mixture_ratio: float
    min_throttle: float
    throttle_slew_per_s: float
    ignition_ramp_s: float
    shutdown_ramp_s: float
    max_ignitions: int
    gimbal_limit_deg: float

    def __post_init__(self) -> None:
        if not 1 <= self.count <= 64:
            raise _Invalid("count", "an integer from 1 to 64", self.count)
        _positive(self, "thrust_vacuum_n", "isp_vacuum_s", "isp_sea_level_s", "mixture_ratio")
        _positive(self, "throttle_slew_per_s", "ignition_ramp_s", "shutdown_ramp_s")
        if self.isp_sea_level_s > self.isp_vacuum_s:
            raise _Invalid("isp_sea_level_s", "a value no larger than isp_vacuum_s", self.isp_sea_level_s)
        _within(self, "min_throttle", 0.05, 1.0)
        _within(self, "gimbal_limit_deg", 0.0, 30.0)
        if self.max_ignitions < 1:
            raise _Invalid("max_ignitions", "an integer >= 1", self.max_ignitions)


@dataclass(frozen=True, slots=True)
class AeroConfig:
    mach: tuple[float, ...]
    drag_coefficient: tuple[float, ...]
    normal_force_slope_per_rad: float

    def __post_init__(self) -> None:
        if len(self.mach) < 2 or any(b <= a for a, b in zip(self.mach, self.mach[1:], strict=False)):
            raise _Invalid("mach", "at least two increasing Mach numbers", self.mach)
        if len(self.drag_coefficient) != len(self.mach) or min(self.drag_coefficient) < 0:
            raise _Invalid(
                "drag_coefficient", f"{len(self.mach)} values >= 0 (one per mach)", self.drag_coefficient
            )
        _non_negative(self, "normal_force_slope_per_rad")


@dataclass(frozen=True, slots=True)
class AttitudeConfig:
    max_rate_dps: float
    max_acceleration_dps2: float
    attitude_time_constant_s: float
    rate_time_constant_s: float

    def __post_init__(self) -> None:
        _positive(
            self, "max_rate_dps", "max_acceleration_dps2", "attitude_time_constant_s", "rate_time_constant_s"
        )


@dataclass(frozen=True, slots=True)
class LandingGearConfig:
    max_vertical_speed_mps: float
    max_horizontal_speed_mps: float
    max_tilt_deg: float

    def __post_init__(self) -> None:
        _positive(self, "max_vertical_speed_mps", "max_horizontal_speed_mps", "max_tilt_deg")


@dataclass(frozen=True, slots=True)
class IntegrationConfig:
    step_s: float
    coast_step_s: float
    coast_floor_altitude_m: float
    max_control_cycle_s: float
    entry_interface_altitude_m: float

    def __post_init__(self) -> None:
        _positive(self, "step_s", "coast_step_s", "max_control_cycle_s", "entry_interface_altitude_m")
        _non_negative(self, "coast_floor_altitude_m")
        if self.coast_step_s < self.step_s:
            raise _Invalid(
                "coast_step_s", f"a step no shorter than step_s ({self.step_s})", self.coast_step_s
            )


@dataclass(frozen=True, slots=True)
class CargoBayConfig:
    """The cargo bay's limits (``[cargo_bay]``). The physics does not use them; the ground station
    checks manifests against them. Parsed here so the simulator reads the same files strictly."""

    inner_diameter_m: float
    height_m: float
    volume_m3: float
    max_mass_kg: float
    max_parcel_mass_kg: float
    cg_axial_min_m: float
    cg_axial_max_m: float
    cg_lateral_max_m: float
    handling_classes: tuple[str, ...]

    def __post_init__(self) -> None:
        _positive(self, "inner_diameter_m", "height_m", "volume_m3", "max_mass_kg", "max_parcel_mass_kg")
        if self.max_parcel_mass_kg > self.max_mass_kg:
            raise _Invalid("max_parcel_mass_kg", "a mass no larger than max_mass_kg", self.max_parcel_mass_kg)
        _within(self, "cg_axial_min_m", 0.0, self.height_m)
        _within(self, "cg_axial_max_m", self.cg_axial_min_m, self.height_m)
        _within(self, "cg_lateral_max_m", 0.0, self.inner_diameter_m / 2.0)
        names = self.handling_classes
        if not names or len(set(names)) != len(names) or not all(n.isidentifier() for n in names):
            raise _Invalid("handling_classes", "one or more distinct class names", names)


@dataclass(frozen=True, slots=True)
class VehicleConfig:
    name: str
    structure: StructureConfig
    propellant: PropellantConfig
    engine: EngineConfig
    aero: AeroConfig
    attitude: AttitudeConfig
    landing_gear: LandingGearConfig
    integration: IntegrationConfig
    cargo_bay: CargoBayConfig | None = None

    @property
    def liftoff_mass_kg(self) -> float:
        s, p = self.structure, self.propellant
        return s.dry_mass_kg + s.cargo_mass_kg + p.lox_mass_kg + p.ch4_mass_kg


# --- platform ------------------------------------------------------------------------------------


class PlatformKind(enum.Enum):
    LANDING_BARGE = "landing_barge"
    LAUNCH_PLATFORM = "launch_platform"


@dataclass(frozen=True, slots=True)
class PlatformPositionConfig:
    latitude_deg: float
    longitude_deg: float
    heading_deg: float
    deck_height_m: float

    def __post_init__(self) -> None:
        _within(self, "latitude_deg", -90.0, 90.0)
        _within(self, "longitude_deg", -180.0, 180.0)
        _within(self, "heading_deg", 0.0, 360.0)
        _within(self, "deck_height_m", 0.0, 100.0)


@dataclass(frozen=True, slots=True)
class DeckConfig:
    length_m: float
    width_m: float

    def __post_init__(self) -> None:
        _positive(self, "length_m", "width_m")


@dataclass(frozen=True, slots=True)
class MotionResponseConfig:
    heave_natural_period_s: float
    heave_damping_ratio: float
    pitch_natural_period_s: float
    pitch_damping_ratio: float
    roll_natural_period_s: float
    roll_damping_ratio: float

    def __post_init__(self) -> None:
        _positive(self, "heave_natural_period_s", "pitch_natural_period_s", "roll_natural_period_s")
        _positive(self, "heave_damping_ratio", "pitch_damping_ratio", "roll_damping_ratio")


@dataclass(frozen=True, slots=True)
class StationKeepingConfig:
    position_sigma_m: float
    heading_sigma_deg: float
    shortest_period_s: float
    longest_period_s: float

    def __post_init__(self) -> None:
        _non_negative(self, "position_sigma_m", "heading_sigma_deg")
        _positive(self, "shortest_period_s")
        if self.longest_period_s <= self.shortest_period_s:
            raise _Invalid(
                "longest_period_s", "a period longer than shortest_period_s", self.longest_period_s
            )


@dataclass(frozen=True, slots=True)
class SeaStateConfig:
    spectrum: SpectrumKind
    significant_wave_height_m: float
    peak_period_s: float
    wave_direction_from_deg: float
    peak_enhancement: float | None = None

    def __post_init__(self) -> None:
        _non_negative(self, "significant_wave_height_m")
        _positive(self, "peak_period_s")
        _within(self, "wave_direction_from_deg", 0.0, 360.0)
        if self.peak_enhancement is not None:
            _within(self, "peak_enhancement", 1.0, 10.0)


@dataclass(frozen=True, slots=True)
class WindConfig:
    altitude_m: tuple[float, ...]
    speed_mps: tuple[float, ...]
    direction_from_deg: tuple[float, ...]
    gust_sigma_mps: float
    gust_top_altitude_m: float

    def __post_init__(self) -> None:
        n = len(self.altitude_m)
        if n < 1 or any(b <= a for a, b in zip(self.altitude_m, self.altitude_m[1:], strict=False)):
            raise _Invalid("altitude_m", "one or more increasing altitudes", self.altitude_m)
        if len(self.speed_mps) != n or min(self.speed_mps) < 0:
            raise _Invalid("speed_mps", f"{n} speeds >= 0 (one per altitude)", self.speed_mps)
        if len(self.direction_from_deg) != n:
            raise _Invalid(
                "direction_from_deg", f"{n} directions (one per altitude)", self.direction_from_deg
            )
        _non_negative(self, "gust_sigma_mps")
        _positive(self, "gust_top_altitude_m")


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    name: str
    kind: PlatformKind
    position: PlatformPositionConfig
    deck: DeckConfig
    motion: MotionResponseConfig
    station_keeping: StationKeepingConfig
    sea_state: SeaStateConfig
    wind: WindConfig


# --- loading -------------------------------------------------------------------------------------


def load_vehicle_config(path: Path | str) -> VehicleConfig:
    """Load ``configs/vehicles/<name>.toml``.

    Raises:
        PhysicsConfigError: naming the file, the dotted key and what was expected.
    """
    return _load(VehicleConfig, path)


def load_platform_config(path: Path | str) -> PlatformConfig:
    """Load ``configs/platforms/<name>.toml``.

    Raises:
        PhysicsConfigError: naming the file, the dotted key and what was expected.
    """
    return _load(PlatformConfig, path)


def _load(cls: type[T], path: Path | str) -> T:
    return build_table(cls, read_toml(path), path, "")


def read_toml(path: Path | str) -> dict[str, Any]:
    """A TOML file's top-level table, for loaders of the simulator's other files (the fault schedule).

    Raises:
        PhysicsConfigError: the file is missing, unreadable, not UTF-8 or not TOML.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise PhysicsConfigError(path, "", "an existing file") from exc
    except (IsADirectoryError, PermissionError) as exc:
        raise PhysicsConfigError(path, "", "a readable file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PhysicsConfigError(path, "", f"valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise PhysicsConfigError(path, "", "UTF-8 text") from exc


FieldError = _Invalid
"""What a dataclass's own field checks raise (key, expected, got); ``build_table`` adds the file and
the table, so other loaders report bad keys exactly as the vehicle and platform loaders do."""


def build_table(cls: type[T], data: object, path: Path | str, key: str) -> T:
    """Build ``cls`` from a parsed TOML table found at dotted ``key`` of the file ``path``.

    Unknown keys, missing keys, wrong types and the dataclass's own checks (``FieldError``) all
    raise ``PhysicsConfigError`` naming the file, the dotted key and what was expected.
    """
    try:
        return _build(cls, data, key)
    except _Invalid as exc:
        raise PhysicsConfigError(path, exc.key, exc.expected, exc.got) from None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _build(cls: type[T], data: object, prefix: str) -> T:
    if not isinstance(data, Mapping):
        raise _Invalid(prefix or "(top level)", "a table", data)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _Invalid(_join(prefix, unknown[0]), "one of " + ", ".join(sorted(fields)), "unknown key")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        key = _join(prefix, name)
        if name in data:
            values[name] = _convert(hints[name], data[name], key)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _Invalid(key, "a value (this key is required)", None)
    try:
        return cls(**values)
    except _Invalid as exc:
        exc.key = _join(prefix, exc.key)
        raise


def _convert(hint: Any, value: object, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return _convert(non_none[0], value, key)
        raise _Invalid(key, f"a value of type {hint}", value)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Invalid(key, "an array", value)
        return tuple(_convert(args[0], item, f"{key}[{i}]") for i, item in enumerate(value))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, key)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        choices = [str(m.value) for m in hint]
        if not isinstance(value, str) or value not in choices:
            raise _Invalid(key, "one of " + ", ".join(choices), value)
        return hint(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(key, "an integer", value)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(key, "a number", value)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _Invalid(key, "a string", value)
        return value
    raise _Invalid(key, f"a value of type {hint}", value)
