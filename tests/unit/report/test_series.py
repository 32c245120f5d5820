"""Thinning traces for the report's plots: a budget of points, peaks kept, gaps kept, order kept."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gcs.report.series import MAX_POINTS, Series, SeriesBook, decimate


def test_a_short_trace_is_left_as_it_is() -> None:
    t = np.arange(10.0)
    v = t * 2
    t2, v2 = decimate(t, v, 20)
    assert t2 is t
    assert v2 is v


def test_a_long_trace_keeps_its_budget_its_order_and_its_extremes() -> None:
    t = np.linspace(0.0, 3600.0, 36_001)  # an hour at 10 Hz
    v = np.sin(t / 50.0)
    v[12_345] = 40.0  # one sample spike (max q, a red line touched once)
    v[30_001] = -7.0
    t2, v2 = decimate(t, v, MAX_POINTS)
    assert len(t2) <= MAX_POINTS
    assert len(t2) > MAX_POINTS // 2
    assert np.all(np.diff(t2) > 0)
    assert v2.max() == 40.0
    assert v2.min() == -7.0
    assert t2[np.argmax(v2)] == t[12_345]
    # Every point kept is a real sample at its own time.
    index = np.searchsorted(t, t2)
    assert np.array_equal(v[index], v2)


def test_a_gap_in_the_data_stays_a_gap() -> None:
    t = np.arange(10_000.0)
    v = np.ones_like(t)
    v[4_000:6_000] = math.nan  # the vehicle was silent
    _, v2 = decimate(t, v, 100)
    assert np.isnan(v2).any()
    assert np.nanmax(v2) == 1.0


def test_nan_samples_beside_values_do_not_hide_the_values() -> None:
    t = np.arange(1000.0)
    v = np.where(np.arange(1000) % 2 == 0, math.nan, 5.0)
    _, v2 = decimate(t, v, 10)
    assert not np.isnan(v2).any()


def test_a_budget_below_two_points_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        decimate(np.arange(5.0), np.arange(5.0), 1)


def test_series_shift_cut_and_peak() -> None:
    series = Series.of("vehicle.altitude_m", "m", [100.0, 101.0, 102.0, 103.0], [0.0, 5.0, 9.0, 4.0])
    cut = series.shifted(100.0).between(0.5, 3.0)
    assert cut.t_s.tolist() == [1.0, 2.0, 3.0]
    assert cut.finite_max() == (2.0, 9.0)
    assert Series.of("x", "", [1.0], [math.nan]).finite_max() is None


def test_series_refuses_arrays_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="one length"):
        Series("x", "", np.arange(3.0), np.arange(4.0))


def test_series_book_gathers_by_name_and_turns_non_finite_into_nan() -> None:
    book = SeriesBook()
    book.add("engine.thrust_n", 1.0, 10.0, "N")
    book.add("engine.thrust_n", 2.0, math.inf, "N")
    book.add("tanks.vented", 1.5, 1.0, "bool")
    assert book.names() == ["engine.thrust_n", "tanks.vented"]
    thrust = book.series("engine.thrust_n")
    assert thrust is not None
    assert thrust.unit == "N"
    assert thrust.t_s.tolist() == [1.0, 2.0]
    assert math.isnan(thrust.values[1])
    assert book.series("nothing") is None
    assert "tanks.vented" in book
