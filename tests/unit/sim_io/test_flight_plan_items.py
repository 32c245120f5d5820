"""The flight plan as mission items: the round trip, platform naming, and a reason for each refusal."""

from __future__ import annotations

import dataclasses

import pytest

from firmware_sim.firmware.flight_plan import (
    FlightPlanError,
    KnownPlatform,
    MissionItem,
    PlatformDirectory,
    from_mission_items,
    to_mission_items,
)
from firmware_sim.firmware.flight_plan_types import FlightPlan, GeoPoint, MissionKind, PlatformSite
from gcs.protocol.dialect import seaport

S = seaport
LAUNCH = PlatformSite("launch-platform", 21.0, 112.0)
BARGE = PlatformSite("landing-barge", 31.159, -121.933)
SPARE = PlatformSite("spare-barge", 30.5, -122.5)
DIRECTORY = PlatformDirectory([KnownPlatform(2, BARGE), KnownPlatform(3, LAUNCH), KnownPlatform(4, SPARE)])
CARGO = FlightPlan(
    mission=MissionKind.CARGO_P2P,
    launch_latitude_deg=LAUNCH.latitude_deg,
    launch_longitude_deg=LAUNCH.longitude_deg,
    target=BARGE,
    alternate=SPARE,
    corridor=(GeoPoint(25.0, 150.0), GeoPoint(30.0, -160.0)),
    target_apogee_m=1_400_000.0,
)


def test_a_flight_plan_survives_the_trip_through_mission_items() -> None:
    items = to_mission_items(CARGO, DIRECTORY)
    assert [i.command for i in items] == [
        S.MAV_CMD_NAV_TAKEOFF, S.MAV_CMD_NAV_WAYPOINT, S.MAV_CMD_NAV_WAYPOINT,
        S.MAV_CMD_NAV_LAND, S.MAV_CMD_DO_LAND_START, S.MAV_CMD_NAV_LAND]  # fmt: skip
    assert (items[3].param3, items[5].param3) == (2.0, 4.0)
    assert from_mission_items(items, DIRECTORY) == CARGO

    hop = FlightPlan(
        MissionKind.HOP_TEST, LAUNCH.latitude_deg, LAUNCH.longitude_deg,
        PlatformSite("launch-platform", 21.001, 112.0), burnout_flight_path_angle_deg=80.0,
    )  # fmt: skip
    assert from_mission_items(to_mission_items(hop, DIRECTORY), DIRECTORY) == hop


def test_a_plain_takeoff_and_landing_from_a_stock_planner_is_understood() -> None:
    # No platform id, no mission kind: the platform is found by position, the kind by distance.
    items = [
        MissionItem(S.MAV_CMD_NAV_TAKEOFF, x=210_000_000, y=1_120_000_000, z=0.0),
        MissionItem(S.MAV_CMD_NAV_LAND, x=311_590_100, y=-1_219_330_000),
    ]
    plan = from_mission_items(items, DIRECTORY)
    assert plan.mission is MissionKind.CARGO_P2P
    assert plan.target == PlatformSite("landing-barge", 31.1590100, -121.933)
    assert (plan.alternate, plan.corridor, plan.target_apogee_m) == (None, (), None)


def _cargo_items() -> list[MissionItem]:
    return to_mission_items(CARGO, DIRECTORY)


def _with(index: int, **changes: float) -> list[MissionItem]:
    items = _cargo_items()
    items[index] = dataclasses.replace(items[index], **changes)  # type: ignore[arg-type]
    return items


@pytest.mark.parametrize(
    ("items", "why"),
    [
        ([], "empty mission"),
        (_cargo_items()[1:], "item 0: expected NAV_TAKEOFF"),
        (_cargo_items()[:3], "item 3: expected NAV_LAND at the target platform, got the end"),
        (_cargo_items()[:5], "item 4: after the target only DO_LAND_START then NAV_LAND"),
        ([*_cargo_items(), MissionItem(S.MAV_CMD_NAV_WAYPOINT)], "item 6: nothing may follow"),
        (_with(1, command=S.MAV_CMD_DO_CHANGE_SPEED), "item 1: DO_CHANGE_SPEED has no place"),
        (_with(1, frame=S.MAV_FRAME_LOCAL_NED), "item 1: frame 1 is not a global"),
        (_with(1, x=950_000_000), "off the globe"),
        (_with(3, param3=9.0), "item 3: no platform with system id 9 (known: 2=landing-barge"),
        (_with(3, param3=0.0, x=0, y=0), "item 3: no known platform within 10 km"),
        (_with(5, param3=2.0), "the alternate is the target platform"),
        (_with(0, param2=7.0), "item 0: param2 7 is not a mission kind"),
        (_with(0, param1=95.0, z=0.0), "burnout_flight_path_angle_deg must be in (0, 90)"),
        (_with(0, param1=45.0), "not both"),
        (_with(0, x=311_590_000, y=-1_219_330_000), "the launch site is the target platform"),
    ],
)
def test_every_refusal_names_the_item_and_the_rule(items: list[MissionItem], why: str) -> None:
    with pytest.raises(FlightPlanError) as refused:
        from_mission_items(items, DIRECTORY)
    assert why in str(refused.value)
