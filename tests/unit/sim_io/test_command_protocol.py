"""The vehicle side of the command protocol: MAV_CMD mapping, ACKs with reasons, retries acted on once."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from firmware_sim.firmware.commands import CommandOutcome, CommandResult, VehicleCommand
from firmware_sim.io.command_protocol import (
    Answer,
    CommandProtocol,
    CommandRequest,
    Mapped,
    vehicle_command_for,
)
from firmware_sim.io.statustext import StatusTexts
from gcs.protocol.dialect import CountdownState, FlightPhase, seaport
from tests.unit.sim_io.mav_roundtrip import names, received, text_of

S = seaport


def _long(command: int, *params: float, confirmation: int = 0) -> CommandRequest:
    full = (*params, *([0.0] * (7 - len(params))))
    return CommandRequest.from_message(
        received(S.MAVLink_command_long_message(1, 1, command, confirmation, *full))
    )


def _int(command: int, p1: float = 0, x: int = 0, y: int = 0, z: float = 0) -> CommandRequest:
    return CommandRequest.from_message(
        received(
            S.MAVLink_command_int_message(1, 1, S.MAV_FRAME_GLOBAL_INT, command, 0, 0, p1, 0, 0, 0, x, y, z)
        )
    )


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1), Mapped(VehicleCommand.ARM)),
        (_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 0), Mapped(VehicleCommand.DISARM)),
        (_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1, 21196), Mapped(VehicleCommand.ARM, {"force": 1.0})),
        (_long(S.MAV_CMD_MISSION_START), Mapped(VehicleCommand.START_TERMINAL_COUNT)),
        (_long(S.MAV_CMD_NAV_TAKEOFF), Mapped(VehicleCommand.LAUNCH)),
        (
            _long(S.MAV_CMD_HOLD_COUNT, CountdownState.HOLD_OPERATOR),
            Mapped(VehicleCommand.HOLD, {"hold_kind": float(CountdownState.HOLD_OPERATOR)}),
        ),
        (_long(S.MAV_CMD_RESUME_COUNT, -10), Mapped(VehicleCommand.LAUNCH, {"t_zero_s": 110.0})),
        (_long(S.MAV_CMD_RESUME_COUNT, math.nan), Mapped(VehicleCommand.LAUNCH)),
        (
            _long(S.MAV_CMD_DO_SET_MODE, S.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, FlightPhase.ABORT),
            Mapped(VehicleCommand.ABORT),
        ),
        (
            _long(S.MAV_CMD_DO_SET_MODE, S.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, FlightPhase.SAFING),
            Mapped(VehicleCommand.SAFE_VEHICLE),
        ),
        (_long(S.MAV_CMD_DO_FLIGHTTERMINATION, 1), Mapped(VehicleCommand.FLIGHT_TERMINATION)),
        (
            _int(S.MAV_CMD_DIVERT, 3, 311_590_000, -1_219_330_000, 2.5),
            Mapped(
                VehicleCommand.DIVERT,
                {
                    "platform_sysid": 3.0,
                    "latitude_deg": 31.159,
                    "longitude_deg": -121.933,
                    "deck_height_m": 2.5,
                },
            ),
        ),
        (_long(S.MAV_CMD_DIVERT, 3), Mapped(VehicleCommand.DIVERT, {"platform_sysid": 3.0})),
        (_long(S.MAV_CMD_DO_REPOSITION), None),
    ],
)
def test_which_mav_cmd_means_which_vehicle_command(request_: CommandRequest, expected: Mapped | None) -> None:
    got = vehicle_command_for(request_, FlightPhase.STANDBY, now_s=100.0)
    if expected is None:
        assert got is None
        return
    assert isinstance(got, Mapped)
    assert got.command is expected.command
    assert dict(got.args) == pytest.approx(dict(expected.args))


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        (_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 2), "0 or 1"),
        (_long(S.MAV_CMD_HOLD_COUNT, CountdownState.COUNTING), "hold kind"),
        (_long(S.MAV_CMD_RESUME_COUNT, 5), "negative"),
        (_long(S.MAV_CMD_DO_SET_MODE, 0, FlightPhase.ABORT), "custom modes"),
        (_long(S.MAV_CMD_DO_SET_MODE, S.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, FlightPhase.ASCENT), "follows"),
        (_long(S.MAV_CMD_DO_SET_MODE, S.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 99), "not a flight phase"),
    ],
)
def test_malformed_requests_are_denied_before_the_flight_computer_sees_them(
    request_: CommandRequest, why: str
) -> None:
    got = vehicle_command_for(request_, FlightPhase.STANDBY, now_s=0.0)
    assert isinstance(got, Answer)
    assert got.outcome.result is CommandResult.DENIED
    assert why in got.outcome.reason


class FakeComputer:
    """Denies ARM until a plan is loaded; START_TERMINAL_COUNT runs in progress until finished."""

    def __init__(self) -> None:
        self.plan = False
        self.calls: list[VehicleCommand] = []
        self.count_progress: CommandOutcome | None = None

    def command(self, command: VehicleCommand, args: Mapping[str, float]) -> CommandOutcome:
        self.calls.append(command)
        if command is VehicleCommand.ARM and not self.plan:
            return CommandOutcome.denied("PreArm: no flight plan loaded")
        if command is VehicleCommand.START_TERMINAL_COUNT:
            self.count_progress = CommandOutcome(CommandResult.IN_PROGRESS, progress_pct=0)
            return self.count_progress
        return CommandOutcome.accepted()

    def progress(self, command: VehicleCommand) -> CommandOutcome | None:
        return self.count_progress if command is VehicleCommand.START_TERMINAL_COUNT else None


def _protocol(fc: FakeComputer) -> CommandProtocol:
    local = {S.MAV_CMD_REQUEST_MESSAGE: lambda r: Answer(CommandOutcome.accepted())}
    return CommandProtocol(1, 1, fc.command, StatusTexts(), local=local, progress=fc.progress)


def test_a_denial_comes_with_its_reason_and_an_acceptance_without() -> None:
    fc = FakeComputer()
    protocol = _protocol(fc)
    out = protocol.handle(_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1), FlightPhase.STANDBY, 0.0)
    assert names(out) == ["STATUSTEXT", "COMMAND_ACK"]
    assert "no flight plan" in text_of(out)
    ack = received(out[-1])
    assert (ack.command, ack.result, ack.target_system, ack.target_component) == (
        S.MAV_CMD_COMPONENT_ARM_DISARM,
        S.MAV_RESULT_DENIED,
        255,
        190,
    )

    fc.plan = True
    out = protocol.handle(_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1), FlightPhase.STANDBY, 1.0)
    assert names(out) == ["COMMAND_ACK"]
    assert received(out[0]).result == S.MAV_RESULT_ACCEPTED
    assert fc.calls == [VehicleCommand.ARM, VehicleCommand.ARM]


def test_a_retry_is_answered_again_without_acting_twice() -> None:
    fc = FakeComputer()
    fc.plan = True
    protocol = _protocol(fc)
    first = protocol.handle(
        _long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1, confirmation=0), FlightPhase.STANDBY, 0.0
    )
    retry = protocol.handle(
        _long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1, confirmation=1), FlightPhase.STANDBY, 0.5
    )
    again = protocol.handle(
        _long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1, confirmation=2), FlightPhase.STANDBY, 1.0
    )
    assert fc.calls == [VehicleCommand.ARM]
    assert [received(m).result for m in (*first, *retry, *again)] == [S.MAV_RESULT_ACCEPTED] * 3
    # A new command (confirmation back to 0, or other parameters) is acted on.
    protocol.handle(_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 1, confirmation=0), FlightPhase.STANDBY, 2.0)
    protocol.handle(_long(S.MAV_CMD_COMPONENT_ARM_DISARM, 0, confirmation=1), FlightPhase.STANDBY, 2.5)
    assert fc.calls == [VehicleCommand.ARM, VehicleCommand.ARM, VehicleCommand.DISARM]


def test_long_actions_report_progress_then_their_result() -> None:
    fc = FakeComputer()
    protocol = _protocol(fc)
    out = protocol.handle(_long(S.MAV_CMD_MISSION_START), FlightPhase.STANDBY, 0.0)
    assert [(received(m).result, received(m).progress) for m in out] == [(S.MAV_RESULT_IN_PROGRESS, 0)]
    assert protocol.follow_ups() == []  # nothing moved
    fc.count_progress = CommandOutcome(CommandResult.IN_PROGRESS, progress_pct=40)
    assert [(received(m).result, received(m).progress) for m in protocol.follow_ups()] == [
        (S.MAV_RESULT_IN_PROGRESS, 40)
    ]
    retry = protocol.handle(_long(S.MAV_CMD_MISSION_START, confirmation=1), FlightPhase.TERMINAL_COUNT, 1.0)
    assert [(received(m).result, received(m).progress) for m in retry] == [(S.MAV_RESULT_IN_PROGRESS, 40)]
    fc.count_progress = CommandOutcome(CommandResult.FAILED, "Count stopped: hold")
    final = protocol.follow_ups()
    assert names(final) == ["STATUSTEXT", "COMMAND_ACK"]
    assert received(final[-1]).result == S.MAV_RESULT_FAILED
    assert protocol.follow_ups() == []
    assert fc.calls == [VehicleCommand.START_TERMINAL_COUNT]


def test_unknown_commands_are_unsupported_and_local_ones_answered_by_the_endpoint() -> None:
    fc = FakeComputer()
    protocol = _protocol(fc)
    (unsupported,) = protocol.handle(_long(S.MAV_CMD_DO_REPOSITION), FlightPhase.STANDBY, 0.0)
    (local,) = protocol.handle(_long(S.MAV_CMD_REQUEST_MESSAGE, 0), FlightPhase.STANDBY, 0.0)
    assert received(unsupported).result == S.MAV_RESULT_UNSUPPORTED
    assert received(local).result == S.MAV_RESULT_ACCEPTED
    assert fc.calls == []


def test_only_commands_for_us_or_broadcast_are_ours() -> None:
    protocol = _protocol(FakeComputer())
    for target, ours in (((1, 1), True), ((0, 0), True), ((1, 0), True), ((2, 1), False), ((1, 50), False)):
        msg = received(S.MAVLink_command_long_message(*target, 400, 0, 1, 0, 0, 0, 0, 0, 0))
        assert protocol.addressed_to_us(msg) is ours
