"""Parameter values and their wire encoding: every parameter travels as a float32. Pure.

Autopilots disagree on how an integer parameter fits in that float (MAV_PROTOCOL_CAPABILITY_PARAM_
ENCODE_*): ArduPilot and most others *cast* it (``3`` travels as ``3.0``, exact up to 2**24), PX4
copies its *bytes* (``int32 3`` travels as the float whose bit pattern is ``0x00000003``). The
encoding comes from AUTOPILOT_VERSION's capabilities when the vehicle sent one, else from the
heartbeat's autopilot. Byte-wise values are read from the raw payload, because a float32 passed
through a Python float loses signalling-NaN bit patterns. Knows nothing of sockets or the hub.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gcs.errors import ParameterError
from gcs.links.enums import ParamType, as_enum
from gcs.protocol.dialect import seaport

NAME_BYTES = 16

_INT_FORMATS: dict[int, str] = {
    ParamType.UINT8: "<B",
    ParamType.INT8: "<b",
    ParamType.UINT16: "<H",
    ParamType.INT16: "<h",
    ParamType.UINT32: "<I",
    ParamType.INT32: "<i",
}
_FLOAT32 = struct.Struct("<f")


class ParamEncoding(enum.Enum):
    C_CAST = "c_cast"
    BYTEWISE = "bytewise"


def encoding_for(autopilot: int, capabilities: int | None = None) -> ParamEncoding:
    """How this vehicle puts integers in PARAM_VALUE's float (see the module docstring)."""
    if capabilities is not None:
        if capabilities & seaport.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_BYTEWISE:
            return ParamEncoding.BYTEWISE
        if capabilities & seaport.MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST:
            return ParamEncoding.C_CAST
    return ParamEncoding.BYTEWISE if autopilot == seaport.MAV_AUTOPILOT_PX4 else ParamEncoding.C_CAST


@dataclass(frozen=True, slots=True)
class ParamValue:
    """One parameter as the vehicle holds it. ``index`` is ``None`` when the vehicle did not say."""

    name: str
    value: int | float
    param_type: ParamType | int
    index: int | None = None

    @property
    def is_integer(self) -> bool:
        return self.param_type in _INT_FORMATS


class ParamTable(Mapping[str, ParamValue]):
    """An immutable name → :class:`ParamValue` mapping, as downloaded (plus later confirmed sets)."""

    def __init__(self, values: Mapping[str, ParamValue] | None = None) -> None:
        self._values = dict(values or {})

    def __getitem__(self, name: str) -> ParamValue:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"ParamTable({len(self)} parameters)"

    def with_value(self, value: ParamValue) -> ParamTable:
        """A copy with ``value`` added or replaced (keeping the known index if it has none)."""
        old = self._values.get(value.name)
        if value.index is None and old is not None and old.index is not None:
            value = ParamValue(value.name, value.value, value.param_type, old.index)
        return ParamTable({**self._values, value.name: value})


def decode_param_value(msg: Any, encoding: ParamEncoding) -> ParamValue:
    """The :class:`ParamValue` a PARAM_VALUE message carries."""
    param_type = as_enum(ParamType, msg.param_type)
    fmt = _INT_FORMATS.get(param_type)
    index = msg.param_index if msg.param_index < msg.param_count else None
    value: int | float
    if fmt is None:
        value = float(msg.param_value)
    elif encoding is ParamEncoding.BYTEWISE:
        raw = _raw_value_bytes(msg)
        value = struct.unpack_from(fmt, raw)[0]
    else:
        value = round(msg.param_value) if math.isfinite(msg.param_value) else 0
    return ParamValue(str(msg.param_id), value, param_type, index)


def encode_param_value(
    name: str, value: float, param_type: ParamType | int, encoding: ParamEncoding
) -> float:
    """The float that carries ``value`` of ``param_type`` in PARAM_SET.

    Raises:
        ParameterError: the value does not fit the type (a fraction for an integer, out of range,
            not finite) or cannot travel in this encoding.
    """
    fmt = _INT_FORMATS.get(param_type)
    if fmt is None:
        if not math.isfinite(value):
            raise ParameterError(f"{value!r} is not a finite number", name=name)
        wire = float(value)
        try:
            _FLOAT32.pack(wire)
        except OverflowError:
            raise ParameterError(f"{value!r} does not fit a float32", name=name) from None
        return wire
    if not (math.isfinite(value) and float(value).is_integer()):
        raise ParameterError(f"{value!r} is not an integer, as {_type_name(param_type)} needs", name=name)
    number = int(value)
    try:
        packed = struct.pack(fmt, number)
    except struct.error:
        raise ParameterError(f"{number} is out of range for {_type_name(param_type)}", name=name) from None
    if encoding is ParamEncoding.C_CAST:
        if abs(number) > 2**24:
            raise ParameterError(f"{number} cannot travel exactly as a cast float32 (|x| > 2**24)", name=name)
        return float(number)
    wire = _FLOAT32.unpack(packed.ljust(4, b"\x00"))[0]
    if _FLOAT32.pack(wire) != packed.ljust(4, b"\x00"):
        raise ParameterError(
            f"{number} has a bit pattern a float cannot carry here (signalling NaN)", name=name
        )
    return float(wire)


def same_value(a: int | float, b: int | float, param_type: ParamType | int) -> bool:
    """Equality as the vehicle stores the value: exact for integers, at float32 precision for reals."""
    if param_type in _INT_FORMATS:
        return float(a) == float(b)  # not int(): 3.5 asked of an integer parameter is not 3
    try:
        return bool(_FLOAT32.pack(float(a)) == _FLOAT32.pack(float(b)))
    except OverflowError:
        return False


def float32(value: float) -> float:
    """``value`` rounded to the nearest float32, as a Python float."""
    return float(_FLOAT32.unpack(_FLOAT32.pack(value))[0])


def encode_param_name(name: str) -> bytes:
    """The 16-byte ``param_id`` field for ``name``.

    Raises:
        ParameterError: an empty, non-ASCII or too long name.
    """
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        raise ParameterError("names are ASCII", name=name) from None
    if not raw or len(raw) > NAME_BYTES or b"\x00" in raw:
        raise ParameterError(f"names are 1 to {NAME_BYTES} characters", name=name)
    return raw


def _raw_value_bytes(msg: Any) -> bytes:
    # param_value is the first field of PARAM_VALUE on the wire; MAVLink 2 may have cut zeros off.
    payload = msg.get_payload() if hasattr(msg, "get_payload") else None
    if isinstance(payload, bytes | bytearray) and len(payload) >= 1:
        return bytes(payload[:4]).ljust(4, b"\x00")
    return _FLOAT32.pack(msg.param_value)


def _type_name(param_type: ParamType | int) -> str:
    return param_type.name if isinstance(param_type, ParamType) else f"type {param_type}"
