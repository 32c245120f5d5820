"""The fleet database: one SQLite file of vehicles, their flight records and events, and clearances.

Opened with ``with FleetStore.open(path) as store:``; the connection closes at the end of the block.
The file runs in WAL mode (a reader never blocks the station's write after a flight), every write is
one ``BEGIN IMMEDIATE`` transaction, and every read of more than one table one snapshot. Writing a
flight again (the same ``flight_id``, the session's name) replaces it instead of counting it twice.
Clearing a limit checks the user's role here, so no caller can skip it.

SQLite errors become ``FleetError`` naming the file. A connection belongs to the thread that opened
it: an asyncio station calls ``record_flight`` / ``vehicle_status`` in a worker thread, each opening
and closing its own. Knows nothing of links, the poll or the console.
"""

from __future__ import annotations

import contextlib
import enum
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from gcs.domain.roles import Role, User
from gcs.errors import FleetError
from gcs.fleet.limits import FleetLimits, clear_roles, require_clear_role
from gcs.fleet.record import (
    EventKind,
    FlightEvent,
    FlightOutcome,
    FlightRecord,
    TouchdownSource,
    continue_record,
)
from gcs.fleet.schema import MIGRATIONS, Migration, migrate
from gcs.fleet.status import Clearance, VehicleStatus, fleet_status
from gcs.fleet.totals import VehicleTotals, totals_of

T = TypeVar("T")

_SQLITE_MAGIC = b"SQLite format 3\x00"
_ISO = "%Y-%m-%dT%H:%M:%S.%fZ"
BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's transaction on the same file."""


class AddResult(enum.Enum):
    ADDED = "added"
    REPLACED = "replaced"
    """The flight was there with other figures (a session written again after more was known)."""
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class VehicleEntry:
    vehicle_id: str
    vehicle_type: str
    added_utc: datetime


CONTINUE_WITHIN_S = 3600.0
"""A record taken over in flight continues an incomplete one that ended at most this long before it
(a station restarted within the hour; no flight of ours lasts longer)."""


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_ISO)


def _parse_iso(text: str) -> datetime:
    return datetime.strptime(text, _ISO).replace(tzinfo=UTC)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC), got {value!r}")
    return value.astimezone(UTC)


_FLIGHT_COLUMNS = (
    "flight_id, vehicle_id, started_utc, ended_utc, outcome, engine_starts, burn_time_s, "
    "max_dynamic_pressure_pa, max_heating_index_wpm2, touchdown_vertical_speed_mps, "
    "touchdown_horizontal_speed_mps, touchdown_source, hard_landing"
)


def _flight_row(record: FlightRecord) -> tuple[object, ...]:
    return (
        record.flight_id, record.vehicle_id, _iso(record.started_utc), _iso(record.ended_utc),
        record.outcome.value, record.engine_starts, record.burn_time_s, record.max_dynamic_pressure_pa,
        record.max_heating_index_wpm2, record.touchdown_vertical_speed_mps,
        record.touchdown_horizontal_speed_mps, record.touchdown_source.value, int(record.hard_landing),
    )


class FleetStore:
    """An open fleet database. Make one with ``FleetStore.open``; use it in a ``with`` block."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._closed = False

    @classmethod
    def open(
        cls, path: Path | str, *, create: bool = True, migrations: Sequence[Migration] = MIGRATIONS
    ) -> FleetStore:
        """Open (or with ``create`` make) the database at ``path`` and bring its schema up to date.

        Raises:
            FleetError: no such file (without ``create``), not an SQLite file, another program's
                database, one written by a newer ground station, or the file cannot be opened.
        """
        path = Path(path)
        if path.is_dir():
            raise FleetError(path, "a fleet database file, not a directory")
        if not path.exists():
            if not create:
                raise FleetError(path, "no fleet database here (the station writes one after the first "
                                       "flight; --db names another)")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise FleetError(path, f"cannot make its folder ({exc.strerror or exc})") from exc
        else:
            _check_header(path)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise FleetError(path, f"cannot open the fleet database ({exc})") from exc
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, path, migrations)
            # After the owner check: WAL is persistent, and another program's file stays as it was.
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise FleetError(path, f"not a usable SQLite database ({exc})") from exc
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        self._closed = True
        self._conn.close()

    def __enter__(self) -> FleetStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self, what: str, *, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction (``BEGIN IMMEDIATE`` to write, a deferred snapshot to read)."""
        if self._closed:
            raise FleetError(self.path, f"{what}: the fleet database was closed (use it inside its with)")
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise FleetError(self.path, f"{what}: {exc}") from exc
            raise

    # --- writing -------------------------------------------------------------------------------

    def continued_flight(self, record: FlightRecord) -> FlightRecord:
        """``record`` joined to the flight it continues, if any; else ``record`` itself.

        ``record`` began with the vehicle already flying (its station started mid-flight). It
        continues the vehicle's latest record if that one ended incomplete (its station was lost)
        at most ``CONTINUE_WITHIN_S`` before ``record`` began: the same flight, counted once.
        """
        with self._transaction(f"read the flight before {record.flight_id}", write=False) as conn:
            # Only the vehicle's latest other flight, events and all: not its whole history.
            earlier = self._load_flights(
                conn, "flight_id = (SELECT flight_id FROM flights WHERE vehicle_id = ? AND flight_id != ? "
                "ORDER BY started_utc DESC, flight_id DESC LIMIT 1)", (record.vehicle_id, record.flight_id))
        if not earlier:
            return record
        last = earlier[0]
        gap_s = (record.started_utc - last.ended_utc).total_seconds()
        if last.outcome is not FlightOutcome.INCOMPLETE or not -1.0 <= gap_s <= CONTINUE_WITHIN_S:
            return record
        return continue_record(last, record)

    def add_flight(self, record: FlightRecord, *, recorded_utc: datetime | None = None) -> AddResult:
        """Write ``record``: added if new, replaced if its flight id is there with other figures.

        Raises:
            FleetError: the flight id belongs to another vehicle, or the vehicle is of another type
                in this database.
        """
        stamp = _iso(datetime.now(UTC) if recorded_utc is None else _aware(recorded_utc, "recorded_utc"))
        with self._transaction(f"write flight {record.flight_id}", write=True) as conn:
            row = conn.execute("SELECT vehicle_type FROM vehicles WHERE vehicle_id = ?",
                               (record.vehicle_id,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO vehicles (vehicle_id, vehicle_type, added_utc) VALUES (?, ?, ?)",
                             (record.vehicle_id, record.vehicle_type, stamp))
            elif row[0] != record.vehicle_type:
                raise FleetError(self.path, f"vehicle {record.vehicle_id} is a {row[0]} in this database, "
                                            f"but flight {record.flight_id} says {record.vehicle_type}")
            owner = conn.execute("SELECT vehicle_id FROM flights WHERE flight_id = ?",
                                 (record.flight_id,)).fetchone()
            if owner is None:
                result = AddResult.ADDED
            elif owner[0] != record.vehicle_id:
                raise FleetError(self.path, f"flight {record.flight_id} is recorded for vehicle {owner[0]}, "
                                            f"not {record.vehicle_id}")
            elif self._load_flights(conn, "flight_id = ?", (record.flight_id,))[0] == record:
                return AddResult.UNCHANGED
            else:
                result = AddResult.REPLACED
                conn.execute("DELETE FROM events WHERE flight_id = ?", (record.flight_id,))
                conn.execute("DELETE FROM flights WHERE flight_id = ?", (record.flight_id,))
            conn.execute(f"INSERT INTO flights ({_FLIGHT_COLUMNS}, recorded_utc) "
                         f"VALUES ({', '.join('?' * 14)})", (*_flight_row(record), stamp))
            conn.executemany(
                "INSERT INTO events (flight_id, seq, kind, since_start_s, detail) VALUES (?, ?, ?, ?, ?)",
                [(record.flight_id, i, e.kind.value, e.since_start_s, e.detail)
                 for i, e in enumerate(record.events)],
            )
        return result

    def clear(self, vehicle_id: str, limit_name: str, user: User, reason: str, at_utc: datetime) -> Clearance:
        """Record that ``user`` cleared ``limit_name`` of the vehicle at ``at_utc``, for ``reason``.

        Raises:
            RoleDenied: the user holds none of the roles that may clear it (``limits.clear_roles``).
            FleetError: an unknown limit or vehicle, or an empty reason.
        """
        try:
            roles = clear_roles(limit_name)
        except ValueError as exc:
            raise FleetError(self.path, str(exc)) from None
        require_clear_role(user, limit_name)
        reason = reason.strip()
        if not reason:
            raise FleetError(self.path, "a clearance needs a reason (what was inspected or done)")
        role = min(user.roles & roles, key=lambda r: r.value)
        clearance = Clearance(vehicle_id, limit_name, user.name, role, reason, _aware(at_utc, "at_utc"))
        with self._transaction(f"clear {limit_name} of {vehicle_id}", write=True) as conn:
            self._require_vehicle(conn, vehicle_id)
            conn.execute(
                "INSERT INTO clearances (vehicle_id, limit_name, user_name, role, reason, at_utc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (vehicle_id, limit_name, user.name, role.value, reason, _iso(clearance.at_utc)),
            )
        return clearance

    # --- reading -------------------------------------------------------------------------------

    def vehicles(self) -> tuple[VehicleEntry, ...]:
        with self._transaction("read vehicles", write=False) as conn:
            rows = conn.execute(
                "SELECT vehicle_id, vehicle_type, added_utc FROM vehicles ORDER BY vehicle_id")
            return tuple(_decoded(self.path, f"vehicle {r[0]}", _vehicle_entry, r) for r in rows)

    def vehicle(self, vehicle_id: str) -> VehicleEntry | None:
        return next((v for v in self.vehicles() if v.vehicle_id == vehicle_id), None)

    def history(self, vehicle_id: str) -> tuple[FlightRecord, ...]:
        """The vehicle's records, oldest first (empty for a vehicle never recorded)."""
        with self._transaction(f"read the history of {vehicle_id}", write=False) as conn:
            return self._load_flights(conn, "vehicle_id = ?", (vehicle_id,))

    def clearances(self, vehicle_id: str) -> tuple[Clearance, ...]:
        """The vehicle's clearances, oldest first."""
        with self._transaction(f"read the clearances of {vehicle_id}", write=False) as conn:
            return self._load_clearances(conn, vehicle_id)

    def totals(self, vehicle_id: str) -> VehicleTotals:
        """Raises ``FleetError`` for a vehicle never recorded."""
        with self._transaction(f"read the totals of {vehicle_id}", write=False) as conn:
            vehicle_type = self._require_vehicle(conn, vehicle_id)
            records = self._load_flights(conn, "vehicle_id = ?", (vehicle_id,))
        return totals_of(vehicle_id, vehicle_type, records)

    def status(self, vehicle_id: str, limits: FleetLimits, vehicle_type: str | None = None) -> VehicleStatus:
        """The vehicle's condition against ``limits``.

        A vehicle never recorded is judged on no flights when ``vehicle_type`` is given (a new
        vehicle of a known type is go).

        Raises:
            FleetError: a vehicle never recorded and no ``vehicle_type``, or a type that differs
                from the database's.
        """
        with self._transaction(f"read the status of {vehicle_id}", write=False) as conn:
            row = conn.execute("SELECT vehicle_type FROM vehicles WHERE vehicle_id = ?",
                               (vehicle_id,)).fetchone()
            if row is None:
                if vehicle_type is None:
                    raise self._unknown_vehicle(conn, vehicle_id)
                return fleet_status(vehicle_id, vehicle_type, (), limits.for_type(vehicle_type), ())
            known_type = str(row[0])
            if vehicle_type is not None and vehicle_type != known_type:
                raise FleetError(self.path, f"vehicle {vehicle_id} is a {known_type} in this database, "
                                            f"not a {vehicle_type}")
            records = self._load_flights(conn, "vehicle_id = ?", (vehicle_id,))
            clearances = self._load_clearances(conn, vehicle_id)
        return fleet_status(vehicle_id, known_type, records, limits.for_type(known_type), clearances)

    # --- inside --------------------------------------------------------------------------------

    def _require_vehicle(self, conn: sqlite3.Connection, vehicle_id: str) -> str:
        row = conn.execute("SELECT vehicle_type FROM vehicles WHERE vehicle_id = ?", (vehicle_id,)).fetchone()
        if row is None:
            raise self._unknown_vehicle(conn, vehicle_id)
        return str(row[0])

    def _unknown_vehicle(self, conn: sqlite3.Connection, vehicle_id: str) -> FleetError:
        known = [r[0] for r in conn.execute("SELECT vehicle_id FROM vehicles ORDER BY vehicle_id")]
        return FleetError(self.path, f"no vehicle {vehicle_id!r} in the fleet database; known: "
                                     + (", ".join(known) or "(none yet)"))

    def _load_flights(
        self, conn: sqlite3.Connection, where: str, args: tuple[object, ...]
    ) -> tuple[FlightRecord, ...]:
        rows = conn.execute(
            f"SELECT {_FLIGHT_COLUMNS}, vehicles.vehicle_type FROM flights JOIN vehicles USING (vehicle_id) "
            f"WHERE {where} ORDER BY started_utc, flight_id", args).fetchall()
        records = []
        for row in rows:
            events = conn.execute(
                "SELECT kind, since_start_s, detail FROM events WHERE flight_id = ? ORDER BY seq",
                (row[0],)).fetchall()
            records.append(_decoded(self.path, f"flight {row[0]}", _record, row, events))
        return tuple(records)

    def _load_clearances(self, conn: sqlite3.Connection, vehicle_id: str) -> tuple[Clearance, ...]:
        rows = conn.execute(
            "SELECT vehicle_id, limit_name, user_name, role, reason, at_utc FROM clearances "
            "WHERE vehicle_id = ? ORDER BY at_utc, clearance_id", (vehicle_id,)).fetchall()
        return tuple(_decoded(self.path, f"clearance {r[1]} of {r[0]}", _clearance, r) for r in rows)


def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite before SQLite sees it (its own error names no file)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise FleetError(path, f"cannot read the fleet database ({exc.strerror or exc})") from exc
    if head and head != _SQLITE_MAGIC:
        raise FleetError(path, "not an SQLite database (a fleet database is an SQLite 3 file)")


def _decoded(path: Path, what: str, build: Callable[..., T], *row: object) -> T:
    """``build(*row)``; a value the code cannot read (edited by hand, say) is a ``FleetError``."""
    try:
        return build(*row)
    except (ValueError, TypeError, KeyError) as exc:
        raise FleetError(path, f"{what}: unreadable row ({exc})") from exc


def _vehicle_entry(row: Sequence[Any]) -> VehicleEntry:
    return VehicleEntry(row[0], row[1], _parse_iso(row[2]))


def _clearance(row: Sequence[Any]) -> Clearance:
    return Clearance(row[0], row[1], row[2], Role(row[3]), row[4], _parse_iso(row[5]))


def _record(row: Sequence[Any], events: Sequence[Sequence[Any]]) -> FlightRecord:
    return FlightRecord(
        vehicle_id=row[1],
        vehicle_type=row[13],
        flight_id=row[0],
        started_utc=_parse_iso(row[2]),
        ended_utc=_parse_iso(row[3]),
        outcome=FlightOutcome(row[4]),
        engine_starts=int(row[5]),
        burn_time_s=float(row[6]),
        max_dynamic_pressure_pa=row[7],
        max_heating_index_wpm2=row[8],
        touchdown_vertical_speed_mps=row[9],
        touchdown_horizontal_speed_mps=row[10],
        touchdown_source=TouchdownSource(row[11]),
        hard_landing=bool(row[12]),
        events=tuple(FlightEvent(EventKind(e[0]), float(e[1]), e[2]) for e in events),
    )


# --- for the station: one call, one connection, in whichever thread runs it --------------------------


def record_flight(path: Path | str, record: FlightRecord) -> AddResult:
    """Write one flight record to the database at ``path`` (made if missing)."""
    with FleetStore.open(path) as store:
        return store.add_flight(record)


def record_taken_over_flight(path: Path | str, record: FlightRecord) -> tuple[AddResult, FlightRecord]:
    """Write a record that began with the vehicle flying: it completes the flight its predecessor
    left incomplete, if there is one (``FleetStore.continued_flight``). Returns what was written."""
    with FleetStore.open(path) as store:
        whole = store.continued_flight(record)
        return store.add_flight(whole), whole


def vehicle_status(
    path: Path | str, vehicle_id: str, vehicle_type: str, limits: FleetLimits
) -> VehicleStatus:
    """The vehicle's condition from the database at ``path``.

    The file is made if missing: a new vehicle of a type with limits is judged on no flights (go).
    """
    with FleetStore.open(path) as store:
        return store.status(vehicle_id, limits, vehicle_type)
