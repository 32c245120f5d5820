"""The flight plan as MAVLink mission items (``_INT`` form) and back, with reasons for every refusal.

A flight plan travels as one ordinary mission (MAV_MISSION_TYPE_MISSION), so any ground station
that can upload a mission can upload it, and a stock one shows it sensibly (a takeoff, a route, a
landing):

- seq 0, NAV_TAKEOFF (22) in GLOBAL_RELATIVE_ALT_INT at the launch site: z is the target apogee
  above the launch site in m, param1 the burnout flight-path angle in deg (0 for either: guidance
  picks), param2 the mission kind (1 hop test, 2 cargo hop; 0: judged from the distance).
- seq 1..n, NAV_WAYPOINT (16) in GLOBAL_INT: the corridor points, in order.
- seq n+1, NAV_LAND (21) in GLOBAL_INT at the target platform's station: param2
  PRECISION_LAND_MODE_REQUIRED, param3 the platform's system id (0: the known platform nearest).
- optionally DO_LAND_START (189), then NAV_LAND (21) at the alternate platform, as the target.

Corridor points are waypoints along the planned ground track, not a fence polygon: the flight
follows them in order, and a waypoint list is what every ground station draws as a route. The
alternate sits behind DO_LAND_START, MAVLink's marker for a landing sequence that a mission only
enters when told to (here: a DIVERT), so a normal flight ends at the first NAV_LAND.

Platforms are named in the flight software (deck broadcasts carry a platform's name), but a
mission item can only carry numbers: ``PlatformDirectory`` maps MAVLink system ids to the
platforms the vehicle knows, and a landing item names one by id, or by position (the nearest
known platform within ``NEAREST_PLATFORM_M``).

Knows nothing of sockets or of the mission protocol's messages: items here are plain values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from firmware_sim.firmware.flight_plan_types import FlightPlan, GeoPoint, MissionKind, PlatformSite
from gcs.protocol.dialect import seaport

NEAREST_PLATFORM_M = 10_000.0
"""A landing item without a platform id names the known platform nearest it, if within this distance."""

CARGO_DISTANCE_M = 100_000.0
"""With no mission kind given, a target farther than this from the launch site makes a cargo hop."""

MAX_CORRIDOR_POINTS = 64

_EARTH_RADIUS_M = 6_371_008.8
_GLOBAL_FRAMES = frozenset(
    {
        seaport.MAV_FRAME_GLOBAL,
        seaport.MAV_FRAME_GLOBAL_INT,
        seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT,
        seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
    }
)
_CMD_TAKEOFF = seaport.MAV_CMD_NAV_TAKEOFF
_CMD_WAYPOINT = seaport.MAV_CMD_NAV_WAYPOINT
_CMD_LAND = seaport.MAV_CMD_NAV_LAND
_CMD_LAND_START = seaport.MAV_CMD_DO_LAND_START


class FlightPlanError(ValueError):
    """Mission items that do not make a flight plan; the message says which item and why."""


@dataclass(frozen=True, slots=True)
class MissionItem:
    """One mission item in MISSION_ITEM_INT terms: x and y are degE7 integers in global frames."""

    command: int
    frame: int = seaport.MAV_FRAME_GLOBAL_INT
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: int = 0
    y: int = 0
    z: float = 0.0
    autocontinue: int = 1

    @property
    def latitude_deg(self) -> float:
        return self.x / 1e7

    @property
    def longitude_deg(self) -> float:
        return self.y / 1e7


@dataclass(frozen=True, slots=True)
class KnownPlatform:
    system_id: int
    site: PlatformSite


class PlatformDirectory:
    """The platforms this vehicle knows: MAVLink system id, name and nominal station."""

    def __init__(self, platforms: Iterable[KnownPlatform] = ()) -> None:
        self._by_id: dict[int, KnownPlatform] = {}
        for platform in platforms:
            if platform.system_id in self._by_id:
                raise ValueError(f"two platforms with system id {platform.system_id}")
            self._by_id[platform.system_id] = platform

    def __iter__(self) -> Iterator[KnownPlatform]:
        return iter(self._by_id.values())

    def by_id(self, system_id: int) -> KnownPlatform | None:
        return self._by_id.get(system_id)

    def id_of(self, name: str) -> int:
        """The system id of the platform called ``name``, or 0 if it is not in the directory."""
        return next((p.system_id for p in self._by_id.values() if p.site.name == name), 0)

    def nearest(self, point: GeoPoint, within_m: float) -> KnownPlatform | None:
        best = min(self._by_id.values(), key=lambda p: distance_m(point, p.site.point), default=None)
        if best is None or distance_m(point, best.site.point) > within_m:
            return None
        return best

    def describe(self) -> str:
        return ", ".join(f"{p.system_id}={p.site.name}" for p in self._by_id.values()) or "none"


def distance_m(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius (ample for naming platforms)."""
    lat1, lat2 = math.radians(a.latitude_deg), math.radians(b.latitude_deg)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude_deg - a.longitude_deg)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _e7(degrees: float) -> int:
    return round(degrees * 1e7)


def to_mission_items(plan: FlightPlan, directory: PlatformDirectory) -> list[MissionItem]:
    """The mission a ground station reads back for ``plan``."""
    items = [
        MissionItem(
            _CMD_TAKEOFF,
            seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            param1=plan.burnout_flight_path_angle_deg or 0.0,
            param2=float(int(plan.mission) + 1),
            x=_e7(plan.launch_latitude_deg),
            y=_e7(plan.launch_longitude_deg),
            z=plan.target_apogee_m or 0.0,
        )
    ]
    items.extend(
        MissionItem(_CMD_WAYPOINT, x=_e7(point.latitude_deg), y=_e7(point.longitude_deg))
        for point in plan.corridor
    )
    items.append(_landing(plan.target, directory))
    if plan.alternate is not None:
        items.append(MissionItem(_CMD_LAND_START))
        items.append(_landing(plan.alternate, directory))
    return items


def _landing(site: PlatformSite, directory: PlatformDirectory) -> MissionItem:
    return MissionItem(
        _CMD_LAND,
        param2=float(seaport.PRECISION_LAND_MODE_REQUIRED),
        param3=float(directory.id_of(site.name)),
        x=_e7(site.latitude_deg),
        y=_e7(site.longitude_deg),
    )


def from_mission_items(items: Sequence[MissionItem], directory: PlatformDirectory) -> FlightPlan:
    """The flight plan ``items`` describe.

    Raises:
        FlightPlanError: the items are not a flight plan (the message names the item and the rule).
    """
    if not items:
        raise FlightPlanError("empty mission: a flight plan needs a NAV_TAKEOFF and a NAV_LAND")
    for seq, item in enumerate(items):
        _check_item(seq, item)
    takeoff = items[0]
    if takeoff.command != _CMD_TAKEOFF:
        found = _name(takeoff.command)
        raise FlightPlanError(f"item 0: expected NAV_TAKEOFF at the launch site, got {found}")
    seq = 1
    corridor: list[GeoPoint] = []
    while seq < len(items) and items[seq].command == _CMD_WAYPOINT:
        corridor.append(GeoPoint(items[seq].latitude_deg, items[seq].longitude_deg))
        seq += 1
    if len(corridor) > MAX_CORRIDOR_POINTS:
        raise FlightPlanError(f"{len(corridor)} corridor points; at most {MAX_CORRIDOR_POINTS}")
    if seq == len(items) or items[seq].command != _CMD_LAND:
        found = _name(items[seq].command) if seq < len(items) else "the end of the mission"
        raise FlightPlanError(f"item {seq}: expected NAV_LAND at the target platform, got {found}")
    target = _platform(seq, items[seq], directory)
    seq += 1
    alternate = None
    if seq < len(items):
        rest = [item.command for item in items[seq:]]
        if rest[:2] != [_CMD_LAND_START, _CMD_LAND]:
            raise FlightPlanError(
                f"item {seq}: after the target only DO_LAND_START then NAV_LAND (the alternate) may follow, "
                f"got {_name(items[seq].command)}"
            )
        alternate = _platform(seq + 1, items[seq + 1], directory)
        seq += 2
        if seq < len(items):
            raise FlightPlanError(f"item {seq}: nothing may follow the alternate landing")
        if alternate.name == target.name:
            raise FlightPlanError(f"item {seq - 1}: the alternate is the target platform ({target.name})")
    launch = GeoPoint(takeoff.latitude_deg, takeoff.longitude_deg)
    if distance_m(launch, target.point) < 1.0:
        raise FlightPlanError("item 0: the launch site is the target platform")
    try:
        return FlightPlan(
            mission=_mission_kind(takeoff, launch, target),
            launch_latitude_deg=launch.latitude_deg,
            launch_longitude_deg=launch.longitude_deg,
            target=target,
            alternate=alternate,
            corridor=tuple(corridor),
            target_apogee_m=takeoff.z if takeoff.z > 0 else None,
            burnout_flight_path_angle_deg=takeoff.param1 if takeoff.param1 != 0 else None,
        )
    except ValueError as exc:
        raise FlightPlanError(f"item 0: {exc}") from None


def _check_item(seq: int, item: MissionItem) -> None:
    if item.command not in (_CMD_TAKEOFF, _CMD_WAYPOINT, _CMD_LAND, _CMD_LAND_START):
        raise FlightPlanError(f"item {seq}: {_name(item.command)} has no place in a flight plan")
    if item.command == _CMD_LAND_START:
        return
    if item.frame not in _GLOBAL_FRAMES:
        raise FlightPlanError(f"item {seq}: frame {item.frame} is not a global (latitude/longitude) frame")
    if not (-900_000_000 <= item.x <= 900_000_000 and -1_800_000_000 <= item.y <= 1_800_000_000):
        raise FlightPlanError(f"item {seq}: position {item.x}, {item.y} (degE7) is off the globe")
    values = (item.param1, item.param2, item.param3, item.z)
    if not all(math.isfinite(v) for v in values):
        raise FlightPlanError(f"item {seq}: parameters must be finite numbers")


def _platform(seq: int, item: MissionItem, directory: PlatformDirectory) -> PlatformSite:
    point = GeoPoint(item.latitude_deg, item.longitude_deg)
    system_id = int(item.param3)
    if system_id != item.param3 or not 0 <= system_id <= 255:
        raise FlightPlanError(f"item {seq}: param3 {item.param3:g} is not a platform system id")
    if system_id:
        known = directory.by_id(system_id)
        if known is None:
            raise FlightPlanError(
                f"item {seq}: no platform with system id {system_id} (known: {directory.describe()})"
            )
    else:
        known = directory.nearest(point, NEAREST_PLATFORM_M)
        if known is None:
            raise FlightPlanError(
                f"item {seq}: no known platform within {NEAREST_PLATFORM_M / 1000:g} km of "
                f"{point.latitude_deg:.5f}, {point.longitude_deg:.5f} (known: {directory.describe()})"
            )
    return PlatformSite(known.site.name, point.latitude_deg, point.longitude_deg)


def _mission_kind(takeoff: MissionItem, launch: GeoPoint, target: PlatformSite) -> MissionKind:
    if takeoff.param2 == 0:
        far = distance_m(launch, target.point) > CARGO_DISTANCE_M
        return MissionKind.CARGO_P2P if far else MissionKind.HOP_TEST
    try:
        return MissionKind(int(takeoff.param2) - 1)
    except ValueError:
        raise FlightPlanError(
            f"item 0: param2 {takeoff.param2:g} is not a mission kind "
            "(1 hop test, 2 cargo hop, 0 from the distance)"
        ) from None


def _name(command: int) -> str:
    entry = seaport.enums["MAV_CMD"].get(command)
    return str(entry.name).removeprefix("MAV_CMD_") if entry is not None else f"command {command}"
