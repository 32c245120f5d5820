"""Parameter files: read MAVProxy, Mission Planner and QGroundControl files, write MAVProxy's, diff. Pure.

Formats read (``#`` starts a comment in all of them)::

    NAME VALUE              MAVProxy / ArduPilot .parm (whitespace-separated)
    NAME,VALUE              Mission Planner .param
    SYS COMP NAME VALUE TYPE    QGroundControl .params (tab-separated)

Written: ``NAME VALUE`` sorted by name, with integers as integers and reals in the shortest form
that reads back as the same float32, which MAVProxy, Mission Planner and this module all read.
Knows nothing of sockets or vehicles; the caller does the file I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from gcs.errors import ParameterError
from gcs.links.param_values import ParamValue, float32, same_value

_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,16}$")


@dataclass(frozen=True, slots=True)
class ParamChange:
    """A parameter whose value in the file differs from the vehicle's."""

    name: str
    file_value: float
    vehicle_value: int | float


@dataclass(frozen=True, slots=True)
class ParamDiff:
    """How a parameter file differs from the vehicle.

    Attributes:
        changed: parameters on both sides with different values (float32-aware), by name.
        only_in_file: names the vehicle does not have.
        only_on_vehicle: names the file does not mention.
    """

    changed: tuple[ParamChange, ...]
    only_in_file: tuple[str, ...]
    only_on_vehicle: tuple[str, ...]

    @property
    def same(self) -> bool:
        """True if the file and the vehicle agree on every parameter the file names."""
        return not self.changed and not self.only_in_file


def format_value(value: ParamValue) -> str:
    """``value``'s number as written in a file."""
    if value.is_integer:
        return str(int(value.value))
    number = float(value.value)
    if not math.isfinite(number):
        return repr(number)
    stored = float32(number)
    for digits in range(6, 10):  # float32 needs at most 9 significant digits to read back exactly
        text = f"{stored:.{digits}g}"
        if float32(float(text)) == stored:
            return text
    return repr(stored)


def format_param_file(values: Mapping[str, ParamValue], *, header: str | None = None) -> str:
    """The text of a MAVProxy-style parameter file for ``values``, sorted by name."""
    lines = [f"# {line}" for line in (header or "").splitlines()]
    lines += [f"{name:<16} {format_value(values[name])}" for name in sorted(values)]
    return "\n".join(lines) + "\n"


def parse_param_file(text: str, *, source: str = "<text>") -> dict[str, float]:
    """Name → value from a parameter file in any of the formats above.

    Raises:
        ParameterError: a line that is none of them (naming ``source`` and the line number).
    """
    values: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        fields = body.split("\t") if "\t" in body else re.split(r"[,\s]+", body)
        fields = [f.strip() for f in fields if f.strip()]
        if len(fields) == 5:  # QGroundControl: sysid, compid, name, value, type
            fields = fields[2:4]
        if len(fields) != 2 or not _NAME.match(fields[0]):
            raise ParameterError(f"{source}:{number}: expected NAME VALUE, got {line.strip()!r}")
        try:
            values[fields[0]] = float(fields[1])
        except ValueError:
            raise ParameterError(f"{source}:{number}: {fields[1]!r} is not a number") from None
    return values


def diff_params(file_values: Mapping[str, float], vehicle: Mapping[str, ParamValue]) -> ParamDiff:
    """Compare a file's values with the vehicle's parameters."""
    changed = []
    for name in sorted(file_values):
        held = vehicle.get(name)
        if held is None:
            continue
        if not same_value(file_values[name], held.value, held.param_type):
            changed.append(ParamChange(name, file_values[name], held.value))
    return ParamDiff(
        changed=tuple(changed),
        only_in_file=tuple(sorted(set(file_values) - set(vehicle))),
        only_on_vehicle=tuple(sorted(set(vehicle) - set(file_values))),
    )
