"""Signing attacks on the vehicle: the real ``firmware-sim vehicle`` process over a pty serial line.

The far end is the simulator (stock pymavlink classes with the verify-first fix); the near end is
this test, holding the key, and an intruder on the same line (a radio on the same frequency) whose
frames are interleaved with ours. After each attack the operator's next signed command must still
be acknowledged, and the attack itself must have had no effect: no ACK for a command it carried.
Commands go over the line in order and the vehicle answers in order, so once the probe's ACK is
back, any answer to the attack before it would have been seen.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from gcs.clock import WallClock
from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from gcs.tasks import background
from gcs.transport.link import open_link
from gcs.transport.proxy import PtyFaultProxy
from tests.integration.test_signed_link_two_processes import FAST_BACKOFF, GroundEnd, vehicle_process
from tests.support.waits import wait_until

VEHICLE_SYSID = 1
T_FAR_FUTURE = b"\xff" * 6


def _interval(message_id: int, interval_us: float, confirmation: int = 0) -> Any:
    """SET_MESSAGE_INTERVAL: the command an intruder uses here (it changes what the vehicle sends)."""
    return seaport.MAVLink_command_long_message(VEHICLE_SYSID, 1, seaport.MAV_CMD_SET_MESSAGE_INTERVAL,
                                                confirmation, message_id, interval_us, 0, 0, 0, 0, 0)


def _probe(confirmation: int) -> Any:
    heartbeat = seaport.MAVLINK_MSG_ID_HEARTBEAT
    return seaport.MAVLink_command_long_message(VEHICLE_SYSID, 1, seaport.MAV_CMD_REQUEST_MESSAGE,
                                                confirmation, heartbeat, 0, 0, 0, 0, 0, 0)


async def test_no_signing_attack_moves_the_vehicle_and_the_operator_keeps_control(tmp_path: Path) -> None:
    key, other_key = secrets.token_bytes(32), secrets.token_bytes(32)
    key_file = tmp_path / "vehicle.key"
    key_file.write_text(key.hex())
    clock = WallClock()
    operator = MavlinkCodec(255, 190, signing=SigningConfig(key, link_id=7))
    unsigned = MavlinkCodec(255, 190)
    wrong_key = MavlinkCodec(255, 190, signing=SigningConfig(other_key, link_id=7))
    new_key = MavlinkCodec(255, 190, signing=SigningConfig(other_key, link_id=7))  # what SETUP_SIGNING offers

    async with PtyFaultProxy() as proxy, \
            vehicle_process(f"serial:{proxy.target_endpoint.device}:115200", key_file) as far, \
            open_link(proxy.client_endpoint, clock=clock, backoff=FAST_BACKOFF) as link:
        ground = GroundEnd(link, operator)
        probes = 0

        async def operator_keeps_control(after: str) -> None:
            nonlocal probes
            probes += 1
            await ground.send(_probe(probes))
            await wait_until(lambda: len(ground.acks(seaport.MAV_CMD_REQUEST_MESSAGE)) >= probes,
                             timeout_s=10, what=f"the operator's command to be acknowledged after {after}",
                             show=lambda: far.lines)

        def interval_acks() -> int:
            return len(ground.acks(seaport.MAV_CMD_SET_MESSAGE_INTERVAL))

        async with background(("ground receive", ground.receive())):
            await wait_until(lambda: len(ground.of_type("HEARTBEAT")) >= 2, timeout_s=20,
                             what="the vehicle's heartbeats", show=lambda: far.lines)
            await operator_keeps_control("nothing")

            # One genuine command of the operator's, overheard by the intruder.
            genuine = operator.encode(_interval(seaport.MAVLINK_MSG_ID_SYSTEM_TIME, 100_000))
            await link.write(genuine)
            await operator_keeps_control("a genuine SET_MESSAGE_INTERVAL")
            assert interval_acks() == 1

            attacks = {
                "unsigned": unsigned.encode(_interval(seaport.MAVLINK_MSG_ID_SYSTEM_TIME, -1)),
                "mavlink1": _interval(seaport.MAVLINK_MSG_ID_SYSTEM_TIME, -1).pack(
                    seaport.MAVLink(None, 255, 190), force_mavlink1=True),
                "wrong_key": wrong_key.encode(_interval(seaport.MAVLINK_MSG_ID_SYSTEM_TIME, -1)),
                # The pymavlink 2.4.50 lock-out: our real frame, timestamp 2**48-1, a garbage tag.
                "far_future": genuine[:-12] + T_FAR_FUTURE + secrets.token_bytes(6),
                "replay": genuine,
                "setup_signing_unsigned": unsigned.encode(
                    seaport.MAVLink_setup_signing_message(VEHICLE_SYSID, 1, other_key, 0)),
                "setup_signing_wrong_key": wrong_key.encode(
                    seaport.MAVLink_setup_signing_message(VEHICLE_SYSID, 1, other_key, 0)),
            }
            for name, frame in attacks.items():
                for _ in range(3):
                    await link.write(frame)
                await operator_keeps_control(name)
                assert interval_acks() == 1, f"{name} made the vehicle act"
            # Had SETUP_SIGNING been taken, the offered key would now work: it must not.
            await link.write(new_key.encode(_interval(seaport.MAVLINK_MSG_ID_SYSTEM_TIME, -1)))
            await operator_keeps_control("a command under the key SETUP_SIGNING offered")
            assert interval_acks() == 1
        assert all(m.get_signed() for m in ground.received), "the vehicle sent something unsigned"
