"""The mission's flight plan as MAVLink mission items, built from the range file.

The range file already names everything the vehicle must know of where it flies: the launch site,
the landing platform, the alternate and the corridor. The plan is one ordinary mission
(MAV_MISSION_TYPE_MISSION) with ``_INT`` items, so a stock ground station shows it as a takeoff, a
route and a landing:

- seq 0, NAV_TAKEOFF in GLOBAL_RELATIVE_ALT_INT at the launch site (z: target apogee above it, 0 to
  let guidance pick; param2: mission kind, 0 to let the vehicle judge it from the distance);
- seq 1..n, NAV_WAYPOINT in GLOBAL_INT: the corridor's centreline, in order;
- NAV_LAND in GLOBAL_INT at the landing platform's station, precision landing required (param2),
  the platform named by position (param3 = 0: the vehicle's known platform nearest the station);
- with an alternate: DO_LAND_START, then NAV_LAND at the alternate (entered only on a divert).

The vehicle's side of this layout is written independently (firmware_sim/firmware/flight_plan.py)
and the two meet only on the wire. Knows nothing of the mission protocol's exchanges or of sockets.
"""

from __future__ import annotations

from gcs.domain.platform import PlatformSite
from gcs.errors import LaunchControlError
from gcs.launch.range_safety import RangeConfig
from gcs.links.mission import MissionItem
from gcs.protocol.dialect import seaport

MAX_CORRIDOR_POINTS = 64
"""As many corridor waypoints as the flight computer keeps; a longer centreline is refused here."""

PRECISION_LAND_MODE_REQUIRED = 2.0


def _deg_e7(value_deg: float) -> int:
    return round(value_deg * 1e7)


def _land(site: PlatformSite) -> MissionItem:
    return MissionItem(
        command=seaport.MAV_CMD_NAV_LAND,
        frame=seaport.MAV_FRAME_GLOBAL_INT,
        params=(0.0, PRECISION_LAND_MODE_REQUIRED, 0.0, 0.0),
        x=_deg_e7(site.latitude_deg),
        y=_deg_e7(site.longitude_deg),
        z=site.deck_height_m,
    )


def flight_plan_items(
    range_: RangeConfig,
    *,
    corridor: str | None = None,
    target_apogee_m: float = 0.0,
    with_alternate: bool = True,
) -> tuple[MissionItem, ...]:
    """The flight plan for ``range_``: launch, corridor ``corridor`` (default: the first), landing, and
    the alternate if the range has one and ``with_alternate`` (the vehicle refuses a plan whose
    alternate is not a platform it knows).

    Raises:
        LaunchControlError: no such corridor, or more corridor points than the vehicle keeps.
    """
    corridors = {c.name: c for c in range_.corridors}
    if corridor is not None and corridor not in corridors:
        raise LaunchControlError(
            f"range {range_.name!r} has no corridor {corridor!r} (has: {', '.join(corridors) or 'none'})"
        )
    chosen = corridors.get(corridor) if corridor is not None else (
        range_.corridors[0] if range_.corridors else None
    )
    points = chosen.centreline if chosen is not None else ()
    if len(points) > MAX_CORRIDOR_POINTS:
        raise LaunchControlError(
            f"corridor {chosen.name if chosen else ''!r}: {len(points)} points, the vehicle keeps at most "
            f"{MAX_CORRIDOR_POINTS}"
        )
    launch = range_.launch
    items = [
        MissionItem(
            command=seaport.MAV_CMD_NAV_TAKEOFF,
            frame=seaport.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            params=(0.0, 0.0, 0.0, 0.0),
            x=_deg_e7(launch.latitude_deg),
            y=_deg_e7(launch.longitude_deg),
            z=target_apogee_m,
        )
    ]
    items += [
        MissionItem(
            command=seaport.MAV_CMD_NAV_WAYPOINT,
            frame=seaport.MAV_FRAME_GLOBAL_INT,
            x=_deg_e7(point.latitude_deg),
            y=_deg_e7(point.longitude_deg),
        )
        for point in points
    ]
    items.append(_land(range_.landing))
    if with_alternate and range_.alternate is not None:
        items.append(MissionItem(command=seaport.MAV_CMD_DO_LAND_START, frame=seaport.MAV_FRAME_MISSION))
        items.append(_land(range_.alternate))
    return tuple(items)
