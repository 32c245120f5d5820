"""``gcs sitl`` as a user runs it: real simulator processes, real links, the ground station, a verdict.

Each scenario runs headless at its own speed (simulated seconds per wall second); the ground station
follows the simulator's clock, so a slow machine slows the run instead of failing it. A failed run
keeps its session folder (tlog, NMEA, journal, the processes' logs, verdict.json) under pytest's
tmp_path and prints where.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gcs.fleet.record import FlightOutcome
from gcs.fleet.store import FleetStore
from tests.integration.bridge._mqtt import collecting, retained_when
from tests.support.mosquitto import running_mosquitto
from tests.support.waits import within

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


async def _sitl(tmp_path: Path, *args: str, timeout_s: float) -> tuple[int, str, dict[str, Any]]:
    # Output to a file, so a run that does not finish still shows what it printed (the station
    # prints its tasks when it does not close).
    log = tmp_path / "gcs-sitl.out"
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gcs", "sitl", "--headless", "--out", str(tmp_path), *args,
            stdout=sink, stderr=asyncio.subprocess.STDOUT, cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            await within(process.wait(), timeout_s=timeout_s, what="gcs sitl to finish")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; its output:\n{log.read_text(errors='replace')[-6000:]}") from None
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = log.read_text(errors="replace")
    verdicts = sorted(tmp_path.glob("*/verdict.json"))
    verdict = json.loads(verdicts[-1].read_text()) if verdicts else {}
    return process.returncode or 0, text, verdict


async def test_the_nominal_hop_lands_on_the_barge_and_ends_safe(tmp_path: Path) -> None:
    """The nominal hop, with its telemetry fanned out to a real Mosquitto (``--mqtt``) on the way."""
    prefix = "sitl/hop"
    async with running_mosquitto() as broker, collecting(broker, f"{prefix}/delivery/#") as logistics:
        code, output, verdict = await _sitl(tmp_path, "--scenario", "hop", "--mqtt", f"{broker.url}/{prefix}",
                                            timeout_s=600)
        assert code == 0, f"{output}\nsession kept in {tmp_path}"
        # A logistics subscriber saw the consignment's delivery, stage by stage, in order, with the
        # parcels' ids and nothing of the manifest's masses or destinations.
        topic = f"{prefix}/delivery/events"
        await logistics.wait_for(lambda c: len(c.on(topic)) >= 5, what="five delivery events")
        events = logistics.json_on(topic)
        assert [e["stage"] for e in events] == ["loaded", "launched", "landed", "secured", "unloaded"], events
        assert events[0]["parcel_ids"] == ["HOP-001", "HOP-002", "HOP-003", "HOP-004", "HOP-005", "HOP-006"]
        assert all(e["platform"] == "hop-barge" for e in events)
        assert "mass" not in json.dumps(events)
        assert "Haiyang" not in json.dumps(events)  # the parcels' destinations stay in the station
        progress = logistics.json_on(f"{prefix}/delivery/progress")
        assert progress[-1]["eta_basis"] == "touchdown", progress[-1]
        assert verdict["passed"] is True
        assert verdict["phases"][-1] == "safe"
        assert {"ignition", "ascent", "landing_burn", "touchdown"} <= set(verdict["phases"])
        assert "PASSED" in output
        # What a late subscriber at another site finds: the count as it ended, the vehicle's last
        # heartbeat, and the station gone offline.
        found = await retained_when(
            broker, f"{prefix}/#",
            lambda r: all(t in r for t in (f"{prefix}/countdown", f"{prefix}/vehicle/1/heartbeat",
                                            f"{prefix}/gcs/status")),
            timeout_s=10, what="the retained countdown, heartbeat and station status")
    assert found[f"{prefix}/gcs/status"].payload == b"offline"
    countdown = json.loads(found[f"{prefix}/countdown"].payload)
    assert "liftoff" in json.dumps(countdown), countdown


async def test_the_cargo_hop_flies_10000_km_with_the_whole_stack_and_lands(tmp_path: Path) -> None:
    """The intercontinental hop (issue 9): ~2,500 simulated seconds asked at 50x, the vehicle paced by
    the ground it hears; lands on the landing barge, 10,000 km from the launch platform."""
    code, output, verdict = await _sitl(tmp_path, "--scenario", "cargo", timeout_s=900)
    assert code == 0, f"{output}\nsession kept in {tmp_path}"
    assert verdict["passed"] is True, verdict
    assert verdict["speed"] >= 50.0
    assert verdict["simulated_s"] > 2_000.0
    checks = {c["name"]: c for c in verdict["checks"]}
    assert checks["landed on"]["ok"], checks
    assert "landing-barge" in checks["landed on"]["detail"], checks
    assert checks["touchdown speed"]["ok"], checks
    assert {"ascent", "coast", "entry", "landing_burn", "touchdown"} <= set(verdict["phases"])
    assert verdict["phases"][-1] == "safe"


async def test_a_second_flight_of_the_same_airframe_adds_to_its_fleet_record(tmp_path: Path) -> None:
    """Two flights of one airframe into one fleet database: the nominal hop, then the hop whose bay
    overheats (the cargo red lines fire, the vehicle lands); its fleet record holds both."""
    database = tmp_path / "fleet.sqlite"
    verdicts = []
    for run, scenario in enumerate(("hop", "bay-overheat"), 1):
        (tmp_path / f"run{run}").mkdir()
        code, output, verdict = await _sitl(tmp_path / f"run{run}", "--scenario", scenario,
                                            "--fleet-db", str(database), timeout_s=600)
        assert code == 0, f"{scenario}:\n{output}\nsession kept in {tmp_path}"
        verdicts.append(verdict)
    alerts = [c["name"] for c in verdicts[1]["checks"] if c["ok"]]
    assert "alert red_line:cargo bay temperature" in alerts, verdicts[1]
    assert "alert red_line:perishable bay temperature" in alerts, verdicts[1]
    shown = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gcs", "fleet", "show", "--db", str(database), "SIM-yxz-1-hop",
        stdout=asyncio.subprocess.PIPE, cwd=REPO)
    out, _ = await within(shown.communicate(), what="gcs fleet show")
    text = out.decode()
    assert shown.returncode == 0, text
    assert "totals: 2 flight(s) in 2 record(s), 4 engine start(s)" in text, text  # liftoff and landing, twice
    assert text.count(" landed ") == 2, text


@pytest.mark.parametrize(
    ("name", "must_see"),
    [
        # engine out 20 s after liftoff: the flight computer aborts, splashes down, safes itself
        ("engine-out", ["abort", "safe"]),
        # the barge's sea rises in the count: automatic hold naming the deck rule, then a scrub
        ("high-sea", []),
        # 20 s of vehicle link blackout in flight: the vehicle lands, the ground sees it again
        ("link-loss", ["landing_burn", "touchdown", "safe"]),
        # bit flips and lost chunks on the barge's NMEA line: counted, skipped, a nominal landing
        ("corrupt-serial", ["landing_burn", "touchdown", "safe"]),
        # the ground station killed 30 s after liftoff and started anew 15 s later: it takes the
        # flight over from the vehicle and records the rest in a new session folder
        ("gcs-restart", ["ascent", "touchdown", "safe"]),
    ],
)
async def test_each_fault_scenario_meets_its_expectations(
    tmp_path: Path, name: str, must_see: list[str]
) -> None:
    code, output, verdict = await _sitl(tmp_path, "--scenario", name, timeout_s=600)
    assert code == 0, f"{output}\nsession kept in {tmp_path}"
    assert verdict["passed"] is True
    assert all(check["ok"] for check in verdict["checks"])
    phases = verdict["phases"]
    for phase in must_see:
        assert phase in phases, phases
    if name == "high-sea":
        assert any("landing deck" in hold for hold in verdict["automatic_holds"]), verdict
        assert "ignition" not in phases
        assert any(c["name"] == "scrubbed" and c["ok"] for c in verdict["checks"])
    if name == "engine-out":
        assert "landing_burn" not in phases
    if name == "link-loss":
        sessions = [d for d in tmp_path.iterdir() if (d / "journal.jsonl").exists()]
        events = [json.loads(line) for line in (sessions[0] / "journal.jsonl").read_text().splitlines()]
        links = [e["payload"].get("event") for e in events if e["kind"] == "link_event"]
        assert "lost" in links, links
        assert "recovered" in links, links
    if name == "gcs-restart":
        _check_the_restarted_station_took_the_flight_over(tmp_path, verdict)
    if name == "corrupt-serial":
        counted = [c for c in verdict["checks"] if c["name"].startswith("bad input counted")]
        assert len(counted) == 1, verdict["checks"]


def _journal(session: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (session / "journal.jsonl").read_text().splitlines()]


def _check_the_restarted_station_took_the_flight_over(folder: Path, verdict: dict[str, Any]) -> None:
    first, second = (folder / name for name in verdict["segments"])
    before, after = _journal(first), _journal(second)
    # The first station saw the liftoff and nothing of the landing; the second never ran a count.
    assert any(e["kind"] == "decision" and e["payload"].get("to_state") == "liftoff" for e in before)
    assert not any(e["payload"].get("to_phase") in ("touchdown", "safing") for e in before)
    counts = [e["payload"] for e in after if e["payload"].get("action") == "count_changed"]
    assert counts, after
    assert (counts[0]["from_state"], counts[0]["to_state"]) == ("idle", "liftoff"), counts
    assert "already flying" in counts[0]["reason"], counts
    assert not any(e["kind"] == "command_sent" for e in after), "taking a flight over must command nothing"
    # The landing is the second's (TOUCHDOWN itself may fall between two heartbeats).
    assert any(e["payload"].get("to_phase") in ("touchdown", "safing") for e in after), after
    for session in (first, second):  # both segments are whole recordings, tlog included
        assert (session / "flight.tlog").stat().st_size > 0
        assert json.loads((session / "session.json").read_text())["state"] == "closed"
    # One flight in the airframe's record, not two: the second station completed the first's.
    with FleetStore.open(folder / "fleet.sqlite") as store:
        [flight] = store.history("SIM-yxz-1-hop")
    assert flight.flight_id == first.name
    assert flight.outcome is FlightOutcome.LANDED
    assert flight.engine_starts >= 2, flight  # liftoff, seen by the first; landing burn by the second


async def test_a_scenario_that_cannot_be_met_fails_and_says_why(tmp_path: Path) -> None:
    """Expectations really decide: a hop expected to begin with a flight termination cannot pass."""
    scenario = (REPO / "configs" / "scenarios" / "hop.toml").read_text()
    scenario = scenario.replace(
        'phases = ["terminal_count"', 'phases = ["flight_termination", "terminal_count"'
    )
    path = tmp_path / "impossible.toml"
    path.write_text(scenario.replace('time_limit_s = 900.0', 'time_limit_s = 60.0'))
    code, output, verdict = await _sitl(tmp_path, "--scenario", str(path), timeout_s=300)
    assert code == 1, output
    assert verdict["passed"] is False
    failed = [c for c in verdict["checks"] if not c["ok"]]
    assert any(c["name"] == "phases" and "flight_termination not reached" in c["detail"] for c in failed)
    assert "FAILED" in output


def _free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_demo_flies_the_hop_and_keeps_the_console_open_to_show_it(tmp_path: Path) -> None:
    """``make demo`` is ``gcs sitl`` with no scenario: the hop, the console, no user file yet.

    The run makes a login of its own and prints it; once judged it keeps the console up, and the
    page's data (here through the same JSON API) shows the vehicle safed on the barge; Ctrl-C then
    ends it with the verdict's exit status.
    """
    config = (REPO / "configs" / "gcs.toml").read_text()
    assert "[console]\n" in config
    config = config.replace("[console]\n", f'[console]\nusers_file = "{tmp_path / "no-users.json"}"\n', 1)
    (tmp_path / "gcs.toml").write_text(config)
    scenario = (REPO / "configs" / "scenarios" / "hop.toml").read_text()
    assert "[station]\n" in scenario
    scenario = scenario.replace("[station]\n", f'[station]\nconfig = "{tmp_path / "gcs.toml"}"\n', 1)
    (tmp_path / "demo.toml").write_text(scenario)
    port = _free_tcp_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gcs", "sitl", "--scenario", str(tmp_path / "demo.toml"), "--speed", "10",
        "--console-port", str(port), "--out", str(tmp_path / "sessions"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []

    async def line_matching(pattern: str) -> re.Match[str]:
        assert process.stdout is not None
        while True:
            raw = await process.stdout.readline()
            if not raw:
                raise AssertionError(f"gcs sitl ended before printing {pattern!r}:\n" + "".join(lines))
            lines.append(raw.decode(errors="replace"))
            if match := re.search(pattern, lines[-1]):
                return match

    try:
        login = await within(line_matching(r"log in for this run as '(\w+)' with password '([^']+)'"),
                             timeout_s=60, what="the run's console login")
        await within(line_matching(r"hop PASSED; the console stays open at (\S+)"), timeout_s=600,
                     what="the judged run, console open")
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/api/v1/login", json={"user": login[1], "password": login[2]},
                                 headers={"Origin": base}) as answer:
                assert answer.status == 200, await answer.text()
                auth = {"Authorization": f"Bearer {(await answer.json())['token']}"}
            async with http.get(f"{base}/api/v1/state", headers=auth) as answer:
                assert answer.status == 200
                snapshot = await answer.json()
            async with http.get(f"{base}/api/v1/journal?limit=2000", headers=auth) as answer:
                journal = (await answer.json())["entries"]
        phases = [e["payload"].get("to_phase") for e in journal if e["kind"] == "phase_change"]
        assert phases[-1] == "safe", phases
        assert "landing_burn" in phases, phases
        assert snapshot["values"], "the console has no values to show"
        process.send_signal(signal.SIGINT)
        await within(process.wait(), timeout_s=60, what="gcs sitl to end on Ctrl-C")
        rest = await process.stdout.read()
        lines.append(rest.decode(errors="replace"))
        assert process.returncode == 0, "".join(lines)
        assert "sitl: hop PASSED" in "".join(lines)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
