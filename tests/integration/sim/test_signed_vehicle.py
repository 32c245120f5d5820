"""A signed ``firmware-sim vehicle``: unsigned, wrongly signed and replayed commands have no effect.

The ground station holds the key and signs with pymavlink's own signing; an intruder on the same
link sends the same commands unsigned, signed with another key, or replays a genuine signed frame
captured earlier. Each must leave the vehicle as it was (no ACK, no change in the heartbeat or
parameters), while the genuine commands act. A forged frame carrying the largest timestamp must
not lock the genuine ground station out either (the verify-first fix).
"""

from __future__ import annotations

import secrets
import struct
from pathlib import Path

import pytest

from gcs.protocol.dialect import seaport
from tests.integration.sim.sim_process import CARGO, LINK_KINDS, firmware_sim, ground_station, vehicle_link
from tests.integration.sim.test_vehicle_services import flight_plan_items, wait_for_standby
from tests.support.pymavlink_gcs import PymavlinkGcs, new_mav, pack

S = seaport
ARM = S.MAV_CMD_COMPONENT_ARM_DISARM
ARMED = S.MAV_MODE_FLAG_SAFETY_ARMED
REAL32 = S.MAV_PARAM_TYPE_REAL32


def _arm(value: float, confirmation: int = 0) -> object:
    return S.MAVLink_command_long_message(1, 1, ARM, confirmation, value, 0, 0, 0, 0, 0, 0)


async def _armed_now(gcs: PymavlinkGcs) -> bool:
    beat = await gcs.wait_for("HEARTBEAT", since=gcs.mark(), timeout_s=5)
    return bool(beat.base_mode & ARMED)


@pytest.mark.parametrize("kind", LINK_KINDS)
async def test_only_genuine_signed_commands_act(kind: str, tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    key_file = tmp_path / "vehicle.key"
    key_file.write_text(key.hex())
    async with (
        vehicle_link(kind) as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, "--signing-key", str(key_file),
                     stderr_path=tmp_path / "sim.err"),
        ground_station(stream, key=key) as gcs,
    ):  # fmt: skip
        await wait_for_standby(gcs)
        assert all(r.msg.get_signed() for r in gcs.received), "the vehicle sent unsigned frames"
        assert (await gcs.mission_upload(flight_plan_items())).type == S.MAV_MISSION_ACCEPTED

        unsigned = new_mav(None)
        wrong_key = new_mav(secrets.token_bytes(32), link_id=7)
        for intruder in (unsigned, wrong_key):
            mark = gcs.mark()
            for confirmation in range(3):
                gcs.send(_arm(1, confirmation), intruder)
            gcs.send(S.MAVLink_param_set_message(1, 1, b"HOP_HOVER_S", 20.0, REAL32), intruder)
            await gcs.no_ack(ARM, since=mark)
            assert not await _armed_now(gcs)
            assert gcs.of_type("PARAM_VALUE", mark) == []
        assert (await gcs.param_read("HOP_HOVER_S")).param_value == 10.0

        # The genuine ARM acts; capture its frame, disarm, then replay the capture.
        mark = gcs.mark()
        gcs.send(_arm(1))
        captured = gcs.sent_frames[-1]
        ack = await gcs.wait_for("COMMAND_ACK", lambda m: m.command == ARM, since=mark)
        assert ack.result == S.MAV_RESULT_ACCEPTED
        assert await _armed_now(gcs)
        assert (await gcs.command(ARM, 0)).result == S.MAV_RESULT_ACCEPTED
        assert not await _armed_now(gcs)

        mark = gcs.mark()
        gcs.send_raw(captured)
        await gcs.no_ack(ARM, since=mark)
        assert not await _armed_now(gcs)

        # A forged frame with the largest signing timestamp must not lock the real sender out.
        forged = bytearray(pack(new_mav(secrets.token_bytes(32), link_id=7), _arm(1)))
        forged[-12:-6] = struct.pack("<Q", 2**48 - 1)[:6]
        gcs.send_raw(bytes(forged))
        assert (await gcs.command(ARM, 1)).result == S.MAV_RESULT_ACCEPTED
        assert await _armed_now(gcs)
