"""The console's cargo, bay, delivery and fleet keys: the JSON views of the station's hub values, the
poll's blockers in the launch view, and ``ConsoleFeed`` putting each on its key of the board from a
real hub (the path the page's WebSocket and ``GET /api/v1/state`` read)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import orjson

from gcs.clock import SimClock
from gcs.console.launch_parts import POLL_KEY, LaunchParts
from gcs.console.stream import Board, ConsoleFeed, Counters
from gcs.console.views import (
    ExpectedPeriods,
    VehicleView,
    bay_view,
    cargo_view,
    delivery_view,
    fleet_view,
)
from gcs.domain.delivery import CargoStatus, DeliveryStage, DeliveryStatus
from gcs.fleet.limits import Limit, LimitLevel, Metric
from gcs.fleet.station import FleetStatusUpdate
from gcs.fleet.status import Condition, LimitUsage, VehicleStatus, fleet_status
from gcs.hub import Hub
from gcs.launch.control import FleetStatusReport, LaunchControl
from gcs.launch.runner import LaunchStatusUpdate
from gcs.links.values import MavlinkTelemetry
from gcs.protocol.dialect import seaport
from gcs.tasks import background
from gcs.views import encode
from tests.support.waits import wait_until
from tests.unit.console.test_commands import SETUP

T = 1_800_000_000.0


def _bay(temperature_degc: float = 21.5, smoke: int = 0) -> object:
    return seaport.MAVLink_cargo_bay_message(4000, temperature_degc, 41.0, 101_000.0, 1.25, 0.031, smoke)


def _cargo(vehicle_mass_kg: float | None = 20.7, confirmed: bool = True) -> CargoStatus:
    return CargoStatus(
        source="hop-demo.json", ok=True, parcels=6, mass_kg=20.7, volume_m3=0.14, cg_axial_m=0.21,
        cg_lateral_m=-0.01, by_class=(("general", 4), ("fragile", 1), ("perishable", 1)), problems=(),
        vehicle_mass_kg=vehicle_mass_kg, confirmed=confirmed)


def _no_go_fleet() -> FleetStatusUpdate:
    usage = LimitUsage(Limit(LimitLevel.INSPECTION, Metric.ENGINE_STARTS, 10.0), 12.0,
                       datetime(2026, 5, 1, 12, 0, tzinfo=UTC), None)
    status = VehicleStatus("YXZ-01", "yxz-1-hop", Condition.INSPECTION_DUE, (usage,), (usage.text,))
    return FleetStatusUpdate(status, T)


def test_the_bay_is_named_as_the_catalogue_fields_the_red_lines_watch() -> None:
    view = VehicleView(1)
    produced = view.feed(MavlinkTelemetry(1, 1, _bay(smoke=1), T, 0.0))
    assert produced is not None
    assert (produced.suffix, produced.t_s) == ("bay", T)
    assert produced.payload == {
        "temperature_degc": 21.5, "humidity_pct": 41.0, "pressure_pa": 101_000.0, "peak_shock_g": 1.25,
        "vibration_rms_g": produced.payload["vibration_rms_g"], "smoke_detected": True,
    }
    assert math.isclose(produced.payload["vibration_rms_g"], 0.031, rel_tol=1e-6)  # float32 on the wire
    assert bay_view(_bay(temperature_degc=math.nan))["temperature_degc"] is None


def test_the_manifest_view_gives_the_vehicles_mass_and_the_difference() -> None:
    view = cargo_view(_cargo(vehicle_mass_kg=18.7, confirmed=False))
    assert view["by_class"][0] == {"handling_class": "general", "parcels": 4}
    assert (view["mass_kg"], view["vehicle_mass_kg"], view["confirmed"]) == (20.7, 18.7, False)
    assert math.isclose(view["mass_error_kg"], 2.0)
    waiting = cargo_view(_cargo(vehicle_mass_kg=None, confirmed=False))
    assert (waiting["vehicle_mass_kg"], waiting["mass_error_kg"]) == (None, None)
    # A manifest that could not be read has no totals: NaN travels as null.
    unread = cargo_view(CargoStatus("bad.csv", False, 0, math.nan, math.nan, math.nan, math.nan, (),
                                    ("bad.csv:3: mass_kg: not a number",), None, False))
    assert (unread["mass_kg"], unread["mass_error_kg"], unread["problems"]) == (
        None, None, ["bad.csv:3: mass_kg: not a number"])
    orjson.loads(encode(unread))


def test_the_delivery_view_names_the_stage_and_the_eta_in_utc() -> None:
    view = delivery_view(DeliveryStatus("20261126T015125Z-f99e8a", DeliveryStage.LAUNCHED, "hop-barge",
                                        T + 65.5, "trajectory", 6))
    assert view == {"flight_id": "20261126T015125Z-f99e8a", "stage": "launched", "platform": "hop-barge",
                    "eta_unix_s": T + 65.5, "eta_utc": "2027-01-15T08:01:05.500000Z",
                    "eta_basis": "trajectory", "parcels": 6}
    before = delivery_view(DeliveryStatus("f", None, "hop-barge", None, "", 6))
    assert [before[k] for k in ("stage", "eta_unix_s", "eta_utc", "eta_basis")] == [None] * 4


def test_the_fleet_view_says_no_go_and_why() -> None:
    view = fleet_view(_no_go_fleet())
    assert (view["vehicle_id"], view["vehicle_type"], view["condition"], view["go"]) == (
        "YXZ-01", "yxz-1-hop", "inspection_due", False)
    assert view["summary"].startswith("no-go: inspection due: inspection.engine_starts: engine starts 12")
    assert view["reached"][0]["limit"] == "inspection.engine_starts"
    assert (view["reached"][0]["value"], view["reached"][0]["limit_value"]) == (12.0, 10.0)
    assert view["reached"][0]["since_utc"] == "2026-05-01T12:00:00+00:00"
    orjson.loads(encode(view))
    unknown = fleet_view(FleetStatusUpdate(fleet_status("SIM-01", "no-such-type", (), None, ()), T))
    assert (unknown["condition"], unknown["go"]) == ("no_limits", False)
    assert "no fleet limits for vehicle type 'no-such-type'" in unknown["reasons"][0]


def test_a_poll_blocker_is_in_the_launch_poll() -> None:
    control = LaunchControl(SETUP)
    parts = LaunchParts(0.1)

    def poll_at(t_s: float) -> dict[str, Any]:
        [part] = [p for p in parts.changed(LaunchStatusUpdate(control.status(t_s), t_s)) if p.key == POLL_KEY]
        return dict(part.render(part.raw))

    control.handle(FleetStatusReport("YXZ-01", False, "inspection due: engine starts 12 >= 10"), T)
    poll = poll_at(T)
    assert len(poll["blockers"]) == 1
    assert poll["blockers"][0]["reason"].endswith("inspection due: engine starts 12 >= 10")
    control.handle(FleetStatusReport("YXZ-01", True), T + 1)
    assert poll_at(T + 1)["blockers"] == []


async def test_the_feed_puts_each_value_on_its_key() -> None:
    hub = Hub()
    clock = SimClock(start_s=100.0, epoch_unix_s=T)
    board = Board(Counters())
    # Published before the console starts: the feed's replay brings the latest of each.
    hub.publish(_cargo())
    hub.publish(DeliveryStatus("f", DeliveryStage.LOADED, "hop-barge", T + 3700.0, "plan", 6))
    async with background(("feed", ConsoleFeed(hub, clock, board, ExpectedPeriods(bay_s=2.0)).run())):
        hub.publish(_no_go_fleet())
        hub.publish(MavlinkTelemetry(1, 1, _bay(), T + 99.0, 0.0), key=(1, "CARGO_BAY"))
        keys = ("cargo/manifest", "delivery/progress", "fleet/vehicle", "vehicle/1/bay")
        await wait_until(lambda: all(board.entry(k) is not None for k in keys),
                         what="every new key on the board", show=lambda: board.keys)
    items = orjson.loads(board.values_json(list(keys)))
    assert items["cargo/manifest"]["v"]["parcels"] == 6
    # No time of their own and only sent on change: stamped when heard, never stale by age.
    assert (items["cargo/manifest"]["t"], items["cargo/manifest"]["period_s"]) == (T + 100.0, None)
    assert items["delivery/progress"]["v"]["stage"] == "loaded"
    assert (items["fleet/vehicle"]["t"], items["fleet/vehicle"]["period_s"]) == (T, None)
    assert items["fleet/vehicle"]["v"]["go"] is False
    assert (items["vehicle/1/bay"]["t"], items["vehicle/1/bay"]["period_s"]) == (T + 99.0, 2.0)
    assert items["vehicle/1/bay"]["v"]["temperature_degc"] == 21.5
