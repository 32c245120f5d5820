"""Flight termination: two steps, range safety only, confirm inside the window."""

from __future__ import annotations

import pytest

from gcs.domain.roles import User
from gcs.launch.actions import CommandVehicle, RefusalCode, VehicleCommand
from gcs.launch.fts import FlightTermination, FtsArmed, FtsDisarmed, FtsState
from tests.unit.launch.helpers import DIRECTOR, OPERATOR, RSO, VIEWER, of_type, refusals

RSO_2 = User.of("ray", *RSO.roles)


def test_arm_then_confirm_within_the_window_sends_the_command() -> None:
    fts = FlightTermination(confirm_window_s=10.0)
    (armed,) = fts.arm(RSO, 100.0)
    assert isinstance(armed, FtsArmed)
    assert armed.expires_at_s == 110.0
    assert fts.status(104.0).remaining_s == pytest.approx(6.0)
    actions = fts.confirm(RSO_2, 110.0)  # the last instant of the window still counts
    (command,) = of_type(actions, CommandVehicle)
    assert command.command is VehicleCommand.FLIGHT_TERMINATION
    assert command.who == "ray"
    assert "armed by rosa, confirmed by ray" in command.reason
    assert fts.state is FtsState.SENT


@pytest.mark.parametrize("user", [DIRECTOR, OPERATOR, VIEWER])
def test_only_range_safety_may_arm_confirm_or_disarm(user: User) -> None:
    fts = FlightTermination(10.0)
    assert refusals(fts.arm(user, 0.0))[0].code is RefusalCode.ROLE
    fts.arm(RSO, 0.0)
    assert refusals(fts.confirm(user, 1.0))[0].code is RefusalCode.ROLE
    assert refusals(fts.disarm(user, 1.0))[0].code is RefusalCode.ROLE
    assert fts.state is FtsState.ARMED


def test_confirm_without_arm_is_refused() -> None:
    fts = FlightTermination(10.0)
    refused = refusals(fts.confirm(RSO, 0.0))
    assert refused[0].code is RefusalCode.STATE
    assert "arm first" in refused[0].reason
    assert of_type(fts.confirm(RSO, 0.0), CommandVehicle) == []


def test_confirm_after_the_window_is_refused_and_the_arm_expires() -> None:
    fts = FlightTermination(10.0)
    fts.arm(RSO, 0.0)
    actions = fts.confirm(RSO, 10.01)
    (expired,) = of_type(actions, FtsDisarmed)
    assert expired.expired
    assert expired.at_s == 10.0
    assert refusals(actions)[0].code is RefusalCode.EXPIRED
    assert of_type(actions, CommandVehicle) == []
    assert fts.state is FtsState.SAFE


def test_the_window_runs_out_on_a_tick() -> None:
    fts = FlightTermination(10.0)
    fts.arm(RSO, 0.0)
    assert fts.tick(9.0) == []
    (expired,) = fts.tick(11.0)
    assert isinstance(expired, FtsDisarmed)
    assert fts.state is FtsState.SAFE
    assert refusals(fts.confirm(RSO, 11.5))[0].code is RefusalCode.STATE


def test_disarm_and_double_arm() -> None:
    fts = FlightTermination(10.0)
    fts.arm(RSO, 0.0)
    assert refusals(fts.arm(RSO_2, 1.0))[0].code is RefusalCode.STATE
    (disarmed,) = fts.disarm(RSO, 2.0, "false alarm")
    assert isinstance(disarmed, FtsDisarmed)
    assert not disarmed.expired
    assert refusals(fts.disarm(RSO, 3.0))[0].code is RefusalCode.STATE


def test_after_sending_it_may_be_armed_and_sent_again() -> None:
    fts = FlightTermination(5.0)
    fts.arm(RSO, 0.0)
    fts.confirm(RSO, 1.0)
    fts.arm(RSO, 2.0)
    fts.tick(10.0)
    assert fts.state is FtsState.SENT  # an expired re-arm leaves it as it was: sent
    fts.arm(RSO, 11.0)
    assert of_type(fts.confirm(RSO, 12.0), CommandVehicle)


def test_the_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="> 0"):
        FlightTermination(0.0)
