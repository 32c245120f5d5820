"""A short scripted flight, recorded through the live links and the real recorder, for replay tests.

``record_flight`` runs a ``FlightComputerLink`` and a ``SeaPlatformLink`` exactly as ``gcs run``
wires them (recorder sinks attached) and feeds them a vehicle's frames and a Seapath feed at
scripted receive times on a ``ReplayClock``, stepping through every deadline on the way, so the
run is deterministic and takes no wall time. It returns the session folder and every value the
hub carried, in order: what a replay of that folder must reproduce.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

from gcs.hub import Hub
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.sea_platform import SeaPlatformLink
from gcs.links.sea_platform_settings import SeaPlatformSettings
from gcs.links.settings import LinkSettings
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec
from gcs.recorder.journal import JournalKind
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.replay import LockstepLink, ReplayClock, ReplaySettings, settle
from gcs.transport.endpoint import Endpoint, EndpointKind
from gcs.transport.link import LinkEvent, LinkState

REPO = Path(__file__).resolve().parents[3]
SEAPATH_LINES = [
    line for line in (REPO / "tests" / "data" / "nmea" / "seapath.nmea").read_bytes().splitlines() if line
]
EPOCH_S = 1_800_000_000.0
VEHICLE = 1
PLATFORM = "landing-barge"
STATION = (255, 190)
SILENT_FROM_S, SILENT_UNTIL_S = 9.0, 16.0
"""The vehicle is silent in between: longer than the 5 s loss threshold, so LOST then RECOVERED."""
END_S = 20.5

LINK_SETTINGS = LinkSettings(system_ids=frozenset({VEHICLE}), timesync_interval_s=None)
PLATFORM_SETTINGS = SeaPlatformSettings(name=PLATFORM)


class TapHub(Hub):
    """A hub that also keeps every publication, in order, with its key (nothing can be missed)."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[Hashable | None, object]] = []

    def publish(self, value: object, *, key: Hashable | None = None) -> None:
        self.log.append((key, value))
        super().publish(value, key=key)

    def of(self, kind: type) -> list[object]:
        return [value for _, value in self.log if type(value) is kind]


@dataclass(frozen=True, slots=True)
class Event:
    t_s: float
    what: str  # "frame", "nmea" or "journal"
    data: bytes


def vehicle_frames() -> list[Event]:
    """Heartbeats at 1 Hz (phase SAFE, STANDBY, then TERMINAL_COUNT), ATTITUDE at 10 Hz, a STATUSTEXT."""
    codec = MavlinkCodec(VEHICLE, 1)
    events: list[Event] = []
    for step in range(200):
        t_s = round(0.5 + step * 0.1, 6)
        if SILENT_FROM_S <= t_s < SILENT_UNTIL_S:
            continue
        if step % 10 == 0:
            phase = FlightPhase.SAFE if t_s < 5 else FlightPhase.STANDBY
            if t_s >= 12:
                phase = FlightPhase.TERMINAL_COUNT
            beat = seaport.MAVLink_heartbeat_message(
                seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC, 0, int(phase),
                seaport.MAV_STATE_ACTIVE, 3,
            )
            events.append(Event(t_s, "frame", codec.encode(beat)))
        if step == 30:
            text = seaport.MAVLink_statustext_message(seaport.MAV_SEVERITY_WARNING, b"LOX topping 98%", 0, 0)
            events.append(Event(round(t_s + 0.01, 6), "frame", codec.encode(text)))
        attitude = seaport.MAVLink_attitude_message(int(t_s * 1000), 0.01 * step, -0.02, 1.5, 0.0, 0.0, 0.001)
        events.append(Event(round(t_s + 0.02, 6), "frame", codec.encode(attitude)))
    return events


def platform_lines() -> list[Event]:
    """The Seapath recording, looped from 0.3 s to the end: two lines in one read every 100 ms (so a
    chunk holds two motion samples, and the deck motion published is the one after both)."""
    events = []
    for index in range(2 * int((END_S - 0.3) / 0.1)):
        t_s = round(0.3 + (index // 2) * 0.1, 6)
        events.append(Event(t_s, "nmea", SEAPATH_LINES[index % len(SEAPATH_LINES)]))
    return events


def script() -> list[Event]:
    return sorted([*vehicle_frames(), *platform_lines()], key=lambda e: e.t_s)


async def step_to(clock: ReplayClock, to_s: float) -> None:
    """What the replay does between records: every deadline on the way, in order, then ``to_s``."""
    while (deadline_s := clock.next_deadline_s()) is not None and deadline_s <= to_s:
        clock.advance_to(deadline_s)
        await settle()
    clock.advance_to(to_s)


async def record_flight(out_dir: Path, events: list[Event] | None = None) -> tuple[Path, TapHub]:
    """Record the scripted flight as ``gcs run`` would; returns the session folder and the live hub."""
    clock = ReplayClock(EPOCH_S)
    hub = TapHub()
    async with SessionRecorder(RecorderSettings(out_dir=out_dir), clock, platforms=(PLATFORM,)) as recorder:
        vehicle_link, platform_link = LockstepLink(), LockstepLink()
        fc = FlightComputerLink(
            vehicle_link, MavlinkCodec(*STATION), clock=clock, hub=hub, settings=LINK_SETTINGS,
            record_frame=recorder.record_frame,
        )
        platform = SeaPlatformLink(PLATFORM_SETTINGS, clock=clock, hub=hub, record_nmea=recorder.record_nmea)
        wire = Endpoint(EndpointKind.MEMORY, wire="barge")
        platform.on_link_event(LinkEvent(wire, LinkState.UP, "opened", clock.monotonic_s()))
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(recorder.run(), name="recorder"),
                group.create_task(fc.run(), name="vehicle link"),
            ]
            group.create_task(platform.run(platform_link), name="platform link")
            await settle()
            for event in _reads(events if events is not None else script()):
                await step_to(clock, event.t_s)
                if event.what == "frame":
                    await vehicle_link.deliver(event.data)
                elif event.what == "nmea":
                    await platform_link.deliver(event.data)
                else:
                    recorder.journal(JournalKind.OPERATOR_ACTION, "console", {"action": event.data.decode()},
                                     who="alice")
                await settle()
            platform_link.close()
            for task in tasks:
                task.cancel()
        return recorder.session_dir, hub


def _reads(events: list[Event]) -> list[Event]:
    """What each read of a link returns: consecutive NMEA lines of one instant come in one chunk."""
    reads: list[Event] = []
    for event in events:
        if event.what != "nmea":
            reads.append(event)
        elif reads and reads[-1].what == "nmea" and reads[-1].t_s == event.t_s:
            reads[-1] = Event(event.t_s, "nmea", reads[-1].data + event.data + b"\r\n")
        else:
            reads.append(Event(event.t_s, "nmea", event.data + b"\r\n"))
    return reads


def replay_settings(**overrides: object) -> ReplaySettings:
    """The settings ``record_flight`` ran the links with, as fast as possible, no status lines."""
    base: dict[str, object] = {
        "speed": float("inf"), "status_every_s": None, "link": LINK_SETTINGS,
        "platforms": {PLATFORM: PLATFORM_SETTINGS},
    }
    base.update(overrides)
    return ReplaySettings(**base)  # type: ignore[arg-type]
