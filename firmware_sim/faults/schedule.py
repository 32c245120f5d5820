"""The fault schedule of a SITL run: a TOML file of vehicle and platform faults, as frozen values.

The file (docs/sitl.md, "Fault schedules") holds two arrays of tables, ``[[vehicle]]`` and
``[[platform]]``; each entry names its ``kind`` and when it begins (``at_s``). A scenario file can
carry the same arrays under a ``[faults]`` table and be passed as it is: then only that table is
read. One file serves every process of a run: ``firmware-sim vehicle`` applies the vehicle faults
(and the platform faults to the decks it models), ``firmware-sim platform`` the platform faults
meant for it (``platform = NAME``, or every platform when no name is given).

Times: a vehicle fault's ``at_s`` counts from ``after``: "liftoff" (the default: an engine out 20 s
into the ascent), "ignition" (the first ignition: faults on the pad and at engine start) or
"start" (the process's start); a fault whose moment never comes never happens. A platform fault's
``at_s`` counts from the process's start, in simulated seconds.

Loading reports a bad file as the vehicle and platform configs do (``PhysicsConfigError``: file,
dotted key, what was expected); unknown keys are errors. Knows nothing of how faults are applied.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

from firmware_sim.physics.config import FieldError, PhysicsConfigError, build_table, read_toml

F = TypeVar("F")

#: At most this many engines on a vehicle (as the vehicle config allows).
_MOST_ENGINES = 64


class Epoch(enum.Enum):
    """The moment a vehicle fault's ``at_s`` counts from."""

    START = "start"
    IGNITION = "ignition"
    LIFTOFF = "liftoff"


def _time(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if not (math.isfinite(value) and value >= 0.0):
        raise FieldError(name, "a finite time >= 0 s", value)


def _optional_positive(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if value is not None and not (math.isfinite(value) and value > 0.0):
        raise FieldError(name, "a finite duration > 0 s", value)


def _optional_direction(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if value is not None and not 0.0 <= value <= 360.0:
        raise FieldError(name, "a direction from 0 to 360 deg", value)


def _platform_name(owner: SeaStateChange | SurfaceWind | OffStation) -> None:
    value = owner.platform
    if value is not None and not value.strip():
        raise FieldError("platform", "a platform's config `name`, or no key for every platform", value)


# --- vehicle faults --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EngineOut:
    """``engines`` engines fail for good: no thrust, chamber pressure to zero, no relight."""

    KIND: ClassVar[str] = "engine_out"
    at_s: float
    after: Epoch = Epoch.LIFTOFF
    engines: int = 1

    def __post_init__(self) -> None:
        _time(self, "at_s")
        if not 1 <= self.engines <= _MOST_ENGINES:
            raise FieldError("engines", f"an integer from 1 to {_MOST_ENGINES}", self.engines)

    @property
    def for_s(self) -> float | None:
        return None


@dataclass(frozen=True, slots=True)
class LowChamberPressure:
    """Every lit engine delivers ``factor`` of its chamber pressure (and thrust and flow), for
    ``for_s`` seconds or for the rest of the run."""

    KIND: ClassVar[str] = "low_chamber_pressure"
    at_s: float
    factor: float
    after: Epoch = Epoch.LIFTOFF
    for_s: float | None = None

    def __post_init__(self) -> None:
        _time(self, "at_s")
        if not 0.0 <= self.factor < 1.0:
            raise FieldError("factor", "a fraction from 0 to below 1 of the chamber pressure", self.factor)
        _optional_positive(self, "for_s")


#: The hottest a fault may make the bay air (ASSUMPTION: past this the bay's own sensors saturate).
_MOST_BAY_RISE_DEGC = 500.0


@dataclass(frozen=True, slots=True)
class CargoBayHeating:
    """A heat source in the cargo bay (a heater stuck on, lithium cells in thermal runaway): the bay
    air rises by ``rise_degc`` over ``ramp_s`` (steadily; 0: at once) and stays that much warmer."""

    KIND: ClassVar[str] = "cargo_bay_heating"
    at_s: float
    rise_degc: float
    after: Epoch = Epoch.LIFTOFF
    ramp_s: float = 60.0

    def __post_init__(self) -> None:
        _time(self, "at_s")
        if not (math.isfinite(self.rise_degc) and 0.0 < self.rise_degc <= _MOST_BAY_RISE_DEGC):
            wanted = f"a temperature rise > 0 and <= {_MOST_BAY_RISE_DEGC:g} degC"
            raise FieldError("rise_degc", wanted, self.rise_degc)
        _time(self, "ramp_s")

    @property
    def for_s(self) -> float | None:
        return None


@dataclass(frozen=True, slots=True)
class CargoBaySmoke:
    """Smoke in the cargo bay: its smoke detectors trip and stay tripped."""

    KIND: ClassVar[str] = "cargo_bay_smoke"
    at_s: float
    after: Epoch = Epoch.LIFTOFF

    def __post_init__(self) -> None:
        _time(self, "at_s")

    @property
    def for_s(self) -> float | None:
        return None


VehicleFault = EngineOut | LowChamberPressure | CargoBayHeating | CargoBaySmoke
VEHICLE_KINDS: Mapping[str, type[VehicleFault]] = {
    k.KIND: k for k in (EngineOut, LowChamberPressure, CargoBayHeating, CargoBaySmoke)
}


# --- platform faults -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeaStateChange:
    """The sea becomes this significant wave height and peak period (same spectrum shape), over
    ``ramp_s``; the surface wind may change with it."""

    KIND: ClassVar[str] = "sea_state"
    at_s: float
    significant_wave_height_m: float
    peak_period_s: float
    platform: str | None = None
    wave_direction_from_deg: float | None = None  # None: as configured
    ramp_s: float = 30.0
    wind_speed_mps: float | None = None  # None: the wind stays as it is
    wind_direction_from_deg: float | None = None  # None: the configured surface direction

    def __post_init__(self) -> None:
        _time(self, "at_s")
        _platform_name(self)
        if not 0.0 <= self.significant_wave_height_m <= 20.0:
            raise FieldError(
                "significant_wave_height_m", "a height from 0 to 20 m", self.significant_wave_height_m
            )
        if not 1.0 <= self.peak_period_s <= 30.0:
            raise FieldError("peak_period_s", "a period from 1 to 30 s", self.peak_period_s)
        _optional_direction(self, "wave_direction_from_deg")
        _time(self, "ramp_s")
        if self.wind_speed_mps is not None and not 0.0 <= self.wind_speed_mps <= 80.0:
            raise FieldError("wind_speed_mps", "a speed from 0 to 80 m/s", self.wind_speed_mps)
        _optional_direction(self, "wind_direction_from_deg")
        if self.wind_direction_from_deg is not None and self.wind_speed_mps is None:
            raise FieldError("wind_speed_mps", "a speed with wind_direction_from_deg", None)


@dataclass(frozen=True, slots=True)
class SurfaceWind:
    """The mean wind at the deck becomes this speed (and direction) over ``ramp_s``; gusts stay."""

    KIND: ClassVar[str] = "wind"
    at_s: float
    speed_mps: float
    platform: str | None = None
    direction_from_deg: float | None = None  # None: the configured surface direction
    ramp_s: float = 30.0

    def __post_init__(self) -> None:
        _time(self, "at_s")
        _platform_name(self)
        if not 0.0 <= self.speed_mps <= 80.0:
            raise FieldError("speed_mps", "a speed from 0 to 80 m/s", self.speed_mps)
        _optional_direction(self, "direction_from_deg")
        _time(self, "ramp_s")


@dataclass(frozen=True, slots=True)
class OffStation:
    """The platform drifts ``distance_m`` towards ``bearing_deg`` at a steady speed over ``over_s``,
    stays there, and after ``for_s`` (from ``at_s``, if given) comes back the same way."""

    KIND: ClassVar[str] = "off_station"
    at_s: float
    distance_m: float
    bearing_deg: float
    platform: str | None = None
    over_s: float = 60.0
    for_s: float | None = None

    def __post_init__(self) -> None:
        _time(self, "at_s")
        _platform_name(self)
        if not 0.0 < self.distance_m <= 100_000.0:
            raise FieldError("distance_m", "a distance > 0 and <= 100 km", self.distance_m)
        if not 0.0 <= self.bearing_deg <= 360.0:
            raise FieldError("bearing_deg", "a bearing from 0 to 360 deg", self.bearing_deg)
        _time(self, "over_s")
        _optional_positive(self, "for_s")
        if self.for_s is not None and self.for_s < self.over_s:
            raise FieldError("for_s", f"a duration no shorter than over_s ({self.over_s} s)", self.for_s)


PlatformFault = SeaStateChange | SurfaceWind | OffStation
PLATFORM_KINDS: Mapping[str, type[PlatformFault]] = {
    k.KIND: k for k in (SeaStateChange, SurfaceWind, OffStation)
}


# --- the schedule ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaultSchedule:
    """Every fault of a run, each list in file order."""

    source: str
    vehicle: tuple[VehicleFault, ...] = ()
    platform: tuple[PlatformFault, ...] = ()

    def for_platform(self, name: str) -> tuple[PlatformFault, ...]:
        """The platform faults that apply to the platform called ``name``."""
        return tuple(f for f in self.platform if f.platform is None or f.platform == name)

    def check_platforms(self, names: Sequence[str]) -> None:
        """Refuse faults for a platform not among ``names`` (a typo would otherwise do nothing).

        Raises:
            PhysicsConfigError: naming the entry and the known platforms.
        """
        for index, fault in enumerate(self.platform):
            if fault.platform is not None and fault.platform not in names:
                known = "one of " + ", ".join(names)
                raise PhysicsConfigError(self.source, f"platform[{index}].platform", known, fault.platform)

    def check_engines(self, engine_count: int) -> None:
        """Refuse an engine-out of more engines than the vehicle has.

        Raises:
            PhysicsConfigError: naming the entry and the vehicle's engine count.
        """
        for index, fault in enumerate(self.vehicle):
            if isinstance(fault, EngineOut) and fault.engines > engine_count:
                wanted = f"at most {engine_count} (the vehicle's engines)"
                raise PhysicsConfigError(self.source, f"vehicle[{index}].engines", wanted, fault.engines)


def load_fault_schedule(path: Path | str) -> FaultSchedule:
    """Load a fault file (or a scenario file's ``[faults]`` table).

    Raises:
        PhysicsConfigError: naming the file, the dotted key and what was expected.
    """
    return parse_fault_schedule(read_toml(path), str(path))


def parse_fault_schedule(data: Mapping[str, object], source: str) -> FaultSchedule:
    """The schedule in an already parsed TOML document; ``source`` names it in errors.

    Raises:
        PhysicsConfigError: naming ``source``, the dotted key and what was expected.
    """
    prefix = ""
    if "faults" in data:
        data, prefix = _table(data["faults"], source, "faults"), "faults."
    unknown = sorted(set(data) - {"vehicle", "platform"})
    if unknown:
        wanted = "[[vehicle]] or [[platform]] fault tables"
        raise PhysicsConfigError(source, prefix + unknown[0], wanted, "unknown key")
    vehicle: list[VehicleFault] = [
        _fault(VEHICLE_KINDS, entry, source, key) for key, entry in _entries(data, "vehicle", source, prefix)
    ]
    platform: list[PlatformFault] = [
        _fault(PLATFORM_KINDS, entry, source, key)
        for key, entry in _entries(data, "platform", source, prefix)
    ]
    return FaultSchedule(source, tuple(vehicle), tuple(platform))


def _table(value: object, source: str, key: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise PhysicsConfigError(source, key, "a table", value)
    return value


def _entries(
    data: Mapping[str, object], section: str, source: str, prefix: str
) -> list[tuple[str, Mapping[str, object]]]:
    value = data.get(section, [])
    if not isinstance(value, list):
        raise PhysicsConfigError(source, prefix + section, f"an array of tables ([[{section}]])", value)
    keys = (f"{prefix}{section}[{i}]" for i in range(len(value)))
    return [(key, _table(entry, source, key)) for key, entry in zip(keys, value, strict=True)]


def _fault(kinds: Mapping[str, type[F]], entry: Mapping[str, object], source: str, key: str) -> F:
    kind = entry.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise PhysicsConfigError(source, f"{key}.kind", "one of " + ", ".join(kinds), kind)
    fields = {name: value for name, value in entry.items() if name != "kind"}
    return build_table(kinds[kind], fields, source, key)
