"""Launch intents on the wire: each intent gives the MAVLink command of the table, or says why not."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gcs.domain.platform import PlatformSite
from gcs.errors import CommandTimeoutError, LaunchControlError
from gcs.launch.actions import CommandVehicle, VehicleCommand
from gcs.launch.vehicle_commands import MavlinkCommander
from gcs.links.commands import CommandAck
from gcs.links.enums import MavResult
from gcs.protocol.dialect import CountdownState, FlightPhase, seaport

BARGE = PlatformSite("alternate-barge", 31.5, -122.4, 3.0)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, int, tuple[float, ...], dict[str, Any]]] = []

    def _ack(self, command: int) -> CommandAck:
        return CommandAck(command=command, result=MavResult.ACCEPTED, progress=0, result_param2=0,
                          attempts=1, elapsed_s=0.01)

    async def long(self, command: int, *params: float) -> CommandAck:
        self.sent.append(("long", command, params, {}))
        return self._ack(command)

    async def int(self, command: int, *, params: tuple[float, ...] = (), x: int = 0, y: int = 0,
                  z: float = 0.0) -> CommandAck:
        self.sent.append(("int", command, params, {"x": x, "y": y, "z": z}))
        return self._ack(command)


MODE = float(seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (CommandVehicle(at_s=0, command=VehicleCommand.ARM), ("long", 400, (1.0,))),
        (CommandVehicle(at_s=0, command=VehicleCommand.HOLD_COUNT),
         ("long", 52500, (float(CountdownState.HOLD_AUTOMATIC),))),
        (CommandVehicle(at_s=0, who="dana", command=VehicleCommand.HOLD_COUNT),
         ("long", 52500, (float(CountdownState.HOLD_OPERATOR),))),
        (CommandVehicle(at_s=0, command=VehicleCommand.RESUME_COUNT, t_count_s=-45.0),
         ("long", 52501, (-45.0,))),
        (CommandVehicle(at_s=0, command=VehicleCommand.SAFE_VEHICLE),
         ("long", 176, (MODE, float(FlightPhase.SAFING)))),
        (CommandVehicle(at_s=0, command=VehicleCommand.FLIGHT_TERMINATION), ("long", 185, (1.0,))),
        (CommandVehicle(at_s=0, who="rosa", command=VehicleCommand.ABORT),
         ("long", 176, (MODE, float(FlightPhase.ABORT)))),
    ],
)
async def test_intents_map_onto_the_table(
    action: CommandVehicle, expected: tuple[str, int, tuple[float, ...]]
) -> None:
    service = Recorder()
    detail = await MavlinkCommander(service, {})(action)
    assert service.sent[0][:3] == expected
    assert detail.startswith("accepted after 1 attempt")


async def test_the_handoff_hands_the_count_time_to_the_vehicle() -> None:
    """MISSION_START puts the vehicle in its terminal count; RESUME_COUNT with the count time is its
    ignition go, so the vehicle's own sequencer runs the rest of the count."""
    service = Recorder()
    detail = await MavlinkCommander(service, {})(
        CommandVehicle(at_s=0, command=VehicleCommand.START_TERMINAL_COUNT, t_count_s=-30.0)
    )
    assert [sent[:3] for sent in service.sent] == [("long", 300, ()), ("long", 52501, (-30.0,))]
    assert "T-30" in detail


async def test_a_late_handoff_gives_the_vehicle_the_count_time_as_it_is_sent() -> None:
    service = Recorder()
    await MavlinkCommander(service, {}, now_s=lambda: 112.5)(
        CommandVehicle(at_s=100.0, command=VehicleCommand.START_TERMINAL_COUNT, t_count_s=-30.0)
    )
    assert service.sent[1][:3] == ("long", 52501, (-17.5,))  # 12.5 s of the count went by


async def test_a_handoff_answered_after_t0_resumes_at_the_latest_t_minus() -> None:
    service = Recorder()
    await MavlinkCommander(service, {}, now_s=lambda: 131.0)(
        CommandVehicle(at_s=100.0, command=VehicleCommand.START_TERMINAL_COUNT, t_count_s=-30.0)
    )
    assert service.sent[1][:3] == ("long", 52501, (-0.1,))


class SlowMissionStart(Recorder):
    """MISSION_START's answer is lost (the vehicle took it; the link was slow)."""

    async def long(self, command: int, *params: float) -> CommandAck:
        self.sent.append(("long", command, params, {}))
        if command == 300:
            raise CommandTimeoutError(300, 4, 4.1, command_name="MAV_CMD_MISSION_START")
        return self._ack(command)


async def test_an_unanswered_mission_start_still_sends_the_ignition_go_whose_answer_settles_it() -> None:
    service = SlowMissionStart()
    detail = await MavlinkCommander(service, {})(
        CommandVehicle(at_s=0, command=VehicleCommand.START_TERMINAL_COUNT, t_count_s=-30.0)
    )
    assert [sent[1] for sent in service.sent] == [300, 52501]
    assert "T-30" in detail


@pytest.mark.parametrize("command", [VehicleCommand.HOLD_COUNT, VehicleCommand.RESUME_COUNT])
@pytest.mark.parametrize(
    ("phase", "sent"),
    [(FlightPhase.STANDBY, False), (FlightPhase.SAFE, False), (FlightPhase.TERMINAL_COUNT, True),
     (None, True)],
)
async def test_holds_and_resumes_reach_the_vehicle_only_while_it_runs_a_count(
    command: VehicleCommand, phase: FlightPhase | None, sent: bool
) -> None:
    service = Recorder()
    detail = await MavlinkCommander(service, {}, lambda: phase)(
        CommandVehicle(at_s=0, command=command, t_count_s=-100.0)
    )
    assert bool(service.sent) is sent
    if not sent:
        assert "ground count only" in detail


async def test_resume_without_a_count_time_leaves_the_lead_to_the_vehicle() -> None:
    service = Recorder()
    await MavlinkCommander(service, {})(CommandVehicle(at_s=0, command=VehicleCommand.RESUME_COUNT))
    assert math.isnan(service.sent[0][2][0])


async def test_divert_sends_the_platform_position_as_command_int() -> None:
    service = Recorder()
    commander = MavlinkCommander(service, {BARGE.name: BARGE})
    await commander(CommandVehicle(at_s=0, command=VehicleCommand.DIVERT, target=BARGE.name))
    assert service.sent == [("int", 52502, (), {"x": 315_000_000, "y": -1_224_000_000, "z": 3.0})]
    with pytest.raises(LaunchControlError, match="not a platform"):
        await commander(CommandVehicle(at_s=0, command=VehicleCommand.DIVERT, target="nowhere"))


@pytest.mark.parametrize("command", [VehicleCommand.PROPELLANT_LOAD, VehicleCommand.ENGINE_CHILL,
                                     VehicleCommand.PRESSURISE])
async def test_ground_support_steps_send_nothing(command: VehicleCommand) -> None:
    service = Recorder()
    detail = await MavlinkCommander(service, {})(CommandVehicle(at_s=0, command=command))
    assert service.sent == []
    assert "ground support" in detail
