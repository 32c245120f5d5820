"""The heartbeat tracker as a table: (time, event) rows in, link changes out, time as an argument."""

from __future__ import annotations

from typing import Any

import pytest

from gcs.links.heartbeat import HeartbeatTracker, identifies
from gcs.links.values import LinkEventKind
from gcs.protocol.dialect import seaport

ROCKET = ("hb", 1, seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC)
CAMERA = ("hb", 100, seaport.MAV_TYPE_CAMERA, seaport.MAV_AUTOPILOT_INVALID)
REFLASHED = ("hb", 1, seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_PX4)
MSG = ("msg",)
POLL = ("poll",)
FOUND, LOST, RECOVERED, CHANGED = (
    LinkEventKind.FOUND,
    LinkEventKind.LOST,
    LinkEventKind.RECOVERED,
    LinkEventKind.IDENTITY_CHANGED,
)
INTERVAL_S = 1.0
MISSED = 3  # lost 3.0 s after the last message


def run(rows: list[tuple[float, tuple[Any, ...]]]) -> list[tuple[float, list[LinkEventKind]]]:
    tracker = HeartbeatTracker(INTERVAL_S, MISSED)
    out = []
    for at_s, event in rows:
        if event[0] == "hb":
            changes = tracker.on_heartbeat(event[1], event[2], event[3], at_s)
        elif event[0] == "msg":
            changes = tracker.on_message(at_s)
        else:
            changes = tracker.poll(at_s)
        out.append((at_s, [c.kind for c in changes]))
    return out


CASES = {
    "only a heartbeat finds a vehicle": (
        [(0.0, MSG), (0.5, POLL), (1.0, ROCKET), (1.5, MSG)],
        [(0.0, []), (0.5, []), (1.0, [FOUND]), (1.5, [])],
    ),
    "lost exactly N intervals after the last message": (
        [(0.0, ROCKET), (1.0, ROCKET), (3.99, POLL), (4.0, POLL), (5.0, POLL)],
        [(0.0, [FOUND]), (1.0, []), (3.99, []), (4.0, [LOST]), (5.0, [])],
    ),
    "any message keeps the link alive": (
        [(0.0, ROCKET), (2.5, MSG), (5.0, MSG), (7.5, POLL), (8.0, POLL)],
        [(0.0, [FOUND]), (2.5, []), (5.0, []), (7.5, []), (8.0, [LOST])],
    ),
    "the first message after a loss recovers it, heartbeat or not": (
        [(0.0, ROCKET), (3.0, POLL), (4.2, MSG), (4.3, ROCKET)],
        [(0.0, [FOUND]), (3.0, [LOST]), (4.2, [RECOVERED]), (4.3, [])],
    ),
    "a loss the watchdog missed is still reported before the recovery": (
        [(0.0, ROCKET), (3.5, MSG)],
        [(0.0, [FOUND]), (3.5, [LOST, RECOVERED])],
    ),
    "another component's heartbeat keeps alive but does not identify": (
        [(0.0, CAMERA), (0.1, ROCKET), (2.9, CAMERA), (5.8, POLL), (5.9, POLL)],
        [(0.0, []), (0.1, [FOUND]), (2.9, []), (5.8, []), (5.9, [LOST])],
    ),
    "the autopilot reporting another autopilot type is an identity change": (
        [(0.0, ROCKET), (1.0, REFLASHED), (2.0, REFLASHED)],
        [(0.0, [FOUND]), (1.0, [CHANGED]), (2.0, [])],
    ),
}


@pytest.mark.parametrize(("rows", "expected"), CASES.values(), ids=CASES.keys())
def test_heartbeat_tracker(rows: list[tuple[float, tuple[Any, ...]]], expected: list[Any]) -> None:
    assert run(rows) == expected


def test_ages_deadline_and_silence_are_reported() -> None:
    tracker = HeartbeatTracker(INTERVAL_S, MISSED)
    assert (tracker.deadline_s, tracker.heartbeat_age_s(1.0)) == (None, None)
    tracker.on_heartbeat(1, seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC, 10.0)
    tracker.on_message(11.0)
    assert (tracker.heartbeat_age_s(12.0), tracker.message_age_s(12.0), tracker.deadline_s) == (
        2.0,
        1.0,
        14.0,
    )
    (lost,) = tracker.poll(14.5)
    assert (lost.kind, lost.silent_s) == (LinkEventKind.LOST, 3.5)
    assert tracker.deadline_s is None
    (recovered,) = tracker.on_message(20.0)
    assert recovered.silent_s == 9.0
    assert tracker.identity is not None
    assert tracker.identity.compid == 1


@pytest.mark.parametrize(
    ("compid", "vehicle_type", "autopilot", "speaks"),
    [
        (1, seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC, True),
        (1, seaport.MAV_TYPE_QUADROTOR, seaport.MAV_AUTOPILOT_ARDUPILOTMEGA, True),
        (1, seaport.MAV_TYPE_SURFACE_BOAT, seaport.MAV_AUTOPILOT_INVALID, True),  # a platform: no autopilot
        (154, seaport.MAV_TYPE_GIMBAL, seaport.MAV_AUTOPILOT_INVALID, False),
        (190, seaport.MAV_TYPE_GCS, seaport.MAV_AUTOPILOT_INVALID, False),
        (1, seaport.MAV_TYPE_GCS, seaport.MAV_AUTOPILOT_GENERIC, False),
    ],
)
def test_which_heartbeats_speak_for_a_system(
    compid: int, vehicle_type: int, autopilot: int, speaks: bool
) -> None:
    assert identifies(compid, vehicle_type, autopilot) is speaks


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="interval_s > 0"):
        HeartbeatTracker(0.0, 3)
