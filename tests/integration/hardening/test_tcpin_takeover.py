"""A ``tcpin`` vehicle link with a second, hostile client, over real loopback sockets.

The station listens (``tcpin``, signed) through ``open_flight_computer``, as ``gcs run`` wires it.
The vehicle, in this process, holds the key and connects with a reconnecting ``tcp:`` link; it
sends signed heartbeats and acknowledges commands. An intruder without the key connects with plain
sockets and sends unsigned, MAVLink 1 and wrong-key frames in the vehicle's name (armed, ascending).

The rule under test (``gcs.transport.peer_gate``): a newcomer waits for the slot and is refused if
the holder stays live; it replaces a holder that has been silent for
``PEER_SILENCE_FOR_TAKEOVER_S`` (a half-open connection after a cable pull); once a peer has been
vouched for by a valid signature, only signed traffic keeps a holder live. So:

1. while the vehicle talks, an intruder and then a flood of 20 connections are each refused; the
   operator's commands are answered throughout; the first refusal is journaled naming the
   intruder's address, the rest counted; none of their bytes reaches the codec;
2. the vehicle falls silent (its connection left half-open): it is lost, and an intruder replaces
   the dead connection, journaled naming its address and the one it replaced; its frames have no
   effect (the vehicle stays lost, its state on the hub stays the vehicle's, every frame refused
   and counted);
3. the vehicle comes back on a new connection: it replaces the intruder (whose unsigned bytes do
   not count as live), journaled; the vehicle is recovered and commands are answered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcs.clock import WallClock
from gcs.config import VehicleLinkConfig
from gcs.links.commands import CommandPolicy
from gcs.links.enums import MavResult
from gcs.links.settings import LinkSettings
from gcs.links.values import LinkEventKind, VehicleHeartbeat
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from gcs.tasks import background
from gcs.transport.link import Backoff, Link, open_link
from gcs.transport.peer_gate import PEER_SILENCE_FOR_TAKEOVER_S
from tests.integration.hardening.vehicle_station import VEHICLE, Station, check_record, station
from tests.support.waits import wait_until, within

FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.1)
SETTINGS = LinkSettings(
    heartbeat_interval_s=0.1,
    heartbeats_missed_for_loss=5,
    health_interval_s=0.1,
    timesync_interval_s=None,
    command=CommandPolicy(timeout_s=0.3, retries=10),
)
FLOOD_CONNECTIONS = 20
WAIT_S = PEER_SILENCE_FOR_TAKEOVER_S + 5.0
"""Limit of a wait that includes a newcomer's wait for the slot."""


def _heartbeat(phase: FlightPhase, armed: bool) -> Any:
    flags = seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (seaport.MAV_MODE_FLAG_SAFETY_ARMED if armed else 0)
    return seaport.MAVLink_heartbeat_message(
        seaport.MAV_TYPE_ROCKET,
        seaport.MAV_AUTOPILOT_GENERIC,
        flags,
        int(phase),
        seaport.MAV_STATE_STANDBY,
        3,
    )


@dataclass
class Vehicle:
    """The key holder on a reconnecting ``tcp:`` link; silent (sending nothing) while ``talking`` is clear."""

    link: Link
    codec: MavlinkCodec
    talking: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, msg: Any) -> None:
        await self.link.write(self.codec.encode(msg))

    async def beat(self) -> None:
        while True:
            await self.talking.wait()
            await self.send(_heartbeat(FlightPhase.SAFE, armed=False))
            await asyncio.sleep(0.05)

    async def serve(self) -> None:
        while True:
            for msg in self.codec.feed(await self.link.read()):
                if (
                    msg.get_type() == "COMMAND_LONG"
                    and msg.target_system == VEHICLE
                    and self.talking.is_set()
                ):
                    ack = seaport.MAVLink_command_ack_message(
                        msg.command,
                        seaport.MAV_RESULT_ACCEPTED,
                        0,
                        0,
                        msg.get_srcSystem(),
                        msg.get_srcComponent(),
                    )
                    await self.send(ack)


def _attacks() -> list[bytes]:
    """Frames in the vehicle's name (armed, ascending) without the key: unsigned, MAVLink 1, wrong key."""
    armed = _heartbeat(FlightPhase.ASCENT, armed=True)
    return [
        MavlinkCodec(VEHICLE, 1).encode(armed),
        armed.pack(seaport.MAVLink(None, VEHICLE, 1), force_mavlink1=True),
        MavlinkCodec(VEHICLE, 1, signing=SigningConfig(secrets.token_bytes(32))).encode(armed),
    ]


@dataclass
class Intruder:
    """One plain TCP connection without the key: sends attacks, notes what it hears and when it is closed."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    received_bytes: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def address(self) -> str:
        host, port = self.writer.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    async def attack(self) -> None:
        with contextlib.suppress(OSError):
            while not self.closed.is_set():
                for frame in _attacks():
                    self.writer.write(frame)
                await self.writer.drain()
                await asyncio.sleep(0.02)

    async def listen(self) -> None:
        try:
            while data := await self.reader.read(65536):
                self.received_bytes += len(data)
        except OSError:
            pass
        self.closed.set()


@asynccontextmanager
async def intruder(port: int, *, attacking: bool = True) -> AsyncIterator[Intruder]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    found = Intruder(reader, writer)
    tasks = [("intruder listen", found.listen())]
    if attacking:
        tasks.append(("intruder attack", found.attack()))
    try:
        async with background(*tasks):
            yield found
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def _peer_events(st: Station, event: str) -> list[dict[str, Any]]:
    return [dict(p) for p in st.journal if p["event"] == event]


async def _command(st: Station) -> None:
    ack = await within(
        st.fc.vehicle(VEHICLE).commands.long(
            seaport.MAV_CMD_REQUEST_MESSAGE, seaport.MAVLINK_MSG_ID_HEARTBEAT
        ),
        timeout_s=WAIT_S,
        what="a command answered",
    )
    assert ack.result is MavResult.ACCEPTED


async def test_a_stranger_cannot_take_a_live_tcpin_link_and_a_dead_connection_is_replaced_with_a_trace(
    tmp_path: Path,
) -> None:
    key = secrets.token_bytes(32)
    key_file = tmp_path / "link.key"
    key_file.write_text(key.hex())
    config = VehicleLinkConfig(connection="tcpin:127.0.0.1:0", signing_key_file=str(key_file))
    async with station(config, tmp_path, settings=SETTINGS) as st:
        await within(st.link.wait_up(), what="the station listening")
        port = st.link.endpoint.port
        async with open_link(
            f"tcp:127.0.0.1:{port}", clock=WallClock(), backoff=FAST_BACKOFF
        ) as vehicle_link:
            vehicle = Vehicle(vehicle_link, MavlinkCodec(VEHICLE, 1, signing=SigningConfig(key, link_id=1)))
            vehicle.talking.set()
            async with background(("vehicle heartbeat", vehicle.beat()), ("vehicle serve", vehicle.serve())):
                await st.fc.wait_for_vehicle(VEHICLE, timeout_s=WAIT_S)
                (connected,) = _peer_events(st, "peer_connected")
                vehicle_first = connected["peer"]

                # 1. The vehicle is live: a stranger, then a flood of connections, are each refused.
                async with intruder(port) as first:
                    flood = [
                        await asyncio.open_connection("127.0.0.1", port) for _ in range(FLOOD_CONNECTIONS)
                    ]
                    for _ in range(5):
                        await _command(st)  # the operator keeps control throughout
                    await wait_until(
                        lambda: st.link.stats.peers_refused == 1 + FLOOD_CONNECTIONS,
                        timeout_s=WAIT_S,
                        what="the intruder and the whole flood refused",
                        show=lambda: st.link.stats,
                    )
                    await within(first.closed.wait(), what="the intruder's connection closed by the station")
                    for _, writer in flood:
                        writer.close()
                assert st.kinds() == [LinkEventKind.FOUND]
                (refused,) = _peer_events(st, "peer_refused")  # once per minute; the flood only counted
                assert (refused["peer"], refused["holder"]) == (first.address, vehicle_first)
                assert first.address in refused["detail"]
                health = st.health()
                assert health is not None
                assert health.signature_errors == 0  # no byte of theirs ever reached the codec
                heard_before = _vehicle_heartbeat(st)

                # 2. The vehicle falls silent, its connection left open: lost, then a stranger replaces it.
                vehicle.talking.clear()
                await wait_until(
                    lambda: LinkEventKind.LOST in st.kinds(), timeout_s=WAIT_S, what="vehicle lost"
                )
                received_before = st.fc.codec.counters().frames_received
                async with intruder(port) as second:
                    await wait_until(
                        lambda: len(_peer_events(st, "peer_replaced")) == 1,
                        timeout_s=WAIT_S,
                        what="the dead connection replaced by the intruder",
                    )
                    (taken,) = _peer_events(st, "peer_replaced")
                    assert (taken["peer"], taken["holder"]) == (second.address, vehicle_first)
                    await wait_until(
                        lambda: (h := st.health()) is not None and h.signature_errors >= 30,
                        timeout_s=WAIT_S,
                        what="the intruder's frames read, refused and counted",
                    )
                    # No effect: still lost, nothing delivered, the vehicle's state is the vehicle's.
                    assert st.kinds() == [LinkEventKind.FOUND, LinkEventKind.LOST]
                    assert st.fc.codec.counters().frames_received == received_before
                    assert _vehicle_heartbeat(st) == heard_before

                    # 3. The vehicle is back on a new connection: it replaces the intruder.
                    vehicle.talking.set()
                    await wait_until(
                        lambda: LinkEventKind.RECOVERED in st.kinds(),
                        timeout_s=WAIT_S,
                        what="the vehicle back",
                        show=lambda: st.journal,
                    )
                    await within(second.closed.wait(), what="the intruder's connection closed by the station")
                    overheard = second.received_bytes
                await _command(st)
                back = _peer_events(st, "peer_replaced")[1]
                assert back["holder"] == second.address
                assert back["peer"] not in (vehicle_first, second.address)
                heartbeat = _vehicle_heartbeat(st)
                assert heartbeat is not None
                assert (heartbeat.armed, heartbeat.flight_phase) == (False, FlightPhase.SAFE)
                stats = st.link.stats
                signature_errors = st.health().signature_errors  # type: ignore[union-attr]

    assert (stats.peers_connected, stats.peers_replaced, stats.peers_refused) == (1, 2, 1 + FLOOD_CONNECTIONS)
    assert st.kinds() == [LinkEventKind.FOUND, LinkEventKind.LOST, LinkEventKind.RECOVERED]
    assert st.transport_events()[:5] == [
        "up",
        "peer_connected",
        "peer_refused",
        "peer_replaced",
        "peer_replaced",
    ]
    check_record(st)  # and the journal on disk holds the peer events with their addresses
    print(  # figures for docs/reliability.md (pytest -s)
        f"\ntcpin: refused {stats.peers_refused} (1 journaled), replaced {stats.peers_replaced}; "
        f"{signature_errors} intruder frames refused while it held the slot; it overheard {overheard} bytes "
        f"of the station's signed frames; vehicle silent {st.event(LinkEventKind.RECOVERED).silent_s:.2f} s"
    )


def _vehicle_heartbeat(st: Station) -> VehicleHeartbeat | None:
    return st.hub.latest(VehicleHeartbeat, VEHICLE)
