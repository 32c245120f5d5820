"""Range safety: the impact point against the corridor and destruct lines, and the vehicle's data age.

``observe(state, now_s)`` computes the IIP of every vehicle state it is given (the runner feeds
GLOBAL_POSITION_INT at 10 Hz or more) and checks it against the corridors and destruct lines of
``configs/range/*.toml``. An IIP outside every corridor raises a red alert, a destruct line crossed
an emergency one, and either raises the flight-termination recommendation (an emergency alert for
the range safety officer, who decides). ``tick(now_s)`` watches the data: no vehicle state for
longer than the data-loss flight time is shown as such and recommends termination too, because the
vehicle could by then be anywhere it can reach in that time.

Checks run only while the vehicle flies (from ignition until touchdown, aborts included).
Knows nothing of links, the console or the flight-termination command itself (see ``fts``).
"""

from __future__ import annotations

import collections
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.corridor import Corridor, DestructLine, Side
from gcs.domain.geodesy import GeoPoint, distance_m
from gcs.domain.iip import ImpactPoint, impact_point
from gcs.domain.limits import Persistence
from gcs.domain.phases import AIRBORNE_PHASES, FlightPhase
from gcs.domain.platform import PlatformSite
from gcs.domain.vehicle import VehicleState
from gcs.errors import ConfigError
from gcs.launch._files import InvalidValue, checked, load_array, load_table, only_keys, unique_names, without
from gcs.launch.alerts import AlertCondition, Severity
from gcs.launch.persistence import PersistenceTracker

WATCHED_PHASES = AIRBORNE_PHASES | {FlightPhase.IGNITION, FlightPhase.ABORT}
"""Phases in which the impact point is checked (a terminated vehicle is past checking)."""

CORRIDOR_KEY = "range:corridor"
RECOMMEND_KEY = "range:terminate"
DATA_LOSS_KEY = "range:data_loss"
DATA_GAP_KEY = "range:data_gap"
RATE_KEY = "range:iip_rate"
_SOURCE = "range_safety"


@dataclass(frozen=True, slots=True)
class RangeConfig:
    """The range of one mission: where it goes, where its impact point may be, how long data may lapse."""

    name: str
    launch: PlatformSite
    landing: PlatformSite
    alternate: PlatformSite | None
    corridors: tuple[Corridor, ...]
    destruct_lines: tuple[DestructLine, ...] = ()
    data_loss_flight_time_s: float = 10.0
    """How long the vehicle's data may be lost before it could have left the safe area."""
    data_gap_caution_s: float = 1.0
    """A gap in the data this long is shown as a caution."""
    fts_confirm_window_s: float = 10.0
    iip_rate_min_hz: float = 10.0
    violation_persistence_samples: int = 3
    """Consecutive IIPs outside before the alert: one noisy state must not recommend termination."""

    def __post_init__(self) -> None:
        if not self.corridors:
            raise InvalidValue("corridors", "at least one corridor")
        for key in (
            "data_loss_flight_time_s",
            "data_gap_caution_s",
            "fts_confirm_window_s",
            "iip_rate_min_hz",
        ):
            value = getattr(self, key)
            if not (math.isfinite(value) and value > 0):
                raise InvalidValue(key, "a number > 0", value)
        if self.violation_persistence_samples < 1:
            raise InvalidValue(
                "violation_persistence_samples", "an integer >= 1", self.violation_persistence_samples
            )


@dataclass(frozen=True, slots=True)
class RangeStatus:
    """What the range display shows at ``now_s``."""

    watching: bool
    iip: ImpactPoint | None
    iip_t_s: float | None
    inside_corridor: bool | None
    corridor: str | None
    """The corridor the IIP is deepest inside of (or nearest to, when outside)."""
    corridor_margin_m: float | None
    """Distance to that corridor's edge: positive inside, negative outside."""
    destruct_lines_crossed: tuple[str, ...]
    iip_speed_mps: float | None
    iip_rate_hz: float | None
    data_age_s: float | None
    data_loss_flight_time_s: float
    data_lost: bool
    termination_recommended: str | None


class RangeSafetyMonitor:
    """Follows one flight's impact point and data."""

    def __init__(self, config: RangeConfig) -> None:
        self.config = config
        self._state: VehicleState | None = None
        self._iip: ImpactPoint | None = None
        self._iip_speed_mps: float | None = None
        self._stamps: collections.deque[float] = collections.deque(maxlen=21)
        self._stamps_taken = 0
        self._rate_for_stamps = -1  # the ``_stamps_taken`` that ``_rate`` was counted at
        self._rate: float | None = None
        self._outside = PersistenceTracker(Persistence(samples=config.violation_persistence_samples))
        self._crossed_trackers = {
            d.name: PersistenceTracker(Persistence(samples=config.violation_persistence_samples))
            for d in config.destruct_lines
        }
        self._inside: bool | None = None
        self._corridor: str | None = None
        self._margin_m: float | None = None
        self._crossed: tuple[str, ...] = ()
        self._alerting_outside = False
        self._alerting_crossed: set[str] = set()
        self._data_lost = False
        self._data_gap = False
        self._rate_low = False
        self._recommendation: str | None = None
        self._flown = False

    @property
    def watching(self) -> bool:
        return self._state is not None and self._state.phase in WATCHED_PHASES

    def status(self, now_s: float) -> RangeStatus:
        age = None if self._state is None else now_s - self._state.t_s
        return RangeStatus(
            watching=self.watching,
            iip=self._iip,
            iip_t_s=None if self._state is None else self._state.t_s,
            inside_corridor=self._inside,
            corridor=self._corridor,
            corridor_margin_m=self._margin_m,
            destruct_lines_crossed=self._crossed,
            iip_speed_mps=self._iip_speed_mps,
            iip_rate_hz=self._rate_hz(),
            data_age_s=age,
            data_loss_flight_time_s=self.config.data_loss_flight_time_s,
            data_lost=self._data_lost,
            termination_recommended=self._recommendation,
        )

    def observe(self, state: VehicleState, now_s: float) -> list[AlertCondition]:
        """Compute and check the IIP of ``state``; returns the alert conditions that changed."""
        if self._state is not None and state.t_s < self._state.t_s:
            return []  # a late, out-of-order state: the newer one already stands
        previous = self._iip
        previous_t = self._state.t_s if self._state is not None else None
        self._state = state
        self._stamps.append(state.t_s)
        self._stamps_taken += 1
        if state.phase in AIRBORNE_PHASES:
            self._flown = True
        iip = impact_point(state)
        self._iip = iip
        if (
            previous is not None
            and previous.point is not None
            and iip.point is not None
            and previous_t is not None
        ):
            dt = state.t_s - previous_t
            self._iip_speed_mps = (
                distance_m(previous.point, iip.point) / dt if dt > 0 else self._iip_speed_mps
            )
        out: list[AlertCondition] = []
        if self.watching:
            self._check_iip(iip, state.t_s, out)
        else:
            self._stand_down(out)
        self._check_data(now_s, out)
        return out

    def tick(self, now_s: float) -> list[AlertCondition]:
        out: list[AlertCondition] = []
        self._check_data(now_s, out)
        return out

    # --- checks ------------------------------------------------------------------------------

    def _check_iip(self, iip: ImpactPoint, t_s: float, out: list[AlertCondition]) -> None:
        point = iip.point
        if point is None:
            self._inside, self._corridor, self._margin_m, self._crossed = False, None, None, ()
            self._outside.update(True, t_s)
            why = "no impact point: the vehicle is on an orbital path"
        else:
            margins = [(c.margin_m(point), c.name) for c in self.config.corridors]
            self._margin_m, self._corridor = max(margins)
            self._inside = self._margin_m >= 0.0
            self._outside.update(not self._inside, t_s)
            why = f"IIP {point} is {-self._margin_m / 1000:.1f} km outside corridor {self._corridor}"
            crossed = []
            for line in self.config.destruct_lines:
                tracker = self._crossed_trackers[line.name]
                tracker.update(line.crossed_by(point), t_s)
                if tracker.confirmed(t_s):
                    crossed.append(line.name)
            self._crossed = tuple(crossed)
        outside = self._outside.confirmed(t_s)
        if outside != self._alerting_outside:
            self._alerting_outside = outside
            if outside:
                out.append(AlertCondition(CORRIDOR_KEY, Severity.WARNING, why, _SOURCE))
            else:
                out.append(
                    AlertCondition.cleared(
                        CORRIDOR_KEY, f"IIP back inside corridor {self._corridor}", _SOURCE
                    )
                )
        for name in set(self._crossed) - self._alerting_crossed:
            out.append(
                AlertCondition(
                    f"range:destruct:{name}",
                    Severity.EMERGENCY,
                    f"IIP {point} has crossed destruct line {name}",
                    _SOURCE,
                )
            )
        for name in self._alerting_crossed - set(self._crossed):
            out.append(
                AlertCondition.cleared(
                    f"range:destruct:{name}", f"IIP back behind destruct line {name}", _SOURCE
                )
            )
        self._alerting_crossed = set(self._crossed)
        self._recommend(out)

    def _check_data(self, now_s: float, out: list[AlertCondition]) -> None:
        # Data age matters once the vehicle has flown and until it is down (or terminated).
        flying = self._flown and self._state is not None and self._state.phase in WATCHED_PHASES
        age = None if self._state is None else now_s - self._state.t_s
        lost = flying and age is not None and age > self.config.data_loss_flight_time_s
        gap = flying and age is not None and age > self.config.data_gap_caution_s
        if gap != self._data_gap:
            self._data_gap = gap
            out.append(
                AlertCondition(DATA_GAP_KEY, Severity.CAUTION, f"no vehicle state for {age:.1f} s", _SOURCE)
                if gap
                else AlertCondition.cleared(DATA_GAP_KEY, "vehicle state flowing again", _SOURCE)
            )
        if lost != self._data_lost:
            self._data_lost = lost
            limit = self.config.data_loss_flight_time_s
            out.append(
                AlertCondition(
                    DATA_LOSS_KEY,
                    Severity.EMERGENCY,
                    f"vehicle data lost for {age:.1f} s, beyond the data-loss flight time of {limit:g} s",
                    _SOURCE,
                )
                if lost
                else AlertCondition.cleared(DATA_LOSS_KEY, "vehicle data restored", _SOURCE)
            )
            self._recommend(out)
        rate = self._rate_hz()
        # Judge the rate on a full window, with 5 % slack for jitter in the stamps.
        low = (
            flying
            and rate is not None
            and len(self._stamps) == self._stamps.maxlen
            and rate < 0.95 * self.config.iip_rate_min_hz
        )
        if low != self._rate_low:
            self._rate_low = low
            out.append(
                AlertCondition(
                    RATE_KEY,
                    Severity.ADVISORY,
                    f"IIP updating at {rate:.1f} Hz, below {self.config.iip_rate_min_hz:g} Hz",
                    _SOURCE,
                )
                if low
                else AlertCondition.cleared(RATE_KEY, "IIP rate restored", _SOURCE)
            )

    def _recommend(self, out: list[AlertCondition]) -> None:
        reasons = []
        if self._alerting_outside:
            reasons.append("IIP outside the corridor")
        if self._alerting_crossed:
            reasons.append("destruct line crossed: " + ", ".join(sorted(self._alerting_crossed)))
        if self._data_lost:
            reasons.append("data lost beyond the data-loss flight time")
        recommendation = "flight termination recommended: " + "; ".join(reasons) if reasons else None
        if recommendation == self._recommendation:
            return
        self._recommendation = recommendation
        if recommendation is not None:
            out.append(AlertCondition(RECOMMEND_KEY, Severity.EMERGENCY, recommendation, _SOURCE))
        else:
            out.append(
                AlertCondition.cleared(RECOMMEND_KEY, "flight termination no longer recommended", _SOURCE)
            )

    def _stand_down(self, out: list[AlertCondition]) -> None:
        """Not flying (yet, or any more): nothing about the IIP stays alarmed."""
        self._outside.reset()
        for tracker in self._crossed_trackers.values():
            tracker.reset()
        if self._alerting_outside:
            self._alerting_outside = False
            out.append(AlertCondition.cleared(CORRIDOR_KEY, "range checks stood down", _SOURCE))
        for name in self._alerting_crossed:
            out.append(AlertCondition.cleared(f"range:destruct:{name}", "range checks stood down", _SOURCE))
        self._alerting_crossed = set()
        self._crossed = ()
        self._recommend(out)

    def _rate_hz(self) -> float | None:
        """Update rate from the median interval of the last 20: one gap (shown as such) does not skew it."""
        # Asked at every launch tick and input, it changes only with a new state: counted once per state.
        if self._rate_for_stamps != self._stamps_taken:
            self._rate_for_stamps = self._stamps_taken
            self._rate = self._median_rate_hz()
        return self._rate

    def _median_rate_hz(self) -> float | None:
        if len(self._stamps) < 2:
            return None
        stamps = list(self._stamps)
        intervals = sorted(b - a for a, b in itertools.pairwise(stamps))
        median = intervals[len(intervals) // 2]
        return 1.0 / median if median > 0 else None


# --- the config file -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CorridorFile:
    name: str
    half_width_m: float
    points: tuple[tuple[float, ...], ...]

    def build(self) -> Corridor:
        return Corridor(self.name, _points(self.points), self.half_width_m)


@dataclass(frozen=True, slots=True)
class _DestructLineFile:
    name: str
    forbidden_side: Side
    points: tuple[tuple[float, ...], ...]

    def build(self) -> DestructLine:
        return DestructLine(self.name, _points(self.points), self.forbidden_side)


@dataclass(frozen=True, slots=True)
class _Head:
    name: str
    data_loss_flight_time_s: float = 10.0
    data_gap_caution_s: float = 1.0
    fts_confirm_window_s: float = 10.0
    iip_rate_min_hz: float = 10.0
    violation_persistence_samples: int = 3
    description: str = ""


def _points(rows: tuple[tuple[float, ...], ...]) -> tuple[GeoPoint, ...]:
    out = []
    for i, row in enumerate(rows):
        if len(row) != 2:
            raise InvalidValue(f"points[{i}]", "[latitude_deg, longitude_deg]", list(row))
        try:
            out.append(GeoPoint(row[0], row[1]))
        except ValueError as exc:
            raise InvalidValue(f"points[{i}]", str(exc), list(row)) from None
    return tuple(out)


def load_range(path: Path | str) -> RangeConfig:
    """Load a range file: sites, corridors, destruct lines and data-loss time.

    Raises:
        ConfigError: naming the file, the key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    head = load_table(_Head, without(data, "sites", "corridors", "destruct_lines"), path, "")
    sites = data.get("sites")
    if not isinstance(sites, dict):
        raise ConfigError(path, "sites", "a table with launch, landing and optionally alternate", sites)
    only_keys(sites, {"launch", "landing", "alternate"}, path, "sites")
    launch = load_table(PlatformSite, sites.get("launch"), path, "sites.launch")
    landing = load_table(PlatformSite, sites.get("landing"), path, "sites.landing")
    alternate = None
    if "alternate" in sites:
        alternate = load_table(PlatformSite, sites["alternate"], path, "sites.alternate")
    corridor_files = load_array(_CorridorFile, data, "corridors", path)
    line_files = load_array(_DestructLineFile, data, "destruct_lines", path, required=False)
    corridors = tuple(checked(path, f"corridors[{i}]", c.build) for i, c in enumerate(corridor_files))
    lines = tuple(checked(path, f"destruct_lines[{i}]", d.build) for i, d in enumerate(line_files))
    unique_names([c.name for c in corridors], "corridors", path)
    unique_names([d.name for d in lines], "destruct_lines", path)
    return checked(
        path,
        "",
        lambda: RangeConfig(
            name=head.name,
            launch=launch,
            landing=landing,
            alternate=alternate,
            corridors=corridors,
            destruct_lines=lines,
            data_loss_flight_time_s=head.data_loss_flight_time_s,
            data_gap_caution_s=head.data_gap_caution_s,
            fts_confirm_window_s=head.fts_confirm_window_s,
            iip_rate_min_hz=head.iip_rate_min_hz,
            violation_persistence_samples=head.violation_persistence_samples,
        ),
    )
