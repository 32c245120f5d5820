"""The plot module's SVG: inline-ready, self-contained, and the same bytes for the same data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from gcs.report import plots

SVG = "{http://www.w3.org/2000/svg}"


def _small_plot() -> str:
    t = np.linspace(-20.0, 100.0, 500)
    panel = plots.Panel(
        "altitude (m)",
        (plots.Trace("altitude", t, 1000 * np.sin(np.clip(t, 0, 100) / 32)),),
        note="apogee 1000 m",
    )
    return plots.time_plot(
        "Altitude",
        [panel],
        xlabel="seconds from liftoff",
        bands=[
            plots.Band(-20.0, 0.0, "terminal count", "#c7dcef"),
            plots.Band(0.0, 100.0, "ascent", "#fdae6b"),
        ],
        marks=[plots.Mark(90.0, "touchdown")],
    )


def test_a_plot_is_one_svg_element_with_its_text_as_text_and_nothing_outside() -> None:
    svg = _small_plot()
    assert svg.startswith("<svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    assert root.get("width") is None  # sized by the page, not in points
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "apogee 1000 m" in texts
    assert " touchdown" in texts
    assert "<script" not in svg
    assert "<metadata" not in svg
    assert 'href="http' not in svg


def test_the_same_data_gives_the_same_bytes() -> None:
    assert _small_plot() == _small_plot()


def test_a_map_and_a_countdown_are_svg_too() -> None:
    east = np.linspace(0.0, 0.4, 50)
    north = -0.1 * np.sin(np.pi * east / 0.4)
    svg = plots.map_plot(
        "Impact point",
        [plots.MapLine("IIP", east, north, "#9467bd", colour_by=np.arange(50.0), colour_label="s")],
        points=[
            plots.MapPoint("launch", 0.0, 0.0, "^", "#1f77b4"),
            plots.MapPoint("td", 0.4, 0, "x", "k", False),
        ],
        areas=[
            plots.MapArea("corridor", np.asarray([-1, 1, 1, -1.0]), np.asarray([-1, -1, 1, 1.0]), "#2ca02c")
        ],
        focus=(-0.5, 0.9, -0.7, 0.7),
    )
    assert ET.fromstring(svg).tag == f"{SVG}svg"
    countdown = plots.CountdownFigure(
        count_t_s=np.asarray([-200.0, -120.0, -100.0, 0.0]),
        count_s=np.asarray([-180.0, -100.0, -100.0, 0.0]),
        holds=(plots.Band(-120.0, -100.0, "built in", "#f2b134"),),
        lanes=(plots.Lane("range:corridor", ((10.0, 20.0, "#d62728"),)),),
        commands=(plots.Mark(-60.0, "ARM"),),
        legend=(("warning", "#d62728"),),
    )
    svg = plots.countdown_plot("Countdown", countdown)
    root = ET.fromstring(svg)
    assert "range:corridor" in ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
