"""The real ``firmware-sim vehicle`` (SITL) seen by an independent stock-pymavlink ground station.

The ground station finds the vehicle by its heartbeat, downloads the whole parameter list with
consistent counts, sets a parameter and sees the echo (and a refusal explained), uploads the
flight plan and reads it back, and is refused ARM with a reason until the plan is loaded. The same
body runs on a pty serial pair and on UDP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.protocol.dialect import FlightPhase, seaport
from tests.integration.sim.sim_process import CARGO, LINK_KINDS, firmware_sim, ground_station, vehicle_link
from tests.support.pymavlink_gcs import PymavlinkGcs, mission_item
from tests.support.waits import wait_until

S = seaport
LAUNCH = (36.5, 121.6)  # configs/platforms/launch-platform.toml
BARGE = (31.159, -121.933)  # configs/platforms/landing-barge.toml, MAVLink system id 2


def flight_plan_items() -> list[object]:
    return [
        mission_item(S.MAV_CMD_NAV_TAKEOFF, *LAUNCH, frame=S.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, p2=2.0),
        mission_item(S.MAV_CMD_NAV_WAYPOINT, 35.0, 150.0),
        mission_item(S.MAV_CMD_NAV_LAND, *BARGE, p2=S.PRECISION_LAND_MODE_REQUIRED, p3=2.0),
    ]


async def wait_for_standby(gcs: PymavlinkGcs) -> None:
    await gcs.wait_for("HEARTBEAT", lambda m: m.custom_mode == FlightPhase.STANDBY, timeout_s=15)


@pytest.mark.parametrize("kind", LINK_KINDS)
async def test_a_stock_ground_station_finds_configures_plans_and_arms_the_vehicle(
    kind: str, tmp_path: Path
) -> None:
    async with (
        vehicle_link(kind) as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, stderr_path=tmp_path / "err") as sim,
        ground_station(stream) as gcs,
    ):
        # Found by heartbeat: a rocket, on the pad, self test passed, disarmed, MAV_STATE truthful.
        await wait_for_standby(gcs)
        beat = gcs.heartbeat()
        assert beat is not None, sim.stderr_tail()
        assert (beat.get_srcSystem(), beat.type) == (1, S.MAV_TYPE_ROCKET)
        assert (beat.system_status, beat.base_mode & S.MAV_MODE_FLAG_SAFETY_ARMED) == (S.MAV_STATE_STANDBY, 0)
        state = await gcs.wait_for("EXTENDED_SYS_STATE")
        assert state.landed_state == S.MAV_LANDED_STATE_ON_GROUND

        # The whole parameter list, every index once, one count.
        params = await gcs.param_list()
        assert len(params) >= 30
        assert all(p.param_type == S.MAV_PARAM_TYPE_REAL32 for p in params.values())
        lead = params["IGN_LEAD_S"].param_value

        # A set is echoed and read back; an impossible one is refused with a reason and the old value.
        echo = await gcs.param_set("IGN_LEAD_S", lead + 1.0)
        assert (echo.param_value, echo.param_count) == (lead + 1.0, len(params))
        assert (await gcs.param_read("IGN_LEAD_S")).param_value == lead + 1.0
        mark = gcs.mark()
        refused = await gcs.param_set("IGN_LEAD_S", 1000.0)
        assert refused.param_value == lead + 1.0
        assert any("IGN_LEAD_S" in text and "outside" in text for text in gcs.texts(mark)), gcs.texts(mark)

        # ARM before the flight plan: denied, and the reason came first as a STATUSTEXT.
        mark = gcs.mark()
        denied = await gcs.command(S.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        assert denied.result == S.MAV_RESULT_DENIED
        assert any("no flight plan" in text for text in gcs.texts(mark)), gcs.texts(mark)

        # The flight plan uploads and reads back item for item.
        items = flight_plan_items()
        ack = await gcs.mission_upload(items)
        assert ack.type == S.MAV_MISSION_ACCEPTED, gcs.texts()
        back = await gcs.mission_download()
        assert [(m.seq, m.command, m.frame, m.x, m.y, m.z, m.param2, m.param3) for m in back] == [
            (i.seq, i.command, i.frame, i.x, i.y, i.z, i.param2, i.param3) for i in items  # type: ignore[attr-defined]
        ]

        # Now ARM is accepted, and the heartbeat says so.
        accepted = await gcs.command(S.MAV_CMD_COMPONENT_ARM_DISARM, 1)
        assert accepted.result == S.MAV_RESULT_ACCEPTED
        armed = S.MAV_MODE_FLAG_SAFETY_ARMED
        await gcs.wait_for("HEARTBEAT", lambda m: bool(m.base_mode & armed), since=gcs.mark())


async def test_a_plan_that_makes_no_sense_is_refused_with_the_reason(tmp_path: Path) -> None:
    async with (
        vehicle_link("udp") as (link, stream),
        firmware_sim("vehicle", "--config", str(CARGO), "--link", link, stderr_path=tmp_path / "sim.err"),
        ground_station(stream) as gcs,
    ):
        await wait_for_standby(gcs)
        mark = gcs.mark()
        ack = await gcs.mission_upload([mission_item(S.MAV_CMD_NAV_LAND, *BARGE, p3=2.0)])
        assert ack.type == S.MAV_MISSION_INVALID
        assert any("expected NAV_TAKEOFF" in text for text in gcs.texts(mark)), gcs.texts(mark)
        assert await gcs.mission_download() == []


async def test_parameters_survive_a_restart_through_the_params_file(tmp_path: Path) -> None:
    params_file = tmp_path / "vehicle.parm"
    for run, expected in ((1, None), (2, 7.5)):
        async with (
            vehicle_link("udp") as (link, stream),
            firmware_sim("vehicle", "--link", link, "--params-file", str(params_file),
                         stderr_path=tmp_path / f"sim{run}.err"),
            ground_station(stream) as gcs,
        ):  # fmt: skip
            await gcs.wait_for("HEARTBEAT", timeout_s=15)
            value = (await gcs.param_read("HOP_HOVER_S")).param_value
            if expected is None:
                assert value == 10.0
                assert (await gcs.param_set("HOP_HOVER_S", 7.5)).param_value == 7.5
                await wait_until(lambda: "HOP_HOVER_S 7.5" in params_file.read_text(), timeout_s=2)
            else:
                assert value == expected
