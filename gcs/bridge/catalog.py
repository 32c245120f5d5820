"""The routes the ground station ships: today's hub values to the topic tree of docs/mqtt.md.

``standard_routes()`` is what ``gcs/app.py`` hands the bridge; a module with new values adds its own
routes to that table in the composition root (``table.add(Route(...))``), without touching the bridge.

Relative to the prefix (``seaport/v1/<env>``)::

    vehicle/<sysid>/heartbeat        state    VehicleHeartbeat: phase, armed, MAV_STATE
    vehicle/<sysid>/link             state    VehicleLinkHealth: up, loss, ages, errors, round trip
    vehicle/<sysid>/events           event    VehicleLinkEvent ("event": "link_lost", ...) and
                                              VehicleStatusText ("event": "statustext")
    vehicle/<sysid>/tm/<MESSAGE>     stream   MavlinkTelemetry: every message, fields as MAVLink names them
    platform/<name>/state            state    DeckState: motion, maxima, wind over deck, station keeping
    platform/<name>/feed             state    PlatformFeedHealth: link up, sentence rates, stale inputs
    platform/<name>/motion           stream   DeckMotion: pitch, roll, heave, rates, 10-minute maxima
    platform/<name>/met              stream   PlatformWind: wind over the deck and true wind
    platform/<name>/position         stream   PlatformPosition: GNSS fix
    platform/<name>/velocity         stream   PlatformVelocity: speed and course over ground
    platform/<name>/heading          stream   PlatformHeading: true heading
    platform/<name>/station          stream   StationKeeping: error against the assigned station
    platform/<name>/events           event    PlatformLinkEvent ("event": "link_up" / "link_down")
    countdown                        state    LaunchStatusUpdate: count, hold, window, poll, go for launch
    range/safety                     state    LaunchStatusUpdate: range safety (IIP, corridor) and FTS
    range/iip                        stream   LaunchStatusUpdate: the impact point and corridor margin
    alerts                           state    LaunchStatusUpdate: the alert board (latched until acknowledged)
    delivery/events                  event    DeliveryEvent: loaded, launched, diverted, landed, secured,
                                              unloaded or aborted; parcel ids and status only
    delivery/progress                state    DeliveryStatus: last stage, landing platform, ETA
    fleet/vehicle                    state    FleetStatusUpdate: the airframe's limits and go / no-go
    gcs/bridge                       state    BridgeStats: what the bridge sent, queued and dropped

Raw telemetry keeps MAVLink's field names and units (``lat`` in degE7, ``alt`` in mm: see the
MAVLink message definitions); every other payload carries its units in its field names.
Knows the values it routes, nothing of aiomqtt or of how they are made.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from gcs.bridge.routes import Route, RouteTable, TopicClass
from gcs.bridge.values import BridgeStats
from gcs.domain.delivery import DeliveryEvent, DeliveryStatus
from gcs.domain.platform import DeckState
from gcs.fleet.station import FleetStatusUpdate
from gcs.launch.runner import LaunchStatusUpdate
from gcs.links.sea_platform_values import (
    DeckMotion,
    PlatformFeedHealth,
    PlatformHeading,
    PlatformLinkEvent,
    PlatformPosition,
    PlatformVelocity,
    PlatformWind,
    StationKeeping,
)
from gcs.links.values import (
    MavlinkTelemetry,
    VehicleHeartbeat,
    VehicleLinkEvent,
    VehicleLinkHealth,
    VehicleStatusText,
)
from gcs.views import payload_of, utc_text

VEHICLE = "vehicle/{key}"
PLATFORM = "platform/{key}"

# MAV_SEVERITY, so a viewer need not know MAVLink to tell a warning from a debug line.
_SEVERITY = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")


def heartbeat_payload(beat: VehicleHeartbeat) -> dict[str, Any]:
    body = payload_of(beat)
    phase = beat.flight_phase
    body["flight_phase"] = phase.name.lower() if phase is not None else None
    body["armed"] = beat.armed
    return body


def link_event_payload(event: VehicleLinkEvent) -> dict[str, Any]:
    return {"event": f"link_{event.kind.value}", **payload_of(event)}


def status_text_payload(text: VehicleStatusText) -> dict[str, Any]:
    body = {"event": "statustext", **payload_of(text)}
    body["severity_name"] = _SEVERITY[text.severity] if 0 <= text.severity < len(_SEVERITY) else None
    return body


def telemetry_payload(sample: MavlinkTelemetry) -> dict[str, Any]:
    """The message's own fields by their MAVLink names, with who sent it and when (UTC)."""
    msg = sample.msg
    names, values_of, maybe_bytes = _message_fields(msg)
    values = values_of(msg)
    body: dict[str, Any] = {
        "sysid": sample.sysid,
        "compid": sample.compid,
        "message": msg.get_type(),
        "unix_time_s": sample.unix_time_s,
        "time_utc": utc_text(sample.unix_time_s),
    }
    body.update(zip(names, values, strict=True))
    for i in maybe_bytes:
        value = values[i]
        # pymavlink leaves undecodable char[] fields as bytes, which JSON cannot carry.
        if isinstance(value, bytes | bytearray):
            body[names[i]] = list(value)
    return body


_Fields = tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]], tuple[int, ...]]
_fields_by_type: dict[type, _Fields] = {}


def _message_fields(msg: Any) -> _Fields:
    """A message class's field names, a getter of all their values at once, and which fields may be
    bytes (char arrays); worked out once per class, since telemetry repeats the same few."""
    kind = type(msg)
    try:
        return _fields_by_type[kind]
    except KeyError:
        pass
    names = tuple(msg.get_fieldnames())
    types = getattr(kind, "fieldtypes", None)
    if isinstance(types, list) and len(types) == len(names):
        maybe_bytes = tuple(i for i, t in enumerate(types) if t == "char")
    else:
        maybe_bytes = tuple(range(len(names)))
    values_of: Callable[[Any], tuple[Any, ...]]
    if len(names) > 1:
        values_of = operator.attrgetter(*names)
    elif names:
        one = operator.attrgetter(names[0])
        values_of = lambda m: (one(m),)  # noqa: E731 - attrgetter of one name gives no tuple
    else:
        values_of = lambda m: ()  # noqa: E731
    fields = (names, values_of, maybe_bytes)
    _fields_by_type[kind] = fields
    return fields


def link_routes() -> list[Route[Any]]:
    """The flight-computer link's values (gcs.links.values), keyed by system id."""
    return [
        Route(VehicleHeartbeat, f"{VEHICLE}/heartbeat", TopicClass.STATE, heartbeat_payload, owner=VEHICLE),
        Route(VehicleLinkHealth, f"{VEHICLE}/link", TopicClass.STATE, owner=VEHICLE),
        Route(VehicleLinkEvent, f"{VEHICLE}/events", TopicClass.EVENT, link_event_payload, owner=VEHICLE),
        Route(VehicleStatusText, f"{VEHICLE}/events", TopicClass.EVENT, status_text_payload, owner=VEHICLE),
        Route(MavlinkTelemetry, "vehicle/{key[0]}/tm/{key[1]}", TopicClass.STREAM, telemetry_payload,
              owner="vehicle/{key[0]}"),
    ]


def platform_link_event_payload(event: PlatformLinkEvent) -> dict[str, Any]:
    return {"event": f"link_{event.state.value}", **payload_of(event)}


def _stamped(update: LaunchStatusUpdate, body: dict[str, Any]) -> dict[str, Any]:
    body["unix_time_s"] = update.unix_time_s
    body["time_utc"] = utc_text(update.unix_time_s)
    return body


def countdown_payload(update: LaunchStatusUpdate) -> dict[str, Any]:
    status = update.status
    phase = status.vehicle_phase
    return _stamped(update, {
        "countdown": status.countdown,
        "poll": status.poll,
        "go_for_launch": status.go_for_launch,
        "criteria_gate": status.criteria_gate,
        "vehicle_phase": phase.name.lower() if phase is not None else None,
    })


def range_payload(update: LaunchStatusUpdate) -> dict[str, Any]:
    return _stamped(update, {"range": update.status.range, "fts": update.status.fts})


def iip_payload(update: LaunchStatusUpdate) -> dict[str, Any]:
    r = update.status.range
    return _stamped(update, {
        "iip": r.iip,
        "iip_t_s": r.iip_t_s,
        "inside_corridor": r.inside_corridor,
        "corridor": r.corridor,
        "corridor_margin_m": r.corridor_margin_m,
        "destruct_lines_crossed": r.destruct_lines_crossed,
        "data_lost": r.data_lost,
    })


def alerts_payload(update: LaunchStatusUpdate) -> dict[str, Any]:
    return _stamped(update, {"alerts": update.status.alerts})


def platform_routes() -> list[Route[Any]]:
    """The sea-platform link's values (gcs.links.sea_platform_values, DeckState), keyed by platform name."""
    return [
        Route(DeckState, f"{PLATFORM}/state", TopicClass.STATE, owner=PLATFORM),
        Route(PlatformFeedHealth, f"{PLATFORM}/feed", TopicClass.STATE, owner=PLATFORM),
        Route(DeckMotion, f"{PLATFORM}/motion", TopicClass.STREAM, owner=PLATFORM),
        Route(PlatformWind, f"{PLATFORM}/met", TopicClass.STREAM, owner=PLATFORM),
        Route(PlatformPosition, f"{PLATFORM}/position", TopicClass.STREAM, owner=PLATFORM),
        Route(PlatformVelocity, f"{PLATFORM}/velocity", TopicClass.STREAM, owner=PLATFORM),
        Route(PlatformHeading, f"{PLATFORM}/heading", TopicClass.STREAM, owner=PLATFORM),
        Route(StationKeeping, f"{PLATFORM}/station", TopicClass.STREAM, owner=PLATFORM),
        Route(PlatformLinkEvent, f"{PLATFORM}/events", TopicClass.EVENT, platform_link_event_payload,
              owner=PLATFORM),
    ]


def launch_routes() -> list[Route[Any]]:
    """Launch control's status (gcs.launch.runner), one value for the whole station (key None).

    The alert board is state: alerts latch until acknowledged, so the newest board always carries
    every alert still to be seen; alert *events* go to ``range/alerts`` once the runner puts them
    on the hub.
    """
    return [
        Route(LaunchStatusUpdate, "countdown", TopicClass.STATE, countdown_payload),
        Route(LaunchStatusUpdate, "range/safety", TopicClass.STATE, range_payload),
        Route(LaunchStatusUpdate, "range/iip", TopicClass.STREAM, iip_payload),
        Route(LaunchStatusUpdate, "alerts", TopicClass.STATE, alerts_payload),
    ]


def delivery_routes() -> list[Route[Any]]:
    """The cargo's delivery (gcs.domain.delivery) and the airframe's fleet status (gcs.fleet.station),
    for logistics and customer tracking: ids and status, never the manifest's masses or contents."""
    return [
        Route(DeliveryEvent, "delivery/events", TopicClass.EVENT),
        Route(DeliveryStatus, "delivery/progress", TopicClass.STATE),
        Route(FleetStatusUpdate, "fleet/vehicle", TopicClass.STATE),
    ]


def bridge_routes() -> list[Route[Any]]:
    """The bridge's own report, so a viewer with only the broker sees what it missed."""
    return [Route(BridgeStats, "gcs/bridge", TopicClass.STATE)]


def standard_routes() -> RouteTable:
    """Every route shipped today; the composition root adds more before starting the bridge."""
    return RouteTable([*link_routes(), *platform_routes(), *launch_routes(), *delivery_routes(),
                       *bridge_routes()])
