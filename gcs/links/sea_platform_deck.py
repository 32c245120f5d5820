"""``DeckMotion`` and the launch cores' ``DeckState`` from a platform's latest inputs. Pure.

Freshness rules, so that silence is never taken for calm:

* a quantity whose newest sample is older than its kind's stale age is unknown: None in
  ``DeckMotion``, NaN in ``DeckState`` (whose contract says NaN is "sensor out"), so the deck
  assessment names exactly which quantity it lacks;
* with the link down every quantity is unknown and the platform is not on station;
* ``DeckState`` carries the 10-minute maxima only once the motion data spans
  ``maxima_min_window_s``: maxima over the first seconds after a start understate the sea;
* on station needs a fresh fix within the station's radius (and heading, if assigned).

``DeckState.t_s`` is the Unix time of the moment the state describes (the runner's clock,
``clock.unix_time_s()``). Knows nothing of sockets, the hub or asyncio.
"""

from __future__ import annotations

import math

from gcs.domain.deck_motion import DeckMotionFigures, MotionFigures
from gcs.domain.platform import DeckState
from gcs.domain.station_keeping import station_keeping_error
from gcs.links.sea_platform_inputs import PlatformInputs, Stamp
from gcs.links.sea_platform_settings import FeedKind
from gcs.links.sea_platform_values import DeckMotion


def _fresh_figures(figures: MotionFigures | None, now_s: float, stale_after_s: float) -> MotionFigures | None:
    if figures is None or now_s - figures.t_s > stale_after_s:
        return None
    return figures


def _motion(inputs: PlatformInputs, now_s: float) -> tuple[DeckMotionFigures, float]:
    stale_after = inputs.settings.stale_after_s(FeedKind.MOTION)
    raw = inputs.tracker.figures(now_s)
    figures = DeckMotionFigures(
        pitch_bow_up_deg=_fresh_figures(raw.pitch_bow_up_deg, now_s, stale_after),
        roll_port_up_deg=_fresh_figures(raw.roll_port_up_deg, now_s, stale_after),
        heave_up_m=_fresh_figures(raw.heave_up_m, now_s, stale_after),
    )
    return figures, raw.covered_s(now_s)


def deck_motion_and_state(inputs: PlatformInputs, stamp: Stamp) -> tuple[DeckMotion, DeckState]:
    """Both, from one look at the tracker (the link is up: data is coming in)."""
    motion = _motion(inputs, stamp.monotonic_s)
    return deck_motion(inputs, stamp, motion), deck_state(inputs, stamp, link_up=True, motion=motion)


def deck_motion(
    inputs: PlatformInputs, stamp: Stamp, motion: tuple[DeckMotionFigures, float] | None = None
) -> DeckMotion:
    """The deck's motion now (unknown quantities None), maxima over however much data there is."""
    figures, covered_s = motion or _motion(inputs, stamp.monotonic_s)
    pitch, roll, heave = figures.pitch_bow_up_deg, figures.roll_port_up_deg, figures.heave_up_m
    return DeckMotion(
        platform=inputs.settings.name,
        pitch_bow_up_deg=None if pitch is None else pitch.value,
        roll_port_up_deg=None if roll is None else roll.value,
        heave_up_m=None if heave is None else heave.value,
        pitch_rate_dps=None if pitch is None else pitch.rate_per_s,
        roll_rate_dps=None if roll is None else roll.rate_per_s,
        heave_rate_up_mps=None if heave is None else heave.rate_per_s,
        pitch_max_10min_deg=None if pitch is None else pitch.max_abs,
        roll_max_10min_deg=None if roll is None else roll.max_abs,
        heave_max_10min_m=None if heave is None else heave.max_abs,
        heave_peak_to_peak_10min_m=None if heave is None else heave.peak_to_peak,
        significant_heave_10min_m=None if heave is None else heave.significant_height,
        pitch_rate_max_10min_dps=None if pitch is None else pitch.rate_max_abs_per_s,
        roll_rate_max_10min_dps=None if roll is None else roll.rate_max_abs_per_s,
        heave_rate_max_10min_mps=None if heave is None else heave.rate_max_abs_per_s,
        window_covered_s=covered_s,
        unix_time_s=stamp.unix_time_s,
        monotonic_s=stamp.monotonic_s,
    )


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value


def _value(figures: MotionFigures | None) -> float:
    return math.nan if figures is None else figures.value


def _rate(figures: MotionFigures | None) -> float:
    return math.nan if figures is None else _nan_if_none(figures.rate_per_s)


def _max_abs(figures: MotionFigures | None, maxima_known: bool) -> float:
    return figures.max_abs if figures is not None and maxima_known else math.nan


def deck_state(
    inputs: PlatformInputs,
    stamp: Stamp,
    *,
    link_up: bool,
    motion: tuple[DeckMotionFigures, float] | None = None,
) -> DeckState:
    """The launch cores' view of the deck at ``stamp``; see the module docstring for NaN and on-station."""
    now = stamp.monotonic_s
    settings = inputs.settings
    nan = math.nan
    if not link_up:
        return DeckState(
            platform=settings.name, t_s=stamp.unix_time_s, latitude_deg=nan, longitude_deg=nan,
            heading_true_deg=nan, pitch_deg=nan, roll_deg=nan, heave_m=nan, pitch_rate_dps=nan,
            roll_rate_dps=nan, heave_rate_mps=nan, pitch_max_10min_deg=nan, roll_max_10min_deg=nan,
            heave_max_10min_m=nan, wind_over_deck_speed_mps=nan, wind_over_deck_direction_deg=nan,
            station_keeping_error_m=nan, on_station=False,
        )  # fmt: skip
    figures, covered_s = motion or _motion(inputs, now)
    maxima_known = covered_s >= settings.maxima_min_window_s
    pitch, roll, heave = figures.pitch_bow_up_deg, figures.roll_port_up_deg, figures.heave_up_m
    position = inputs.position if inputs.fresh(FeedKind.POSITION, now) else None
    heading = inputs.fresh_heading_deg(now)
    wind = inputs.wind if inputs.fresh(FeedKind.WIND, now) else None
    error_m, on_station = nan, False
    if position is not None and settings.station is not None:
        error = station_keeping_error(
            settings.station, position.latitude_deg, position.longitude_deg, heading
        )
        error_m, on_station = error.distance_m, error.on_station
    return DeckState(
        platform=settings.name,
        t_s=stamp.unix_time_s,
        latitude_deg=nan if position is None else position.latitude_deg,
        longitude_deg=nan if position is None else position.longitude_deg,
        heading_true_deg=_nan_if_none(heading),
        pitch_deg=_value(pitch),
        roll_deg=_value(roll),
        heave_m=_value(heave),
        pitch_rate_dps=_rate(pitch),
        roll_rate_dps=_rate(roll),
        heave_rate_mps=_rate(heave),
        pitch_max_10min_deg=_max_abs(pitch, maxima_known),
        roll_max_10min_deg=_max_abs(roll, maxima_known),
        heave_max_10min_m=_max_abs(heave, maxima_known),
        wind_over_deck_speed_mps=_nan_if_none(None if wind is None else wind.over_deck_speed_mps),
        wind_over_deck_direction_deg=_nan_if_none(None if wind is None else wind.over_deck_from_bow_deg),
        station_keeping_error_m=error_m,
        on_station=on_station,
    )
