"""``firmware-sim physics`` tells the physics' own landing in the words of the flight computer's touchdown
report, so the ground's parser reads the truth as it reads the vehicle's measurement."""

from __future__ import annotations

import pytest

from firmware_sim.firmware.telemetry import TouchdownTelemetry
from firmware_sim.io.hil_physics import landing_line
from firmware_sim.physics.platform import TouchdownOutcome, TouchdownReport
from gcs.links.touchdown_report import parse_touchdown_report


def test_a_touchdown_is_told_in_the_flight_computers_words_with_its_outcome() -> None:
    report = TouchdownReport(126.61, 1.163, 0.087, 0.31, 0.12, TouchdownOutcome.SOFT)
    line = landing_line(report, "hop-barge", None)
    assert line is not None
    assert line.startswith("firmware-sim: truth: touchdown on hop-barge: ")
    assert line.endswith("(soft, at 126.61 s)")
    parsed = parse_touchdown_report(line)
    assert parsed is not None
    assert parsed.platform == "hop-barge"
    speeds = (parsed.vertical_speed_down_mps, parsed.horizontal_speed_mps, parsed.tilt_deg, parsed.miss_m)
    assert speeds == pytest.approx((1.16, 0.09, 0.3, 0.1))
    measured = TouchdownTelemetry(126.6, "hop-barge", 1.163, 0.087, 0.31, 0.12)
    assert measured.text in line  # one wording for both


def test_a_splashdown_is_told_and_a_flight_is_not() -> None:
    assert landing_line(None, None, 88.5) == "firmware-sim: truth: splashdown at 88.50 s"
    assert landing_line(None, None, None) is None
