"""The board and one browser's pump with a send that the test holds: what changes while a send
waits is coalesced to its latest value; the journal goes out in order and in batches; a send that
never completes ends the pump with ClientTooSlow. No assertion here depends on how fast anything ran."""

from __future__ import annotations

import asyncio
from types import MappingProxyType
from typing import Any

import orjson
import pytest

from gcs.console.stream import Board, ClientTooSlow, Counters, pump
from gcs.recorder.journal import JournalKind, JournalRecord
from tests.support.waits import wait_until, within


def record(seq: int) -> JournalRecord:
    return JournalRecord(seq, 1_800_000_000_000_000 + seq, JournalKind.DECISION, "launch", None,
                         MappingProxyType({"n": seq}))


class HeldSend:
    """A socket whose sends complete only when the test lets them."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.waiting = 0

    async def __call__(self, message: bytes) -> None:
        self.waiting += 1
        try:
            await self.gate.wait()
        finally:
            self.waiting -= 1
        self.sent.append(orjson.loads(message))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["type"] == kind]


async def test_changes_while_a_send_waits_coalesce_to_the_latest() -> None:
    board = Board(Counters())
    client = board.register("test")
    send = HeldSend()
    task = asyncio.create_task(pump(client, board, send, server_time_s=lambda: 5.0, max_update_hz=1000.0,
                                    stall_s=60.0))
    try:
        board.set("a", 1.0, 0.5, {"x": 1})
        await wait_until(lambda: send.of("update"), what="the first update")
        assert send.of("update")[0] == {"type": "update", "server_time_s": 5.0,
                                        "values": {"a": {"t": 1.0, "period_s": 0.5, "v": {"x": 1}}}}
        send.gate.clear()  # the socket is full from here
        board.set("b", 1.0, None, "first")
        await wait_until(lambda: send.waiting, what="the pump stuck in a send")
        for i in range(2, 50):
            board.set("a", float(i), 0.5, {"x": i})
        board.set("b", 2.0, None, "second")
        send.gate.set()
        def a_values() -> list[int]:
            return [m["values"]["a"]["v"]["x"] for m in send.of("update") if "a" in m["values"]]

        await wait_until(lambda: 49 in a_values(), what="the latest a")
        sent_a = a_values()
        assert sent_a[0] == 1
        assert sent_a[-1] == 49
        assert len(sent_a) <= 3  # 1, perhaps one caught mid-burst, then the latest
        b_values = [m["values"]["b"]["v"] for m in send.of("update") if "b" in m["values"]]
        assert b_values[-1] == "second"
        assert client.coalesced >= 45
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    coalesced = client.coalesced
    board.unregister(client)
    assert board.counters.updates_coalesced == coalesced  # kept when the browser goes


async def test_the_journal_goes_out_in_order_in_batches_and_skips_are_counted() -> None:
    board = Board(Counters(), journal_keep=1500)
    client = board.register("test")
    send = HeldSend()
    task = asyncio.create_task(pump(client, board, send, server_time_s=lambda: 5.0, max_update_hz=1000.0,
                                    stall_s=60.0))
    try:
        for seq in range(1200):
            board.add_journal(record(seq))
        await wait_until(lambda: sum(len(m["entries"]) for m in send.of("journal")) == 1200,
                         what="every entry", show=lambda: [len(m["entries"]) for m in send.of("journal")])
        assert [len(m["entries"]) for m in send.of("journal")] == [500, 500, 200]
        seqs = [e["seq"] for m in send.of("journal") for e in m["entries"]]
        assert seqs == list(range(1200))
        assert send.of("journal")[0]["entries"][0]["kind"] == "decision"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # A browser further behind than the ring holds is told what it missed, by count.
    small = Board(Counters(), journal_keep=10)
    late = small.register("late")
    for seq in range(30):
        small.add_journal(record(seq))
    assert small.journal_skipped_for(late.journal_seq) == 20
    entries, last = small.journal_after(late.journal_seq, 500)
    assert (len(entries), last) == (10, 29)


def test_records_arriving_out_of_order_take_their_place() -> None:
    board = Board(Counters())
    for seq in (5, 2, 9, 2, 7):
        board.add_journal(record(seq))
    entries, last = board.journal_after(-1, 100)
    assert [orjson.loads(e)["seq"] for e in entries] == [2, 5, 7, 9]
    assert last == 9
    newest = board.journal_newest_after(2, 2)
    assert [orjson.loads(e)["seq"] for e in newest] == [7, 9]


def test_the_snapshot_has_every_key_and_the_newest_journal() -> None:
    board = Board(Counters())
    board.set("b", 2.0, 1.0, [1, 2])
    board.set("a", 1.0, None, {"k": "v"}, render=lambda raw: {**raw, "rendered": True})
    for seq in range(300):
        board.add_journal(record(seq))
    snapshot = orjson.loads(board.snapshot_json(9.5))
    assert snapshot["type"] == "snapshot"
    assert snapshot["server_time_s"] == 9.5
    assert snapshot["values"] == {"a": {"t": 1.0, "period_s": None, "v": {"k": "v", "rendered": True}},
                                  "b": {"t": 2.0, "period_s": 1.0, "v": [1, 2]}}
    assert [e["seq"] for e in snapshot["journal"]] == list(range(100, 300))


async def test_ticks_come_when_nothing_changes() -> None:
    board = Board(Counters())
    client = board.register("test")
    send = HeldSend()
    task = asyncio.create_task(pump(client, board, send, server_time_s=lambda: 7.0, max_update_hz=10.0,
                                    stall_s=60.0, tick_s=0.01))
    try:
        await wait_until(lambda: len(send.of("tick")) >= 3, what="ticks")
        assert send.of("tick")[0] == {"type": "tick", "server_time_s": 7.0}
        assert not send.of("update")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_send_that_never_completes_is_a_client_too_slow() -> None:
    board = Board(Counters())
    client = board.register("stuck")
    send = HeldSend()
    send.gate.clear()
    board.set("a", 1.0, 1.0, 1)
    with pytest.raises(ClientTooSlow, match="stuck"):
        await within(pump(client, board, send, server_time_s=lambda: 1.0, max_update_hz=10.0, stall_s=0.05),
                     timeout_s=10, what="the pump to give up")
    assert send.sent == []
