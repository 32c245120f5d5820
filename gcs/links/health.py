"""Link-quality figures for one vehicle from the codec's counters, as ``VehicleLinkHealth``. Pure.

Loss comes from sequence-number gaps of every component of the system (the codec counts them per
remote); "recent" loss is the same over the frames since the previous snapshot. Framing errors
(CRC, bad headers) and signing refusals are link-wide: a corrupt header cannot say which system
sent it, and a forged or unsigned frame cannot prove it. Knows nothing of sockets or the hub.
"""

from __future__ import annotations

from collections.abc import Mapping

from gcs.links.heartbeat import HeartbeatTracker
from gcs.links.values import VehicleLinkHealth
from gcs.protocol.mavlink import CodecCounters, LinkStats


class HealthMeter:
    """Remembers the previous snapshot of one system, for the recent loss figure."""

    def __init__(self, sysid: int) -> None:
        self.sysid = sysid
        self._previous = (0, 0)  # frames received, frames lost

    def snapshot(
        self,
        tracker: HeartbeatTracker,
        stats: Mapping[tuple[int, int], LinkStats],
        counters: CodecCounters,
        rtt_s: float | None,
        *,
        monotonic_s: float,
        unix_time_s: float,
    ) -> VehicleLinkHealth:
        received = lost = 0
        for (sysid, _), remote in stats.items():
            if sysid == self.sysid:
                received += remote.frames_received
                lost += remote.frames_lost
        # Every frame the signing refused, whatever system it claims: an intruder need not use
        # the vehicle's id, and unsigned or MAVLink 1 frames are attacks on a signed link too.
        signature_errors = (counters.bad_signatures + counters.replays + counters.rejected_unsigned
                            + counters.rejected_mavlink1)
        recent_received = received - self._previous[0]
        recent_lost = lost - self._previous[1]
        self._previous = (received, lost)
        return VehicleLinkHealth(
            sysid=self.sysid,
            up=tracker.up,
            heartbeat_age_s=tracker.heartbeat_age_s(monotonic_s),
            last_message_age_s=tracker.message_age_s(monotonic_s),
            loss_pct=_pct(lost, received),
            recent_loss_pct=_pct(recent_lost, recent_received),
            frames_received=received,
            frames_lost=lost,
            crc_errors=counters.crc_errors,
            bad_headers=counters.bad_headers,
            signature_errors=signature_errors,
            rtt_s=rtt_s,
            unix_time_s=unix_time_s,
            monotonic_s=monotonic_s,
        )


def _pct(lost: int, received: int) -> float:
    sent = lost + received
    return 100.0 * lost / sent if sent > 0 else 0.0
