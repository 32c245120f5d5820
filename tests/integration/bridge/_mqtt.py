"""Test-side MQTT: a collecting subscriber, the bridge under test, and small value types to route.

The value types stand in for what the links and the launch core publish, so these tests do not
change when those types do; ``test_catalog.py`` covers the shipped routes of the real types.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiomqtt
import orjson
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gcs.bridge.mqtt import MqttBridge, raise_if_cancelling
from gcs.bridge.routes import Route, RouteTable, TopicClass
from gcs.bridge.settings import BridgeSettings, BrokerCredentials
from gcs.hub import Hub
from gcs.tasks import background
from gcs.transport.link import Backoff
from tests.support.mosquitto import MosquittoBroker
from tests.support.waits import wait_until

PREFIX = "seaport/v1/test"
FAST_BACKOFF = Backoff(base_s=0.02, factor=1.5, max_s=0.3)


@dataclass(frozen=True, slots=True)
class Health:
    """A state value per vehicle (stands in for the link's health snapshot)."""

    sysid: int
    n: int
    unix_time_s: float
    monotonic_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Sample:
    """A stream value per vehicle (stands in for raw telemetry)."""

    sysid: int
    n: int
    roll_deg: float


@dataclass(frozen=True, slots=True)
class Alert:
    """An event per vehicle (stands in for alerts and link events)."""

    sysid: int
    n: int
    text: str


@dataclass(frozen=True, slots=True)
class Deck:
    """A stream value per platform, keyed by name."""

    platform: str
    heave_m: float


def sample_routes() -> RouteTable:
    return RouteTable([
        Route(Health, "vehicle/{key}/state", TopicClass.STATE, owner="vehicle/{key}"),
        Route(Sample, "vehicle/{key}/tm/SAMPLE", TopicClass.STREAM, owner="vehicle/{key}"),
        Route(Alert, "vehicle/{key}/events", TopicClass.EVENT, owner="vehicle/{key}"),
        Route(Deck, "platform/{value.platform}/motion", TopicClass.STREAM, owner="platform/{value.platform}"),
    ])


def settings_for(broker: MosquittoBroker, **overrides: object) -> BridgeSettings:
    values: dict[str, object] = {
        "host": broker.host,
        "port": broker.port,
        "prefix": PREFIX,
        "client_id": "gcs-under-test",
        "keepalive_s": 5.0,
        "connect_timeout_s": 2.0,
        "publish_timeout_s": 2.0,
        "backoff": FAST_BACKOFF,
        "stream_max_rate_hz": 1000.0,
        "state_max_rate_hz": 1000.0,
        "stats_interval_s": 0.1,
    }
    values.update(overrides)
    return BridgeSettings(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def running_bridge(
    hub: Hub, broker: MosquittoBroker, routes: RouteTable | None = None, **overrides: object
) -> AsyncIterator[MqttBridge]:
    """The bridge under test as a named job; stopped (and ``offline`` said) when the block ends."""
    chosen = routes if routes is not None else sample_routes()
    bridge = MqttBridge(hub, chosen, settings_for(broker, **overrides))
    async with background(("bridge", bridge.run())):
        yield bridge


@dataclass(slots=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    qos: int
    expiry_s: int | None

    def json(self) -> dict[str, object]:
        value = orjson.loads(self.payload)
        assert isinstance(value, dict)
        return value


@dataclass(slots=True)
class Collector:
    """Everything a subscriber received, in order, and how often it (re)connected."""

    messages: list[Received] = field(default_factory=list)
    connects: int = 0
    connected: bool = False

    def on(self, topic: str) -> list[Received]:
        return [m for m in self.messages if m.topic == topic]

    def last(self, topic: str) -> Received | None:
        found = self.on(topic)
        return found[-1] if found else None

    def payloads(self, topic: str) -> list[bytes]:
        return [m.payload for m in self.on(topic)]

    def json_on(self, topic: str) -> list[dict[str, object]]:
        return [m.json() for m in self.on(topic)]

    async def wait_for(
        self,
        predicate: Callable[[Collector], object],
        *,
        timeout_s: float = 10.0,
        what: str | None = None,
        show: Callable[[], object] | None = None,
    ) -> None:
        await wait_until(lambda: predicate(self), timeout_s=timeout_s, what=what,
                         show=show or (lambda: [(m.topic, m.payload[:80]) for m in self.messages[-8:]]))


def _received(message: aiomqtt.Message) -> Received:
    expiry = getattr(message.properties, "MessageExpiryInterval", None) if message.properties else None
    raw = message.payload
    payload = bytes(raw) if isinstance(raw, bytes | bytearray) else str(raw).encode()
    return Received(str(message.topic), payload, bool(message.retain), int(message.qos), expiry)


@asynccontextmanager
async def collecting(
    broker: MosquittoBroker,
    topic_filter: str = f"{PREFIX}/#",
    *,
    username: str | None = None,
    password: str | None = None,
    client_id: str | None = None,
    persistent: bool = False,
) -> AsyncIterator[Collector]:
    """Subscribe (QoS 1) and collect until the block ends, reconnecting whenever the broker goes away.

    ``persistent`` keeps an MQTT 5 session on the broker (clean start off, one hour of session
    expiry), so QoS 1 messages published while this subscriber is away wait for it, as a viewer
    that must not miss an event would set itself up.
    """
    collector = Collector()
    subscribed = asyncio.Event()

    async def run() -> None:
        properties = None
        if persistent:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = 3600
        while True:
            client = aiomqtt.Client(
                broker.host, broker.port, username=username, password=password, identifier=client_id,
                protocol=aiomqtt.ProtocolVersion.V5, clean_start=not persistent, properties=properties,
                timeout=2.0,
            )
            try:
                async with client:
                    await client.subscribe(topic_filter, qos=1)
                    raise_if_cancelling()  # aiomqtt on Python 3.11 can swallow a cancel here
                    collector.connects += 1
                    collector.connected = True
                    subscribed.set()
                    async for message in client.messages:
                        collector.messages.append(_received(message))
            except aiomqtt.MqttError:
                collector.connected = False
                await asyncio.sleep(0.02)  # the broker is restarting; poll until it is back

    async with background(("collector", run())):
        await asyncio.wait_for(subscribed.wait(), timeout=10)
        yield collector


async def retained(
    broker: MosquittoBroker,
    topic_filter: str,
    *,
    settle_on: str = "probe/marker",
    username: str | None = None,
    password: str | None = None,
    timeout_s: float = 5.0,
) -> dict[str, Received]:
    """What a late subscriber gets at once: the retained messages under ``topic_filter``.

    The broker sends retained messages right after the SUBACK; to know it has sent them all, the
    probe then publishes a marker on ``settle_on`` (a topic the probe itself may write and read)
    and reads until the marker comes back.
    """
    marker_topic = settle_on
    found: dict[str, Received] = {}
    probe = aiomqtt.Client(broker.host, broker.port, username=username, password=password,
                           protocol=aiomqtt.ProtocolVersion.V5, timeout=2.0)
    async with probe as client:
        await client.subscribe(topic_filter, qos=1)
        await client.subscribe(marker_topic, qos=1)
        await client.publish(marker_topic, b"marker", qos=1)
        async with asyncio.timeout(timeout_s):
            async for message in client.messages:
                if str(message.topic) == marker_topic:
                    break
                if message.retain:
                    found[str(message.topic)] = _received(message)
    return found


def credentials(user: str, password: str) -> BrokerCredentials:
    return BrokerCredentials(user, password)


async def retained_when(
    broker: MosquittoBroker,
    topic_filter: str,
    predicate: Callable[[dict[str, Received]], object],
    *,
    timeout_s: float = 5.0,
    what: str,
    username: str | None = None,
    password: str | None = None,
    settle_on: str = "probe/marker",
) -> dict[str, Received]:
    """Ask as a late subscriber, again and again, until the retained messages satisfy ``predicate``.

    For what the broker does on its own time (a Will, an expiry), where nothing here can be awaited.
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        found = await retained(broker, topic_filter, username=username, password=password,
                               settle_on=settle_on)
        if predicate(found):
            return found
        if asyncio.get_running_loop().time() > deadline:
            shown = {t: m.payload[:60] for t, m in found.items()}
            raise AssertionError(f"timed out after {timeout_s} s waiting for: {what}; retained: {shown}")
        await asyncio.sleep(0.02)
