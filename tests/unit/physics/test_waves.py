"""Wave spectra (DNV-RP-C205 form) and random-phase synthesis against their defining properties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_sim.physics.waves import (
    SeaState,
    SpectrumKind,
    WaveComponents,
    dnv_peak_enhancement,
    jonswap_density,
    pierson_moskowitz_density,
    sea_state_code,
)


def _welch_peak_period_s(record: np.ndarray, dt_s: float, segment: int = 2048) -> float:
    """Peak period of a record's Welch spectrum (Hann windows, half overlap)."""
    window = np.hanning(segment)
    starts = range(0, record.size - segment + 1, segment // 2)
    power = np.mean([np.abs(np.fft.rfft(window * record[s : s + segment])) ** 2 for s in starts], axis=0)
    frequency_hz = np.fft.rfftfreq(segment, dt_s)
    return float(1.0 / frequency_hz[1:][np.argmax(power[1:])])


def test_spectra_integrate_to_hs_squared_over_16() -> None:
    """m0 = Hs²/16: exact for PM, within the 1-2% the JONSWAP normalisation A_gamma allows."""
    omega = np.linspace(0.01, 20.0, 200_000)
    d_omega = omega[1] - omega[0]
    pm = pierson_moskowitz_density(omega, 3.0, 9.0)
    assert float(np.sum(pm) * d_omega) == pytest.approx(9.0 / 16.0, rel=1e-4)
    js = jonswap_density(omega, 3.0, 9.0, 3.3)
    assert float(np.sum(js) * d_omega) == pytest.approx(9.0 / 16.0, rel=0.02)
    assert float(omega[np.argmax(js)]) == pytest.approx(2 * math.pi / 9.0, rel=1e-3)


def test_jonswap_with_gamma_one_is_pierson_moskowitz() -> None:
    omega = np.linspace(0.1, 3.0, 50)
    np.testing.assert_allclose(
        jonswap_density(omega, 2.0, 7.0, 1.0), pierson_moskowitz_density(omega, 2.0, 7.0)
    )


def test_dnv_peak_enhancement_rule() -> None:
    assert dnv_peak_enhancement(4.0, 7.0) == 5.0  # Tp/sqrt(Hs) = 3.5
    assert dnv_peak_enhancement(1.0, 6.0) == 1.0  # 6.0
    assert dnv_peak_enhancement(4.0, 8.6) == pytest.approx(math.exp(5.75 - 1.15 * 4.3))


@pytest.mark.parametrize(
    ("spectrum", "hs_m", "tp_s", "peak_tolerance"),
    [
        (SpectrumKind.JONSWAP, 2.0, 7.0, 0.05),
        (SpectrumKind.JONSWAP, 4.0, 10.0, 0.05),
        # The PM peak is broad, so a finite record's periodogram places it less sharply.
        (SpectrumKind.PIERSON_MOSKOWITZ, 1.0, 6.0, 0.10),
    ],
)
def test_synthesised_record_gives_back_hs_and_tp(
    spectrum: SpectrumKind, hs_m: float, tp_s: float, peak_tolerance: float
) -> None:
    """A 3-hour record: 4 std within 5% of Hs; Welch peak period within the stated tolerance."""
    sea = SeaState(spectrum, hs_m, tp_s, peak_enhancement=3.3 if spectrum is SpectrumKind.JONSWAP else None)
    waves = WaveComponents.synthesize(sea, seed=11)
    dt = 0.5
    record = waves.elevation_m(np.arange(0.0, 3 * 3600.0, dt))
    assert 4.0 * float(np.std(record)) == pytest.approx(hs_m, rel=0.05)
    assert waves.significant_wave_height_m == pytest.approx(hs_m, rel=0.01)
    assert _welch_peak_period_s(record, dt) == pytest.approx(tp_s, rel=peak_tolerance)


def test_synthesis_is_seeded() -> None:
    sea = SeaState(SpectrumKind.JONSWAP, 2.0, 7.0)
    t = np.linspace(0, 100, 11)
    a = WaveComponents.synthesize(sea, seed=3).elevation_m(t)
    np.testing.assert_array_equal(a, WaveComponents.synthesize(sea, seed=3).elevation_m(t))
    assert not np.allclose(a, WaveComponents.synthesize(sea, seed=4).elevation_m(t))


def test_wmo_codes() -> None:
    assert [sea_state_code(h) for h in (0.0, 0.05, 0.3, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 15.0)] == list(
        range(10)
    )
    assert SeaState(SpectrumKind.JONSWAP, 2.0, 7.0).wmo_code == 4
