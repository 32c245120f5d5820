"""Which periodic messages are due: default rates, SET_MESSAGE_INTERVAL changes, one clock. Pure.

Intervals count in the clock the caller passes, which for the vehicle is simulation time: a
ground station that follows the simulator's clock (SYSTEM_TIME) then sees heartbeats and
telemetry at their nominal rates at any ``--speed``, as long as the caller polls by that clock
(``next_due_s``). ``due(now_s)`` returns a message at most once per call, whatever time has passed:
missed periods are not replayed, so a caller that polls by the wall clock only caps every stream's
wall-clock rate (a bare flight computer at ``--speed`` on a slow link).

Knows nothing of sockets, asyncio or how a message is built.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from gcs.protocol.dialect import seaport

MIN_INTERVAL_S = 0.001
"""Intervals shorter than this (over 1 kHz) are refused: no link of ours can carry them."""


class MessageRates:
    def __init__(self, default_hz: Mapping[int, float]) -> None:
        """``default_hz``: every message id this sender can stream, with its default rate (0: off)."""
        self._default_s = {msg_id: _interval(hz) for msg_id, hz in default_hz.items()}
        self._interval_s = dict(self._default_s)
        self._next_s: dict[int, float] = {}

    def supported(self, msg_id: int) -> bool:
        return msg_id in self._default_s

    def set_interval_us(self, msg_id: int, interval_us: float) -> tuple[int, str]:
        """Apply SET_MESSAGE_INTERVAL (-1 stops, 0 restores the default, > 0 is the interval in µs).

        Returns:
            (MAV_RESULT, reason): DENIED for a message we do not stream or a bad interval.
        """
        if msg_id not in self._default_s:
            return seaport.MAV_RESULT_DENIED, f"message {msg_id} is not streamed by this vehicle"
        if interval_us == -1:
            self._interval_s[msg_id] = math.inf
        elif interval_us == 0:
            self._interval_s[msg_id] = self._default_s[msg_id]
        elif math.isfinite(interval_us) and interval_us >= MIN_INTERVAL_S * 1e6:
            self._interval_s[msg_id] = interval_us / 1e6
        else:
            return seaport.MAV_RESULT_DENIED, f"interval {interval_us:g} us for message {msg_id}: impossible"
        self._next_s.pop(msg_id, None)  # the new rate starts now
        return seaport.MAV_RESULT_ACCEPTED, ""

    def interval_us(self, msg_id: int) -> int:
        """For MESSAGE_INTERVAL: the interval in µs, -1 if stopped, 0 if this message is not streamed."""
        if msg_id not in self._interval_s:
            return 0
        interval = self._interval_s[msg_id]
        return -1 if math.isinf(interval) else round(interval * 1e6)

    def next_due_s(self) -> float:
        """When the next stream falls due (-inf: one never sent yet is due now; inf: all off)."""
        soonest = math.inf
        for msg_id, interval in self._interval_s.items():
            if math.isinf(interval):
                continue
            next_s = self._next_s.get(msg_id)
            if next_s is None:
                return -math.inf
            soonest = min(soonest, next_s)
        return soonest

    def due(self, now_s: float) -> list[int]:
        """The message ids to send now, in id order."""
        out = []
        for msg_id, interval in sorted(self._interval_s.items()):
            if math.isinf(interval):
                continue
            next_s = self._next_s.get(msg_id)
            if next_s is not None and now_s < next_s:
                continue
            out.append(msg_id)
            following = (now_s if next_s is None else next_s) + interval
            # Behind by more than a period (a time jump, a slow poll): restart the cadence from now.
            self._next_s[msg_id] = following if following > now_s else now_s + interval
        return out


def _interval(rate_hz: float) -> float:
    if not math.isfinite(rate_hz) or rate_hz < 0:
        raise ValueError(f"rate {rate_hz} Hz must be a finite number >= 0")
    return math.inf if rate_hz == 0 else 1.0 / rate_hz
