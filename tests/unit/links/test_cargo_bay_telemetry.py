"""CARGO_BAY to domain: every field of the message becomes a catalogue field, at the time of reception."""

from __future__ import annotations

import math

from gcs.domain.fields import FIELDS
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.protocol.dialect import seaport


def _bay(smoke: int = 0, temperature_degc: float = 23.5) -> object:
    return seaport.MAVLink_cargo_bay_message(120_000, temperature_degc, 31.0, 97_500.0, 6.5, 0.42, smoke)


def test_every_cargo_bay_field_is_a_catalogue_field() -> None:
    out = VehicleTelemetryTranslator().translate(_bay(), 12.5)
    assert out.state is None
    values = {s.field: s.value for s in out.samples}
    assert values == {
        "cargo_bay.temperature_degc": 23.5,
        "cargo_bay.humidity_pct": 31.0,
        "cargo_bay.pressure_pa": 97_500.0,
        "cargo_bay.peak_shock_g": 6.5,
        "cargo_bay.vibration_rms_g": 0.42,  # the message's vibration_g_rms
        "cargo_bay.smoke_detected": 0.0,
    }
    assert {s.t_s for s in out.samples} == {12.5}
    assert set(values) <= set(FIELDS)
    assert {FIELDS[name].unit for name in values} == {"degC", "%", "Pa", "g", "bool"}


def test_smoke_is_a_flag_and_a_nan_temperature_stays_no_data() -> None:
    tr = VehicleTelemetryTranslator()
    smoke = {s.field: s.value for s in tr.translate(_bay(smoke=1), 1.0).samples}
    assert smoke["cargo_bay.smoke_detected"] == 1.0
    unknown = {s.field: s.value for s in tr.translate(_bay(temperature_degc=math.nan), 2.0).samples}
    assert math.isnan(unknown["cargo_bay.temperature_degc"])
