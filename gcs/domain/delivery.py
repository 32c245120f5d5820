"""Delivery tracking of one flight's cargo: the stages a consignment goes through and its live ETA. Pure.

A ``DeliveryTracker`` is told what happens to the flight (the vehicle confirms the loaded mass, it
lifts off, it is diverted, it touches down, the crew secures it and unloads it) and returns each
stage reached as a ``DeliveryEvent``, once and in order; an abort or a flight termination ends the
delivery. ``eta`` gives the estimated arrival at the landing platform from what is known: the
planned flight time counted from T-0 before liftoff, the predicted impact time in flight, the
touchdown itself after.

What leaves the station about a delivery is ids and status (the flight, the parcels' ids, the stage,
the platform, times): no masses, contents or destinations. Knows nothing of MAVLink, the launch
cores or MQTT: the caller feeds it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class DeliveryStage(enum.Enum):
    """Where a consignment is, in the order a nominal flight reaches them."""

    LOADED = "loaded"
    """The manifest is loaded and the vehicle has confirmed its mass."""
    LAUNCHED = "launched"
    DIVERTED = "diverted"
    """Landing elsewhere than planned: the platform of the event is the new destination."""
    LANDED = "landed"
    SECURED = "secured"
    """The vehicle is secured on deck: the cargo is safe to reach."""
    UNLOADED = "unloaded"
    ABORTED = "aborted"
    """The flight ended without a delivery (a pad or in-flight abort, a flight termination)."""


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    """One stage of one flight's delivery (journal, broker)."""

    flight_id: str
    stage: DeliveryStage
    unix_time_s: float
    platform: str
    """The landing platform as known at that moment."""
    parcel_ids: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """The delivery as it stands: last stage, destination, ETA (None when there is no estimate)."""

    flight_id: str
    stage: DeliveryStage | None
    platform: str
    eta_unix_s: float | None
    eta_basis: str
    """What the estimate rests on: "plan", "trajectory", "touchdown" or "" (no estimate)."""
    parcels: int


@dataclass(frozen=True, slots=True)
class CargoStatus:
    """The manifest as the console shows it: totals, classes, problems, the vehicle's word on the mass.

    Unlike the delivery's events and status, it carries masses: it stays in the station (the hub and
    the console), it is not published to the broker.
    """

    source: str
    ok: bool
    parcels: int
    mass_kg: float
    volume_m3: float
    cg_axial_m: float
    cg_lateral_m: float
    by_class: tuple[tuple[str, int], ...]
    problems: tuple[str, ...]
    """Bad rows and broken limits, one line each."""
    vehicle_mass_kg: float | None
    """``CARGO_MASS_KG`` as the vehicle holds it (None until it has answered)."""
    confirmed: bool


class DeliveryTracker:
    """The delivery of one flight's consignment."""

    def __init__(
        self, flight_id: str, parcel_ids: tuple[str, ...], platform: str, planned_flight_s: float
    ) -> None:
        if not (math.isfinite(planned_flight_s) and planned_flight_s > 0):
            raise ValueError("planned_flight_s must be a duration > 0")
        self.flight_id = flight_id
        self.parcel_ids = parcel_ids
        self.platform = platform
        self.planned_flight_s = planned_flight_s
        self._reached: list[DeliveryStage] = []
        self._t_zero_unix_s: float | None = None
        self._impact_unix_s: float | None = None
        self._touchdown_unix_s: float | None = None

    @property
    def stage(self) -> DeliveryStage | None:
        return self._reached[-1] if self._reached else None

    @property
    def ended(self) -> bool:
        return self.stage in (DeliveryStage.UNLOADED, DeliveryStage.ABORTED)

    # --- what happens ----------------------------------------------------------------------------

    def mass_confirmed(self, now_s: float, detail: str = "") -> list[DeliveryEvent]:
        return self._reach(DeliveryStage.LOADED, now_s, detail, after=())

    def lifted_off(self, now_s: float) -> list[DeliveryEvent]:
        self._t_zero_unix_s = self._t_zero_unix_s or now_s
        return self._reach(DeliveryStage.LAUNCHED, now_s, "", after=(DeliveryStage.LOADED,))

    def diverted(self, platform: str, now_s: float) -> list[DeliveryEvent]:
        if self.ended or DeliveryStage.DIVERTED in self._reached or platform == self.platform:
            return []
        before, self.platform = self.platform, platform
        return self._reach(DeliveryStage.DIVERTED, now_s, f"from {before}", after=())

    def touched_down(self, now_s: float, platform: str | None = None) -> list[DeliveryEvent]:
        if platform:
            self.platform = platform
        if self._touchdown_unix_s is None and not self.ended:
            self._touchdown_unix_s = now_s
        return self._reach(DeliveryStage.LANDED, now_s, "", after=(DeliveryStage.LAUNCHED,))

    def secured(self, now_s: float, who: str | None = None) -> list[DeliveryEvent]:
        return self._reach(DeliveryStage.SECURED, now_s, f"by {who}" if who else "",
                           after=(DeliveryStage.LANDED,))

    def unloaded(self, now_s: float, who: str | None = None) -> list[DeliveryEvent]:
        return self._reach(DeliveryStage.UNLOADED, now_s, f"by {who}" if who else "",
                           after=(DeliveryStage.SECURED,))

    def aborted(self, now_s: float, detail: str) -> list[DeliveryEvent]:
        if self.ended or DeliveryStage.LANDED in self._reached:
            return []
        self._reached.append(DeliveryStage.ABORTED)
        return [DeliveryEvent(self.flight_id, DeliveryStage.ABORTED, now_s, self.platform, self.parcel_ids,
                              detail)]

    # --- the estimate ----------------------------------------------------------------------------

    def count_at(self, t_count_s: float, now_s: float) -> None:
        """The count reads ``t_count_s`` at ``now_s`` (before liftoff: T-0 is then ``now_s - t_count_s``)."""
        if math.isfinite(t_count_s) and DeliveryStage.LAUNCHED not in self._reached:
            self._t_zero_unix_s = now_s - t_count_s

    def impact_predicted(self, impact_unix_s: float) -> None:
        """The trajectory's predicted arrival (the impact point's time) in flight."""
        if math.isfinite(impact_unix_s) and self._touchdown_unix_s is None:
            self._impact_unix_s = impact_unix_s

    def status(self) -> DeliveryStatus:
        eta, basis = None, ""
        if self._touchdown_unix_s is not None:
            eta, basis = self._touchdown_unix_s, "touchdown"
        elif self.stage is DeliveryStage.ABORTED:
            pass
        elif self._impact_unix_s is not None and DeliveryStage.LAUNCHED in self._reached:
            eta, basis = self._impact_unix_s, "trajectory"
        elif self._t_zero_unix_s is not None:
            eta, basis = self._t_zero_unix_s + self.planned_flight_s, "plan"
        return DeliveryStatus(self.flight_id, self.stage, self.platform, eta, basis, len(self.parcel_ids))

    # --- inside ----------------------------------------------------------------------------------

    def _reach(
        self, stage: DeliveryStage, now_s: float, detail: str, *, after: tuple[DeliveryStage, ...]
    ) -> list[DeliveryEvent]:
        if stage in self._reached or self.ended:
            return []
        out: list[DeliveryEvent] = []
        # A stage implies the ones before it (a touchdown seen without its liftoff, a lost frame):
        # the record says so rather than leaving a gap.
        for earlier in after:
            if earlier not in self._reached:
                out += self._implied(earlier, now_s)
        self._reached.append(stage)
        out.append(DeliveryEvent(self.flight_id, stage, now_s, self.platform, self.parcel_ids, detail))
        return out

    def _implied(self, stage: DeliveryStage, now_s: float) -> list[DeliveryEvent]:
        before = {
            DeliveryStage.LAUNCHED: (DeliveryStage.LOADED,),
            DeliveryStage.LANDED: (DeliveryStage.LAUNCHED,),
            DeliveryStage.SECURED: (DeliveryStage.LANDED,),
        }.get(stage, ())
        return self._reach(stage, now_s, "implied by a later stage", after=before)
