"""The station side of the transport hardening tests: the vehicle link as ``gcs run`` wires it, recorded.

``station(config, tmp_path)`` runs ``open_flight_computer`` (the application's own wiring, so the
transport's up/down events and a ``tcpin`` listener's peer events reach the journal as they do in
``gcs run``) into a real ``SessionRecorder``, and keeps, each with its time, every frame the link
handed the recorder, every ``VehicleLinkEvent`` and ``VehicleLinkHealth`` on the hub and every
``link_event`` the link journaled. ``check_record`` is the fault matrix's check on the closed
session: every frame the link delivered is in the tlog in the order the link saw it, the frames
received are the codec's count, and the journal holds the link events the hub showed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcs.clock import WallClock
from gcs.config import StationConfig, VehicleLinkConfig
from gcs.hub import Hub
from gcs.links.flight_computer import FlightComputerLink, open_flight_computer
from gcs.links.settings import LinkSettings
from gcs.links.sinks import JournalEntry
from gcs.links.values import LinkEventKind, MavlinkTelemetry, VehicleLinkEvent, VehicleLinkHealth
from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.tasks import background
from gcs.transport.link import Link

GCS_SYSTEM_ID = 255
VEHICLE = 1
FLUSH_INTERVAL_S = 0.05


@dataclass(slots=True)
class Station:
    """The running link and what it reported, each item with the monotonic time it came."""

    fc: FlightComputerLink
    hub: Hub
    clock: WallClock
    session_dir: Path
    frames: list[tuple[float, bytes]] = field(default_factory=list)
    events: list[VehicleLinkEvent] = field(default_factory=list)
    healths: list[VehicleLinkHealth] = field(default_factory=list)
    journal: list[Mapping[str, Any]] = field(default_factory=list)
    """Payloads of the ``link_event`` entries the link journaled, in order."""

    @property
    def link(self) -> Link:
        """The byte link ``open_flight_computer`` opened (for its endpoint and counters)."""
        link = self.fc._link
        assert isinstance(link, Link)
        return link

    def health(self) -> VehicleLinkHealth | None:
        return self.hub.latest(VehicleLinkHealth, VEHICLE)

    def kinds(self) -> list[LinkEventKind]:
        return [e.kind for e in self.events]

    def event(self, kind: LinkEventKind) -> VehicleLinkEvent:
        return next(e for e in self.events if e.kind is kind)

    def transport_events(self) -> list[str]:
        """The ``event`` of every journaled transport or peer event (the vehicle's carry a sysid)."""
        return [p["event"] for p in self.journal if "sysid" not in p]

    def latest(self, message: str) -> MavlinkTelemetry | None:
        return self.hub.latest(MavlinkTelemetry, (VEHICLE, message))

    def received(self, msgid: int, since_s: float = 0.0) -> int:
        """Frames with this message id from the vehicle handed to the recorder since ``since_s``."""
        return sum(1 for t, f in self.frames if t >= since_s and _sender(f) == VEHICLE and _msgid(f) == msgid)

    def sent(self, since_s: float, until_s: float) -> list[int]:
        """Message ids of the frames we sent in ``[since_s, until_s)``."""
        return [_msgid(f) for t, f in self.frames if since_s <= t < until_s and _sender(f) == GCS_SYSTEM_ID]


def _sender(frame: bytes) -> int:
    return frame[5] if frame[0] == 0xFD else frame[3]


def _msgid(frame: bytes) -> int:
    return int.from_bytes(frame[7:10], "little") if frame[0] == 0xFD else frame[5]


@asynccontextmanager
async def station(
    config: VehicleLinkConfig, tmp_path: Path, *, settings: LinkSettings | None = None
) -> AsyncIterator[Station]:
    """The recorder and the link from ``config``, running; the session is closed when the block ends."""
    clock = WallClock()
    hub = Hub()
    recorder_settings = RecorderSettings(out_dir=tmp_path / "sessions", flush_interval_s=FLUSH_INTERVAL_S)
    async with AsyncExitStack() as stack:
        recorder = await stack.enter_async_context(SessionRecorder(recorder_settings, clock))
        await stack.enter_async_context(background(("recorder", recorder.run())))
        frames: list[tuple[float, bytes]] = []
        journal: list[Mapping[str, Any]] = []

        def record_frame(frame: bytes, *, unix_time_s: float, critical: bool) -> None:
            frames.append((clock.monotonic_s(), frame))
            recorder.record_frame(frame, unix_time_s=unix_time_s, critical=critical)

        def journal_entry(entry: JournalEntry, payload: Mapping[str, Any]) -> None:
            # As gcs.app does; the copy kept here is what the session's journal must hold.
            if entry is JournalEntry.LINK_EVENT:
                journal.append(dict(payload))
            recorder.journal(JournalKind(entry.value), "vehicle-link", dict(payload))

        events = await stack.enter_async_context(hub.subscribe(VehicleLinkEvent, key=VEHICLE, maxsize=1000))
        healths = await stack.enter_async_context(
            hub.subscribe(VehicleLinkHealth, key=VEHICLE, maxsize=100_000)
        )
        fc = await stack.enter_async_context(
            open_flight_computer(
                config,
                StationConfig(),
                clock=clock,
                hub=hub,
                record_frame=record_frame,
                journal=journal_entry,
                settings=settings,
            )
        )
        found = Station(fc, hub, clock, recorder.session_dir, frames, journal=journal)

        async def collect_events() -> None:
            async for event in events:
                found.events.append(event)

        async def collect_healths() -> None:
            async for health in healths:
                found.healths.append(health)

        async with background(
            ("collect link events", collect_events()), ("collect health", collect_healths())
        ):
            yield found


def check_record(station: Station) -> RecordedSession:
    """The fault matrix's check on the closed session (see the module docstring); returns it."""
    session = RecordedSession.open(station.session_dir)
    assert session.closed_cleanly
    readers = session.tlog_readers()
    recorded = [record.frame for reader in readers for record in reader]
    assert all(reader.skipped_bytes == 0 and reader.torn_bytes == 0 for reader in readers)
    assert recorded == [frame for _, frame in station.frames]
    counters = station.fc.codec.counters()
    received = [f for f in recorded if _sender(f) != GCS_SYSTEM_ID]
    assert len(received) == counters.frames_received
    assert len(recorded) - len(received) == counters.frames_sent
    journaled = [dict(e.payload) for e in session.journal() if e.kind is JournalKind.LINK_EVENT]
    assert [p["event"] for p in journaled if "sysid" in p] == [e.kind.value for e in station.events]
    assert journaled == station.journal
    return session
