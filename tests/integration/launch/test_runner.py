"""The launch runner in one event loop: hub in, decisions out, commands carried out in order.

Time is a SimClock stepped by the test, so a count of minutes runs in milliseconds and every
decision lands at a known count time.
"""

from __future__ import annotations

import asyncio
import dataclasses

from gcs.clock import SimClock
from gcs.domain.phases import FlightPhase
from gcs.errors import CommandRejectedError
from gcs.hub import Hub
from gcs.launch.actions import Action, CommandVehicle, VehicleCommand
from gcs.launch.control import LaunchControl, load_setup
from gcs.launch.countdown import CountState, StartCount
from gcs.launch.runner import CommandOutcome, LaunchRunner, LaunchStatusUpdate
from gcs.links.values import MavlinkTelemetry
from gcs.protocol.dialect import seaport
from tests.unit.launch.helpers import CONFIGS, DIRECTOR, TIMELINE


def _control() -> LaunchControl:
    setup = load_setup(
        CONFIGS / "countdowns" / "quick-hop.toml",
        CONFIGS / "limits" / "commit-criteria.toml",
        CONFIGS / "limits" / "red-lines.toml",
        CONFIGS / "range" / "cargo-hop.toml",
        CONFIGS / "limits" / "landing.toml",
    )
    return LaunchControl(dataclasses.replace(setup, timeline=TIMELINE))


class Commander:
    """Accepts every command but a refused one, as a vehicle would answer."""

    def __init__(self, refuse: VehicleCommand | None = None) -> None:
        self.sent: list[VehicleCommand] = []
        self.refuse = refuse

    async def __call__(self, action: CommandVehicle) -> str:
        self.sent.append(action.command)
        if action.command is self.refuse:
            raise CommandRejectedError(400, 2, "not ready", command_name="ARM")
        return "accepted"


async def _run_for(clock: SimClock, seconds: float, step_s: float = 0.1) -> None:
    for _ in range(round(seconds / step_s)):
        clock.advance(step_s)
        await asyncio.sleep(0)
        await asyncio.sleep(0)


async def test_count_runs_on_the_clock_and_commands_reach_the_vehicle() -> None:
    clock = SimClock(epoch_unix_s=1_800_000_000.0)
    hub = Hub()
    recorded: list[Action] = []
    outcomes: list[CommandOutcome] = []
    commander = Commander()
    runner = LaunchRunner(_control(), hub=hub, clock=clock, vehicle_sysid=1, record=recorded.append,
                          command=commander, record_outcome=outcomes.append)
    async with asyncio.TaskGroup() as group:
        task = group.create_task(runner.run(), name="launch runner")
        await asyncio.sleep(0)
        decisions = runner.request(StartCount(DIRECTOR))
        assert decisions, "starting the count is a decision"
        assert recorded[: len(decisions)] == decisions
        status = hub.latest(LaunchStatusUpdate)
        assert status is not None
        assert status.status.countdown.state is CountState.COUNTING

        # The vehicle shows up on the hub: its phase reaches launch control.
        hub.publish(MavlinkTelemetry(1, 1, seaport.MAVLink_heartbeat_message(
            seaport.MAV_TYPE_ROCKET, 0, 0, int(FlightPhase.STANDBY), 3, 3), clock.unix_time_s(), 0.0),
            key=(1, "HEARTBEAT"))
        hub.publish(MavlinkTelemetry(1, 1, seaport.MAVLink_global_position_int_message(
            0, 365_000_000, 1_216_000_000, 30_000, 0, 0, 0, 0, 0), clock.unix_time_s(), 0.0),
            key=(1, "GLOBAL_POSITION_INT"))
        await _run_for(clock, 1.0)
        latest = hub.latest(LaunchStatusUpdate)
        assert latest is not None
        assert latest.status.vehicle_phase is FlightPhase.STANDBY

        # The built-in hold at T-80 goes to the vehicle; when it ends, the commit criteria have no
        # deck data from the landing platform, so the count holds on its own and says why.
        await _run_for(clock, 35.0)
        task.cancel()
    assert commander.sent[0] is VehicleCommand.HOLD_COUNT, [a.name for a in recorded]
    assert [o.action.command for o in outcomes] == commander.sent
    assert all(o.ok for o in outcomes)
    auto_holds = [a for a in recorded if a.name == "count_changed" and "commit criteria no-go" in a.reason]
    assert auto_holds, [a.reason for a in recorded]
    assert "no data for landing_platform.pitch_max_10min_deg" in auto_holds[0].reason
    assert auto_holds[0].who is None  # automation's decision, journaled as such


async def test_a_refused_command_is_an_outcome_not_a_crash() -> None:
    clock = SimClock()
    hub = Hub()
    outcomes: list[CommandOutcome] = []
    commander = Commander(refuse=VehicleCommand.HOLD_COUNT)
    runner = LaunchRunner(_control(), hub=hub, clock=clock, vehicle_sysid=1, record=lambda a: None,
                          command=commander, record_outcome=outcomes.append)
    async with asyncio.TaskGroup() as group:
        task = group.create_task(runner.run(), name="launch runner")
        await asyncio.sleep(0)
        runner.request(StartCount(DIRECTOR))
        await _run_for(clock, 35.0)
        task.cancel()
    refused = [o for o in outcomes if o.action.command is VehicleCommand.HOLD_COUNT]
    assert refused
    assert not refused[0].ok
    assert "not ready" in refused[0].detail
    assert hub.latest(CommandOutcome) is not None


async def test_a_refused_timeline_command_holds_the_count_through_the_runner() -> None:
    clock = SimClock()
    hub = Hub()
    recorded: list[Action] = []
    commander = Commander(refuse=VehicleCommand.ENGINE_CHILL)
    # No commit criteria: nothing but the refused chill-down may stop this count.
    control = LaunchControl(dataclasses.replace(_control().setup, criteria=()))
    runner = LaunchRunner(control, hub=hub, clock=clock, vehicle_sysid=1, record=recorded.append,
                          command=commander)
    async with asyncio.TaskGroup() as group:
        task = group.create_task(runner.run(), name="launch runner")
        await asyncio.sleep(0)
        runner.request(StartCount(DIRECTOR))
        await _run_for(clock, 55.0)  # T-100 to T-55 with the 10 s built-in hold: past the chill at T-60
        task.cancel()
    assert VehicleCommand.ENGINE_CHILL in commander.sent
    assert control.countdown.state is CountState.HOLDING, [a.reason for a in recorded]
    holds = [a for a in recorded if a.name == "count_changed" and "engine chill failed" in a.reason]
    assert holds, [a.reason for a in recorded]
    assert "not ready" in holds[0].reason
