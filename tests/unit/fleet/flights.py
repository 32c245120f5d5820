"""Flights for the fleet tests: scripted telemetry for the builder, and ready-made records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gcs.domain.fields import Sample
from gcs.domain.phases import FlightPhase
from gcs.fleet.record import (
    EventKind,
    FlightEvent,
    FlightOutcome,
    FlightRecord,
    FlightRecordBuilder,
    TouchdownLimits,
    TouchdownSource,
)

BASE_UTC = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
HOP_LIMITS = TouchdownLimits(vertical_speed_mps=4.0, horizontal_speed_mps=1.0)


@dataclass(frozen=True)
class Phase:
    phase: FlightPhase
    t_s: float


@dataclass(frozen=True)
class Report:
    down_mps: float
    across_mps: float
    t_s: float


Step = Sample | Phase | Report


def run(steps: list[Step], *, flight_id: str = "s1", window_s: float = 1.0) -> FlightRecord:
    """Feed ``steps`` to a new builder and finish the record (5 minutes long, from ``BASE_UTC``)."""
    builder = FlightRecordBuilder("YXZ-01", "yxz-1-hop", flight_id, HOP_LIMITS, touchdown_window_s=window_s)
    for step in steps:
        if isinstance(step, Sample):
            builder.observe(step)
        elif isinstance(step, Phase):
            builder.observe_phase(step.phase, step.t_s)
        else:
            builder.observe_touchdown_report(step.down_mps, step.across_mps, step.t_s)
    return builder.finish(started_utc=BASE_UTC, ended_utc=BASE_UTC + timedelta(minutes=5))


def running(value: float, t_s: float) -> Sample:
    return Sample("engine.running", value, t_s)


def hop(*, touchdown: list[Step] | None = None) -> list[Step]:
    """A hop: ignition at 10 s, liftoff 12 s, cut-off 60 s, relight 100 s, down at 120 s, engine off 121 s.

    Burn time 50 s + 21 s = 71 s, two starts; ``touchdown`` replaces the default touchdown
    (the vehicle's report of 1.5 m/s down, 0.2 m/s across).
    """
    steps: list[Step] = [
        Phase(FlightPhase.STANDBY, 0.0), running(0, 0.0),
        Phase(FlightPhase.IGNITION, 10.0), running(1, 10.0),
        Phase(FlightPhase.ASCENT, 12.0),
        Sample("vehicle.altitude_m", 2000.0, 40.0), Sample("vehicle.speed_mps", 150.0, 40.0),
        running(0, 60.0), Phase(FlightPhase.COAST, 60.0),
        running(1, 100.0), Phase(FlightPhase.LANDING_BURN, 100.0),
        Sample("vehicle.vertical_speed_up_mps", -1.5, 119.5),
        Sample("vehicle.horizontal_speed_mps", 0.2, 119.5),
    ]
    if touchdown is None:
        touchdown = [Report(1.5, 0.2, 120.0), Phase(FlightPhase.TOUCHDOWN, 120.0)]
    steps += touchdown
    steps += [running(0, 121.0), Phase(FlightPhase.SAFING, 125.0)]
    return steps


def record(
    n: int,
    *,
    vehicle_id: str = "YXZ-01",
    vehicle_type: str = "yxz-1-hop",
    outcome: FlightOutcome = FlightOutcome.LANDED,
    engine_starts: int = 2,
    burn_time_s: float = 71.0,
    max_q_pa: float | None = 6000.0,
    hard_landing: bool = False,
    aborted: bool = False,
) -> FlightRecord:
    """Flight ``n`` of a vehicle: starts ``n`` days after ``BASE_UTC`` and lasts 10 minutes."""
    start = BASE_UTC + timedelta(days=n)
    events = [FlightEvent(EventKind.ENGINE_START, 10.0, "start 1")]
    if aborted:
        events.append(FlightEvent(EventKind.ABORT, 30.0, "in flight"))
    if hard_landing:
        events.append(FlightEvent(EventKind.HARD_LANDING, 120.0, "5.00 m/s down > 4 m/s"))
    return FlightRecord(
        vehicle_id=vehicle_id,
        vehicle_type=vehicle_type,
        flight_id=f"{vehicle_id}-flight-{n}",
        started_utc=start,
        ended_utc=start + timedelta(minutes=10),
        outcome=outcome,
        engine_starts=engine_starts,
        burn_time_s=burn_time_s,
        max_dynamic_pressure_pa=max_q_pa,
        touchdown_vertical_speed_mps=5.0 if hard_landing else 1.5,
        touchdown_horizontal_speed_mps=0.2,
        touchdown_source=TouchdownSource.VEHICLE,
        hard_landing=hard_landing,
        events=tuple(events),
    )
