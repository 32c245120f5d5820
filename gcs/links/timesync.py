"""TIMESYNC round trips: our requests, the answers that measure RTT, our answers to others. Pure.

A request carries ``tc1 = 0`` and ``ts1`` = our time in ns; the vehicle answers with its own time
in ``tc1`` and our ``ts1`` unchanged, so the round trip is now minus when that ``ts1`` was sent
(https://mavlink.io/en/services/timesync.html). The message has no target fields in this dialect,
so one request is answered by every system that hears it: each answer gives that system's RTT.
Only answers to requests sent within ``window_s`` count, so a stale echo cannot pose as a fast one.
Knows nothing of sockets or clocks (time is an argument).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from gcs.protocol.dialect import seaport

NS_PER_S = 1_000_000_000


class TimesyncTracker:
    """Our outstanding TIMESYNC requests, for the whole link."""

    def __init__(self, window_s: float = 10.0) -> None:
        self.window_s = window_s
        self._sent: OrderedDict[int, float] = OrderedDict()  # ts1 -> when sent (s)
        self._last_ts1 = -1

    def request(self, now_s: float) -> Any:
        """A new TIMESYNC request stamped ``now_s``."""
        # ts1 must be unique to match answers, even if the clock has not moved (a paused SimClock).
        ts1 = max(int(now_s * NS_PER_S), self._last_ts1 + 1)
        self._last_ts1 = ts1
        self._sent[ts1] = now_s
        while self._sent:
            oldest_ts1, sent_s = next(iter(self._sent.items()))
            if now_s - sent_s <= self.window_s:
                break
            del self._sent[oldest_ts1]
        return seaport.MAVLink_timesync_message(0, ts1)

    def round_trip_s(self, msg: Any, now_s: float) -> float | None:
        """The RTT if ``msg`` answers one of our recent requests, else ``None``."""
        if msg.tc1 == 0:
            return None
        sent_s = self._sent.get(msg.ts1)
        if sent_s is None or now_s - sent_s > self.window_s:
            return None
        return max(0.0, now_s - sent_s)


def answer_timesync(msg: Any, unix_time_s: float) -> Any | None:
    """Our answer to another system's TIMESYNC request, or ``None`` if ``msg`` is not a request."""
    if msg.tc1 != 0:
        return None
    return seaport.MAVLink_timesync_message(int(unix_time_s * NS_PER_S), msg.ts1)
