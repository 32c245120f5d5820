"""Shared helpers for the launch config files: tables and arrays of tables into frozen values.

Builds on ``gcs.config.load_dataclass`` (types, unknown keys) and adds what it cannot know: the
cross-field checks of the launch values, which raise ``InvalidValue`` naming their key, become a
``ConfigError`` naming the file and the full dotted key. Knows nothing of what the values mean.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gcs.config import load_dataclass
from gcs.domain.fields import FIELDS
from gcs.domain.limits import Comparator, Limit, Persistence
from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError

T = TypeVar("T")


class InvalidValue(ValueError):
    """A value that breaks a rule of its table; ``key`` is relative to that table."""

    def __init__(self, key: str, expected: str, got: object = None) -> None:
        self.key = key
        self.expected = expected
        self.got = got
        detail = f"{key}: expected {expected}"
        if got is not None:
            detail += f", got {got!r}"
        super().__init__(detail)


def join(prefix: str, key: str) -> str:
    if not prefix:
        return key
    return f"{prefix}.{key}" if key and not key.startswith("[") else f"{prefix}{key}"


def load_table(cls: type[T], data: object, path: Path, key: str) -> T:
    """``cls`` from the table ``data`` found at ``key`` of ``path``.

    Raises:
        ConfigError: for a wrong type, an unknown or missing key, or a broken rule.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(path, key or "(top level)", "a table", data)
    try:
        return load_dataclass(cls, data, path, key)
    except InvalidValue as exc:
        raise ConfigError(path, join(key, exc.key), exc.expected, exc.got) from None
    except ValueError as exc:
        raise ConfigError(path, key or "(top level)", f"a valid table ({exc})") from None


def load_array(
    cls: type[T], data: Mapping[str, Any], name: str, path: Path, *, required: bool = True
) -> tuple[T, ...]:
    """The array of tables ``name`` in ``data``, each built as ``cls``."""
    items = data.get(name)
    if items is None:
        if required:
            raise ConfigError(path, name, "an array of tables (this key is required)")
        return ()
    if not isinstance(items, list):
        raise ConfigError(path, name, "an array of tables", items)
    return tuple(load_table(cls, item, path, f"{name}[{i}]") for i, item in enumerate(items))


def without(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


def phases_from_names(names: Iterable[str], key: str) -> frozenset[FlightPhase]:
    """Flight phases from their config names; an empty list means every phase.

    Raises:
        InvalidValue: for a name that is not a phase.
    """
    phases = set()
    for name in names:
        try:
            phases.add(FlightPhase.from_name(name))
        except ValueError:
            raise InvalidValue(
                key, "flight phase names: " + ", ".join(p.config_name for p in FlightPhase), name
            ) from None
    return frozenset(phases) if phases else frozenset(FlightPhase)


def checked(path: Path, key: str, build: Callable[[], T]) -> T:
    """Run ``build()``; turn its ``InvalidValue`` / ``ValueError`` into a ``ConfigError`` at ``key``."""
    try:
        return build()
    except InvalidValue as exc:
        raise ConfigError(path, join(key, exc.key), exc.expected, exc.got) from None
    except ValueError as exc:
        raise ConfigError(path, key or "(top level)", f"a valid value ({exc})") from None


@dataclass(frozen=True, slots=True)
class LimitSpec:
    """A limit as a file writes it: ``must_be`` with ``limit``, or ``between`` with ``low`` and ``high``."""

    must_be: Comparator
    limit: float | None = None
    low: float | None = None
    high: float | None = None

    def build(self) -> Limit:
        try:
            return Limit(self.must_be, self.limit, self.low, self.high)
        except ValueError as exc:
            raise InvalidValue("must_be", str(exc)) from None


def persistence_of(samples: int | None, seconds: float | None) -> Persistence:
    """Persistence from the ``persistence_samples`` / ``persistence_s`` keys (neither: one sample)."""
    if samples is not None and seconds is not None:
        raise InvalidValue("persistence_s", "either persistence_samples or persistence_s, not both", seconds)
    try:
        if seconds is not None:
            return Persistence.of_seconds(seconds)
        return Persistence(samples=1 if samples is None else samples)
    except ValueError as exc:
        raise InvalidValue("persistence_samples" if seconds is None else "persistence_s", str(exc)) from None


def known_field(name: str, key: str = "field") -> str:
    """``name`` if the field catalogue has it.

    Raises:
        InvalidValue: naming the closest known fields, so a typo is easy to see.
    """
    if name in FIELDS:
        return name
    close = difflib.get_close_matches(name, list(FIELDS), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else " (see gcs/domain/fields.py)"
    raise InvalidValue(key, "a telemetry field name" + hint, name)


def only_keys(data: Mapping[str, Any], allowed: set[str], path: Path, prefix: str = "") -> None:
    """Refuse a key outside ``allowed``: a typo must not silently drop a whole array of rules."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(
            path, join(prefix, unknown[0]), "one of " + ", ".join(sorted(allowed)), "unknown key"
        )


def unique_names(names: list[str], array: str, path: Path) -> None:
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ConfigError(path, f"{array}[{i}].name", "a name used once", name)
