"""Named telemetry values: the vocabulary that commit criteria, red lines and checklists refer to.

A field is a dotted name with its unit in it (``tanks.lox_pressure_pa``); a ``Sample`` is one value
of one field at one instant. The catalogue below is the contract between the links (which produce
samples) and the config files (which name fields): a rule on a field that is not listed is a
config error, never a rule that silently never fires. Booleans travel as 1.0 / 0.0.

Knows nothing of MAVLink or NMEA: the link layer maps messages onto these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gcs.domain.platform import DeckState, PlatformSlot
from gcs.domain.vehicle import VehicleState


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one field, at ``t_s`` on the runner's clock. NaN means 'sensor reports invalid'."""

    field: str
    value: float
    t_s: float


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """What a field means and where it comes from."""

    unit: str
    description: str
    source: str


def _vehicle(description: str, unit: str, source: str = "VehicleState") -> FieldInfo:
    return FieldInfo(unit, description, source)


_VEHICLE_FIELDS: dict[str, FieldInfo] = {
    "vehicle.altitude_m": _vehicle("height above the ellipsoid", "m"),
    "vehicle.speed_mps": _vehicle("Earth-relative speed", "m/s"),
    "vehicle.vertical_speed_up_mps": _vehicle("vertical speed, positive up", "m/s"),
    "vehicle.horizontal_speed_mps": _vehicle("horizontal Earth-relative speed", "m/s"),
    "vehicle.dynamic_pressure_pa": _vehicle("dynamic pressure", "Pa", "VFR_HUD / derived"),
    "vehicle.body_rate_dps": _vehicle("magnitude of the body angular rate", "deg/s", "ATTITUDE"),
    "vehicle.attitude_error_deg": _vehicle(
        "angle between commanded and actual attitude", "deg", "ATTITUDE_TARGET / derived"
    ),
    "vehicle.axial_load_g": _vehicle("axial acceleration in standard gravities", "g", "HIGHRES_IMU"),
    "engine.state": _vehicle("ENGINE_STATE of the worst engine (0 off ... 5 fault)", "enum", "ENGINE_STATUS"),
    "engine.running": _vehicle("1 if any engine is running or igniting, else 0", "bool", "ENGINE_STATUS"),
    "engine.chamber_pressure_pa": _vehicle(
        "lowest chamber pressure of the running engines", "Pa", "ENGINE_STATUS"
    ),
    "engine.thrust_n": _vehicle("total estimated thrust", "N", "ENGINE_STATUS"),
    "tanks.lox_pressure_pa": _vehicle("LOX ullage pressure, absolute", "Pa", "TANK_STATUS"),
    "tanks.ch4_pressure_pa": _vehicle("CH4 ullage pressure, absolute", "Pa", "TANK_STATUS"),
    "tanks.lox_temperature_k": _vehicle("LOX temperature", "K", "TANK_STATUS"),
    "tanks.ch4_temperature_k": _vehicle("CH4 temperature", "K", "TANK_STATUS"),
    "tanks.lox_mass_kg": _vehicle("LOX mass remaining", "kg", "TANK_STATUS"),
    "tanks.ch4_mass_kg": _vehicle("CH4 mass remaining", "kg", "TANK_STATUS"),
    "tanks.vented": _vehicle("1 if both tank vents are open (passivated), else 0", "bool", "TANK_STATUS"),
    "gnss.fix_type": _vehicle("GNSS fix type (3 = 3D, 5 = RTK float, 6 = RTK fixed)", "enum", "GPS_RAW_INT"),
    "gnss.hdop": _vehicle("horizontal dilution of precision", "1", "GPS_RAW_INT"),
    "fts.ready": _vehicle(
        "1 if the flight termination system is armed and its receiver locked",
        "bool",
        "SYS_STATUS (extended sensor bit RECOVERY_SYSTEM: present, enabled and healthy)",
    ),
    "fts.safe": _vehicle("1 if the flight termination system is safed", "bool", "SYS_STATUS / STATUSTEXT"),
    "link.vehicle_heartbeat_age_s": _vehicle("time since the vehicle's last heartbeat", "s", "link"),
    "link.vehicle_packet_loss_pct": _vehicle("vehicle link packet loss", "%", "link"),
    "cargo_bay.temperature_degc": _vehicle("cargo bay air temperature", "degC", "CARGO_BAY"),
    "cargo_bay.humidity_pct": _vehicle("cargo bay relative humidity", "%", "CARGO_BAY"),
    "cargo_bay.pressure_pa": _vehicle("cargo bay air pressure, absolute", "Pa", "CARGO_BAY"),
    "cargo_bay.peak_shock_g": _vehicle(
        "highest acceleration in the cargo bay since the previous report, in standard gravities",
        "g",
        "CARGO_BAY",
    ),
    "cargo_bay.vibration_rms_g": _vehicle(
        "cargo bay vibration since the previous report, RMS acceleration in standard gravities",
        "g",
        "CARGO_BAY (vibration_g_rms)",
    ),
    "cargo_bay.smoke_detected": _vehicle(
        "1 if any cargo bay smoke detector is triggered", "bool", "CARGO_BAY"
    ),
    "cargo.manifest_ok": _vehicle(
        "1 if the loaded manifest has no bad row and fits the vehicle's bay", "bool", "station: manifest"
    ),
    "cargo.mass_error_kg": _vehicle(
        "the vehicle's CARGO_MASS_KG against the manifest's mass (NaN until it answers)", "kg",
        "station: PARAM_VALUE",
    ),
}

_DECK_FIELDS: dict[str, tuple[str, str]] = {
    "pitch_deg": ("deg", "deck pitch, +bow up"),
    "roll_deg": ("deg", "deck roll, +port up"),
    "heave_m": ("m", "deck heave, +up"),
    "pitch_rate_dps": ("deg/s", "pitch rate"),
    "roll_rate_dps": ("deg/s", "roll rate"),
    "heave_rate_mps": ("m/s", "heave rate"),
    "pitch_max_10min_deg": ("deg", "largest |pitch| over the last 10 minutes"),
    "roll_max_10min_deg": ("deg", "largest |roll| over the last 10 minutes"),
    "heave_max_10min_m": ("m", "largest |heave| over the last 10 minutes"),
    "wind_over_deck_speed_mps": ("m/s", "relative wind speed over the deck"),
    "station_keeping_error_m": ("m", "distance from the assigned station"),
    "on_station": ("bool", "1 if dynamic positioning reports holding station"),
    "deck_clear": ("bool", "1 if the deck is reported clear"),
}


def _catalogue() -> dict[str, FieldInfo]:
    fields = dict(_VEHICLE_FIELDS)
    for slot in PlatformSlot:
        for name, (unit, description) in _DECK_FIELDS.items():
            fields[f"{slot.value}.{name}"] = FieldInfo(unit, description, "DeckState")
    return fields


FIELDS: Mapping[str, FieldInfo] = MappingProxyType(_catalogue())
"""Every field name a config file may use."""


def vehicle_samples(state: VehicleState) -> tuple[Sample, ...]:
    """The fields a ``VehicleState`` provides by itself."""
    t = state.t_s
    return (
        Sample("vehicle.altitude_m", state.altitude_m, t),
        Sample("vehicle.speed_mps", state.speed_mps, t),
        Sample("vehicle.vertical_speed_up_mps", state.vertical_speed_up_mps, t),
        Sample("vehicle.horizontal_speed_mps", state.horizontal_speed_mps, t),
    )


_DECK_NAMES: dict[PlatformSlot, dict[str, str]] = {
    slot: {name: f"{slot.value}.{name}" for name in _DECK_FIELDS} for slot in PlatformSlot
}
"""Each slot's full field names, made once: decks report several times a second, and a name made
once keeps its hash for every rule table it is looked up in."""


def deck_samples(slot: PlatformSlot, deck: DeckState) -> tuple[Sample, ...]:
    """The fields of one platform's deck state, under the prefix of the part it plays."""
    names = _DECK_NAMES[slot]
    t = deck.t_s
    samples = [
        Sample(names["pitch_deg"], deck.pitch_deg, t),
        Sample(names["roll_deg"], deck.roll_deg, t),
        Sample(names["heave_m"], deck.heave_m, t),
        Sample(names["pitch_rate_dps"], deck.pitch_rate_dps, t),
        Sample(names["roll_rate_dps"], deck.roll_rate_dps, t),
        Sample(names["heave_rate_mps"], deck.heave_rate_mps, t),
        Sample(names["pitch_max_10min_deg"], deck.pitch_max_10min_deg, t),
        Sample(names["roll_max_10min_deg"], deck.roll_max_10min_deg, t),
        Sample(names["heave_max_10min_m"], deck.heave_max_10min_m, t),
        Sample(names["wind_over_deck_speed_mps"], deck.wind_over_deck_speed_mps, t),
        Sample(names["station_keeping_error_m"], deck.station_keeping_error_m, t),
        Sample(names["on_station"], 1.0 if deck.on_station else 0.0, t),
    ]
    if deck.deck_clear is not None:  # not reported is not the same as 'not clear'
        samples.append(Sample(names["deck_clear"], 1.0 if deck.deck_clear else 0.0, t))
    return tuple(samples)
