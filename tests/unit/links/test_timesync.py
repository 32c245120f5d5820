"""TIMESYNC: unique stamps, round trips from matching answers only, and answers to others' requests."""

from __future__ import annotations

from gcs.links.timesync import TimesyncTracker, answer_timesync
from gcs.protocol.dialect import seaport
from tests.unit.links.support import says


def test_an_answer_to_our_request_gives_the_round_trip() -> None:
    tracker = TimesyncTracker()
    request = tracker.request(100.0)
    assert (request.tc1, request.ts1) == (0, 100_000_000_000)
    answer = says(seaport.MAVLink_timesync_message(5_000_000, request.ts1))
    assert tracker.round_trip_s(answer, 100.25) == 0.25


def test_stamps_stay_unique_when_the_clock_stands_still() -> None:
    tracker = TimesyncTracker()
    assert len({tracker.request(5.0).ts1 for _ in range(3)}) == 3


def test_unknown_stale_and_request_messages_give_no_round_trip() -> None:
    tracker = TimesyncTracker(window_s=10.0)
    request = tracker.request(0.0)
    assert tracker.round_trip_s(says(seaport.MAVLink_timesync_message(1, 12345)), 0.1) is None
    assert tracker.round_trip_s(says(seaport.MAVLink_timesync_message(0, request.ts1)), 0.1) is None
    assert tracker.round_trip_s(says(seaport.MAVLink_timesync_message(1, request.ts1)), 10.5) is None
    tracker.request(30.0)  # forgets the stale one
    assert tracker.round_trip_s(says(seaport.MAVLink_timesync_message(1, request.ts1)), 30.1) is None


def test_we_answer_requests_and_only_requests() -> None:
    answer = answer_timesync(says(seaport.MAVLink_timesync_message(0, 777)), 2.5)
    assert answer is not None
    assert (answer.tc1, answer.ts1) == (2_500_000_000, 777)
    assert answer_timesync(says(seaport.MAVLink_timesync_message(9, 777)), 2.5) is None
