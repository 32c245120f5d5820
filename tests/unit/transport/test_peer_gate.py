"""The ``tcpin`` slot rule as tables: who takes the slot, who waits, who is refused, and when."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gcs.transport.peer_gate import Admission, PeerCounts, PeerGate

SILENCE_S = 3.0


@dataclass(frozen=True)
class Hear:
    """The holder sent bytes at ``t``."""

    t: float


@dataclass(frozen=True)
class Vouch:
    """The layer above vouched for the holder's traffic at ``t``."""

    t: float


@dataclass(frozen=True)
class Left:
    """The holder went."""


@dataclass(frozen=True)
class Ask:
    """At ``t``, the answer for a newcomer waiting since ``since`` (the holder closed or not)."""

    t: float
    since: float
    expected: Admission
    holder_closed: bool = False
    next_check: float | None = None
    """For WAIT: when it is next due an answer."""


Step = Hear | Vouch | Left | Ask

TAKE, REPLACE, WAIT, REFUSE = Admission.TAKE, Admission.REPLACE, Admission.WAIT, Admission.REFUSE

CASES: dict[str, list[Step]] = {
    "a free slot is taken at once": [Ask(0.0, 0.0, TAKE)],
    "a live holder keeps the slot, the newcomer waits then is refused": [
        Ask(0.0, 0.0, TAKE),
        Hear(1.0),
        Ask(1.5, 1.5, WAIT, next_check=4.0),
        Hear(2.0),
        Hear(3.9),
        Ask(4.0, 1.5, WAIT, next_check=4.5),
        Ask(4.5, 1.5, REFUSE),
    ],
    "a holder silent for the whole interval is replaced (a half-open connection)": [
        Ask(0.0, 0.0, TAKE),
        Hear(1.0),
        Ask(2.0, 2.0, WAIT, next_check=4.0),
        Ask(4.0, 2.0, REPLACE),
    ],
    "a holder silent long before the newcomer came is replaced at once": [
        Ask(0.0, 0.0, TAKE),
        Hear(1.0),
        Ask(10.0, 10.0, REPLACE),
    ],
    "a holder that closed its side is replaced at once, live or not": [
        Ask(0.0, 0.0, TAKE),
        Hear(1.0),
        Ask(1.1, 1.1, REPLACE, holder_closed=True),
    ],
    "a holder that left frees the slot for the newcomer waiting": [
        Ask(0.0, 0.0, TAKE),
        Hear(1.0),
        Ask(1.5, 1.5, WAIT, next_check=4.0),
        Left(),
        Ask(1.6, 1.5, TAKE),
    ],
    "a newcomer that took the slot has the interval to speak before it can be replaced": [
        Ask(0.0, 0.0, TAKE),
        Ask(1.0, 1.0, WAIT, next_check=3.0),
        Ask(3.0, 1.0, REPLACE),
    ],
    "each replacement starts a new grace": [
        Ask(0.0, 0.0, TAKE),
        Ask(5.0, 5.0, REPLACE),
        Ask(6.0, 6.0, WAIT, next_check=8.0),
        Hear(7.0),
        Ask(8.0, 6.0, WAIT, next_check=9.0),
        Ask(9.0, 6.0, REFUSE),
    ],
    "before any vouching, any bytes keep a holder live (an unsigned link)": [
        Ask(0.0, 0.0, TAKE),
        Hear(2.0),
        Hear(4.0),
        Ask(4.5, 4.5, WAIT, next_check=7.0),
        Hear(6.0),
        Ask(7.0, 4.5, WAIT, next_check=7.5),
        Ask(7.5, 4.5, REFUSE),
    ],
    "once vouching started, unvouched bytes keep no one live (garbage from a keyless holder)": [
        Ask(0.0, 0.0, TAKE),
        Vouch(1.0),
        Hear(2.0),
        Hear(3.0),
        Ask(3.5, 3.5, WAIT, next_check=4.0),
        Hear(3.9),
        Ask(4.0, 3.5, REPLACE),
    ],
    "a vouched-for holder stays live and keeps the slot": [
        Ask(0.0, 0.0, TAKE),
        Vouch(1.0),
        Ask(2.0, 2.0, WAIT, next_check=4.0),
        Vouch(3.0),
        Ask(4.0, 2.0, WAIT, next_check=5.0),
        Vouch(4.9),
        Ask(5.0, 2.0, REFUSE),
    ],
    "vouching outlives the holder: the next holder must be vouched for too": [
        Ask(0.0, 0.0, TAKE),
        Vouch(0.5),
        Left(),
        Ask(1.0, 1.0, TAKE),
        Hear(2.0),
        Hear(3.5),
        Ask(3.8, 3.8, WAIT, next_check=4.0),
        Ask(4.0, 3.8, REPLACE),
    ],
}


@pytest.mark.parametrize("steps", list(CASES.values()), ids=list(CASES))
def test_who_holds_the_slot(steps: list[Step]) -> None:
    gate = PeerGate(SILENCE_S)
    for number, step in enumerate(steps):
        match step:
            case Hear(t):
                gate.heard(t)
            case Vouch(t):
                gate.vouched(t)
            case Left():
                gate.left()
            case Ask(t, since, expected, closed, next_check):
                got = gate.admit(t, waiting_since_s=since, holder_closed=closed)
                assert got is expected, f"step {number}: {step}"
                if expected is WAIT:
                    assert gate.next_check_s(since) == pytest.approx(next_check), f"step {number}: {step}"


def test_takes_and_replacements_are_counted_and_refusals_counted_by_whoever_refuses() -> None:
    gate = PeerGate(SILENCE_S)
    assert gate.admit(0.0, waiting_since_s=0.0) is TAKE
    assert gate.admit(5.0, waiting_since_s=5.0) is REPLACE
    gate.heard(9.0)
    assert gate.admit(9.5, waiting_since_s=6.5) is REFUSE
    assert gate.counts == PeerCounts(peers_connected=1, peers_replaced=1, peers_refused=0)
    gate.refuse(9.5)
    assert gate.counts == PeerCounts(peers_connected=1, peers_replaced=1, peers_refused=1)


def test_refusals_are_reported_once_per_interval_with_the_unreported_ones_counted() -> None:
    gate = PeerGate(SILENCE_S, report_interval_s=60.0)
    reports = [gate.refuse(t) for t in (0.0, 1.0, 2.0, 59.9, 60.0, 61.0, 200.0)]
    assert reports == [0, None, None, None, 3, None, 1]
    assert gate.counts.peers_refused == 7


@pytest.mark.parametrize(("silence_s", "report_s"), [(-1.0, 60.0), (3.0, -1.0), (float("inf"), 60.0)])
def test_bad_intervals_are_refused(silence_s: float, report_s: float) -> None:
    with pytest.raises(ValueError, match="finite intervals"):
        PeerGate(silence_s, report_s)
