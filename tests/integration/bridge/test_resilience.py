"""Broker outages: down at start, restarted mid-stream, killed with its retained store.

The subscriber that must not miss an event keeps a persistent MQTT 5 session on a broker with
persistence on, as a real viewer of events would; the broker's restarts are real process restarts
on the same port. Nothing the bridge suffers reaches the rest of the ground station: a stand-in
link task keeps its pace throughout, and publishing on the hub never waits.
"""

from __future__ import annotations

import asyncio
import math

from gcs.bridge.values import BridgeStats
from gcs.hub import Hub
from gcs.tasks import background
from tests.integration.bridge._mqtt import (
    PREFIX,
    Alert,
    Health,
    Sample,
    collecting,
    retained_when,
    running_bridge,
)
from tests.support.mosquitto import running_mosquitto
from tests.support.waits import wait_until

VEHICLE = f"{PREFIX}/vehicle/1"
EVENTS = f"{VEHICLE}/events"
# Mosquitto 2.0.11 (Debian 12) can lose QoS 1 messages queued for an offline persistent session past
# its in-flight quota (fixed upstream in 2.0.13); an unlimited quota keeps the broker out of the
# way, so these tests see only what the bridge does.
OFFLINE_QUEUE = ["max_inflight_messages 0"]
QUEUE_QOS0 = "queue_qos0_messages true"


def _event_numbers(seen_json: list[dict[str, object]]) -> list[int]:
    return [int(str(m["n"])) for m in seen_json]


async def test_broker_down_at_start_costs_nothing_else_and_the_bridge_catches_up() -> None:
    hub = Hub()
    ticks = 0

    async def link() -> None:  # stands in for the vehicle link: it must keep its pace
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    async with (
        running_mosquitto(persistence=True, extra_config=OFFLINE_QUEUE) as broker,
        collecting(broker, client_id="viewer", persistent=True) as seen,
    ):
        await broker.stop()
        async with background(("link", link())), running_bridge(hub, broker) as bridge:
            await wait_until(lambda: bridge.stats.connect_failures >= 3)
            for n in range(20):
                hub.publish(Alert(1, n, "queued while the broker is away"), key=1)
                hub.publish(Health(1, n, unix_time_s=1_800_000_000.0 + n), key=1)
            before = ticks
            await wait_until(lambda: ticks >= before + 20, what="the link task to keep running")
            assert not bridge.stats.connected
            assert "Connection refused" in (bridge.stats.last_error or "")

            await broker.start()

            await seen.wait_for(lambda c: _event_numbers(c.json_on(EVENTS)) == list(range(20)))
            await seen.wait_for(lambda c: c.on(f"{VEHICLE}/state")
                                and c.json_on(f"{VEHICLE}/state")[-1]["n"] == 19)
            assert bridge.connected
            assert bridge.stats.dropped_events == 0


async def test_restarting_the_broker_mid_stream_loses_no_event() -> None:
    hub = Hub()
    sent = 0

    async def produce() -> None:
        nonlocal sent
        while True:
            hub.publish(Alert(1, sent, "stream of events"), key=1)
            hub.publish(Sample(1, sent, roll_deg=0.0), key=1)
            sent += 1
            await asyncio.sleep(0.002)

    async with (
        running_mosquitto(persistence=True, extra_config=OFFLINE_QUEUE) as broker,
        collecting(broker, client_id="viewer", persistent=True) as seen,
        running_bridge(hub, broker) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        async with background(("producer", produce())):
            await seen.wait_for(lambda c: len(c.on(EVENTS)) >= 50)
            await broker.restart()  # SIGTERM: Mosquitto saves sessions and retained messages
            await wait_until(lambda: bridge.stats.connects >= 2, timeout_s=10)
            resumed_at = sent
            await seen.wait_for(lambda c: len(c.on(EVENTS)) >= resumed_at + 50)
        total = sent
        await seen.wait_for(lambda c: set(_event_numbers(c.json_on(EVENTS))) == set(range(total)),
                            what=f"all {total} events, none lost")
        numbers = _event_numbers(seen.json_on(EVENTS))
        first_seen = list(dict.fromkeys(numbers))
        assert first_seen == list(range(total))  # in order, apart from repeats of unacknowledged ones
        assert bridge.stats.dropped_events == 0
        assert seen.connects >= 2


async def test_a_killed_broker_loses_its_retained_store_and_the_bridge_restores_it() -> None:
    hub = Hub()
    async with running_mosquitto(persistence=False) as broker, running_bridge(hub, broker) as bridge:
        hub.publish(Health(1, 5, unix_time_s=1_800_000_005.0), key=1)
        state, status = f"{VEHICLE}/state", f"{VEHICLE}/status"
        await retained_when(broker, f"{PREFIX}/#", lambda r: state in r and status in r,
                            what="the state and the vehicle's status to be retained")

        await broker.restart(kill=True)

        found = await retained_when(
            broker, f"{PREFIX}/#",
            lambda r: state in r and r[state].json()["n"] == 5 and r.get(status) is not None
            and r.get(f"{PREFIX}/gcs/status") is not None,
            timeout_s=10, what="the bridge to republish state and statuses after the restart",
        )
        assert found[status].payload == b"online"
        assert found[f"{PREFIX}/gcs/status"].payload == b"online"
        assert bridge.stats.connects >= 2


async def test_while_the_broker_is_away_streams_drop_oldest_first_and_events_are_kept() -> None:
    hub = Hub()
    async with (
        # Mosquitto keeps QoS 0 messages for an absent persistent subscriber only when told to.
        running_mosquitto(persistence=True, extra_config=[*OFFLINE_QUEUE, QUEUE_QOS0]) as broker,
        collecting(broker, client_id="viewer", persistent=True) as seen,
    ):
        await broker.stop()
        async with running_bridge(hub, broker, max_queued_streams=5, stream_max_rate_hz=math.inf) as bridge:
            await wait_until(lambda: bridge.stats.connect_failures >= 1)
            for n in range(50):
                hub.publish(Sample(1, n, roll_deg=float(n)), key=1)
            for n in range(20):
                hub.publish(Alert(1, n, "kept"), key=1)
            await wait_until(lambda: bridge.stats.dropped_streams == 45)

            # Reported where the console and a viewer look: BridgeStats on the hub, and on MQTT.
            def reported() -> BridgeStats | None:
                return hub.latest(BridgeStats)

            await wait_until(lambda: (r := reported()) is not None and r.dropped_streams == 45
                             and r.queued_events == 20)

            await broker.start()

            await seen.wait_for(lambda c: _event_numbers(c.json_on(EVENTS)) == list(range(20)),
                                what="events 0-19 in order",
                                show=lambda: (_event_numbers(seen.json_on(EVENTS)), bridge.stats))
            await seen.wait_for(lambda c: [m["n"] for m in c.json_on(f"{VEHICLE}/tm/SAMPLE")]
                                == [45, 46, 47, 48, 49])
            assert bridge.stats.dropped_events == 0


async def test_in_flight_publishes_are_bounded() -> None:
    hub = Hub()
    peak = 0

    async def watch_in_flight(bridge_stats: object) -> None:
        nonlocal peak
        while True:
            peak = max(peak, bridge_stats())  # type: ignore[operator]
            await asyncio.sleep(0)

    async with (
        running_mosquitto() as broker,
        collecting(broker) as seen,
        running_bridge(hub, broker, max_inflight=2) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        async with background(("peak", watch_in_flight(lambda: bridge.stats.in_flight))):
            for n in range(300):
                hub.publish(Alert(1, n, "burst"), key=1)
            await seen.wait_for(lambda c: len(c.on(EVENTS)) == 300)
        assert 1 <= peak <= 2


async def test_a_broker_gone_silent_is_noticed_by_the_keepalive_and_the_bridge_reconnects() -> None:
    # A frozen broker keeps its sockets open: only the keep-alive can tell it from a quiet one.
    hub = Hub()
    async with (
        running_mosquitto() as broker,
        running_bridge(hub, broker, keepalive_s=1.0) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        with broker.paused():
            await wait_until(lambda: not bridge.connected, timeout_s=5,
                             what="the keep-alive to give the silent broker up")
            assert "no word from the broker" in (bridge.stats.last_error or "")
        await wait_until(lambda: bridge.connected and bridge.stats.connects == 2, timeout_s=10,
                         what="the bridge to reconnect once the broker answers again")
        hub.publish(Alert(1, 0, "after the silence"), key=1)
        await wait_until(lambda: bridge.stats.published_events == 1)
