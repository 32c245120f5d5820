"""What the bridge still has to publish, in what order, and what it had to give up. Sans-IO: no asyncio.

Three holds, one per topic class:

- events: a FIFO bounded by ``max_events``; an event leaves it only when the broker acknowledged it
  (QoS 1): one in flight when the connection drops goes back to the front, in order. Only if the
  bound is reached is the oldest event dropped (counted; it takes a very long outage).
- states: the latest value per topic. A newer value replaces one not yet sent; a topic goes out at
  most once per its rate interval, and the newest value always goes out once the interval has
  passed. Every state is sent again after a reconnect (the broker may have restarted without its
  retained store) and refreshed every half expiry, so its MQTT 5 expiry runs out only once this
  station has stopped publishing (it died), never while it lives and the value is still its latest.
- streams: a FIFO bounded by ``max_streams``, oldest dropped first when full; samples closer together
  than their topic's rate interval are skipped on the way in (``admit``).

``take`` gives events first, then due states, then streams. Time is an argument (``now_s`` on the
bridge's clock). Knows nothing of MQTT clients, sockets or the hub.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gcs.bridge.routes import TopicClass

_SLACK = 0.98

RateLookup = Callable[[str, TopicClass], float | None]
"""``(topic, class) -> max rate in Hz``; None for no limit, 0 for never."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message waiting to be published.

    ``payload`` is the bytes to send, or a function that makes them when the message's turn comes
    (so a state replaced, or a sample dropped, before then is never serialized); None if it cannot.
    ``order`` is its place in the bridge's output (events go back in this order after a drop of the
    connection); ``queued_s`` is when it was queued, on the bridge's clock.
    """

    topic: str
    payload: bytes | Callable[[], bytes | None]
    topic_class: TopicClass
    order: int
    queued_s: float

    @property
    def qos(self) -> int:
        return 0 if self.topic_class is TopicClass.STREAM else 1

    @property
    def retain(self) -> bool:
        return self.topic_class is TopicClass.STATE


@dataclass(slots=True)
class OutboxCounts:
    """Running totals since the outbox was made.

    ``dropped_*`` are losses (queue bounds hit); ``rate_limited`` and ``superseded_states`` are by
    design (a rate limit skipped a sample, a newer state replaced an unsent one); ``refreshed_states``
    counts states sent again to renew their expiry, ``requeued_events`` events sent again after the
    connection dropped before their acknowledgement (a subscriber may see those twice).
    """

    published_events: int = 0
    published_states: int = 0
    published_streams: int = 0
    dropped_events: int = 0
    dropped_streams: int = 0
    rate_limited: int = 0
    superseded_states: int = 0
    refreshed_states: int = 0
    requeued_events: int = 0


@dataclass(slots=True)
class _StateSlot:
    message: Outgoing
    pending: bool = True
    last_sent_s: float = -math.inf


class Outbox:
    """The bridge's bounded, prioritised queue. See the module docstring for the rules."""

    def __init__(
        self,
        *,
        max_events: int,
        max_streams: int,
        state_expiry_s: float,
        rate_hz: RateLookup,
    ) -> None:
        if max_events < 1 or max_streams < 1:
            raise ValueError(f"queue bounds must be >= 1, got {max_events}, {max_streams}")
        if not state_expiry_s > 0:
            raise ValueError(f"state_expiry_s must be > 0, got {state_expiry_s}")
        self.max_events = max_events
        self.max_streams = max_streams
        self.state_expiry_s = state_expiry_s
        self.counts = OutboxCounts()
        self._rate_hz = rate_hz
        self._events: deque[Outgoing] = deque()
        self._events_in_flight: dict[int, Outgoing] = {}
        self._streams: deque[Outgoing] = deque()
        self._states: dict[str, _StateSlot] = {}
        self._pending_states: dict[str, None] = {}  # insertion-ordered set
        self._intervals: dict[str, float] = {}
        self._stream_last_s: dict[str, float] = {}
        self._order = 0
        self._refresh_s = state_expiry_s / 2
        self._next_refresh_s = math.inf

    # -- intake ---------------------------------------------------------------------------------

    def interval_s(self, topic: str, topic_class: TopicClass) -> float:
        """Least time between two messages on ``topic``: 0 unlimited, ``inf`` never."""
        try:
            return self._intervals[topic]
        except KeyError:
            pass
        if topic_class is TopicClass.EVENT:
            interval = 0.0
        else:
            rate = self._rate_hz(topic, topic_class)
            interval = 0.0 if rate is None else (math.inf if rate <= 0 else 1.0 / rate)
        self._intervals[topic] = interval
        return interval

    def admit(self, topic: str, topic_class: TopicClass, now_s: float) -> bool:
        """Whether a new value for ``topic`` should be queued at ``now_s`` (check before serializing).

        Events always are; a stream sample only once its topic's interval has passed since the last
        admitted one; a state unless its topic is switched off (rate 0), since a newer state simply
        replaces an unsent one.
        """
        if topic_class is TopicClass.EVENT:
            return True
        interval = self.interval_s(topic, topic_class)
        if interval == math.inf:
            self.counts.rate_limited += 1
            return False
        if topic_class is TopicClass.STATE or interval == 0.0:
            return True
        last = self._stream_last_s.get(topic)
        # 2 % slack: a sampler waking one tick late or a hair early must not halve the rate.
        if last is not None and now_s - last < interval * _SLACK:
            self.counts.rate_limited += 1
            return False
        self._stream_last_s[topic] = now_s
        return True

    def put(
        self, topic: str, payload: bytes | Callable[[], bytes | None], topic_class: TopicClass, now_s: float
    ) -> Outgoing:
        """Queue a message (already admitted). Drops the oldest of its kind if its queue is full."""
        message = Outgoing(topic, payload, topic_class, self._order, now_s)
        self._order += 1
        if topic_class is TopicClass.EVENT:
            if len(self._events) >= self.max_events:
                self._events.popleft()
                self.counts.dropped_events += 1
            self._events.append(message)
        elif topic_class is TopicClass.STREAM:
            if len(self._streams) >= self.max_streams:
                self._streams.popleft()
                self.counts.dropped_streams += 1
            self._streams.append(message)
        else:
            slot = self._states.get(topic)
            if slot is None:
                self._states[topic] = _StateSlot(message)
            else:
                if slot.pending:
                    self.counts.superseded_states += 1
                slot.message = message
                slot.pending = True
            self._pending_states[topic] = None
        return message

    def ready_at_s(self, topic: str, topic_class: TopicClass, now_s: float) -> float:
        """When what was just put for ``topic`` can be taken: now, or a held state's due time."""
        if topic_class is not TopicClass.STATE:
            return now_s
        slot = self._states.get(topic)
        if slot is None or not slot.pending:
            return math.inf
        return max(now_s, slot.last_sent_s + self.interval_s(topic, TopicClass.STATE))

    # -- output ---------------------------------------------------------------------------------

    def take(self, now_s: float) -> Outgoing | None:
        """The next message to publish at ``now_s``, or None if nothing is due."""
        if self._events:
            message = self._events.popleft()
            self._events_in_flight[message.order] = message
            return message
        if now_s >= self._next_refresh_s:
            self._mark_refreshes(now_s)
        if self._pending_states:
            state = self._take_state(now_s)
            if state is not None:
                return state
        if self._streams:
            return self._streams.popleft()
        return None

    def _take_state(self, now_s: float) -> Outgoing | None:
        for topic in list(self._pending_states):
            slot = self._states[topic]
            if now_s - slot.last_sent_s >= self.interval_s(topic, TopicClass.STATE):
                del self._pending_states[topic]
                slot.pending = False
                slot.last_sent_s = now_s
                self._next_refresh_s = min(self._next_refresh_s, now_s + self._refresh_s)
                return slot.message
        return None

    def _mark_refreshes(self, now_s: float) -> None:
        # Scans every state, but only when the earliest refresh is due: about once per half expiry.
        earliest = math.inf
        for topic, slot in self._states.items():
            if slot.pending:
                continue
            due = slot.last_sent_s + self._refresh_s
            if due <= now_s:
                slot.pending = True
                self._pending_states[topic] = None
                self.counts.refreshed_states += 1
            else:
                earliest = min(earliest, due)
        self._next_refresh_s = earliest

    def resolved(self, message: Outgoing, payload: bytes) -> Outgoing:
        """``message`` with its payload made; a state keeps it, so a republish sends the same bytes."""
        made = Outgoing(message.topic, payload, message.topic_class, message.order, message.queued_s)
        slot = self._states.get(message.topic) if message.topic_class is TopicClass.STATE else None
        if slot is not None and slot.message is message:
            slot.message = made
        return made

    def next_due_s(self) -> float | None:
        """When ``take`` will next have something, if it found nothing now; None: wait for input."""
        due = [
            self._states[topic].last_sent_s + self.interval_s(topic, TopicClass.STATE)
            for topic in self._pending_states
        ]
        due.append(self._next_refresh_s)
        earliest = min(due)
        return None if earliest == math.inf else earliest

    @property
    def expiry_s(self) -> int:
        """The MQTT 5 message expiry of every state message, in whole seconds."""
        return max(1, math.ceil(self.state_expiry_s))

    def done(self, message: Outgoing) -> None:
        """``message`` was published (QoS 0 written out, QoS 1 acknowledged by the broker)."""
        if message.topic_class is TopicClass.EVENT:
            self._events_in_flight.pop(message.order, None)
            self.counts.published_events += 1
        elif message.topic_class is TopicClass.STATE:
            self.counts.published_states += 1
        else:
            self.counts.published_streams += 1

    # -- connection -----------------------------------------------------------------------------

    def connection_lost(self) -> None:
        """Events in flight go back to the front, in their order; states will be sent again anyway."""
        if not self._events_in_flight:
            return
        back = sorted(self._events_in_flight.values(), key=lambda m: m.order)
        self._events_in_flight.clear()
        self.counts.requeued_events += len(back)
        self._events.extendleft(reversed(back))
        while len(self._events) > self.max_events:
            self._events.popleft()
            self.counts.dropped_events += 1

    def connection_made(self) -> None:
        """Mark every state for sending again at once (the broker may have lost its retained store)."""
        for topic, slot in self._states.items():
            slot.pending = True
            slot.last_sent_s = -math.inf
            self._pending_states[topic] = None

    # -- sizes ----------------------------------------------------------------------------------

    @property
    def queued_events(self) -> int:
        return len(self._events)

    @property
    def events_in_flight(self) -> int:
        return len(self._events_in_flight)

    @property
    def queued_streams(self) -> int:
        return len(self._streams)

    @property
    def pending_states(self) -> int:
        return len(self._pending_states)

    @property
    def known_states(self) -> int:
        return len(self._states)

    def idle(self) -> bool:
        """Nothing queued, nothing pending and no event awaiting its acknowledgement."""
        return not (self._events or self._events_in_flight or self._streams or self._pending_states)
