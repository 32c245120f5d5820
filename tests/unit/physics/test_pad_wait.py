"""A tick spent waiting on the pad is not integrated: its state is the integrated one, bit for bit.

``Integrator.advance`` returns at once when every vehicle is held on its pad with its engines off,
none asked to light and the clamps not released. On real pad states (the cargo and hop vehicles,
one and several per model, attitude rates stirred, some propellant gone) the state must be exactly
what the whole integration gives, and any other case must still be integrated.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from firmware_sim.physics import integrator as integrator_module
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.integrator import Integrator, StepResult
from firmware_sim.physics.platform import Platform
from firmware_sim.physics.vehicle import Commands, VehicleModel, VehicleState, state_on_pad

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


def _setup(vehicle: str, count: int) -> tuple[Integrator, VehicleState]:
    launch = Platform(load_platform_config(CONFIGS / "platforms" / "launch-platform.toml"), seed=1)
    barge = Platform(load_platform_config(CONFIGS / "platforms" / "landing-barge.toml"), seed=2)
    config = load_vehicle_config(CONFIGS / "vehicles" / f"{vehicle}.toml")
    model = VehicleModel.build(config, count=count, wind=barge.wind if count == 1 else None)
    pad = launch.config.position
    state = state_on_pad(model, pad.latitude_deg, pad.longitude_deg, pad.deck_height_m, pad.heading_deg)
    rng = np.random.default_rng(5)
    state = dataclasses.replace(
        state,
        time_s=123.4,
        body_rate_ecef_radps=rng.normal(0.0, 0.01, (count, 3)),  # stilled by a held tick
        lox_mass_kg=state.lox_mass_kg * 0.9,
        heat_load_j_per_m2=rng.uniform(0.0, 10.0, count),
    )
    return Integrator(model, config.integration, decks=(barge,)), state


def _commands(count: int, *, lit: int = 0, release: bool = False, throttle: float = 0.7) -> Commands:
    return Commands(
        throttle=np.full(count, throttle),
        engines_lit=np.full(count, lit, dtype=np.int64),
        attitude_ecef_from_body=np.tile([0.5, 0.5, 0.5, 0.5], (count, 1)),
        gimbal_deg=np.zeros((count, 2)),
        release_clamps=np.full(count, release),
        cutoff_in_s=np.full(count, np.nan),
    )


def _integrated(integrator: Integrator, state: VehicleState, commands: Commands, duration_s: float,
                monkeypatch: pytest.MonkeyPatch) -> StepResult:
    with monkeypatch.context() as patch:
        patch.setattr(integrator_module, "_waiting_on_pad", lambda _state, _commands: False)
        return integrator.advance(state, commands, duration_s)


def _same(a: VehicleState, b: VehicleState) -> None:
    assert a.time_s == b.time_s
    for f in dataclasses.fields(VehicleState):
        if f.name == "time_s":
            continue
        x, y = np.asarray(getattr(a, f.name)), np.asarray(getattr(b, f.name))
        assert (x.dtype, x.shape, x.tobytes()) == (y.dtype, y.shape, y.tobytes()), f.name


@pytest.mark.parametrize(("vehicle", "count"), [("cargo-p2p", 1), ("yxz-1-hop", 1), ("cargo-p2p", 3)])
@pytest.mark.parametrize("duration_s", [0.1, 0.05, 1.0])
def test_a_held_tick_is_the_integrated_one(vehicle: str, count: int, duration_s: float,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    integrator, state = _setup(vehicle, count)
    commands = _commands(count)
    assert integrator_module._waiting_on_pad(state, commands)
    fast = integrator.advance(state, commands, duration_s)
    full = _integrated(integrator, state, commands, duration_s, monkeypatch)
    assert fast.events == full.events == ()
    _same(fast.state, full.state)
    # And again from there: the stilled rate and copied arrays carry on alike.
    _same(integrator.advance(fast.state, commands, duration_s).state,
          _integrated(integrator, full.state, commands, duration_s, monkeypatch).state)


@pytest.mark.parametrize("change", ["light", "release", "burning", "flying"])
def test_anything_but_waiting_is_integrated(change: str) -> None:
    _, state = _setup("cargo-p2p", 1)
    commands = _commands(1)
    if change == "light":
        commands = _commands(1, lit=9)
    elif change == "release":
        commands = _commands(1, release=True)
    elif change == "burning":
        state = dataclasses.replace(state, thrust_fraction=np.array([0.2]))
    else:
        state = dataclasses.replace(state, status=np.array([1], dtype=state.status.dtype))
    assert not integrator_module._waiting_on_pad(state, commands)
