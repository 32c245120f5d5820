"""The real vehicle process, run flat out: its streams keep to simulated time, SYSTEM_TIME first.

Asked far more than it can carry (here 2,000x on the pad, where one simulated second costs a few
ms of wall time), the runner steps as fast as it can. Polling every 10 ms of wall time alone, the
endpoint then sent SYSTEM_TIME and the 1 Hz statuses several simulated seconds apart, and a ground
station judging ages in simulated seconds called them stale. Told by the runner after each step, it
serves every stream when it falls due in simulated time: the same rates per simulated second as at
1x. Within a burst SYSTEM_TIME goes first, so a station that follows it stamps the rest of the
burst with the burst's own time.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.integration.sim.sim_process import CARGO, firmware_sim, ground_station, vehicle_link
from tests.support.pymavlink_gcs import PymavlinkGcs
from tests.support.waits import wait_until

SPEED = 2000.0
FAST_HZ = 4.0  # EndpointSettings.telemetry_hz: SYSTEM_TIME, position, attitude, IMU
BEHIND_CHUNK_SIM_S = 0.1  # a runner behind its speed steps at most this much between yields
SLACK_S = BEHIND_CHUNK_SIM_S + 0.11  # a step's chunk, a tick, float sums


def _times_s(gcs: PymavlinkGcs, since: int, kind: str) -> list[float]:
    return [m.time_boot_ms / 1000.0 for m in gcs.of_type(kind, since)]


async def test_streams_keep_to_simulated_time_when_the_runner_races(tmp_path: Path) -> None:
    async with (
        vehicle_link("udp") as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, "--speed", f"{SPEED:g}",
                     stderr_path=tmp_path / "sim.err") as sim,
        ground_station(stream, heartbeat_hz=10) as gcs,
    ):  # fmt: skip
        assert "SITL at 2000x" in sim.first_line, sim.first_line
        await gcs.wait_for("SYSTEM_TIME", timeout_s=15)
        since = gcs.mark()
        await wait_until(lambda: len(times := _times_s(gcs, since, "SYSTEM_TIME")) > 1
                         and times[-1] - times[0] >= 40, timeout_s=30, what="40 simulated s")
        times = _times_s(gcs, since, "SYSTEM_TIME")
        # Polled every 10 ms of wall time only, this vehicle (racing at 300-400x on an idle machine,
        # 90x+ on a busy one) sent SYSTEM_TIME 3-4 simulated seconds apart; now at its 4 Hz.
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert max(gaps) <= 1 / FAST_HZ + SLACK_S, max(gaps)
        assert len(times) >= 0.9 * FAST_HZ * (times[-1] - times[0]), len(times)
        # The 1 Hz statuses: a simulated second apart.
        status_at_s = []
        last_time_s = None
        position_since_time = False
        for r in gcs.received[since:]:
            kind = r.msg.get_type()
            if kind == "SYSTEM_TIME":
                last_time_s = r.msg.time_boot_ms / 1000.0
                position_since_time = False
            elif kind == "GLOBAL_POSITION_INT":
                position_since_time = True
            elif kind in ("HEARTBEAT", "SYS_STATUS") and last_time_s is not None:
                # SYSTEM_TIME leads its burst: no position of an earlier burst between it and them.
                assert not position_since_time, f"{kind} came after another burst's position"
                if kind == "SYS_STATUS":
                    status_at_s.append(last_time_s)
        status_gaps = [b - a for a, b in itertools.pairwise(status_at_s)]
        assert max(status_gaps) <= 1.0 + SLACK_S, max(status_gaps)
