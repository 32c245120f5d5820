"""The flight-computer link: MAVLink services for one or more vehicles over one byte link.

This is the async shell around the pure cores of this package. It owns nothing but wiring:

* **receive**: bytes from the link through the codec; every frame to the frame sink; each message
  to its vehicle's heartbeat tracker, STATUSTEXT assembler and open exchanges, and onto the hub
  as ``MavlinkTelemetry``.
* **send**: every message is encoded (so its sequence number is its place in the stream), recorded
  and queued at once; one task writes the queue in order.
* **GCS heartbeat**: ours only, at 1 Hz, as ``MAV_TYPE_GCS`` from the codec's system id (255). The
  link never sends a heartbeat, or anything else, in another system's name.
* **watchdog**: link loss, exchange timeouts and health publication, each at its deadline on the
  injected clock (woken early when a nearer deadline appears).
* **timesync**: TIMESYNC requests for the RTT of every vehicle that answers.

Usage, inside the caller's TaskGroup::

    fc = FlightComputerLink(link, codec, clock=clock, hub=hub, settings=settings,
                            record_frame=recorder.record_frame, journal=journal)
    group.create_task(fc.run(), name="flight computer")
    vehicle = await fc.wait_for_vehicle(1, timeout_s=10)

or :func:`open_flight_computer` which also opens the byte link and the codec from config.

Nothing here assumes our firmware: vehicles are whatever answers the standard services. Rocket
specifics (the flight phase in ``custom_mode``) switch on only for a ``MAV_TYPE_ROCKET`` heartbeat,
in :class:`~gcs.links.values.VehicleHeartbeat`. Knows nothing of the recorder, the console or the
countdown; it reports through the narrow sinks of :mod:`gcs.links.sinks` and the hub.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from gcs.clock import Clock
from gcs.config import StationConfig, VehicleLinkConfig
from gcs.errors import ServiceError, TimeoutError_
from gcs.hub import Hub
from gcs.links._wait import sleep_unless_set
from gcs.links.commands import CommandInt, CommandLong
from gcs.links.enums import MavResult, as_enum, command_name
from gcs.links.exchange import Exchange, Outgoing
from gcs.links.health import HealthMeter
from gcs.links.heartbeat import TrackerChange, identifies
from gcs.links.settings import LinkSettings, signing_from_config
from gcs.links.sinks import FrameSink, JournalEntry, JournalSink
from gcs.links.statustext import StatusTextAssembler
from gcs.links.timesync import TimesyncTracker, answer_timesync
from gcs.links.values import (
    LinkEventKind,
    MavlinkTelemetry,
    VehicleHeartbeat,
    VehicleLinkEvent,
    VehicleLinkHealth,
    VehicleStatusText,
)
from gcs.links.vehicle import Vehicle
from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec
from gcs.tasks import background
from gcs.transport.link import LinkEvent, open_link
from gcs.transport.tcp import PeerEvent

T = TypeVar("T")

OUTBOX_LIMIT_FRAMES = 1024
"""Frames queued for the link; beyond this the oldest are dropped and counted (a stalled link)."""

_log = logging.getLogger(__name__)

_HEARTBEAT = seaport.MAVLink_heartbeat_message
_STATUSTEXT = seaport.MAVLink_statustext_message
_TIMESYNC = seaport.MAVLink_timesync_message
_COMMAND_ACK = seaport.MAVLink_command_ack_message
_PARAM_VALUE = seaport.MAVLink_param_value_message
_AUTOPILOT_VERSION = seaport.MAVLink_autopilot_version_message


class ByteLink(Protocol):
    """What the link needs of a transport: ``gcs.transport.link.Link`` or any twin."""

    async def read(self) -> bytes: ...

    async def write(self, data: bytes) -> bool: ...


@dataclass(slots=True)
class LinkCounters:
    """What the shell itself counted (the codec and the transport count the rest)."""

    messages_in: int = 0
    frames_out: int = 0
    frames_dropped: int = 0
    ignored_systems: int = 0
    sink_failures: int = 0


@dataclass(eq=False, slots=True)
class _Open:
    """An exchange in flight and the event its caller waits on."""

    exchange: Exchange[Any]
    finished: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False, slots=True)
class _Session:
    """The link's private state for one vehicle."""

    vehicle: Vehicle
    health: HealthMeter
    statustext: StatusTextAssembler = field(default_factory=StatusTextAssembler)
    open: list[_Open] = field(default_factory=list)
    rtt_s: float | None = None
    rates_task: asyncio.Task[None] | None = None


class FlightComputerLink:
    """MAVLink services for the vehicles behind one byte link; see the module docstring.

    Args:
        link: the byte link (``read``/``write``; ``write`` must not raise).
        codec: the MAVLink codec; its system and component ids are ours (255/190 for a GCS).
        clock: for every timeout, interval and stamp.
        hub: where vehicle values are published (see :mod:`gcs.links.values`).
        settings: timeouts, retries, rates, and which systems to serve.
        record_frame: given every frame received and sent.
        journal: given every command, ACK, parameter change and link event.
        name: names the tasks and log lines.
    """

    def __init__(
        self,
        link: ByteLink,
        codec: MavlinkCodec,
        *,
        clock: Clock,
        hub: Hub,
        settings: LinkSettings | None = None,
        record_frame: FrameSink | None = None,
        journal: JournalSink | None = None,
        name: str = "flight computer",
    ) -> None:
        self._link = link
        self._codec = codec
        self._clock = clock
        self._hub = hub
        self.settings = settings or LinkSettings()
        self._record_frame = record_frame
        self._journal = journal
        self.name = name
        self.counters = LinkCounters()
        self._own = (codec.system_id, codec.component_id)
        self._sessions: dict[int, _Session] = {}
        self._timesync = TimesyncTracker()
        self._outbox: deque[bytes] = deque()
        self._outbox_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._wake_at_s = math.inf
        self._next_health_s = 0.0
        self._group: asyncio.TaskGroup | None = None
        self._vehicle_waiters: list[tuple[int | None, asyncio.Event]] = []

    # --- public ----------------------------------------------------------------------------------

    @property
    def vehicles(self) -> Mapping[int, Vehicle]:
        """Every vehicle found so far, by system id (lost ones stay, with ``is_up`` False)."""
        return MappingProxyType({sysid: s.vehicle for sysid, s in self._sessions.items()})

    def vehicle(self, sysid: int) -> Vehicle:
        """The vehicle with this system id.

        Raises:
            KeyError: no such vehicle has been found.
        """
        return self._sessions[sysid].vehicle

    @property
    def codec(self) -> MavlinkCodec:
        return self._codec

    async def wait_for_vehicle(self, sysid: int | None = None, *, timeout_s: float = 10.0) -> Vehicle:
        """The vehicle ``sysid`` (or the first one found), once it has been found.

        Raises:
            TimeoutError_: none was found within ``timeout_s`` of the link's clock.
        """
        deadline_s = self._clock.monotonic_s() + timeout_s
        while True:
            found = self._find(sysid)
            if found is not None:
                return found
            remaining_s = deadline_s - self._clock.monotonic_s()
            if remaining_s <= 0:
                which = f"vehicle {sysid}" if sysid is not None else "any vehicle"
                raise TimeoutError_(f"{self.name}: {which} not found within {timeout_s} s")
            arrived = asyncio.Event()
            waiter = (sysid, arrived)
            self._vehicle_waiters.append(waiter)
            try:
                await sleep_unless_set(self._clock, remaining_s, arrived)
            finally:
                self._vehicle_waiters.remove(waiter)

    def send(self, msg: Any, *, critical: bool = False) -> None:
        """Encode, record and queue one message of ours (never one in another system's name).

        Raises:
            FrameError: the message does not encode (a field out of range).
        """
        frame = self._codec.encode(msg)
        self._call_sink(self._record_frame, frame, unix_time_s=self._clock.unix_time_s(), critical=critical)
        if isinstance(msg, seaport.MAVLink_command_long_message | seaport.MAVLink_command_int_message):
            self._journal_command(msg)
        if len(self._outbox) >= OUTBOX_LIMIT_FRAMES:
            self._outbox.popleft()
            self.counters.frames_dropped += 1
        self._outbox.append(frame)
        self._outbox_ready.set()

    async def run_exchange(self, sysid: int, exchange: Exchange[T]) -> T:
        """Run ``exchange`` with vehicle ``sysid`` to its end (the capabilities' runner).

        Raises:
            ServiceError: the exchange's typed failure.
            KeyError: no such vehicle.
            RuntimeError: the link is not running.
        """
        if self._group is None:
            raise RuntimeError(f"{self.name}: the link is not running (start run() first)")
        session = self._sessions[sysid]
        entry = _Open(exchange)
        session.open.append(entry)
        try:
            self._send_all(exchange.start(self._clock.monotonic_s()))
            self._note_deadline(exchange.deadline_s)
            if not exchange.done:
                await entry.finished.wait()
        finally:
            session.open.remove(entry)
        return exchange.result()

    def journal(self, entry: JournalEntry, payload: Mapping[str, Any]) -> None:
        self._call_sink(self._journal, entry, payload)

    async def run(self) -> None:
        """Serve until cancelled: receive, send, heartbeat, watchdog and timesync as named tasks."""
        self._next_health_s = self._clock.monotonic_s() + self.settings.health_interval_s
        try:
            async with asyncio.TaskGroup() as group:
                self._group = group
                group.create_task(self._receive(), name=f"{self.name}: receive")
                group.create_task(self._send_queued(), name=f"{self.name}: send")
                group.create_task(self._gcs_heartbeat(), name=f"{self.name}: gcs heartbeat")
                group.create_task(self._watchdog(), name=f"{self.name}: watchdog")
                if self.settings.timesync_interval_s is not None:
                    group.create_task(self._timesync_requests(), name=f"{self.name}: timesync")
        finally:
            self._group = None

    # --- tasks -----------------------------------------------------------------------------------

    async def _receive(self) -> None:
        while True:
            chunk = await self._link.read()
            messages = self._codec.feed(chunk)
            if not messages:
                continue
            if self._codec.signing is not None and any(m.get_signed() for m in messages):
                # A verified signature vouches for the sender: a udpin link keeps replying to it,
                # not to whoever sent the latest datagram (one forged datagram would turn away our
                # commands). Links without senders (serial, TCP, memory) have nothing to trust.
                trust = getattr(self._link, "trust_last_sender", None)
                if trust is not None:
                    trust()
            now_s = self._clock.monotonic_s()
            unix_s = self._clock.unix_time_s()
            for msg in messages:
                self._call_sink(self._record_frame, msg.get_msgbuf(), unix_time_s=unix_s, critical=False)
                try:
                    self._on_message(msg, now_s, unix_s)
                except Exception:
                    # A message that passed its CRC but makes no sense must not take the link down;
                    # the log says which one, so the bug behind it can be found.
                    _log.exception(
                        "%s: could not handle %s from system %d",
                        self.name,
                        msg.get_type(),
                        msg.get_srcSystem(),
                    )

    async def _send_queued(self) -> None:
        while True:
            while not self._outbox:
                self._outbox_ready.clear()
                await self._outbox_ready.wait()
            frame = self._outbox.popleft()
            self.counters.frames_out += 1
            await self._link.write(frame)  # a down link drops and counts it; nothing to retry here

    async def _gcs_heartbeat(self) -> None:
        heartbeat = _HEARTBEAT(
            seaport.MAV_TYPE_GCS, seaport.MAV_AUTOPILOT_INVALID, 0, 0, seaport.MAV_STATE_ACTIVE, 3
        )
        await self._every(self.settings.gcs_heartbeat_interval_s, lambda: self.send(heartbeat))

    async def _timesync_requests(self) -> None:
        assert self.settings.timesync_interval_s is not None

        def request() -> None:
            if any(s.vehicle.is_up for s in self._sessions.values()):
                self.send(self._timesync.request(self._clock.monotonic_s()))

        await self._every(self.settings.timesync_interval_s, request)

    async def _every(self, interval_s: float, action: Callable[[], None]) -> None:
        # Scheduled from a fixed origin, so the rate does not drift by the time each action takes.
        next_s = self._clock.monotonic_s()
        while True:
            action()
            next_s += interval_s
            now_s = self._clock.monotonic_s()
            if next_s < now_s:  # fell behind (a paused process): start again from now
                next_s = now_s
            await self._clock.sleep(next_s - now_s)

    async def _watchdog(self) -> None:
        while True:
            now_s = self._clock.monotonic_s()
            self._poll(now_s)
            self._wake.clear()
            self._wake_at_s = self._next_deadline_s()
            await sleep_unless_set(self._clock, self._wake_at_s - now_s, self._wake)

    # --- receiving -------------------------------------------------------------------------------

    def _on_message(self, msg: Any, now_s: float, unix_s: float) -> None:
        self.counters.messages_in += 1
        sysid = msg.get_srcSystem()
        if sysid == self._own[0]:
            return  # our own frames heard back (a shared bus), or another GCS with our id
        session = self._sessions.get(sysid)
        if session is None:
            session = self._maybe_found(msg, sysid)
            if session is None:
                self.counters.ignored_systems += 1
                return
        vehicle = session.vehicle
        compid = msg.get_srcComponent()
        if isinstance(msg, _HEARTBEAT):
            changes = vehicle.tracker.on_heartbeat(compid, msg.type, msg.autopilot, now_s)
            identity = vehicle.tracker.identity
            if (
                identity is not None
                and identity.compid == compid
                and identifies(compid, msg.type, msg.autopilot)
            ):
                vehicle.heartbeat = VehicleHeartbeat(
                    sysid,
                    compid,
                    msg.type,
                    msg.autopilot,
                    msg.base_mode,
                    msg.custom_mode,
                    msg.system_status,
                    msg.mavlink_version,
                    unix_s,
                    now_s,
                )
                self._hub.publish(vehicle.heartbeat, key=sysid)
        else:
            changes = vehicle.tracker.on_message(now_s)
        for change in changes:
            self._on_change(session, change, now_s, unix_s)
        if isinstance(msg, _TIMESYNC):
            self._on_timesync(session, msg, now_s, unix_s)
        elif isinstance(msg, _STATUSTEXT):
            text = session.statustext.feed(msg)
            if text is not None:
                self._hub.publish(
                    VehicleStatusText(sysid, text.compid, text.severity, text.text, unix_s, now_s), key=sysid
                )
                for entry in session.open:
                    entry.exchange.on_status_text(text, now_s)
        elif isinstance(msg, _COMMAND_ACK) and msg.target_system in (0, self._own[0]):
            self._journal_ack(sysid, msg)
        elif isinstance(msg, _PARAM_VALUE):
            vehicle.params.observe(msg)
        elif isinstance(msg, _AUTOPILOT_VERSION):
            vehicle.capabilities = msg.capabilities
        self._hub.publish(MavlinkTelemetry(sysid, compid, msg, unix_s, now_s), key=(sysid, msg.get_type()))
        for entry in session.open:
            self._send_all(entry.exchange.on_message(msg, now_s))
            self._settle(entry)

    def _maybe_found(self, msg: Any, sysid: int) -> _Session | None:
        """A new session if ``msg`` is an identifying heartbeat of a system we serve."""
        wanted = self.settings.system_ids
        if not isinstance(msg, _HEARTBEAT) or (wanted is not None and sysid not in wanted):
            return None
        if not identifies(msg.get_srcComponent(), msg.type, msg.autopilot):
            return None
        vehicle = Vehicle(sysid, self._own, self.settings, self)
        session = self._sessions[sysid] = _Session(vehicle, HealthMeter(sysid))
        return session

    def _on_timesync(self, session: _Session, msg: Any, now_s: float, unix_s: float) -> None:
        answer = answer_timesync(msg, unix_s)
        if answer is not None:
            self.send(answer)
            return
        rtt_s = self._timesync.round_trip_s(msg, now_s)
        if rtt_s is not None:
            session.rtt_s = rtt_s

    def _on_change(self, session: _Session, change: TrackerChange, now_s: float, unix_s: float) -> None:
        sysid = session.vehicle.sysid
        log = _log.warning if change.kind is LinkEventKind.LOST else _log.info
        log("%s: vehicle %d %s: %s", self.name, sysid, change.kind.value, change.detail)
        self._hub.publish(
            VehicleLinkEvent(sysid, change.kind, change.detail, change.silent_s, unix_s, now_s), key=sysid
        )
        self.journal(
            JournalEntry.LINK_EVENT,
            {
                "sysid": sysid,
                "event": change.kind.value,
                "detail": change.detail,
                "silent_s": change.silent_s,
            },
        )
        self._publish_health(session, now_s, unix_s)
        self._note_deadline(session.vehicle.tracker.deadline_s)
        if change.kind is LinkEventKind.FOUND:
            for wanted, arrived in self._vehicle_waiters:
                if wanted in (None, sysid):
                    arrived.set()
        if change.kind is not LinkEventKind.LOST and self.settings.message_rates:
            self._start_rate_requests(session)

    # --- the watchdog's work ---------------------------------------------------------------------

    def _poll(self, now_s: float) -> None:
        unix_s = self._clock.unix_time_s()
        for session in list(self._sessions.values()):
            for change in session.vehicle.tracker.poll(now_s):
                self._on_change(session, change, now_s, unix_s)
            for entry in list(session.open):
                deadline_s = entry.exchange.deadline_s
                if deadline_s is not None and now_s >= deadline_s:
                    self._send_all(entry.exchange.on_timeout(now_s))
                    self._settle(entry)
        if now_s >= self._next_health_s:
            for session in self._sessions.values():
                self._publish_health(session, now_s, unix_s)
            self._next_health_s = max(self._next_health_s + self.settings.health_interval_s, now_s)

    def _next_deadline_s(self) -> float:
        deadline_s = self._next_health_s
        for session in self._sessions.values():
            for candidate in (
                session.vehicle.tracker.deadline_s,
                *(e.exchange.deadline_s for e in session.open),
            ):
                if candidate is not None and candidate < deadline_s:
                    deadline_s = candidate
        return deadline_s

    def _note_deadline(self, deadline_s: float | None) -> None:
        """Wake the watchdog if ``deadline_s`` comes before the time it sleeps until."""
        if deadline_s is not None and deadline_s < self._wake_at_s:
            self._wake_at_s = deadline_s
            self._wake.set()

    def _settle(self, entry: _Open) -> None:
        if entry.exchange.done:
            entry.finished.set()
        else:
            self._note_deadline(entry.exchange.deadline_s)

    def _publish_health(self, session: _Session, now_s: float, unix_s: float) -> None:
        health: VehicleLinkHealth = session.health.snapshot(
            session.vehicle.tracker,
            self._codec.stats(),
            self._codec.counters(),
            session.rtt_s,
            monotonic_s=now_s,
            unix_time_s=unix_s,
        )
        self._hub.publish(health, key=session.vehicle.sysid)

    # --- message rates ---------------------------------------------------------------------------

    def _start_rate_requests(self, session: _Session) -> None:
        if self._group is None:
            return
        if session.rates_task is not None:
            session.rates_task.cancel()  # a newer request set supersedes one still in progress
        session.rates_task = self._group.create_task(
            self._request_rates(session.vehicle),
            name=f"{self.name}: message rates of {session.vehicle.sysid}",
        )

    async def _request_rates(self, vehicle: Vehicle) -> None:
        for rate in self.settings.message_rates:
            try:
                await vehicle.commands.send(rate.command())
            except ServiceError as exc:
                # A vehicle that cannot change a rate still flies; the operator sees it in the log.
                _log.warning(
                    "%s: vehicle %d: %s at %g Hz not set: %s",
                    self.name,
                    vehicle.sysid,
                    rate.name,
                    rate.rate_hz,
                    exc,
                )

    # --- helpers ---------------------------------------------------------------------------------

    def _send_all(self, messages: Outgoing) -> None:
        for msg in messages:
            self.send(
                msg,
                critical=isinstance(
                    msg, seaport.MAVLink_command_long_message | seaport.MAVLink_command_int_message
                ),
            )

    def _find(self, sysid: int | None) -> Vehicle | None:
        if sysid is not None:
            session = self._sessions.get(sysid)
            return session.vehicle if session is not None else None
        return next((s.vehicle for s in self._sessions.values()), None)

    def _journal_command(self, msg: Any) -> None:
        request: CommandLong | CommandInt
        payload: dict[str, Any] = {"sysid": msg.target_system, "compid": msg.target_component}
        if isinstance(msg, seaport.MAVLink_command_long_message):
            params = [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7]
            request = CommandLong(msg.command, tuple(params))
            payload |= {"message": "COMMAND_LONG", "confirmation": msg.confirmation}
        else:
            request = CommandInt(
                msg.command, msg.frame, (msg.param1, msg.param2, msg.param3, msg.param4), msg.x, msg.y, msg.z
            )
            payload |= {"message": "COMMAND_INT", "frame": msg.frame, "x": msg.x, "y": msg.y, "z": msg.z}
        payload |= {
            "command": request.command,
            "command_name": command_name(request.command),
            "params": [None if math.isnan(p) else p for p in request.params],
        }
        self.journal(JournalEntry.COMMAND_SENT, payload)

    def _journal_ack(self, sysid: int, msg: Any) -> None:
        result = as_enum(MavResult, msg.result)
        self.journal(
            JournalEntry.COMMAND_ACK,
            {
                "sysid": sysid,
                "command": msg.command,
                "command_name": command_name(msg.command),
                "result": result.name if isinstance(result, MavResult) else result,
                "progress": msg.progress,
                "result_param2": msg.result_param2,
            },
        )

    def _call_sink(self, sink: Callable[..., None] | None, *args: Any, **kwargs: Any) -> None:
        if sink is None:
            return
        try:
            sink(*args, **kwargs)
        except Exception:
            # The recorder reports its own faults; a failing sink must not stop the vehicle link.
            self.counters.sink_failures += 1
            if self.counters.sink_failures == 1:
                _log.exception("%s: a recording sink failed (further failures are only counted)", self.name)


@asynccontextmanager
async def open_flight_computer(
    config: VehicleLinkConfig,
    station: StationConfig,
    *,
    clock: Clock,
    hub: Hub,
    record_frame: FrameSink | None = None,
    journal: JournalSink | None = None,
    settings: LinkSettings | None = None,
) -> AsyncIterator[FlightComputerLink]:
    """Open the configured byte link and codec and run a :class:`FlightComputerLink` for the block.

    Args:
        config: the vehicle link slice of the configuration.
        station: our own MAVLink identity.
        settings: override what ``LinkSettings.from_config(config)`` would give.

    Raises:
        ConfigError: the signing key file cannot be used.
        EndpointError: the connection string cannot be parsed.
        ValueError: a message rate names an unknown message.
    """
    signing = signing_from_config(config)
    codec = MavlinkCodec(
        station.system_id, station.component_id, signing=signing, unix_time_s=clock.unix_time_s
    )
    resolved = settings or LinkSettings.from_config(config)

    def on_transport_event(event: LinkEvent) -> None:
        if journal is not None:
            journal(
                JournalEntry.LINK_EVENT,
                {"transport": str(event.endpoint), "event": event.state.value, "detail": event.reason},
            )

    def on_peer(event: PeerEvent) -> None:
        # Who holds a tcpin listener, and who was turned away: never silent (see peer_gate).
        if journal is not None:
            journal(
                JournalEntry.LINK_EVENT,
                {
                    "transport": str(event.listener),
                    "event": event.kind.value,
                    "peer": event.peer,
                    "holder": event.holder,
                    "detail": event.detail,
                },
            )

    async with open_link(
        config.connection, clock=clock, on_event=on_transport_event, on_peer=on_peer
    ) as link:
        fc = FlightComputerLink(
            link, codec, clock=clock, hub=hub, settings=resolved, record_frame=record_frame, journal=journal
        )
        async with background((f"{fc.name} on {link.name}", fc.run())):
            yield fc
