"""The cargo panels in a real browser: a real station loading a manifest and keeping a fleet airframe,
a real vehicle process and landing barge. The manifest, the bay, the airframe and the delivery reach
the page through the hub and the console's stream, exactly as in a flight; every test also fails if
the page logged a JavaScript error."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from gcs.domain.roles import Role
from tests.console.pages import Pages, watched_pages
from tests.support.console_station import ConsoleStation, FleetAirframe, console_station

MANIFEST = "configs/cargo/hop-demo.json"
"""Six parcels, 20.7 kg: four general, one fragile, one perishable. Checked against the cargo vehicle's
bay (the station's default ``[cargo] vehicle``) their centre of gravity is below its envelope."""
AIRFRAME = FleetAirframe("SIM-TEST-01", "no-such-type")
"""A type the fleet's limits file does not know: the airframe is no-go, a blocker of the poll."""


@pytest.fixture
async def cargo_station(tmp_path: Path) -> AsyncIterator[ConsoleStation]:
    async with console_station(tmp_path, cargo_manifest=MANIFEST, fleet=AIRFRAME) as running:
        yield running


@pytest.fixture
async def cargo_pages(browser: Browser, cargo_station: ConsoleStation) -> AsyncIterator[Pages]:
    async with watched_pages(browser, cargo_station.base_url) as opened:
        yield opened


async def test_manifest_bay_airframe_and_delivery_reach_the_page_and_the_fleet_blocks_the_poll(
    cargo_pages: Pages, cargo_station: ConsoleStation,
) -> None:
    page = await cargo_pages.logged_in(cargo_station.by_role[Role.VIEWER])

    # The manifest as the station checked it, and the vehicle's CARGO_MASS_KG once it has answered.
    await expect(page.get_by_test_id("manifest-ok")).to_have_text("OUTSIDE LIMITS")
    await expect(page.get_by_test_id("manifest-source")).to_contain_text("hop-demo.json")
    await expect(page.get_by_test_id("manifest-parcels-value")).to_have_text("6")
    await expect(page.get_by_test_id("manifest-mass-value")).to_have_text("20.7")
    await expect(page.get_by_test_id("manifest-classes")).to_have_text("general 4 · fragile 1 · perishable 1")
    await expect(page.get_by_test_id("manifest-confirmed")).to_have_text("CONFIRMED")
    await expect(page.get_by_test_id("manifest-vehicle-mass-value")).to_have_text("20.7")
    await expect(page.get_by_test_id("manifest-vehicle-mass")).to_have_class(re.compile(r"\btone-green\b"))
    problem = page.get_by_test_id("manifest-problem")
    await expect(problem).to_have_count(1)
    below = re.compile(r"^cargo CG 0\.153 m above the bay floor is below the envelope ")
    await expect(problem).to_have_text(below)

    # The bay from the vehicle's CARGO_BAY, coloured by the station's red lines where one watches.
    temperature = page.get_by_test_id("bay-temperature")
    await expect(temperature).to_have_attribute("data-fresh", "live")
    await expect(page.get_by_test_id("bay-temperature-value")).to_have_text(re.compile(r"^-?\d+\.\d$"))
    await expect(temperature).to_have_attribute("data-red-line", "green")
    await expect(page.get_by_test_id("bay-pressure-value")).to_have_text(re.compile(r"^\d+\.\d$"))
    await expect(page.get_by_test_id("bay-humidity")).not_to_have_attribute("data-red-line", re.compile("."))
    for testid in ("bay-humidity", "bay-shock", "bay-vibration", "bay-smoke-detected"):
        await expect(page.get_by_test_id(testid)).to_have_attribute("data-fresh", "live")
    await expect(page.get_by_test_id("bay-smoke")).to_have_text("NO SMOKE")
    await expect(page.get_by_test_id("bay-smoke-detected-value")).to_have_text("NO")

    # The airframe is no-go, and that blocks the poll whatever the stations answer.
    await expect(page.get_by_test_id("fleet-go")).to_have_text("NO GO")
    airframe = page.get_by_test_id("fleet-airframe")
    await expect(airframe).to_contain_text(f"{AIRFRAME.vehicle_id} · no-such-type")
    await expect(page.get_by_test_id("fleet-reasons")).to_contain_text("no fleet limits for vehicle type")
    blocker = page.get_by_test_id("poll-blocker")
    await expect(blocker).to_have_count(1)
    await expect(blocker).to_be_visible()
    await expect(blocker).to_have_attribute("data-source", "fleet")
    await expect(blocker).to_contain_text(f"fleet: vehicle {AIRFRAME.vehicle_id} no-go")

    # The delivery: loaded once the vehicle confirmed the mass; the ETA from T-0 plus the planned
    # flight (the count has not started: T-0 is three minutes away, the flight an hour).
    await expect(page.get_by_test_id("delivery-stage")).to_have_attribute("data-stage", "loaded")
    await expect(page.get_by_test_id("delivery-platform")).to_have_text("to landing-barge")
    await expect(page.get_by_test_id("delivery-eta")).to_have_text(
        re.compile(r"^ETA \d\d:\d\d:\d\d UTC · in 1:0[0-3]:\d\d \(plan\)$"))
    loaded = page.get_by_test_id("journal-entry").filter(has_text="loaded at landing-barge")
    await expect(loaded.first).to_be_visible()

    # The same values on the JSON API, under the keys docs/console-api.md names.
    state = await page.evaluate("""async () => (await (await fetch("/api/v1/state")).json()).values""")
    manifest = state["cargo/manifest"]["v"]
    assert (manifest["parcels"], manifest["ok"], manifest["confirmed"]) == (6, False, True)
    assert state["delivery/progress"]["v"]["stage"] == "loaded"
    assert state["fleet/vehicle"]["v"]["go"] is False
    assert set(state["vehicle/1/bay"]["v"]) == {"temperature_degc", "humidity_pct", "pressure_pa",
                                                "peak_shock_g", "vibration_rms_g", "smoke_detected"}
    assert state["launch/poll"]["v"]["blockers"][0]["source"] == "fleet"


async def test_without_cargo_or_fleet_the_panels_say_so(pages: Pages, station: ConsoleStation) -> None:
    page = await pages.logged_in(station.by_role[Role.VIEWER])
    await expect(page.get_by_test_id("manifest-ok")).to_have_text("NO MANIFEST")
    await expect(page.get_by_test_id("manifest-none")).to_be_visible()
    await expect(page.get_by_test_id("manifest-body")).to_be_hidden()
    await expect(page.get_by_test_id("fleet-go")).to_have_text("NO DATA")
    await expect(page.get_by_test_id("delivery-stage")).to_have_text("NO DELIVERY")
    await expect(page.get_by_test_id("poll-blockers")).to_be_hidden()
    # The bay is the vehicle's own report: there whether or not cargo is loaded.
    await expect(page.get_by_test_id("bay-temperature")).to_have_attribute("data-fresh", "live")
