"""The field catalogue covers every sample the domain values produce."""

from __future__ import annotations

from gcs.domain.fields import FIELDS, deck_samples, vehicle_samples
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import PlatformSlot
from gcs.domain.vehicle import VehicleState
from tests.unit.domain.test_landing import CALM


def test_vehicle_samples_are_catalogued() -> None:
    state = VehicleState(5.0, 36.5, 121.6, 1000.0, 3.0, 4.0, -12.0, FlightPhase.ASCENT)
    samples = {s.field: s.value for s in vehicle_samples(state)}
    assert set(samples) <= set(FIELDS)
    assert samples["vehicle.horizontal_speed_mps"] == 5.0
    assert samples["vehicle.vertical_speed_up_mps"] == 12.0
    assert all(s.t_s == 5.0 for s in vehicle_samples(state))


def test_deck_samples_are_catalogued_under_each_slot() -> None:
    for slot in PlatformSlot:
        samples = {s.field: s.value for s in deck_samples(slot, CALM)}
        assert set(samples) <= set(FIELDS)
        assert samples[f"{slot.value}.on_station"] == 1.0
        assert samples[f"{slot.value}.pitch_max_10min_deg"] == CALM.pitch_max_10min_deg


def test_units_are_in_the_names() -> None:
    suffixes = ("_m", "_mps", "_deg", "_dps", "_pa", "_k", "_kg", "_n", "_s", "_pct", "_degc", "_g")
    flags = {
        "engine.state",
        "engine.running",
        "tanks.vented",
        "gnss.fix_type",
        "gnss.hdop",
        "fts.ready",
        "fts.safe",
        "cargo_bay.smoke_detected",
        "cargo.manifest_ok",
    }
    for name, info in FIELDS.items():
        if info.unit in ("bool", "enum", "1"):
            assert name in flags or name.endswith(("on_station", "deck_clear"))
        else:
            assert name.endswith(suffixes), name
