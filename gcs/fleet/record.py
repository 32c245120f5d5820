"""One flight's reuse record, built from its telemetry: engine starts, burn time, peaks, touchdown, events.

Pure: fed samples, phases and the vehicle's touchdown report in the order the station sees them, the
builder keeps running figures and gives a frozen ``FlightRecord`` whenever asked. Knows nothing of
links, clocks, files or the database: the caller passes the UTC times and the names of the vehicle
and the flight.

What a fleet engineer reads from it:

- a count that never lifted off is recorded too, marked not flown: a pad abort still used engine
  starts (and an abort on the pad still wants an inspection), a plain scrub used nothing;
- touchdown speeds come from the vehicle's own report when there is one (deck-relative, measured at
  contact), else from ground telemetry around the moment TOUCHDOWN was first seen;
- figures never observed stay ``None`` rather than 0, so "not measured" never reads as "gentle".
"""

from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from gcs.domain.atmosphere import density_kgpm3, dynamic_pressure_pa
from gcs.domain.fields import Sample
from gcs.domain.phases import AIRBORNE_PHASES, FlightPhase

SUTTON_GRAVES_K = 1.7415e-4
"""Sutton-Graves constant for Earth's air, kg^0.5/m: q = k sqrt(rho / r_nose) v^3 in W/m^2."""
HEATING_NOSE_RADIUS_M = 1.0
"""The heating index is for this nose radius, so flights of different vehicle types compare."""


def heating_index_wpm2(altitude_m: float, speed_mps: float) -> float:
    """The heating index: Sutton-Graves stagnation-point convective heat flux, W/m^2, for a 1 m nose.

    An index for comparing flights, not the vehicle's heating: standard-atmosphere density at
    ``altitude_m``, the Earth-relative speed (no wind), no radiation, a reference nose radius.
    """
    rho = density_kgpm3(altitude_m)
    return SUTTON_GRAVES_K * math.sqrt(rho / HEATING_NOSE_RADIUS_M) * abs(speed_mps) ** 3


class FlightOutcome(enum.Enum):
    """How a flight (or a count that never became one) ended. Values are what the database stores."""

    SCRUBBED = "scrubbed"
    """No liftoff, no engine start, no abort: nothing used."""
    PAD_ABORT = "pad_abort"
    """No liftoff, but the engines started or the vehicle aborted on the pad."""
    LANDED = "landed"
    """Lifted off and came down on its own, no abort."""
    ABORTED = "aborted"
    """Lifted off and aborted (the events say whether and how it touched down)."""
    TERMINATED = "terminated"
    """Flight termination: the vehicle is presumed lost."""
    INCOMPLETE = "incomplete"
    """Lifted off, and the record ended before the vehicle was seen down (link or station lost)."""

    @property
    def flown(self) -> bool:
        """Whether the vehicle left the pad: only flown records count as flights."""
        return self not in (FlightOutcome.SCRUBBED, FlightOutcome.PAD_ABORT)


class EventKind(enum.Enum):
    ENGINE_START = "engine_start"
    LIFTOFF = "liftoff"
    TOUCHDOWN = "touchdown"
    HARD_LANDING = "hard_landing"
    ABORT = "abort"
    FLIGHT_TERMINATION = "flight_termination"


@dataclass(frozen=True, slots=True)
class FlightEvent:
    """Something a fleet engineer looks for, ``since_start_s`` after the record's first observation."""

    kind: EventKind
    since_start_s: float
    detail: str = ""


class TouchdownSource(enum.Enum):
    NONE = "none"
    """No touchdown seen."""
    VEHICLE = "vehicle"
    """The vehicle's own report at contact, relative to the deck it met."""
    TELEMETRY = "telemetry"
    """Estimated on the ground from Earth-relative telemetry just before TOUCHDOWN was seen."""


@dataclass(frozen=True, slots=True)
class TouchdownLimits:
    """Above either speed a touchdown is a hard landing (``hard_landing_*`` in fleet.toml)."""

    vertical_speed_mps: float
    horizontal_speed_mps: float

    def __post_init__(self) -> None:
        if not (self.vertical_speed_mps > 0 and self.horizontal_speed_mps > 0):
            raise ValueError("hard-landing speeds must be > 0 m/s")


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC), got {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class FlightRecord:
    """What one flight (or count) took out of one vehicle.

    ``touchdown_vertical_speed_mps`` is the descent rate (positive down). Peaks are ``None`` when
    never observed. ``flight_id`` is the session's name: writing the same flight twice replaces it.
    """

    vehicle_id: str
    vehicle_type: str
    flight_id: str
    started_utc: datetime
    ended_utc: datetime
    outcome: FlightOutcome
    engine_starts: int = 0
    burn_time_s: float = 0.0
    max_dynamic_pressure_pa: float | None = None
    max_heating_index_wpm2: float | None = None
    touchdown_vertical_speed_mps: float | None = None
    touchdown_horizontal_speed_mps: float | None = None
    touchdown_source: TouchdownSource = TouchdownSource.NONE
    hard_landing: bool = False
    events: tuple[FlightEvent, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("vehicle_id", "vehicle_type", "flight_id"):
            if not getattr(self, name).strip():
                raise ValueError(f"a flight record needs a {name}")
        # Frozen: normalise the times to UTC once, here, so comparisons never mix zones.
        object.__setattr__(self, "started_utc", _utc(self.started_utc, "started_utc"))
        object.__setattr__(self, "ended_utc", _utc(self.ended_utc, "ended_utc"))
        if self.ended_utc < self.started_utc:
            raise ValueError(f"flight {self.flight_id}: ended_utc is before started_utc")
        if self.engine_starts < 0 or not self.burn_time_s >= 0:
            raise ValueError(f"flight {self.flight_id}: engine starts and burn time must be >= 0")

    @property
    def flown(self) -> bool:
        return self.outcome.flown

    def has(self, kind: EventKind) -> bool:
        return any(e.kind is kind for e in self.events)

    @property
    def aborted(self) -> bool:
        """Whether the vehicle aborted at any point, on the pad or in flight."""
        return self.has(EventKind.ABORT)

    @property
    def terminated(self) -> bool:
        return self.has(EventKind.FLIGHT_TERMINATION)


@dataclass(frozen=True, slots=True)
class _Touchdown:
    t_s: float
    vertical_mps: float | None
    horizontal_mps: float | None
    source: TouchdownSource


def _max(current: float | None, value: float) -> float:
    return value if current is None else max(current, value)


class FlightRecordBuilder:
    """Running figures of one flight; ``finish`` gives the record (and may be called at any time).

    Feed a state's phase before its samples: the touchdown estimate takes the telemetry seen before
    TOUCHDOWN. Samples of fields the builder does not use are ignored, NaN values (sensor invalid)
    too. ``touchdown_window_s`` should be about the vehicle's heartbeat interval: TOUCHDOWN can reach
    the ground that late, so the estimate takes the largest speeds of that last window (a
    conservative figure: a vehicle already resting on the deck must not hide the contact speed).
    """

    def __init__(
        self,
        vehicle_id: str,
        vehicle_type: str,
        flight_id: str,
        touchdown_limits: TouchdownLimits,
        *,
        touchdown_window_s: float = 1.0,
    ) -> None:
        if not touchdown_window_s >= 0:
            raise ValueError("touchdown_window_s must be >= 0")
        self.vehicle_id = vehicle_id
        self.vehicle_type = vehicle_type
        self.flight_id = flight_id
        self.touchdown_limits = touchdown_limits
        self._window_s = touchdown_window_s
        self._t0_s: float | None = None
        self._last_s: float | None = None
        self._phase: FlightPhase | None = None
        self._running = False
        self._run_since_s: float | None = None
        self._burn_s = 0.0
        self._starts = 0
        self._q_reported_pa: float | None = None
        self._q_derived_pa: float | None = None
        self._heating_wpm2: float | None = None
        self._altitude_m: float | None = None
        # (t_s, value) of the last window: descent rate (positive down) and horizontal speed.
        self._descent: deque[tuple[float, float]] = deque(maxlen=4096)
        self._horizontal: deque[tuple[float, float]] = deque(maxlen=4096)
        self._liftoff_s: float | None = None
        self._touchdown: _Touchdown | None = None
        self._events: list[tuple[EventKind, float, str]] = []
        self._taken_over = False

    # --- feeding -------------------------------------------------------------------------------

    def observe(self, sample: Sample) -> None:
        """One telemetry value (``engine.running``, ``vehicle.*``); others are ignored."""
        t, value = float(sample.t_s), float(sample.value)
        if not (math.isfinite(t) and math.isfinite(value)):
            return
        self._stamp(t)
        name = sample.field
        if name == "engine.running":
            self._engine(value >= 0.5, t)
        elif name == "vehicle.altitude_m":
            self._altitude_m = value
        elif name == "vehicle.speed_mps":
            if self._altitude_m is not None:
                self._q_derived_pa = _max(self._q_derived_pa, dynamic_pressure_pa(self._altitude_m, value))
                self._heating_wpm2 = _max(self._heating_wpm2, heating_index_wpm2(self._altitude_m, value))
        elif name == "vehicle.dynamic_pressure_pa":
            self._q_reported_pa = _max(self._q_reported_pa, value)
        elif name == "vehicle.vertical_speed_up_mps":
            self._remember(self._descent, t, max(0.0, -value))
        elif name == "vehicle.horizontal_speed_mps":
            self._remember(self._horizontal, t, abs(value))

    def observe_phase(self, phase: FlightPhase, t_s: float) -> None:
        """The vehicle's flight phase; only changes matter."""
        if not math.isfinite(t_s):
            return
        t_s = float(t_s)
        self._stamp(t_s)
        if phase is self._phase:
            return
        self._phase = phase
        if phase in AIRBORNE_PHASES:
            self._lifted_off(t_s, "")
        elif phase is FlightPhase.TOUCHDOWN and self._touchdown is None:
            self._touchdown = _Touchdown(
                t_s, self._window_max(self._descent, t_s), self._window_max(self._horizontal, t_s),
                TouchdownSource.TELEMETRY,
            )
            self._lifted_off(t_s, "implied by touchdown")
        elif phase is FlightPhase.ABORT:
            where = "in flight" if self._liftoff_s is not None else "on the pad"
            self._events.append((EventKind.ABORT, t_s, where))
        elif phase is FlightPhase.FLIGHT_TERMINATION:
            self._events.append((EventKind.FLIGHT_TERMINATION, t_s, ""))

    def take_over(self, t_s: float) -> None:
        """The vehicle was flying before this record began (its station started mid-flight): the
        liftoff is not this record's to show, and the record continues an earlier one."""
        self._stamp(float(t_s))
        self._taken_over = True
        if self._liftoff_s is None:
            self._liftoff_s = float(t_s)

    def observe_touchdown_report(
        self, vertical_speed_down_mps: float, horizontal_speed_mps: float, t_s: float
    ) -> None:
        """The vehicle's own touchdown report (deck-relative, at contact): it replaces any estimate."""
        if not (math.isfinite(vertical_speed_down_mps) and math.isfinite(horizontal_speed_mps)
                and math.isfinite(t_s)):
            return
        t_s = float(t_s)
        self._stamp(t_s)
        self._touchdown = _Touchdown(
            t_s, max(0.0, float(vertical_speed_down_mps)), abs(float(horizontal_speed_mps)),
            TouchdownSource.VEHICLE,
        )
        # TOUCHDOWN can be shorter than a heartbeat: the report says the vehicle was there.
        self._lifted_off(t_s, "implied by touchdown")

    # --- reading -------------------------------------------------------------------------------

    @property
    def engine_starts(self) -> int:
        return self._starts

    @property
    def lifted_off(self) -> bool:
        return self._liftoff_s is not None

    @property
    def taken_over(self) -> bool:
        """This record continues a flight begun before it (``take_over``)."""
        return self._taken_over

    def burn_time_s(self) -> float:
        """Burn time so far; an engine still running counts up to the last observation."""
        extra = 0.0
        if self._running and self._run_since_s is not None and self._last_s is not None:
            extra = max(0.0, self._last_s - self._run_since_s)
        return self._burn_s + extra

    def finish(self, *, started_utc: datetime, ended_utc: datetime) -> FlightRecord:
        """The record as it stands (the builder keeps going: a later call gives a later record)."""
        events = list(self._events)
        touchdown = self._touchdown
        hard = False
        if touchdown is not None:
            v, h = touchdown.vertical_mps, touchdown.horizontal_mps
            events.append((EventKind.TOUCHDOWN, touchdown.t_s,
                           f"{_speed(v)} down, {_speed(h)} across ({touchdown.source.value})"))
            reasons = []
            if v is not None and v > self.touchdown_limits.vertical_speed_mps:
                reasons.append(f"{v:.2f} m/s down > {self.touchdown_limits.vertical_speed_mps:g} m/s")
            if h is not None and h > self.touchdown_limits.horizontal_speed_mps:
                reasons.append(f"{h:.2f} m/s across > {self.touchdown_limits.horizontal_speed_mps:g} m/s")
            if reasons:
                hard = True
                events.append((EventKind.HARD_LANDING, touchdown.t_s, "; ".join(reasons)))
        t0 = self._t0_s if self._t0_s is not None else 0.0
        # A value the vehicle reports beats our standard-atmosphere estimate (it knows its air data).
        max_q = self._q_reported_pa if self._q_reported_pa is not None else self._q_derived_pa
        ordered = sorted(events, key=lambda e: e[1])  # stable: same-instant events keep their order
        return FlightRecord(
            vehicle_id=self.vehicle_id,
            vehicle_type=self.vehicle_type,
            flight_id=self.flight_id,
            started_utc=started_utc,
            ended_utc=ended_utc,
            outcome=self._outcome(),
            engine_starts=self._starts,
            burn_time_s=self.burn_time_s(),
            max_dynamic_pressure_pa=max_q,
            max_heating_index_wpm2=self._heating_wpm2,
            touchdown_vertical_speed_mps=None if touchdown is None else touchdown.vertical_mps,
            touchdown_horizontal_speed_mps=None if touchdown is None else touchdown.horizontal_mps,
            touchdown_source=TouchdownSource.NONE if touchdown is None else touchdown.source,
            hard_landing=hard,
            events=tuple(FlightEvent(kind, max(0.0, t - t0), detail) for kind, t, detail in ordered),
        )

    # --- inside --------------------------------------------------------------------------------

    def _stamp(self, t_s: float) -> None:
        if self._t0_s is None:
            self._t0_s = t_s
        self._last_s = t_s if self._last_s is None else max(self._last_s, t_s)

    def _engine(self, running: bool, t_s: float) -> None:
        if running and not self._running:
            # A first sample that already says running counts as a start too: it did start, and
            # counting it errs towards an earlier inspection, never a later one.
            self._starts += 1
            self._run_since_s = t_s
            self._events.append((EventKind.ENGINE_START, t_s, f"start {self._starts}"))
        elif self._run_since_s is not None:
            self._burn_s += max(0.0, t_s - self._run_since_s)
            self._run_since_s = t_s if running else None
        self._running = running

    def _lifted_off(self, t_s: float, detail: str) -> None:
        if self._liftoff_s is None:
            self._liftoff_s = t_s
            self._events.append((EventKind.LIFTOFF, t_s, detail))

    def _remember(self, window: deque[tuple[float, float]], t_s: float, value: float) -> None:
        window.append((t_s, value))
        while window and window[0][0] < t_s - self._window_s:
            window.popleft()

    def _window_max(self, window: deque[tuple[float, float]], t_s: float) -> float | None:
        """The largest value of the window before ``t_s``; else the last value seen, however old."""
        values = [v for t, v in window if t >= t_s - self._window_s]
        if values:
            return max(values)
        return window[-1][1] if window else None

    def _outcome(self) -> FlightOutcome:
        kinds = {kind for kind, _, _ in self._events}
        if self._liftoff_s is None:
            used = self._starts > 0 or kinds & {EventKind.ABORT, EventKind.FLIGHT_TERMINATION}
            return FlightOutcome.PAD_ABORT if used else FlightOutcome.SCRUBBED
        if EventKind.FLIGHT_TERMINATION in kinds:
            return FlightOutcome.TERMINATED
        if EventKind.ABORT in kinds:
            return FlightOutcome.ABORTED
        return FlightOutcome.LANDED if self._touchdown is not None else FlightOutcome.INCOMPLETE


def continue_record(earlier: FlightRecord, later: FlightRecord) -> FlightRecord:
    """One flight's record from two stations: ``earlier`` ended incomplete (its station was lost in
    flight), ``later`` began with the vehicle already flying. The flight keeps ``earlier``'s id.

    Counts add up (each start and each second of burn was seen by one station only, or by both at
    the seam, where counting twice errs towards an earlier inspection); peaks are the larger; the
    touchdown is the later's; the outcome is the worst that happened over the whole flight.
    """
    offset_s = max(0.0, (later.started_utc - earlier.started_utc).total_seconds())
    events = (*earlier.events, *(replace(e, since_start_s=e.since_start_s + offset_s) for e in later.events))
    kinds = {e.kind for e in events}
    outcome = later.outcome
    if EventKind.FLIGHT_TERMINATION in kinds:
        outcome = FlightOutcome.TERMINATED
    elif EventKind.ABORT in kinds and outcome is not FlightOutcome.INCOMPLETE:
        outcome = FlightOutcome.ABORTED
    touchdown = later if later.touchdown_source is not TouchdownSource.NONE else earlier
    return FlightRecord(
        vehicle_id=earlier.vehicle_id,
        vehicle_type=earlier.vehicle_type,
        flight_id=earlier.flight_id,
        started_utc=earlier.started_utc,
        ended_utc=max(earlier.ended_utc, later.ended_utc),
        outcome=outcome,
        engine_starts=earlier.engine_starts + later.engine_starts,
        burn_time_s=earlier.burn_time_s + later.burn_time_s,
        max_dynamic_pressure_pa=_peak(earlier.max_dynamic_pressure_pa, later.max_dynamic_pressure_pa),
        max_heating_index_wpm2=_peak(earlier.max_heating_index_wpm2, later.max_heating_index_wpm2),
        touchdown_vertical_speed_mps=touchdown.touchdown_vertical_speed_mps,
        touchdown_horizontal_speed_mps=touchdown.touchdown_horizontal_speed_mps,
        touchdown_source=touchdown.touchdown_source,
        hard_landing=earlier.hard_landing or later.hard_landing,
        events=tuple(sorted(events, key=lambda e: e.since_start_s)),
    )


def _peak(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _speed(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f} m/s"
