"""The outbox as tables and one property: priorities, bounds, rate limits, state coalescing and refresh,
and no event lost or reordered across dropped connections. Time is an argument; nothing sleeps."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.bridge.outbox import Outbox, Outgoing
from gcs.bridge.routes import TopicClass

EVENT, STATE, STREAM = TopicClass.EVENT, TopicClass.STATE, TopicClass.STREAM


def outbox(*, max_events: int = 100, max_streams: int = 100, expiry_s: float = 600.0,
           rates: dict[str, float | None] | None = None) -> Outbox:
    table = rates or {}
    return Outbox(max_events=max_events, max_streams=max_streams, state_expiry_s=expiry_s,
                  rate_hz=lambda topic, _cls: table.get(topic))


def body(message: Outgoing) -> bytes:
    assert isinstance(message.payload, bytes)
    return message.payload


def drain(box: Outbox, now_s: float = 0.0) -> list[Outgoing]:
    out = []
    while (message := box.take(now_s)) is not None:
        box.done(message)
        out.append(message)
    return out


def test_events_go_first_then_due_states_then_streams() -> None:
    box = outbox()
    box.put("s", b"stream", STREAM, 0.0)
    box.put("st", b"state", STATE, 0.0)
    box.put("e", b"event", EVENT, 0.0)
    assert [body(m) for m in drain(box)] == [b"event", b"state", b"stream"]
    counts = box.counts
    assert (counts.published_events, counts.published_states, counts.published_streams) == (1, 1, 1)
    assert box.idle()


@pytest.mark.parametrize(
    ("topic_class", "qos", "retain"), [(EVENT, 1, False), (STATE, 1, True), (STREAM, 0, False)]
)
def test_each_class_has_its_qos_and_retain(topic_class: TopicClass, qos: int, retain: bool) -> None:
    message = outbox().put("t", b"x", topic_class, 0.0)
    assert (message.qos, message.retain) == (qos, retain)


def test_a_full_stream_queue_drops_its_oldest_sample_and_counts_it() -> None:
    box = outbox(max_streams=3)
    for n in range(5):
        box.put("s", bytes([n]), STREAM, 0.0)
    assert [body(m) for m in drain(box)] == [b"\x02", b"\x03", b"\x04"]
    assert box.counts.dropped_streams == 2


def test_events_are_dropped_only_past_their_own_bound_and_streams_never_push_them_out() -> None:
    box = outbox(max_events=3, max_streams=1)
    for n in range(3):
        box.put("e", bytes([n]), EVENT, 0.0)
    for n in range(10):
        box.put("s", bytes([n]), STREAM, 0.0)
    assert box.counts.dropped_events == 0
    box.put("e", b"\x03", EVENT, 0.0)
    assert box.counts.dropped_events == 1
    assert [body(m) for m in drain(box) if m.topic == "e"] == [b"\x01", b"\x02", b"\x03"]


@pytest.mark.parametrize(
    ("rate_hz", "times_s", "admitted"),
    [
        (None, [0.0, 0.0, 0.001], [True, True, True]),  # no limit
        (10.0, [0.0, 0.05, 0.097, 0.099, 0.15, 0.25], [True, False, False, True, False, True]),  # 2 % slack
        (0.0, [0.0, 10.0], [False, False]),  # switched off
        (math.inf, [0.0, 0.0], [True, True]),
    ],
)
def test_stream_rate_limit_skips_samples_closer_than_its_interval(
    rate_hz: float | None, times_s: list[float], admitted: list[bool]
) -> None:
    box = outbox(rates={"s": rate_hz})
    assert [box.admit("s", STREAM, t) for t in times_s] == admitted
    assert box.counts.rate_limited == admitted.count(False)


def test_events_are_never_rate_limited() -> None:
    box = outbox(rates={"e": 0.0})
    assert all(box.admit("e", EVENT, 0.0) for _ in range(5))


def test_a_newer_state_replaces_an_unsent_one() -> None:
    box = outbox()
    for n in range(3):
        box.put("st", bytes([n]), STATE, 0.0)
    assert [body(m) for m in drain(box)] == [b"\x02"]
    assert box.counts.superseded_states == 2


def test_a_rate_limited_state_waits_and_its_newest_value_goes_out_when_due() -> None:
    box = outbox(rates={"st": 1.0})
    box.put("st", b"a", STATE, 0.0)
    assert [body(m) for m in drain(box, 0.0)] == [b"a"]
    box.put("st", b"b", STATE, 0.2)
    box.put("st", b"c", STATE, 0.4)
    assert box.take(0.5) is None
    assert box.next_due_s() == pytest.approx(1.0)
    assert [body(m) for m in drain(box, 1.0)] == [b"c"]


def test_states_are_refreshed_every_half_expiry_so_they_expire_only_when_the_station_is_gone() -> None:
    box = outbox(expiry_s=10.0)
    box.put("st", b"a", STATE, 0.0)
    assert drain(box, 0.0)
    assert box.take(4.9) is None
    assert box.next_due_s() == pytest.approx(5.0)
    assert [body(m) for m in drain(box, 5.0)] == [b"a"]
    assert box.counts.refreshed_states == 1
    assert box.expiry_s == 10


def test_after_a_reconnect_every_state_goes_out_again_at_once() -> None:
    box = outbox(rates={"st1": 0.001, "st2": 0.001})
    box.put("st1", b"1", STATE, 0.0)
    box.put("st2", b"2", STATE, 0.0)
    drain(box, 0.0)
    box.connection_made()
    assert sorted(body(m) for m in drain(box, 0.1)) == [b"1", b"2"]


def test_events_in_flight_when_the_connection_drops_go_back_to_the_front_in_order() -> None:
    box = outbox()
    for n in range(5):
        box.put("e", bytes([n]), EVENT, 0.0)
    taken = [box.take(0.0) for _ in range(3)]
    second = taken[1]
    assert second is not None
    box.done(second)  # acknowledged before the drop: not sent again
    assert box.events_in_flight == 2
    box.connection_lost()
    assert box.counts.requeued_events == 2
    assert [body(m) for m in drain(box)] == [b"\x00", b"\x02", b"\x03", b"\x04"]


def test_requeued_events_respect_the_bound() -> None:
    box = outbox(max_events=2)
    box.put("e", b"\x00", EVENT, 0.0)
    assert box.take(0.0) is not None
    box.put("e", b"\x01", EVENT, 0.0)
    box.put("e", b"\x02", EVENT, 0.0)
    box.connection_lost()
    assert [body(m) for m in drain(box)] == [b"\x01", b"\x02"]
    assert box.counts.dropped_events == 1


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="bounds"):
        outbox(max_events=0)
    with pytest.raises(ValueError, match="state_expiry_s"):
        outbox(expiry_s=0.0)


Op = tuple[str, int]


@given(st.lists(st.sampled_from(["put", "put", "take", "ack", "drop"]), max_size=200))
def test_no_event_is_lost_duplicated_once_acknowledged_or_reordered(ops: list[str]) -> None:
    """Any interleaving of new events, sends, acknowledgements and dropped connections."""
    box = outbox(max_events=10_000)
    put = 0
    in_flight: list[Outgoing] = []
    acked: list[int] = []
    for op in ops:
        if op == "put":
            box.put("e", str(put).encode(), EVENT, 0.0)
            put += 1
        elif op == "take":
            message = box.take(0.0)
            if message is not None:
                in_flight.append(message)
        elif op == "ack" and in_flight:
            message = in_flight.pop(0)  # the broker acknowledges in order on one connection
            box.done(message)
            acked.append(int(body(message)))
        elif op == "drop":
            box.connection_lost()
            in_flight.clear()
    box.connection_lost()
    acked += [int(body(m)) for m in drain(box)]
    assert acked == list(range(put))


def test_ready_at_says_when_a_put_can_go_out() -> None:
    box = outbox(rates={"st": 1.0})
    box.put("e", b"e", EVENT, 5.0)
    assert box.ready_at_s("e", EVENT, 5.0) == 5.0
    box.put("st", b"a", STATE, 5.0)
    assert box.ready_at_s("st", STATE, 5.0) == 5.0  # a topic's first state goes at once
    drain(box, 5.0)
    assert box.ready_at_s("st", STATE, 5.2) == math.inf  # nothing pending
    box.put("st", b"b", STATE, 5.2)
    assert box.ready_at_s("st", STATE, 5.2) == pytest.approx(6.0)  # held by its rate limit
