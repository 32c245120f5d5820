"""The MQTT bridge: hub values out to a broker, and nothing from the broker in. The only aiomqtt user.

``MqttBridge.run()`` lives as one named task of the composition root's TaskGroup. Inside it, one
TaskGroup holds named jobs:

- ``bridge.sample``: every ``SAMPLE_MAX_S`` at most, reads the newest value of each state type and
  each rate-limited stream type from the hub (``latest_all``), routes the ones that changed and
  publishes what is ready in the same turn; the hub keeps the newest value anyway, so this costs
  the ingest path nothing per message.
- ``bridge.hub.<Type>``: for event types (every value counts) and streams faster than
  ``SAMPLE_MAX_HZ``, drains a bounded hub subscription into the outbox and publishes what is ready,
  in batches while the loop is busy (``coalesce_s``). Never waits on the broker, so the hub never
  backs up.
- ``bridge.mqtt``: the main connection (``_MainConnection``: MQTT 5 through ``gcs.bridge.wire``
  on an asyncio transport, not aiomqtt, for speed). Connects with a Will of ``offline`` on
  ``<prefix>/gcs/status``, says ``online``, republishes every retained state, then publishes what
  the others left (held states, refreshes, backlog) with at most ``max_inflight`` QoS 1 messages
  awaiting the broker. ``bridge.mqtt.keepalive`` pings it. When the connection drops it reconnects
  with full-jitter backoff; events not yet acknowledged go back to the queue.
- ``bridge.status.<owner>``: one small aiomqtt connection per vehicle or platform seen, whose only
  job is to carry that thing's Will (MQTT allows one Will per connection): ``<owner>/status`` is
  ``online`` while this station publishes it and turns ``offline`` the moment the station dies.
- ``bridge.stats``: a ``BridgeStats`` on the hub every ``stats_interval_s``, and log lines naming
  whatever was dropped.

A stop (cancellation) says ``offline`` on every status topic and disconnects cleanly; if the broker
does not acknowledge that in time, the connection is cut instead, so that its Will says it.

Read-only by construction: the bridge never subscribes (``gcs.bridge.wire`` cannot even encode a
SUBSCRIBE; a test checks the status lines' client and the broker's log, under an ACL that gives it
no read access). Broker trouble is never raised: it is retried and reported in ``BridgeStats``.
Even a bug in the bridge stays inside ``run()``, which logs it and starts over, so MQTT can never
take the links, the recorder or the console down.

Knows nothing of what the values mean: routes (``gcs.bridge.routes``) say where each type goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import math
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, Final, cast

import aiomqtt

from gcs.bridge import wire
from gcs.bridge.outbox import Outbox, Outgoing
from gcs.bridge.routes import CompiledRoute, RouteTable, TopicClass
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
from gcs.views import encode

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
GOODBYE_TIMEOUT_S: Final = 2.0
"""How long a stopping bridge waits for the broker to acknowledge ``offline`` (at most the publish
timeout). If it does not, the connection is cut without a DISCONNECT so that the Will says it."""
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
BUSY_TURN_S: Final = 0.0005
"""A loop turn that takes this much of the thread's CPU means the loop is busy (the ingest path
decoding a read of many frames takes about 1 ms; an idle loop turns in tens of microseconds):
subscribed values are then coalesced."""
MAX_PAYLOAD_BYTES: Final = 256 * 1024
"""A larger payload is refused at intake (counted): it is a runaway serializer, not telemetry."""


class _Sent(enum.Enum):
    """How a call to send what is ready ended."""

    ALL = "all"
    """Nothing ready is left (or the connection failed: the pump raises it)."""
    NO_SLOT = "no slot"
    """A window of messages awaits the broker, or the socket is full; an acknowledgement (or the
    socket draining) wakes the pump."""
    WINDOW = "window"
    """A window's worth went out and more is ready: the pump sends it on the next loop turn."""


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
        self._conn: _MainConnection | None = None
        self._routed_ready = False

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
            hub_queued=sum(s.pending() for s in self._subscriptions),
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
        """Route every value the subscription holds and publish what is ready, in one loop turn.

        Then, if the batch was smaller than a window (``max_inflight``) and the loop is busy, let
        ``coalesce_s`` pass before the next batch: a trickle of values that keeps coming while the
        ingest path needs the CPU is handed over in batches, one wake-up, one write and one read of
        acknowledgements for each, not one per value (the subscription's queue holds them
        meanwhile). The loop counts as busy when one turn of it, measured by yielding once after
        each batch, takes ``BUSY_TURN_S`` of CPU or more, twice in a row; a loop with time to spare
        (in flight, say) gets every value out at once.
        """
        coalesce_s = self._settings.coalesce_s
        small = self._settings.max_inflight
        clock = self._clock
        busy = False
        while True:
            item: Keyed[Any] | None = await sub.get()
            now_s = clock.monotonic_s()
            batch = 0
            while item is not None:
                self._route(item.key, item.value, compiled, now_s)
                batch += 1
                item = sub.get_nowait()
            self._send_routed()
            # Only a trickle is worth holding back: a batch of a window or more is one write
            # already, and a flood must not pile up in the hub queue, whose bound would drop it.
            if coalesce_s > 0 and batch < small:
                # This thread's CPU time, not the clock: a turn that took long because another
                # process had the CPU says nothing about this loop's own work. Two busy turns in a
                # row, so that one garbage collection does not hold a value back.
                cpu_s = time.thread_time()
                await asyncio.sleep(0)
                was_busy, busy = busy, time.thread_time() - cpu_s >= BUSY_TURN_S
                if busy and was_busy:
                    await clock.sleep(coalesce_s)

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
            now_s = self._clock.monotonic_s()
            for kind, compiled in samplers:
                for key, value in self._hub.latest_all(kind).items():
                    if seen.get((kind, key)) is not value:
                        seen[(kind, key)] = value
                        self._route(key, value, compiled, now_s)
            self._send_routed()
            await self._clock.sleep(period_s)

    def _route(
        self, key: Hashable | None, value: object, compiled: list[CompiledRoute], now_s: float
    ) -> None:
        outbox = self._outbox
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
            ready_s = outbox.ready_at_s(topic, topic_class, now_s)
            if ready_s <= now_s:
                self._routed_ready = True  # sent by the caller once its batch is routed
            elif ready_s < self._pump_idle_until_s:
                # A state held back by its rate limit, due before the publisher would look anyway.
                # Only then is it woken: a heartbeat at 50 Hz on a 1 Hz topic must not wake it each time.
                self._wakeup.set()
            if c.owner is not None:
                owner = c.owner.render(self._prefix, key, value)
                if owner is not None and owner not in self._owners:
                    self._owners[owner] = None
                    self._start_status_line(owner)

    def _send_routed(self) -> None:
        """Publish, now, what the routing just done made ready (the caller's whole batch at once)."""
        if not self._routed_ready:
            return
        self._routed_ready = False
        if self._conn is None:
            return  # not connected: the next connection sends it
        if self._send_ready(self._conn, self._clock.monotonic_s()) is _Sent.WINDOW:
            self._wakeup.set()  # the pump sends the rest, a window per loop turn

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
            up_since: float | None = None
            try:
                async with self._main_session() as conn:
                    up_since = self._clock.monotonic_s()
                    self._connected = True
                    self._connects += 1
                    self._outbox.connection_made()
                    self._announce_connected()
                    await self._pump(conn)
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
            # The attempt failed or the connection dropped (a stop does not get here): the hub
            # hears it now, not at the next stats interval (the station journals it).
            self._hub.publish(self.stats)
            if up_since is not None and self._clock.monotonic_s() - up_since >= settings.backoff.max_s:
                attempt = 0  # it was a working connection; one that drops at once keeps backing off
            await self._clock.sleep(settings.backoff.delay_s(attempt, self._rng))
            attempt += 1

    @asynccontextmanager
    async def _main_session(self) -> AsyncIterator[_MainConnection]:
        """Connected with the Will, ``online`` said; when stopped (cancelled), ``offline`` said.

        Cancelled while connecting, the connection is cut: if the broker had taken the CONNECT, its
        Will says offline.
        """
        settings = self._settings
        conn = await _MainConnection.open(
            settings, self._clock, client_id=settings.client_id, will_topic=self.status_topic,
            retire=self._retire, refuse=self._refused, writable=self._wakeup.set,
        )
        try:
            online = conn.publish(self.status_topic, ONLINE, qos=1, retain=True, expiry_s=None,
                                  now_s=self._clock.monotonic_s())
            conn.flush()
            assert online is not None
            try:
                async with asyncio.timeout(settings.publish_timeout_s):
                    await online
            except TimeoutError:
                raise aiomqtt.MqttError(
                    f"online not acknowledged within {settings.publish_timeout_s:g} s") from None
            yield conn
        except asyncio.CancelledError:
            await self._main_goodbye(conn)
            raise
        finally:
            conn.cut()  # a no-op after a clean goodbye; otherwise the Will tells

    async def _main_goodbye(self, conn: _MainConnection) -> None:
        """Say ``offline`` and leave cleanly; if the broker does not acknowledge it in time, cut the
        connection so that the Will says it (a clean DISCONNECT would suppress the Will)."""
        if conn.lost:
            return  # the broker already published the Will
        timeout_s = min(self._settings.publish_timeout_s, GOODBYE_TIMEOUT_S)
        try:
            offline = conn.publish(self.status_topic, OFFLINE, qos=1, retain=True, expiry_s=None,
                                   now_s=self._clock.monotonic_s())
            conn.flush()
            assert offline is not None
            async with asyncio.timeout(timeout_s):
                await offline
        except (TimeoutError, aiomqtt.MqttError) as exc:
            _log.info("MQTT %s: offline not acknowledged (%s); leaving the Will to say it",
                      self.status_topic, exc or "timed out")
            conn.cut()
            return
        conn.disconnect()

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

    async def _pump(self, conn: _MainConnection) -> None:
        """Publish from the outbox until the connection drops (raises) or the task is cancelled.

        Whoever queues messages that are ready at once (a hub drain, the sampler) sends them in the
        same loop turn (``_send_routed``); this task sends the rest: states whose rate limit held
        them back, refreshes, whatever waited for a free slot, and everything queued while
        disconnected. At most a window of QoS 1 messages (``max_inflight``, or less if the broker's
        Receive Maximum says so) await the broker; the oldest of them must be acknowledged within
        ``publish_timeout_s``, or the connection is taken for dead.
        """
        outbox = self._outbox
        timeout_s = self._settings.publish_timeout_s
        async with asyncio.TaskGroup() as group:
            group.create_task(conn.until_lost(), name="bridge.mqtt.watch")
            group.create_task(self._keepalive(conn), name="bridge.mqtt.keepalive")
            self._conn = conn
            self._pump_idle_until_s = -math.inf  # busy: it sends before it waits
            try:
                while True:
                    # Cleared before sending, so a slot freed while it sends still wakes the wait.
                    self._wakeup.clear()
                    now_s = self._clock.monotonic_s()
                    oldest_s = conn.oldest_sent_s()
                    if oldest_s is not None and now_s - oldest_s > timeout_s:
                        raise aiomqtt.MqttError(f"the broker did not acknowledge within {timeout_s:g} s")
                    sent = self._send_ready(conn, now_s)
                    if sent is _Sent.WINDOW:
                        await asyncio.sleep(0)  # one window per loop turn: the links run between
                        continue
                    if sent is _Sent.ALL:
                        due_s = outbox.next_due_s()
                        self._pump_idle_until_s = math.inf if due_s is None else due_s
                    else:
                        due_s = None  # an acknowledgement (or the socket draining) wakes it
                    if oldest_s is not None:
                        give_up_s = oldest_s + timeout_s
                        due_s = give_up_s if due_s is None else min(due_s, give_up_s)
                    try:
                        await self._wait_for_work(due_s)
                    finally:
                        self._pump_idle_until_s = -math.inf  # busy: it sends again before it waits
            finally:
                self._conn = None

    async def _keepalive(self, conn: _MainConnection) -> None:
        """PINGREQ every half keep-alive; a broker silent for one and a half ends the connection."""
        interval_s = conn.keepalive_s
        while True:
            await self._clock.sleep(interval_s / 2)
            if self._clock.monotonic_s() - conn.heard_s > 1.5 * interval_s:
                raise aiomqtt.MqttError(f"no word from the broker for {1.5 * interval_s:g} s")
            conn.ping()

    def _send_ready(self, conn: _MainConnection, now_s: float) -> _Sent:
        """Encode the messages ready at ``now_s``, at most one window and while slots last, then
        write them out together.

        One window per call keeps a flood (every message of every stream, unlimited) from taking
        the loop from the links: the rest waits a loop turn, and if it keeps coming the stream queue
        drops its oldest samples (counted) rather than the ingest slowing down.
        """
        outbox = self._outbox
        window = conn.window
        try:
            for _ in range(self._settings.max_inflight):
                if conn.lost:
                    return _Sent.ALL  # the pump's watch raises why
                if len(conn) >= window or conn.paused:
                    return _Sent.NO_SLOT
                message = outbox.take(now_s)
                if message is None:
                    return _Sent.ALL
                self._send(conn, message, now_s)
            return _Sent.WINDOW
        finally:
            conn.flush()

    def _send(self, conn: _MainConnection, message: Outgoing, now_s: float) -> None:
        payload = message.payload
        if not isinstance(payload, bytes):
            made = payload()
            if made is None:
                return  # counted as unpublishable; the state's next value may do better
            if message.retain:
                message = self._outbox.resolved(message, made)  # a republish sends the same bytes
            payload = made
        expiry_s = self._outbox.expiry_s if message.retain else None
        try:
            conn.publish(message.topic, payload, qos=message.qos, retain=message.retain,
                         expiry_s=expiry_s, now_s=now_s, message=message)
        except aiomqtt.MqttError:
            # The connection is gone (the pump's watch raises it): an event goes back to the queue
            # with the others in flight, a state is sent again on the next connection.
            return
        except ValueError as exc:  # a packet the broker would not take; retrying cannot help
            self._unpublishable += 1
            _log.warning("MQTT cannot publish to %s: %s", message.topic, exc)
            self._outbox.done(message)
            return
        self._in_flight = len(conn)

    def _retire(self, message: Outgoing, in_flight: int) -> None:
        """``message`` went out (QoS 0 written, QoS 1 acknowledged)."""
        self._outbox.done(message)
        self._in_flight = in_flight
        conn = self._conn
        if conn is not None and in_flight == conn.window - 1:
            self._wakeup.set()  # the pump may be waiting for this slot

    def _refused(self, message: Outgoing, reason_code: int) -> None:
        """The broker acknowledged ``message`` with a failure (an ACL that denies the topic, say)."""
        self._unpublishable += 1
        warned = ("refused", message.topic)
        if warned not in self._warned:  # once per topic: the same refusal repeats at its rate
            self._warned.add(warned)
            _log.warning("MQTT broker refused a message for %s: %s (counted from now on, not logged)",
                         message.topic, wire.reason_text(reason_code))

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
        # paho would format a debug line for every packet, only for _paho_log to drop it.
        client._client.disable_logger()
        return client

    @asynccontextmanager
    async def _session(self, client: aiomqtt.Client, status_topic: str) -> AsyncIterator[aiomqtt.Client]:
        """Connected, ``online`` said; when stopped (cancelled) once connected, ``offline`` said.

        The goodbye also runs for a stop that comes while connecting or while saying ``online``:
        whatever the broker last retained on the status topic (a previous connection's ``online``,
        perhaps) must not outlive the station.
        """
        goodbye = functools.partial(self._goodbye, status_topic=status_topic)
        await connect_shielded(client, goodbye=goodbye)
        try:
            await client.publish(status_topic, ONLINE, qos=1, retain=True,
                                 timeout=self._settings.publish_timeout_s)
            raise_if_cancelling()
            yield client
        except asyncio.CancelledError:
            await goodbye(client)
            raise
        finally:
            # After a cut, aiomqtt may report the lost socket as the OSError itself.
            with contextlib.suppress(aiomqtt.MqttError, OSError):
                await client.__aexit__(None, None, None)

    async def _goodbye(self, client: aiomqtt.Client, *, status_topic: str) -> None:
        """Say ``offline`` on ``status_topic``; if the broker does not take it in time, leave so that
        the Will says it.

        A clean DISCONNECT suppresses the Will, so a stopping station must say offline itself. If
        that publish is not acknowledged within ``GOODBYE_TIMEOUT_S`` (a stalled broker, or paho
        holding it behind a full window of unacknowledged messages), the connection is cut without
        a DISCONNECT instead: the broker then publishes the Will, ``offline``, for us. Either way the
        status ends ``offline``; the caller's disconnect that follows is a no-op after a cut.
        """
        timeout_s = min(self._settings.publish_timeout_s, GOODBYE_TIMEOUT_S)
        try:
            await client.publish(status_topic, OFFLINE, qos=1, retain=True, timeout=timeout_s)
        except aiomqtt.MqttError as exc:
            _log.info("MQTT %s: offline not acknowledged (%s); leaving the Will to say it", status_topic, exc)
            _cut(client)

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


class _MainConnection(asyncio.Protocol):
    """The main connection: MQTT 5 over an asyncio transport, publish only (``gcs.bridge.wire``).

    Why not aiomqtt here: at telemetry rates aiomqtt 2.x and paho cost the ground station more than
    the MQTT work itself (a task, an event and a timeout per publish; a send() per packet, each
    waking the broker; a reason-code and a properties object built for every acknowledgement).
    Here ``publish`` only encodes a packet into the turn's batch, ``flush`` writes the batch with
    one ``transport.write``, and every acknowledgement that arrives in one read is handled in one
    ``data_received``. The status lines and ``gcs watch`` keep aiomqtt: they publish twice per
    connection.

    ``publish`` of a bridge message (``message`` given) retires it through ``retire`` once it is
    out: written, for QoS 0; acknowledged, for QoS 1. Without a message (``online``/``offline``)
    it returns a future of the acknowledgement. Errors end the connection: ``until_lost`` raises.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        clock: Clock,
        retire: Callable[[Outgoing, int], None],
        refuse: Callable[[Outgoing, int], None],
        writable: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._clock = clock
        self._retire = retire
        self._refuse = refuse
        self._writable = writable
        self._reader = wire.Reader()
        self._transport: asyncio.Transport | None = None
        self._connack: asyncio.Future[wire.ConnAck] = loop.create_future()
        self._lost: asyncio.Future[None] = loop.create_future()
        self._batch: list[bytes] = []
        self._written: list[Outgoing] = []  # QoS 0 in the batch: done once written
        # QoS 1 awaiting the broker, by packet id, oldest first: a bridge message or a waiter.
        self._sent: dict[int, tuple[Outgoing | asyncio.Future[int], float]] = {}
        self._next_id = 1
        self.window = 1
        self.max_packet_bytes: int | None = None
        self.keepalive_s = 0
        self.paused = False
        self.heard_s = clock.monotonic_s()  # when the broker last sent anything

    @classmethod
    async def open(
        cls,
        settings: BridgeSettings,
        clock: Clock,
        *,
        client_id: str,
        will_topic: str,
        retire: Callable[[Outgoing, int], None],
        refuse: Callable[[Outgoing, int], None],
        writable: Callable[[], None],
    ) -> _MainConnection:
        """Connect, send CONNECT with the Will, wait for the CONNACK.

        Raises:
            aiomqtt.MqttError: no connection (refused, unreachable, TLS handshake failed), refused by
                the broker, or no CONNACK within ``connect_timeout_s``.
        """
        loop = asyncio.get_running_loop()
        conn = cls(loop, clock, retire, refuse, writable)
        keepalive_s = max(1, math.ceil(settings.keepalive_s))
        try:
            async with asyncio.timeout(settings.connect_timeout_s):
                await loop.create_connection(
                    lambda: conn, settings.host, settings.port, ssl=settings.tls,
                    server_hostname=settings.host if settings.tls is not None else None,
                )
                transport = conn._transport
                assert transport is not None
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    # Nagle would hold each small batch until the previous one's ACK, which the
                    # receiver delays (up to 40 ms on Linux).
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                creds = settings.credentials
                transport.write(wire.connect(
                    client_id, keepalive_s=keepalive_s, username=creds.username, password=creds.password,
                    will_topic=will_topic, will_payload=OFFLINE, will_qos=1, will_retain=True,
                ))
                connack = await asyncio.shield(conn._connack)
        except TimeoutError:
            conn.cut()
            raise aiomqtt.MqttError(f"no connection or CONNACK within {settings.connect_timeout_s:g} s") \
                from None
        except OSError as exc:
            conn.cut()
            # asyncio words a refused connect "Connect call failed (...)"; the errno says what it was.
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            raise aiomqtt.MqttError(f"cannot connect to {settings.broker}: {why}") from exc
        except BaseException:
            conn.cut()
            raise
        if connack.reason_code >= 0x80:
            conn.cut()
            why = f": {connack.reason_string}" if connack.reason_string else ""
            raise aiomqtt.MqttError(f"connection refused: {wire.reason_text(connack.reason_code)}{why}")
        # One of the broker's Receive Maximum stays free for the status (online, and the goodbye).
        conn.window = max(1, min(settings.max_inflight, connack.receive_maximum - 1))
        conn.max_packet_bytes = connack.maximum_packet_size
        conn.keepalive_s = connack.server_keepalive_s if connack.server_keepalive_s is not None \
            else keepalive_s
        if not connack.retain_available or connack.maximum_qos < 1:
            _log.warning("MQTT broker %s takes no retained messages or no QoS 1; state and events "
                         "will be refused", settings.broker)
        return conn

    # -- asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.heard_s = self._clock.monotonic_s()

    def data_received(self, data: bytes) -> None:
        self.heard_s = self._clock.monotonic_s()
        try:
            packets = self._reader.feed(data)
        except wire.MalformedPacket as exc:
            self._fail(aiomqtt.MqttError(f"malformed packet from the broker: {exc}"))
            return
        for packet in packets:
            if isinstance(packet, wire.PubAck):
                self._acknowledged(packet)
            elif isinstance(packet, wire.ConnAck):
                if not self._connack.done():
                    self._connack.set_result(packet)
            elif isinstance(packet, wire.Disconnect):
                why = f": {packet.reason_string}" if packet.reason_string else ""
                self._fail(aiomqtt.MqttError(
                    f"the broker disconnected: {wire.reason_text(packet.reason_code)}{why}"))
            elif isinstance(packet, wire.Unexpected):
                self._fail(aiomqtt.MqttError(f"unexpected packet of type {packet.packet_type}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(aiomqtt.MqttError(f"connection lost: {exc or 'closed by the broker'}"))

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self._writable()

    # -- publishing ------------------------------------------------------------------------------

    def __len__(self) -> int:
        """QoS 1 messages awaiting the broker's acknowledgement."""
        return len(self._sent)

    @property
    def lost(self) -> bool:
        return self._lost.done()

    def publish(
        self, topic: str, payload: bytes, *, qos: int, retain: bool, expiry_s: int | None,
        now_s: float, message: Outgoing | None = None,
    ) -> asyncio.Future[int] | None:
        """Add a PUBLISH to this turn's batch (``flush`` writes it).

        Raises:
            ValueError: a packet the broker would not take (over its maximum packet size).
            aiomqtt.MqttError: the connection is gone.
        """
        if self._lost.done():
            self._lost.result()  # raises why
        packet_id = self._take_id() if qos else 0
        packet = wire.publish(topic.encode(), payload, qos=qos, retain=retain, packet_id=packet_id,
                              expiry_s=expiry_s)
        if self.max_packet_bytes is not None and len(packet) > self.max_packet_bytes:
            raise ValueError(f"a packet of {len(packet)} bytes is over the broker's maximum of "
                             f"{self.max_packet_bytes}")
        self._batch.append(packet)
        waiter: asyncio.Future[int] | None = None
        if qos:
            entry: Outgoing | asyncio.Future[int]
            if message is None:
                entry = waiter = self._loop.create_future()
            else:
                entry = message
            self._sent[packet_id] = (entry, now_s)
        elif message is not None:
            self._written.append(message)
        return waiter

    def flush(self) -> None:
        """Write the turn's batch in one go; QoS 0 messages in it are then done."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(batch[0] if len(batch) == 1 else b"".join(batch))
        written, self._written = self._written, []
        for message in written:
            self._retire(message, len(self._sent))

    def ping(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(wire.PINGREQ)

    def oldest_sent_s(self) -> float | None:
        """When the oldest QoS 1 message still unacknowledged was published; None if none is."""
        for _, sent_s in self._sent.values():
            return sent_s
        return None

    async def until_lost(self) -> None:
        """Wait for the connection to end; raise why (aiomqtt.MqttError)."""
        await asyncio.shield(self._lost)
        raise aiomqtt.MqttError("connection ended")

    def disconnect(self) -> None:
        """Leave cleanly: DISCONNECT (the broker drops the Will), then close."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(wire.DISCONNECT)
            self._transport.close()
        self._fail(aiomqtt.MqttError("disconnected"))

    def cut(self) -> None:
        """Leave without a DISCONNECT, as a crash would: the broker publishes the Will. A no-op after
        ``disconnect`` (its DISCONNECT must still leave)."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.abort()
        self._fail(aiomqtt.MqttError("connection cut"))

    # -- internals -------------------------------------------------------------------------------

    def _take_id(self) -> int:
        ident = self._next_id
        while ident in self._sent:  # at most ``window`` are in use
            ident = 1 if ident == wire.MAX_PACKET_ID else ident + 1
        self._next_id = 1 if ident == wire.MAX_PACKET_ID else ident + 1
        return ident

    def _acknowledged(self, ack: wire.PubAck) -> None:
        sent = self._sent.pop(ack.packet_id, None)
        if sent is None:
            return  # not ours to wait for (a duplicate after a failure): nothing to do
        entry = sent[0]
        if isinstance(entry, asyncio.Future):
            if not entry.done():
                entry.set_result(ack.reason_code)
            return
        if ack.reason_code >= 0x80:
            self._refuse(entry, ack.reason_code)
        self._retire(entry, len(self._sent))

    def _fail(self, error: aiomqtt.MqttError) -> None:
        if not self._lost.done():
            self._lost.set_exception(error)
            self._lost.exception()  # retrieved: a connection nobody waits on must not log it
        if not self._connack.done():
            self._connack.set_exception(error)
            self._connack.exception()
        for entry, _ in list(self._sent.values()):
            if isinstance(entry, asyncio.Future) and not entry.done():
                entry.set_exception(error)
                entry.exception()


async def connect_shielded(
    client: aiomqtt.Client, *, goodbye: Callable[[aiomqtt.Client], Awaitable[None]] | None = None
) -> None:
    """Connect ``client``; if cancelled meanwhile, let the attempt end and close what it opened.

    aiomqtt 2.x connects in a worker thread that cannot be interrupted; cancelling the await would
    leave that thread to open a socket (and a reader task) nobody closes. So the attempt is shielded
    and awaited to its end (bounded by the connect and CONNACK timeouts); if it connected,
    ``goodbye(client)`` runs (the bridge says offline), then the connection is closed and the
    cancellation goes on.
    """
    # A bare task, but never outliving this function: it is awaited on every path.
    attempt = asyncio.ensure_future(client.__aenter__())
    try:
        await asyncio.shield(attempt)
    except asyncio.CancelledError:
        try:
            await attempt
        except aiomqtt.MqttError:
            _close_socket(client)
            raise asyncio.CancelledError from None
        with contextlib.suppress(aiomqtt.MqttError, OSError):
            if goodbye is not None:
                await goodbye(client)
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


def _cut(client: aiomqtt.Client) -> None:
    """End the connection without a DISCONNECT, as a crash would: the broker publishes the Will.

    Both directions are shut, so nothing paho writes afterwards (its DISCONNECT) reaches the broker;
    paho reads the end of the stream and reports the connection lost, which ends aiomqtt's client.
    """
    sock = client._client.socket()  # aiomqtt 2.x's paho client (see _Publisher)
    if isinstance(sock, socket.socket):  # TLS sockets too (ssl.SSLSocket is one)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


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
