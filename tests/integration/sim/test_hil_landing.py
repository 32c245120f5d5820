"""The whole hop through the HIL split: ``firmware-sim physics`` and ``firmware-sim flight-computer`` on a
pty serial cable that loses a few frames, from the flight plan upload to touchdown on the moving hop
barge and safe.

The YXZ-1 hop (configs/vehicles/yxz-1-hop.toml) lifts off the launch platform and lands on the hop
barge 400 m east, in sea state 4, as tests/sim flies it in one process. The landing is judged by
the truth: the physics' own ``TouchdownReport``, which ``firmware-sim physics`` tells on stderr in
the wording of the flight computer's touchdown STATUSTEXT, against the same limits tests/sim holds
SITL to (reference/domain.md §1.3). The flight computer's own report must agree with it. A frame
lost on the cable costs half a wall second (the physics resends it) and never a tick on stale data.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from gcs.links.touchdown_report import TouchdownReport, parse_touchdown_report
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.transport.faults import FaultSpec
from gcs.transport.proxy import PtyFaultProxy
from tests.integration.sim.sim_process import REPO, firmware_sim, ground_station, vehicle_link
from tests.integration.sim.test_vehicle_services import wait_for_standby
from tests.support.pymavlink_gcs import PymavlinkGcs, mission_item
from tests.support.waits import wait_until

S = seaport
HOP = REPO / "configs" / "vehicles" / "yxz-1-hop.toml"
HOP_SOFTWARE = REPO / "configs" / "flight_software" / "yxz-1-hop.toml"
#: Launch platform first, so it gets the seed and the barge seed + 1, as tests/sim/flights.py has them.
PLATFORMS = ("--platform", f"3:{REPO / 'configs/platforms/launch-platform.toml'}",
             "--platform", f"2:{REPO / 'configs/platforms/hop-barge.toml'}")  # fmt: skip
LAUNCH = (36.5, 121.6)  # configs/platforms/launch-platform.toml
HOP_BARGE = (36.5, 121.6045)  # configs/platforms/hop-barge.toml
#: NAV_TAKEOFF's param2: the mission kind plus one (1 hop test, 2 cargo hop, 0 from the distance).
HOP_TEST = 1.0
SEED = "1"
#: About what the split keeps up with on a shared 2-core machine (~8 simulated s per wall s flat out):
#: higher only makes the heartbeat's margin against GL_TIMEOUT_S thinner in wall time.
SPEED = 8.0
#: Lightly lossy: each lost chunk costs a 0.5 s resend, so ~15 losses add ~8 s of wall time.
LIGHTLY_LOSSY = FaultSpec(loss_probability=0.002)
#: The self test, the count, the 125 s hop and the safing (~175 simulated s), on a loaded machine.
FLIGHT_WALL_S = 180.0
TRUTH = "firmware-sim: truth:"

# reference/domain.md §1.3 nominal touchdown limits, as tests/sim/test_hop_flight.py checks them.
MAX_VERTICAL_MPS = 2.0
MAX_HORIZONTAL_MPS = 0.5
MAX_TILT_DEG = 2.0
MAX_MISS_M = 5.0


def _truth_lines(stderr_path: Path) -> list[str]:
    return [line for line in stderr_path.read_text(errors="replace").splitlines() if line.startswith(TRUTH)]


async def test_the_split_flies_the_hop_to_touchdown_on_the_barge(tmp_path: Path) -> None:
    physics_err = tmp_path / "physics.err"
    async with (
        PtyFaultProxy(up=LIGHTLY_LOSSY, down=LIGHTLY_LOSSY, seed=5) as cable,
        vehicle_link("udp") as (link, stream),
        firmware_sim("physics", "--config", str(HOP), *PLATFORMS, "--seed", SEED, "--speed", str(SPEED),
                     "--hil", f"serial:{cable.client_endpoint.device}:921600", stderr_path=physics_err),
        firmware_sim("flight-computer", "--flight-software", str(HOP_SOFTWARE), *PLATFORMS, "--seed", SEED,
                     "--hil", f"serial:{cable.target_endpoint.device}:921600", "--link", link,
                     "--telemetry-hz", "2", stderr_path=tmp_path / "fc.err"),
        ground_station(stream, heartbeat_hz=2 * SPEED) as gcs,
    ):  # fmt: skip
        start_wall_s = time.monotonic()
        await wait_for_standby(gcs)
        plan = [
            mission_item(
                S.MAV_CMD_NAV_TAKEOFF, *LAUNCH, frame=S.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, p2=HOP_TEST
            ),
            mission_item(S.MAV_CMD_NAV_LAND, *HOP_BARGE, p2=S.PRECISION_LAND_MODE_REQUIRED, p3=2.0),
        ]
        assert (await gcs.mission_upload(plan)).type == S.MAV_MISSION_ACCEPTED, gcs.texts()
        for command in (S.MAV_CMD_COMPONENT_ARM_DISARM, S.MAV_CMD_MISSION_START, S.MAV_CMD_NAV_TAKEOFF):
            ack = await gcs.command(command, *([1.0] if command == S.MAV_CMD_COMPONENT_ARM_DISARM else []))
            assert ack.result == S.MAV_RESULT_ACCEPTED, (command, gcs.texts())

        await wait_until(lambda: _down_and_safe(gcs), timeout_s=FLIGHT_WALL_S, what="touchdown, then SAFE",
                         show=lambda: _where(gcs, physics_err))  # fmt: skip
        await wait_until(lambda: _truth_lines(physics_err), timeout_s=10, what="the physics' touchdown line",
                         show=lambda: _whole_texts(gcs)[-10:])  # fmt: skip
        wall_s = time.monotonic() - start_wall_s
        [truth_line] = _truth_lines(physics_err)
        truth = parse_touchdown_report(truth_line)
        [measured] = [r for t in _whole_texts(gcs) if (r := parse_touchdown_report(t)) is not None]
        dropped = cable.up.faults.dropped + cable.down.faults.dropped
        print(f"\nHIL hop at --speed {SPEED:g}, {dropped} chunks lost, {wall_s:.1f} s wall from start to "
              f"safe: {truth_line}; flight computer: {measured}")  # fmt: skip

        assert truth is not None, truth_line
        assert "(soft," in truth_line
        assert truth.platform == "hop-barge"
        assert truth.vertical_speed_down_mps <= MAX_VERTICAL_MPS
        assert truth.horizontal_speed_mps <= MAX_HORIZONTAL_MPS
        assert truth.tilt_deg <= MAX_TILT_DEG
        assert truth.miss_m <= MAX_MISS_M
        _agrees(measured, truth)
        assert not any("abort" in t.lower() for t in _whole_texts(gcs)), _whole_texts(gcs)


def _down_and_safe(gcs: PymavlinkGcs) -> bool:
    beat = gcs.heartbeat()
    safe = beat is not None and beat.custom_mode == FlightPhase.SAFE
    return safe and any(parse_touchdown_report(t) for t in _whole_texts(gcs))


def _whole_texts(gcs: PymavlinkGcs) -> list[str]:
    """The STATUSTEXTs with their chunks joined (a text over 50 characters comes in chunks of one id)."""
    texts: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for n, msg in enumerate(gcs.of_type("STATUSTEXT")):
        key = (msg.id, 0) if msg.id else (0, n)
        texts.setdefault(key, []).append((msg.chunk_seq, msg.text))
    return ["".join(text for _, text in sorted(chunks)) for chunks in texts.values()]


def _where(gcs: PymavlinkGcs, physics_err: Path) -> str:
    """What a failed wait shows: how far the flight came."""
    beat, clock = gcs.heartbeat(), gcs.of_type("SYSTEM_TIME")[-1:]
    phase = FlightPhase(beat.custom_mode).name if beat is not None else "no heartbeat"
    sim_s = clock[0].time_boot_ms / 1000 if clock else math.nan
    return f"{phase} at {sim_s:.1f} s; texts {_whole_texts(gcs)[-8:]}; physics: {_truth_lines(physics_err)}"


def _agrees(measured: TouchdownReport, truth: TouchdownReport) -> None:
    """The flight computer's measurement matches the physics' within sensor noise (as tests/sim checks)."""
    assert measured.platform == truth.platform
    assert abs(measured.vertical_speed_down_mps - truth.vertical_speed_down_mps) <= 0.3, (measured, truth)
    assert abs(measured.miss_m - truth.miss_m) <= 1.5, (measured, truth)
