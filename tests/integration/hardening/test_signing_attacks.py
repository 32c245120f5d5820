"""Signing attacks on a signed UDP link to the real ground-station link, over loopback sockets.

The ground station's ``FlightComputerLink`` listens (``udpin``, as every GCS on 14550) with a signed
codec. A vehicle in this process holds the key: it sends signed heartbeats and telemetry and
acknowledges signed commands. An intruder on the same network, without the key, floods the ground
station's port with every attack: unsigned frames, MAVLink 1 (a downgrade), frames signed with
another key, the far-future timestamp forgery that locks stock pymavlink 2.4.50 out, replays of
the vehicle's own frames, and SETUP_SIGNING offering a new key.

None may have an effect: the vehicle's state on the hub stays the vehicle's, every command of the
operator reaches the vehicle and is acknowledged *during* the flood, nothing the ground sends goes
to the intruder, and every attack is counted in the codec and shown in the link health that the
console displays.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from gcs.clock import WallClock
from gcs.console.views import link_view
from gcs.hub import Hub
from gcs.links.commands import CommandPolicy
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.settings import LinkSettings
from gcs.links.values import VehicleHeartbeat, VehicleLinkHealth
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from gcs.tasks import background
from gcs.transport.link import Backoff, Link, open_link
from tests.support.waits import wait_until, within

FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.1)
SETTINGS = LinkSettings(heartbeat_interval_s=0.1, heartbeats_missed_for_loss=20, health_interval_s=0.2,
                        timesync_interval_s=None, command=CommandPolicy(timeout_s=0.3, retries=10))
COMMANDS_DURING_FLOOD = 10


def _heartbeat(phase: FlightPhase, armed: bool) -> Any:
    flags = seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | (seaport.MAV_MODE_FLAG_SAFETY_ARMED if armed else 0)
    return seaport.MAVLink_heartbeat_message(seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC, flags,
                                             int(phase), seaport.MAV_STATE_STANDBY, 3)


@dataclass
class Vehicle:
    """The key holder: a signed codec on its own UDP socket, talking to the ground's port."""

    link: Link
    codec: MavlinkCodec
    sent: list[bytes] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)

    async def send(self, msg: Any) -> None:
        frame = self.codec.encode(msg)
        self.sent.append(frame)
        await self.link.write(frame)

    async def beat(self) -> None:
        while True:
            await self.send(_heartbeat(FlightPhase.SAFE, armed=False))
            await asyncio.sleep(0.05)

    async def serve(self) -> None:
        while True:
            for msg in self.codec.feed(await self.link.read()):
                if msg.get_type() == "COMMAND_LONG" and msg.target_system == 1:
                    self.commands.append(msg)
                    await self.send(seaport.MAVLink_command_ack_message(
                        msg.command, seaport.MAV_RESULT_ACCEPTED, 0, 0,
                        msg.get_srcSystem(), msg.get_srcComponent()))


@dataclass
class Intruder:
    """No key, same network: floods the ground's port, and notes whatever the ground sends it."""

    link: Link
    overheard: list[bytes]
    received_bytes: int = 0
    sent: dict[str, int] = field(default_factory=dict)

    def attacks(self, other_key: bytes) -> dict[str, bytes]:
        # In the vehicle's name (system 1, component 1): that is what an intruder would forge.
        plain = MavlinkCodec(1, 1)
        armed = _heartbeat(FlightPhase.ASCENT, armed=True)
        wrong = MavlinkCodec(1, 1, signing=SigningConfig(other_key))
        genuine = self.overheard[-1]
        new_key = seaport.MAVLink_setup_signing_message(255, 190, other_key, 0)
        return {
            "unsigned": plain.encode(armed),
            "mavlink1": armed.pack(seaport.MAVLink(None, 1, 1), force_mavlink1=True),
            "wrong_key": wrong.encode(armed),
            "far_future": genuine[:-12] + b"\xff" * 6 + secrets.token_bytes(6),
            "replay": self.overheard[0],
            "setup_signing_unsigned": plain.encode(new_key),
            "setup_signing_wrong_key": wrong.encode(new_key),
        }

    async def flood(self, other_key: bytes) -> None:
        while True:
            for name, frame in self.attacks(other_key).items():
                await self.link.write(frame)
                self.sent[name] = self.sent.get(name, 0) + 1
            await asyncio.sleep(0.002)

    async def listen(self) -> None:
        while True:
            self.received_bytes += len(await self.link.read())


@asynccontextmanager
async def signed_udp_link() -> AsyncIterator[tuple[FlightComputerLink, Hub, Vehicle, Link]]:
    key = secrets.token_bytes(32)
    clock = WallClock()
    hub = Hub()
    ground_codec = MavlinkCodec(255, 190, signing=SigningConfig(key))
    async with open_link("udpin:127.0.0.1:0", clock=clock, backoff=FAST_BACKOFF) as ground_link:
        await ground_link.wait_up()
        target = f"udpout:127.0.0.1:{ground_link.endpoint.port}"
        async with open_link(target, clock=clock, backoff=FAST_BACKOFF) as vehicle_link, \
                open_link(target, clock=clock, backoff=FAST_BACKOFF) as intruder_link:
            await vehicle_link.wait_up()
            await intruder_link.wait_up()
            fc = FlightComputerLink(ground_link, ground_codec, clock=clock, hub=hub, settings=SETTINGS)
            vehicle = Vehicle(vehicle_link, MavlinkCodec(1, 1, signing=SigningConfig(key, link_id=1)))
            async with background(("ground link", fc.run()), ("vehicle heartbeat", vehicle.beat()),
                                  ("vehicle serve", vehicle.serve())):
                yield fc, hub, vehicle, intruder_link


async def test_no_signing_attack_has_an_effect_and_each_is_counted_and_shown() -> None:
    async with signed_udp_link() as (fc, hub, vehicle, intruder_link):
        ours = await fc.wait_for_vehicle(1, timeout_s=10)
        intruder = Intruder(intruder_link, vehicle.sent)
        async with background(("intruder flood", intruder.flood(secrets.token_bytes(32))),
                              ("intruder listen", intruder.listen())):
            await wait_until(lambda: min(intruder.sent.values(), default=0) >= 50, timeout_s=20,
                             what="the intruder to send each attack 50 times")
            # The operator keeps control: every command reaches the vehicle and is acknowledged.
            for _ in range(COMMANDS_DURING_FLOOD):
                ack = await within(ours.commands.long(seaport.MAV_CMD_REQUEST_MESSAGE, 0), timeout_s=10,
                                   what="the operator's command during the flood")
                assert ack.result == seaport.MAV_RESULT_ACCEPTED
            await wait_until(lambda: min(intruder.sent.values()) >= 200, timeout_s=20,
                             what="the intruder to send each attack 200 times")
        sent = dict(intruder.sent)

        # No effect: the vehicle is still disarmed and in SAFE, as only the vehicle says.
        beat = hub.latest(VehicleHeartbeat, 1)
        assert beat is not None
        assert (beat.flight_phase, beat.armed) == (FlightPhase.SAFE, False)
        assert len(vehicle.commands) >= COMMANDS_DURING_FLOOD
        assert intruder.received_bytes == 0, "the ground replied to the intruder"

        # Counted, each in its own counter (once the last datagrams are read), and nothing got through.
        def all_counted() -> bool:
            c = fc.codec.counters()
            return (c.rejected_unsigned >= sent["unsigned"] + sent["setup_signing_unsigned"]
                    and c.rejected_mavlink1 >= sent["mavlink1"]
                    and c.bad_signatures
                    >= sent["wrong_key"] + sent["far_future"] + sent["setup_signing_wrong_key"]
                    and c.replays >= sent["replay"])

        await wait_until(all_counted, timeout_s=10, what="every attack counted", show=fc.codec.counters)
        counters = fc.codec.counters()
        assert counters.accepted_unsigned == 0

        # Shown: the link health the console displays counts every refusal.
        refused = (counters.rejected_unsigned + counters.rejected_mavlink1 + counters.bad_signatures
                   + counters.replays)
        await wait_until(lambda: (h := hub.latest(VehicleLinkHealth, 1)) is not None
                         and h.signature_errors >= refused,
                         timeout_s=5, what="the refusals in the link health")
        health = hub.latest(VehicleLinkHealth, 1)
        assert health is not None
        assert health.up
        assert link_view(health)["signature_errors"] == health.signature_errors
        print(f"signing attacks: sent {sent}; refused {refused} "
              f"(unsigned {counters.rejected_unsigned}, mavlink1 {counters.rejected_mavlink1}, "
              f"bad signature {counters.bad_signatures}, replay {counters.replays}); "
              f"{COMMANDS_DURING_FLOOD} commands acknowledged during the flood")
