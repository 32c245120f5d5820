"""What the station journals about the broker between two ``BridgeStats`` snapshots, as a table."""

from __future__ import annotations

import dataclasses

import pytest

from gcs.bridge.values import BridgeStats, connection_change

BASE = BridgeStats(
    broker="127.0.0.1:1883", prefix="seaport/v1/dev", connected=False, connects=0, connect_failures=0,
    last_error=None, published_events=0, published_states=0, published_streams=0, dropped_events=0,
    dropped_streams=0, rate_limited=0, superseded_states=0, requeued_events=0, hub_dropped=0,
    unpublishable=0, queued_events=0, queued_streams=0, pending_states=0, in_flight=0, hub_queued=0,
    unix_time_s=1_800_000_000.0,
)


def stats(*, connected: bool, connects: int, failures: int = 0, error: str | None = None) -> BridgeStats:
    return dataclasses.replace(BASE, connected=connected, connects=connects, connect_failures=failures,
                               last_error=error)


UP_1 = stats(connected=True, connects=1)
DOWN_1 = stats(connected=False, connects=1, error="Connection refused")
UP_2 = stats(connected=True, connects=2, error="Connection refused")
NEVER = stats(connected=False, connects=0)
UNREACHABLE = stats(connected=False, connects=0, failures=1, error="Connection refused")
STILL_UNREACHABLE = stats(connected=False, connects=0, failures=4, error="Connection refused")
DOWN_2 = stats(connected=False, connects=2, failures=3, error="timed out")

CASES = [
    ("first connection", None, UP_1, "broker_up"),
    ("still up", UP_1, UP_1, None),
    ("went down", UP_1, DOWN_1, "broker_down"),
    ("still down", DOWN_1, DOWN_1, None),
    ("came back", DOWN_1, UP_2, "broker_up"),
    ("came back and dropped again between two looks", DOWN_1, DOWN_2, "broker_down"),
    ("dropped and came back between two looks", UP_1, UP_2, "broker_up"),
    ("down at start: the first failure", None, UNREACHABLE, "broker_unreachable"),
    ("down at start: the first failure after a quiet snapshot", NEVER, UNREACHABLE, "broker_unreachable"),
    ("down at start: retries say nothing more", UNREACHABLE, STILL_UNREACHABLE, None),
    ("nothing tried yet", None, NEVER, None),
]


@pytest.mark.parametrize(("before", "now", "event"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_connection_change(before: BridgeStats | None, now: BridgeStats, event: str | None) -> None:
    change = connection_change(before, now)
    if event is None:
        assert change is None
        return
    assert change is not None
    assert change["event"] == event
    assert change["broker"] == "127.0.0.1:1883"
    assert change["connects"] == now.connects
    # The reason goes with a down, never with an up (last_error stays from the outage).
    assert change["error"] == (None if now.connected else now.last_error)
