"""The fleet database's schema as a list of migration steps, and the step runner.

The version lives in SQLite's ``PRAGMA user_version`` (0: an empty file), the owner in ``PRAGMA
application_id``, so another program's SQLite file is refused rather than written into. Each step
runs in one transaction with its version bump, so a crash leaves the database at the last whole
step. A database newer than the newest step is refused: an older station must not write a schema
it does not know. Append steps; never edit one that has shipped.

Knows nothing of flights or limits beyond the tables' columns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gcs.errors import FleetError

APPLICATION_ID = 0x5350_464C
"""``SPFL`` (seaport fleet) in the database header: this file is ours."""


@dataclass(frozen=True, slots=True)
class Migration:
    """Brings the schema from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "vehicles, flights, events and clearances",
        (
            """CREATE TABLE vehicles (
                vehicle_id TEXT PRIMARY KEY,
                vehicle_type TEXT NOT NULL,
                added_utc TEXT NOT NULL
            ) STRICT""",
            # flight_id is the session's name; times are ISO 8601 UTC text, which sorts as time.
            """CREATE TABLE flights (
                flight_id TEXT PRIMARY KEY,
                vehicle_id TEXT NOT NULL REFERENCES vehicles (vehicle_id),
                started_utc TEXT NOT NULL,
                ended_utc TEXT NOT NULL,
                outcome TEXT NOT NULL,
                engine_starts INTEGER NOT NULL CHECK (engine_starts >= 0),
                burn_time_s REAL NOT NULL CHECK (burn_time_s >= 0),
                max_dynamic_pressure_pa REAL,
                max_heating_index_wpm2 REAL,
                touchdown_vertical_speed_mps REAL,
                touchdown_horizontal_speed_mps REAL,
                touchdown_source TEXT NOT NULL,
                hard_landing INTEGER NOT NULL CHECK (hard_landing IN (0, 1)),
                recorded_utc TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX flights_by_vehicle ON flights (vehicle_id, started_utc)",
            """CREATE TABLE events (
                flight_id TEXT NOT NULL REFERENCES flights (flight_id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                kind TEXT NOT NULL,
                since_start_s REAL NOT NULL,
                detail TEXT NOT NULL,
                PRIMARY KEY (flight_id, seq)
            ) STRICT""",
            """CREATE TABLE clearances (
                clearance_id INTEGER PRIMARY KEY,
                vehicle_id TEXT NOT NULL REFERENCES vehicles (vehicle_id),
                limit_name TEXT NOT NULL,
                user_name TEXT NOT NULL,
                role TEXT NOT NULL,
                reason TEXT NOT NULL,
                at_utc TEXT NOT NULL
            ) STRICT""",
            "CREATE INDEX clearances_by_vehicle ON clearances (vehicle_id, at_utc)",
        ),
    ),
)


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    return migrations[-1].version if migrations else 0


def _pragma_int(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute(f"PRAGMA {name}").fetchone()
    return int(row[0])


def check_owner(conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """The schema version of the open database, after checking that it is ours and not too new.

    Raises:
        FleetError: another program's database, or one written by a newer ground station.
    """
    version = _pragma_int(conn, "user_version")
    owner = _pragma_int(conn, "application_id")
    if version == 0:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        if tables:
            raise FleetError(path, "an SQLite database of another program, not a fleet database (tables: "
                             + ", ".join(tables) + ")")
        return 0
    if owner != APPLICATION_ID:
        raise FleetError(path, f"not a fleet database (SQLite application_id {owner:#x}, "
                               f"ours is {APPLICATION_ID:#x})")
    newest = latest_version(migrations)
    if version > newest:
        raise FleetError(path, f"fleet database schema version {version} is newer than this ground "
                               f"station knows ({newest}): update gcs, or use another database")
    return version


def migrate(conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Run the steps the database has not had yet; returns the version reached.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each step is its own explicit
    transaction, taken with ``BEGIN IMMEDIATE`` so two stations opening one file migrate it once.

    Raises:
        FleetError: as ``check_owner``, or a step that fails (the database stays at the step before).
    """
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migration versions must run 1, 2, 3, ... without gaps, got {versions}")
    version = check_owner(conn, path, migrations)
    for step in migrations:
        if step.version <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have taken this step while we waited for the lock.
            current = check_owner(conn, path, migrations)
            if current < step.version:
                for statement in step.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {step.version}")
            conn.execute("COMMIT")
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                detail = f"schema step {step.version} ({step.description}) failed: {exc}"
                raise FleetError(path, detail) from exc
            raise
        version = step.version
    return version
