"""Random but valid messages of every class of the seaport dialect, and frames built from them.

Values are exact on the wire (floats are float32 values, never NaN), so a decoded message can be
compared field by field with the one that was encoded.
"""

from __future__ import annotations

import math
import random
import struct
from typing import Any

from gcs.protocol.dialect import seaport

ALL_CLASSES: list[Any] = [seaport.mavlink_map[i] for i in sorted(seaport.mavlink_map)]
SEAPORT_CLASSES: list[Any] = [cls for cls in ALL_CLASSES if cls.id >= 52500]
MAVLINK1_CLASSES: list[Any] = [cls for cls in ALL_CLASSES if cls.id < 256]

_INT_RANGES = {
    "uint8_t": (0, 2**8 - 1),
    "int8_t": (-(2**7), 2**7 - 1),
    "uint16_t": (0, 2**16 - 1),
    "int16_t": (-(2**15), 2**15 - 1),
    "uint32_t": (0, 2**32 - 1),
    "int32_t": (-(2**31), 2**31 - 1),
    "uint64_t": (0, 2**64 - 1),
    "int64_t": (-(2**63), 2**63 - 1),
}


def _scalar(rng: random.Random, mav_type: str) -> Any:
    if mav_type in _INT_RANGES:
        low, high = _INT_RANGES[mav_type]
        # Many zeros, so that MAVLink 2 payload truncation is exercised often.
        return 0 if rng.random() < 0.3 else rng.randint(low, high)
    if rng.random() < 0.3:
        return 0.0
    while True:
        if mav_type == "float":
            value: float = struct.unpack("<f", rng.randbytes(4))[0]
        else:
            value = struct.unpack("<d", rng.randbytes(8))[0]
        if math.isfinite(value):
            return value


def random_message(cls: Any, rng: random.Random) -> Any:
    """A ``cls`` message with random field values that survive the wire unchanged."""
    kwargs: dict[str, Any] = {}
    lengths = dict(zip(cls.ordered_fieldnames, cls.array_lengths, strict=True))
    for name, mav_type in zip(cls.fieldnames, cls.fieldtypes, strict=True):
        count = lengths[name]
        if mav_type == "char":
            text = bytes(rng.randrange(32, 127) for _ in range(rng.randint(0, count)))
            kwargs[name] = text
        elif count:
            kwargs[name] = [_scalar(rng, mav_type) for _ in range(count)]
        else:
            kwargs[name] = _scalar(rng, mav_type)
    return cls(**kwargs)


def field_values(msg: Any) -> dict[str, Any]:
    """The fields of ``msg`` as stock ``to_dict`` gives them, plus the raw bytes of strings."""
    out: dict[str, Any] = dict(msg.to_dict())
    for name, mav_type in zip(msg.fieldnames, msg.fieldtypes, strict=True):
        if mav_type == "char":
            out[f"_{name}_raw"] = getattr(msg, f"_{name}_raw")
    return out
