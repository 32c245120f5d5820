"""Deck motion figures as tables, with time as an argument: the 10-minute window, extremes, rates."""

from __future__ import annotations

import math

import pytest

from gcs.domain.deck_motion import DeckMotionTracker, LeastSquaresRate, WindowedStatistics

# --- the window ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spike_at_s", "now_s", "remembered"),
    [
        (10.3, 10.3, True),  # just added
        (10.3, 609.9, True),  # younger than 600 s
        (10.3, 610.3, True),  # exactly 600 s: its bucket [10, 11) still reaches into the window
        (10.3, 610.99, True),  # at most one bucket (1 s) longer than the window
        (10.3, 611.0, False),  # the whole bucket is older than 600 s
        (10.0, 610.999, True),
        (10.0, 611.0, False),
    ],
)
def test_a_spike_counts_for_at_least_the_window_and_at_most_one_bucket_more(
    spike_at_s: float, now_s: float, remembered: bool
) -> None:
    stats = WindowedStatistics(window_s=600.0, bucket_s=1.0)
    samples = [(i / 10, 1.0) for i in range(int(now_s * 10) + 1)]  # a calm 1° sea at 10 Hz...
    for t, value in sorted([*samples, (spike_at_s, 5.0)]):  # ...with one 5° spike
        stats.add(t, value)
    summary = stats.summary(now_s)
    assert summary is not None
    assert (summary.maximum == 5.0) is remembered


@pytest.mark.parametrize(
    ("samples", "now_s", "expected"),
    [
        # (time, value) rows -> (count, max, min, max_abs, peak_to_peak)
        ([(0.0, 1.0)], 0.0, (1, 1.0, 1.0, 1.0, 0.0)),
        ([(0.0, -2.0), (0.5, 1.0), (1.5, 0.5)], 2.0, (3, 1.0, -2.0, 2.0, 3.0)),
        ([(0.0, -2.0), (700.0, 1.0)], 700.0, (1, 1.0, 1.0, 1.0, 0.0)),  # the old one expired
        ([(0.0, 3.0), (0.2, math.nan), (0.4, math.inf)], 1.0, (1, 3.0, 3.0, 3.0, 0.0)),  # non-finite ignored
    ],
)
def test_window_extremes(
    samples: list[tuple[float, float]], now_s: float, expected: tuple[int, float, float, float, float]
) -> None:
    stats = WindowedStatistics()
    for t, v in samples:
        stats.add(t, v)
    s = stats.summary(now_s)
    assert s is not None
    assert (s.count, s.maximum, s.minimum, s.max_abs, s.peak_to_peak) == expected


def test_an_empty_or_expired_window_has_no_summary() -> None:
    stats = WindowedStatistics()
    assert stats.summary(0.0) is None
    stats.add(0.0, 1.0)
    assert stats.summary(601.0) is None


def test_a_clock_that_steps_back_files_samples_in_the_newest_bucket() -> None:
    stats = WindowedStatistics(window_s=10.0, bucket_s=1.0)
    stats.add(5.5, 1.0)
    stats.add(3.0, 7.0)  # earlier than the newest bucket: counted there, not in a closed one
    summary = stats.summary(5.5)
    assert summary is not None
    assert (summary.count, summary.maximum) == (2, 7.0)
    assert stats.summary(16.0) is None  # and it expires with that bucket


def test_standard_deviation_of_a_sinusoid_gives_significant_heave() -> None:
    # Heave of amplitude A sampled evenly over whole periods: std = A / sqrt(2), so 4 sigma = 2.83 A.
    tracker = DeckMotionTracker()
    amplitude_m, period_s = 0.5, 8.0
    for i in range(int(600 / 0.04)):
        t = i * 0.04
        tracker.add(t, heave_up_m=amplitude_m * math.sin(2 * math.pi * t / period_s))
    heave = tracker.figures(600.0).heave_up_m
    assert heave is not None
    assert heave.window.std == pytest.approx(amplitude_m / math.sqrt(2), rel=1e-3)
    assert heave.significant_height == pytest.approx(2 * math.sqrt(2) * amplitude_m, rel=1e-3)
    assert heave.max_abs == pytest.approx(amplitude_m, rel=1e-4)
    assert heave.peak_to_peak == pytest.approx(2 * amplitude_m, rel=1e-4)


def test_memory_stays_at_one_bucket_per_second_whatever_the_rate() -> None:
    stats = WindowedStatistics(window_s=600.0, bucket_s=1.0)
    for i in range(100 * 1200):  # 20 minutes at 100 Hz
        stats.add(i / 100.0, math.sin(i / 100.0))
        if i % 1000 == 0:
            stats.summary(i / 100.0)
    stats.summary(1200.0)
    assert len(stats._closed) <= 601


def test_bad_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="bucket_s"):
        WindowedStatistics(window_s=1.0, bucket_s=2.0)
    with pytest.raises(ValueError, match="bucket_s"):
        WindowedStatistics(window_s=600.0, bucket_s=0.0)
    with pytest.raises(ValueError, match="span_s"):
        LeastSquaresRate(0.0)


# --- rates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([], None),
        ([(0.0, 1.0)], None),
        ([(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)], None),  # one read's worth, one receive time: no rate
        ([(0.0, 0.0), (0.1, 0.2)], None),  # spans less than half the 0.5 s span
        ([(0.0, 0.0), (0.25, 0.5)], 2.0),
        ([(t / 25, 0.3 * t / 25 - 1.0) for t in range(50)], 0.3),  # a ramp: exact
        ([(0.0, 100.0), *[(1.0 + t / 25, -0.5 * t / 25) for t in range(20)]], -0.5),  # old sample left
    ],
)
def test_least_squares_rate(samples: list[tuple[float, float]], expected: float | None) -> None:
    rate = LeastSquaresRate(span_s=0.5)
    for t, v in samples:
        rate.add(t, v)
    got = rate.rate()
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def test_rate_of_a_quantised_sinusoid_is_close_to_the_truth_and_its_maximum_is_kept() -> None:
    # 1 deg roll amplitude, 6 s period, reported to 0.01 deg at 25 Hz: peak rate 1.047 deg/s.
    tracker = DeckMotionTracker()
    omega = 2 * math.pi / 6.0
    for i in range(25 * 60):
        t = i / 25
        tracker.add(t, roll_port_up_deg=round(math.sin(omega * t), 2))
    roll = tracker.figures(60.0).roll_port_up_deg
    assert roll is not None
    assert roll.rate_max_abs_per_s == pytest.approx(omega, rel=0.03)
    # The slope over the last 0.5 s is the rate 0.25 s ago.
    assert roll.rate_per_s == pytest.approx(omega * math.cos(omega * (roll.t_s - 0.25)), abs=0.03)


def test_sentences_that_carry_only_some_quantities_leave_the_others_as_they_were() -> None:
    # iXblue sends pitch and roll in PHTRO, heave in PHLIN.
    tracker = DeckMotionTracker()
    tracker.add(0.0, pitch_bow_up_deg=1.5, roll_port_up_deg=-2.0)
    tracker.add(0.01, heave_up_m=0.4)
    tracker.add(0.04, pitch_bow_up_deg=1.0, roll_port_up_deg=-1.0)
    figures = tracker.figures(0.05)
    assert figures.pitch_bow_up_deg is not None
    assert figures.roll_port_up_deg is not None
    assert figures.heave_up_m is not None
    assert (figures.pitch_bow_up_deg.value, figures.roll_port_up_deg.value, figures.heave_up_m.value) == (
        1.0,
        -1.0,
        0.4,
    )
    assert (figures.pitch_bow_up_deg.max_abs, figures.roll_port_up_deg.max_abs) == (1.5, 2.0)
    assert figures.heave_up_m.t_s == 0.01
    assert figures.covered_s(0.05) == pytest.approx(0.05)


def test_a_quantity_never_sampled_has_no_figures() -> None:
    tracker = DeckMotionTracker()
    tracker.add(0.0, heave_up_m=0.1)
    figures = tracker.figures(0.0)
    assert figures.pitch_bow_up_deg is None
    assert figures.roll_port_up_deg is None
    assert DeckMotionTracker().figures(5.0).covered_s(5.0) == 0.0
