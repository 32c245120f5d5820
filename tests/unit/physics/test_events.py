"""Placing events inside a step: the step interpolant and the bracketing root finder."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_sim.physics.events import StepInterpolant, find_crossing


def test_interpolant_is_exact_for_cubic_motion() -> None:
    """p(t) = a + b t + c t² + d t³ is reproduced exactly from the step's end points (1e-9 m)."""
    rng = np.random.default_rng(3)
    a, b, c, d = (rng.normal(size=(3, 4)) for _ in range(4))
    h = np.array([0.5, 2.0, 20.0, 1e-3])

    def position(t: np.ndarray) -> np.ndarray:
        return a + b * t + c * t**2 + d * t**3

    def velocity(t: np.ndarray) -> np.ndarray:
        return b + 2 * c * t + 3 * d * t**2

    step = StepInterpolant(h, position(0 * h), velocity(0 * h), position(h), velocity(h))
    s = np.array([0.1, 0.5, 0.77, 0.99])
    np.testing.assert_allclose(step.position(s), position(s * h), atol=1e-9)
    np.testing.assert_allclose(step.velocity(s), velocity(s * h), atol=1e-8)
    sub = step.subset(np.array([2]))
    np.testing.assert_allclose(sub.position(np.array([0.3])), position(0.3 * h)[:, 2:3], atol=1e-9)


def test_root_finder_brackets_and_converges() -> None:
    """Roots of smooth, linear, flat-ended and already-crossed functions, to 1e-12 of the step."""
    calls = 0
    roots = np.array([0.3, 0.999, 1e-9, 0.5])

    def g(s: np.ndarray) -> np.ndarray:
        nonlocal calls
        calls += 1
        curved = np.array([1.0, 0.0, 0.0, 1.0]) * (0.2 * np.sin(3 * s) - 0.2 * np.sin(3 * roots))
        return np.asarray(roots - s + curved - np.array([0, 0, 0, 1.0]) * (s**5 - roots**5))

    s = find_crossing(g, 4)
    np.testing.assert_allclose(s, roots, atol=1e-12)
    assert np.all(g(s) <= 0.0)
    assert calls < 25  # superlinear: far fewer than bisection's ~40 halvings
    already = find_crossing(lambda s: -1.0 - s, 1)
    assert already[0] == pytest.approx(0.0)
