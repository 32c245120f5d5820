"""``firmware-sim vehicle --ground-lead-s``: the real vehicle process waits for a slow ground station.

The test's ground answers the vehicle's TIMESYNC requests as a station that reads its socket late
would: each answer goes out a fixed wall time after the request came. The vehicle may run only
``--ground-lead-s`` past what the ground has answered for, so its simulated time crawls; when the
ground falls silent it is no longer held (a flying vehicle never waits for a dead station).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from gcs.protocol.dialect import seaport
from tests.integration.sim.sim_process import CARGO, firmware_sim, ground_station, vehicle_link
from tests.support.pymavlink_gcs import PymavlinkGcs
from tests.support.waits import wait_until

SPEED = 20.0
LEAD_S = 1.0
ANSWER_DELAY_WALL_S = 1.0


def _sim_s(gcs: PymavlinkGcs, since: int) -> list[tuple[float, float]]:
    """(wall s received, simulated s) of every SYSTEM_TIME after ``since``."""
    return [(r.at_s, r.msg.time_boot_ms / 1000.0) for r in gcs.received[since:]
            if r.msg.get_type() == "SYSTEM_TIME"]


def _pace(samples: list[tuple[float, float]]) -> float:
    (wall0, sim0), (wall1, sim1) = samples[0], samples[-1]
    return (sim1 - sim0) / (wall1 - wall0)


async def _answer_late(gcs: PymavlinkGcs, answering: asyncio.Event) -> None:
    answered = 0
    while True:
        await asyncio.sleep(0.01)
        if not answering.is_set():
            answered = len(gcs.received)  # requests of a silent spell are never answered
            continue
        now = time.monotonic()
        while answered < len(gcs.received) and gcs.received[answered].at_s <= now - ANSWER_DELAY_WALL_S:
            msg = gcs.received[answered].msg
            if msg.get_type() == "TIMESYNC" and msg.tc1 == 0:
                gcs.send(seaport.MAVLink_timesync_message(time.time_ns(), msg.ts1))
            answered += 1


async def test_the_vehicle_runs_no_further_ahead_of_a_slow_ground_than_its_lead(tmp_path: Path) -> None:
    answering = asyncio.Event()
    async with (
        vehicle_link("udp") as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, "--speed", f"{SPEED:g}",
                     "--ground-lead-s", f"{LEAD_S:g}", stderr_path=tmp_path / "sim.err") as sim,
        ground_station(stream, heartbeat_hz=10) as gcs,
    ):  # fmt: skip
        assert "paced by the ground" in sim.first_line, sim.first_line
        answerer = asyncio.create_task(_answer_late(gcs, answering), name="late timesync answers")
        try:
            await gcs.wait_for("TIMESYNC", lambda m: m.tc1 == 0, timeout_s=15)
            # Unanswered, it runs at its speed.
            free = gcs.mark()
            await wait_until(lambda: len(_sim_s(gcs, free)) > 1 and _sim_s(gcs, free)[-1][0]
                             - _sim_s(gcs, free)[0][0] > 1.5, timeout_s=10, what="1.5 s of free running")
            free_pace = _pace(_sim_s(gcs, free))
            # Answered a second late, it may run only a second of simulated time past each answer.
            answering.set()
            await asyncio.sleep(ANSWER_DELAY_WALL_S + 0.5)  # the first answers arrive and hold it
            held = gcs.mark()
            await wait_until(lambda: len(_sim_s(gcs, held)) > 1 and _sim_s(gcs, held)[-1][0]
                             - _sim_s(gcs, held)[0][0] > 2.5, timeout_s=10, what="2.5 s held by the ground")
            held_pace = _pace(_sim_s(gcs, held))
            # Silent again: after the release time it runs at its speed once more.
            answering.clear()
            await asyncio.sleep(2.5)
            released = gcs.mark()
            await wait_until(lambda: len(_sim_s(gcs, released)) > 1 and _sim_s(gcs, released)[-1][0]
                             - _sim_s(gcs, released)[0][0] > 1.5, timeout_s=10, what="1.5 s released")
            released_pace = _pace(_sim_s(gcs, released))
        finally:
            answerer.cancel()
    # Held: about LEAD_S per ANSWER_DELAY_WALL_S (plus a control tick or two), far below 20x.
    assert held_pace < 4.0, (free_pace, held_pace, released_pace)
    assert free_pace > 8.0, (free_pace, held_pace, released_pace)  # 20x asked; a loaded machine is slower
    assert released_pace > 8.0, (free_pace, held_pace, released_pace)
