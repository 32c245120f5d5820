"""A vehicle's figures summed over its flight records: counts, burn time, peaks, the latest record.

Pure and order-free: the same records in any order give the same totals. Knows nothing of limits
or of where the records are kept; ``status`` applies the limits to the totals of a subset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from gcs.fleet.record import FlightOutcome, FlightRecord


@dataclass(frozen=True, slots=True)
class VehicleTotals:
    """``records`` counts every count, flown or not; ``flights`` only those that lifted off.

    Peaks are ``None`` when no record measured them. ``last_*`` describe the latest record by start.
    """

    vehicle_id: str
    vehicle_type: str
    records: int = 0
    flights: int = 0
    engine_starts: int = 0
    burn_time_s: float = 0.0
    hard_landings: int = 0
    aborts: int = 0
    terminations: int = 0
    max_dynamic_pressure_pa: float | None = None
    max_heating_index_wpm2: float | None = None
    max_touchdown_vertical_speed_mps: float | None = None
    last_started_utc: datetime | None = None
    last_outcome: FlightOutcome | None = None
    last_flight_id: str | None = None


def _peak(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def totals_of(vehicle_id: str, vehicle_type: str, records: Iterable[FlightRecord]) -> VehicleTotals:
    """The totals of ``records`` (all assumed to be of this vehicle)."""
    rows = sorted(records, key=lambda r: (r.started_utc, r.flight_id))
    if not rows:
        return VehicleTotals(vehicle_id, vehicle_type)
    last = rows[-1]
    return VehicleTotals(
        vehicle_id=vehicle_id,
        vehicle_type=vehicle_type,
        records=len(rows),
        flights=sum(1 for r in rows if r.flown),
        engine_starts=sum(r.engine_starts for r in rows),
        burn_time_s=sum(r.burn_time_s for r in rows),
        hard_landings=sum(1 for r in rows if r.hard_landing),
        aborts=sum(1 for r in rows if r.aborted),
        terminations=sum(1 for r in rows if r.terminated),
        max_dynamic_pressure_pa=_peak(r.max_dynamic_pressure_pa for r in rows),
        max_heating_index_wpm2=_peak(r.max_heating_index_wpm2 for r in rows),
        max_touchdown_vertical_speed_mps=_peak(r.touchdown_vertical_speed_mps for r in rows),
        last_started_utc=last.started_utc,
        last_outcome=last.outcome,
        last_flight_id=last.flight_id,
    )
