"""Broker credentials and ACLs: the ground station writes its prefix, viewers only read it.

The ACL here is the one docs/mqtt.md recommends, with the prefix of these tests.
"""

from __future__ import annotations

import aiomqtt

from gcs.bridge.settings import BrokerCredentials
from gcs.hub import Hub
from tests.integration.bridge._mqtt import (
    PREFIX,
    Alert,
    Health,
    collecting,
    retained_when,
    running_bridge,
)
from tests.support.mosquitto import running_mosquitto
from tests.support.waits import wait_until

USERS = {"gcs": "gcs-secret", "viewer": "viewer-secret"}
ACL = f"""\
# The ground station writes its prefix (state, streams, events, its Wills) and reads nothing.
user gcs
topic write {PREFIX}/#

# Viewers read the prefix and write nothing there (a probe topic of their own for the tests).
user viewer
topic read {PREFIX}/#
topic readwrite probe/#
"""
GCS = BrokerCredentials("gcs", USERS["gcs"])
VIEWER_USER, VIEWER_PASSWORD = "viewer", USERS["viewer"]
STATE = f"{PREFIX}/vehicle/1/state"
EVENTS = f"{PREFIX}/vehicle/1/events"


async def test_a_read_only_viewer_cannot_publish_into_the_prefix() -> None:
    hub = Hub()
    async with (
        running_mosquitto(users=USERS, acl=ACL) as broker,
        collecting(broker, username=VIEWER_USER, password=VIEWER_PASSWORD) as seen,
        running_bridge(hub, broker, credentials=GCS) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        hub.publish(Health(1, 1, unix_time_s=1_800_000_001.0), key=1)
        hub.publish(Alert(1, 1, "genuine"), key=1)
        await seen.wait_for(lambda c: c.on(STATE) and c.on(EVENTS))

        forger_client = aiomqtt.Client(broker.host, broker.port, protocol=aiomqtt.ProtocolVersion.V5,
                                       identifier="forger", username=VIEWER_USER, password=VIEWER_PASSWORD)
        async with forger_client as forger:
            forged = b'{"sysid":1,"n":666,"text":"forged"}'
            await forger.publish(STATE, forged, qos=1, retain=True)
            await forger.publish(EVENTS, forged, qos=1)
            await forger.publish(f"{PREFIX}/vehicle/1/command", forged, qos=1)
        # The broker acknowledged all three, so it has routed or refused them by now: an event the
        # ground station publishes afterwards reaches the subscriber after anything they caused.
        hub.publish(Alert(1, 2, "after the forgery"), key=1)
        await seen.wait_for(lambda c: len(c.on(EVENTS)) == 2)
        assert all(b"forged" not in m.payload for m in seen.messages)
        found = await retained_when(broker, f"{PREFIX}/#", lambda r: STATE in r, what="the state",
                                    username=VIEWER_USER, password=VIEWER_PASSWORD)
        assert found[STATE].json()["n"] == 1  # still the ground station's, not the forger's
        assert f"{PREFIX}/vehicle/1/command" not in found


async def test_the_ground_station_needs_no_read_access_and_publishes_everything() -> None:
    hub = Hub()
    async with (
        running_mosquitto(users=USERS, acl=ACL) as broker,
        collecting(broker, username=VIEWER_USER, password=VIEWER_PASSWORD) as seen,
        running_bridge(hub, broker, credentials=GCS) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        hub.publish(Alert(1, 0, "write-only is enough"), key=1)
        await seen.wait_for(lambda c: c.on(EVENTS) and c.payloads(f"{PREFIX}/gcs/status") == [b"online"]
                            and c.payloads(f"{PREFIX}/vehicle/1/status") == [b"online"])


async def test_wrong_credentials_are_retried_and_reported_never_raised() -> None:
    hub = Hub()
    async with (
        running_mosquitto(users=USERS, acl=ACL) as broker,
        running_bridge(hub, broker, credentials=BrokerCredentials("gcs", "wrong")) as bridge,
    ):
        hub.publish(Alert(1, 0, "kept until the password is fixed"), key=1)
        await wait_until(lambda: bridge.stats.connect_failures >= 2)
        stats = bridge.stats
        assert not stats.connected
        assert "Not authorized" in (stats.last_error or "") or "password" in (stats.last_error or "")
        assert "wrong" not in repr(bridge._settings)  # the password never shows in a repr


async def test_a_publish_the_broker_refuses_is_counted_and_the_rest_flows() -> None:
    # An ACL that keeps the ground station out of one topic: MQTT 5 brokers acknowledge such a
    # publish with "Not authorized" rather than dropping the connection.
    narrow = ACL.replace(f"topic write {PREFIX}/#",
                         f"topic deny {PREFIX}/vehicle/2/#\ntopic write {PREFIX}/#")
    hub = Hub()
    async with (
        running_mosquitto(users=USERS, acl=narrow) as broker,
        collecting(broker, username=VIEWER_USER, password=VIEWER_PASSWORD) as seen,
        running_bridge(hub, broker, credentials=GCS) as bridge,
    ):
        await wait_until(lambda: bridge.connected)
        hub.publish(Alert(2, 0, "into the denied topic"), key=2)
        await wait_until(lambda: bridge.stats.unpublishable == 1, what="the refusal to be counted")
        hub.publish(Alert(1, 1, "allowed"), key=1)
        await seen.wait_for(lambda c: c.on(EVENTS))
        assert not [m for m in seen.messages if m.topic.startswith(f"{PREFIX}/vehicle/2/events")]
        assert bridge.stats.published_events == 2  # acknowledged both; the broker refused one
        assert bridge.stats.connects == 1  # a refusal is no reason to reconnect
