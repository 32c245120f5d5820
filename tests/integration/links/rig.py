"""A ground station's flight-computer link and a pymavlink peer process, joined through a fault proxy.

One rig per test, the same for every link kind::

    async with vehicle_rig(RigKind.UDP, tmp_path, faults=LOSSY) as rig:
        vehicle = await rig.fc.wait_for_vehicle(1, timeout_s=5)

* UDP: the ground listens (``udpin``, as every GCS on 14550); the peer sends to the proxy
  (``udpout``), which forwards to the ground.
* PTY: the proxy holds two pty pairs; the ground opens one slave as a serial port, the peer the
  other: a serial cable with faults in the middle.

``faults`` names what happens *to the vehicle* and *to the ground*; the rig maps that onto the
proxy's up/down for each kind. Everything the link reports is kept: frames (in and out), journal
entries, and every ``VehicleLinkEvent``. When the block ends, the peer is stopped first and its own
report (``peer_stats``: whose heartbeats it heard, which commands) is read before anything closes.
"""

from __future__ import annotations

import asyncio
import enum
import json
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcs.clock import WallClock
from gcs.hub import Hub
from gcs.links.commands import CommandPolicy
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.mission import MissionPolicy
from gcs.links.params import ParamPolicy
from gcs.links.settings import LinkSettings
from gcs.links.sinks import JournalEntry
from gcs.links.values import VehicleLinkEvent
from gcs.protocol.mavlink import MavlinkCodec
from gcs.tasks import background
from gcs.transport.endpoint import Endpoint
from gcs.transport.faults import PERFECT_LINK, FaultSpec
from gcs.transport.link import Backoff, open_link
from gcs.transport.proxy import PtyFaultProxy, UdpFaultProxy

REPO = Path(__file__).resolve().parents[3]
PEER_START_TIMEOUT_S = 15.0
PEER_STOP_TIMEOUT_S = 5.0
FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.1)

HEARTBEAT_HZ = 4.0
"""The peer's heartbeat rate: fast, so that loss and recovery tests take seconds, not tens of them."""
HEARTBEAT_PERIOD_S = 1.0 / HEARTBEAT_HZ
TELEMETRY_HZ = 20.0
MISSED_FOR_LOSS = 3

SETTINGS = LinkSettings(
    heartbeat_interval_s=HEARTBEAT_PERIOD_S,
    heartbeats_missed_for_loss=MISSED_FOR_LOSS,
    timesync_interval_s=0.5,
    health_interval_s=0.5,
    command=CommandPolicy(timeout_s=0.3, retries=6, in_progress_timeout_s=1.0),
    params=ParamPolicy(timeout_s=0.3, retries=10, quiet_s=0.15),
    # Loopback answers in a millisecond or two; short step timeouts keep lossy transfers quick.
    mission=MissionPolicy(timeout_s=0.15, retries=10),
)
PEER_MISSION_TIMEOUT_S = 0.15


class RigKind(enum.Enum):
    UDP = "udp"
    PTY = "pty"


@dataclass(frozen=True, slots=True)
class Faults:
    """What the link does to traffic towards the vehicle and towards the ground."""

    to_vehicle: FaultSpec = PERFECT_LINK
    to_ground: FaultSpec = PERFECT_LINK
    seed: int = 5


@dataclass(slots=True)
class Recording:
    """What the link handed to its sinks: frames both ways and journal entries."""

    own_system: int
    frames_in: list[bytes] = field(default_factory=list)
    frames_out: list[bytes] = field(default_factory=list)
    journal: list[tuple[JournalEntry, Mapping[str, Any]]] = field(default_factory=list)

    def record_frame(self, frame: bytes, *, unix_time_s: float, critical: bool) -> None:
        # Ours carry our system id at byte 5 of a MAVLink 2 header; everything else came in.
        ours = frame[0] == 0xFD and frame[5] == self.own_system
        (self.frames_out if ours else self.frames_in).append(frame)

    def record_journal(self, entry: JournalEntry, payload: Mapping[str, Any]) -> None:
        self.journal.append((entry, payload))

    def entries(self, kind: JournalEntry) -> list[Mapping[str, Any]]:
        return [payload for entry, payload in self.journal if entry is kind]


@dataclass(slots=True)
class Rig:
    kind: RigKind
    fc: FlightComputerLink
    hub: Hub
    recording: Recording
    proxy_started_s: tuple[float, float]
    """Monotonic time bracketing the proxy's start (its blackout windows count from then)."""
    events: list[VehicleLinkEvent] = field(default_factory=list)
    peer_stats: dict[str, Any] = field(default_factory=dict)
    """The peer's own report, read when the rig closes."""


class PeerProcess:
    """``python -m tests.support.pymavlink_peer`` as a child process with its JSON-lines reports."""

    def __init__(self, process: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.reports: list[dict[str, Any]] = []

    async def read_report(self, timeout_s: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(timeout_s):
                line = await self.process.stdout.readline()
        except TimeoutError:
            raise AssertionError(f"peer said nothing for {timeout_s} s; stderr: {self.stderr()}") from None
        if not line:
            raise AssertionError(f"peer exited (code {self.process.returncode}); stderr: {self.stderr()}")
        report: dict[str, Any] = json.loads(line)
        self.reports.append(report)
        return report

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-3000:]

    async def stop(self) -> dict[str, Any]:
        """SIGTERM, then the final stats report (empty if the peer had already died)."""
        if self.process.returncode is None:
            self.process.terminate()
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(PEER_STOP_TIMEOUT_S):
                rest = await self.process.stdout.read()
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"peer did not stop on SIGTERM; stderr: {self.stderr()}") from None
        for line in rest.splitlines():
            self.reports.append(json.loads(line))
        return next((r for r in reversed(self.reports) if r.get("event") == "stats"), {})


@asynccontextmanager
async def peer_process(connect: str, args: list[str], stderr_path: Path) -> AsyncIterator[PeerProcess]:
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.pymavlink_peer",
            "--connect",
            connect,
            *args,
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    peer = PeerProcess(process, stderr_path)
    try:
        ready = await peer.read_report(PEER_START_TIMEOUT_S)
        assert ready["event"] == "ready", ready
        yield peer
    finally:
        await peer.stop()


def peer_arguments(extra: list[str]) -> list[str]:
    return [
        "--heartbeat-hz", str(HEARTBEAT_HZ),
        "--telemetry-hz", str(TELEMETRY_HZ),
        "--mission-timeout-s", str(PEER_MISSION_TIMEOUT_S),
        *extra,
    ]  # fmt: skip


@asynccontextmanager
async def vehicle_rig(
    kind: RigKind,
    tmp_path: Path,
    *,
    faults: Faults = Faults(),
    peer_args: list[str] | None = None,
    settings: LinkSettings = SETTINGS,
) -> AsyncIterator[Rig]:
    """The link under test, running, with a peer vehicle behind the proxy (see the module docstring)."""
    clock = WallClock()
    hub = Hub()
    args = peer_arguments(peer_args or [])
    async with AsyncExitStack() as stack:
        proxy: UdpFaultProxy | PtyFaultProxy
        if kind is RigKind.UDP:
            ground = await stack.enter_async_context(
                open_link("udpin:127.0.0.1:0", clock=clock, backoff=FAST_BACKOFF)
            )
            await ground.wait_up()
            # The proxy's client is the peer: up = towards the ground, down = towards the vehicle.
            proxy = UdpFaultProxy(
                target=Endpoint.udp_out("127.0.0.1", ground.endpoint.port),
                up=faults.to_ground,
                down=faults.to_vehicle,
                seed=faults.seed,
                clock=clock,
            )
            started = time.monotonic()
            await stack.enter_async_context(proxy)
            proxy_started_s = (started, time.monotonic())
            peer_connect = f"udpout:127.0.0.1:{proxy.listen_endpoint.port}"
        else:
            # The proxy's client is the ground: up = towards the vehicle, down = towards the ground.
            proxy = PtyFaultProxy(up=faults.to_vehicle, down=faults.to_ground, seed=faults.seed, clock=clock)
            started = time.monotonic()
            await stack.enter_async_context(proxy)
            proxy_started_s = (started, time.monotonic())
            ground = await stack.enter_async_context(
                open_link(proxy.client_endpoint, clock=clock, backoff=FAST_BACKOFF)
            )
            peer_connect = f"serial:{proxy.target_endpoint.device}:{proxy.target_endpoint.baud}"
        codec = MavlinkCodec(255, 190, unix_time_s=clock.unix_time_s)
        recording = Recording(codec.system_id)
        fc = FlightComputerLink(
            ground,
            codec,
            clock=clock,
            hub=hub,
            settings=settings,
            record_frame=recording.record_frame,
            journal=recording.record_journal,
        )
        rig = Rig(kind, fc, hub, recording, proxy_started_s)
        peer = await stack.enter_async_context(peer_process(peer_connect, args, tmp_path / "peer.stderr"))
        events = await stack.enter_async_context(hub.subscribe(VehicleLinkEvent, key=1, maxsize=1000))

        async def collect_events() -> None:
            async for event in events:
                rig.events.append(event)

        async with background(
            ("flight computer link", rig.fc.run()), ("collect link events", collect_events())
        ):
            yield rig
            rig.peer_stats = await peer.stop()
