"""``gcs run`` as a user starts it: a real vehicle process over UDP, a platform over a pty serial port,
flags overriding the config, a clean stop on SIGTERM with every file closed and readable."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession
from gcs.transport.pty import open_pty
from tests.support.waits import wait_until, within

REPO = Path(__file__).resolve().parents[2]
SEAPATH = (REPO / "tests" / "data" / "nmea" / "seapath.nmea").read_bytes()


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode if process.returncode is not None else -1


async def test_gcs_run_records_vehicle_and_platform_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_udp_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open_pty() as pty:
        gcs = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gcs", "run", "--config", str(REPO / "configs" / "gcs.toml"),
            "--vehicle", f"udpin:127.0.0.1:{port}", "--platform",
            f"landing-barge=serial:{pty.device_path}:38400",
            "--out", str(tmp_path), "--status-every", "0.5", "--console", "127.0.0.1:0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env, cwd=REPO,
        )
        vehicle = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", "vehicle", "--connect", f"udpout:127.0.0.1:{port}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env, cwd=REPO,
        )
        output: list[str] = []

        async def read_output() -> None:
            assert gcs.stdout is not None
            while line := await gcs.stdout.readline():
                output.append(line.decode())

        try:
            async with asyncio.TaskGroup() as group:
                reader = group.create_task(read_output(), name="gcs output")
                await wait_until(lambda: any("vehicle 1: UP phase SAFE" in line for line in output),
                                 timeout_s=30, what="gcs run to report the vehicle", show=lambda: output)
                # The platform's sensor box speaks over the serial port (the pty's master end).
                def platform_heard() -> bool:
                    return any("platform landing-barge: UP" in line and "GGA:" in line for line in output)

                for attempt in range(30):
                    # A recorded Seapath stream, repeated until the station reports its sentence rates.
                    os.write(pty.master_fd, SEAPATH)
                    try:
                        await wait_until(platform_heard, timeout_s=1.0)
                        break
                    except AssertionError:
                        assert attempt < 29, output
                # Launch control judges the criteria: with no deck maxima yet, a landing-platform
                # rule goes no-go once its persistence has passed, and the journal says so.
                def violated() -> bool:
                    journals = list(tmp_path.glob("*/journal.jsonl"))
                    return bool(journals) and '"criterion_violated"' in journals[0].read_text()

                await wait_until(violated, timeout_s=30, what="a criterion_violated entry in the journal")
                assert await _stop(gcs) == 0
                await within(reader, timeout_s=10, what="gcs output to end")
        finally:
            await _stop(gcs)
            await _stop(vehicle)

    assert any("stopped; session recorded in" in line for line in output), output
    assert any(line.startswith("gcs: console on http://127.0.0.1:") for line in output), output
    [session_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    session = RecordedSession.open(session_dir)
    assert session.closed_cleanly
    assert sum(1 for _ in session.tlog_records()) > 5
    records = list(session.journal())
    kinds = [record.kind for record in records]
    assert kinds[0] is JournalKind.SESSION_START
    # Launch control ran: with no deck data yet, the landing-platform criteria are no-go, journaled.
    assert any(r.source == "launch" and r.payload.get("action") == "criterion_violated" for r in records)
    assert any(line.strip().startswith("count idle T-180s") for line in output), output
    assert kinds[-1] is JournalKind.SESSION_END
    sentences = [record.sentence for record in session.nmea("landing-barge")]
    assert any(s.startswith(b"$INGGA") for s in sentences)
