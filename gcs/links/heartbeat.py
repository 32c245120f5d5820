"""Heartbeat tracking for one vehicle (system id): found, lost, recovered. Pure; time is an argument.

The rules, after the MAVLink heartbeat service (https://mavlink.io/en/services/heartbeat.html):

* Only a heartbeat identifies a vehicle: the first heartbeat of its autopilot component (one whose
  ``autopilot`` is not ``MAV_AUTOPILOT_INVALID``, or component 1, and whose type is not a GCS) makes
  it FOUND and fixes which component speaks for it.
* Any message from the system keeps the link alive; the link is LOST once nothing at all has been
  heard for ``missed_for_loss`` heartbeat intervals.
* After a loss, the first message from the system brings it back (RECOVERED). Waiting for the next
  heartbeat instead would, on a lossy link, often add a whole interval or more to the outage that
  operators see, and the vehicle was already identified.
* A later autopilot heartbeat with another MAV_TYPE or MAV_AUTOPILOT is an IDENTITY_CHANGED.

Knows nothing of sockets, the hub or what custom_mode means.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcs.links.values import LinkEventKind
from gcs.protocol.dialect import seaport


@dataclass(frozen=True, slots=True)
class Identity:
    """Who speaks for a system: its autopilot component, its MAV_TYPE and its MAV_AUTOPILOT."""

    compid: int
    vehicle_type: int
    autopilot: int


@dataclass(frozen=True, slots=True)
class TrackerChange:
    """A change of the link's state; ``silent_s`` is how long nothing had been heard before it."""

    kind: LinkEventKind
    detail: str
    silent_s: float


def identifies(compid: int, vehicle_type: int, autopilot: int) -> bool:
    """Whether a heartbeat with these fields can speak for its system (see the module docstring)."""
    if vehicle_type == seaport.MAV_TYPE_GCS:
        return False
    return bool(autopilot != seaport.MAV_AUTOPILOT_INVALID or compid == seaport.MAV_COMP_ID_AUTOPILOT1)


class HeartbeatTracker:
    """Link state of one system from the messages it sends and the time they arrive.

    Args:
        interval_s: the interval the vehicle sends heartbeats at.
        missed_for_loss: intervals of silence after which the link is lost.

    Raises:
        ValueError: a non-positive interval or count.
    """

    def __init__(self, interval_s: float, missed_for_loss: int) -> None:
        if interval_s <= 0 or missed_for_loss < 1:
            raise ValueError(
                f"need interval_s > 0 and missed_for_loss >= 1, got {interval_s}, {missed_for_loss}"
            )
        self.loss_after_s = interval_s * missed_for_loss
        self.identity: Identity | None = None
        self.up = False
        self.last_message_s: float | None = None
        self.last_heartbeat_s: float | None = None

    @property
    def deadline_s(self) -> float | None:
        """When the link will be lost if nothing is heard before; ``None`` while not up."""
        if not self.up or self.last_message_s is None:
            return None
        return self.last_message_s + self.loss_after_s

    def heartbeat_age_s(self, now_s: float) -> float | None:
        return None if self.last_heartbeat_s is None else now_s - self.last_heartbeat_s

    def message_age_s(self, now_s: float) -> float | None:
        return None if self.last_message_s is None else now_s - self.last_message_s

    def on_heartbeat(
        self, compid: int, vehicle_type: int, autopilot: int, now_s: float
    ) -> list[TrackerChange]:
        """A heartbeat from any component of the system arrived at ``now_s``."""
        speaks = identifies(compid, vehicle_type, autopilot)
        if self.identity is None:
            if not speaks:
                return []
            self.identity = Identity(compid, vehicle_type, autopilot)
            self.up = True
            self.last_message_s = self.last_heartbeat_s = now_s
            return [TrackerChange(LinkEventKind.FOUND, _describe(self.identity), 0.0)]
        changes = self.on_message(now_s)
        if speaks and compid == self.identity.compid:
            self.last_heartbeat_s = now_s
            new = Identity(compid, vehicle_type, autopilot)
            if new != self.identity:
                detail = f"was {_describe(self.identity)}, now {_describe(new)}"
                self.identity = new
                changes.append(TrackerChange(LinkEventKind.IDENTITY_CHANGED, detail, 0.0))
        return changes

    def on_message(self, now_s: float) -> list[TrackerChange]:
        """Any message (heartbeat or not) from the system arrived at ``now_s``."""
        if self.identity is None or self.last_message_s is None:
            return []  # not found yet: only a heartbeat identifies a vehicle
        # A loss that the watchdog has not polled yet still happened: report it before the recovery.
        changes = self.poll(now_s)
        silent_s = now_s - self.last_message_s
        self.last_message_s = now_s
        if not self.up:
            self.up = True
            changes.append(
                TrackerChange(LinkEventKind.RECOVERED, f"heard again after {silent_s:.2f} s", silent_s)
            )
        return changes

    def poll(self, now_s: float) -> list[TrackerChange]:
        """Report the loss if ``now_s`` has reached the deadline."""
        deadline_s = self.deadline_s
        if deadline_s is None or now_s < deadline_s or self.last_message_s is None:
            return []
        self.up = False
        silent_s = now_s - self.last_message_s
        return [TrackerChange(LinkEventKind.LOST, f"nothing heard for {silent_s:.2f} s", silent_s)]


def _describe(identity: Identity) -> str:
    kind = seaport.enums["MAV_TYPE"].get(identity.vehicle_type)
    autopilot = seaport.enums["MAV_AUTOPILOT"].get(identity.autopilot)
    return (
        f"{kind.name if kind else identity.vehicle_type} / "
        f"{autopilot.name if autopilot else identity.autopilot}, component {identity.compid}"
    )
