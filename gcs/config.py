"""Configuration: TOML files under ``configs/`` loaded into frozen dataclasses with units in names.

A bad file raises one ``ConfigError`` naming the file, the dotted key and what was expected; unknown
keys are errors too (a typo must not silently fall back to a default). Knows nothing of links,
sockets or codecs: connection strings stay strings here and are parsed by the transport layer.

Only ``gcs/app.py`` reads the whole ``GcsConfig``; everything else receives the slice it needs.
"""

from __future__ import annotations

import dataclasses
import enum
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gcs.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StationConfig:
    """Who the ground station is on the MAVLink network."""

    name: str = "seaport-gcs"
    system_id: int = 255
    component_id: int = 190

    def __post_init__(self) -> None:
        _check_range("system_id", self.system_id, 1, 255)
        _check_range("component_id", self.component_id, 0, 255)


@dataclass(frozen=True, slots=True)
class VehicleLinkConfig:
    """The link to one vehicle's flight computer."""

    connection: str = "udpin:127.0.0.1:14550"
    system_id: int = 1
    heartbeat_interval_s: float = 1.0
    heartbeats_missed_for_loss: int = 5
    signing_key_file: str | None = None
    signing_link_id: int = 0

    def __post_init__(self) -> None:
        _check_range("system_id", self.system_id, 1, 255)
        _check_positive("heartbeat_interval_s", self.heartbeat_interval_s)
        _check_range("heartbeats_missed_for_loss", self.heartbeats_missed_for_loss, 1, 100)
        _check_range("signing_link_id", self.signing_link_id, 0, 255)


@dataclass(frozen=True, slots=True)
class PlatformLinkConfig:
    """The sensor feed (NMEA 0183 / TSS1) of one sea platform."""

    name: str
    connection: str
    role: PlatformRole = field(default_factory=lambda: PlatformRole.LANDING)


class PlatformRole(enum.Enum):
    LAUNCH = "launch"
    LANDING = "landing"


@dataclass(frozen=True, slots=True)
class RecorderConfig:
    out_dir: str = "sessions"
    # A kill -9 loses at most this much; the recorder refuses more than 0.25 s.
    flush_interval_s: float = 0.25
    tlog_segment_bytes: int | None = None
    max_backlog_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if not 0 < self.flush_interval_s <= 0.25:
            raise _Invalid("flush_interval_s", "a number of seconds > 0 and <= 0.25", self.flush_interval_s)
        if self.tlog_segment_bytes is not None and self.tlog_segment_bytes < 4096:
            raise _Invalid("tlog_segment_bytes", "at least 4096 bytes (or absent for one file)",
                           self.tlog_segment_bytes)
        _check_positive("max_backlog_bytes", self.max_backlog_bytes)


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    enabled: bool = True
    bind_host: str = "127.0.0.1"
    port: int = 8080

    def __post_init__(self) -> None:
        _check_range("port", self.port, 0, 65535)


@dataclass(frozen=True, slots=True)
class GcsConfig:
    """Everything ``gcs run`` needs, from ``configs/gcs.toml``."""

    station: StationConfig = field(default_factory=StationConfig)
    vehicle: VehicleLinkConfig = field(default_factory=VehicleLinkConfig)
    platforms: tuple[PlatformLinkConfig, ...] = ()
    recorder: RecorderConfig = field(default_factory=RecorderConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)


class _Invalid(ValueError):
    """Raised by field checks; carries the dotted key so the loader can name it."""

    def __init__(self, key: str, expected: str, got: object) -> None:
        super().__init__(key)
        self.key = key
        self.expected = expected
        self.got = got


def _check_range(key: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise _Invalid(key, f"an integer from {low} to {high}", value)


def _check_positive(key: str, value: float) -> None:
    if not value > 0:
        raise _Invalid(key, "a number > 0", value)


def load_toml(path: Path | str) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a ``ConfigError`` that names the file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(path, "", "an existing file") from exc
    except IsADirectoryError as exc:
        raise ConfigError(path, "", "a file, not a directory") from exc
    except PermissionError as exc:
        raise ConfigError(path, "", "a readable file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", "UTF-8 text") from exc


def load_dataclass(cls: type[T], data: Mapping[str, Any], path: Path | str, key_prefix: str = "") -> T:
    """Build the frozen dataclass ``cls`` from a TOML table, checking every key and type.

    Raises:
        ConfigError: naming ``path``, the dotted key and what was expected.
    """
    try:
        return _build(cls, data, key_prefix)
    except _Invalid as exc:
        raise ConfigError(path, exc.key, exc.expected, exc.got) from None


def load_gcs_config(path: Path | str) -> GcsConfig:
    """Load ``configs/gcs.toml`` (or any file of that shape)."""
    return load_dataclass(GcsConfig, load_toml(path), path)


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
        # Field checks name only their own field; the loader knows where the table sits.
        exc.key = _join(prefix, exc.key)
        raise


def _convert(hint: Any, value: object, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if value is None and len(non_none) < len(args):
            return None
        if len(non_none) == 1:
            return _convert(non_none[0], value, key)
        raise _Invalid(key, f"a value of type {hint}", value)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Invalid(key, "an array", value)
        item_hint = args[0]
        return tuple(_convert(item_hint, item, f"{key}[{i}]") for i, item in enumerate(value))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, key)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        choices = [str(m.value) for m in hint]
        if not isinstance(value, str) or value not in choices:
            raise _Invalid(key, "one of " + ", ".join(choices), value)
        return hint(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise _Invalid(key, "true or false", value)
        return value
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
