"""``gcs run --mqtt URL`` fans the station's state out to a real Mosquitto while it runs."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.integration.test_gcs_run import REPO, _free_udp_port, _stop
from tests.support.mosquitto import running_mosquitto


async def test_gcs_run_publishes_retained_vehicle_state_to_the_broker(tmp_path: Path) -> None:
    port = _free_udp_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    async with running_mosquitto() as broker:
        gcs = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gcs", "run", "--config", str(REPO / "configs" / "gcs.toml"),
            "--vehicle", f"udpin:127.0.0.1:{port}", "--out", str(tmp_path), "--status-every", "0.5",
            "--mqtt", f"{broker.url}/test/run",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env, cwd=REPO,
        )
        vehicle = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", "vehicle", "--connect", f"udpout:127.0.0.1:{port}",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env, cwd=REPO,
        )
        try:
            # A late subscriber gets the retained heartbeat state: the station published it.
            received: dict[str, str] = {}

            async def heartbeat_retained() -> bool:
                sub = await asyncio.create_subprocess_exec(
                    "mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-t", "test/run/#", "-v",
                    "-W", "1", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                )
                out, _ = await sub.communicate()
                for line in out.decode().splitlines():
                    topic, _, payload = line.partition(" ")
                    received[topic] = payload
                return "test/run/vehicle/1/heartbeat" in received

            for attempt in range(30):
                if await heartbeat_retained():
                    break
                assert attempt < 29, received
            beat = json.loads(received["test/run/vehicle/1/heartbeat"])
            assert beat["sysid"] == 1
            assert received.get("test/run/gcs/status") == "online"
        finally:
            gcs.send_signal(signal.SIGTERM)
            assert await _stop(gcs) == 0
            await _stop(vehicle)
