"""The Will: when the ground station dies (SIGKILL, no goodbye), every status topic says offline.

The ground station is a real child process running the real bridge; the broker publishes the Wills
of its connections when their sockets close, and this test only watches the broker.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.integration.bridge._mqtt import PREFIX, collecting, retained_when
from tests.support.mosquitto import running_mosquitto

REPO = Path(__file__).resolve().parents[3]
STATE = f"{PREFIX}/vehicle/1/state"
STATUSES = (f"{PREFIX}/gcs/status", f"{PREFIX}/vehicle/1/status", f"{PREFIX}/platform/west/status")


async def test_killing_the_ground_station_turns_every_status_offline() -> None:
    async with running_mosquitto() as broker, collecting(broker) as seen:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.integration.bridge.bridge_child", broker.host, str(broker.port),
            cwd=REPO, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        )
        try:
            await seen.wait_for(lambda c: all(c.payloads(t)[-1:] == [b"online"] for t in STATUSES)
                                and c.on(STATE), timeout_s=15, what="the child's state and statuses")
        finally:
            child.send_signal(signal.SIGKILL)
            await child.wait()

        await seen.wait_for(lambda c: all(c.payloads(t)[-1:] == [b"offline"] for t in STATUSES),
                            what="every Will to say offline")
        late = await retained_when(broker, f"{PREFIX}/#",
                                   lambda r: all(t in r and r[t].payload == b"offline" for t in STATUSES),
                                   what="offline to be what a late subscriber sees")
        assert late[STATE].json()["n"] == 1  # the last state stays until its expiry
