"""The soak benchmark, bounded: the whole station with every consumer on, checked for what cannot be timing.

``bench.soak`` runs the real station (recorder, launch control, console, MQTT bridge to a real
Mosquitto) fed by the real simulator processes, with console clients coming and going. The long run
is a benchmark whose figures go to docs/performance.md; here it runs for half a minute and only
things that do not depend on the machine's speed are checked: the hub queues never hold more than
their bound, the file descriptors return to their baseline once the console clients have left,
the task count stays bounded while clients come and go, and the consumers really ran.
"""

from __future__ import annotations

from pathlib import Path

from bench.soak import SoakResult, report, soak

DURATION_S = 30.0
TASK_ALLOWANCE = 20
"""Tasks a visiting console client may add while it is connected (its stream, its reader...)."""


async def test_a_bounded_soak_keeps_queues_bounded_and_returns_fds_and_tasks_to_baseline(
    tmp_path: Path,
) -> None:
    result: SoakResult = await soak(
        tmp_path, duration_s=DURATION_S, telemetry_hz=50.0, sample_s=1.0, churn_s=0.5
    )
    print("\n".join(report(result)))  # the figures, with -s

    assert result.visits > 0
    assert result.stream_messages > result.visits
    assert result.samples
    assert result.queue_overflows == 0
    assert all(s.deepest_queue <= s.queue_bound for s in result.samples)
    assert result.final_fds <= result.baseline_fds
    first = result.samples[0].tasks
    assert max(s.tasks for s in result.samples) <= first + TASK_ALLOWANCE
