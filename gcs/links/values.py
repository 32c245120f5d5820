"""What the flight-computer link publishes on the hub: frozen, timestamped values keyed by vehicle.

Every value carries ``unix_time_s`` (for logs and displays) and ``monotonic_s`` (on the link's
clock, so a reader can tell how old it is and call it stale once it is older than its expected
rate). Knows nothing of sockets, codecs or the hub's mechanics; the link fills these in.

Topics (``hub.publish(value, key=...)``):

=========================  ======================  =============================================
type                       key                     when
=========================  ======================  =============================================
``VehicleHeartbeat``       sysid                   every heartbeat of the vehicle's autopilot
``VehicleLinkEvent``       sysid                   found, lost, recovered, identity changed
``VehicleLinkHealth``      sysid                   every health interval, and at once on up/down
``VehicleStatusText``      sysid                   every complete STATUSTEXT
``MavlinkTelemetry``       (sysid, message name)   every message the vehicle sends
=========================  ======================  =============================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from gcs.protocol.dialect import FlightPhase, seaport

TelemetryKey = tuple[int, str]
"""Hub key of ``MavlinkTelemetry``: (system id, message name such as ``"ATTITUDE"``)."""


@dataclass(frozen=True, slots=True)
class VehicleHeartbeat:
    """One heartbeat of a vehicle's autopilot: who it is and what it says about itself.

    ``flight_phase`` is set only for a ``MAV_TYPE_ROCKET``, whose ``custom_mode`` carries it; for
    any other vehicle type ``custom_mode`` means whatever its autopilot makes it mean.
    """

    sysid: int
    compid: int
    vehicle_type: int
    autopilot: int
    base_mode: int
    custom_mode: int
    system_status: int
    mavlink_version: int
    unix_time_s: float
    monotonic_s: float

    @property
    def is_rocket(self) -> bool:
        return bool(self.vehicle_type == seaport.MAV_TYPE_ROCKET)

    @property
    def armed(self) -> bool:
        return bool(self.base_mode & seaport.MAV_MODE_FLAG_SAFETY_ARMED)

    @property
    def flight_phase(self) -> FlightPhase | None:
        if not self.is_rocket:
            return None
        try:
            return FlightPhase(self.custom_mode)
        except ValueError:
            return None

    @property
    def identity(self) -> tuple[int, int, int]:
        """(component id, MAV_TYPE, MAV_AUTOPILOT): what makes this vehicle this kind of vehicle."""
        return (self.compid, self.vehicle_type, self.autopilot)


class LinkEventKind(enum.Enum):
    FOUND = "found"
    """The first identifying heartbeat of a vehicle."""
    LOST = "lost"
    """Nothing heard for the configured number of heartbeat intervals."""
    RECOVERED = "recovered"
    """The first message after a loss."""
    IDENTITY_CHANGED = "identity_changed"
    """The autopilot now reports another MAV_TYPE or MAV_AUTOPILOT (another vehicle, or reflashed)."""


@dataclass(frozen=True, slots=True)
class VehicleLinkEvent:
    """The link to one vehicle changed state; ``silent_s`` is how long nothing had been heard."""

    sysid: int
    kind: LinkEventKind
    detail: str
    silent_s: float
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class VehicleLinkHealth:
    """How well the link to one vehicle is doing, as a snapshot.

    Attributes:
        up: a vehicle heartbeat was seen and something was heard within the loss threshold.
        heartbeat_age_s, last_message_age_s: time since the last heartbeat / any message (``None``
            before the first).
        loss_pct: frames missing from the vehicle's sequence numbers since the link started.
        recent_loss_pct: the same over the last health interval.
        frames_received, frames_lost: the counts behind ``loss_pct`` (all components of the system).
        crc_errors, bad_headers: bytes that failed framing on the whole link (a corrupt header
            cannot say which vehicle it came from).
        signature_errors: frames the link's signing refused (bad or replayed signature, unsigned,
            MAVLink 1), link-wide like the framing errors: a refused frame cannot prove its sender.
        rtt_s: the last TIMESYNC round trip, ``None`` until the vehicle answers one.
    """

    sysid: int
    up: bool
    heartbeat_age_s: float | None
    last_message_age_s: float | None
    loss_pct: float
    recent_loss_pct: float
    frames_received: int
    frames_lost: int
    crc_errors: int
    bad_headers: int
    signature_errors: int
    rtt_s: float | None
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class VehicleStatusText:
    """A complete STATUSTEXT (chunks joined); ``severity`` is MAV_SEVERITY (0 emergency .. 7 debug)."""

    sysid: int
    compid: int
    severity: int
    text: str
    unix_time_s: float
    monotonic_s: float


@dataclass(frozen=True, slots=True)
class MavlinkTelemetry:
    """One decoded message from a vehicle, untranslated, for the translators above the link.

    ``msg`` is the generated dialect's message object; treat it as read-only.
    """

    sysid: int
    compid: int
    msg: Any
    unix_time_s: float
    monotonic_s: float

    @property
    def name(self) -> str:
        return str(self.msg.get_type())
