"""``gcs export``: a recorded session as tables, CSV or Parquet, one column per field, units in the names.

Two kinds of table, each a file in the output folder:

* ``mavlink_<MESSAGE>``: every frame of the tlog, both directions, decoded, one row per frame.
  Columns: ``t_unix_us`` (the receive or send stamp), ``direction`` (``received`` or ``sent``: sent
  frames carry the station's system id), ``sysid``, ``compid``, then one column per message field
  named with the unit the dialect gives it (``lat_degE7``, ``vx_cmps``, ``rollspeed_radps``,
  ``battery_remaining_pct``); values are exactly as on the wire, unscaled. Array fields are one
  column holding the list (JSON text in CSV).
* one table per value the pipeline derives (``vehicle_heartbeat``, ``vehicle_link_health``,
  ``platform_position``, ``deck_motion``, ``deck_state``, ``platform_feed_health``, ...): the
  session is replayed as fast as possible (:mod:`gcs.replay`) and every value published on the hub
  becomes a row; ``t_unix_us`` is when it was published, the other columns are the value's own
  fields, whose names already carry their units. Mappings and sets are JSON text; enums their value.
  ``journal`` holds the event journal (payload as JSON text).

CSV needs nothing beyond the standard library; Parquet needs ``pyarrow`` (``pip install
seaport-gcs[parquet]``), typed columns from the dialect's field types and the values' annotations.
Tables are streamed (Parquet in row groups), so an hour-long session exports in constant memory.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import enum
import importlib
import math
import re
import sys
import types
import typing
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import numpy
import orjson

from gcs.config import load_gcs_config
from gcs.errors import GcsError, RecorderWriteError
from gcs.hub import Hub
from gcs.links.values import MavlinkTelemetry
from gcs.protocol.mavlink import MavlinkCodec
from gcs.recorder.journal import JournalRecord
from gcs.recorder.timeline import frame_system_id, open_for_reading
from gcs.replay import ReplayReport, ReplaySettings, SessionReplay

FORMATS = ("csv", "parquet")
PARQUET_ROWS_PER_GROUP = 50_000

_UNIT_NAMES = {
    "%": "pct", "c%": "cpct", "d%": "dpct",
    "m/s": "mps", "m/s/s": "mps2", "cm/s": "cmps", "mm/s": "mmps", "dm/s": "dmps", "m/s*5": "mps_x5",
    "rad/s": "radps", "mrad/s": "mradps", "deg/s": "degps", "ddeg/s": "ddegps", "deg/2": "deg_half",
    "cm^2": "cm2", "cm^3": "cm3", "cm^3/min": "cm3pmin",
    "KiB/s": "KiBps", "MiB/s": "MiBps", "bits/s": "bps",
}  # fmt: skip
_NOT_A_NAME = re.compile(r"[^0-9A-Za-z]+")


class ExportError(GcsError):
    """An export that cannot be done as asked (the format's library missing, the folder not empty)."""


def unit_suffix(unit: str) -> str:
    """A unit as a name part: ``m/s`` -> ``mps``, ``%`` -> ``pct``, ``degE7`` stays ``degE7``."""
    return _UNIT_NAMES.get(unit) or _NOT_A_NAME.sub("_", unit).strip("_")


def field_column(name: str, unit: str) -> str:
    """``lat`` in ``degE7`` -> ``lat_degE7``; a name that already ends in its unit keeps it."""
    if not unit:
        return name
    suffix = unit_suffix(unit)
    return name if name.endswith(f"_{suffix}") else f"{name}_{suffix}"


def table_name(kind: type) -> str:
    """``DeckMotion`` -> ``deck_motion``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


# --- columns ---------------------------------------------------------------------------------------


class ColumnType(enum.Enum):
    """What a column holds, for Parquet's schema (CSV writes text either way)."""

    INT8 = "int8"
    UINT8 = "uint8"
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BOOL = "bool"
    STRING = "string"


_MAVLINK_TYPES = {
    "int8_t": ColumnType.INT8, "uint8_t": ColumnType.UINT8, "int16_t": ColumnType.INT16,
    "uint16_t": ColumnType.UINT16, "int32_t": ColumnType.INT32, "uint32_t": ColumnType.UINT32,
    "int64_t": ColumnType.INT64, "uint64_t": ColumnType.UINT64, "float": ColumnType.FLOAT32,
    "double": ColumnType.FLOAT64, "char": ColumnType.STRING,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    is_list: bool = False


def mavlink_columns(cls: Any) -> list[Column]:
    """The columns of a message class's table (see the module docstring)."""
    columns = [
        Column("t_unix_us", ColumnType.INT64),
        Column("direction", ColumnType.STRING),
        Column("sysid", ColumnType.UINT8),
        Column("compid", ColumnType.UINT8),
    ]
    units: Mapping[str, str] = getattr(cls, "fieldunits_by_name", {})
    for name, wire_type, length in zip(cls.fieldnames, cls.fieldtypes, cls.array_lengths, strict=True):
        base = _MAVLINK_TYPES.get(wire_type.split("_mavlink")[0], ColumnType.STRING)
        is_list = bool(length) and base is not ColumnType.STRING
        columns.append(Column(field_column(name, units.get(name, "")), base, is_list))
    return columns


def _hint_type(hint: Any) -> ColumnType:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType | typing._UnionGenericAlias) and len(args) == 1:  # type: ignore[attr-defined]
        hint = args[0]
    if hint is bool:
        return ColumnType.BOOL
    if hint is int or (isinstance(hint, type) and issubclass(hint, enum.IntEnum)):
        return ColumnType.INT64
    if hint is float:
        return ColumnType.FLOAT64
    return ColumnType.STRING  # str, enums, mappings, sets, nested values


def value_columns(kind: type) -> list[Column]:
    """``t_unix_us`` and one column per field of a published value's dataclass."""
    hints = typing.get_type_hints(kind)
    return [Column("t_unix_us", ColumnType.INT64)] + [
        Column(f.name, _hint_type(hints[f.name])) for f in dataclasses.fields(kind)
    ]


def _cell(value: Any) -> Any:
    """A field's value as a table cell: numbers, bools and text as they are, the rest as JSON text."""
    if isinstance(value, enum.Enum):
        if isinstance(value, int):
            return int(value)
        return value.value if isinstance(value.value, str) else value.name
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.decode("ascii", errors="backslashreplace")
    return orjson.dumps(_jsonable(value), option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS).decode()


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {_key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _key(key: Any) -> Any:
    return key.value if isinstance(key, enum.Enum) else key


# --- writers ---------------------------------------------------------------------------------------


class TableWriter(Protocol):
    rows: int
    path: Path

    def write(self, row: Sequence[Any]) -> None: ...

    def close(self) -> None: ...


class CsvTable:
    """One CSV file: a header of column names, then one line per row; lists as JSON text."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path = path
        self.rows = 0
        self._lists = [i for i, c in enumerate(columns) if c.is_list]
        self._float32 = [i for i, c in enumerate(columns) if c.type is ColumnType.FLOAT32 and not c.is_list]
        self._file = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        self._csv.writerow([c.name for c in columns])

    def write(self, row: Sequence[Any]) -> None:
        if self._lists or self._float32:
            row = list(row)
            for i in self._lists:
                row[i] = orjson.dumps(row[i]).decode()
            for i in self._float32:
                # The shortest text that is the same float32: 0.02, not 0.019999999552965164.
                row[i] = str(numpy.float32(row[i]))
        self._csv.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self._file.close()


_ARROW_TYPES = {ColumnType.BOOL: "bool_"}  # pyarrow's constructor names, where not the column type's


def _pyarrow() -> tuple[Any, Any]:
    """``pyarrow`` and ``pyarrow.parquet``, loaded only for a Parquet export (an optional extra)."""
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise ExportError(
            "Parquet export needs pyarrow: pip install 'seaport-gcs[parquet]' (or use --format csv)"
        ) from exc


class ParquetTable:
    """One Parquet file, typed from the columns, written in row groups of ``rows_per_group``."""

    def __init__(
        self, path: Path, columns: Sequence[Column], *, rows_per_group: int = PARQUET_ROWS_PER_GROUP
    ) -> None:
        pa, pq = _pyarrow()
        self._pa = pa
        self.path = path
        self.rows = 0
        fields = []
        for column in columns:
            arrow_type = getattr(pa, _ARROW_TYPES.get(column.type, column.type.value))()
            fields.append(pa.field(column.name, pa.list_(arrow_type) if column.is_list else arrow_type))
        self._schema = pa.schema(fields)
        self._writer = pq.ParquetWriter(str(path), self._schema)
        self._buffer: list[list[Any]] = [[] for _ in columns]
        self._rows_per_group = rows_per_group

    def write(self, row: Sequence[Any]) -> None:
        for column, cell in zip(self._buffer, row, strict=True):
            column.append(cell)
        self.rows += 1
        if len(self._buffer[0]) >= self._rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer[0]:
            return
        table = self._pa.Table.from_arrays(
            [self._pa.array(cells, type=f.type) for cells, f in zip(self._buffer, self._schema, strict=True)],
            schema=self._schema,
        )
        self._writer.write_table(table)
        self._buffer = [[] for _ in self._buffer]

    def close(self) -> None:
        self._flush()
        self._writer.close()


class Tables:
    """The output folder's tables, each opened on its first row."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
        if fmt == "parquet":
            _pyarrow()  # fail before any work if it is missing
        self.out_dir = out_dir
        self.format = fmt
        self._open: dict[str, TableWriter] = {}

    def table(self, name: str, columns: Sequence[Column]) -> TableWriter:
        table = self._open.get(name)
        if table is None:
            path = self.out_dir / f"{name}.{self.format}"
            try:
                table = CsvTable(path, columns) if self.format == "csv" else ParquetTable(path, columns)
            except OSError as exc:
                raise RecorderWriteError(path, f"cannot create: {exc.strerror or exc}", exc.errno) from exc
            self._open[name] = table
        return table

    def close(self) -> dict[str, int]:
        for table in self._open.values():
            table.close()
        return {table.path.name: table.rows for table in self._open.values()}


# --- the export ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportReport:
    out_dir: Path
    format: str
    rows: Mapping[str, int]
    """Rows per file written."""
    frames_undecoded: int
    replay: ReplayReport

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        out = [f"exported {len(self.rows)} tables, {total} rows, as {self.format} to {self.out_dir}"]
        out += [f"{name}: {rows} rows" for name, rows in sorted(self.rows.items())]
        if self.frames_undecoded:
            out.append(f"{self.frames_undecoded} tlog frames could not be decoded (not exported)")
        out += self.replay.files.lines()
        return out


class _TableHub(Hub):
    """The hub of an export's replay: every value published becomes a row at once, none can be missed."""

    def __init__(self, tables: Tables) -> None:
        super().__init__()
        self._tables = tables
        self.unix_time_s: typing.Callable[[], float] = lambda: 0.0
        """The replay's clock, once the replay exists (nothing is published before)."""
        self._columns: dict[type, tuple[str, list[Column]]] = {}

    def publish(self, value: object, *, key: Hashable | None = None) -> None:
        super().publish(value, key=key)
        kind = type(value)
        if kind is MavlinkTelemetry or not dataclasses.is_dataclass(value):
            return  # the messages are in their own tables, with the frames the station sent too
        if kind is JournalRecord:
            assert isinstance(value, JournalRecord)
            journal = self._tables.table("journal", _JOURNAL_COLUMNS)
            journal.write([value.unix_time_us, value.seq, value.kind.value, value.source, value.who,
                           orjson.dumps(dict(value.payload)).decode()])
            return
        known = self._columns.get(kind)
        if known is None:
            known = self._columns[kind] = (table_name(kind), value_columns(kind))
        name, columns = known
        row = [round(self.unix_time_s() * 1_000_000)]
        row += [_cell(getattr(value, c.name)) for c in columns[1:]]
        self._tables.table(name, columns).write(row)


_JOURNAL_COLUMNS = [
    Column("t_unix_us", ColumnType.INT64), Column("seq", ColumnType.INT64), Column("kind", ColumnType.STRING),
    Column("source", ColumnType.STRING), Column("who", ColumnType.STRING),
    Column("payload_json", ColumnType.STRING),
]  # fmt: skip


def _export_messages(frames: Iterable[tuple[int, bytes]], tables: Tables, station_sysid: int) -> int:
    """Every tlog frame into its message's table; returns how many could not be decoded."""
    codec = MavlinkCodec(station_sysid, 0)
    columns: dict[type, tuple[str, list[str]]] = {}
    undecoded = 0
    for stamp_us, frame in frames:
        messages = codec.feed(frame) or codec.flush()
        if not messages:
            undecoded += 1
            continue
        direction = "sent" if frame_system_id(frame) == station_sysid else "received"
        for msg in messages:
            cls = type(msg)
            known = columns.get(cls)
            if known is None:
                known = columns[cls] = (f"mavlink_{msg.get_type()}", list(cls.fieldnames))
                tables.table(known[0], mavlink_columns(cls))
            name, fields = known
            row = [stamp_us, direction, msg.get_srcSystem(), msg.get_srcComponent()]
            row += [getattr(msg, f) for f in fields]
            tables.table(name, ()).write(row)
    return undecoded


def export_session(session_dir: Path, out_dir: Path, fmt: str, settings: ReplaySettings) -> ExportReport:
    """Write the tables of ``session_dir`` into ``out_dir`` (created; it must be empty). Blocking: it
    runs its own event loop for the replay, so call it from a thread inside a running loop.

    Raises:
        ExportError: an unknown format, pyarrow missing for Parquet, ``out_dir`` not empty.
        LogReadError: ``session_dir`` is not a folder.
        RecorderWriteError: a table file cannot be created.
    """
    session, notes = open_for_reading(session_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ExportError(f"{out_dir} is not empty: export into a new or empty folder")
    tables = Tables(out_dir, fmt)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecorderWriteError(out_dir, f"cannot create: {exc.strerror or exc}", exc.errno) from exc
    settings = dataclasses.replace(settings, speed=math.inf, status_every_s=None)
    try:
        undecoded = _export_messages(session.tlog_records(), tables, settings.station_system_id)
        hub = _TableHub(tables)
        replay = SessionReplay(session, settings, hub=hub, notes=notes)
        hub.unix_time_s = replay.clock.unix_time_s
        report = asyncio.run(replay.run())
    finally:
        rows = tables.close()
    return ExportReport(out_dir, fmt, rows, undecoded, report)


def run(session_dir: str, out_dir: str, fmt: str, config_path: str, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = ReplaySettings.from_config(load_gcs_config(config_path), speed=math.inf, status_every_s=None)
    report = export_session(Path(session_dir), Path(out_dir), fmt, settings)
    head, *rest = report.lines()
    print(f"gcs: {head}", file=out)
    for line in rest:
        print(f"  {line}", file=out)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("export", help="write a recorded session as CSV or Parquet tables")
    parser.add_argument("session_dir", metavar="SESSION_DIR", help="a session folder recorded by gcs run")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or parquet")
    parser.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder for the tables")
    parser.add_argument("--config", default="configs/gcs.toml",
                        help="the gcs.toml the session was recorded with (default configs/gcs.toml)")
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    return run(args.session_dir, args.out, args.format, args.config)
