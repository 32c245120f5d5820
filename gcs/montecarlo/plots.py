"""The Monte-Carlo report's figures: touchdown points on the deck with the 99 % ellipse, and
histograms of miss distance and touchdown speeds with their limits drawn.

Made with the report's own matplotlib set-up (``gcs.report.plots``: headless ``Figure``, inline
SVG with text kept as text and stable ids); ``deck_figure`` is also saved as PNG for the docs.
Knows nothing of files or processes.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse as EllipsePatch
from matplotlib.patches import Rectangle

from gcs.montecarlo.statistics import Ellipse
from gcs.report.plots import _RC, _svg  # the report's SVG conventions, shared on purpose

FloatArray = np.ndarray

_GOOD = "#1a7f37"
_BAD = "#c62828"


@dataclass(frozen=True, slots=True)
class DeckScatter:
    along_m: FloatArray
    across_m: FloatArray
    within: np.ndarray
    deck_length_m: float
    deck_width_m: float
    miss_limit_m: float
    ellipse: Ellipse | None
    title: str


def deck_figure(data: DeckScatter) -> Figure:
    """Touchdown points (x to starboard, y to the bow, as seen from above), deck, limit circle, ellipse."""
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(9.0, 5.0), layout="constrained")
        whole, zoom = figure.subplots(1, 2, width_ratios=[1.0, 1.4])
        for ax, span in ((whole, None), (zoom, 2.2 * data.miss_limit_m)):
            half_l, half_w = data.deck_length_m / 2, data.deck_width_m / 2
            ax.add_patch(
                Rectangle(
                    (-half_w, -half_l),
                    data.deck_width_m,
                    data.deck_length_m,
                    fill=True,
                    facecolor="#eef1f5",
                    edgecolor="#445",
                    linewidth=1.2,
                    label="usable deck",
                )
            )
            ax.add_patch(
                EllipsePatch(
                    (0, 0),
                    2 * data.miss_limit_m,
                    2 * data.miss_limit_m,
                    fill=False,
                    edgecolor="#a86b00",
                    linestyle="--",
                    label=f"{data.miss_limit_m:g} m miss limit",
                )
            )
            ok = np.asarray(data.within, dtype=bool)
            ax.scatter(
                data.across_m[ok], data.along_m[ok], s=6, color=_GOOD, alpha=0.6, label="within limits"
            )
            ax.scatter(
                data.across_m[~ok], data.along_m[~ok], s=10, color=_BAD, marker="x", label="outside limits"
            )
            e = data.ellipse
            if e is not None:
                ax.add_patch(
                    EllipsePatch(
                        (e.center_y_m, e.center_x_m),
                        2 * e.semi_major_m,
                        2 * e.semi_minor_m,
                        angle=90.0 - e.angle_deg,
                        fill=False,
                        edgecolor="#3b6ea8",
                        linewidth=1.5,
                        label="99 % ellipse",
                    )
                )
            ax.set_aspect("equal")
            ax.set_xlabel("to starboard (m)")
            ax.set_ylabel("towards the bow (m)")
            if span is None:
                ax.set_xlim(-half_w * 1.15, half_w * 1.15)
                ax.set_ylim(-half_l * 1.05, half_l * 1.05)
                ax.set_title("whole deck")
            else:
                ax.set_xlim(-span, span)
                ax.set_ylim(-span, span)
                ax.set_title("centre of the deck")
                ax.legend(loc="upper right")
        figure.suptitle(data.title)
    return figure


def deck_svg(data: DeckScatter) -> str:
    return _svg(deck_figure(data))


@dataclass(frozen=True, slots=True)
class Histogram:
    label: str
    values: FloatArray
    limit: float | None


def histograms_svg(title: str, panels: tuple[Histogram, ...]) -> str:
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(9.0, 2.6), layout="constrained")
        axes = figure.subplots(1, len(panels))
        for ax, panel in zip(np.atleast_1d(axes), panels, strict=True):
            values = np.asarray(panel.values, dtype=np.float64)
            values = values[np.isfinite(values)]
            ax.hist(values, bins=30, color="#3b6ea8", alpha=0.8)
            if panel.limit is not None:
                ax.axvline(panel.limit, color=_BAD, linestyle="--", label=f"limit {panel.limit:g}")
                ax.legend(loc="upper right")
            ax.set_xlabel(panel.label)
            ax.set_ylabel("runs")
        figure.suptitle(title)
    return _svg(figure)
