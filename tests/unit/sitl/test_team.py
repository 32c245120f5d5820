"""The scripted launch team runs a nominal count to the hand-off, and asks for each thing once."""

from __future__ import annotations

import dataclasses

from gcs.domain.roles import Role
from gcs.launch.actions import CommandVehicle, Refused, VehicleCommand
from gcs.launch.control import (
    AnswerPoll,
    ArmTermination,
    ConfirmTermination,
    GiveGoForLaunch,
    LaunchControl,
    LaunchStatus,
)
from gcs.launch.countdown import HoldCount, RecycleCount, ResumeCount, StartCount, Tick
from gcs.launch.poll import GoForLaunchGiven
from gcs.sitl.scenario import TeamScript
from gcs.sitl.team import ScriptedTeam
from tests.unit.launch.test_control import World, quick_setup


def _run(team: ScriptedTeam, seconds: int) -> tuple[LaunchControl, list[object], list[object]]:
    control = LaunchControl(quick_setup())
    world = World()
    requests: list[object] = []
    actions: list[object] = []
    t_s = 1_800_000_000.0
    for _ in range(seconds):
        for event in world.inputs(t_s):
            actions += control.handle(event, t_s)
        actions += control.handle(Tick(), t_s)
        for request in team.decide(control.status(t_s)):
            requests.append(request)
            actions += control.handle(request, t_s)
        t_s += 1.0
    return control, requests, actions


def test_the_team_takes_a_nominal_count_to_the_handoff_with_one_request_each() -> None:
    control, requests, actions = _run(ScriptedTeam(), 400)
    handoffs = [a for a in actions if isinstance(a, CommandVehicle)
                and a.command is VehicleCommand.START_TERMINAL_COUNT]
    assert len(handoffs) == 1
    assert not [a for a in actions if isinstance(a, Refused)]
    assert sum(isinstance(r, StartCount) for r in requests) == 1
    stations = {row.station.name for row in control.status(1_800_000_400.0).poll.rows}
    answered = [r.station for r in requests if isinstance(r, AnswerPoll)]
    assert sorted(answered) == sorted(stations)  # each station once, by a user of its role
    assert sum(isinstance(r, GiveGoForLaunch) for r in requests) == 1


def test_a_scripted_no_go_station_blocks_go_and_an_insisting_director_is_refused() -> None:
    _, requests, actions = _run(ScriptedTeam(script=TeamScript(no_go=("weather",), insist_on_go=True)),
                                      400)
    no_go = [r for r in requests if isinstance(r, AnswerPoll) and not r.go]
    assert [r.station for r in no_go] == ["weather"]
    assert no_go[0].reason  # a no-go needs a reason
    assert any(isinstance(r, GiveGoForLaunch) for r in requests)
    assert any(isinstance(a, Refused) and a.request == "go for launch" for a in actions), actions
    assert not [a for a in actions if isinstance(a, CommandVehicle)
                and a.command is VehicleCommand.START_TERMINAL_COUNT]


def test_a_scripted_recycle_holds_first_then_recycles_once() -> None:
    _, requests, _ = _run(ScriptedTeam(script=TeamScript(recycle_at_t_s=-100.0, recycle_to="T-2")), 400)
    holds = [r for r in requests if isinstance(r, HoldCount)]
    recycles = [r for r in requests if isinstance(r, RecycleCount)]
    assert len(holds) == 1
    assert [r.point for r in recycles] == ["T-2"]
    assert requests.index(holds[0]) < requests.index(recycles[0])


def test_after_a_scripted_recycle_the_director_counts_again_through_a_new_poll_round() -> None:
    _, requests, actions = _run(
        ScriptedTeam(script=TeamScript(recycle_at_t_s=-100.0, recycle_to="T-2")), 600)
    recycle = next(i for i, r in enumerate(requests) if isinstance(r, RecycleCount))
    resumes = [r for r in requests[recycle:] if isinstance(r, ResumeCount)]
    assert len(resumes) == 1
    assert [a.round for a in actions if isinstance(a, GoForLaunchGiven)] == [1, 2]
    handoffs = [a for a in actions if isinstance(a, CommandVehicle)
                and a.command is VehicleCommand.START_TERMINAL_COUNT]
    assert len(handoffs) == 1
    assert not [a for a in actions if isinstance(a, Refused)]


def _recommending(status: LaunchStatus, why: str | None) -> LaunchStatus:
    return dataclasses.replace(status, range=dataclasses.replace(status.range, termination_recommended=why))


def test_range_safety_terminates_in_two_steps_once_termination_is_recommended_if_scripted_to() -> None:
    status = LaunchControl(quick_setup()).status(1_800_000_000.0)
    team = ScriptedTeam(script=TeamScript(terminate_on_recommendation=True))
    assert not [r for r in team.decide(status) if isinstance(r, ArmTermination | ConfirmTermination)]
    recommended = _recommending(status, "flight termination recommended: IIP outside the corridor")
    first, second, third = (team.decide(recommended) for _ in range(3))
    assert [type(r) for r in first] == [ArmTermination]
    assert [type(r) for r in second] == [ConfirmTermination]
    assert third == []
    rso = team.users[Role.RANGE_SAFETY]
    users = [r.user for r in (*first, *second) if isinstance(r, ArmTermination | ConfirmTermination)]
    assert users == [rso, rso]


def test_an_unscripted_range_safety_officer_does_not_terminate_on_a_recommendation() -> None:
    status = LaunchControl(quick_setup()).status(1_800_000_000.0)
    team = ScriptedTeam()
    recommended = _recommending(status, "flight termination recommended: IIP outside the corridor")
    assert not [r for _ in range(3) for r in team.decide(recommended)
                if isinstance(r, ArmTermination | ConfirmTermination)]
