"""The engine samples in one pass against the four generator passes they were first written as.

``_on_engine_status`` runs for nine engines at 2 Hz in two translators (launch control and the
fleet record), so it keeps its engines as tuples and walks them once. Whatever the engines say
(states out of order, NaN pressures, engines that stop), its samples must be what the old form gave.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pytest

from gcs.domain.fields import Sample
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.protocol.dialect import seaport

_RUNNING = frozenset({2, 3})


@dataclass
class _Engine:
    state: int
    chamber_pressure_pa: float
    thrust_n: float


def _old_samples(engines: dict[int, _Engine], t_s: float) -> tuple[Sample, ...]:
    """The samples as the translator first made them."""
    values = engines.values()
    running = [e for e in values if e.state in _RUNNING]
    chamber = min((e.chamber_pressure_pa for e in running), default=0.0)
    return (
        Sample("engine.state", float(max(e.state for e in values)), t_s),
        Sample("engine.running", 1.0 if running else 0.0, t_s),
        Sample("engine.chamber_pressure_pa", chamber, t_s),
        Sample("engine.thrust_n", sum(e.thrust_n for e in values), t_s),
    )


def _same(a: tuple[Sample, ...], b: tuple[Sample, ...]) -> bool:
    """Equal, with NaN equal to NaN (a NaN pressure must stay NaN, in the same place)."""
    return len(a) == len(b) and all(
        x.field == y.field and x.t_s == y.t_s
        and (x.value == y.value or (math.isnan(x.value) and math.isnan(y.value)))
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("seed", range(8))
def test_engine_samples_are_what_the_four_passes_gave(seed: int) -> None:
    rng = random.Random(seed)
    tr = VehicleTelemetryTranslator()
    engines: dict[int, _Engine] = {}
    for i in range(400):
        engine_id = rng.randrange(9)
        state = rng.choice([0, 1, 2, 2, 3, 3, 3, 4, 5])
        chamber = rng.choice([math.nan, 0.0, rng.uniform(0, 8e6), rng.uniform(0, 8e6)])
        thrust = rng.choice([0.0, rng.uniform(0, 2.3e6), -0.0])
        msg = seaport.MAVLink_engine_status_message(0, engine_id, state, chamber, thrust, 80.0, 0, 0, 3.6, 1)
        t_s = 100.0 + i * 0.05
        got = tr.translate(msg, t_s).samples
        # The message carries floats as float32: the old form saw them as the message holds them.
        engines[engine_id] = _Engine(int(msg.state), float(msg.chamber_pressure_pa), float(msg.thrust_n))
        assert _same(got, _old_samples(engines, t_s)), (i, got)
