"""The flight-sequence soak, bounded: one station, a few real flights, checked for what is not timing.

``bench.soak_flights`` keeps one ground station up (recorder, launch control, cargo, fleet, console
with clients coming and going, MQTT bridge to a real Mosquitto, both sea platforms) and flies a
fresh ``firmware-sim vehicle`` process through a whole count, hop, landing and safing, flight after
flight. The long run is a benchmark (docs/performance.md, "Soak"); here two flights are flown and
only what does not depend on the machine's speed is checked: every flight landed on the barge and
was safed, the fleet and the station's one session hold every flight, the hub queues stayed within
their bounds, the tasks stayed bounded, and the file descriptors came back to their baseline once the
last vehicle and the console clients had gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.soak_flights import FlightSoakResult, report, soak_flights
from gcs.fleet.store import FleetStore

pytestmark = pytest.mark.slow

FLIGHTS = 2
SPEED = 40.0
"""Asked; the run is paced by the station, so a slow machine makes it slower, never wrong."""
TASK_ALLOWANCE = 20
"""Tasks a visiting console client or a flight's own loop may add while it lasts."""


def _journal(session_dir: Path) -> list[dict[str, object]]:
    lines = (session_dir / "journal.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _payloads(entries: list[dict[str, object]], key: str, value: str) -> list[dict[str, object]]:
    payloads = [entry["payload"] for entry in entries]
    return [p for p in payloads if isinstance(p, dict) and p.get(key) == value]


async def test_one_station_flies_a_sequence_and_nothing_grows_but_its_records(tmp_path: Path) -> None:
    result: FlightSoakResult = await soak_flights(tmp_path, flights=FLIGHTS, speed=SPEED, churn_s=0.5)
    print("\n".join(report(result)))  # the figures, with -s
    shown = "\n".join([*report(result), "station output:", *result.station_lines[-30:]])

    # Every flight: the whole count, the hop, on the barge, safed, judged by gcs sitl's verdict.
    assert len(result.rows) == FLIGHTS, shown
    for row in result.rows:
        assert row.passed, shown
        assert row.phases[-1] == "safe", shown
        assert {"ignition", "ascent", "landing_burn", "touchdown"} <= set(row.phases), shown
        assert row.landed_on == "hop-barge", shown
        assert row.fleet_recorded, shown
    assert result.clock_restarts == FLIGHTS - 1  # each new vehicle process was followed, not waited for

    # The one session holds every flight: its liftoff, its recovery, its fleet record.
    assert result.session_dir is not None
    journal = _journal(result.session_dir)
    assert len(_payloads(journal, "to_state", "liftoff")) == FLIGHTS, shown
    assert len(_payloads(journal, "action", "recovery_complete")) == FLIGHTS, shown
    assert len(_payloads(journal, "action", "flight_recorded")) == FLIGHTS, shown
    assert len(_payloads(journal, "event", "lost")) >= FLIGHTS, shown  # each vehicle's going was seen
    assert result.fleet_db is not None
    with FleetStore.open(result.fleet_db, create=False) as store:
        history = store.history(result.vehicle_id)
    assert len(history) == FLIGHTS
    assert len({record.flight_id for record in history}) == FLIGHTS

    # Consumers really ran; nothing piled up or leaked.
    assert result.mqtt
    assert result.visits > 0
    assert result.stream_messages > result.visits
    assert result.queue_overflows == 0
    assert all(row.deepest_queue <= row.queue_bound for row in result.rows)
    assert max(row.tasks for row in result.rows) <= result.baseline_tasks + TASK_ALLOWANCE, shown
    assert result.final_tasks <= result.baseline_tasks + TASK_ALLOWANCE, shown
    assert result.final_fds <= result.baseline_fds, shown
    # The bridge's broker connections: its main one and one status line per vehicle or platform it
    # has seen (a new vehicle process is the same vehicle), never one more per flight.
    assert result.final_broker_fds <= 1 + len(("launch-platform", "hop-barge", "vehicle 1")), shown
