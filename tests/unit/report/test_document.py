"""The whole page, rendered in-process from a session without a known range."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.report import document
from gcs.report.flight_data import read_session
from tests.unit.report.synthetic_session import SESSION_ID, write_session


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return document.render(read_session(write_session(tmp_path_factory.mktemp("sessions"))))


def test_the_header_names_the_session_the_vehicle_the_phases_and_the_verdict(page: str) -> None:
    assert f"<title>Flight report {SESSION_ID}</title>" in page
    assert "system id 1, airframe SIM-test-1" in page
    assert "standby &gt; terminal_count &gt; ignition &gt; ascent" in page
    assert "touchdown &gt; safing &gt; safe" in page
    assert "launch-platform (launch)" in page
    assert "hop-barge (planned landing, landed on)" in page
    assert '<span class="pass">PASSED</span>' in page


def test_text_from_the_session_is_escaped(page: str) -> None:
    assert "on hop-barge &lt;0.3 m off centre&gt;" in page
    assert "<0.3 m" not in page


def test_without_a_range_there_is_no_corridor_and_the_report_says_so(page: str) -> None:
    assert "not known: give --range FILE" in page
    assert "corridor nominal" not in page
    assert "no corridor to measure the margin against" in page


def test_alerts_holds_cargo_and_fleet_have_their_rows(page: str) -> None:
    assert "red_line:cargo bay temperature" in page
    assert "warning (still up)" in page
    assert "poll hold" in page
    assert "<td>launched</td>" in page
    assert "flight 20270115T080000Z-abc123 of SIM-test-1 added: landed" in page


def test_no_script_no_external_reference(page: str) -> None:
    assert "<script" not in page
    assert "src=" not in page
    assert 'href="http' not in page
    assert "@import" not in page


def test_a_session_that_never_flew_still_makes_a_report(tmp_path: Path) -> None:
    folder = write_session(tmp_path)
    (folder / "flight.tlog").unlink()
    page = document.render(read_session(folder))
    assert "no impact point: the vehicle never flew" in page
    assert "phases reached</dt><dd>none reported" in page
