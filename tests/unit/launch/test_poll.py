"""The go/no-go poll really blocks: no go for launch with any station no-go or unanswered."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcs.domain.roles import User
from gcs.launch.actions import RecordKind, RefusalCode
from gcs.launch.poll import (
    GoForLaunchGiven,
    GoForLaunchRevoked,
    GoNoGoPoll,
    PollAnswered,
    PollBlocked,
    PollState,
    PollUnblocked,
)
from tests.unit.launch.helpers import DIRECTOR, OPERATOR, STATION_USERS, STATIONS, VEHICLE, WEATHER, refusals


def all_go(poll: GoNoGoPoll, now_s: float = 1.0) -> None:
    for station, user in STATION_USERS.items():
        assert not refusals(poll.answer(user, station, True, now_s))


def test_go_for_launch_needs_every_station_go() -> None:
    poll = GoNoGoPoll(STATIONS)
    refused = refusals(poll.give_go_for_launch(DIRECTOR, 0.0))
    assert [r.code for r in refused] == [RefusalCode.GATE]
    assert "no poll round open" in refused[0].reason
    poll.open(0.0, DIRECTOR)
    poll.answer(VEHICLE, "vehicle", True, 1.0)
    poll.answer(WEATHER, "weather", False, 1.0, "lightning within 10 nmi")
    refused = refusals(poll.give_go_for_launch(DIRECTOR, 2.0))
    assert "weather no-go (lightning within 10 nmi)" in refused[0].reason
    assert "unanswered: launch_director" in refused[0].reason
    all_go(poll, 3.0)
    actions = poll.give_go_for_launch(DIRECTOR, 4.0)
    assert isinstance(actions[0], GoForLaunchGiven)
    assert actions[0].record is RecordKind.DECISION
    assert poll.state is PollState.GO_FOR_LAUNCH
    assert poll.go_for_launch_gate().go


def test_a_blocker_keeps_the_poll_no_go_whatever_the_stations_say_until_lifted() -> None:
    poll = GoNoGoPoll(STATIONS)
    poll.open(0.0, DIRECTOR)
    all_go(poll)
    poll.give_go_for_launch(DIRECTOR, 2.0)
    actions = poll.set_blocker("fleet", "YXZ-01 inspection due: engine starts 8 >= limit 8", 3.0)
    assert [type(a) for a in actions] == [PollBlocked, GoForLaunchRevoked]
    assert poll.state is PollState.OPEN
    assert poll.set_blocker("fleet", "YXZ-01 inspection due: engine starts 8 >= limit 8", 3.5) == []
    all_go(poll, 4.0)  # every station go again: still blocked
    refused = refusals(poll.give_go_for_launch(DIRECTOR, 5.0))
    assert [r.code for r in refused] == [RefusalCode.GATE]
    assert "fleet: YXZ-01 inspection due: engine starts 8 >= limit 8" in refused[0].reason
    assert [(b.source, b.reason) for b in poll.status().blockers] == [
        ("fleet", "YXZ-01 inspection due: engine starts 8 >= limit 8")]
    assert [type(a) for a in poll.set_blocker("fleet", None, 6.0)] == [PollUnblocked]
    assert poll.status().blockers == ()
    assert isinstance(poll.give_go_for_launch(DIRECTOR, 7.0)[0], GoForLaunchGiven)


def test_a_later_no_go_revokes_go_for_launch() -> None:
    poll = GoNoGoPoll(STATIONS)
    poll.open(0.0)
    all_go(poll)
    poll.give_go_for_launch(DIRECTOR, 2.0)
    actions = poll.answer(VEHICLE, "vehicle", False, 3.0, "IMU bias out of spec")
    assert isinstance(actions[1], GoForLaunchRevoked)
    assert poll.state is PollState.OPEN
    assert not poll.go_for_launch_gate().go
    assert "IMU bias" in poll.poll_gate().reason


@pytest.mark.parametrize(
    ("user", "station", "go", "reason", "code"),
    [
        (WEATHER, "vehicle", True, "", RefusalCode.ROLE),  # someone else's station
        (OPERATOR, "weather", True, "", RefusalCode.ROLE),
        (DIRECTOR, "weather", True, "", RefusalCode.ROLE),  # even the launch director
        (WEATHER, "weather", False, "  ", RefusalCode.INVALID),  # a no-go must say why
        (WEATHER, "sea state", True, "", RefusalCode.UNKNOWN),
    ],
)
def test_answers_are_refused_with_a_reason(
    user: User, station: str, go: bool, reason: str, code: RefusalCode
) -> None:
    poll = GoNoGoPoll(STATIONS)
    poll.open(0.0)
    refused = refusals(poll.answer(user, station, go, 1.0, reason))
    assert [r.code for r in refused] == [code]
    assert poll.answer_of(station) is None


def test_no_answers_without_an_open_round_and_only_the_director_opens_one() -> None:
    poll = GoNoGoPoll(STATIONS)
    assert refusals(poll.answer(WEATHER, "weather", True, 0.0))[0].code is RefusalCode.STATE
    assert refusals(poll.open(0.0, OPERATOR))[0].code is RefusalCode.ROLE
    assert refusals(poll.give_go_for_launch(OPERATOR, 0.0))[0].code is RefusalCode.ROLE


def test_closing_the_round_forgets_the_answers() -> None:
    poll = GoNoGoPoll(STATIONS)
    poll.open(0.0)
    all_go(poll)
    poll.give_go_for_launch(DIRECTOR, 2.0)
    actions = poll.close("recycled to T-10", 3.0)
    assert [a.name for a in actions] == ["go_for_launch_revoked", "poll_closed"]
    assert poll.state is PollState.CLOSED
    assert all(row.answer is None for row in poll.status().rows)
    poll.open(4.0)
    assert poll.round == 2
    assert not poll.poll_gate().go


def test_answers_carry_who_when_and_why() -> None:
    poll = GoNoGoPoll(STATIONS)
    poll.open(0.0)
    (answered,) = poll.answer(WEATHER, "weather", False, 7.5, "ceiling 300 m")
    assert isinstance(answered, PollAnswered)
    assert (answered.who, answered.at_s, answered.reason, answered.go) == ("wes", 7.5, "ceiling 300 m", False)
    assert answered.payload() == {
        "action": "poll_answered",
        "reason": "ceiling 300 m",
        "round": 1,
        "station": "weather",
        "go": False,
    }


# --- any sequence ---------------------------------------------------------------------------------

USERS = [*STATION_USERS.values(), OPERATOR]
step = st.one_of(
    st.tuples(st.just("open"), st.sampled_from([DIRECTOR, OPERATOR])),
    st.tuples(
        st.just("answer"),
        st.sampled_from(USERS),
        st.sampled_from([*STATION_USERS, "nope"]),
        st.booleans(),
        st.sampled_from(["", "why not"]),
    ),
    st.tuples(st.just("go_for_launch"), st.sampled_from([DIRECTOR, OPERATOR])),
    st.tuples(st.just("close")),
    st.tuples(st.just("revoke")),
)


@settings(max_examples=300)
@given(steps=st.lists(step, max_size=40))
def test_no_sequence_reaches_go_for_launch_with_a_station_not_go(steps: list[tuple[object, ...]]) -> None:
    poll = GoNoGoPoll(STATIONS)
    for now, s in enumerate(steps):
        match s:
            case ("open", user):
                poll.open(float(now), user)  # type: ignore[arg-type]
            case ("answer", user, station, go, reason):
                poll.answer(user, station, go, float(now), reason)  # type: ignore[arg-type]
            case ("go_for_launch", user):
                poll.give_go_for_launch(user, float(now))  # type: ignore[arg-type]
            case ("close",):
                poll.close("closed", float(now))
            case ("revoke",):
                poll.revoke_go_for_launch("unplanned hold", float(now))
        if poll.state is PollState.GO_FOR_LAUNCH or poll.go_for_launch_gate().go:
            for station in STATIONS:
                answer = poll.answer_of(station.name)
                assert answer is not None
                assert answer.go
            assert poll.status().go_for_launch_by == DIRECTOR.name
        for station in STATIONS:
            answer = poll.answer_of(station.name)
            if answer is not None:  # every recorded answer came from a holder of the station's role
                assert station.role in STATION_USERS[station.name].roles
                assert answer.who == STATION_USERS[station.name].name
