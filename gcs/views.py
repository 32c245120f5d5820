"""Hub values as JSON: the pure conversions shared by every layer that shows them to the outside.

The MQTT bridge and the operator console are sibling layers that must not import each other; both
turn the same frozen dataclasses into JSON, so the conversions live here, below both of them:

- ``payload_of(value)``: a dataclass's own fields (shallow), ``monotonic_s`` dropped (a
  process-local clock means nothing to another machine), ``time_utc`` added beside ``unix_time_s``.
- ``plain(value)``: the deep version for displays: nested dataclasses as objects, phases and other
  integer enums by lower-case name (``"terminal_count"``), other enums by value, sets sorted,
  mappings with enum keys keyed by the enum's value, non-finite floats as None.
- ``encode(body)``: orjson bytes of either, with ``json_default`` for what orjson does not take.
- ``utc_text(unix_time_s)``: ``2026-05-01T12:34:56.123456Z`` exactly as the recorder writes it.

Knows nothing of aiomqtt, aiohttp, sockets or the hub's mechanics; nothing of what the values mean.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from datetime import timedelta
from pathlib import PurePath
from typing import Any

import orjson

from gcs.recorder.stamps import iso_utc, unix_us_from_s


def json_default(value: Any) -> Any:
    """What orjson does not take by itself but hub values do carry.

    Read-only mappings (``MappingProxyType``), sets of enums, paths and durations.

    Raises:
        TypeError: anything else.
    """
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        items = [item.value if isinstance(item, enum.Enum) else item for item in value]
        return sorted(items, key=str)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def encode(body: Any) -> bytes:
    """``body`` as JSON bytes: orjson, enums by value (also as keys), NaN and infinities as null.

    Raises:
        TypeError: something in ``body`` has no JSON form.
    """
    return orjson.dumps(body, default=json_default, option=orjson.OPT_NON_STR_KEYS)


_second_text: list[tuple[int, str]] = [(-1, "")]


def utc_text(unix_time_s: float) -> str:
    """``2026-05-01T12:34:56.123456Z`` for a UNIX time, as the recorder writes it (same rounding).

    The date and time of day are formatted once per second: telemetry stamps come many per second,
    and formatting a date costs more than the rest of a payload.
    """
    stamp_us = unix_us_from_s(unix_time_s)
    second, micros = divmod(stamp_us, 1_000_000)
    cached_second, text = _second_text[0]
    if cached_second != second:
        text = iso_utc(second * 1_000_000)[:-8]  # without ".000000Z"
        _second_text[0] = (second, text)
    return f"{text}.{micros:06d}Z"


def payload_of(value: Any) -> dict[str, Any]:
    """A dataclass's fields (not nested ones), ``monotonic_s`` dropped, ``time_utc`` added.

    Raises:
        TypeError: ``value`` is not a dataclass instance.
    """
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        raise TypeError(f"{type(value).__name__} is not a dataclass; give it a serializer")
    names = _field_names(type(value))
    out = {name: getattr(value, name) for name in names}
    stamp = out.get("unix_time_s")
    if isinstance(stamp, int | float):
        out["time_utc"] = utc_text(stamp)
    return out


_names_cache: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    try:
        return _names_cache[kind]
    except KeyError:
        names = tuple(f.name for f in dataclasses.fields(kind) if f.name != "monotonic_s")
        _names_cache[kind] = names
        return names


def enum_name(value: enum.Enum) -> Any:
    """An integer enum (a flight phase, a display state) by lower-case name, any other by value."""
    if isinstance(value, enum.IntEnum):
        return value.name.lower()
    return value.value


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data, all the way down (see the module docstring)."""
    if isinstance(value, enum.Enum):  # before int and str: IntEnum and StrEnum are those too
        return enum_name(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, Mapping):
        return {_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        items = sorted(value, key=lambda v: (v.value if isinstance(v, enum.Enum) else v, str(v)))
        return [plain(v) for v in items]
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray):
        return list(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return plain(value.item())
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, enum.Enum):
        return str(enum_name(key))
    return str(key)
