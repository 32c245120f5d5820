"""The vehicle's telemetry over a real link: default streams, SET_MESSAGE_INTERVAL, REQUEST_MESSAGE,
AUTOPILOT_VERSION, TIMESYNC, and SYSTEM_TIME carrying simulated time in an accelerated run."""

from __future__ import annotations

import itertools
import statistics
import time
from pathlib import Path

from gcs.protocol.dialect import seaport
from tests.integration.sim.sim_process import CARGO, firmware_sim, ground_station, vehicle_link
from tests.support.pymavlink_gcs import PymavlinkGcs
from tests.support.waits import wait_until

S = seaport
POSITION = S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT

EXPECTED_STREAMS = {
    "HEARTBEAT", "SYS_STATUS", "SYSTEM_TIME", "GLOBAL_POSITION_INT", "ATTITUDE_QUATERNION", "HIGHRES_IMU",
    "ALTITUDE", "EXTENDED_SYS_STATE", "ESTIMATOR_STATUS", "ENGINE_STATUS", "TANK_STATUS", "COUNTDOWN",
}  # fmt: skip


def _intervals_ms(gcs: PymavlinkGcs, since: int) -> list[int]:
    """Simulated time between successive positions (the stamps are the flight computer's ticks, so a
    single interval is a whole number of ticks; their mean is the rate)."""
    stamps = [m.time_boot_ms for m in gcs.of_type("GLOBAL_POSITION_INT", since)]
    return [b - a for a, b in itertools.pairwise(stamps)]


def _types(gcs: PymavlinkGcs) -> set[str]:
    return {r.msg.get_type() for r in gcs.received}


async def _set_interval(gcs: PymavlinkGcs, msg_id: int, interval_us: float) -> int:
    return int((await gcs.command(S.MAV_CMD_SET_MESSAGE_INTERVAL, msg_id, interval_us)).result)


async def test_streams_rates_and_requests(tmp_path: Path) -> None:
    async with (
        vehicle_link("udp") as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, stderr_path=tmp_path / "sim.err"),
        ground_station(stream) as gcs,
    ):
        await wait_until(lambda: _types(gcs) >= EXPECTED_STREAMS, timeout_s=15, what="every default stream",
                         show=lambda: sorted(_types(gcs)))
        position = gcs.of_type("GLOBAL_POSITION_INT")[-1]
        assert abs(position.lat / 1e7 - 36.5) < 0.01
        assert abs(position.lon / 1e7 - 121.6) < 0.01
        assert len({m.engine_id for m in gcs.of_type("ENGINE_STATUS")}) == 9

        # Slower, then off, then back to the default, each acknowledged and visible in the stream.
        assert await _set_interval(gcs, POSITION, 500_000) == S.MAV_RESULT_ACCEPTED
        mark = gcs.mark()
        await wait_until(lambda: len(_intervals_ms(gcs, mark)) >= 6, timeout_s=10, what="6 slow positions")
        assert 400 <= statistics.mean(_intervals_ms(gcs, mark)) <= 600
        mark = gcs.mark()
        await gcs.command(S.MAV_CMD_GET_MESSAGE_INTERVAL, POSITION)
        interval = await gcs.wait_for("MESSAGE_INTERVAL", since=mark)
        assert (interval.message_id, interval.interval_us) == (POSITION, 500_000)

        assert await _set_interval(gcs, POSITION, -1) == S.MAV_RESULT_ACCEPTED
        mark = gcs.mark()
        await wait_until(lambda: len(gcs.of_type("HEARTBEAT", mark)) >= 2, timeout_s=5, what="two heartbeats")
        assert gcs.of_type("GLOBAL_POSITION_INT", mark) == []  # a second at 4 Hz would have brought some

        assert await _set_interval(gcs, POSITION, 0) == S.MAV_RESULT_ACCEPTED
        mark = gcs.mark()
        await wait_until(lambda: len(_intervals_ms(gcs, mark)) >= 8, timeout_s=10, what="8 default positions")
        assert 200 <= statistics.mean(_intervals_ms(gcs, mark)) <= 300
        assert await _set_interval(gcs, S.MAVLINK_MSG_ID_HIGH_LATENCY2, 1e6) == S.MAV_RESULT_DENIED

        # REQUEST_MESSAGE: AUTOPILOT_VERSION with its capabilities; something we lack is denied.
        mark = gcs.mark()
        ack = await gcs.command(S.MAV_CMD_REQUEST_MESSAGE, S.MAVLINK_MSG_ID_AUTOPILOT_VERSION)
        assert ack.result == S.MAV_RESULT_ACCEPTED
        version = await gcs.wait_for("AUTOPILOT_VERSION", since=mark)
        for capability in ("MAVLINK2", "MISSION_INT", "COMMAND_INT", "PARAM_ENCODE_C_CAST"):
            assert version.capabilities & getattr(S, f"MAV_PROTOCOL_CAPABILITY_{capability}"), capability
        lacking = await gcs.command(S.MAV_CMD_REQUEST_MESSAGE, S.MAVLINK_MSG_ID_HIGH_LATENCY2)
        assert lacking.result == S.MAV_RESULT_DENIED

        # TIMESYNC: our ts1 comes back with the vehicle's tc1.
        mark = gcs.mark()
        ts1 = time.monotonic_ns()
        gcs.send(S.MAVLink_timesync_message(0, ts1))
        reply = await gcs.wait_for("TIMESYNC", lambda m: m.ts1 == ts1, since=mark)
        assert reply.tc1 != 0


async def test_system_time_carries_simulated_time_in_an_accelerated_run(tmp_path: Path) -> None:
    speed = 5.0  # well within what the runner keeps up with on a small machine
    async with (
        vehicle_link("udp") as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, "--speed", str(speed),
                     stderr_path=tmp_path / "sim.err"),
        ground_station(stream, heartbeat_hz=2 * speed) as gcs,
    ):  # fmt: skip
        first = await gcs.wait_for("SYSTEM_TIME", timeout_s=15)
        start_wall = time.monotonic()
        await wait_until(lambda: time.monotonic() - start_wall > 1.0, timeout_s=2)
        last = gcs.of_type("SYSTEM_TIME")[-1]
        sim_s = (last.time_boot_ms - first.time_boot_ms) / 1000
        wall_s = next(r.at_s for r in reversed(gcs.received) if r.msg is last) - next(
            r.at_s for r in gcs.received if r.msg is first
        )
        assert 0.7 * speed < sim_s / wall_s < 1.3 * speed, (sim_s, wall_s)
        unix_s = (last.time_unix_usec - first.time_unix_usec) / 1e6
        assert abs(unix_s - sim_s) < 0.01  # the UNIX time is the simulation's, not the wall's
        # Heartbeats come at 1 Hz of simulated time.
        beats = [r.at_s for r in gcs.received if r.msg.get_type() == "HEARTBEAT"]
        assert len(beats) >= speed * 0.7
