"""A sea platform as its own MAVLink system: HEARTBEAT, GLOBAL_POSITION_INT, ATTITUDE, DECK_MOTION and
PLATFORM_STATUS built from a ``PlatformSnapshot``. Pure.

The platform is a ``MAV_TYPE_SURFACE_BOAT`` with ``MAV_AUTOPILOT_INVALID`` (it flies nothing; a
ground station lists it, but does not take it for a vehicle to command). ``DeckMaxima`` keeps the
largest absolute pitch, roll and heave over the last ten simulated minutes for DECK_MOTION.

Knows nothing of sockets, rates or the platform model.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from firmware_sim.io.platform_state import PlatformSnapshot
from gcs.protocol.dialect import seaport

S = seaport
WINDOW_S = 600.0
READY_FLAGS = (
    S.PLATFORM_FLAGS_STATION_KEEPING | S.PLATFORM_FLAGS_DECK_CLEAR | S.PLATFORM_FLAGS_READY_TO_RECEIVE
)

DEFAULT_RATES_HZ = {
    S.MAVLINK_MSG_ID_HEARTBEAT: 1.0,
    S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: 2.0,
    S.MAVLINK_MSG_ID_ATTITUDE: 10.0,
    S.MAVLINK_MSG_ID_DECK_MOTION: 10.0,
    S.MAVLINK_MSG_ID_PLATFORM_STATUS: 1.0,
}


class DeckMaxima:
    """Largest |pitch|, |roll|, |heave| over a sliding window of simulated time."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self._window_s = window_s
        self._samples: deque[tuple[float, float, float, float]] = deque()

    def add(
        self, time_s: float, pitch_deg: float, roll_deg: float, heave_m: float
    ) -> tuple[float, float, float]:
        self._samples.append((time_s, abs(pitch_deg), abs(roll_deg), abs(heave_m)))
        while self._samples and self._samples[0][0] < time_s - self._window_s:
            self._samples.popleft()
        return (
            max(s[1] for s in self._samples),
            max(s[2] for s in self._samples),
            max(s[3] for s in self._samples),
        )


def _ms(time_s: float) -> int:
    return max(0, int(time_s * 1000)) & 0xFFFFFFFF


def _e7(degrees: float) -> int:
    return round(degrees * 1e7)


class PlatformMessages:
    """Builds one platform's messages; keeps the ten-minute maxima between DECK_MOTIONs."""

    def __init__(self, platform_id: int) -> None:
        self.platform_id = platform_id
        self._maxima = DeckMaxima()

    def build(self, msg_id: int, p: PlatformSnapshot) -> Any:
        s = p.sensors
        if msg_id == S.MAVLINK_MSG_ID_HEARTBEAT:
            return S.MAVLink_heartbeat_message(
                S.MAV_TYPE_SURFACE_BOAT, S.MAV_AUTOPILOT_INVALID, 0, 0, S.MAV_STATE_ACTIVE, 3
            )
        if msg_id == S.MAVLINK_MSG_ID_GLOBAL_POSITION_INT:
            return S.MAVLink_global_position_int_message(
                _ms(p.time_s), _e7(s.latitude_deg), _e7(s.longitude_deg),
                round(s.altitude_msl_m * 1000), round(s.heave_up_m * 1000),
                round(p.velocity_north_mps * 100), round(p.velocity_east_mps * 100),
                round(-p.heave_rate_mps * 100), round(s.heading_true_deg * 100) % 36000,
            )  # fmt: skip
        if msg_id == S.MAVLINK_MSG_ID_ATTITUDE:
            # MAVLink's body frame is forward-right-down: roll is +starboard down, i.e. our port-up roll.
            return S.MAVLink_attitude_message(
                _ms(p.time_s), math.radians(s.roll_port_up_deg), math.radians(s.pitch_bow_up_deg),
                math.radians(_wrap180(s.heading_true_deg)), math.radians(p.roll_rate_dps),
                math.radians(p.pitch_rate_dps), 0.0,
            )  # fmt: skip
        if msg_id == S.MAVLINK_MSG_ID_DECK_MOTION:
            pitch_max, roll_max, heave_max = self._maxima.add(
                p.time_s, s.pitch_bow_up_deg, s.roll_port_up_deg, s.heave_up_m
            )
            return S.MAVLink_deck_motion_message(
                _ms(p.time_s), self.platform_id, s.pitch_bow_up_deg, s.roll_port_up_deg, s.heave_up_m,
                p.pitch_rate_dps, p.roll_rate_dps, p.heave_rate_mps, pitch_max, roll_max, heave_max,
            )  # fmt: skip
        if msg_id == S.MAVLINK_MSG_ID_PLATFORM_STATUS:
            return S.MAVLink_platform_status_message(
                _ms(p.time_s), self.platform_id, _e7(s.latitude_deg), _e7(s.longitude_deg),
                s.heading_true_deg, p.station_keeping_error_m, p.wind_over_deck_speed_mps,
                p.wind_over_deck_from_deg, READY_FLAGS,
            )  # fmt: skip
        raise KeyError(f"the platform does not send message {msg_id}")


def _wrap180(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0
