"""The cargo in a running station: the manifest's mass sent to the vehicle and confirmed, the manifest as
two launch commit criteria, and the delivery tracked from loading to unloading.

At start the manifest has been read and checked against the vehicle's bay (``CargoCheck``); the
watch then sets the vehicle's ``CARGO_MASS_KG`` parameter as soon as the vehicle is found (and again
until it holds), and feeds launch control two samples: ``cargo.manifest_ok`` (1 when every row is
good and the load fits the bay) and ``cargo.mass_error_kg`` (the vehicle's value against the
manifest's; NaN until the vehicle has answered). The delivery tracker hears the vehicle's phases,
its touchdown report, the count and the recovery checklist from the hub, and each stage it reaches
is published (``DeliveryEvent``) and journaled, with the live ``DeliveryStatus`` (ETA). The manifest's
``CargoStatus`` is defined in ``gcs.domain.delivery`` (the console reads it and may not import this
package) and importable from here.

Knows nothing of MQTT or the console: they read the hub.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable

from gcs.cargo.check import CargoCheck
from gcs.clock import Clock
from gcs.domain.delivery import CargoStatus, DeliveryEvent, DeliveryStatus, DeliveryTracker
from gcs.domain.fields import Sample
from gcs.domain.limits import Comparator, Limit
from gcs.domain.phases import FlightPhase
from gcs.domain.roles import Role
from gcs.errors import GcsError
from gcs.hub import Hub
from gcs.launch.criteria import CommitCriterion
from gcs.launch.recovery import RecoveryItem, RecoveryState
from gcs.launch.runner import LaunchStatusUpdate
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.touchdown_report import touchdown_reports
from gcs.tasks import background

_log = logging.getLogger(__name__)

CARGO_MASS_PARAM = "CARGO_MASS_KG"
"""The flight software's parameter for the loaded cargo (guidance and, in SITL, the physics use it)."""
SECURED_ITEM = "vehicle secured on deck"
"""The recovery checklist step after which the cargo may be reached."""
UNLOADED_ITEM = "cargo unloaded"
"""The recovery step the station adds when a manifest is loaded (confirmed by the platform crew)."""

_ABORT_PHASES = frozenset({FlightPhase.ABORT, FlightPhase.FLIGHT_TERMINATION})


class CargoWatch:
    """One flight's cargo in a running station."""

    def __init__(
        self,
        check: CargoCheck,
        *,
        flight_id: str,
        landing_platform: str,
        planned_flight_s: float,
        mass_tolerance_kg: float,
        fc: FlightComputerLink,
        vehicle_sysid: int,
        hub: Hub,
        clock: Clock,
        feed: Callable[[tuple[Sample, ...]], None],
        record: Callable[[DeliveryEvent], None],
        retry_s: float = 5.0,
    ) -> None:
        self._check = check
        manifest = check.manifest
        self._mass_kg = manifest.totals.mass_kg if manifest is not None else math.nan
        parcel_ids = tuple(p.parcel_id for p in manifest.parcels) if manifest is not None else ()
        self.tracker = DeliveryTracker(flight_id, parcel_ids, landing_platform, planned_flight_s)
        self._tolerance_kg = mass_tolerance_kg
        self._fc = fc
        self._sysid = vehicle_sysid
        self._hub = hub
        self._clock = clock
        self._feed = feed
        self._record = record
        self._retry_s = retry_s
        self._vehicle_mass_kg: float | None = None
        self._confirmed = False

    @property
    def confirmed(self) -> bool:
        return self._confirmed

    def status(self) -> CargoStatus:
        check, manifest = self._check, self._check.manifest
        totals = manifest.totals if manifest is not None else None
        classes = totals.by_class if totals is not None else ()
        problems = tuple(p.located(check.source_name) for p in check.problems) + tuple(
            v.message for v in check.violations)
        return CargoStatus(
            source=check.source_name, ok=check.ok,
            parcels=totals.parcel_count if totals else 0, mass_kg=totals.mass_kg if totals else math.nan,
            volume_m3=totals.volume_m3 if totals else math.nan,
            cg_axial_m=totals.cg.axial_m if totals else math.nan,
            cg_lateral_m=totals.cg.lateral_m if totals else math.nan,
            by_class=tuple((c.handling_class.value, c.parcel_count) for c in classes),
            problems=problems, vehicle_mass_kg=self._vehicle_mass_kg, confirmed=self._confirmed,
        )

    async def run(self) -> None:
        self._publish_status()
        async with background(
            ("cargo mass to the vehicle", self._send_mass()),
            ("cargo samples", self._samples()),
            ("delivery from the count", self._launch_status()),
            ("delivery from touchdown reports", self._touchdown_reports()),
        ):
            await asyncio.Event().wait()

    # --- the mass ----------------------------------------------------------------------------

    async def _send_mass(self) -> None:
        if self._check.manifest is None:
            return  # nothing trustworthy to send; the manifest criterion is no-go and says why
        vehicle = await self._fc.wait_for_vehicle(self._sysid, timeout_s=math.inf)
        while not self._confirmed:
            try:
                held = await vehicle.params.set(CARGO_MASS_PARAM, self._mass_kg)
            except GcsError as exc:
                # Refused (armed, out of range) or unanswered: the criterion stays no-go and says so.
                _log.warning("cargo: %s not set on the vehicle: %s", CARGO_MASS_PARAM, exc)
                await self._clock.sleep(self._retry_s)
                continue
            self._vehicle_mass_kg = float(held.value)
            self._confirmed = abs(self._vehicle_mass_kg - self._mass_kg) <= self._tolerance_kg
            now_s = self._clock.unix_time_s()
            if self._confirmed:
                held_text = f"{CARGO_MASS_PARAM} = {self._vehicle_mass_kg:g}"
                self._emit(self.tracker.mass_confirmed(now_s, held_text))
            self._publish_status()
            self._feed(self._sample_values(now_s))
            if not self._confirmed:
                await self._clock.sleep(self._retry_s)

    async def _samples(self) -> None:
        # Criteria judge fresh data: repeat the samples at a steady rate, as telemetry comes.
        while True:
            self._feed(self._sample_values(self._clock.unix_time_s()))
            await self._clock.sleep(1.0)

    def _sample_values(self, now_s: float) -> tuple[Sample, ...]:
        error = math.nan if self._vehicle_mass_kg is None else abs(self._vehicle_mass_kg - self._mass_kg)
        return (Sample("cargo.manifest_ok", 1.0 if self._check.ok else 0.0, now_s),
                Sample("cargo.mass_error_kg", error, now_s))

    # --- the delivery ------------------------------------------------------------------------

    async def _launch_status(self) -> None:
        async with self._hub.subscribe(LaunchStatusUpdate, maxsize=64, replay_latest=True) as feed:
            async for update in feed:
                status, now_s = update.status, update.unix_time_s
                tracker = self.tracker
                count = status.countdown
                if not count.lifted_off:
                    tracker.count_at(count.t_count_s, now_s)
                else:
                    self._emit(tracker.lifted_off(now_s))
                rng = status.range
                if rng.iip is not None and rng.iip_t_s is not None and rng.iip.time_to_impact_s is not None:
                    tracker.impact_predicted(rng.iip_t_s + rng.iip.time_to_impact_s)
                if status.landing.diverted:
                    self._emit(tracker.diverted(status.landing.target.name, now_s))
                if status.vehicle_phase in _ABORT_PHASES:
                    self._emit(tracker.aborted(now_s, f"vehicle in {status.vehicle_phase.name}"))
                landed = status.recovery_state is not RecoveryState.NOT_STARTED
                if status.vehicle_phase is FlightPhase.TOUCHDOWN or landed:
                    self._emit(tracker.touched_down(now_s))
                for item in status.recovery:
                    if item.done and item.item.name == SECURED_ITEM:
                        self._emit(tracker.secured(item.done_at_s or now_s, item.done_by))
                    elif item.done and item.item.name == UNLOADED_ITEM:
                        self._emit(tracker.unloaded(item.done_at_s or now_s, item.done_by))
                self._publish_delivery()

    async def _touchdown_reports(self) -> None:
        async for report in touchdown_reports(self._hub, self._sysid):
            self._emit(self.tracker.touched_down(self._clock.unix_time_s(), report.platform))
            self._publish_delivery()

    def _emit(self, events: list[DeliveryEvent]) -> None:
        for event in events:
            self._hub.publish(event)
            self._record(event)

    def _publish_status(self) -> None:
        self._hub.publish(self.status())

    def _publish_delivery(self) -> None:
        status: DeliveryStatus = self.tracker.status()
        if status != self._hub.latest(DeliveryStatus):
            self._hub.publish(status)


def cargo_criteria(mass_tolerance_kg: float) -> tuple[CommitCriterion, ...]:
    """The manifest as launch commit criteria: within the bay's limits, and its mass confirmed."""
    pad = frozenset({FlightPhase.SAFE, FlightPhase.STANDBY, FlightPhase.TERMINAL_COUNT})
    return (
        CommitCriterion("cargo manifest within limits", "cargo.manifest_ok", Limit(Comparator.EQ, 1.0),
                        phases=pad, max_age_s=5.0,
                        description="every row good and the load within the bay's limits"),
        CommitCriterion("cargo mass confirmed by the vehicle", "cargo.mass_error_kg",
                        Limit(Comparator.LE, mass_tolerance_kg), phases=pad, max_age_s=5.0,
                        description=f"{CARGO_MASS_PARAM} as the vehicle holds it matches the manifest"),
    )


def unloaded_item() -> RecoveryItem:
    """The recovery step a flight with cargo adds: the platform crew confirms the unloading."""
    return RecoveryItem(UNLOADED_ITEM, confirm_role=Role.LANDING_PLATFORM, requires=(SECURED_ITEM,))
