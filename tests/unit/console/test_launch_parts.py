"""The launch status in parts: put together they are the whole status; at a tick where only live
values moved only ``launch`` is set, so the others are neither sent again nor encoded again; a part
that changed (the poll, an alert, a recovery item) is set again, alone."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from gcs.clock import SimClock
from gcs.console.launch_parts import (
    ALERTS_KEY,
    DEFINITIONS_KEY,
    LIVE_KEY,
    POLL_KEY,
    RECOVERY_KEY,
    LaunchParts,
    Part,
)
from gcs.console.stream import Board, ConsoleFeed, Counters, pump
from gcs.console.views import ExpectedPeriods, clock_text
from gcs.domain.roles import Role, User
from gcs.hub import Hub
from gcs.launch.control import AcknowledgeAlert, LaunchControl, LaunchStatus, OpenPoll, Tick
from gcs.launch.runner import LaunchStatusUpdate
from gcs.tasks import background
from gcs.views import encode, plain, utc_text
from tests.support.waits import wait_until
from tests.unit.console.test_commands import SETUP

T = 1_800_000_000.0
DANA = User.of("dana", Role.LAUNCH_DIRECTOR)
ALL_KEYS = {LIVE_KEY, DEFINITIONS_KEY, POLL_KEY, ALERTS_KEY, RECOVERY_KEY}


def _update(control: LaunchControl, t_s: float) -> LaunchStatusUpdate:
    control.handle(Tick(), t_s)
    return LaunchStatusUpdate(control.status(t_s), t_s)


def _rendered(parts: list[Part]) -> dict[str, Any]:
    """Each part as the page gets it: rendered and through JSON."""
    return {p.key: orjson.loads(encode(p.render(p.raw))) for p in parts}


def _whole(parts: dict[str, Any]) -> dict[str, Any]:
    """The parts put together as the page does (static/model.js, ``assembleLaunch``)."""
    body = dict(parts[LIVE_KEY])
    definitions = parts[DEFINITIONS_KEY]
    for name, definition in (("criteria", "criterion"), ("red_lines", "red_line")):
        by_name = {d["name"]: d for d in definitions[name]}
        body[name] = [{definition: by_name[item["name"]], **{k: v for k, v in item.items() if k != "name"}}
                      for item in body[name]]
    body.update(poll=parts[POLL_KEY], alerts=parts[ALERTS_KEY], recovery=parts[RECOVERY_KEY])
    return body


def test_the_parts_put_together_are_the_whole_status() -> None:
    control = LaunchControl(SETUP)
    update = _update(control, T)
    parts = LaunchParts(0.1).changed(update)
    assert {p.key for p in parts} == ALL_KEYS
    assert {(p.key, p.t_s, p.period_s) for p in parts if p.key == LIVE_KEY} == {(LIVE_KEY, T, 0.1)}
    assert all(p.period_s is None for p in parts if p.key != LIVE_KEY)  # on change only
    rendered = _rendered(parts)
    # What the console sent as one key before: the status converted mechanically, and the clock.
    expected = plain(update.status)
    expected["countdown"]["clock_text"] = clock_text(update.status.countdown.t_count_s)
    expected.update(unix_time_s=T, time_utc=utc_text(T))
    assert _whole(rendered) == orjson.loads(encode(expected))
    assert set(expected) == {f.name for f in dataclasses.fields(LaunchStatus)} | {"unix_time_s", "time_utc"}
    # The tick's own key carries no definition, no poll, no alerts, no checklist.
    live = rendered[LIVE_KEY]
    assert not {"poll", "alerts", "recovery"} & set(live)
    assert set(live["criteria"][0]) == {"name", "state", "value", "value_t_s", "breached_since_s"}
    assert live["criteria"][0]["name"] == SETUP.criteria[0].name
    assert set(live["red_lines"][0]) == {"name", "level", "value", "value_t_s"}
    assert rendered[DEFINITIONS_KEY]["criteria"][0]["name"] == SETUP.criteria[0].name
    assert rendered[DEFINITIONS_KEY]["criteria"][0]["phases"][0] == "safe"  # enums by name, as before
    assert rendered[ALERTS_KEY][0]["key"] == "landing:landing-barge"


def test_only_what_changed_is_set_again() -> None:
    control = LaunchControl(SETUP)
    parts = LaunchParts(0.1)
    assert {p.key for p in parts.changed(_update(control, T))} == ALL_KEYS
    # Ticks where only the clock and live values move: the tick's key alone.
    for t_s in (T + 0.1, T + 0.2, T + 0.3):
        assert [p.key for p in parts.changed(_update(control, t_s))] == [LIVE_KEY]
    control.handle(OpenPoll(DANA), T + 0.35)
    assert [p.key for p in parts.changed(_update(control, T + 0.4))] == [POLL_KEY, LIVE_KEY]
    assert [p.key for p in parts.changed(_update(control, T + 0.5))] == [LIVE_KEY]
    control.handle(AcknowledgeAlert(DANA, "landing:landing-barge"), T + 0.55)
    changed = parts.changed(_update(control, T + 0.6))
    assert [p.key for p in changed] == [ALERTS_KEY, LIVE_KEY]
    assert _rendered(changed)[ALERTS_KEY][0]["acknowledged_by"] == "dana"
    # A new console (a new LaunchParts) gets every part again.
    assert {p.key for p in LaunchParts(0.1).changed(_update(control, T + 0.7))} == ALL_KEYS


async def test_an_unchanged_part_is_neither_sent_nor_encoded_again() -> None:
    hub = Hub()
    board = Board(Counters())
    control = LaunchControl(SETUP)
    client = board.register("page")
    sent: list[dict[str, Any]] = []

    async def send(message: bytes) -> None:
        sent.append(orjson.loads(message))

    def updates_with_launch() -> list[dict[str, Any]]:
        return [m["values"] for m in sent if m["type"] == "update" and LIVE_KEY in m["values"]]

    feed = ConsoleFeed(hub, SimClock(start_s=0.0, epoch_unix_s=T), board, ExpectedPeriods())
    hub.publish(_update(control, T))
    async with background(
        ("feed", feed.run()),
        ("pump", pump(client, board, send, server_time_s=lambda: T, max_update_hz=1000.0, stall_s=60.0)),
    ):
        await wait_until(lambda: updates_with_launch(), what="the first launch status")
        assert set(updates_with_launch()[0]) >= ALL_KEYS
        entries = {key: board.entry(key) for key in ALL_KEYS - {LIVE_KEY}}
        texts = {key: entry.json() for key, entry in entries.items() if entry is not None}
        for i in range(1, 4):
            t_s = T + i / 10
            hub.publish(_update(control, t_s))
            await wait_until(lambda t_s=t_s: updates_with_launch()[-1][LIVE_KEY]["t"] == t_s,
                             what=f"the launch status of {t_s}")
        # The parts that did not change: the same entries (their JSON made once), never sent again.
        assert {key: board.entry(key) for key in entries} == entries
        assert {key: entry.json() for key, entry in entries.items() if entry is not None} == texts
        assert all(set(values) & ALL_KEYS == {LIVE_KEY} for values in updates_with_launch()[1:])
        control.handle(OpenPoll(DANA), T + 0.45)
        hub.publish(_update(control, T + 0.5))
        await wait_until(lambda: any(POLL_KEY in values for values in updates_with_launch()[1:]),
                         what="the opened poll")
        poll = next(v for v in updates_with_launch()[1:] if POLL_KEY in v)[POLL_KEY]
        assert (poll["v"]["state"], poll["t"], poll["period_s"]) == ("open", T + 0.5, None)
        assert board.entry(DEFINITIONS_KEY) is entries[DEFINITIONS_KEY]
