"""``gcs run --mqtt URL`` fans the station's state out to a real Mosquitto while it runs, and says offline
when it stops."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.bridge._mqtt import Received, retained_when
from tests.integration.test_gcs_run import REPO, _free_udp_port, _stop
from tests.support.mosquitto import running_mosquitto

PREFIX = "test/run"
STATUSES = (f"{PREFIX}/gcs/status", f"{PREFIX}/vehicle/1/status")


@contextmanager
def telling(stderr_path: Path) -> Iterator[None]:
    """A failure inside also shows what the ground station wrote to stderr."""
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- gcs stderr ---\n{stderr_path.read_text(errors='replace')}") from exc


async def test_gcs_run_publishes_retained_vehicle_state_and_says_offline_when_stopped(tmp_path: Path) -> None:
    port = _free_udp_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    stderr_path = tmp_path / "gcs.stderr"
    async with running_mosquitto() as broker:
        with stderr_path.open("wb") as stderr:
            gcs = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "gcs", "run", "--config", str(REPO / "configs" / "gcs.toml"),
                "--vehicle", f"udpin:127.0.0.1:{port}", "--out", str(tmp_path), "--status-every", "0.5",
                "--mqtt", f"{broker.url}/{PREFIX}",
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr, env=env, cwd=REPO,
            )
        vehicle = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", "vehicle", "--connect", f"udpout:127.0.0.1:{port}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env, cwd=REPO,
        )
        try:
            with telling(stderr_path):
                # What a late subscriber gets: the heartbeat state, and both status lines online.
                def running(r: dict[str, Received]) -> bool:
                    return (f"{PREFIX}/vehicle/1/heartbeat" in r
                            and all(t in r and r[t].payload == b"online" for t in STATUSES))

                found = await retained_when(broker, f"{PREFIX}/#", running, timeout_s=30,
                                            what="the heartbeat state and both status lines online")
                beat = json.loads(found[f"{PREFIX}/vehicle/1/heartbeat"].payload)
                assert beat["sysid"] == 1
                assert found[f"{PREFIX}/vehicle/1/heartbeat"].expiry_s is not None

                # A graceful stop says offline itself (its clean DISCONNECT suppresses the Wills).
                gcs.send_signal(signal.SIGTERM)
                assert await _stop(gcs) == 0
                await retained_when(
                    broker, f"{PREFIX}/#",
                    lambda r: all(t in r and r[t].payload == b"offline" for t in STATUSES),
                    what="every status line offline after the station stopped",
                )
        finally:
            await _stop(gcs)
            await _stop(vehicle)
