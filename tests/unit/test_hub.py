"""The hub: latest values, bounded queues with counted drops, ANY_KEY fan-out, clean unsubscribe."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from gcs.hub import ANY_KEY, Hub, Keyed


@dataclass(frozen=True)
class Altitude:
    altitude_msl_m: float


@dataclass(frozen=True)
class Alert:
    text: str


def test_latest_value_per_type_and_key() -> None:
    hub = Hub()
    assert hub.latest(Altitude) is None
    hub.publish(Altitude(10.0), key=1)
    hub.publish(Altitude(20.0), key=2)
    hub.publish(Altitude(11.0), key=1)
    assert hub.latest(Altitude, 1) == Altitude(11.0)
    assert hub.latest(Altitude, 2) == Altitude(20.0)
    assert hub.latest(Altitude) is None
    assert hub.latest_all(Altitude) == {1: Altitude(11.0), 2: Altitude(20.0)}


async def test_subscriber_sees_values_in_order_and_only_its_key() -> None:
    hub = Hub()
    async with hub.subscribe(Altitude, key=1) as sub:
        for h in (1.0, 2.0, 3.0):
            hub.publish(Altitude(h), key=1)
            hub.publish(Altitude(-h), key=2)
        got = [await sub.get() for _ in range(3)]
    assert [a.altitude_msl_m for a in got] == [1.0, 2.0, 3.0]
    assert hub.subscriber_count(Altitude) == 0


async def test_full_queue_drops_oldest_and_counts() -> None:
    hub = Hub()
    sub = hub.subscribe(Alert, maxsize=3)
    for i in range(10):
        hub.publish(Alert(f"a{i}"))
    assert sub.dropped == 7
    assert [sub.get_nowait() for _ in range(3)] == [Alert("a7"), Alert("a8"), Alert("a9")]
    assert sub.get_nowait() is None
    sub.close()


async def test_any_key_wraps_values_with_their_key() -> None:
    hub = Hub()
    sub = hub.subscribe(Altitude, key=ANY_KEY)
    hub.publish(Altitude(5.0), key="barge")
    assert await sub.get() == Keyed("barge", Altitude(5.0))
    sub.close()


async def test_replay_latest_gives_a_late_subscriber_the_current_state() -> None:
    hub = Hub()
    hub.publish(Altitude(7.0), key=1)
    sub = hub.subscribe(Altitude, key=1, replay_latest=True)
    assert sub.get_nowait() == Altitude(7.0)
    sub.close()


async def test_waiting_subscriber_wakes_on_publish_and_ends_on_close() -> None:
    hub = Hub()
    sub = hub.subscribe(Alert)
    received: list[Alert] = []

    async def consume() -> None:
        async for alert in sub:
            received.append(alert)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(consume(), name="consumer")
        await asyncio.sleep(0)
        hub.publish(Alert("one"))
        hub.publish(Alert("two"))
        while sub.pending():
            await asyncio.sleep(0)
        sub.close()
    assert received == [Alert("one"), Alert("two")]


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        Hub().subscribe(Alert, maxsize=0)


async def test_keys_narrow_an_any_key_subscription_in_publication_order() -> None:
    hub = Hub()
    hub.publish(Altitude(0.5), key="pad")
    hub.publish(Altitude(0.7), key="barge")
    sub = hub.subscribe_keyed(Altitude, keys=["barge", "ship"], replay_latest=True)
    for i, key in enumerate(["barge", "pad", "ship", "barge", "tug"]):
        hub.publish(Altitude(float(i)), key=key)
    got = [sub.get_nowait() for _ in range(sub.pending())]
    assert got == [Keyed("barge", Altitude(0.7)), Keyed("barge", Altitude(0.0)), Keyed("ship", Altitude(2.0)),
                   Keyed("barge", Altitude(3.0))]
    sub.close()
    with pytest.raises(ValueError, match="ANY_KEY"):
        hub.subscribe(Altitude, key="barge", keys=["barge"])


async def test_a_cancelled_reader_leaves_the_other_readers_waiting_and_woken() -> None:
    hub = Hub()
    sub = hub.subscribe(Alert)
    first = asyncio.create_task(sub.get())
    second = asyncio.create_task(sub.get())
    third = asyncio.create_task(sub.get())
    await asyncio.sleep(0)  # (all three are waiting now: there is nothing to get)
    first.cancel()
    await asyncio.sleep(0)
    hub.publish(Alert("one"))
    hub.publish(Alert("two"))
    assert sorted([(await second).text, (await third).text]) == ["one", "two"]
    assert first.cancelled()
    late = asyncio.create_task(sub.get())
    await asyncio.sleep(0)
    sub.close()
    with pytest.raises(StopAsyncIteration):
        await late
