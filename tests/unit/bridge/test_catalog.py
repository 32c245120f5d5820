"""The shipped routes, with the real values of the links: topics, classes and JSON payloads."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from types import MappingProxyType, SimpleNamespace
from typing import Any

import orjson
import pytest

from gcs.bridge.catalog import standard_routes
from gcs.bridge.routes import TopicClass
from gcs.bridge.values import BridgeStats
from gcs.domain.geodesy import GeoPoint
from gcs.domain.iip import IipStatus, ImpactPoint
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import DeckState
from gcs.launch.alerts import Alert, AlertState, Severity
from gcs.launch.countdown import Countdown
from gcs.launch.fts import FtsState, FtsStatus
from gcs.launch.gates import Gate
from gcs.launch.poll import PollState, PollStatus
from gcs.launch.range_safety import RangeStatus
from gcs.launch.runner import LaunchStatusUpdate
from gcs.launch.timeline import load_timeline
from gcs.links.sea_platform_settings import FeedKind
from gcs.links.sea_platform_values import PlatformFeedHealth, PlatformLinkEvent, PlatformWind
from gcs.links.values import (
    LinkEventKind,
    MavlinkTelemetry,
    VehicleHeartbeat,
    VehicleLinkEvent,
    VehicleLinkHealth,
    VehicleStatusText,
)
from gcs.protocol.dialect import seaport
from gcs.protocol.nmea import StreamCounters
from gcs.transport.link import LinkState
from gcs.views import encode

REPO = Path(__file__).resolve().parents[3]
PREFIX = "seaport/v1/dev"
T = 1_800_000_000.0


def published(value: object, key: Hashable) -> list[tuple[str, TopicClass, dict[str, Any], str | None]]:
    out = []
    for c in standard_routes().for_kind(type(value)):
        topic = c.topic.render(PREFIX, key, value)
        assert topic is not None
        owner = c.owner.render(PREFIX, key, value) if c.owner else None
        out.append((topic, c.route.topic_class, orjson.loads(encode(c.route.serialize(value))), owner))
    return out


def test_a_heartbeat_is_retained_state_with_its_phase_by_name() -> None:
    armed = seaport.MAV_MODE_FLAG_SAFETY_ARMED
    beat = VehicleHeartbeat(1, 1, seaport.MAV_TYPE_ROCKET, 0, armed, 4, 4, 3, T, 9.0)
    [(topic, cls, body, owner)] = published(beat, 1)
    assert (topic, cls, owner) == (f"{PREFIX}/vehicle/1/heartbeat", TopicClass.STATE, f"{PREFIX}/vehicle/1")
    assert body["flight_phase"] == "ascent"
    assert body["armed"] is True
    assert body["time_utc"] == "2027-01-15T08:00:00.000000Z"
    assert "monotonic_s" not in body


def test_link_health_is_state_and_link_events_and_statustext_share_the_events_topic() -> None:
    health = VehicleLinkHealth(1, True, 0.5, 0.1, 0.0, 0.0, 100, 0, 0, 0, 0, 0.02, T, 1.0)
    [(topic, cls, body, _)] = published(health, 1)
    assert (topic, cls) == (f"{PREFIX}/vehicle/1/link", TopicClass.STATE)
    assert body["rtt_s"] == 0.02

    lost = VehicleLinkEvent(1, LinkEventKind.LOST, "5 heartbeats missed", 5.2, T, 2.0)
    [(topic, cls, body, _)] = published(lost, 1)
    assert (topic, cls) == (f"{PREFIX}/vehicle/1/events", TopicClass.EVENT)
    assert (body["event"], body["kind"], body["silent_s"]) == ("link_lost", "lost", 5.2)

    text = VehicleStatusText(1, 1, 4, "PreArm: tank pressure low", T, 3.0)
    [(topic, cls, body, _)] = published(text, 1)
    assert (topic, cls) == (f"{PREFIX}/vehicle/1/events", TopicClass.EVENT)
    assert (body["event"], body["severity_name"], body["text"]) == ("statustext", "warning", text.text)


@pytest.mark.parametrize(
    "message",
    [
        seaport.MAVLink_attitude_message(1000, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0),
        seaport.MAVLink_param_value_message(b"TANK_P_MIN", 2.5, 9, 10, 0),
        seaport.MAVLink_statustext_message(4, b"hello", 0, 0),
    ],
)
def test_raw_telemetry_streams_under_its_message_name(message: Any) -> None:
    sample = MavlinkTelemetry(1, 1, message, T, 4.0)
    [(topic, cls, body, owner)] = published(sample, (1, sample.name))
    assert topic == f"{PREFIX}/vehicle/1/tm/{sample.name}"
    assert (cls, owner) == (TopicClass.STREAM, f"{PREFIX}/vehicle/1")
    assert body["message"] == sample.name
    assert set(message.get_fieldnames()) <= set(body)


def test_an_undecodable_char_field_still_makes_json() -> None:
    message = seaport.MAVLink_statustext_message(4, b"x", 0, 0)
    message.text = b"\xff\xfe"
    sample = MavlinkTelemetry(1, 1, message, T, 4.0)
    [(_, _, body, _)] = published(sample, (1, "STATUSTEXT"))
    assert body["text"] == [255, 254]


def test_the_bridge_reports_itself_under_gcs() -> None:
    stats = BridgeStats("h:1883", PREFIX, True, 1, 0, None, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, T)
    [(topic, cls, body, owner)] = published(stats, None)
    assert (topic, cls, owner) == (f"{PREFIX}/gcs/bridge", TopicClass.STATE, None)
    assert body["published_streams"] == 3


def test_platform_values_go_under_the_platform_name() -> None:
    deck = DeckState("landing-barge", 12.0, 30.1, 125.2, 90.0, 1.0, -2.0, 0.4, 0.1, 0.2, 0.05, 2.0, 3.0,
                     1.1, 12.0, 45.0, 1.5, True)
    [(topic, cls, body, owner)] = published(deck, "landing-barge")
    assert (topic, cls, owner) == (f"{PREFIX}/platform/landing-barge/state", TopicClass.STATE,
                                   f"{PREFIX}/platform/landing-barge")
    assert body["heave_m"] == 0.4
    assert body["on_station"] is True

    wind = PlatformWind("landing-barge", 10.0, 8.0, False, 200.0, 9.0, True, T, 1.0)
    [(topic, cls, body, _)] = published(wind, "landing-barge")
    assert (topic, cls) == (f"{PREFIX}/platform/landing-barge/met", TopicClass.STREAM)
    assert body["over_deck_speed_mps"] == 8.0

    event = PlatformLinkEvent("landing-barge", LinkState.DOWN, "serial port gone", T, 2.0)
    [(topic, cls, body, _)] = published(event, "landing-barge")
    assert (topic, cls) == (f"{PREFIX}/platform/landing-barge/events", TopicClass.EVENT)
    assert (body["event"], body["state"]) == ("link_down", "down")


def test_feed_health_with_read_only_mappings_and_enum_sets_makes_json() -> None:
    health = PlatformFeedHealth(
        "landing-barge", True, 1, 0, 4096,
        MappingProxyType({"GGA": 1.0}), MappingProxyType({"GGA": 10}),
        MappingProxyType({FeedKind.POSITION: 0.2, FeedKind.WIND: None}),
        frozenset({FeedKind.WIND, FeedKind.MOTION}), StreamCounters(), MappingProxyType({}), 10, 0, 0, T, 3.0,
    )
    [(topic, cls, body, _)] = published(health, "landing-barge")
    assert (topic, cls) == (f"{PREFIX}/platform/landing-barge/feed", TopicClass.STATE)
    assert body["ages_s"] == {"position": 0.2, "wind": None}
    assert body["stale"] == ["motion", "wind"]
    assert body["sentence_rates_hz"] == {"GGA": 1.0}


def _launch_status() -> LaunchStatusUpdate:
    countdown = Countdown(load_timeline(REPO / "configs" / "countdowns" / "quick-hop.toml")).status(T)
    iip = ImpactPoint(IipStatus.IMPACT, GeoPoint(31.0, 140.0), 512.0)
    range_status = RangeStatus(True, iip, T, True, "cargo-hop", 40_000.0, (), 900.0, 10.0, 0.1, 5.0, False,
                               None)
    alert = Alert("redline.tank_p", Severity.WARNING, Severity.WARNING, "LOX tank pressure high", "red lines",
                  T, T, AlertState.UNACKNOWLEDGED)
    fts = FtsStatus(FtsState.SAFE, None, None, None, None, None)
    poll = PollStatus(PollState.CLOSED, 0, (), None)
    # Only the parts the routes read; the rest of LaunchStatus is the launch core's business.
    status = SimpleNamespace(countdown=countdown, poll=poll, go_for_launch=Gate(False, "no poll yet"),
                             criteria_gate=Gate(True, "go"), range=range_status, fts=fts, alerts=(alert,),
                             vehicle_phase=FlightPhase.STANDBY)
    return LaunchStatusUpdate(status, T)  # type: ignore[arg-type]


def test_launch_status_feeds_countdown_range_iip_and_the_alert_board() -> None:
    out = {topic: (cls, body) for topic, cls, body, _ in published(_launch_status(), None)}
    assert sorted(out) == [f"{PREFIX}/{t}" for t in ("alerts", "countdown", "range/iip", "range/safety")]
    cls, countdown = out[f"{PREFIX}/countdown"]
    assert cls is TopicClass.STATE
    assert countdown["vehicle_phase"] == "standby"
    assert countdown["countdown"]["state"] == "idle"
    assert countdown["go_for_launch"] == {"go": False, "reason": "no poll yet"}
    cls, iip = out[f"{PREFIX}/range/iip"]
    assert cls is TopicClass.STREAM
    assert iip["iip"]["point"] == {"latitude_deg": 31.0, "longitude_deg": 140.0}
    cls, board = out[f"{PREFIX}/alerts"]
    assert cls is TopicClass.STATE
    assert board["alerts"][0]["severity"] == "warning"
    assert out[f"{PREFIX}/range/safety"][1]["fts"]["state"] == "safe"
