"""Inspection and refurbishment limits per vehicle type (configs/limits/fleet.toml), their names, and
who may clear them.

A limit is named ``<level>.<metric>`` (``inspection.engine_starts``). A count limit (flights,
engine starts, burn time, hard landings, aborts, terminations) is reached when the count since the
limit was last cleared gets to the limit; a peak limit (``max_*``) when one flight since then went
above it. A clearance names one limit, a whole level (``inspection``: every inspection limit) or
``refurbishment``, which resets every limit (a refurbishment includes an inspection).

Knows nothing of the database or of how users log in: a ``User`` arrives with its roles.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

from gcs.config import load_dataclass, load_toml
from gcs.domain.roles import Role, User
from gcs.errors import ConfigError, RoleDenied
from gcs.fleet.record import TouchdownLimits


class LimitLevel(enum.Enum):
    """What a vehicle past the limit needs before it flies again (worse last)."""

    INSPECTION = "inspection"
    REFURBISHMENT = "refurbishment"


class Metric(enum.Enum):
    """A figure a limit applies to; values are the keys of fleet.toml."""

    FLIGHTS = "flights"
    ENGINE_STARTS = "engine_starts"
    BURN_TIME_S = "burn_time_s"
    HARD_LANDINGS = "hard_landings"
    ABORTS = "aborts"
    TERMINATIONS = "terminations"
    MAX_DYNAMIC_PRESSURE_PA = "max_dynamic_pressure_pa"
    MAX_HEATING_INDEX_WPM2 = "max_heating_index_wpm2"

    @property
    def peak(self) -> bool:
        """A peak limit is exceeded by one flight above it; a count limit is reached by adding up."""
        return self in (Metric.MAX_DYNAMIC_PRESSURE_PA, Metric.MAX_HEATING_INDEX_WPM2)

    @property
    def integer(self) -> bool:
        return not self.peak and self is not Metric.BURN_TIME_S

    @property
    def label(self) -> str:
        return _LABELS[self]

    def format(self, value: float) -> str:
        """``value`` as a person reads it: ``12``, ``612.4 s``, ``45.0 kPa``, ``1230.0 kW/m2``."""
        if self is Metric.BURN_TIME_S:
            return f"{value:.1f} s"
        if self is Metric.MAX_DYNAMIC_PRESSURE_PA:
            return f"{value / 1000.0:.1f} kPa"
        if self is Metric.MAX_HEATING_INDEX_WPM2:
            return f"{value / 1000.0:.1f} kW/m2"
        return f"{value:.0f}"


_LABELS = {
    Metric.FLIGHTS: "flights",
    Metric.ENGINE_STARTS: "engine starts",
    Metric.BURN_TIME_S: "burn time",
    Metric.HARD_LANDINGS: "hard landings",
    Metric.ABORTS: "aborts",
    Metric.TERMINATIONS: "flight terminations",
    Metric.MAX_DYNAMIC_PRESSURE_PA: "max dynamic pressure",
    Metric.MAX_HEATING_INDEX_WPM2: "max heating index",
}


@dataclass(frozen=True, slots=True)
class LimitSet:
    """One level's limits (``[types.NAME.inspection]``); an absent key is no limit on that metric."""

    flights: int | None = None
    engine_starts: int | None = None
    burn_time_s: float | None = None
    hard_landings: int | None = None
    aborts: int | None = None
    terminations: int | None = None
    max_dynamic_pressure_pa: float | None = None
    max_heating_index_wpm2: float | None = None

    def items(self) -> tuple[tuple[Metric, float], ...]:
        """The limits that are set, in the order of ``Metric``."""
        values = ((m, getattr(self, m.value)) for m in Metric)
        return tuple((m, float(v)) for m, v in values if v is not None)


@dataclass(frozen=True, slots=True)
class Limit:
    level: LimitLevel
    metric: Metric
    value: float

    @property
    def name(self) -> str:
        return limit_name(self.level, self.metric)


@dataclass(frozen=True, slots=True)
class VehicleTypeLimits:
    """The limits of one vehicle type (``[types.NAME]``).

    A touchdown faster than either ``hard_landing_*`` speed is a hard landing (the flight record
    marks it; ``hard_landings`` limits count them).
    """

    hard_landing_vertical_speed_mps: float
    hard_landing_horizontal_speed_mps: float
    inspection: LimitSet = field(default_factory=LimitSet)
    refurbishment: LimitSet = field(default_factory=LimitSet)

    @property
    def touchdown_limits(self) -> TouchdownLimits:
        return TouchdownLimits(self.hard_landing_vertical_speed_mps, self.hard_landing_horizontal_speed_mps)

    def limits(self) -> tuple[Limit, ...]:
        return tuple(
            Limit(level, metric, value)
            for level, limit_set in ((LimitLevel.INSPECTION, self.inspection),
                                     (LimitLevel.REFURBISHMENT, self.refurbishment))
            for metric, value in limit_set.items()
        )


@dataclass(frozen=True, slots=True)
class FleetLimits:
    """Every vehicle type's limits, from ``path``."""

    path: Path
    types: Mapping[str, VehicleTypeLimits]

    def for_type(self, vehicle_type: str) -> VehicleTypeLimits | None:
        return self.types.get(vehicle_type)


# --- names and roles ---------------------------------------------------------------------------------


def limit_name(level: LimitLevel, metric: Metric) -> str:
    return f"{level.value}.{metric.value}"


LIMIT_NAMES: tuple[str, ...] = (
    *(level.value for level in LimitLevel),
    *(limit_name(level, metric) for level in LimitLevel for metric in Metric),
)
"""Every name a clearance may carry: a whole level, or one limit."""


def covers(clearance_name: str, limit: str) -> bool:
    """Whether a clearance of ``clearance_name`` resets the limit named ``limit``."""
    if clearance_name in (limit, LimitLevel.REFURBISHMENT.value):
        return True
    return limit.startswith(clearance_name + ".")


_ENGINE_METRICS = frozenset({Metric.ENGINE_STARTS, Metric.BURN_TIME_S})


def clear_roles(name: str) -> frozenset[Role]:
    """Who may clear ``name``.

    The vehicle systems engineer: the one who answers for the vehicle in the poll, and so for its
    condition. Never the launch director alone: the person running the count must not also sign
    off the airframe the count needs. The propulsion engineer may also clear an engine inspection
    (starts, burn time), which is theirs to do; a refurbishment is the whole vehicle's.

    Raises:
        ValueError: ``name`` is not a limit name (naming those there are).
    """
    if name not in LIMIT_NAMES:
        raise ValueError(f"unknown limit {name!r}; one of {', '.join(LIMIT_NAMES)}")
    engine_inspection = {limit_name(LimitLevel.INSPECTION, m) for m in _ENGINE_METRICS}
    if name in engine_inspection:
        return frozenset({Role.VEHICLE, Role.PROPULSION})
    return frozenset({Role.VEHICLE})


def require_clear_role(user: User, name: str) -> None:
    """Raises ``RoleDenied`` unless ``user`` may clear ``name`` (``ValueError`` for an unknown name)."""
    roles = clear_roles(name)
    if not user.has(*roles):
        needed = " or ".join(sorted(r.value for r in roles))
        raise RoleDenied(f"clearing {name} needs the role {needed}; {user.name} does not hold it", user.name)


# --- the file ----------------------------------------------------------------------------------------


def load_fleet_limits(path: Path | str) -> FleetLimits:
    """Read fleet.toml: ``[types.NAME]`` tables, one per vehicle type (the vehicle config's ``name``).

    Raises:
        ConfigError: naming the file, the dotted key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    unknown = sorted(set(data) - {"types"})
    if unknown:
        raise ConfigError(path, unknown[0], "only the table types", "unknown key")
    tables = data.get("types")
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(path, "types", "a table of vehicle types, at least one ([types.NAME])", tables)
    types: dict[str, VehicleTypeLimits] = {}
    for name, table in tables.items():
        key = f"types.{name}"
        if not isinstance(table, dict):
            raise ConfigError(path, key, "a table", table)
        limits = load_dataclass(VehicleTypeLimits, table, path, key)
        _check(limits, path, key)
        types[name] = limits
    return FleetLimits(path, MappingProxyType(types))


def _check(limits: VehicleTypeLimits, path: Path, key: str) -> None:
    for name in ("hard_landing_vertical_speed_mps", "hard_landing_horizontal_speed_mps"):
        value = getattr(limits, name)
        if not 0 < value <= 100:
            raise ConfigError(path, f"{key}.{name}", "a speed > 0 and <= 100 m/s", value)
    for level in LimitLevel:
        limit_set: LimitSet = getattr(limits, level.value)
        for f in fields(limit_set):
            value = getattr(limit_set, f.name)
            metric = Metric(f.name)
            if value is None:
                continue
            where = f"{key}.{level.value}.{f.name}"
            if metric.integer and value < 1:
                raise ConfigError(path, where, "an integer >= 1 (or no key for no limit)", value)
            if not metric.integer and not value > 0:
                raise ConfigError(path, where, "a number > 0 (or no key for no limit)", value)
