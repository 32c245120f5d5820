"""Arm and abort by hand (``ArmVehicle``, ``AbortVehicle``): who may, in which phase, and what goes out.

Tables: every role against both requests, and every flight phase against both. An abort is never
blocked by the phase; a hand arm only goes out on the pad.
"""

from __future__ import annotations

import pytest

from gcs.domain.landing import DeckLimits
from gcs.domain.phases import FlightPhase
from gcs.domain.roles import Role, User
from gcs.domain.vehicle import VehicleState
from gcs.launch.actions import CommandVehicle, RecordKind, RefusalCode, VehicleCommand
from gcs.launch.control import AbortVehicle, ArmVehicle, LaunchControl, LaunchSetup
from gcs.launch.landing import DivertPolicy
from gcs.launch.range_safety import load_range
from tests.unit.launch.helpers import CONFIGS, TIMELINE, of_type, refusals

SETUP = LaunchSetup(
    timeline=TIMELINE,
    criteria=(),
    red_lines=(),
    range=load_range(CONFIGS / "range" / "cargo-hop.toml"),
    deck_limits=DeckLimits(),
    divert=DivertPolicy(),
    recovery=(),
)


def _control(phase: FlightPhase | None = None) -> LaunchControl:
    control = LaunchControl(SETUP)
    if phase is not None:
        control.handle(VehicleState(1.0, 36.5, 121.6, 30.0, 0.0, 0.0, 0.0, phase), 1.0)
    return control


@pytest.mark.parametrize(
    ("role", "arm_allowed", "abort_allowed"),
    [
        (Role.VIEWER, False, False),
        (Role.OPERATOR, False, False),
        (Role.LAUNCH_DIRECTOR, True, True),
        (Role.RANGE_SAFETY, False, True),
        (Role.VEHICLE, False, False),
        (Role.PROPULSION, False, False),
        (Role.LANDING_PLATFORM, False, False),
        (Role.WEATHER, False, False),
    ],
)
def test_roles(role: Role, arm_allowed: bool, abort_allowed: bool) -> None:
    user = User.of("someone", role)
    for event, allowed, command in (
        (ArmVehicle(user), arm_allowed, VehicleCommand.ARM),
        (AbortVehicle(user), abort_allowed, VehicleCommand.ABORT),
    ):
        out = _control(FlightPhase.STANDBY).handle(event, 2.0)
        sent = [a.command for a in of_type(out, CommandVehicle)]
        if allowed:
            assert sent == [command]
            assert not refusals(out)
        else:
            assert sent == []
            [refused] = refusals(out)
            assert refused.code is RefusalCode.ROLE
            assert refused.who == "someone"
            assert role.value in refused.reason


ARMABLE = {FlightPhase.SAFE, FlightPhase.STANDBY}


@pytest.mark.parametrize("phase", [None, *FlightPhase])
def test_phases(phase: FlightPhase | None) -> None:
    director = User.of("dana", Role.LAUNCH_DIRECTOR)
    arm = _control(phase).handle(ArmVehicle(director), 2.0)
    if phase is None or phase in ARMABLE:
        assert [a.command for a in of_type(arm, CommandVehicle)] == [VehicleCommand.ARM]
    else:
        assert not of_type(arm, CommandVehicle)
        assert refusals(arm)[0].code is RefusalCode.STATE
        assert phase.config_name in refusals(arm)[0].reason
    abort = _control(phase).handle(AbortVehicle(User.of("rosa", Role.RANGE_SAFETY), "engine fire"), 2.0)
    [command] = of_type(abort, CommandVehicle)
    assert command.command is VehicleCommand.ABORT
    assert command.who == "rosa"
    assert command.reason == "engine fire"


def test_an_abort_is_journaled_as_an_abort_and_an_arm_as_an_operator_action() -> None:
    director = User.of("dana", Role.LAUNCH_DIRECTOR)
    [abort] = of_type(_control().handle(AbortVehicle(director), 2.0), CommandVehicle)
    [arm] = of_type(_control().handle(ArmVehicle(director), 2.0), CommandVehicle)
    assert abort.record is RecordKind.ABORT
    assert arm.record is RecordKind.OPERATOR_ACTION
    assert abort.payload()["command"] == "abort"
