"""The MQTT bridge: hub values out to a broker, and nothing from the broker in. The only aiomqtt user.

``MqttBridge.run()`` lives as one named task of the composition root's TaskGroup. Inside it, one
TaskGroup holds named jobs:

- ``bridge.sample``: every ``SAMPLE_MAX_S`` at most, reads the newest value of each state type and
  each rate-limited stream type from the hub (``latest_all``) and routes the ones that changed;
  the hub keeps the newest value anyway, so this costs the ingest path nothing per message.
- ``bridge.hub.<Type>``: for event types (every value counts) and streams faster than
  ``SAMPLE_MAX_HZ``, drains a bounded hub subscription into the outbox. Never waits on the broker,
  so the hub never backs up.
- ``bridge.mqtt``: the main connection. Connects with a Will of ``offline`` on
  ``<prefix>/gcs/status``, says ``online``, republishes every retained state, then publishes from the
  outbox with at most ``max_inflight`` publishes awaiting the broker. When the connection drops it
  reconnects with full-jitter backoff; events not yet acknowledged go back to the queue.
- ``bridge.status.<owner>``: one small connection per vehicle or platform seen, whose only job is
  to carry that thing's Will (MQTT allows one Will per connection): ``<owner>/status`` is
  ``online`` while this station publishes it and turns ``offline`` the moment the station dies.
- ``bridge.stats``: a ``BridgeStats`` on the hub every ``stats_interval_s``, and log lines naming
  whatever was dropped.

Read-only by construction: the bridge never subscribes (a test checks it against the client and
in the broker's log, under an ACL that gives it no read access). Broker trouble is never raised: it
is retried and reported in ``BridgeStats``. Even a bug in the bridge stays inside ``run()``, which
logs it and starts over, so MQTT can never take the links, the recorder or the console down.

Knows nothing of what the values mean: routes (``gcs.bridge.routes``) say where each type goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import random
import socket
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Any, Final, cast

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from gcs.bridge.outbox import Outbox, Outgoing
from gcs.bridge.routes import CompiledRoute, RouteTable, TopicClass, encode
from gcs.bridge.settings import (
    BridgeSettings,
    BrokerCredentials,
    BrokerUrl,
    bridge_settings,
    load_credentials,
    parse_mqtt_url,
)
from gcs.bridge.values import BridgeStats
from gcs.clock import Clock, WallClock
from gcs.hub import ANY_KEY, Hub, Keyed, Subscription

__all__ = [
    "OFFLINE",
    "ONLINE",
    "BridgeSettings",
    "BridgeStats",
    "BrokerCredentials",
    "BrokerUrl",
    "MqttBridge",
    "bridge_settings",
    "load_credentials",
    "parse_mqtt_url",
]

_log = logging.getLogger(__name__)
_paho_log = logging.getLogger(f"{__name__}.paho")
# paho logs every dropped socket at ERROR; the bridge reports outages itself, once, at WARNING.
_paho_log.setLevel(logging.CRITICAL)

ONLINE: Final = b"online"
OFFLINE: Final = b"offline"
GOODBYE_TIMEOUT_S: Final = 5.0
"""How long a stopping bridge tries to say ``offline`` before it disconnects anyway. Generous: if it
gives up, the clean DISCONNECT that follows suppresses the Will and the status stays ``online`` (a
CI run on a loaded 2-core machine missed 1 s)."""
NO_DELAY: Final = ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)
"""paho leaves Nagle's algorithm on: each small publish would wait for the previous one's ACK, which
the receiver delays (up to 40 ms on Linux). Telemetry wants every message on the wire at once."""
SAMPLE_MAX_HZ: Final = 100.0
"""Streams limited to at most this rate are sampled from the hub's latest values; faster ones (or
unlimited) take a subscription, which costs every publish on the hub a queue entry."""
SAMPLE_MIN_S: Final = 0.005
SAMPLE_MAX_S: Final = 0.05
"""State and sampled streams are read from the hub at least this often: a hold in the count is
on the broker within 50 ms (plus the topic's rate limit)."""
MAX_PAYLOAD_BYTES: Final = 256 * 1024
"""A larger payload is refused at intake (counted): it is a runaway serializer, not telemetry."""


class MqttBridge:
    """Publishes the hub's routed values to one broker. Run ``await bridge.run()`` as a named task.

    Args:
        hub: where the values come from.
        routes: which types go to which topics (see ``gcs.bridge.catalog.standard_routes``).
        settings: the broker, prefix, limits and credentials (``bridge_settings(config, url=...)``).
        clock: paces rate limits, backoff and stats, and stamps ``BridgeStats``. Pass the wall
            clock even in accelerated SITL: broker bandwidth and reconnects happen in real time.
        rng: the backoff's jitter (seed it in tests).
    """

    def __init__(
        self,
        hub: Hub,
        routes: RouteTable,
        settings: BridgeSettings,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._hub = hub
        self._routes = routes
        self._settings = settings
        self._clock: Clock = clock or WallClock()
        self._rng = rng or random.Random()
        self._prefix = settings.prefix
        self.status_topic = f"{settings.prefix}/gcs/status"
        self._outbox = Outbox(
            max_events=settings.max_queued_events,
            max_streams=settings.max_queued_streams,
            state_expiry_s=settings.state_expiry_s,
            rate_hz=self._rate_for,
        )
        self._state_properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        self._state_properties.MessageExpiryInterval = self._outbox.expiry_s
        self._wakeup = asyncio.Event()
        # When the publisher would wake by itself (-inf: it is busy and will look anyway; inf: it
        # waits for new work); a new message that is ready earlier sets ``_wakeup``.
        self._pump_idle_until_s = math.inf
        self._owners: dict[str, None] = {}
        self._online: set[str] = set()
        self._group: asyncio.TaskGroup | None = None
        self._subscriptions: list[Subscription[Any]] = []
        self._seq: dict[str, int] = {}
        self._connected = False
        self._connects = 0
        self._connect_failures = 0
        self._last_error: str | None = None
        self._unpublishable = 0
        self._hub_dropped_before = 0
        self._warned: set[tuple[str, str]] = set()
        self._in_flight = 0

    # -- public -----------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether the main connection is up (status lines may lag it by a moment)."""
        return self._connected

    @property
    def owners(self) -> list[str]:
        """The ``<owner>`` topics whose ``<owner>/status`` this bridge keeps (vehicles, platforms)."""
        return list(self._owners)

    @property
    def owners_online(self) -> list[str]:
        """The owners whose status line is connected and has said ``online``."""
        return [owner for owner in self._owners if owner in self._online]

    @property
    def stats(self) -> BridgeStats:
        counts = self._outbox.counts
        return BridgeStats(
            broker=self._settings.broker,
            prefix=self._prefix,
            connected=self._connected,
            connects=self._connects,
            connect_failures=self._connect_failures,
            last_error=self._last_error,
            published_events=counts.published_events,
            published_states=counts.published_states,
            published_streams=counts.published_streams,
            dropped_events=counts.dropped_events,
            dropped_streams=counts.dropped_streams,
            rate_limited=counts.rate_limited,
            superseded_states=counts.superseded_states,
            requeued_events=counts.requeued_events,
            hub_dropped=self._hub_dropped_before + sum(s.dropped for s in self._subscriptions),
            unpublishable=self._unpublishable,
            queued_events=self._outbox.queued_events,
            queued_streams=self._outbox.queued_streams,
            pending_states=self._outbox.pending_states,
            in_flight=self._in_flight,
            unix_time_s=self._clock.unix_time_s(),
        )

    def idle(self) -> bool:
        """Connected, with nothing queued or awaiting the broker's acknowledgement."""
        return self._connected and self._outbox.idle() and self._in_flight == 0

    async def run(self) -> None:
        """Publish until cancelled. Never raises except ``CancelledError``.

        A failure inside the bridge (a bug, not the broker: that is handled where it happens) is
        logged and the bridge starts over after a backoff, keeping what it had queued.
        """
        attempt = 0
        while True:
            try:
                await self._run_jobs()
            except Exception as exc:  # the fan-out must never take the ground station down
                self._last_error = f"bridge failure: {exc!r}"
                _log.exception("MQTT bridge failed; starting over")
            self._connected = False
            await self._clock.sleep(self._settings.backoff.delay_s(attempt, self._rng))
            attempt += 1

    # -- jobs -------------------------------------------------------------------------------------

    async def _run_jobs(self) -> None:
        streams_sampled = self._streams_sampled()
        sample_s = self._sample_period_s(streams_sampled)
        async with contextlib.AsyncExitStack() as stack:
            self._subscriptions = []
            drains = []
            samplers = []
            for kind in self._routes.kinds():
                compiled = self._routes.for_kind(kind)
                if self._sampled(compiled, streams_sampled):
                    samplers.append((kind, compiled))
                    continue
                # Start from the hub's latest values, so state published before the bridge started
                # still reaches the broker; never for event types, where it would repeat an old event.
                replay = all(c.route.topic_class is not TopicClass.EVENT for c in compiled)
                sub: Subscription[Any] = self._hub.subscribe(
                    kind, key=ANY_KEY, maxsize=self._settings.hub_queue, replay_latest=replay
                )
                await stack.enter_async_context(sub)
                self._subscriptions.append(sub)
                drains.append((kind.__name__, sub, compiled))
            stack.callback(self._keep_hub_drops)
            try:
                async with asyncio.TaskGroup() as group:
                    self._group = group
                    for name, sub, compiled in drains:
                        group.create_task(self._drain(sub, compiled), name=f"bridge.hub.{name}")
                    if samplers:
                        group.create_task(self._sample(samplers, sample_s), name="bridge.sample")
                    group.create_task(self._main_connection(), name="bridge.mqtt")
                    group.create_task(self._report_stats(), name="bridge.stats")
                    for owner in self._owners:  # after a restart, keep what was already online
                        self._start_status_line(owner)
            finally:
                self._group = None

    def _keep_hub_drops(self) -> None:
        self._hub_dropped_before += sum(s.dropped for s in self._subscriptions)
        self._subscriptions = []

    async def _drain(self, sub: Subscription[Any], compiled: list[CompiledRoute]) -> None:
        async for item in sub:
            keyed = cast(Keyed[Any], item)
            self._route(keyed.key, keyed.value, compiled)

    def _streams_sampled(self) -> bool:
        """Whether every stream limit allows sampling (none above ``SAMPLE_MAX_HZ``, none unlimited)."""
        rates = [self._settings.stream_max_rate_hz, *(rule.max_rate_hz for rule in self._settings.rates)]
        return max(rates) <= SAMPLE_MAX_HZ

    @staticmethod
    def _sampled(compiled: list[CompiledRoute], streams_sampled: bool) -> bool:
        """Events need every value; states and rate-limited streams only the newest."""
        classes = {c.route.topic_class for c in compiled}
        return TopicClass.EVENT not in classes and (streams_sampled or TopicClass.STREAM not in classes)

    def _sample_period_s(self, streams_sampled: bool) -> float:
        """How often the newest values are read from the hub.

        Half the shortest interval a sampled topic may have, so each can go out at its rate; at
        least every ``SAMPLE_MAX_S`` so that a state change (a hold) is out within that; at most
        every ``SAMPLE_MIN_S``.
        """
        rates = [self._settings.state_max_rate_hz, *(rule.max_rate_hz for rule in self._settings.rates)]
        if streams_sampled:
            rates.append(self._settings.stream_max_rate_hz)
        fastest = min(max(rates), SAMPLE_MAX_HZ)
        period_s = 0.5 / fastest if fastest > 0 else SAMPLE_MAX_S
        return min(SAMPLE_MAX_S, max(SAMPLE_MIN_S, period_s))

    async def _sample(self, samplers: list[tuple[type[Any], list[CompiledRoute]]], period_s: float) -> None:
        """Route the newest value of each type and key, every ``period_s``: states and rate-limited streams.

        The hub keeps the latest value per topic anyway; reading it on a timer costs the ingest path
        nothing per message, where a subscription would cost every publish a queue entry for values
        the rate limit then throws away. A value is routed once (it is the same object until the
        hub has a newer one).
        """
        seen: dict[tuple[type[Any], Hashable | None], object] = {}
        while True:
            for kind, compiled in samplers:
                for key, value in self._hub.latest_all(kind).items():
                    if seen.get((kind, key)) is not value:
                        seen[(kind, key)] = value
                        self._route(key, value, compiled)
            await self._clock.sleep(period_s)

    def _route(self, key: Hashable | None, value: object, compiled: list[CompiledRoute]) -> None:
        now_s = self._clock.monotonic_s()
        outbox = self._outbox
        ready_s = math.inf
        for c in compiled:
            topic_class = c.route.topic_class
            topic = c.topic.render(self._prefix, key, value)
            if topic is None:
                self._refuse(c, f"key {key!r} does not make a topic level in {c.route.topic!r}")
                continue
            if not outbox.admit(topic, topic_class, now_s):
                continue
            if topic_class is TopicClass.EVENT:
                payload = self._serialize(c, topic, value, self._next_seq(topic))
                if payload is None:
                    continue
                outbox.put(topic, payload, topic_class, now_s)
            else:
                # Serialized when sent: a state replaced, or a sample dropped, before its turn costs
                # no serialization. A sample's sequence number is taken now, so a drop leaves a gap a
                # viewer can see; a state's when it goes out (a replaced state is no loss).
                seq = self._next_seq(topic) if topic_class is TopicClass.STREAM else None
                make = functools.partial(self._serialize, c, topic, value, seq)
                outbox.put(topic, make, topic_class, now_s)
            ready_s = min(ready_s, outbox.ready_at_s(topic, topic_class, now_s))
            if c.owner is not None:
                owner = c.owner.render(self._prefix, key, value)
                if owner is not None and owner not in self._owners:
                    self._owners[owner] = None
                    self._start_status_line(owner)
        # Wake the publisher only if this can go out before it would wake anyway: a state held back
        # by its rate limit (a heartbeat at 50 Hz on a 1 Hz topic) must not wake it every time.
        if ready_s < self._pump_idle_until_s:
            self._wakeup.set()

    def _next_seq(self, topic: str) -> int:
        seq = self._seq.get(topic, 0)
        self._seq[topic] = seq + 1
        return seq

    def _serialize(self, compiled: CompiledRoute, topic: str, value: object, seq: int | None) -> bytes | None:
        """The JSON payload with its ``bridge_seq`` (the topic's next if None); None (counted) if it
        cannot be made."""
        if seq is None:
            seq = self._next_seq(topic)
        try:
            body = dict(compiled.route.serialize(value))
            body["bridge_seq"] = seq
            payload = encode(body)
        except Exception as exc:  # a serializer is outside code: count it, never crash on it
            self._refuse(compiled, f"serializer failed: {exc!r}")
            return None
        if len(payload) > MAX_PAYLOAD_BYTES:
            self._refuse(compiled, f"payload of {len(payload)} bytes is over {MAX_PAYLOAD_BYTES}")
            return None
        return payload

    def _refuse(self, compiled: CompiledRoute, why: str) -> None:
        self._unpublishable += 1
        warned = (compiled.route.kind.__name__, compiled.route.topic)
        if warned not in self._warned:  # once per route: a bad value type repeats at telemetry rate
            self._warned.add(warned)
            _log.warning("MQTT bridge cannot publish %s to %s: %s (counted from now on, not logged)",
                         warned[0], warned[1], why)

    def _rate_for(self, topic: str, topic_class: TopicClass) -> float | None:
        return self._settings.max_rate_hz(topic, stream=topic_class is TopicClass.STREAM)

    # -- the main connection ----------------------------------------------------------------------

    async def _main_connection(self) -> None:
        attempt = 0
        settings = self._settings
        while True:
            client = self._client(settings.client_id, self.status_topic)
            up_since: float | None = None
            try:
                async with self._session(client, self.status_topic):
                    up_since = self._clock.monotonic_s()
                    self._connected = True
                    self._connects += 1
                    self._outbox.connection_made()
                    self._announce_connected()
                    await self._pump(client)
            except* (aiomqtt.MqttError, OSError) as group:
                self._last_error = _describe(group)
                if up_since is None:
                    self._connect_failures += 1
                    if self._connect_failures == 1 or attempt == 0:
                        _log.warning("MQTT broker %s unreachable: %s; retrying with backoff",
                                     settings.broker, self._last_error)
                else:
                    _log.warning("MQTT connection to %s lost: %s; reconnecting", settings.broker,
                                 self._last_error)
            finally:
                if self._connected:
                    self._connected = False
                    self._outbox.connection_lost()
                    self._in_flight = 0
            if up_since is not None and self._clock.monotonic_s() - up_since >= settings.backoff.max_s:
                attempt = 0  # it was a working connection; one that drops at once keeps backing off
            await self._clock.sleep(settings.backoff.delay_s(attempt, self._rng))
            attempt += 1

    def _announce_connected(self) -> None:
        counts = self._outbox.counts
        _log.info(
            "MQTT connected to %s as %s under %s/; queued: %d events, %d stream samples, %d states; "
            "dropped so far: %d events, %d stream samples",
            self._settings.broker, self._settings.client_id, self._prefix, self._outbox.queued_events,
            self._outbox.queued_streams, self._outbox.pending_states, counts.dropped_events,
            counts.dropped_streams,
        )
        self._hub.publish(self.stats)

    async def _pump(self, client: aiomqtt.Client) -> None:
        """Publish from the outbox until the connection drops (raises) or the task is cancelled."""
        slots = asyncio.Semaphore(self._settings.max_inflight)
        outbox = self._outbox
        async with asyncio.TaskGroup() as group:
            # Never subscribed, so no message ever arrives: iterating only ends, with MqttError,
            # when the connection drops. That is aiomqtt 2.x's public way to learn of it.
            group.create_task(self._until_disconnected(client), name="bridge.mqtt.watch")
            while True:
                message = outbox.take(self._clock.monotonic_s())
                if message is None:
                    self._wakeup.clear()
                    due_s = outbox.next_due_s()
                    self._pump_idle_until_s = math.inf if due_s is None else due_s
                    try:
                        await self._wait_for_work(due_s)
                    finally:
                        self._pump_idle_until_s = -math.inf  # busy: it takes again before it waits
                    continue
                if not isinstance(message.payload, bytes):
                    payload = message.payload()
                    if payload is None:
                        continue  # counted as unpublishable; the state's next value may do better
                    message = outbox.resolved(message, payload)
                # Several publishes in flight let one socket write carry many messages (aiomqtt awaits
                # each one's write or PUBACK); paho is called in task order, so order is kept.
                await slots.acquire()
                self._in_flight += 1
                group.create_task(self._publish_bounded(client, message, slots), name="bridge.mqtt.publish")

    async def _publish_bounded(
        self, client: aiomqtt.Client, message: Outgoing, slots: asyncio.Semaphore
    ) -> None:
        try:
            await self._publish(client, message)
        finally:
            self._in_flight -= 1
            slots.release()

    async def _publish(self, client: aiomqtt.Client, message: Outgoing) -> None:
        properties = self._state_properties if message.retain else None
        payload = message.payload
        assert isinstance(payload, bytes), "the pump makes every payload before it publishes"
        try:
            await client.publish(
                message.topic, payload, qos=message.qos, retain=message.retain,
                properties=properties, timeout=self._settings.publish_timeout_s,
            )
        except ValueError as exc:  # paho refused this message itself; retrying cannot help
            self._unpublishable += 1
            _log.warning("MQTT client refused a message for %s: %s", message.topic, exc)
        self._outbox.done(message)

    async def _wait_for_work(self, due_s: float | None) -> None:
        if due_s is None:
            await self._wakeup.wait()
            return
        delay_s = due_s - self._clock.monotonic_s()
        if delay_s <= 0:
            return
        if isinstance(self._clock, WallClock):
            # The loop's own timer is the wall clock too, and far cheaper than racing two tasks;
            # this wait happens every time a state is held back by its rate limit.
            timer = asyncio.get_running_loop().call_later(delay_s, self._wakeup.set)
            try:
                await self._wakeup.wait()
            finally:
                timer.cancel()
            return
        async with asyncio.TaskGroup() as group:
            wake = group.create_task(self._wakeup.wait(), name="bridge.mqtt.wakeup")
            due = group.create_task(self._clock.sleep(delay_s), name="bridge.mqtt.due")
            await asyncio.wait((wake, due), return_when=asyncio.FIRST_COMPLETED)
            wake.cancel()
            due.cancel()

    # -- status lines -----------------------------------------------------------------------------

    def _start_status_line(self, owner: str) -> None:
        if self._group is None:
            return  # started with the next jobs (run() starts over with every known owner)
        relative = owner[len(self._prefix) + 1:]
        self._group.create_task(self._status_line(owner), name=f"bridge.status.{relative}")

    async def _status_line(self, owner: str) -> None:
        topic = f"{owner}/status"
        relative = owner[len(self._prefix) + 1:].replace("/", ".")
        client_id = f"{self._settings.client_id}.{relative}"
        attempt = 0
        while True:
            client = self._client(client_id, topic)
            up_since: float | None = None
            try:
                async with self._session(client, topic):
                    up_since = self._clock.monotonic_s()
                    self._online.add(owner)
                    try:
                        await self._until_disconnected(client)
                    finally:
                        self._online.discard(owner)
            except* (aiomqtt.MqttError, OSError) as group:
                _log.debug("MQTT status line %s: %s", topic, _describe(group))
            if up_since is not None and self._clock.monotonic_s() - up_since >= self._settings.backoff.max_s:
                attempt = 0
            await self._clock.sleep(self._settings.backoff.delay_s(attempt, self._rng))
            attempt += 1

    # -- connections ------------------------------------------------------------------------------

    def _client(self, client_id: str, status_topic: str) -> aiomqtt.Client:
        s = self._settings
        client = aiomqtt.Client(
            s.host,
            s.port,
            username=s.credentials.username,
            password=s.credentials.password,
            identifier=client_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            will=aiomqtt.Will(status_topic, OFFLINE, qos=1, retain=True),
            # A fresh session each time: the outbox, not the broker, keeps what is unacknowledged.
            clean_start=True,
            keepalive=max(1, math.ceil(s.keepalive_s)),
            timeout=s.connect_timeout_s,
            max_inflight_messages=s.max_inflight,
            tls_context=s.tls,
            logger=_paho_log,
            socket_options=NO_DELAY,
        )
        # aiomqtt warns at more than 10 calls awaiting the broker; we allow max_inflight by design.
        client.pending_calls_threshold = s.max_inflight + 2
        return client

    @asynccontextmanager
    async def _session(self, client: aiomqtt.Client, status_topic: str) -> AsyncIterator[aiomqtt.Client]:
        """Connected, ``online`` said; on cancellation ``offline`` said (briefly tried), then disconnected."""
        await connect_shielded(client)
        try:
            await client.publish(status_topic, ONLINE, qos=1, retain=True,
                                 timeout=self._settings.publish_timeout_s)
            raise_if_cancelling()
            yield client
        except asyncio.CancelledError:
            # A clean DISCONNECT suppresses the Will, so a stopping station says offline itself.
            with contextlib.suppress(aiomqtt.MqttError):
                await client.publish(status_topic, OFFLINE, qos=1, retain=True, timeout=GOODBYE_TIMEOUT_S)
            raise
        finally:
            with contextlib.suppress(aiomqtt.MqttError):
                await client.__aexit__(None, None, None)

    @staticmethod
    async def _until_disconnected(client: aiomqtt.Client) -> None:
        async for _ in client.messages:
            pass
        raise aiomqtt.MqttError("message iteration ended")

    # -- reporting --------------------------------------------------------------------------------

    async def _report_stats(self) -> None:
        before = self.stats
        while True:
            await self._clock.sleep(self._settings.stats_interval_s)
            now = self.stats
            lost = (now.dropped_events - before.dropped_events, now.dropped_streams - before.dropped_streams,
                    now.hub_dropped - before.hub_dropped)
            if any(lost):
                _log.warning(
                    "MQTT bridge dropped %d events, %d stream samples (queues full%s) and lost %d values "
                    "in its hub queues in the last %.0f s", lost[0], lost[1],
                    "" if now.connected else ", broker unreachable", lost[2],
                    self._settings.stats_interval_s,
                )
            self._hub.publish(now)
            before = now


async def connect_shielded(client: aiomqtt.Client) -> None:
    """Connect ``client``; if cancelled meanwhile, let the attempt end and close what it opened.

    aiomqtt 2.x connects in a worker thread that cannot be interrupted; cancelling the await would
    leave that thread to open a socket (and a reader task) nobody closes. So the attempt is shielded,
    awaited to its end (bounded by the connect and CONNACK timeouts) and undone, then the
    cancellation goes on.
    """
    # A bare task, but never outliving this function: it is awaited on every path.
    attempt = asyncio.ensure_future(client.__aenter__())
    try:
        await asyncio.shield(attempt)
    except asyncio.CancelledError:
        with contextlib.suppress(aiomqtt.MqttError):
            await attempt
            await client.__aexit__(None, None, None)
        raise
    except aiomqtt.MqttError:
        _close_socket(client)
        raise


def raise_if_cancelling() -> None:
    """Re-raise a cancellation that an aiomqtt call swallowed.

    aiomqtt 2.x awaits the broker through ``asyncio.wait_for``, which in Python 3.11 returns the
    result, and drops the cancellation, when the answer arrives in the same loop turn as the cancel.
    A task that then goes on to wait for ever (for the connection to drop) would never end, and
    would hang the TaskGroup that is shutting it down; the task still counts the request, so check.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _close_socket(client: aiomqtt.Client) -> None:
    # A refused CONNACK or a CONNACK timeout leaves paho's socket open in aiomqtt 2.5 (it only
    # resets its futures); paho's own disconnect() closes it, whatever state it is in.
    with contextlib.suppress(Exception):
        client._client.disconnect()


def _describe(group: BaseExceptionGroup[Any]) -> str:
    return "; ".join(sorted({str(e) or type(e).__name__ for e in _leaves(group)})) or repr(group)


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]
