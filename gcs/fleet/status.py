"""Whether a vehicle may fly again: its records since each limit was last cleared, against its limits.

Pure: records, limits and clearances in, a ``VehicleStatus`` out. A clearance resets the limits it
covers from its time on: a record counts towards a limit when it ended after the last clearance of
that limit (a flight that ended before an inspection was covered by it). A vehicle type with no
limits is no-go too: nobody has said how far it may go. Knows nothing of the database or the poll.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gcs.domain.roles import Role
from gcs.fleet.limits import Limit, LimitLevel, Metric, VehicleTypeLimits, covers
from gcs.fleet.record import FlightRecord
from gcs.fleet.totals import totals_of


class Condition(enum.Enum):
    OK = "ok"
    INSPECTION_DUE = "inspection_due"
    REFURBISHMENT_DUE = "refurbishment_due"
    NO_LIMITS = "no_limits"
    """The vehicle's type has no limits in the file: no-go until it has."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Clearance:
    """A user of ``role`` signed off ``limit_name`` (a limit, a level, or ``refurbishment``) at ``at_utc``."""

    vehicle_id: str
    limit_name: str
    user: str
    role: Role
    reason: str
    at_utc: datetime


@dataclass(frozen=True, slots=True)
class LimitUsage:
    """How far a vehicle has gone towards one limit since it was last cleared.

    ``value`` is ``None`` for a peak that no flight since has measured (a count is 0 then);
    ``flight_id`` names the flight that set a peak.
    """

    limit: Limit
    value: float | None
    since_utc: datetime | None
    flight_id: str | None = None

    @property
    def reached(self) -> bool:
        if self.value is None:
            return False
        return self.value > self.limit.value if self.limit.metric.peak else self.value >= self.limit.value

    @property
    def text(self) -> str:
        """``inspection.engine_starts: engine starts 12 >= limit 10 since entry into service``."""
        metric = self.limit.metric
        shown = "none" if self.value is None else metric.format(self.value)
        op = (">" if metric.peak else ">=") if self.reached else "of"
        on = f" on flight {self.flight_id}" if self.flight_id else ""
        since = "since entry into service"
        if self.since_utc is not None:
            since = f"since clearance {utc_text(self.since_utc)}"
        limit = metric.format(self.limit.value)
        return f"{self.limit.name}: {metric.label} {shown} {op} limit {limit}{on} {since}"


@dataclass(frozen=True, slots=True)
class VehicleStatus:
    vehicle_id: str
    vehicle_type: str
    condition: Condition
    reached: tuple[LimitUsage, ...] = ()
    reasons: tuple[str, ...] = ()
    """One line per limit reached (or why there are no limits), naming the limit and the numbers."""

    @property
    def go(self) -> bool:
        """Only a vehicle with limits and none of them reached may fly."""
        return self.condition is Condition.OK

    @property
    def summary(self) -> str:
        """``go``, or ``no-go: inspection due: <reasons>`` for a poll answer or a journal line."""
        if self.go:
            return "go"
        return f"no-go: {self.condition.label}: " + "; ".join(self.reasons)


def utc_text(value: datetime | None) -> str:
    """``2026-05-01 12:34Z``: minutes are enough for a person reading fleet state."""
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%MZ")


def last_clearance(limit_name: str, clearances: Iterable[Clearance]) -> datetime | None:
    """When ``limit_name`` was last reset by any clearance that covers it."""
    times = [c.at_utc for c in clearances if covers(c.limit_name, limit_name)]
    return max(times) if times else None


def _measure(metric: Metric, records: Sequence[FlightRecord]) -> tuple[float | None, str | None]:
    if metric.peak:
        attr = metric.value
        measured = [(getattr(r, attr), r.flight_id) for r in records if getattr(r, attr) is not None]
        if not measured:
            return None, None
        value, flight_id = max(measured, key=lambda m: m[0])
        return float(value), flight_id
    totals = totals_of("", "", records)  # no records: every count is 0
    return float(getattr(totals, metric.value)), None


def limit_usage(
    records: Sequence[FlightRecord], limits: VehicleTypeLimits, clearances: Sequence[Clearance]
) -> tuple[LimitUsage, ...]:
    """Every limit of ``limits`` with the vehicle's figure since that limit's last clearance."""
    usage = []
    for limit in limits.limits():
        since = last_clearance(limit.name, clearances)
        counted = [r for r in records if since is None or r.ended_utc > since]
        value, flight_id = _measure(limit.metric, counted)
        usage.append(LimitUsage(limit, value, since, flight_id))
    return tuple(usage)


def fleet_status(
    vehicle_id: str,
    vehicle_type: str,
    records: Sequence[FlightRecord],
    limits: VehicleTypeLimits | None,
    clearances: Sequence[Clearance],
) -> VehicleStatus:
    """The vehicle's condition, worst first: refurbishment due, inspection due, ok.

    ``records`` and ``clearances`` are the vehicle's own (any order); ``limits`` its type's, or
    ``None`` when the file has none for that type.
    """
    if limits is None:
        reason = (f"no fleet limits for vehicle type {vehicle_type!r}: "
                  f"add [types.{vehicle_type}] to the limits file")
        return VehicleStatus(vehicle_id, vehicle_type, Condition.NO_LIMITS, (), (reason,))
    reached = tuple(u for u in limit_usage(records, limits, clearances) if u.reached)
    levels = {u.limit.level for u in reached}
    if LimitLevel.REFURBISHMENT in levels:
        condition = Condition.REFURBISHMENT_DUE
    elif LimitLevel.INSPECTION in levels:
        condition = Condition.INSPECTION_DUE
    else:
        condition = Condition.OK
    return VehicleStatus(vehicle_id, vehicle_type, condition, reached, tuple(u.text for u in reached))
