"""The fault matrix: every link kind crossed with every link fault, through the real link and recorder.

One table: UDP, pty serial and TCP, each through its fault proxy, times loss (1, 10, 30 %), bit
flips, duplicates, reordering, delay with jitter, and a blackout. For each row an independent
pymavlink vehicle (``tests.support.pymavlink_peer``, its own process, HEARTBEAT at 4 Hz and
ATTITUDE at 100 Hz) talks to the real ``FlightComputerLink`` whose frames go to the real
``SessionRecorder``. Each row checks two things:

* **the record**: every frame the link delivered (received or sent, duplicates included) is in the
  session's ``flight.tlog`` in the order the link saw it, read back with the recorder's own reader
  after the session closed; the number received is the codec's own count, so nothing that reached
  the station is missing from the record;
* **what the operator sees** for that fault: the link health's loss count, the CRC and header
  counters, a ``lost`` then ``recovered`` link event (also in the journal), the round-trip time.

Nothing sleeps a fixed time; every wait is for a condition, with a limit.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gcs.clock import WallClock
from gcs.hub import Hub
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.sinks import JournalEntry
from gcs.links.values import LinkEventKind, MavlinkTelemetry, VehicleLinkEvent, VehicleLinkHealth
from gcs.protocol.mavlink import MavlinkCodec
from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.tasks import background
from gcs.transport.endpoint import Endpoint
from gcs.transport.faults import FaultSpec
from gcs.transport.link import open_link
from gcs.transport.pipe import DirectionStats
from gcs.transport.proxy import PtyFaultProxy, TcpFaultProxy, UdpFaultProxy
from tests.integration.links.rig import FAST_BACKOFF, SETTINGS, peer_process
from tests.support.waits import wait_until

GCS_SYSTEM_ID = 255
TELEMETRY_HZ = 100.0
HEARTBEAT_HZ = 4.0
MIN_TELEMETRY_FRAMES = 60
"""ATTITUDE frames each row must have received before it ends (about 0.6 s of telemetry)."""
FLUSH_INTERVAL_S = 0.05
ROW_TIMEOUT_S = 8.0

BLACKOUT_START_S = 1.0
BLACKOUT_S = 1.5
DELAY_S = 0.04
JITTER_S = 0.03


class Kind(enum.Enum):
    UDP = "udp"
    PTY = "pty"
    TCP = "tcp"


class Fault(enum.Enum):
    LOSS_1 = "loss 1%"
    LOSS_10 = "loss 10%"
    LOSS_30 = "loss 30%"
    BIT_FLIPS = "bit flips"
    DUPLICATES = "duplicates"
    REORDER = "reorder"
    DELAY_JITTER = "delay+jitter"
    BLACKOUT = "blackout"


SPECS: dict[Fault, FaultSpec] = {
    Fault.LOSS_1: FaultSpec(loss_probability=0.01),
    Fault.LOSS_10: FaultSpec(loss_probability=0.10),
    Fault.LOSS_30: FaultSpec(loss_probability=0.30),
    Fault.BIT_FLIPS: FaultSpec(bit_flip_probability=0.002),
    Fault.DUPLICATES: FaultSpec(duplicate_probability=0.2),
    Fault.REORDER: FaultSpec(reorder_probability=0.1, reorder_depth=3, reorder_max_hold_s=0.05),
    Fault.DELAY_JITTER: FaultSpec(delay_s=DELAY_S, jitter_s=JITTER_S),
    Fault.BLACKOUT: FaultSpec(blackout_windows_s=((BLACKOUT_START_S, BLACKOUT_S),)),
}


@dataclass(slots=True)
class Row:
    """One running row: the link, what it handed the recorder, and what the proxy did."""

    kind: Kind
    fault: Fault
    fc: FlightComputerLink
    hub: Hub
    to_ground: Callable[[], DirectionStats]
    frames: list[bytes] = field(default_factory=list)
    events: list[VehicleLinkEvent] = field(default_factory=list)
    session_dir: Path | None = None

    def health(self) -> VehicleLinkHealth | None:
        return self.hub.latest(VehicleLinkHealth, 1)

    def telemetry_frames(self) -> int:
        # ATTITUDE is message id 30; bytes 7..9 of a MAVLink 2 header hold the id.
        return sum(1 for f in self.frames if f[0] == 0xFD and f[5] != GCS_SYSTEM_ID and f[7] == 30)


@asynccontextmanager
async def fault_row(kind: Kind, fault: Fault, tmp_path: Path) -> AsyncIterator[Row]:
    """The ground link and recorder, a proxy of ``kind`` with ``fault`` both ways, and the peer."""
    clock = WallClock()
    hub = Hub()
    spec = SPECS[fault]
    settings = RecorderSettings(out_dir=tmp_path / "sessions", flush_interval_s=FLUSH_INTERVAL_S)
    async with AsyncExitStack() as stack:
        recorder = await stack.enter_async_context(SessionRecorder(settings, clock))
        await stack.enter_async_context(background(("recorder", recorder.run())))
        proxy: UdpFaultProxy | PtyFaultProxy | TcpFaultProxy
        if kind is Kind.PTY:
            # The ground is the proxy's client: up is towards the vehicle, down towards the ground.
            proxy = PtyFaultProxy(up=spec, down=spec, seed=fault.value, clock=clock)
            await stack.enter_async_context(proxy)
            ground = await stack.enter_async_context(
                open_link(proxy.client_endpoint, clock=clock, backoff=FAST_BACKOFF)
            )
            peer_connect = f"serial:{proxy.target_endpoint.device}:{proxy.target_endpoint.baud}"
            to_ground: Callable[[], DirectionStats] = lambda: proxy.down  # noqa: E731
        else:
            # The ground listens; the peer is the proxy's client: up is towards the ground.
            listen = "udpin:127.0.0.1:0" if kind is Kind.UDP else "tcpin:127.0.0.1:0"
            ground = await stack.enter_async_context(open_link(listen, clock=clock, backoff=FAST_BACKOFF))
            if kind is Kind.UDP:
                await ground.wait_up()
                proxy = UdpFaultProxy(
                    target=Endpoint.udp_out("127.0.0.1", ground.endpoint.port),
                    up=spec,
                    down=spec,
                    seed=fault.value,
                    clock=clock,
                )
            else:
                await wait_until(lambda: ground.endpoint.port != 0, timeout_s=5, what="tcpin bound")
                proxy = TcpFaultProxy(
                    target=Endpoint.tcp("127.0.0.1", ground.endpoint.port),
                    up=spec,
                    down=spec,
                    seed=fault.value,
                    clock=clock,
                )
            await stack.enter_async_context(proxy)
            scheme = "udpout" if kind is Kind.UDP else "tcp"
            peer_connect = f"{scheme}:127.0.0.1:{proxy.listen_endpoint.port}"
            to_ground = lambda: proxy.up  # noqa: E731

        codec = MavlinkCodec(GCS_SYSTEM_ID, 190, unix_time_s=clock.unix_time_s)
        frames: list[bytes] = []

        def record_frame(frame: bytes, *, unix_time_s: float, critical: bool) -> None:
            frames.append(frame)
            recorder.record_frame(frame, unix_time_s=unix_time_s, critical=critical)

        def journal(entry: JournalEntry, payload: Mapping[str, Any]) -> None:
            recorder.journal(JournalKind(entry.value), "vehicle-link", dict(payload))

        fc = FlightComputerLink(
            ground, codec, clock=clock, hub=hub, settings=SETTINGS, record_frame=record_frame, journal=journal
        )
        row = Row(kind, fault, fc, hub, to_ground, frames, session_dir=recorder.session_dir)
        peer_args = [
            "--heartbeat-hz",
            str(HEARTBEAT_HZ),
            "--telemetry-hz",
            str(TELEMETRY_HZ),
            "--params",
            "5",
        ]
        await stack.enter_async_context(peer_process(peer_connect, peer_args, tmp_path / "peer.stderr"))
        events = await stack.enter_async_context(hub.subscribe(VehicleLinkEvent, key=1, maxsize=1000))

        async def collect_events() -> None:
            async for event in events:
                row.events.append(event)

        async with background(("flight computer link", fc.run()), ("collect link events", collect_events())):
            yield row


def _operator_sees(row: Row) -> Callable[[], bool]:
    """The condition that shows the row's fault to the operator (besides enough telemetry)."""
    codec = row.fc.codec

    def health_shows(test: Callable[[VehicleLinkHealth], bool]) -> Callable[[], bool]:
        return lambda: (h := row.health()) is not None and test(h)

    match row.fault:
        case Fault.LOSS_1 | Fault.LOSS_10 | Fault.LOSS_30:
            # Once the proxy dropped something towards the ground, the health shows frames lost.
            return lambda: row.to_ground().faults.dropped > 0 and health_shows(lambda h: h.frames_lost > 0)()
        case Fault.BIT_FLIPS:
            return health_shows(lambda h: h.crc_errors + h.bad_headers > 0 and h.frames_lost > 0)
        case Fault.DUPLICATES:
            return lambda: (
                row.to_ground().faults.duplicated > 0
                and (
                    sum(s.duplicates for s in codec.stats().values()) > 0
                    or codec.counters().bytes_skipped > 0
                )
            )
        case Fault.REORDER:
            return lambda: (
                row.to_ground().faults.reordered > 0 and health_shows(lambda h: h.frames_lost > 0)()
            )
        case Fault.DELAY_JITTER:
            return health_shows(lambda h: h.rtt_s is not None)
        case Fault.BLACKOUT:
            return lambda: any(e.kind is LinkEventKind.RECOVERED for e in row.events)


ROWS = [(kind, fault) for kind in Kind for fault in Fault]


@pytest.mark.parametrize(("kind", "fault"), ROWS, ids=[f"{k.value}-{f.value}" for k, f in ROWS])
async def test_the_operator_sees_the_fault_and_every_frame_that_arrived_is_recorded(
    kind: Kind, fault: Fault, tmp_path: Path
) -> None:
    async with fault_row(kind, fault, tmp_path) as row:
        await row.fc.wait_for_vehicle(1, timeout_s=5)
        shows = _operator_sees(row)
        await wait_until(
            lambda: shows() and row.telemetry_frames() >= MIN_TELEMETRY_FRAMES,
            timeout_s=ROW_TIMEOUT_S,
            what=f"{fault.value} shown to the operator over {kind.value}",
            show=lambda: (row.health(), row.to_ground(), row.events, row.telemetry_frames()),
        )
        assert row.hub.latest(MavlinkTelemetry, (1, "ATTITUDE")) is not None
        health = row.health()
    assert row.session_dir is not None
    assert health is not None

    # What the operator saw for this fault.
    kinds = [e.kind for e in row.events]
    if fault is Fault.BLACKOUT:
        assert kinds[:3] == [LinkEventKind.FOUND, LinkEventKind.LOST, LinkEventKind.RECOVERED]
    else:
        assert LinkEventKind.LOST not in kinds, row.events
    if fault is Fault.DELAY_JITTER:
        assert health.rtt_s is not None
        assert health.rtt_s >= 2 * DELAY_S  # the proxy holds every chunk DELAY_S each way
    if fault in (Fault.LOSS_1, Fault.LOSS_10, Fault.LOSS_30):
        assert health.loss_pct > 0

    # The record: the session was closed by the recorder; read it back with its own reader.
    session = RecordedSession.open(row.session_dir)
    assert session.closed_cleanly
    readers = session.tlog_readers()
    recorded = [record.frame for reader in readers for record in reader]
    assert all(reader.skipped_bytes == 0 and reader.torn_bytes == 0 for reader in readers)
    assert recorded == row.frames
    counters = row.fc.codec.counters()
    received = [f for f in recorded if not (f[0] == 0xFD and f[5] == GCS_SYSTEM_ID)]
    assert len(received) == counters.frames_received
    assert len(recorded) - len(received) == counters.frames_sent
    journalled = [e.payload["event"] for e in session.journal() if e.kind is JournalKind.LINK_EVENT]
    assert journalled == [e.kind.value for e in row.events]
