"""The async shell on a fake byte link and a simulation clock: what goes out, what is published, when.

Time moves only when a test advances the ``SimClock``, so "lost after 3 intervals" is checked to the
exact simulated instant. The vehicle side is stock pymavlink packing frames by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from gcs.clock import SimClock
from gcs.errors import CommandTimeoutError, TimeoutError_
from gcs.hub import Hub
from gcs.links.commands import CommandPolicy
from gcs.links.enums import MavResult
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.rates import resolve_rate
from gcs.links.settings import LinkSettings
from gcs.links.sinks import JournalEntry
from gcs.links.values import (
    LinkEventKind,
    MavlinkTelemetry,
    VehicleHeartbeat,
    VehicleLinkEvent,
    VehicleLinkHealth,
    VehicleStatusText,
)
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec
from gcs.tasks import background
from tests.support.waits import wait_until, within

SETTINGS = LinkSettings(
    system_ids=frozenset({1}),
    heartbeat_interval_s=1.0,
    heartbeats_missed_for_loss=3,
    timesync_interval_s=2.0,
    health_interval_s=1.0,
    command=CommandPolicy(timeout_s=1.0, retries=1),
)


class FakeWire:
    """A byte link twin: the test puts chunks in, and reads what the link wrote."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[bytes] = asyncio.Queue()
        self.written: list[bytes] = []

    async def read(self) -> bytes:
        return await self.incoming.get()

    async def write(self, data: bytes) -> bool:
        self.written.append(data)
        return True

    def sent(self) -> list[Any]:
        """Every message the link wrote so far, decoded by stock pymavlink."""
        mav = seaport.MAVLink(None)
        return [m for frame in self.written for m in mav.parse_buffer(frame) or ()]


class Vehicle:
    """Stock pymavlink packing frames as system ``sysid``, component 1."""

    def __init__(self, wire: FakeWire, sysid: int = 1) -> None:
        self.wire = wire
        self.mav = seaport.MAVLink(None, srcSystem=sysid, srcComponent=1)

    def says(self, msg: Any) -> None:
        frame = msg.pack(self.mav)
        self.mav.seq = (self.mav.seq + 1) % 256
        self.wire.incoming.put_nowait(bytes(frame))

    def heartbeat(
        self, custom_mode: int = int(FlightPhase.SAFE), vehicle_type: int = seaport.MAV_TYPE_ROCKET
    ) -> None:
        self.says(self.mav.heartbeat_encode(vehicle_type, seaport.MAV_AUTOPILOT_GENERIC, 0, custom_mode, 3))


class Rig:
    def __init__(self, settings: LinkSettings) -> None:
        self.clock = SimClock(start_s=100.0)
        self.hub = Hub()
        self.wire = FakeWire()
        self.frames: list[tuple[bytes, float, bool]] = []
        self.journal: list[tuple[JournalEntry, dict[str, Any]]] = []
        self.fc = FlightComputerLink(
            self.wire,
            MavlinkCodec(255, 190, unix_time_s=self.clock.unix_time_s),
            clock=self.clock,
            hub=self.hub,
            settings=settings,
            record_frame=self.record,
            journal=lambda entry, payload: self.journal.append((entry, dict(payload))),
        )
        self.vehicle = Vehicle(self.wire)

    def record(self, frame: bytes, *, unix_time_s: float, critical: bool) -> None:
        self.frames.append((frame, unix_time_s, critical))

    def sent_types(self) -> list[str]:
        return [m.get_type() for m in self.wire.sent()]

    async def found(self) -> Any:
        self.vehicle.heartbeat()
        return await within(self.fc.wait_for_vehicle(1, timeout_s=1.0), timeout_s=2, what="vehicle found")


@asynccontextmanager
async def running(settings: LinkSettings = SETTINGS) -> AsyncIterator[Rig]:
    rig = Rig(settings)
    async with background(("flight computer", rig.fc.run())):
        yield rig


async def test_our_heartbeat_goes_out_at_once_and_every_second_and_nothing_else_until_a_vehicle() -> None:
    async with running() as rig:
        await wait_until(lambda: len(rig.wire.written) == 1, what="the first GCS heartbeat")
        for second in range(1, 4):
            rig.clock.advance(1.0)
            await wait_until(lambda: len(rig.wire.written) == second + 1, what=f"heartbeat {second + 1}")  # noqa: B023
        (heartbeat, *_) = rig.wire.sent()
        assert (heartbeat.get_srcSystem(), heartbeat.get_srcComponent()) == (255, 190)
        assert (heartbeat.type, heartbeat.autopilot) == (seaport.MAV_TYPE_GCS, seaport.MAV_AUTOPILOT_INVALID)
        assert set(rig.sent_types()) == {"HEARTBEAT"}
        assert [critical for _, _, critical in rig.frames] == [False] * 4
        assert [frame for frame, _, _ in rig.frames] == rig.wire.written


async def test_found_lost_at_the_exact_deadline_and_recovered_by_any_message() -> None:
    async with running() as rig:
        events = rig.hub.subscribe(VehicleLinkEvent, key=1)
        vehicle = await rig.found()
        assert vehicle.is_rocket
        assert (await events.get()).kind is LinkEventKind.FOUND
        heartbeat = rig.hub.latest(VehicleHeartbeat, 1)
        assert heartbeat is not None
        assert heartbeat.flight_phase is FlightPhase.SAFE
        assert heartbeat.monotonic_s == 100.0

        rig.clock.advance(2.999)
        await wait_until(lambda: rig.hub.latest(VehicleLinkHealth, 1) is not None, what="health published")
        assert vehicle.is_up
        assert events.pending() == 0
        rig.clock.advance_to(103.0)
        lost = await within(events.get(), what="LOST")
        assert (lost.kind, lost.monotonic_s, lost.silent_s) == (LinkEventKind.LOST, 103.0, 3.0)
        health = rig.hub.latest(VehicleLinkHealth, 1)
        assert health is not None
        assert not health.up
        assert health.last_message_age_s == 3.0

        rig.clock.advance(1.5)
        rig.vehicle.says(rig.vehicle.mav.attitude_encode(0, 0, 0, 0, 0, 0, 0))
        recovered = await within(events.get(), what="RECOVERED")
        assert (recovered.kind, recovered.silent_s) == (LinkEventKind.RECOVERED, 4.5)
        assert [p["event"] for e, p in rig.journal if e is JournalEntry.LINK_EVENT] == [
            "found",
            "lost",
            "recovered",
        ]


async def test_telemetry_and_texts_are_published_and_other_systems_ignored() -> None:
    async with running() as rig:
        await rig.found()
        rig.vehicle.says(rig.vehicle.mav.attitude_encode(42, 0.1, 0, 0, 0, 0, 0))
        rig.vehicle.says(rig.vehicle.mav.statustext_encode(seaport.MAV_SEVERITY_ALERT, b"LOX vent open"))
        stranger = Vehicle(rig.wire, sysid=2)
        stranger.heartbeat()
        stranger.says(stranger.mav.attitude_encode(1, 0, 0, 0, 0, 0, 0))
        ours = Vehicle(rig.wire, sysid=255)  # another ground station using our id: not a vehicle
        ours.heartbeat(vehicle_type=seaport.MAV_TYPE_GCS)
        await wait_until(lambda: rig.fc.counters.messages_in == 6, what="every message handled")

        attitude = rig.hub.latest(MavlinkTelemetry, (1, "ATTITUDE"))
        assert attitude is not None
        assert attitude.msg.time_boot_ms == 42
        assert attitude.unix_time_s == rig.clock.unix_time_s()
        assert rig.hub.latest(VehicleStatusText, 1) == VehicleStatusText(
            1, 1, seaport.MAV_SEVERITY_ALERT, "LOX vent open", rig.clock.unix_time_s(), 100.0
        )
        assert rig.hub.latest(MavlinkTelemetry, (2, "ATTITUDE")) is None
        assert list(rig.fc.vehicles) == [1]
        assert rig.fc.counters.ignored_systems == 2
        counters = rig.fc.codec.counters()
        assert counters.frames_received == 6
        assert len(rig.frames) == counters.frames_received + counters.frames_sent  # every frame, both ways


async def test_a_command_is_retried_on_the_clock_and_fails_typed() -> None:
    async with running() as rig:
        vehicle = await rig.found()
        command = asyncio.ensure_future(vehicle.commands.long(seaport.MAV_CMD_COMPONENT_ARM_DISARM, 1))
        try:
            await wait_until(lambda: "COMMAND_LONG" in rig.sent_types(), what="the command sent")
            rig.clock.advance(1.0)
            await wait_until(lambda: rig.sent_types().count("COMMAND_LONG") == 2, what="the retry")
            rig.clock.advance(1.0)
            with pytest.raises(CommandTimeoutError) as failure:
                await within(command, what="the timeout")
        finally:
            command.cancel()
        assert failure.value.attempts == 2
        sent = [m for m in rig.wire.sent() if m.get_type() == "COMMAND_LONG"]
        assert [m.confirmation for m in sent] == [0, 1]
        assert [c for f, _, c in rig.frames if f[7] == seaport.MAVLINK_MSG_ID_COMMAND_LONG] == [True, True]
        journalled = [p for e, p in rig.journal if e is JournalEntry.COMMAND_SENT]
        assert [(p["command_name"], p["confirmation"]) for p in journalled] == [
            ("MAV_CMD_COMPONENT_ARM_DISARM", 0),
            ("MAV_CMD_COMPONENT_ARM_DISARM", 1),
        ]


async def test_an_accepted_command_and_its_journalled_ack() -> None:
    async with running() as rig:
        vehicle = await rig.found()
        command = asyncio.ensure_future(vehicle.commands.long(seaport.MAV_CMD_COMPONENT_ARM_DISARM, 1))
        await wait_until(lambda: "COMMAND_LONG" in rig.sent_types(), what="the command sent")
        rig.vehicle.says(rig.vehicle.mav.command_ack_encode(400, 0, 0, 0, 255, 190))
        ack = await within(command, what="the ACK")
        assert ack.result is MavResult.ACCEPTED
        (journalled,) = [p for e, p in rig.journal if e is JournalEntry.COMMAND_ACK]
        assert journalled["result"] == "ACCEPTED"
        assert journalled["sysid"] == 1


async def test_rates_are_requested_when_a_vehicle_is_found() -> None:
    settings = LinkSettings(system_ids=frozenset({1}), message_rates=(resolve_rate("ATTITUDE", 10),))
    async with running(settings) as rig:
        await rig.found()
        await wait_until(lambda: "COMMAND_LONG" in rig.sent_types(), what="SET_MESSAGE_INTERVAL")
        (request,) = [m for m in rig.wire.sent() if m.get_type() == "COMMAND_LONG"]
        assert (request.command, request.param1, request.param2) == (511, 30.0, 100_000.0)
        rig.vehicle.says(
            rig.vehicle.mav.command_ack_encode(511, seaport.MAV_RESULT_UNSUPPORTED, 0, 0, 255, 190)
        )
        await wait_until(
            lambda: any(e is JournalEntry.COMMAND_ACK for e, _ in rig.journal), what="the refusal"
        )


async def test_timesync_requests_answers_and_round_trips() -> None:
    async with running() as rig:
        await rig.found()
        rig.vehicle.says(rig.vehicle.mav.timesync_encode(0, 555))

        def answers() -> list[Any]:
            return [m for m in rig.wire.sent() if m.get_type() == "TIMESYNC" and m.ts1 == 555]

        await wait_until(answers, what="our answer")
        (answer,) = answers()
        assert answer.tc1 == int(rig.clock.unix_time_s() * 1e9)

        def requests() -> list[Any]:
            return [m for m in rig.wire.sent() if m.get_type() == "TIMESYNC" and m.tc1 == 0]

        await wait_until(lambda: rig.clock.pending_sleepers == 3, what="heartbeat, watchdog, timesync asleep")
        before = len(requests())
        rig.clock.advance(2.0)
        await wait_until(lambda: len(requests()) == before + 1, what="our request")
        request = requests()[-1]
        assert request.ts1 == 102_000_000_000
        rig.clock.advance(0.125)
        handled = rig.fc.counters.messages_in
        rig.vehicle.says(rig.vehicle.mav.timesync_encode(1, request.ts1))
        await wait_until(lambda: rig.fc.counters.messages_in > handled, what="the answer handled")
        rig.clock.advance(0.875)  # the next health report carries the RTT
        await wait_until(
            lambda: (h := rig.hub.latest(VehicleLinkHealth, 1)) is not None and h.rtt_s == 0.125,
            what="RTT",
            show=lambda: (rig.hub.latest(VehicleLinkHealth, 1), request.ts1, rig.clock.monotonic_s()),
        )


async def test_a_failing_sink_does_not_stop_the_link() -> None:
    async with running() as rig:

        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("recorder closed")

        rig.fc._record_frame = broken
        vehicle = await rig.found()
        assert vehicle.is_up
        assert rig.fc.counters.sink_failures >= 1


async def test_waiting_for_a_vehicle_times_out_on_the_clock() -> None:
    async with running() as rig:
        await wait_until(lambda: rig.clock.pending_sleepers == 3, what="heartbeat, watchdog, timesync asleep")
        waiting = asyncio.ensure_future(rig.fc.wait_for_vehicle(1, timeout_s=5.0))
        await wait_until(lambda: rig.clock.pending_sleepers == 4, what="the waiter asleep on the clock")
        rig.clock.advance(5.0)
        with pytest.raises(TimeoutError_, match=r"vehicle 1 not found within 5\.0 s"):
            await within(waiting, what="the timeout")


async def test_exchanges_need_a_running_link() -> None:
    rig = Rig(SETTINGS)
    with pytest.raises(RuntimeError, match="not running"):
        await rig.fc.run_exchange(1, None)  # type: ignore[arg-type]
