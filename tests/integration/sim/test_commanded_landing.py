"""A launch commanded by an independent stock-pymavlink ground station flies to touchdown on the
moving deck, at 50 times real time, over UDP and over a pty serial pair.

The real ``firmware-sim vehicle`` flies the YXZ-1 hop (configs/vehicles/yxz-1-hop.toml) to the hop
barge 400 m east of the launch platform, in sea state 4. The ground station here is not ours: it
uploads the flight plan, arms, starts the terminal count and launches with COMMAND_LONG, keeps its
heartbeat going, and judges the landing from what any ground station sees: the vehicle's touchdown
report (STATUSTEXT), its phases, its landed state and its position against the barge's.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gcs.domain.geodesy import GeoPoint, distance_m
from gcs.links.touchdown_report import parse_touchdown_report
from gcs.protocol.dialect import FlightPhase, seaport
from tests.integration.sim.sim_process import LINK_KINDS, firmware_sim, ground_station, vehicle_link
from tests.integration.sim.test_vehicle_services import wait_for_standby
from tests.support.pymavlink_gcs import PymavlinkGcs, mission_item
from tests.support.waits import wait_until

S = seaport
REPO = Path(__file__).resolve().parents[3]
HOP = REPO / "configs" / "vehicles" / "yxz-1-hop.toml"
PLATFORMS = ("2:" + str(REPO / "configs/platforms/hop-barge.toml"),
             "3:" + str(REPO / "configs/platforms/launch-platform.toml"))
LAUNCH = (36.5, 121.6)  # configs/platforms/launch-platform.toml
HOP_BARGE = (36.5, 121.6045)  # configs/platforms/hop-barge.toml
SPEED = 50.0
#: Heartbeats at 2 per simulated second, so the vehicle never counts its ground as lost.
HEARTBEAT_HZ = 2 * SPEED
#: The count (~10 s), the 125 s hop and the safing, at 50x with room for a loaded machine.
FLIGHT_WALL_S = 120.0


@pytest.mark.parametrize("kind", LINK_KINDS)
async def test_a_commanded_launch_flies_to_touchdown_on_the_moving_deck(kind: str, tmp_path: Path) -> None:
    async with (
        vehicle_link(kind) as (link, stream),
        firmware_sim("vehicle", "--config", str(HOP), "--platform", PLATFORMS[0], "--platform", PLATFORMS[1],
                     "--link", link, "--speed", str(SPEED), "--telemetry-hz", "2",
                     stderr_path=tmp_path / "vehicle.err"),
        ground_station(stream, heartbeat_hz=HEARTBEAT_HZ) as gcs,
    ):  # fmt: skip
        await wait_for_standby(gcs)
        plan = [
            # param2: mission kind + 1 (1: the hop test); param3 of the landing: the barge's system id.
            mission_item(S.MAV_CMD_NAV_TAKEOFF, *LAUNCH, frame=S.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, p2=1.0),
            mission_item(S.MAV_CMD_NAV_LAND, *HOP_BARGE, p2=S.PRECISION_LAND_MODE_REQUIRED, p3=2.0),
        ]
        assert (await gcs.mission_upload(plan)).type == S.MAV_MISSION_ACCEPTED, gcs.texts()
        for command in (S.MAV_CMD_COMPONENT_ARM_DISARM, S.MAV_CMD_MISSION_START, S.MAV_CMD_NAV_TAKEOFF):
            ack = await gcs.command(command, *([1.0] if command == S.MAV_CMD_COMPONENT_ARM_DISARM else []))
            assert ack.result == S.MAV_RESULT_ACCEPTED, (command, gcs.texts())

        def phases() -> list[FlightPhase]:
            beats = gcs.of_type("HEARTBEAT")
            return [FlightPhase(m.custom_mode) for m in beats if m.get_srcSystem() == 1]

        def landed_and_safe() -> bool:
            return phases()[-1] is FlightPhase.SAFE and any("touchdown on" in t for t in _joined_texts(gcs))

        await wait_until(landed_and_safe,
                         timeout_s=FLIGHT_WALL_S, what="touchdown and a safe vehicle",
                         show=lambda: (sorted(set(phases()), key=phases().index), gcs.texts()[-12:]))
        # Phases can be shorter than a heartbeat (the count's last seconds): the vehicle's own
        # transition texts show each one, in order.
        changes = [t.split(" (")[0] for t in gcs.texts() if " -> " in t]
        assert changes[:7] == [
            "SAFE -> STANDBY", "STANDBY -> TERMINAL_COUNT", "TERMINAL_COUNT -> IGNITION",
            "IGNITION -> ASCENT", "ASCENT -> COAST", "COAST -> LANDING_BURN", "LANDING_BURN -> TOUCHDOWN",
        ], changes  # fmt: skip
        [report] = [r for t in _joined_texts(gcs) if (r := parse_touchdown_report(t)) is not None]
        assert report.platform == "hop-barge"
        assert report.vertical_speed_down_mps <= 2.0
        assert report.horizontal_speed_mps <= 0.5
        assert report.tilt_deg <= 2.0
        assert report.miss_m <= 5.0
        on_ground = S.MAV_LANDED_STATE_ON_GROUND
        await gcs.wait_for("EXTENDED_SYS_STATE", lambda m: m.landed_state == on_ground, since=gcs.mark(),
                           timeout_s=10)
        at_rest = gcs.of_type("GLOBAL_POSITION_INT")[-1]
        where = GeoPoint(at_rest.lat / 1e7, at_rest.lon / 1e7)
        # The deck moves with the sea and its station keeping (a few metres): the vehicle is on it.
        assert distance_m(where, GeoPoint(*HOP_BARGE)) < 25.0
        assert math.isclose(at_rest.relative_alt / 1000, 0.0, abs_tol=30.0)
        assert not any("ABORT" in t or "abort" in t for t in gcs.texts()), gcs.texts()


def _joined_texts(gcs: PymavlinkGcs) -> list[str]:
    """STATUSTEXTs with their MAVLink 2 chunks (same ``id``, rising ``chunk_seq``) joined, as any
    ground station does for a text longer than the 50-byte field."""
    texts: list[str] = []
    chunks: dict[int, list[tuple[int, str]]] = {}
    for msg in gcs.of_type("STATUSTEXT"):
        if msg.id == 0:
            texts.append(msg.text)
        else:
            chunks.setdefault(msg.id, []).append((msg.chunk_seq, msg.text))
    texts += ["".join(text for _, text in sorted(parts)) for parts in chunks.values()]
    return texts
