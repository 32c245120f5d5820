"""The MQTT benchmark still runs (tiny inputs, a real broker): a benchmark that rots is found here.

Nothing here asserts on speed; the figures go to docs/performance.md from full runs.
"""

from __future__ import annotations

import pytest

from bench.__main__ import main as bench_main


def test_mqtt_benchmark_runs_and_reports_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["mqtt", "--events", "200", "--samples", "200", "--latency-hz", "50", "--latency-s", "0.2",
            "--frames", "3000", "--rounds", "1", "--realtime-s", "0.5"]
    assert bench_main(argv) == 0
    out = capsys.readouterr().out
    assert "subscriber received 200 of 200" in out
    assert "median" in out
    assert "p99" in out
    assert "bridge off" in out
    assert "cost" in out
    assert "% of one core" in out
