"""What the console shows, as JSON-ready dicts: hub values to the payloads of the stream's keys.

Keys (``KEY -> ITEM {"t", "period_s", "v"}`` on the stream; docs/console-api.md has examples)::

    launch, launch/definitions, launch/poll, launch/alerts, launch/recovery
                                LaunchStatusUpdate in parts (gcs.console.launch_parts)
    vehicle/<sysid>/heartbeat   VehicleHeartbeat: phase, armed, system_status, custom_mode, ...
    vehicle/<sysid>/link        VehicleLinkHealth
    vehicle/<sysid>/state       VehicleState from MAVLink (the launch runner's translator), with
                                attitude (ATTITUDE_QUATERNION or ATTITUDE), engines (ENGINE_STATUS),
                                tanks (TANK_STATUS) and estimated dynamic pressure and Mach
    vehicle/<sysid>/iip         IMPACT_POINT in degrees
    vehicle/<sysid>/bay         CARGO_BAY: the bay's air, shock, vibration and smoke
    platform/<name>/state       DeckState
    platform/<name>/feed        PlatformFeedHealth
    cargo/manifest              CargoStatus: the manifest's totals, problems, the vehicle's CARGO_MASS_KG
    delivery/progress           DeliveryStatus: the delivery's stage, platform and ETA
    fleet/vehicle               FleetStatusUpdate: the airframe's condition, go / no-go and reasons

``period_s`` is how often a key is expected to change (``ExpectedPeriods``); the page calls a value
stale when ``server_time_s - t > max(3 * period_s, period_s + 1)``. Knows nothing of HTTP, sockets
or the hub's mechanics; the translation from MAVLink to the domain is the links' (reused, not copied).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gcs.domain.atmosphere import dynamic_pressure_pa, mach
from gcs.domain.corridor import Corridor
from gcs.domain.delivery import CargoStatus, DeliveryStatus
from gcs.domain.geodesy import GeoPoint, destination, distance_m, initial_bearing_deg
from gcs.domain.vehicle import VehicleState
from gcs.fleet.station import FleetStatusUpdate
from gcs.launch.control import LaunchSetup
from gcs.links.sea_platform_values import PlatformFeedHealth
from gcs.links.values import MavlinkTelemetry, VehicleHeartbeat, VehicleLinkHealth
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.protocol.dialect import EngineState, seaport
from gcs.recorder.journal import JournalRecord
from gcs.views import payload_of, plain, utc_text


@dataclass(frozen=True, slots=True)
class ExpectedPeriods:
    """How often each key is expected to change, in seconds (None: only on events).

    Built by the composition root from what the station asks for: the launch tick, the vehicle's
    heartbeat interval, the SET_MESSAGE_INTERVAL rates of ``[[vehicle.message_rates]]`` (else the
    defaults below, firmware-sim's own rates), the platforms' motion rates.
    """

    launch_s: float = 0.1
    heartbeat_s: float = 1.0
    link_s: float = 1.0
    state_s: float = 0.25
    """GLOBAL_POSITION_INT: firmware-sim sends it at 4 Hz unless asked otherwise."""
    iip_s: float = 1.0
    """IMPACT_POINT: 1 Hz by default."""
    bay_s: float = 1.0
    """CARGO_BAY: 1 Hz by default."""
    platform_state_s: Mapping[str, float] = field(default_factory=dict)
    platform_state_default_s: float = 0.1
    platform_feed_s: float = 1.0
    console_s: float = 1.0

    def platform_state(self, name: str) -> float:
        return self.platform_state_s.get(name, self.platform_state_default_s)


# --- launch --------------------------------------------------------------------------------------


def clock_text(t_count_s: float) -> str:
    """``T-00:02:55`` / ``T+00:00:12``: the count time as a launch clock shows it (whole seconds)."""
    if not math.isfinite(t_count_s):
        return "T--:--:--"
    sign = "-" if t_count_s < 0 else "+"
    # T-minus counts down on whole seconds still to go, T-plus on whole seconds gone.
    total = math.ceil(-t_count_s) if t_count_s < 0 else math.floor(t_count_s)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"T{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


# --- the vehicle link ------------------------------------------------------------------------------


def _mav_state_name(value: int) -> str | None:
    entry = seaport.enums.get("MAV_STATE", {}).get(value)
    return None if entry is None else str(entry.name).removeprefix("MAV_STATE_").lower()


def heartbeat_view(beat: VehicleHeartbeat) -> dict[str, Any]:
    phase = beat.flight_phase
    body: dict[str, Any] = plain(payload_of(beat))
    body.update(phase=None if phase is None else phase.name.lower(), armed=beat.armed,
                system_status_name=_mav_state_name(beat.system_status))
    return body


def link_view(health: VehicleLinkHealth) -> dict[str, Any]:
    return dict(plain(payload_of(health)))


def _euler_deg(w: float, x: float, y: float, z: float) -> tuple[float, float, float]:
    roll = math.atan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2.0 * (w * y - z * x))))
    yaw = math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    return math.degrees(roll), math.degrees(pitch), math.degrees(yaw)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _engine_state(value: int) -> str:
    try:
        return EngineState(value).name.lower()
    except ValueError:
        return f"state {value}"


_VENT_FLAGS = (
    (seaport.TANK_VENT_FLAGS_LOX_VENT_OPEN, "lox_vent_open"),
    (seaport.TANK_VENT_FLAGS_CH4_VENT_OPEN, "ch4_vent_open"),
    (seaport.TANK_VENT_FLAGS_LOX_RELIEF_OPEN, "lox_relief_open"),
    (seaport.TANK_VENT_FLAGS_CH4_RELIEF_OPEN, "ch4_relief_open"),
)


@dataclass(frozen=True, slots=True)
class Produced:
    """A key of one vehicle that changed: ``vehicle/<sysid>/<suffix>`` at ``t_s`` with ``payload``."""

    suffix: str
    t_s: float
    payload: dict[str, Any]


class VehicleView:
    """One vehicle's ``state`` and ``iip`` keys, built from its MAVLink messages in order.

    Position and phase come from ``VehicleTelemetryTranslator`` (the launch runner's own mapping),
    the rest from the messages' fields, kept until the next position makes a new state.
    """

    def __init__(self, sysid: int) -> None:
        self.sysid = sysid
        self._translator = VehicleTelemetryTranslator()
        self._attitude: dict[str, float | None] = {}
        self._engines: dict[int, dict[str, Any]] = {}
        self._tanks: dict[str, Any] | None = None

    def feed(self, telemetry: MavlinkTelemetry) -> Produced | None:
        msg = telemetry.msg
        name = telemetry.name
        t_s = telemetry.unix_time_s
        match name:
            case "GLOBAL_POSITION_INT":
                state = self._translator.translate(msg, t_s).state
                if state is not None:
                    return Produced("state", t_s, self._state(state))
            case "HEARTBEAT":
                # The translator's phase. Only these two messages make its state: the samples it
                # makes of the others are launch control's, so the console does not have them made.
                self._translator.translate(msg, t_s)
            case "ATTITUDE_QUATERNION":
                w, x, y, z = msg.q1, msg.q2, msg.q3, msg.q4
                roll, pitch, yaw = _euler_deg(w, x, y, z)
                # Body x (the long axis) in NED: well defined when the vehicle stands on its tail,
                # where roll and yaw are not (pitch 90°).
                nose = (1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y))
                self._attitude = {"roll_deg": roll, "pitch_deg": pitch, "yaw_deg": yaw,
                                  "body_rate_dps": _rate_dps(msg), **_nose(nose)}
            case "ATTITUDE":
                cp, sp = math.cos(msg.pitch), math.sin(msg.pitch)
                nose = (cp * math.cos(msg.yaw), cp * math.sin(msg.yaw), -sp)
                self._attitude = {"roll_deg": math.degrees(msg.roll), "pitch_deg": math.degrees(msg.pitch),
                                  "yaw_deg": math.degrees(msg.yaw), "body_rate_dps": _rate_dps(msg),
                                  **_nose(nose)}
            case "ENGINE_STATUS":
                self._engines[int(msg.engine_id)] = {
                    "engine_id": int(msg.engine_id),
                    "state": _engine_state(int(msg.state)),
                    "chamber_pressure_pa": _finite(msg.chamber_pressure_pa),
                    "thrust_n": _finite(msg.thrust_n),
                    "throttle_pct": _finite(msg.throttle_pct),
                    "gimbal_pitch_deg": _finite(msg.gimbal_pitch_deg),
                    "gimbal_yaw_deg": _finite(msg.gimbal_yaw_deg),
                    "mixture_ratio": _finite(msg.mixture_ratio),
                    "ignition_count": int(msg.ignition_count),
                }
            case "TANK_STATUS":
                self._tanks = {
                    "lox_mass_kg": _finite(msg.lox_mass_kg),
                    "ch4_mass_kg": _finite(msg.ch4_mass_kg),
                    "lox_pressure_pa": _finite(msg.lox_pressure_pa),
                    "ch4_pressure_pa": _finite(msg.ch4_pressure_pa),
                    "lox_temperature_k": _finite(msg.lox_temperature_k),
                    "ch4_temperature_k": _finite(msg.ch4_temperature_k),
                    "vents_open": [name for flag, name in _VENT_FLAGS if int(msg.vent_state) & flag],
                }
            case "IMPACT_POINT":
                return Produced("iip", t_s, {
                    "lat_deg": msg.lat_deg_e7 / 1e7,
                    "lon_deg": msg.lon_deg_e7 / 1e7,
                    "time_to_impact_s": _finite(msg.time_to_impact_s),
                    "dispersion_major_m": _finite(msg.dispersion_major_m),
                    "dispersion_minor_m": _finite(msg.dispersion_minor_m),
                    "dispersion_azimuth_deg": _finite(msg.dispersion_azimuth_deg),
                    "inside_corridor": bool(msg.inside_corridor),
                })
            case "CARGO_BAY":
                return Produced("bay", t_s, bay_view(msg))
        return None

    def _state(self, state: VehicleState) -> dict[str, Any]:
        speed = state.speed_mps
        engines = [self._engines[k] for k in sorted(self._engines)]
        thrusts = [e["thrust_n"] for e in engines if e["thrust_n"] is not None]
        return {
            "latitude_deg": state.latitude_deg,
            "longitude_deg": state.longitude_deg,
            "altitude_m": state.altitude_m,
            "velocity_north_mps": state.velocity_north_mps,
            "velocity_east_mps": state.velocity_east_mps,
            "velocity_down_mps": state.velocity_down_mps,
            "speed_mps": speed,
            "horizontal_speed_mps": state.horizontal_speed_mps,
            "vertical_speed_up_mps": state.vertical_speed_up_mps,
            "phase": state.phase.name.lower(),
            "time_boot_ms": state.time_boot_ms,
            # Estimates from the standard atmosphere and the Earth-relative speed (no wind known).
            "dynamic_pressure_pa": dynamic_pressure_pa(state.altitude_m, speed),
            "mach": mach(state.altitude_m, speed),
            "roll_deg": self._attitude.get("roll_deg"),
            "pitch_deg": self._attitude.get("pitch_deg"),
            "yaw_deg": self._attitude.get("yaw_deg"),
            "body_rate_dps": self._attitude.get("body_rate_dps"),
            "nose_elevation_deg": self._attitude.get("nose_elevation_deg"),
            "nose_azimuth_deg": self._attitude.get("nose_azimuth_deg"),
            "engine": {
                "engines": engines,
                "thrust_n": sum(thrusts) if engines else None,
                "running": any(e["state"] in ("ignition", "running") for e in engines) if engines else None,
            },
            "tanks": self._tanks,
        }


def _nose(axis_ned: tuple[float, float, float]) -> dict[str, float | None]:
    north, east, down = axis_ned
    elevation = math.degrees(math.asin(max(-1.0, min(1.0, -down))))
    horizontal = math.hypot(north, east)
    azimuth = math.degrees(math.atan2(east, north)) % 360.0 if horizontal > 1e-6 else None
    return {"nose_elevation_deg": elevation, "nose_azimuth_deg": azimuth}


def _rate_dps(msg: Any) -> float:
    return math.degrees(math.sqrt(msg.rollspeed**2 + msg.pitchspeed**2 + msg.yawspeed**2))


def bay_view(msg: Any) -> dict[str, Any]:
    """One CARGO_BAY message, named as the catalogue's ``cargo_bay.*`` fields (so the page can find the
    red lines that watch each value): the message's ``vibration_g_rms`` is ``vibration_rms_g``."""
    return {
        "temperature_degc": _finite(msg.temperature_degc),
        "humidity_pct": _finite(msg.humidity_pct),
        "pressure_pa": _finite(msg.pressure_pa),
        "peak_shock_g": _finite(msg.peak_shock_g),
        "vibration_rms_g": _finite(msg.vibration_g_rms),
        "smoke_detected": bool(msg.smoke_detected),
    }


# --- cargo, delivery, fleet ------------------------------------------------------------------------


def cargo_view(status: CargoStatus) -> dict[str, Any]:
    """The manifest as loaded and checked, and the vehicle's word on its mass."""
    held = status.vehicle_mass_kg
    error = None if held is None or not math.isfinite(status.mass_kg) else abs(held - status.mass_kg)
    return {
        "source": status.source,
        "ok": status.ok,
        "parcels": status.parcels,
        "mass_kg": _finite(status.mass_kg),
        "volume_m3": _finite(status.volume_m3),
        "cg_axial_m": _finite(status.cg_axial_m),
        "cg_lateral_m": _finite(status.cg_lateral_m),
        "by_class": [{"handling_class": name, "parcels": count} for name, count in status.by_class],
        "problems": list(status.problems),
        "vehicle_mass_kg": None if held is None else _finite(held),
        "mass_error_kg": error,
        "confirmed": status.confirmed,
    }


def delivery_view(status: DeliveryStatus) -> dict[str, Any]:
    """The delivery's last stage (``null`` before the first), destination and ETA."""
    eta = status.eta_unix_s
    return {
        "flight_id": status.flight_id,
        "stage": None if status.stage is None else status.stage.value,
        "platform": status.platform,
        "eta_unix_s": eta,
        "eta_utc": None if eta is None else utc_text(eta),
        "eta_basis": status.eta_basis or None,
        "parcels": status.parcels,
    }


def fleet_view(update: FleetStatusUpdate) -> dict[str, Any]:
    """The airframe's condition: go or no-go, why, and the limits it has reached."""
    status = update.status
    return {
        "vehicle_id": status.vehicle_id,
        "vehicle_type": status.vehicle_type,
        "condition": status.condition.value,
        "go": status.go,
        "summary": status.summary,
        "reasons": list(status.reasons),
        "reached": [{
            "limit": usage.limit.name,
            "level": usage.limit.level.value,
            "metric": usage.limit.metric.value,
            "value": usage.value,
            "limit_value": usage.limit.value,
            "flight_id": usage.flight_id,
            "since_utc": None if usage.since_utc is None else usage.since_utc.isoformat(),
            "text": usage.text,
        } for usage in status.reached],
        "unix_time_s": update.unix_time_s,
        "time_utc": utc_text(update.unix_time_s),
    }


# --- platforms -------------------------------------------------------------------------------------


def platform_feed_view(feed: PlatformFeedHealth) -> dict[str, Any]:
    body = dict(plain(payload_of(feed)))
    body["fresh"] = feed.fresh
    return body


# --- the journal -----------------------------------------------------------------------------------


def journal_entry(record: JournalRecord) -> dict[str, Any]:
    """One journal record as the stream and ``GET journal`` give it."""
    return {
        "seq": record.seq,
        "unix_time_s": record.t_unix_s,
        "utc": record.t_iso,
        "kind": record.kind.value,
        "source": record.source,
        "who": record.who,
        "payload": plain(record.payload),
    }


# --- mission facts for the page (the hello message) ---------------------------------------------


def corridor_polygon(corridor: Corridor, step_m: float = 50_000.0) -> list[list[float]]:
    """The corridor's edge as a closed [lat, lon] ring: left edge forward, right edge back.

    Each centreline segment is cut into pieces of at most ``step_m`` so the edge follows the
    great circle; longitudes are wrapped to [-180, 180) (a ring may cross the antimeridian).
    """
    points = _densify(corridor.centreline, step_m)
    left: list[list[float]] = []
    right: list[list[float]] = []
    for i, point in enumerate(points):
        ahead = points[min(i + 1, len(points) - 1)]
        behind = points[max(i - 1, 0)]
        bearing = initial_bearing_deg(behind, ahead) if ahead != behind else 0.0
        for side, out in ((-90.0, left), (90.0, right)):
            edge = destination(point, bearing + side, corridor.half_width_m)
            out.append([round(edge.latitude_deg, 5), round(edge.longitude_deg, 5)])
    ring = left + right[::-1]
    return [*ring, ring[0]]


def _densify(points: tuple[GeoPoint, ...], step_m: float) -> list[GeoPoint]:
    out = [points[0]]
    for a, b in itertools.pairwise(points):
        pieces = max(1, math.ceil(distance_m(a, b) / step_m))
        bearing = initial_bearing_deg(a, b)
        length = distance_m(a, b)
        for k in range(1, pieces):
            out.append(destination(a, bearing, length * k / pieces))
        out.append(b)
    return out


def mission_facts(setup: LaunchSetup | None, vehicle_sysid: int, platforms: list[str]) -> dict[str, Any]:
    """Static facts of the mission for the page: sites, corridor, deck limits, stations, recycle points."""
    facts: dict[str, Any] = {"vehicle_sysid": vehicle_sysid, "platforms": platforms}
    if setup is None:
        facts.update(sites={}, corridor=[], corridors=[], destruct_lines=[], deck_limits=None, stations=[],
                     recycle_points=[], countdown=None, recovery_items=[])
        return facts
    r = setup.range
    sites = {slot: plain(site) for slot, site in (("launch", r.launch), ("landing", r.landing),
                                                  ("alternate", r.alternate)) if site is not None}
    facts.update(
        sites=sites,
        corridor=[corridor_polygon(c) for c in r.corridors],
        corridors=[{"name": c.name, "half_width_m": c.half_width_m,
                    "centreline": [[p.latitude_deg, p.longitude_deg] for p in c.centreline]}
                   for c in r.corridors],
        destruct_lines=[{"name": d.name, "forbidden_side": d.forbidden_side.value,
                         "points": [[p.latitude_deg, p.longitude_deg] for p in d.points]}
                        for d in r.destruct_lines],
        deck_limits=plain(setup.deck_limits),
        stations=[{"name": s.name, "title": s.title, "role": s.role.value} for s in setup.timeline.stations],
        recycle_points=[{"name": p.name, "t_s": p.t_s} for p in setup.timeline.recycle_points],
        countdown={"name": setup.timeline.name, "start_t_s": setup.timeline.start_t_s,
                   "handoff_t_s": setup.timeline.handoff_t_s,
                   "events": [plain(e) for e in setup.timeline.events]},
        recovery_items=[plain(i) for i in setup.recovery],
        fts_confirm_window_s=r.fts_confirm_window_s,
    )
    return facts
