"""The bridge against a real Mosquitto: topic tree, QoS, retained state with expiry, status and Will.

Every test starts its own broker on a free loopback port (tests/support/mosquitto.py) and waits on
conditions: a message arriving, a counter reaching a value; never on a fixed sleep.
"""

from __future__ import annotations

import contextlib
import math
import re

import aiomqtt
import pytest

from gcs.bridge.outbox import Outbox
from gcs.bridge.routes import Route, TopicClass
from gcs.bridge.settings import RateRule
from gcs.hub import Hub
from tests.integration.bridge._mqtt import (
    PREFIX,
    Alert,
    Deck,
    Health,
    Sample,
    collecting,
    retained,
    retained_when,
    running_bridge,
    sample_routes,
)
from tests.support.mosquitto import running_mosquitto
from tests.support.waits import wait_until

VEHICLE = f"{PREFIX}/vehicle/1"
PLATFORM = f"{PREFIX}/platform/west"
STATION = f"{PREFIX}/gcs/status"


async def test_each_class_goes_out_with_its_qos_retain_and_payload() -> None:
    hub = Hub()
    async with (
        running_mosquitto() as broker,
        collecting(broker) as seen,
        running_bridge(hub, broker) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        hub.publish(Health(1, 7, unix_time_s=1_800_000_000.25, monotonic_s=12.0), key=1)
        hub.publish(Sample(1, 0, roll_deg=1.5), key=1)
        hub.publish(Alert(1, 0, "engine chill-down complete"), key=1)
        hub.publish(Deck("west", heave_m=-0.4), key="west")
        await seen.wait_for(lambda c: c.on(f"{VEHICLE}/state") and c.on(f"{VEHICLE}/tm/SAMPLE")
                            and c.on(f"{VEHICLE}/events") and c.on(f"{PLATFORM}/motion"))

        state = seen.on(f"{VEHICLE}/state")[0]
        assert state.qos == 1
        assert state.expiry_s is not None
        assert 0 < state.expiry_s <= 600
        assert state.json() == {
            "sysid": 1, "n": 7, "unix_time_s": 1_800_000_000.25,
            "time_utc": "2027-01-15T08:00:00.250000Z", "bridge_seq": 0,
        }  # monotonic_s stays home: another process's clock means nothing elsewhere
        stream = seen.on(f"{VEHICLE}/tm/SAMPLE")[0]
        assert (stream.qos, stream.expiry_s) == (0, None)
        assert stream.json() == {"sysid": 1, "n": 0, "roll_deg": 1.5, "bridge_seq": 0}
        event = seen.on(f"{VEHICLE}/events")[0]
        assert (event.qos, event.expiry_s) == (1, None)
        assert event.json()["text"] == "engine chill-down complete"
        motion = seen.on(f"{PLATFORM}/motion")[0].json()
        assert motion == {"platform": "west", "heave_m": -0.4, "bridge_seq": 0}

        # One status per thing seen, plus the station's own, each online.
        await seen.wait_for(lambda c: all(c.payloads(f"{t}/status")[-1:] == [b"online"]
                                          for t in (VEHICLE, PLATFORM, f"{PREFIX}/gcs")))
        assert sorted(bridge.owners) == [PLATFORM, VEHICLE]


async def test_a_late_subscriber_gets_the_latest_state_and_statuses_but_no_stream_or_event() -> None:
    hub = Hub()
    async with running_mosquitto() as broker, running_bridge(hub, broker) as bridge:
        for n in range(3):
            hub.publish(Health(1, n, unix_time_s=1_800_000_000.0 + n), key=1)
        hub.publish(Sample(1, 0, roll_deg=0.0), key=1)
        hub.publish(Alert(1, 0, "hold"), key=1)
        await wait_until(bridge.idle)

        late = await retained_when(broker, f"{PREFIX}/#", lambda r: f"{VEHICLE}/status" in r,
                                   what="the vehicle's status line to say online")

        assert late[f"{VEHICLE}/state"].json()["n"] == 2
        assert late[f"{VEHICLE}/status"].payload == b"online"
        assert late[STATION].payload == b"online"
        assert f"{VEHICLE}/tm/SAMPLE" not in late
        assert f"{VEHICLE}/events" not in late


async def test_state_lives_while_the_station_refreshes_it_and_expires_after_it_stops() -> None:
    hub = Hub()
    async with running_mosquitto() as broker:
        # 2 s, not less: a refresh every 1 s still comes in time on a loaded 2-core CI machine
        # (with 1 s, one late turn of the refresh loop let the broker drop the state once).
        async with running_bridge(hub, broker, state_expiry_s=2.0) as bridge:
            hub.publish(Health(1, 1, unix_time_s=1_800_000_000.0), key=1)
            outbox: Outbox = bridge._outbox  # the refresh count is the condition to wait on
            await wait_until(lambda: outbox.counts.refreshed_states >= 3, timeout_s=10)
            # Refreshed every half expiry: after more than one expiry it is still there.
            assert f"{VEHICLE}/state" in await retained(broker, f"{PREFIX}/#")
        # The station stopped: within one expiry the broker forgets the state.
        await retained_when(broker, f"{PREFIX}/#", lambda r: f"{VEHICLE}/state" not in r,
                            what="the retained state to expire")


STATUSES = (STATION, f"{VEHICLE}/status", f"{PLATFORM}/status")


async def test_stopping_the_bridge_says_offline_on_every_status_topic() -> None:
    hub = Hub()
    async with running_mosquitto() as broker:
        async with collecting(broker) as seen:
            async with running_bridge(hub, broker):
                hub.publish(Health(1, 0, unix_time_s=1_800_000_000.0), key=1)
                hub.publish(Deck("west", heave_m=0.1), key="west")
                # Every line, the station's own included: its connection is not first to come up.
                await seen.wait_for(lambda c: all(c.payloads(t) == [b"online"] for t in STATUSES),
                                    what="every status line to say online")
            # Said by the bridge itself: the DISCONNECT that follows suppresses the Wills.
            await seen.wait_for(lambda c: all(c.payloads(t) == [b"online", b"offline"] for t in STATUSES),
                                what="every status line to say offline, once")
        late = await retained(broker, f"{PREFIX}/#")
        assert {t: late[t].payload for t in STATUSES} == dict.fromkeys(STATUSES, b"offline")


async def test_a_stop_the_broker_cannot_acknowledge_still_ends_offline_through_the_will() -> None:
    # The broker stalls while two events await its acknowledgement, a full window (max_inflight=2):
    # the station's goodbye waits behind them in paho's queue and cannot be said in time. A clean
    # DISCONNECT then would suppress the Will and leave "online" retained for ever; the bridge cuts
    # the connection instead, and once the broker resumes, the Will says offline.
    hub = Hub()
    lines = (STATION, f"{VEHICLE}/status")
    async with running_mosquitto() as broker, collecting(broker) as seen:
        with contextlib.ExitStack() as stalled:
            async with running_bridge(hub, broker, max_inflight=2) as bridge:
                hub.publish(Health(1, 0, unix_time_s=1_800_000_000.0), key=1)
                await seen.wait_for(lambda c: all(c.payloads(t) == [b"online"] for t in lines)
                                    and c.on(f"{VEHICLE}/state"), what="the state and both status lines")
                await wait_until(bridge.idle)
                stalled.enter_context(broker.paused())
                for n in range(5):
                    hub.publish(Alert(1, n, "stalled"), key=1)
                await wait_until(lambda: bridge.stats.in_flight == 2)  # a full window, unacknowledged
            # The bridge stopped while the broker stalled; the broker resumes here.
        await seen.wait_for(lambda c: all(c.payloads(t)[-1:] == [b"offline"] for t in lines),
                            what="both status lines to end offline")
        late = await retained(broker, f"{PREFIX}/#")
        assert late[STATION].payload == b"offline"
        assert late[f"{VEHICLE}/status"].payload == b"offline"


async def test_rate_limited_streams_are_sampled_from_the_hub_at_no_cost_to_publishers() -> None:
    hub = Hub()
    async with (
        running_mosquitto() as broker,
        collecting(broker) as seen,
        running_bridge(hub, broker, stream_max_rate_hz=1.0) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        for n in range(100):
            hub.publish(Sample(1, n, roll_deg=0.0), key=1)
        await seen.wait_for(lambda c: c.on(f"{VEHICLE}/tm/SAMPLE"))
        await wait_until(bridge.idle)
        samples = seen.json_on(f"{VEHICLE}/tm/SAMPLE")
        # The newest value when the bridge looked; a burst within one interval gives just that.
        assert [s["n"] for s in samples] == [99]
        assert hub.subscriber_count(Sample) == 0  # nothing queued per publish on the hub
        assert bridge.stats.dropped_streams == 0


async def test_faster_streams_are_subscribed_and_each_topic_keeps_its_own_limit() -> None:
    hub = Hub()
    one_hz = RateRule(f"{PREFIX}/vehicle/+/tm/#", 1.0)
    async with (
        running_mosquitto() as broker,
        collecting(broker) as seen,
        running_bridge(hub, broker, stream_max_rate_hz=math.inf, rates=(one_hz,)) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        assert hub.subscriber_count(Sample) == 1
        for n in range(100):
            hub.publish(Sample(1, n, roll_deg=0.0), key=1)
            hub.publish(Deck("west", heave_m=float(n)), key="west")
        await seen.wait_for(lambda c: c.on(f"{VEHICLE}/tm/SAMPLE") and len(c.on(f"{PLATFORM}/motion")) == 100)
        await wait_until(bridge.idle)
        samples = seen.json_on(f"{VEHICLE}/tm/SAMPLE")
        # The first sample of the burst goes out; the rest within one second is skipped, and counted.
        assert 1 <= len(samples) <= 2
        assert samples[0]["n"] == 0
        assert bridge.stats.rate_limited >= 98
        assert bridge.stats.dropped_streams == 0


async def test_the_bridge_never_subscribes() -> None:
    """Read-only by construction: no SUBSCRIBE leaves the bridge, so nothing can command through it."""
    calls: list[tuple[str, tuple[object, ...]]] = []
    original = aiomqtt.Client.subscribe

    async def recording(self: aiomqtt.Client, *args: object, **kwargs: object) -> object:
        calls.append((self.identifier, args))
        return await original(self, *args, **kwargs)  # type: ignore[arg-type]

    hub = Hub()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aiomqtt.Client, "subscribe", recording)
        async with running_mosquitto() as broker:
            async with running_bridge(hub, broker) as bridge:
                await wait_until(lambda: bridge.connected)
                hub.publish(Health(1, 0, unix_time_s=1_800_000_000.0), key=1)
                hub.publish(Alert(1, 0, "x"), key=1)
                await wait_until(lambda: bridge.idle() and bridge.stats.published_events == 1)
            log = broker.log_text()
    assert [c for c in calls if str(c[0]).startswith("gcs-under-test")] == []
    # The broker agrees: it logged every client connecting, and no subscription from any of ours.
    assert re.search(r"as gcs-under-test \(", log)
    assert not re.search(r"^\d+: gcs-under-test\S* \d ", log, flags=re.MULTILINE)


async def test_values_that_cannot_be_published_are_counted_and_the_rest_flows() -> None:
    def broken(value: Alert) -> dict[str, object]:
        raise ValueError("no JSON for this one")

    routes = sample_routes()
    routes.add(Route(Alert, "vehicle/{key}/broken", TopicClass.EVENT, serialize=broken))
    hub = Hub()
    async with (
        running_mosquitto() as broker,
        collecting(broker) as seen,
        running_bridge(hub, broker, routes) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        hub.publish(Alert(1, 0, "still delivered"), key=1)
        hub.publish(Health(1, 0, unix_time_s=1_800_000_000.0), key="a/b")  # would add a topic level
        await seen.wait_for(lambda c: c.on(f"{VEHICLE}/events"))
        await wait_until(lambda: bridge.stats.unpublishable == 2)
        assert not [m for m in seen.messages if "/broken" in m.topic or "/a/b/" in m.topic]


async def test_a_failure_inside_the_bridge_stays_inside_it_and_the_bridge_starts_over() -> None:
    hub = Hub()
    async with (
        running_mosquitto() as broker,
        collecting(broker) as seen,
        running_bridge(hub, broker) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        original = bridge._route
        failures = 0

        def route_once_badly(*args: object) -> None:
            nonlocal failures
            if failures == 0:
                failures += 1
                raise RuntimeError("a bug in the bridge")
            original(*args)  # type: ignore[arg-type]

        bridge._route = route_once_badly  # type: ignore[method-assign,assignment]
        hub.publish(Alert(1, 0, "meets the bug"), key=1)
        await wait_until(lambda: "bridge failure" in (bridge.stats.last_error or ""))
        await wait_until(lambda: bridge.connected)
        hub.publish(Alert(1, 1, "after the restart"), key=1)
        await seen.wait_for(lambda c: any(m.json()["n"] == 1 for m in c.on(f"{VEHICLE}/events")))
