"""The ground's flight plan, built from the range file, is a plan the flight computer accepts.

The two sides of the mission layout are written independently (gcs/launch/flight_plan.py and
firmware_sim/firmware/flight_plan.py); here the vehicle's own parser reads what the ground builds.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from firmware_sim.firmware import flight_plan as vehicle_plan
from firmware_sim.firmware.flight_plan_types import MissionKind
from firmware_sim.firmware.flight_plan_types import PlatformSite as VehicleSite
from gcs.errors import LaunchControlError
from gcs.launch.flight_plan import MAX_CORRIDOR_POINTS, flight_plan_items
from gcs.launch.range_safety import load_range
from gcs.links.mission import MissionItem
from gcs.protocol.dialect import seaport

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def _as_vehicle_items(items: tuple[MissionItem, ...]) -> list[vehicle_plan.MissionItem]:
    return [
        vehicle_plan.MissionItem(command=i.command, frame=i.frame, param1=i.params[0], param2=i.params[1],
                                 param3=i.params[2], param4=i.params[3], x=i.x, y=i.y, z=i.z)
        for i in items
    ]


def _directory(*sites: tuple[int, str, float, float]) -> vehicle_plan.PlatformDirectory:
    return vehicle_plan.PlatformDirectory(
        vehicle_plan.KnownPlatform(sysid, VehicleSite(name, lat, lon)) for sysid, name, lat, lon in sites
    )


def test_the_cargo_plan_is_read_back_by_the_flight_computer_with_its_corridor_and_alternate() -> None:
    range_ = load_range(CONFIGS / "range" / "cargo-hop.toml")
    items = flight_plan_items(range_)
    directory = _directory(
        (2, "landing-barge", 31.159, -121.933), (4, "alternate-barge", 31.533, -122.388)
    )
    plan = vehicle_plan.from_mission_items(_as_vehicle_items(items), directory)
    assert plan.mission is MissionKind.CARGO_P2P
    assert plan.target.name == "landing-barge"
    assert plan.alternate is not None
    assert plan.alternate.name == "alternate-barge"
    assert len(plan.corridor) == len(range_.corridors[0].centreline)
    assert (plan.launch_latitude_deg, plan.launch_longitude_deg) == pytest.approx((36.5, 121.6))
    assert plan.target_apogee_m is None  # guidance picks


def test_without_the_alternate_the_plan_ends_at_the_target() -> None:
    range_ = load_range(CONFIGS / "range" / "cargo-hop.toml")
    items = flight_plan_items(range_, with_alternate=False)
    assert items[-1].command == seaport.MAV_CMD_NAV_LAND
    assert seaport.MAV_CMD_DO_LAND_START not in [i.command for i in items]
    plan = vehicle_plan.from_mission_items(
        _as_vehicle_items(items), _directory((2, "landing-barge", 31.159, -121.933))
    )
    assert plan.alternate is None


def test_the_hop_plan_is_a_hop_to_the_barge() -> None:
    items = flight_plan_items(load_range(CONFIGS / "range" / "hop.toml"), target_apogee_m=2500.0)
    plan = vehicle_plan.from_mission_items(
        _as_vehicle_items(items), _directory((2, "hop-barge", 36.5, 121.6045))
    )
    assert plan.mission is MissionKind.HOP_TEST
    assert plan.target.name == "hop-barge"
    assert plan.target_apogee_m == 2500.0


def test_an_unknown_corridor_or_too_long_a_centreline_is_refused_with_the_reason() -> None:
    range_ = load_range(CONFIGS / "range" / "cargo-hop.toml")
    with pytest.raises(LaunchControlError, match=r"no corridor 'wide'.*has: nominal"):
        flight_plan_items(range_, corridor="wide")
    corridor = range_.corridors[0]
    long_line = type(corridor)(corridor.name, corridor.centreline * 4, corridor.half_width_m)
    too_long = type(range_)(**{**{f: getattr(range_, f) for f in range_.__dataclass_fields__},
                              "corridors": (long_line,)})
    assert len(long_line.centreline) > MAX_CORRIDOR_POINTS
    with pytest.raises(LaunchControlError, match=f"at most {MAX_CORRIDOR_POINTS}"):
        flight_plan_items(too_long)


@pytest.mark.parametrize(
    ("range_file", "site", "platform_file"),
    [
        ("cargo-hop.toml", "launch", "launch-platform.toml"),
        ("cargo-hop.toml", "landing", "landing-barge.toml"),
        ("hop.toml", "launch", "launch-platform.toml"),
        ("hop.toml", "landing", "hop-barge.toml"),
    ],
)
def test_range_sites_are_where_the_platform_files_put_the_platforms(
    range_file: str, site: str, platform_file: str
) -> None:
    """The plan flies to the range file's sites; the simulator puts platforms where their files say."""
    platform = tomllib.loads((CONFIGS / "platforms" / platform_file).read_text())
    range_site = getattr(load_range(CONFIGS / "range" / range_file), site)
    assert range_site.name == platform["name"]
    assert (range_site.latitude_deg, range_site.longitude_deg, range_site.deck_height_m) == pytest.approx(
        (platform["position"]["latitude_deg"], platform["position"]["longitude_deg"],
         platform["position"]["deck_height_m"])
    )
