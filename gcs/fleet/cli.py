"""``gcs fleet show|clear``: the fleet's state and limit clearances from the command line.

Parses arguments, formats tables, hands over to the store; no rules of its own. ``clear`` asks for
the user's console password (typed, or one line on standard input with ``--password-stdin``) and
checks it through ``authenticate``, which the ``gcs`` command passes in: the console's user file
belongs to a layer above this one. Knows nothing of links or the count.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from gcs.domain.roles import User
from gcs.errors import FleetError
from gcs.fleet.limits import LIMIT_NAMES, FleetLimits, load_fleet_limits
from gcs.fleet.record import FlightRecord
from gcs.fleet.status import VehicleStatus, limit_usage, utc_text
from gcs.fleet.store import FleetStore
from gcs.fleet.totals import VehicleTotals

DEFAULT_DB = "fleet.sqlite"
DEFAULT_LIMITS = "configs/limits/fleet.toml"
DEFAULT_USERS = "secrets/console-users.json"

Authenticate = Callable[[Path, str, str], User | None]
"""(user file, user name, password) -> the user with their roles, or None if the password is wrong."""


def add_parser(sub: Any, authenticate: Authenticate | None = None) -> None:
    fleet = sub.add_parser("fleet", help="fleet and reuse records: vehicles' state, clearing limits")
    files = argparse.ArgumentParser(add_help=False)
    # Accepted before or after the action: an action's own option, when absent, must not reset the
    # value given before it, hence SUPPRESS there.
    suppress = argparse.SUPPRESS
    for parser, db, limits in ((fleet, DEFAULT_DB, DEFAULT_LIMITS), (files, suppress, suppress)):
        parser.add_argument("--db", default=db, metavar="FILE",
                            help=f"the fleet database (default {DEFAULT_DB})")
        parser.add_argument("--limits", default=limits, metavar="FILE",
                            help=f"the fleet limits file (default {DEFAULT_LIMITS})")
    fleet_sub = fleet.add_subparsers(dest="fleet_command", required=True, metavar="ACTION")

    show = fleet_sub.add_parser("show", parents=[files],
                                help="every vehicle's state, or one vehicle's flights and limits")
    show.add_argument("vehicle", nargs="?", help="a vehicle id: its flights, limits and clearances")
    show.set_defaults(func=_show)

    clear = fleet_sub.add_parser("clear", parents=[files],
                                 help="record an inspection or refurbishment that resets a limit")
    clear.add_argument("vehicle", help="the vehicle id")
    clear.add_argument("limit", help="the limit, a level (inspection) or refurbishment: "
                                     + ", ".join(LIMIT_NAMES))
    clear.add_argument("--users", default=DEFAULT_USERS, metavar="FILE",
                       help=f"the console user file (default {DEFAULT_USERS})")
    clear.add_argument("--user", required=True, metavar="NAME", help="who clears it (a console user)")
    clear.add_argument("--reason", required=True, metavar="TEXT", help="what was inspected or done")
    clear.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    clear.set_defaults(func=lambda args: _clear(args, authenticate))


# --- show --------------------------------------------------------------------------------------------


def _show(args: argparse.Namespace) -> int:
    limits = load_fleet_limits(args.limits)
    with FleetStore.open(args.db, create=False) as store:
        if args.vehicle:
            totals = store.totals(args.vehicle)
            status = store.status(args.vehicle, limits)
            print(vehicle_report(totals, status, store.history(args.vehicle), limits, store))
            return 0
        rows = [(store.totals(v.vehicle_id), store.status(v.vehicle_id, limits)) for v in store.vehicles()]
    print(fleet_table(rows, Path(args.db)))
    return 0


def _kpa(value: float | None) -> str:
    return "-" if value is None else f"{value / 1000.0:.1f}"


def _kwpm2(value: float | None) -> str:
    return "-" if value is None else f"{value / 1000.0:.1f}"


def _mps(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _status_word(status: VehicleStatus) -> str:
    return "go" if status.go else f"NO-GO ({status.condition.label})"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> str:
    """Columns padded to their widest cell; the columns in ``right`` aligned right (numbers)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                          strict=True)))
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def fleet_table(rows: Sequence[tuple[VehicleTotals, VehicleStatus]], db: Path) -> str:
    """Every vehicle on one line, and under a vehicle that is no-go, why."""
    if not rows:
        return f"{db}: no vehicles recorded yet"
    headers = ("VEHICLE", "TYPE", "FLIGHTS", "STARTS", "BURN s", "MAX Q kPa", "LAST FLIGHT", "STATUS")
    body = []
    for totals, status in rows:
        last = "-"
        if totals.last_started_utc is not None and totals.last_outcome is not None:
            last = f"{utc_text(totals.last_started_utc)} {totals.last_outcome.value}"
        body.append((totals.vehicle_id, totals.vehicle_type, str(totals.flights), str(totals.engine_starts),
                     f"{totals.burn_time_s:.1f}", _kpa(totals.max_dynamic_pressure_pa), last,
                     _status_word(status)))
    lines = table(headers, body, frozenset({2, 3, 4, 5})).splitlines()
    out = lines[:1]
    for line, (_, status) in zip(lines[1:], rows, strict=True):
        out.append(line)
        out.extend(f"    {reason}" for reason in status.reasons)
    return "\n".join(out)


def vehicle_report(
    totals: VehicleTotals,
    status: VehicleStatus,
    history: Sequence[FlightRecord],
    limits: FleetLimits,
    store: FleetStore,
) -> str:
    """One vehicle: status and why, totals, each limit's use since its clearance, flights, clearances."""
    out = [f"{totals.vehicle_id} ({totals.vehicle_type}): {_status_word(status)}"]
    out.extend(f"  {reason}" for reason in status.reasons)
    out += [
        "",
        f"totals: {totals.flights} flight(s) in {totals.records} record(s), {totals.engine_starts} engine "
        f"start(s), {totals.burn_time_s:.1f} s of burn, max q {_kpa(totals.max_dynamic_pressure_pa)} kPa, "
        f"max heating index {_kwpm2(totals.max_heating_index_wpm2)} kW/m2, {totals.hard_landings} hard "
        f"landing(s), {totals.aborts} abort(s), {totals.terminations} termination(s)",
    ]
    clearances = store.clearances(totals.vehicle_id)
    type_limits = limits.for_type(totals.vehicle_type)
    if type_limits is not None:
        out += ["", "limits:"]
        out += [f"  {u.text}" for u in limit_usage(history, type_limits, clearances)]
    out += ["", "flights:"]
    rows = [
        (utc_text(r.started_utc), r.flight_id, r.outcome.value, str(r.engine_starts), f"{r.burn_time_s:.1f}",
         _kpa(r.max_dynamic_pressure_pa), _kwpm2(r.max_heating_index_wpm2),
         f"{_mps(r.touchdown_vertical_speed_mps)}/{_mps(r.touchdown_horizontal_speed_mps)}",
         ", ".join(e.kind.value for e in r.events if e.kind.value in _NOTABLE) or "-")
        for r in history
    ]
    headers = ("STARTED", "FLIGHT", "OUTCOME", "STARTS", "BURN s", "MAX Q kPa", "HEAT kW/m2",
               "TOUCHDOWN m/s down/across", "EVENTS")
    out += ["  " + line for line in table(headers, rows, frozenset({3, 4, 5, 6})).splitlines()]
    out += ["", "clearances:"]
    out += [f"  {utc_text(c.at_utc)}  {c.limit_name} by {c.user} ({c.role.value}): {c.reason}"
            for c in clearances] or ["  (none)"]
    return "\n".join(out)


_NOTABLE = frozenset({"hard_landing", "abort", "flight_termination"})


# --- clear -------------------------------------------------------------------------------------------


def read_password(args: argparse.Namespace, stdin: TextIO | None = None) -> str:
    if args.password_stdin:
        line = (stdin or sys.stdin).readline()
        return line[:-1] if line.endswith("\n") else line
    return getpass.getpass(f"password for {args.user}: ")


def _clear(args: argparse.Namespace, authenticate: Authenticate | None) -> int:
    if authenticate is None:
        raise FleetError(args.users, "built without a user check: run it as `gcs fleet clear`")
    limits = load_fleet_limits(args.limits)  # a bad limits file is found before anything is written
    users = Path(args.users)
    user = authenticate(users, args.user, read_password(args))
    if user is None:
        raise FleetError(users, f"user {args.user}: unknown, or not that password")
    with FleetStore.open(args.db, create=False) as store:
        clearance = store.clear(args.vehicle, args.limit, user, args.reason, datetime.now(UTC))
        status = store.status(args.vehicle, limits)
    print(f"{args.db}: {clearance.limit_name} of {clearance.vehicle_id} cleared by {clearance.user} "
          f"({clearance.role.value}) at {utc_text(clearance.at_utc)}: {clearance.reason}")
    print(f"{status.vehicle_id}: {_status_word(status)}")
    for reason in status.reasons:
        print(f"  {reason}")
    return 0
