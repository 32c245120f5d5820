"""matplotlib's fonts loaded once before the report's tests.

matplotlib opens each font file on first use and keeps it open in its process-wide font cache (on
purpose: every later plot reuses it). The suite's leak check would count those files against
whichever test plotted first, so they are opened here, before any test's check takes its baseline.
"""

from __future__ import annotations

import numpy as np
import pytest

from gcs.report import plots


@pytest.fixture(scope="package", autouse=True)
def _matplotlib_fonts_loaded() -> None:
    t = np.arange(3.0)
    plots.time_plot(
        "Fonts ± ° µ",
        [plots.Panel("y (°C)", (plots.Trace("a", t, t), plots.Trace("b", t, t)))],
        xlabel="s",
        bands=[plots.Band(0, 1, "ascent", "#cccccc")],
        marks=[plots.Mark(1.0, "touchdown")],
    )
