"""A ground station that only bridges, for killing: it must die without a word, as a crash would.

    python -m tests.integration.bridge.bridge_child HOST PORT

It publishes one state for vehicle 1 and one deck sample for platform ``west`` through the real
bridge (client id ``gcs-child``, prefix ``tests.integration.bridge._mqtt.PREFIX``) and then runs
until it is killed. The test watches the broker, not this process's output.
"""

from __future__ import annotations

import asyncio
import sys

from gcs.bridge.mqtt import MqttBridge
from gcs.bridge.settings import BridgeSettings
from gcs.hub import Hub
from gcs.tasks import background
from tests.integration.bridge._mqtt import FAST_BACKOFF, PREFIX, Deck, Health, sample_routes


async def main(host: str, port: int) -> None:
    hub = Hub()
    settings = BridgeSettings(
        host=host, port=port, prefix=PREFIX, client_id="gcs-child", backoff=FAST_BACKOFF
    )
    bridge = MqttBridge(hub, sample_routes(), settings)
    async with background(("bridge", bridge.run())):
        hub.publish(Health(1, 1, unix_time_s=1_800_000_001.0), key=1)
        hub.publish(Deck("west", heave_m=0.2), key="west")
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
