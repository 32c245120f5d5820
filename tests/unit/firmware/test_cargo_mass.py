"""The cargo mass parameter: its default is the vehicle's configured cargo, it is refused once armed
or in flight (with the reason), it survives a restart, and the guidance flies the dry vehicle plus it."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from firmware_sim.firmware import computer as computer_module
from firmware_sim.firmware.commands import CommandResult, VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import FlightSoftwareConfigError, load_flight_software_config
from firmware_sim.firmware.guidance_common import GuidanceInput, GuidanceOutput
from firmware_sim.firmware.guidance_hop import HopGuidance
from firmware_sim.firmware.param_defs import (
    CARGO_MASS_PARAM,
    PARAM_ID_MAX_CHARS,
    PARAMETERS,
    cargo_mass_kg,
    parameters_for,
)
from firmware_sim.firmware.params import ParamStore
from firmware_sim.physics.config import load_vehicle_config
from gcs.protocol.dialect import FlightPhase
from tests.unit.firmware.support import CONFIGS, DictParams, cargo_config, hop_config, hop_plan, pad_frame
from tests.unit.firmware.test_computer import counting, run_ignition

C = VehicleCommand
PAD_PROPELLANT_KG = 16318.0 + 4662.0  # what support.pad_frame's tanks hold


@pytest.mark.parametrize("name", ["yxz-1-hop", "cargo-p2p"])
def test_the_default_is_the_configured_cargo_of_each_vehicle(name: str) -> None:
    fs = (hop_config() if name == "yxz-1-hop" else cargo_config()).vehicle
    physics = load_vehicle_config(CONFIGS / "vehicles" / f"{name}.toml").structure
    assert fs.cargo_mass_kg == physics.cargo_mass_kg
    assert fs.dry_mass_kg == physics.dry_mass_kg
    store = ParamStore.from_specs(parameters_for(fs))
    assert store.get(CARGO_MASS_PARAM) == physics.cargo_mass_kg
    # The shared table's -1 means the same: the configured cargo.
    assert cargo_mass_kg(ParamStore.from_specs(PARAMETERS).get(CARGO_MASS_PARAM), fs) == physics.cargo_mass_kg
    assert len(CARGO_MASS_PARAM) <= PARAM_ID_MAX_CHARS


def test_the_range_is_checked_and_a_set_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "vehicle.parm"
    specs = parameters_for(cargo_config().vehicle)
    store = ParamStore.from_specs(specs, path=path)
    assert store.set(CARGO_MASS_PARAM, 7_250.0) == 7_250.0
    with pytest.raises(ValueError, match="outside"):
        store.set(CARGO_MASS_PARAM, 25_000.0)
    assert ParamStore.from_specs(specs, path=path).get(CARGO_MASS_PARAM) == 7_250.0


def test_the_cargo_mass_may_change_in_safe_and_standby_only_while_disarmed() -> None:
    fc = FlightComputer(hop_config(), DictParams(), seed=1)
    assert fc.phase is FlightPhase.SAFE
    assert fc.param_veto(CARGO_MASS_PARAM, 50.0) == ""
    fc.tick(pad_frame(0.0), 0.0, 0.0)
    assert fc.phase is FlightPhase.STANDBY
    assert fc.param_veto(CARGO_MASS_PARAM, 50.0) == ""
    fc.set_flight_plan(hop_plan())
    assert fc.command(C.ARM, 0.1).result is CommandResult.ACCEPTED
    reason = fc.param_veto(CARGO_MASS_PARAM, 50.0)
    assert "locked while armed or in flight" in reason
    assert fc.param_veto("HOP_HOVER_S", 12.0) == ""  # the others stay tunable
    assert fc.command(C.DISARM, 0.2).result is CommandResult.ACCEPTED
    assert fc.param_veto(CARGO_MASS_PARAM, 50.0) == ""


def test_the_cargo_mass_is_refused_in_flight() -> None:
    fc = counting()
    run_ignition(fc, None, 10.0, climb_after_release=True)
    assert fc.phase is FlightPhase.ASCENT
    assert CARGO_MASS_PARAM in fc.param_veto(CARGO_MASS_PARAM, 10.0)


class _Recording(HopGuidance):
    """The hop's guidance, noting the vehicle it was built for and the masses it is given."""

    built: ClassVar[list[float]] = []
    masses: ClassVar[list[float]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _Recording.built.append(self.config.vehicle.inert_mass_kg)

    def step(self, inputs: GuidanceInput) -> GuidanceOutput:
        _Recording.masses.append(inputs.mass_kg)
        return super().step(inputs)


def test_the_guidance_flies_the_dry_vehicle_plus_the_cargo_set_before_arming(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(computer_module, "HopGuidance", _Recording)
    monkeypatch.setattr(_Recording, "built", [])
    monkeypatch.setattr(_Recording, "masses", [])
    params = DictParams()
    fc = FlightComputer(hop_config(), params, seed=1)
    fc.tick(pad_frame(0.0), 0.0, 0.0)
    dry = hop_config().vehicle.dry_mass_kg
    fc.set_flight_plan(hop_plan())
    assert _Recording.built == [dry + 20.0]  # the configured cargo
    params.values[CARGO_MASS_PARAM] = 95.0  # after the plan, before arming: the guidance follows
    assert fc.cargo_mass_kg == 95.0
    assert fc.command(C.ARM, 0.1).result is CommandResult.ACCEPTED
    assert _Recording.built[-1] == dry + 95.0
    assert fc.command(C.START_TERMINAL_COUNT, 0.2).result is CommandResult.ACCEPTED
    run_ignition(fc, None, 10.0, climb_after_release=True)
    assert fc.phase is FlightPhase.ASCENT
    assert _Recording.masses
    assert set(_Recording.masses) == {dry + 95.0 + PAD_PROPELLANT_KG}


@pytest.mark.parametrize("cargo", ["-5.0", "36020.0"])
def test_a_configured_cargo_outside_the_inert_mass_is_a_config_error(tmp_path: Path, cargo: str) -> None:
    text = (CONFIGS / "flight_software" / "yxz-1-hop.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("cargo_mass_kg = 20.0", f"cargo_mass_kg = {cargo}"))
    with pytest.raises(FlightSoftwareConfigError, match=r"bad.toml: vehicle.cargo_mass_kg must be >= 0"):
        load_flight_software_config(bad)
