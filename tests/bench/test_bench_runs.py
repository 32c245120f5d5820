"""The benchmarks still run (on tiny inputs): a benchmark that rots is found here, not on release day.

Nothing here asserts on speed; the figures go to docs/performance.md from full runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import main as bench_main
from bench.stack import _phase_paces
from gcs.domain.phases import FlightPhase
from gcs.sitl.mission import PhaseMark, RunResult
from gcs.sitl.verdict import Verdict


def test_codec_benchmark_runs_and_reports_recovery(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["codec", "--frames", "2000", "--repeat", "1", "--signed-frames", "200"]) == 0
    out = capsys.readouterr().out
    assert "decoded messages equal: yes" in out
    assert "ours : recovered" in out
    assert "(100.000 %)" in out  # every intact frame, for this seed


def test_unknown_benchmark_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["nope"]) == 2
    assert "unknown benchmark" in capsys.readouterr().err


def test_physics_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["physics", "--vehicles", "5", "--reference-samples", "2", "--reference-step-s", "0.1",
            "--repeats", "1"]
    assert bench_main(argv) == 0
    assert "real time" in capsys.readouterr().out


def test_ingest_benchmark_runs_lossless_and_reports_memory(capsys: pytest.CaptureFixture[str]) -> None:
    # MAVProxy is found only where a benchmark run installed it; without it the line says so.
    argv = ["ingest", "--frames", "3000", "--mavproxy-frames", "300", "--flight-minutes", "2"]
    assert bench_main(argv) == 0
    out = capsys.readouterr().out
    assert "ours (parse + state + hub + tlog, TCP in):" in out
    assert "; lossless (3000 of 3000 messages handled, 3000 frames in the tlog, 0 chunks overflowed" in out
    assert "MAVProxy" in out
    assert "memory over a 2-minute simulated flight" in out


def test_stack_benchmark_tells_each_phases_pace(tmp_path: Path) -> None:
    result = RunResult(Verdict(()), tmp_path, wall_s=30.0, simulated_s=2000.0, start_wall_s=100.0,
                       phase_marks=(PhaseMark(FlightPhase.STANDBY, 50.0, 101.0),
                                    PhaseMark(FlightPhase.ASCENT, 1000.0, 111.0),
                                    PhaseMark(FlightPhase.COAST, 1200.0, 121.0)))
    assert _phase_paces(result) == [("start-up", 50.0, 1.0), ("standby", 950.0, 10.0),
                                    ("ascent", 200.0, 10.0), ("coast", 800.0, 9.0)]
