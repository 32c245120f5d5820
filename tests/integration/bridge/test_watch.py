"""``gcs watch`` against a real broker: retained state first, then live events, through an outage."""

from __future__ import annotations

import asyncio
import io

from gcs.bridge.settings import BrokerCredentials, parse_mqtt_url
from gcs.bridge.watch import watch
from gcs.hub import Hub
from gcs.transport.link import Backoff
from tests.integration.bridge._mqtt import PREFIX, Alert, Health, running_bridge
from tests.integration.bridge.test_security import ACL, USERS
from tests.support.mosquitto import running_mosquitto
from tests.support.waits import wait_until


async def test_watch_shows_the_retained_state_then_live_events_relative_to_the_prefix() -> None:
    hub = Hub()
    out = io.StringIO()
    async with running_mosquitto(users=USERS, acl=ACL) as broker:
        gcs = BrokerCredentials("gcs", USERS["gcs"])
        async with running_bridge(hub, broker, credentials=gcs) as bridge:
            hub.publish(Health(1, 3, unix_time_s=1_800_000_003.0), key=1)
            await wait_until(lambda: bridge.stats.published_states >= 1)
            url = parse_mqtt_url(f"mqtt://viewer@{broker.host}:{broker.port}/{PREFIX}")
            viewer = BrokerCredentials("viewer", USERS["viewer"])
            watching = asyncio.create_task(
                watch(url, out, topics=["vehicle/#"], credentials=viewer, count=3), name="watch"
            )
            await wait_until(lambda: "vehicle/1/state R" in out.getvalue())
            hub.publish(Alert(1, 0, "T-10 min, hold"), key=1)
            assert await asyncio.wait_for(watching, timeout=10) == 3

    lines = out.getvalue().splitlines()
    assert lines[0] == f"# watching {PREFIX}/vehicle/# on {broker.host}:{broker.port}"
    shown = {line.split(" ", 2)[1]: line for line in lines[1:]}
    assert '"n":3' in shown["vehicle/1/state"]
    assert shown["vehicle/1/status"].endswith(" R online")
    assert '"text":"T-10 min, hold"' in shown["vehicle/1/events"]


async def test_watch_waits_out_a_broker_that_is_not_there_yet() -> None:
    out = io.StringIO()
    async with running_mosquitto() as broker:
        await broker.stop()
        url = parse_mqtt_url(f"mqtt://{broker.host}:{broker.port}/{PREFIX}")
        quick = Backoff(base_s=0.02, factor=1.5, max_s=0.2)
        watching = asyncio.create_task(watch(url, out, count=1, backoff=quick), name="watch")
        await wait_until(lambda: "retrying" in out.getvalue())
        await broker.start()
        hub = Hub()
        async with running_bridge(hub, broker):
            assert await asyncio.wait_for(watching, timeout=10) == 1
    assert "gcs/status" in out.getvalue().splitlines()[-1]
