"""The fleet in a running station: the vehicle's telemetry on the hub becomes a flight record in a
real SQLite file when the vehicle is back at rest, and the status it leads to reaches the poll's
callback; a stop in flight still writes what was flown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from gcs.clock import SimClock
from gcs.domain.phases import FlightPhase
from gcs.domain.roles import Role, User
from gcs.fleet.limits import load_fleet_limits
from gcs.fleet.station import FleetStatusUpdate, FleetWatch, FlightRecorded
from gcs.fleet.store import FleetStore, record_flight
from gcs.hub import Hub
from gcs.launch.actions import Refused
from gcs.launch.control import AnswerPoll, FleetStatusReport, GiveGoForLaunch, LaunchControl, OpenPoll
from gcs.links.values import MavlinkTelemetry, VehicleStatusText
from gcs.protocol.dialect import seaport
from tests.support.waits import wait_until
from tests.unit.fleet import flights
from tests.unit.launch.helpers import DIRECTOR
from tests.unit.launch.test_control import STATION_USERS, quick_setup

LIMITS = """
[types.yxz-1-hop]
hard_landing_vertical_speed_mps = 4.0
hard_landing_horizontal_speed_mps = 1.0

[types.yxz-1-hop.inspection]
flights = 1
"""


def _heartbeat(hub: Hub, clock: SimClock, phase: FlightPhase) -> None:
    msg = seaport.MAVLink_heartbeat_message(seaport.MAV_TYPE_ROCKET, 0, 0, int(phase), 3, 3)
    hub.publish(MavlinkTelemetry(1, 1, msg, clock.unix_time_s(), 0.0), key=(1, "HEARTBEAT"))


def _watch(tmp_path: Path, hub: Hub, clock: SimClock, said: list[tuple[bool, str]],
           recorded: list[FlightRecorded]) -> FleetWatch:
    limits_file = tmp_path / "fleet.toml"
    limits_file.write_text(LIMITS)
    return FleetWatch(
        database=tmp_path / "fleet.sqlite", limits=load_fleet_limits(limits_file), vehicle_id="YXZ-01",
        vehicle_type="yxz-1-hop", vehicle_sysid=1, session_name="20261126T000000Z-test", hub=hub,
        clock=clock, on_status=lambda go, reason: said.append((go, reason)), on_recorded=recorded.append,
        refresh_s=1.0,
    )


async def test_a_flight_is_recorded_at_rest_and_its_status_reaches_the_poll(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=1_800_000_000.0)
    hub = Hub()
    said: list[tuple[bool, str]] = []
    recorded: list[FlightRecorded] = []
    watch = _watch(tmp_path, hub, clock, said, recorded)
    async with asyncio.TaskGroup() as group:
        task = group.create_task(watch.run(), name="fleet")
        await wait_until(lambda: said == [(True, "go")], what="a new airframe judged go")
        for phase in (FlightPhase.STANDBY, FlightPhase.IGNITION, FlightPhase.ASCENT, FlightPhase.COAST,
                      FlightPhase.LANDING_BURN):
            clock.advance(10.0)
            _heartbeat(hub, clock, phase)
        clock.advance(10.0)
        hub.publish(VehicleStatusText(1, 1, 6, "touchdown on hop-barge: 1.20 m/s down, 0.10 m/s across, "
                                      "0.5 deg, 0.3 m off centre", clock.unix_time_s(), 0.0), key=1)
        await asyncio.sleep(0)
        for phase in (FlightPhase.TOUCHDOWN, FlightPhase.SAFING, FlightPhase.SAFE):
            clock.advance(1.0)
            _heartbeat(hub, clock, phase)
        await wait_until(lambda: len(recorded) == 1, what="the flight written when the vehicle is safe")
        await wait_until(lambda: len(said) == 2, what="the status after the flight")
        task.cancel()
    record = recorded[0].record
    assert record.flight_id == "20261126T000000Z-test"
    assert record.flown
    assert record.touchdown_vertical_speed_mps == 1.2  # the vehicle's own report
    go, reason = said[-1]
    assert not go
    assert "inspection due" in reason
    assert "flights" in reason
    latest = hub.latest(FleetStatusUpdate)
    assert latest is not None
    assert not latest.status.go
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        assert [r.flight_id for r in store.history("YXZ-01")] == ["20261126T000000Z-test"]


async def test_a_stop_in_flight_still_writes_what_was_flown(tmp_path: Path) -> None:
    clock = SimClock(epoch_unix_s=1_800_000_000.0)
    hub = Hub()
    said: list[tuple[bool, str]] = []
    recorded: list[FlightRecorded] = []
    watch = _watch(tmp_path, hub, clock, said, recorded)
    async with asyncio.TaskGroup() as group:
        task = group.create_task(watch.run(), name="fleet")
        await wait_until(lambda: bool(said), what="the first status")
        for phase in (FlightPhase.STANDBY, FlightPhase.IGNITION, FlightPhase.ASCENT):
            clock.advance(5.0)
            _heartbeat(hub, clock, phase)
        await wait_until(lambda: watch.flight_under_way, what="the liftoff seen by the watch")
        task.cancel()
    assert len(recorded) == 1
    assert recorded[0].record.flown
    with FleetStore.open(tmp_path / "fleet.sqlite") as store:
        assert len(store.history("YXZ-01")) == 1


async def test_a_vehicle_past_its_engine_start_limit_blocks_the_poll(tmp_path: Path) -> None:
    """The fleet database says 8 starts against a limit of 8: the station's poll is blocked, go for
    launch refused naming the limit, until a clearance in the database lifts it."""
    limits_file = tmp_path / "fleet.toml"
    limits_file.write_text(LIMITS.replace("flights = 1", "engine_starts = 8"))
    database = tmp_path / "fleet.sqlite"
    for n in range(4):  # four hops, two starts each
        record_flight(database, flights.record(n + 1))
    control = LaunchControl(quick_setup())
    clock = SimClock(epoch_unix_s=1_800_000_000.0)
    watch = FleetWatch(
        database=database, limits=load_fleet_limits(limits_file), vehicle_id="YXZ-01",
        vehicle_type="yxz-1-hop", vehicle_sysid=1, session_name="s", hub=Hub(), clock=clock,
        on_status=lambda go, why: control.handle(FleetStatusReport("YXZ-01", go, why), clock.unix_time_s()),
        refresh_s=1.0,
    )
    async with asyncio.TaskGroup() as group:
        task = group.create_task(watch.run(), name="fleet")
        await wait_until(lambda: bool(control.poll.status().blockers), what="the poll blocked by the fleet")
        control.handle(OpenPoll(DIRECTOR), clock.unix_time_s())
        for station, user in STATION_USERS.items():
            control.handle(AnswerPoll(user, station, True), clock.unix_time_s())
        asked = control.handle(GiveGoForLaunch(DIRECTOR), clock.unix_time_s())
        refused = [a for a in asked if isinstance(a, Refused)]
        assert refused, "go for launch must be refused"
        assert "engine starts" in refused[0].reason, refused[0].reason
        with FleetStore.open(database) as store:
            vera = User.of("vera", Role.VEHICLE)
            store.clear("YXZ-01", "inspection.engine_starts", vera, "engine inspected", datetime.now(UTC))
        clock.advance(1.0)  # the next read of the database
        await wait_until(lambda: not control.poll.status().blockers, what="the clearance lifting the block")
        task.cancel()
    assert control.poll.poll_gate().go
