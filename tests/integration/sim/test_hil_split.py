"""The HIL split as two real processes: ``firmware-sim physics`` and ``firmware-sim flight-computer`` on a
pty serial cable that loses frames, flown by an independent ground station over UDP.

The cable is the ground station's fault proxy between two pty pairs (each process opens its end as
an ordinary serial port at 921600 baud). Lost frames in either direction are resent by the physics
and answered again without a second tick by the flight computer, so the flight goes on: the
vehicle passes its self test on HIL sensor data, takes a flight plan, arms, counts and lifts off.
"""

from __future__ import annotations

from pathlib import Path

from gcs.protocol.dialect import FlightPhase, seaport
from gcs.transport.faults import FaultSpec
from gcs.transport.proxy import PtyFaultProxy
from tests.integration.sim.sim_process import CARGO, firmware_sim, ground_station, vehicle_link
from tests.integration.sim.test_vehicle_services import flight_plan_items, wait_for_standby

S = seaport
SPEED = 4.0
LOSSY_CABLE = FaultSpec(loss_probability=0.02)


async def test_the_split_flies_a_launch_over_a_lossy_serial_cable(tmp_path: Path) -> None:
    async with (
        PtyFaultProxy(up=LOSSY_CABLE, down=LOSSY_CABLE, seed=4) as cable,
        vehicle_link("udp") as (link, stream),
        firmware_sim("physics", "--config", str(CARGO), "--speed", str(SPEED),
                     "--hil", f"serial:{cable.client_endpoint.device}:921600",
                     stderr_path=tmp_path / "physics.err"),
        firmware_sim("flight-computer", "--hil", f"serial:{cable.target_endpoint.device}:921600",
                     "--link", link, stderr_path=tmp_path / "fc.err") as computer,
        ground_station(stream, heartbeat_hz=2 * SPEED) as gcs,
    ):  # fmt: skip
        assert "flight computer on HIL link" in computer.first_line
        await wait_for_standby(gcs)
        assert (await gcs.mission_upload(flight_plan_items())).type == S.MAV_MISSION_ACCEPTED
        for command in (S.MAV_CMD_COMPONENT_ARM_DISARM, S.MAV_CMD_MISSION_START, S.MAV_CMD_NAV_TAKEOFF):
            ack = await gcs.command(command, *([1.0] if command == S.MAV_CMD_COMPONENT_ARM_DISARM else []))
            assert ack.result == S.MAV_RESULT_ACCEPTED, (command, gcs.texts())
        await gcs.wait_for("HEARTBEAT", lambda m: m.custom_mode == FlightPhase.ASCENT, timeout_s=20)
        await gcs.wait_for("GLOBAL_POSITION_INT", lambda m: m.relative_alt > 500_000, timeout_s=30)
        assert cable.up.faults.dropped + cable.down.faults.dropped > 0  # the cable really lost frames
        assert any("liftoff" in text for text in gcs.texts())
