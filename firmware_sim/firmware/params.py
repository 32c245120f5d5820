"""The flight computer's parameter table: defaults and ranges from specs, range-checked sets, a file.

``ParamStore`` holds one value per parameter spec, in spec order (that order is the index the
MAVLink parameter protocol counts with). The flight software reads values with ``get(name)`` (it
satisfies the flight computer's ``ParamSource``); the ground station changes them through
``set(name, value)``, which refuses values outside the spec's range or of the wrong kind. With a
file, every accepted set is written at once (atomically: a crash leaves the old file or the new
one, never half of one) and the file is read back on start, so tuning survives a restart.

The file is MAVProxy's ``.parm`` layout (``NAME VALUE`` per line, ``#`` comments), which
MAVProxy's ``param load``, mavparms.py and our ground station read. A bad line, an unknown name or
an out-of-range value in it never stops the vehicle from booting: the default stays and the
problem is listed in ``load_problems``.

Knows nothing of MAVLink framing, sockets or asyncio; only the rules every MAVLink parameter obeys
(an id of at most 16 characters, a float32 or int32 value).
"""

from __future__ import annotations

import enum
import math
import os
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

PARAM_ID_MAX_CHARS = 16
"""MAVLink's ``param_id`` is char[16]; longer names cannot travel."""

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_FLOAT32_EXACT_INT = 2**24
"""Integers up to this travel exactly as a float32, which is how INT32 values cross the wire (C cast)."""


class ParamError(ValueError):
    """A parameter that does not exist, or a value it cannot take."""


class UnknownParamError(ParamError):
    """No parameter has this name."""


class ParamRangeError(ParamError):
    """The value is outside the parameter's range, not finite, or not an integer for an INT32."""


class ParamKind(enum.IntEnum):
    """How a value is stored; the numbers are MAVLink's MAV_PARAM_TYPE, so they go on the wire as is."""

    INT32 = 6
    REAL32 = 9


class ParamSpecLike(Protocol):
    """What the store needs of a parameter spec (``param_defs.ParamSpec`` has it)."""

    @property
    def name(self) -> str: ...

    @property
    def default(self) -> float: ...

    @property
    def min(self) -> float: ...

    @property
    def max(self) -> float: ...


@dataclass(frozen=True, slots=True)
class ParamEntry:
    """One parameter as the store keeps it: identity, kind and the range a set must respect."""

    name: str
    kind: ParamKind
    default: float
    minimum: float
    maximum: float
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > PARAM_ID_MAX_CHARS or not self.name.isascii():
            raise ParamError(f"parameter id {self.name!r}: 1-{PARAM_ID_MAX_CHARS} ASCII characters")
        if not (math.isfinite(self.minimum) and math.isfinite(self.maximum)) or self.minimum > self.maximum:
            raise ParamError(f"{self.name}: bad range [{self.minimum}, {self.maximum}]")
        if self.kind is ParamKind.INT32 and (
            max(abs(self.minimum), abs(self.maximum)) > _FLOAT32_EXACT_INT
            or self.minimum != int(self.minimum)
            or self.maximum != int(self.maximum)
        ):
            raise ParamError(f"{self.name}: an INT32 range must be integers within ±2^24")
        problem = self.check(self.default)
        if problem:
            raise ParamError(f"{self.name}: default {self.default}: {problem}")

    def check(self, value: float) -> str:
        """Why ``value`` cannot be this parameter's value, or ``""`` if it can."""
        if not math.isfinite(value):
            return "not a finite number"
        if self.kind is ParamKind.INT32 and value != int(value):
            return "not an integer"
        if not self.minimum <= value <= self.maximum:
            return f"outside [{_show(self.minimum)}, {_show(self.maximum)}]"
        return ""

    def stored(self, value: float) -> float:
        """``value`` as the vehicle keeps it: an exact int, or rounded to float32 like on the wire."""
        if self.kind is ParamKind.INT32:
            return float(int(value))
        return float(struct.unpack("<f", struct.pack("<f", value))[0])


def entry_from_spec(spec: ParamSpecLike, kind: ParamKind = ParamKind.REAL32) -> ParamEntry:
    """A store entry from a flight-software spec (the flight software's parameters are all REAL32)."""
    return ParamEntry(
        name=spec.name,
        kind=kind,
        default=float(spec.default),
        minimum=float(spec.min),
        maximum=float(spec.max),
        description=str(getattr(spec, "description", "")),
    )


class ParamStore:
    """The parameter table of one vehicle. ``get`` for the flight software, ``set`` for the ground."""

    def __init__(self, entries: Iterable[ParamEntry], *, path: Path | None = None) -> None:
        """Build the table from ``entries`` (in order) and, if ``path`` exists, load it over the defaults.

        Raises:
            ParamError: two entries share a name.
        """
        self._entries = tuple(entries)
        self._index: dict[str, int] = {}
        for index, entry in enumerate(self._entries):
            if entry.name in self._index:
                raise ParamError(f"parameter {entry.name} is defined twice")
            self._index[entry.name] = index
        self._values = [entry.stored(entry.default) for entry in self._entries]
        self._path = path
        self.load_problems: list[str] = []
        if path is not None and path.exists():
            self._load(path)

    @classmethod
    def from_specs(cls, specs: Iterable[ParamSpecLike], *, path: Path | None = None) -> ParamStore:
        return cls((entry_from_spec(spec) for spec in specs), path=path)

    # --- reading ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ParamEntry]:
        return iter(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def get(self, name: str) -> float:
        """The current value of ``name`` (what the flight software reads every tick).

        Raises:
            UnknownParamError: no such parameter.
        """
        return self._values[self.index_of(name)]

    def index_of(self, name: str) -> int:
        """The 0-based index of ``name`` in the table (its ``param_index`` on the wire)."""
        try:
            return self._index[name]
        except KeyError:
            raise UnknownParamError(f"no parameter named {name!r}") from None

    def entry(self, index: int) -> ParamEntry:
        return self._entries[index]

    def value_at(self, index: int) -> float:
        return self._values[index]

    def values(self) -> dict[str, float]:
        return {entry.name: value for entry, value in zip(self._entries, self._values, strict=True)}

    # --- changing --------------------------------------------------------------------------------

    def set(self, name: str, value: float) -> float:
        """Set ``name`` to ``value`` (persisting it if the store has a file); returns the stored value.

        Raises:
            UnknownParamError: no such parameter.
            ParamRangeError: the value is not one this parameter can take; nothing changed.
            OSError: the file could not be written; the value did change in memory.
        """
        index = self.index_of(name)
        entry = self._entries[index]
        problem = entry.check(value)
        if problem:
            raise ParamRangeError(f"{name} = {_show(value)}: {problem}")
        stored = entry.stored(value)
        if stored != self._values[index]:
            self._values[index] = stored
            if self._path is not None:
                self.save(self._path)
        return stored

    def reset_to_defaults(self) -> None:
        self._values = [entry.stored(entry.default) for entry in self._entries]
        if self._path is not None:
            self.save(self._path)

    # --- the file --------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write every value to ``path`` atomically (temporary file, fsync, rename)."""
        lines = [f"{name} {_show(value)}\n" for name, value in self.values().items()]
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write("# firmware-sim parameters (MAVProxy .parm layout)\n")
                out.writelines(lines)
                out.flush()
                os.fsync(out.fileno())
            os.replace(staging, path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise

    def _load(self, path: Path) -> None:
        for number, raw in enumerate(path.read_text(encoding="ascii", errors="replace").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.replace(",", " ").split()
            where = f"{path}:{number}"
            if len(parts) < 2:
                self.load_problems.append(f"{where}: expected NAME VALUE, got {raw!r}")
                continue
            name, text = parts[0], parts[1]
            try:
                value = float(text)
            except ValueError:
                self.load_problems.append(f"{where}: {name}: {text!r} is not a number")
                continue
            index = self._index.get(name)
            if index is None:
                self.load_problems.append(f"{where}: unknown parameter {name}")
                continue
            entry = self._entries[index]
            problem = entry.check(value)
            if problem:
                keeping = _show(self._values[index])
                self.load_problems.append(f"{where}: {name} = {text}: {problem}; keeping {keeping}")
                continue
            self._values[index] = entry.stored(value)


def _show(value: float) -> str:
    """A value as text that reads back to the same float (integers without a fraction)."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


__all__ = [
    "PARAM_ID_MAX_CHARS",
    "ParamEntry",
    "ParamError",
    "ParamKind",
    "ParamRangeError",
    "ParamSpecLike",
    "ParamStore",
    "UnknownParamError",
    "entry_from_spec",
]
