"""What the bridge publishes about itself on the hub: one ``BridgeStats`` snapshot, key None.

The console shows it; the bridge routes it to ``<prefix>/gcs/bridge`` as retained state, so a viewer
who has only the broker can tell what it missed; ``connection_change`` says what the station's
journal records of the broker going away and coming back. Knows nothing of aiomqtt or of how it is
counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BridgeStats:
    """The bridge at one instant; counts run from its start.

    Attributes:
        broker: ``host:port`` (never the user or the password).
        prefix: the topic root it publishes under.
        connected: its main connection is up.
        connects, connect_failures: connections made, attempts that failed.
        last_error: why the last connection attempt failed or the last connection dropped.
        published_events, published_states, published_streams: messages the broker took
            (QoS 1 acknowledged; QoS 0 written out).
        dropped_events, dropped_streams: lost because their queue was full (oldest first).
        rate_limited: stream samples skipped by a rate limit (by design, not a loss).
        superseded_states: state values replaced by a newer one before they went out (by design).
        requeued_events: events sent again because the connection dropped before the broker
            acknowledged them (a subscriber may see those twice; ``bridge_seq`` tells).
        hub_dropped: values lost in the bridge's hub queues before it saw them.
        unpublishable: values that could not be published at all (serializer failed, a key or
            attribute that does not make a topic level, a payload the client refused).
        queued_events, queued_streams, pending_states, in_flight: what is waiting now.
        hub_queued: values waiting in the bridge's hub queues (a trickle is taken in batches
            while the event loop is busy).
        unix_time_s: when the snapshot was taken (UTC).
    """

    broker: str
    prefix: str
    connected: bool
    connects: int
    connect_failures: int
    last_error: str | None
    published_events: int
    published_states: int
    published_streams: int
    dropped_events: int
    dropped_streams: int
    rate_limited: int
    superseded_states: int
    requeued_events: int
    hub_dropped: int
    unpublishable: int
    queued_events: int
    queued_streams: int
    pending_states: int
    in_flight: int
    hub_queued: int
    unix_time_s: float


def connection_change(before: BridgeStats | None, now: BridgeStats) -> dict[str, Any] | None:
    """What to journal about the broker connection between two snapshots, or None if nothing changed.

    ``broker_up`` when the connection came up (also when it came up again between two snapshots
    a reader saw: ``connects`` grew), ``broker_down`` when it went down (also after an up that was
    missed), ``broker_unreachable`` at the first failed attempt of a bridge that never connected.
    The counts say what an outage cost: events still queued, dropped, sent again.
    """
    connected_since = before is not None and now.connects > before.connects
    if now.connected:
        if before is not None and before.connected and not connected_since:
            return None
        event = "broker_up"
    elif (before is not None and before.connected) or connected_since:
        event = "broker_down"
    elif now.connects == 0 and now.connect_failures > 0 and (before is None or before.connect_failures == 0):
        event = "broker_unreachable"
    else:
        return None
    return {
        "event": event,
        "broker": now.broker,
        "error": None if now.connected else now.last_error,
        "connects": now.connects,
        "connect_failures": now.connect_failures,
        "queued_events": now.queued_events,
        "dropped_events": now.dropped_events,
        "dropped_streams": now.dropped_streams,
        "requeued_events": now.requeued_events,
    }
