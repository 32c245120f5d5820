"""The launch team of a headless SITL run, as a pure policy: what a nominal team asks for, and when.

Given the launch status, ``ScriptedTeam.decide`` returns the requests people at the consoles would
make in a nominal count: the launch director starts the count once every commit criterion is go,
and resumes it after an automatic hold once they are go again; when a poll is open each station's
engineer answers go; with every station go the director gives go for launch; after landing the
recovery crew confirms the checklist steps that need a person. Each request is made once; the
launch cores check the roles and the state exactly as for a person at the console.

A scenario's ``[team]`` table (``TeamScript``) makes the team depart from that on purpose: stations
that answer no-go, a director who asks for go regardless (to be refused), a recycle at a count
time (then the count is picked up again from the recycle point), a scrub after a long automatic
hold, a divert or a flight termination at a count time, or a range safety officer who terminates
as soon as range safety recommends it.

Knows nothing of time sources or of how the requests reach launch control.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from gcs.domain.roles import Role, User
from gcs.launch.control import (
    AnswerPoll,
    ArmTermination,
    ConfirmRecoveryItem,
    ConfirmTermination,
    GiveGoForLaunch,
    LaunchEvent,
    LaunchStatus,
    OrderDivert,
)
from gcs.launch.countdown import (
    CountState,
    HoldCount,
    HoldKind,
    RecycleCount,
    ResumeCount,
    ScrubCount,
    StartCount,
)
from gcs.launch.poll import PollState
from gcs.launch.recovery import RecoveryState
from gcs.sitl.scenario import TeamScript


class _Step(enum.Enum):
    """A departure in steps (hold, recycle, resume; arm then confirm)."""

    NOT_YET = "not yet"
    STARTED = "started"
    RECYCLED = "recycled"
    """The count stands at the recycle point; the director picks it up once the criteria are go."""
    DONE = "done"


def team_users() -> dict[Role, User]:
    """One person per role, named for it (the journal shows who did what)."""
    return {role: User.of(f"sitl-{role.value.replace('_', '-')}", role) for role in Role}


@dataclass
class ScriptedTeam:
    users: dict[Role, User] = field(default_factory=team_users)
    script: TeamScript = field(default_factory=TeamScript)
    _started: bool = False
    _recycle: _Step = _Step.NOT_YET
    _scrubbed: bool = False
    _diverted: bool = False
    _terminating: _Step = _Step.NOT_YET
    _answered: set[tuple[int, str]] = field(default_factory=set)
    _go_given_rounds: set[int] = field(default_factory=set)
    _confirmed: set[str] = field(default_factory=set)
    _resumed: set[tuple[str, float]] = field(default_factory=set)
    _last_poll_state: PollState | None = None

    def decide(self, status: LaunchStatus) -> list[LaunchEvent]:
        """The requests the team makes on seeing ``status`` (each one once)."""
        out: list[LaunchEvent] = []
        director = self.users[Role.LAUNCH_DIRECTOR]
        self._departures(status, out)
        if not self._started and status.countdown.state is CountState.IDLE and status.criteria_gate.go:
            # A director picks up the count with every commit criterion green, not before.
            self._started = True
            out.append(StartCount(director))
        hold = status.countdown.hold
        if (status.countdown.state is CountState.HOLDING and hold is not None
                and hold.kind is HoldKind.AUTOMATIC and status.criteria_gate.go
                and (hold.reason, hold.since_s) not in self._resumed):
            # The rule that held the count is go again: the director resumes, once per hold.
            self._resumed.add((hold.reason, hold.since_s))
            out.append(ResumeCount(director))
        poll = status.poll
        if self._last_poll_state is PollState.GO_FOR_LAUNCH and poll.state is PollState.OPEN:
            # An unplanned hold revoked go for launch: once the count runs again it is given again.
            self._go_given_rounds.discard(poll.round)
        self._last_poll_state = poll.state
        if poll.state is PollState.OPEN:
            for row in poll.rows:
                key = (poll.round, row.station.name)
                if row.answer is None and key not in self._answered:
                    self._answered.add(key)
                    go = row.station.name not in self.script.no_go
                    out.append(AnswerPoll(self.users[row.station.role], row.station.name, go,
                                          "" if go else "no-go by the scenario's script"))
            answered = all(row.answer is not None for row in poll.rows)
            all_go = answered and all(row.answer is not None and row.answer.go for row in poll.rows)
            counting = status.countdown.state in (CountState.COUNTING, CountState.HOLDING)
            asks = all_go or (answered and self.script.insist_on_go)
            # Not for a round that the director's own recycle is about to close.
            recycling = self._recycle in (_Step.STARTED, _Step.RECYCLED)
            if asks and counting and not recycling and poll.round not in self._go_given_rounds:
                self._go_given_rounds.add(poll.round)
                out.append(GiveGoForLaunch(director))
        if status.recovery_state is RecoveryState.OPEN:
            for item in status.recovery:
                role = item.item.confirm_role
                name = item.item.name
                waiting = item.done or item.waiting_for or name in self._confirmed
                if role is not None and not waiting:
                    self._confirmed.add(name)
                    out.append(ConfirmRecoveryItem(self.users[role], name))
        return out

    def _departures(self, status: LaunchStatus, out: list[LaunchEvent]) -> None:
        """What the scenario's script asks of the team beyond a nominal count."""
        script, count = self.script, status.countdown
        director = self.users[Role.LAUNCH_DIRECTOR]
        t_s = count.t_count_s
        if script.recycle_at_t_s is not None and script.recycle_to is not None:
            due = count.state is CountState.COUNTING and t_s >= script.recycle_at_t_s
            if self._recycle is _Step.NOT_YET and due:
                self._recycle = _Step.STARTED
                out.append(HoldCount(director, f"scripted recycle to {script.recycle_to}"))
            elif self._recycle is _Step.STARTED and count.state is CountState.HOLDING:
                self._recycle = _Step.RECYCLED
                out.append(RecycleCount(director, script.recycle_to))
            elif (self._recycle is _Step.RECYCLED and count.state is CountState.HOLDING
                  and count.hold is not None and count.hold.kind is HoldKind.RECYCLE
                  and status.criteria_gate.go):
                # A recycle is there to count again: from the point, through a new poll round.
                self._recycle = _Step.DONE
                out.append(ResumeCount(director))
        hold = count.hold
        if (script.scrub_after_hold_s is not None and not self._scrubbed and count.state is CountState.HOLDING
                and hold is not None and hold.kind is HoldKind.AUTOMATIC
                and count.hold_elapsed_s >= script.scrub_after_hold_s):
            self._scrubbed = True
            out.append(ScrubCount(director, f"held {count.hold_elapsed_s:.0f} s on: {hold.reason}"))
        if script.divert_at_t_s is not None and not self._diverted and count.lifted_off \
                and t_s >= script.divert_at_t_s:
            self._diverted = True
            out.append(OrderDivert(director))
        safety = self.users[Role.RANGE_SAFETY]
        at_time = script.terminate_at_t_s is not None and count.lifted_off and t_s >= script.terminate_at_t_s
        recommended = script.terminate_on_recommendation and status.range.termination_recommended is not None
        if at_time or recommended:
            if self._terminating is _Step.NOT_YET:
                self._terminating = _Step.STARTED
                out.append(ArmTermination(safety))
            elif self._terminating is _Step.STARTED:
                self._terminating = _Step.DONE
                out.append(ConfirmTermination(safety))
