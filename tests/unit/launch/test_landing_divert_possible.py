"""Whether a divert is possible, asked at every tick without making the reason why not.

``LandingMonitor`` asks ``_divert_possible`` at every tick and status, and makes the reason
(``_divert_blocked``, a string of every finding) only when the no-divert alert changes. The two must
agree in every phase, sea and divert state, and the alert must still say why, once.
"""

from __future__ import annotations

import itertools

import pytest

from gcs.domain.landing import DeckLimits
from gcs.domain.phases import FlightPhase
from gcs.launch.alerts import Severity
from gcs.launch.landing import DivertPolicy, LandingMonitor
from tests.unit.launch.test_landing import ALTERNATE, PRIMARY, Sea, monitor


@pytest.mark.parametrize(
    ("phase", "primary_rough", "alternate_rough", "with_alternate", "diverted"),
    list(itertools.product([None, *FlightPhase], [False, True], [False, True], [False, True], [False, True])),
)
def test_divert_possible_is_divert_not_blocked(
    phase: FlightPhase | None, primary_rough: bool, alternate_rough: bool, with_alternate: bool,
    diverted: bool,
) -> None:
    sea = Sea(primary_rough=primary_rough, alternate_rough=alternate_rough)
    if with_alternate:
        m = monitor(phase, sea)
    else:
        m = LandingMonitor(PRIMARY, None, DeckLimits(), DivertPolicy(no_go_persistence_s=10.0))
        if phase is not None:
            m.observe_phase(phase)
        sea.send(m, 0.0)
    if diverted and with_alternate:
        m._target = ALTERNATE  # (as a divert leaves it)
    for now_s in (0.0, 1.0, 100.0):  # fresh decks, and decks gone stale
        assert m._divert_possible(now_s) is (m._divert_blocked(now_s) is None)
        assert m.status(now_s).divert_possible is (m._divert_blocked(now_s) is None)


def test_the_no_divert_alert_says_why_once() -> None:
    sea = Sea(primary_rough=True, alternate_rough=True)
    m = monitor(FlightPhase.COAST, sea)
    raised = []
    for t in range(30):
        sea.send(m, float(t))
        _, conditions = m.tick(float(t))
        raised += [c for c in conditions if c.key == "landing:no_divert"]
    (alert,) = raised
    assert alert.severity is Severity.WARNING
    assert alert.message == f"primary no-go and no divert: {m._divert_blocked(29.0)}"
    assert "alternate no-go" in alert.message
