"""The motion spike gate: corrupted single samples refused, real motion and real steps kept."""

from __future__ import annotations

import pytest

from gcs.domain.motion_plausibility import MotionSpikeGate

DT = 0.04  # a 25 Hz MRU


@pytest.mark.parametrize(
    ("samples", "refused"),
    [
        # (t_s, pitch, roll, heave) ... and the indexes refused
        ([(0.0, 0.02, 0.1, 0.0), (DT, 0.03, 0.1, 0.01), (2 * DT, 0.05, 0.12, 0.02)], []),
        # a flipped digit in TSS1: 0.02 -> 20.02 for one sample, then back
        ([(0.0, 0.02, 0.1, 0.0), (DT, 20.02, 0.1, 0.0), (2 * DT, 0.03, 0.1, 0.0)], [1]),
        # heave spike
        ([(0.0, 0.0, 0.0, 0.1), (DT, 0.0, 0.0, 9.1), (2 * DT, 0.0, 0.0, 0.12)], [1]),
        # a burst with the same stamp is judged at the sensor's interval, not at dt = 0
        ([(0.0, 1.0, 1.0, 0.5), (0.0, 1.2, 1.1, 0.52), (0.0, 1.3, 1.15, 0.53)], []),
        # a real step (an MRU re-levelled): refused twice, then accepted as the new level
        ([(0.0, 0.0, 0.0, 0.0), (DT, 5.0, 0.0, 0.0), (2 * DT, 5.0, 0.0, 0.0), (3 * DT, 5.0, 0.0, 0.0),
          (4 * DT, 5.01, 0.0, 0.0)], [1, 2]),
        # large but slow motion is fine: 10 deg of roll over 1 s
        ([(0.0, 0.0, 0.0, 0.0), (1.0, 0.0, 10.0, 0.0)], []),
    ],
)
def test_the_gate_refuses_only_jumps_no_platform_can_make(
    samples: list[tuple[float, float, float, float]], refused: list[int]
) -> None:
    gate = MotionSpikeGate(min_dt_s=DT)
    got = [i for i, (t, p, r, h) in enumerate(samples) if gate.check(t, p, r, h) is not None]
    assert got == refused


def test_a_refusal_names_the_axis_and_the_values() -> None:
    gate = MotionSpikeGate(min_dt_s=DT)
    assert gate.check(0.0, 0.02, None, None) is None
    jump = gate.check(DT, 20.02, None, None)
    assert jump is not None
    assert jump.describe() == "implausible pitch jump 0.02 -> 20.02 in 0.040 s"


def test_axes_missing_from_a_sentence_keep_their_last_reference() -> None:
    gate = MotionSpikeGate(min_dt_s=DT)
    assert gate.check(0.0, 1.0, 1.0, 0.2) is None
    assert gate.check(DT, None, None, 0.21) is None  # PHLIN: heave only
    assert gate.check(2 * DT, 9.0, 1.0, None) is not None  # pitch judged against 1.0
