"""Cargo manifests: the parcels in the bay, their totals, and the check against a vehicle's cargo bay.

Pure: takes text and returns values, or raises one ``ManifestError`` that lists every bad row as
(line, field, why); nothing is dropped silently and parsing never stops at the first problem. Knows
nothing of files, links, or what the totals are used for.

Bay frame (every parcel position and every bay limit uses it): the origin is where the vehicle's
axis meets the bay floor; ``z_m`` runs up the axis toward the nose (as the vehicle stands on the
pad); ``x_m`` and ``y_m`` lie across the floor, right-handed. A parcel is a box, ``length_m`` along
x, ``width_m`` along y, ``height_m`` along z; its position is the centre of that box, which is taken
as its centre of mass (contents spread evenly). One parcel is one handled unit: a single parcel or a
cage of them consolidated for loading.

Formats (``parse_manifest``):

- CSV: comma-separated, UTF-8, a header row first, then one parcel per row. Required columns, in any
  order: parcel_id, mass_kg, length_m, width_m, height_m, x_m, y_m, z_m, destination,
  handling_class. Optional column: description. Any other column is an error; blank lines are
  skipped. Numbers are plain decimals (``12.5``, ``1e3``); NaN and infinities are refused.
- JSON: a list of parcel objects, or ``{"parcels": [...]}``, with the same keys (numbers as JSON
  numbers, the rest as strings). Each problem names the line of its key, or of the object's ``{``.

Checks made while parsing: every field present, well typed and in range, no unknown column or key,
parcel ids unique, no two parcels occupying the same space, at least one parcel. Checks that need a
vehicle (bay fit, totals, centre of gravity, classes allowed) are ``check_against``'s.
"""

from __future__ import annotations

import bisect
import csv
import enum
import io
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from gcs.errors import ManifestError, ManifestRowError

__all__ = [
    "BayLimits",
    "BayPoint",
    "ClassTotal",
    "HandlingClass",
    "InvalidBayLimit",
    "LimitViolation",
    "Manifest",
    "ManifestError",
    "ManifestFormat",
    "ManifestRowError",
    "ManifestTotals",
    "Parcel",
    "ViolationKind",
    "check_against",
    "decode_manifest",
    "parse_manifest",
]

GEOMETRY_TOLERANCE_M = 1e-6
"""Slack for touching boxes and walls: a parcel flush with the wall or with its neighbour is fine."""


class HandlingClass(enum.Enum):
    """How a parcel must be handled; the values are the spellings in manifests and vehicle files.

    A small set on purpose: each class is one that changes where a parcel may go or whether a
    vehicle may carry it at all.
    """

    GENERAL = "general"
    """Ordinary parcels: no special handling."""
    FRAGILE = "fragile"
    """Keep upright, nothing heavy on top."""
    PERISHABLE = "perishable"
    """Food, medicine, flowers: time- or temperature-limited; loaded last, unloaded first."""
    LITHIUM_BATTERIES = "lithium_batteries"
    """Lithium cells or batteries, alone or in equipment (UN3090, UN3091, UN3480, UN3481)."""
    DANGEROUS_GOODS = "dangerous_goods"
    """Any other dangerous goods (flammable, corrosive, gases, ...); most vehicles refuse them."""


class ManifestFormat(enum.Enum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class BayPoint:
    """A point in the bay frame (see the module docstring)."""

    x_m: float
    y_m: float
    z_m: float

    @property
    def axial_m(self) -> float:
        """Height above the bay floor, along the vehicle axis."""
        return self.z_m

    @property
    def lateral_m(self) -> float:
        """Distance from the vehicle axis."""
        return math.hypot(self.x_m, self.y_m)


@dataclass(frozen=True, slots=True)
class Parcel:
    """One handled unit of cargo. ``line`` is where its row starts in the manifest (0: not from a file)."""

    parcel_id: str
    mass_kg: float
    length_m: float
    width_m: float
    height_m: float
    x_m: float
    y_m: float
    z_m: float
    destination: str
    handling_class: HandlingClass
    description: str = ""
    line: int = 0

    def __post_init__(self) -> None:
        if not self.parcel_id:
            raise ValueError("a parcel needs an id")
        for name in ("mass_kg", "length_m", "width_m", "height_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
        for name in ("x_m", "y_m", "z_m"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)!r}")

    @property
    def volume_m3(self) -> float:
        return self.length_m * self.width_m * self.height_m

    @property
    def centre(self) -> BayPoint:
        return BayPoint(self.x_m, self.y_m, self.z_m)

    @property
    def bottom_m(self) -> float:
        return self.z_m - self.height_m / 2.0

    @property
    def top_m(self) -> float:
        return self.z_m + self.height_m / 2.0

    @property
    def reach_m(self) -> float:
        """How far the farthest vertical edge of the box is from the vehicle axis."""
        return math.hypot(abs(self.x_m) + self.length_m / 2.0, abs(self.y_m) + self.width_m / 2.0)

    def where(self) -> str:
        return f"parcel {self.parcel_id}" + (f" (line {self.line})" if self.line > 0 else "")


@dataclass(frozen=True, slots=True)
class ClassTotal:
    handling_class: HandlingClass
    parcel_count: int
    mass_kg: float


@dataclass(frozen=True, slots=True)
class ManifestTotals:
    """What the whole load adds up to. ``cg`` is the mass-weighted mean of the parcel centres."""

    parcel_count: int
    mass_kg: float
    volume_m3: float
    cg: BayPoint
    by_class: tuple[ClassTotal, ...]
    """One entry per class present, in ``HandlingClass`` order."""
    heaviest: Parcel


@dataclass(frozen=True, slots=True)
class Manifest:
    """A parsed, self-consistent manifest: at least one parcel, ids unique. Totals are computed once."""

    source_name: str
    parcels: tuple[Parcel, ...]
    totals: ManifestTotals = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.parcels:
            raise ValueError("a manifest needs at least one parcel (nothing has no centre of gravity)")
        ids = [p.parcel_id for p in self.parcels]
        if len(set(ids)) != len(ids):
            raise ValueError("parcel ids must be unique")
        object.__setattr__(self, "totals", _totals(self.parcels))

    @property
    def mass_kg(self) -> float:
        return self.totals.mass_kg


def _totals(parcels: tuple[Parcel, ...]) -> ManifestTotals:
    mass_kg = math.fsum(p.mass_kg for p in parcels)
    cg = BayPoint(
        math.fsum(p.mass_kg * p.x_m for p in parcels) / mass_kg,
        math.fsum(p.mass_kg * p.y_m for p in parcels) / mass_kg,
        math.fsum(p.mass_kg * p.z_m for p in parcels) / mass_kg,
    )
    by_class = []
    for handling in HandlingClass:
        members = [p for p in parcels if p.handling_class is handling]
        if members:
            by_class.append(ClassTotal(handling, len(members), math.fsum(p.mass_kg for p in members)))
    return ManifestTotals(
        parcel_count=len(parcels),
        mass_kg=mass_kg,
        volume_m3=math.fsum(p.volume_m3 for p in parcels),
        cg=cg,
        by_class=tuple(by_class),
        heaviest=max(parcels, key=lambda p: p.mass_kg),
    )


# --- parsing -------------------------------------------------------------------------------------

REQUIRED_FIELDS = (
    "parcel_id", "mass_kg", "length_m", "width_m", "height_m", "x_m", "y_m", "z_m",
    "destination", "handling_class",
)
OPTIONAL_FIELDS = ("description",)
_ALL_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
_POSITIVE = ("mass_kg", "length_m", "width_m", "height_m")
_COORDINATES = ("x_m", "y_m", "z_m")
_NUMBERS = frozenset(_POSITIVE + _COORDINATES)
_PARCEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NOT_FINITE = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_TEXT = {"destination": 64, "description": 200}


class _Bad(ValueError):
    """One field's problem; the row parser adds the line and the field name."""


def decode_manifest(data: bytes, source_name: str) -> str:
    """A manifest file's bytes as text: UTF-8, with or without the byte-order mark spreadsheets write.

    Raises:
        ManifestError: the bytes are not UTF-8 (naming the line of the first bad byte).
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        why = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        raise ManifestError(source_name, [ManifestRowError(line, "file", why)]) from None


def parse_manifest(text: str, source_name: str, format: ManifestFormat) -> Manifest:
    """Parse a whole manifest (see the module docstring for the formats).

    Raises:
        ManifestError: listing every bad row, column or key as (line, field, why), sorted by line.
    """
    errors: list[ManifestRowError] = []
    if ManifestFormat(format) is ManifestFormat.CSV:  # also takes "csv" / "json"; anything else: ValueError
        parcels, end_line = _parse_csv(text, errors)
    else:
        parcels, end_line = _parse_json(text, errors)
    _check_unique_ids(parcels, errors)
    _check_overlaps(parcels, errors)
    if not parcels and not errors:
        errors.append(ManifestRowError(end_line, "parcels", "no parcels: a manifest lists at least one"))
    if errors:
        raise ManifestError(source_name, errors)
    return Manifest(source_name, tuple(parcels))


_Raw = Mapping[str, tuple[object, int]]
"""A row as read: field name -> (value as in the file, line of that value)."""


def _parcel_from(
    raw: _Raw, row_line: int, errors: list[ManifestRowError], *, csv_cells: bool,
    columns_missing: frozenset[str] = frozenset(),
) -> Parcel | None:
    """A parcel from one row, or None after appending one error per bad field of it.

    ``csv_cells``: the values are CSV text, so numbers come as strings; in JSON they must not.
    """
    values: dict[str, object] = {}
    ok = True
    for name in _ALL_FIELDS:
        if name not in raw:
            if name in REQUIRED_FIELDS:
                ok = False
                if name not in columns_missing:  # a missing CSV column is reported once, on the header
                    errors.append(ManifestRowError(row_line, name, "missing (this field is required)"))
            continue
        value, line = raw[name]
        try:
            if not csv_cells and name in _NUMBERS and isinstance(value, str):
                raise _Bad("expected a number, got a string")
            values[name] = _FIELD_PARSERS[name](name, value)
        except _Bad as exc:
            errors.append(ManifestRowError(line, name, str(exc)))
            ok = False
    if not ok:
        return None
    return Parcel(**values, line=row_line)  # type: ignore[arg-type]


def _number(name: str, value: object) -> float:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise _Bad("empty (a value is required)")
        if text.lower() in _NOT_FINITE:
            raise _Bad(f"not a finite number ({text})")
        if not _DECIMAL.fullmatch(text):
            raise _Bad(f"{_shown(text)} is not a number")
        number = float(text)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"expected a number, got {_json_kind(value)}")
    else:
        try:
            number = float(value)
        except OverflowError:  # a JSON integer beyond any float
            raise _Bad("not a finite number (too large)") from None
    if not math.isfinite(number):
        raise _Bad(f"not a finite number ({number})")
    if name in _POSITIVE and not number > 0:
        unit = "kg" if name == "mass_kg" else "m"
        raise _Bad(f"{number:g} {unit} is not > 0")
    return number


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_json_kind(value)}")
    text = value.strip()
    if not text and name != "description":
        raise _Bad("empty (a value is required)")
    if _CONTROL.search(text):
        raise _Bad("contains control characters")
    if len(text) > _MAX_TEXT[name]:
        raise _Bad(f"longer than {_MAX_TEXT[name]} characters ({len(text)})")
    return text


def _parcel_id(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_json_kind(value)}")
    text = value.strip()
    if not text:
        raise _Bad("empty (a value is required)")
    if not _PARCEL_ID.fullmatch(text):
        raise _Bad(f"{_shown(text)} is not 1-64 characters from A-Z a-z 0-9 . _ : / - "
                   "(starting with a letter or digit)")
    return text


def _handling_class(name: str, value: object) -> HandlingClass:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_json_kind(value)}")
    text = value.strip().lower()
    if not text:
        raise _Bad("empty (a value is required)")
    try:
        return HandlingClass(text)
    except ValueError:
        choices = ", ".join(c.value for c in HandlingClass)
        raise _Bad(f"{_shown(value.strip())} is not a handling class ({choices})") from None


_FIELD_PARSERS: dict[str, Callable[[str, object], object]] = {
    "parcel_id": _parcel_id,
    **dict.fromkeys(_POSITIVE + _COORDINATES, _number),
    "destination": _text,
    "description": _text,
    "handling_class": _handling_class,
}


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _check_unique_ids(parcels: list[Parcel], errors: list[ManifestRowError]) -> None:
    first_line: dict[str, int] = {}
    for parcel in parcels:
        if parcel.parcel_id in first_line:
            why = f"{parcel.parcel_id!r} is already used on line {first_line[parcel.parcel_id]}"
            errors.append(ManifestRowError(parcel.line, "parcel_id", why))
        else:
            first_line[parcel.parcel_id] = parcel.line
    # Later rows with a repeated id leave the list, so that no second error names them.
    parcels[:] = [p for p in parcels if first_line[p.parcel_id] == p.line]


def _check_overlaps(parcels: list[Parcel], errors: list[ManifestRowError]) -> None:
    """Two parcels cannot fill the same space: usually a copied row or a mistyped position.

    Each parcel that overlaps one on an earlier line gets one error naming the earliest such parcel.
    A sweep along the axis where the parcels are most spread out keeps this near n log n for real
    loads, and exact repeats of one box (every position left at 0,0,0) are matched by a lookup.
    """
    tol = GEOMETRY_TOLERANCE_M
    clash: dict[int, Parcel] = {}  # id() of the later parcel -> the earliest one it overlaps

    def note(a: Parcel, b: Parcel) -> None:
        later, first = (a, b) if a.line >= b.line else (b, a)
        if id(later) not in clash or first.line < clash[id(later)].line:
            clash[id(later)] = first

    boxes: list[tuple[tuple[float, ...], tuple[float, ...], Parcel]] = []
    by_box: dict[tuple[float, ...], Parcel] = {}
    for p in sorted(parcels, key=lambda p: p.line):
        box = (p.x_m, p.y_m, p.z_m, p.length_m / 2.0, p.width_m / 2.0, p.height_m / 2.0)
        if box in by_box:
            note(p, by_box[box])  # the first of the repeats is swept; it stands for them all
        else:
            by_box[box] = p
            boxes.append((box[:3], box[3:], p))
    if len(boxes) > 1:
        _sweep(boxes, note, tol)
    for parcel in parcels:
        if id(parcel) in clash:
            why = f"the box overlaps {clash[id(parcel)].where()}"
            errors.append(ManifestRowError(parcel.line, "position", why))


def _sweep(
    boxes: list[tuple[tuple[float, ...], tuple[float, ...], Parcel]],
    note: Callable[[Parcel, Parcel], None],
    tol: float,
) -> None:
    """Call ``note`` for every pair of (centre, half size, parcel) boxes that overlap by more than ``tol``."""

    def spread(axis: int) -> float:
        centres = [c[axis] for c, _, _ in boxes]
        mean_half = math.fsum(h[axis] for _, h, _ in boxes) / len(boxes)
        return (max(centres) - min(centres)) / max(mean_half, tol)

    axis = max(range(3), key=spread)
    others = [a for a in range(3) if a != axis]
    active: list[tuple[tuple[float, ...], tuple[float, ...], Parcel]] = []
    for centre, half, parcel in sorted(boxes, key=lambda b: b[0][axis] - b[1][axis]):
        low = centre[axis] - half[axis]
        active = [b for b in active if b[0][axis] + b[1][axis] > low + tol]
        for other_centre, other_half, other in active:
            if all(abs(centre[a] - other_centre[a]) < half[a] + other_half[a] - tol for a in others):
                note(parcel, other)
        active.append((centre, half, parcel))


# --- CSV -----------------------------------------------------------------------------------------


def _parse_csv(text: str, errors: list[ManifestRowError]) -> tuple[list[Parcel], int]:
    """Parcels of a CSV manifest and the line of its header (for 'no parcels')."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = _csv_rows(reader, errors)
    header: list[str] | None = None
    header_line = 1
    for line, row in rows:
        header, header_line = [cell.strip().lower() for cell in row], line
        break
    if header is None:
        if not errors:
            errors.append(ManifestRowError(1, "header", "no header row (the file is empty)"))
        return [], 1
    columns_missing = _check_header(header, header_line, errors)
    parcels = []
    for line, row in rows:
        if len(row) != len(header):
            why = f"{len(row)} field(s), but the header has {len(header)} column(s)"
            errors.append(ManifestRowError(line, "row", why))
            continue
        raw: dict[str, tuple[object, int]] = {}
        for name, cell in zip(header, row, strict=True):
            if name in _ALL_FIELDS:
                raw.setdefault(name, (cell, line))  # a repeated column is reported on the header
        parcel = _parcel_from(raw, line, errors, csv_cells=True, columns_missing=columns_missing)
        if parcel is not None:
            parcels.append(parcel)
    return parcels, header_line


def _csv_rows(reader: Iterator[list[str]], errors: list[ManifestRowError]) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line each starts on; a record the csv module cannot read ends it."""
    line_num = 0
    while True:
        start = line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            why = f"cannot be read as CSV ({exc}); the rows after it were not read"
            errors.append(ManifestRowError(start, "row", why))
            return
        line_num = reader.line_num  # type: ignore[attr-defined]
        if any(cell.strip() for cell in row):
            yield start, row


def _check_header(header: list[str], line: int, errors: list[ManifestRowError]) -> frozenset[str]:
    """Report unknown, repeated and missing columns; return the missing required ones."""
    expected = ", ".join(_ALL_FIELDS)
    for i, name in enumerate(header):
        if name not in _ALL_FIELDS:
            hint = " (the separator is a comma)" if ";" in name or "\t" in name else ""
            why = f"unknown column{hint}; expected: {expected}"
            errors.append(ManifestRowError(line, name or f"column {i + 1}", why))
        elif header.index(name) != i:
            why = f"column given twice (columns {header.index(name) + 1} and {i + 1})"
            errors.append(ManifestRowError(line, name, why))
    missing = frozenset(name for name in REQUIRED_FIELDS if name not in header)
    for name in REQUIRED_FIELDS:
        if name in missing:
            errors.append(ManifestRowError(line, name, "missing column (it is required)"))
    return missing


# --- JSON ----------------------------------------------------------------------------------------

_JSON_WS = " \t\n\r"


def _parse_json(text: str, errors: list[ManifestRowError]) -> tuple[list[Parcel], int]:
    """Parcels of a JSON manifest and the line of its parcel list (for 'no parcels')."""
    try:
        # Syntax first, so the scan below can assume well-formed JSON. NaN and Infinity parse (to
        # floats) so that they are reported as a bad field of their row, not as a broken file.
        json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(ManifestRowError(exc.lineno, "json", f"not valid JSON: {exc.msg} (column {exc.colno})"))
        return [], 1
    except RecursionError:
        errors.append(ManifestRowError(1, "json", "nested too deeply to read"))
        return [], 1
    except ValueError as exc:  # e.g. an integer longer than Python converts
        errors.append(ManifestRowError(1, "json", f"not usable JSON: {exc}"))
        return [], 1
    scan = _JsonScan(text)
    start = scan.skip_ws(0)
    if text[start] == "{":
        array_pos = _parcels_member(scan, start, errors)
        if array_pos is None:
            return [], scan.line(start)
    elif text[start] == "[":
        array_pos = start
    else:
        why = 'expected a list of parcels or {"parcels": [...]}'
        errors.append(ManifestRowError(scan.line(start), "json", why))
        return [], scan.line(start)
    parcels = []
    for pos in scan.elements(array_pos):
        line = scan.line(pos)
        if text[pos] != "{":
            value, _ = scan.value(pos)
            errors.append(ManifestRowError(line, "parcel", f"expected an object, got {_json_kind(value)}"))
            continue
        raw: dict[str, tuple[object, int]] = {}
        for key, key_pos, value in scan.members(pos):
            key_line = scan.line(key_pos)
            if key not in _ALL_FIELDS:
                why = "unknown key; expected: " + ", ".join(_ALL_FIELDS)
                errors.append(ManifestRowError(key_line, key or '""', why))
            elif key in raw:
                why = f"key given twice in one parcel (first on line {raw[key][1]})"
                errors.append(ManifestRowError(key_line, key, why))
            else:
                raw[key] = (value, key_line)
        parcel = _parcel_from(raw, line, errors, csv_cells=False)
        if parcel is not None:
            parcels.append(parcel)
    return parcels, scan.line(array_pos)


def _parcels_member(scan: _JsonScan, start: int, errors: list[ManifestRowError]) -> int | None:
    """Where the list of ``{"parcels": [...]}`` starts, or None after reporting what is wrong."""
    found: int | None = None
    seen = False
    for key, key_pos, value in scan.members(start):
        line = scan.line(key_pos)
        if key != "parcels":
            errors.append(ManifestRowError(line, key or '""', 'unknown key; expected only "parcels"'))
        elif seen:
            errors.append(ManifestRowError(line, "parcels", "key given twice"))
            found = None
        elif not isinstance(value, list):
            errors.append(ManifestRowError(line, "parcels", f"expected a list, got {_json_kind(value)}"))
            seen = True
        else:
            found, seen = scan.value_pos(key_pos), True
    if not seen:
        errors.append(ManifestRowError(scan.line(start), "parcels", 'missing: expected {"parcels": [...]}'))
    return found


class _JsonScan:
    """Walks well-formed JSON text to find where each value starts, for line numbers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        self._decoder = json.JSONDecoder()

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self._newlines, pos - 1) + 1

    def skip_ws(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _JSON_WS:
            pos += 1
        return pos

    def value(self, pos: int) -> tuple[object, int]:
        value, end = self._decoder.raw_decode(self.text, pos)
        return value, end

    def value_pos(self, key_pos: int) -> int:
        """Where the value of the member whose key starts at ``key_pos`` starts."""
        _, end = self.value(key_pos)
        return self.skip_ws(self.skip_ws(end) + 1)  # past the ':'

    def elements(self, pos: int) -> Iterator[int]:
        """Start of each element of the array starting at ``pos``."""
        pos = self.skip_ws(pos + 1)
        if self.text[pos] == "]":
            return
        while True:
            yield pos
            _, end = self.value(pos)
            pos = self.skip_ws(end)
            if self.text[pos] == "]":
                return
            pos = self.skip_ws(pos + 1)  # past the ','

    def members(self, pos: int) -> Iterator[tuple[str, int, object]]:
        """(key, where the key starts, value) of each member of the object starting at ``pos``."""
        pos = self.skip_ws(pos + 1)
        if self.text[pos] == "}":
            return
        while True:
            key, end = self.value(pos)
            value_pos = self.skip_ws(self.skip_ws(end) + 1)
            value, end = self.value(value_pos)
            yield str(key), pos, value
            pos = self.skip_ws(end)
            if self.text[pos] == "}":
                return
            pos = self.skip_ws(pos + 1)


# --- limits --------------------------------------------------------------------------------------


class InvalidBayLimit(ValueError):
    """A bay limit that breaks a rule; ``key`` is the field, so a loader can name it in its file."""

    def __init__(self, key: str, expected: str, got: object) -> None:
        super().__init__(f"{key}: expected {expected}, got {got!r}")
        self.key = key
        self.expected = expected
        self.got = got


@dataclass(frozen=True, slots=True)
class BayLimits:
    """A vehicle's cargo bay: its usable space and what it may carry (``[cargo_bay]`` of its file).

    The usable space is a cylinder on the vehicle axis in the bay frame: ``inner_diameter_m`` across,
    ``height_m`` from the floor. ``volume_m3`` caps the parcels' summed box volume (a packing
    limit, below the cylinder's). The cargo's centre of gravity must sit between ``cg_axial_min_m``
    and ``cg_axial_max_m`` above the floor and within ``cg_lateral_max_m`` of the axis.
    """

    inner_diameter_m: float
    height_m: float
    volume_m3: float
    max_mass_kg: float
    max_parcel_mass_kg: float
    cg_axial_min_m: float
    cg_axial_max_m: float
    cg_lateral_max_m: float
    handling_classes: tuple[HandlingClass, ...]
    """The classes this vehicle may carry."""

    def __post_init__(self) -> None:
        for name in ("inner_diameter_m", "height_m", "volume_m3", "max_mass_kg", "max_parcel_mass_kg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidBayLimit(name, "a finite number > 0", value)
        if self.max_parcel_mass_kg > self.max_mass_kg:
            raise InvalidBayLimit("max_parcel_mass_kg", f"at most max_mass_kg ({self.max_mass_kg:g})",
                                  self.max_parcel_mass_kg)
        if not 0.0 <= self.cg_axial_min_m <= self.height_m:
            raise InvalidBayLimit("cg_axial_min_m", f"a height from 0 to height_m ({self.height_m:g})",
                                  self.cg_axial_min_m)
        if not self.cg_axial_min_m <= self.cg_axial_max_m <= self.height_m:
            raise InvalidBayLimit("cg_axial_max_m", f"from cg_axial_min_m ({self.cg_axial_min_m:g}) "
                                  f"to height_m ({self.height_m:g})", self.cg_axial_max_m)
        if not 0.0 <= self.cg_lateral_max_m <= self.radius_m:
            raise InvalidBayLimit("cg_lateral_max_m", f"from 0 to the bay radius ({self.radius_m:g})",
                                  self.cg_lateral_max_m)
        if not self.handling_classes:
            raise InvalidBayLimit("handling_classes", "at least one handling class", [])
        if len(set(self.handling_classes)) != len(self.handling_classes):
            raise InvalidBayLimit("handling_classes", "each class once",
                                  [c.value for c in self.handling_classes])

    @property
    def radius_m(self) -> float:
        return self.inner_diameter_m / 2.0


class ViolationKind(enum.Enum):
    TOTAL_MASS = "total_mass"
    TOTAL_VOLUME = "total_volume"
    CG_AXIAL = "cg_axial"
    CG_LATERAL = "cg_lateral"
    PARCEL_MASS = "parcel_mass"
    PARCEL_OUTSIDE_BAY = "parcel_outside_bay"
    HANDLING_CLASS = "handling_class"


@dataclass(frozen=True, slots=True)
class LimitViolation:
    """One way a manifest breaks a bay limit. Per-parcel ones carry the parcel's id, line and field."""

    kind: ViolationKind
    message: str
    value: float | None = None
    limit: float | None = None
    parcel_id: str | None = None
    line: int | None = None
    field: str | None = None


def check_against(manifest: Manifest, limits: BayLimits) -> tuple[LimitViolation, ...]:
    """Every limit of ``limits`` that ``manifest`` breaks: totals first, then parcels in line order.

    An empty tuple means the load fits the bay.
    """
    in_line_order = sorted(manifest.parcels, key=lambda p: p.line)
    per_parcel = tuple(v for parcel in in_line_order for v in _parcel_violations(parcel, limits))
    return _total_violations(manifest.totals, limits) + per_parcel


def _total_violations(totals: ManifestTotals, limits: BayLimits) -> tuple[LimitViolation, ...]:
    found = []
    if totals.mass_kg > limits.max_mass_kg:
        found.append(LimitViolation(
            ViolationKind.TOTAL_MASS,
            f"total mass {totals.mass_kg:,.1f} kg is over the bay's maximum of {limits.max_mass_kg:,.1f} kg "
            f"by {totals.mass_kg - limits.max_mass_kg:,.1f} kg",
            totals.mass_kg, limits.max_mass_kg))
    if totals.volume_m3 > limits.volume_m3:
        found.append(LimitViolation(
            ViolationKind.TOTAL_VOLUME,
            f"total volume {totals.volume_m3:,.2f} m³ is over the bay's {limits.volume_m3:,.2f} m³ "
            f"by {totals.volume_m3 - limits.volume_m3:,.2f} m³",
            totals.volume_m3, limits.volume_m3))
    axial = totals.cg.axial_m
    if not limits.cg_axial_min_m <= axial <= limits.cg_axial_max_m:
        bound = limits.cg_axial_min_m if axial < limits.cg_axial_min_m else limits.cg_axial_max_m
        side = "below" if axial < limits.cg_axial_min_m else "above"
        found.append(LimitViolation(
            ViolationKind.CG_AXIAL,
            f"cargo CG {axial:.3f} m above the bay floor is {side} the envelope "
            f"{limits.cg_axial_min_m:.3f}-{limits.cg_axial_max_m:.3f} m",
            axial, bound))
    lateral = totals.cg.lateral_m
    if lateral > limits.cg_lateral_max_m:
        found.append(LimitViolation(
            ViolationKind.CG_LATERAL,
            f"cargo CG {lateral:.3f} m off the axis (x {totals.cg.x_m:+.3f} m, y {totals.cg.y_m:+.3f} m) "
            f"is over the {limits.cg_lateral_max_m:.3f} m allowed",
            lateral, limits.cg_lateral_max_m))
    return tuple(found)


def _parcel_violations(parcel: Parcel, limits: BayLimits) -> Iterator[LimitViolation]:
    tol = GEOMETRY_TOLERANCE_M
    who = f"parcel {parcel.parcel_id}"  # the line travels in the violation, for callers to place

    def violation(kind: ViolationKind, field_name: str, message: str,
                  value: float | None, limit: float | None) -> LimitViolation:
        return LimitViolation(kind, f"{who}: {message}", value, limit, parcel.parcel_id, parcel.line or None,
                              field_name)

    if parcel.mass_kg > limits.max_parcel_mass_kg:
        yield violation(ViolationKind.PARCEL_MASS, "mass_kg",
                        f"{parcel.mass_kg:,.1f} kg is over the {limits.max_parcel_mass_kg:,.1f} kg "
                        "per-parcel maximum",
                        parcel.mass_kg, limits.max_parcel_mass_kg)
    if parcel.handling_class not in limits.handling_classes:
        allowed = ", ".join(c.value for c in limits.handling_classes)
        yield violation(ViolationKind.HANDLING_CLASS, "handling_class",
                        f"{parcel.handling_class.value} is not carried by this vehicle (allowed: {allowed})",
                        None, None)
    if parcel.bottom_m < -tol:
        yield violation(ViolationKind.PARCEL_OUTSIDE_BAY, "z_m",
                        f"its bottom at {parcel.bottom_m:.3f} m is below the bay floor (0 m)",
                        parcel.bottom_m, 0.0)
    if parcel.top_m > limits.height_m + tol:
        yield violation(ViolationKind.PARCEL_OUTSIDE_BAY, "z_m",
                        f"its top at {parcel.top_m:.3f} m is above the bay's {limits.height_m:.3f} m ceiling",
                        parcel.top_m, limits.height_m)
    if parcel.reach_m > limits.radius_m + tol:
        yield violation(ViolationKind.PARCEL_OUTSIDE_BAY, "position",
                        f"a corner {parcel.reach_m:.3f} m from the axis is outside the bay's "
                        f"{limits.radius_m:.3f} m inner radius", parcel.reach_m, limits.radius_m)
