"""The launch team of a headless SITL run, as a pure policy: what a nominal team asks for, and when.

Given the launch status, ``ScriptedTeam.decide`` returns the requests people at the consoles would
make in a nominal count: the launch director starts the count once every commit criterion is go,
and resumes it after an automatic hold once they are go again; when a poll is open each station's
engineer answers go; with every station go the director gives go for launch; after landing the
recovery crew confirms the checklist steps that need a person. Each request is made once; the
launch cores check the roles and the state exactly as for a person at the console.

Knows nothing of time sources or of how the requests reach launch control.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gcs.domain.roles import Role, User
from gcs.launch.control import AnswerPoll, ConfirmRecoveryItem, GiveGoForLaunch, LaunchEvent, LaunchStatus
from gcs.launch.countdown import CountState, HoldKind, ResumeCount, StartCount
from gcs.launch.poll import PollState
from gcs.launch.recovery import RecoveryState


def team_users() -> dict[Role, User]:
    """One person per role, named for it (the journal shows who did what)."""
    return {role: User.of(f"sitl-{role.value.replace('_', '-')}", role) for role in Role}


@dataclass
class ScriptedTeam:
    users: dict[Role, User] = field(default_factory=team_users)
    _started: bool = False
    _answered: set[tuple[int, str]] = field(default_factory=set)
    _go_given_rounds: set[int] = field(default_factory=set)
    _confirmed: set[str] = field(default_factory=set)
    _resumed: set[tuple[str, float]] = field(default_factory=set)
    _last_poll_state: PollState | None = None

    def decide(self, status: LaunchStatus) -> list[LaunchEvent]:
        out: list[LaunchEvent] = []
        director = self.users[Role.LAUNCH_DIRECTOR]
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
                    out.append(AnswerPoll(self.users[row.station.role], row.station.name, True))
            all_go = all(row.answer is not None and row.answer.go for row in poll.rows)
            counting = status.countdown.state in (CountState.COUNTING, CountState.HOLDING)
            if all_go and counting and poll.round not in self._go_given_rounds:
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
