"""Range safety: the IIP against corridor and destruct lines, the recommendation, and data loss."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gcs.config import load_toml
from gcs.domain.corridor import Corridor, DestructLine, Side
from gcs.domain.geodesy import GeoPoint, destination, initial_bearing_deg
from gcs.domain.phases import FlightPhase
from gcs.domain.platform import PlatformSite
from gcs.domain.vehicle import VehicleState
from gcs.errors import ConfigError
from gcs.launch.alerts import AlertCondition, Severity
from gcs.launch.range_safety import (
    CORRIDOR_KEY,
    DATA_GAP_KEY,
    DATA_LOSS_KEY,
    RECOMMEND_KEY,
    RangeConfig,
    RangeSafetyMonitor,
    load_range,
)
from tests.unit.launch.helpers import CONFIGS

# A corridor along the equator from 0°E to 10°E, 50 km either side; destruct lines at ±80 km.
SITE_A = PlatformSite("a", 0.0, 0.0, 10.0)
SITE_B = PlatformSite("b", 0.0, 10.0, 2.5)
CONFIG = RangeConfig(
    name="test",
    launch=SITE_A,
    landing=SITE_B,
    alternate=None,
    corridors=(Corridor("main", (GeoPoint(0, 0), GeoPoint(0, 10)), 50_000.0),),
    destruct_lines=(
        DestructLine("north", (GeoPoint(0.72, 0), GeoPoint(0.72, 10)), Side.LEFT),
        DestructLine("south", (GeoPoint(-0.72, 0), GeoPoint(-0.72, 10)), Side.RIGHT),
    ),
    data_loss_flight_time_s=5.0,
    data_gap_caution_s=1.0,
    violation_persistence_samples=2,
)


def hovering(lat: float, lon: float, t_s: float, phase: FlightPhase = FlightPhase.ASCENT) -> VehicleState:
    """Still, 1 km up: the IIP is right below."""
    return VehicleState(t_s, lat, lon, 1000.0, 0.0, 0.0, 0.0, phase)


def keys(conditions: list[AlertCondition]) -> dict[str, Severity | None]:
    return {c.key: c.severity for c in conditions}


def fly(monitor: RangeSafetyMonitor, lat: float, lon: float, t0: float, n: int = 2) -> list[AlertCondition]:
    out: list[AlertCondition] = []
    for i in range(n):
        out += monitor.observe(hovering(lat, lon, t0 + 0.1 * i), t0 + 0.1 * i)
    return out


def test_inside_the_corridor_is_quiet() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    assert fly(monitor, 0.2, 5.0, 0.0, n=10) == []
    status = monitor.status(1.0)
    assert status.inside_corridor
    assert status.corridor == "main"
    assert status.corridor_margin_m == pytest.approx(50_000 - 22_239, rel=1e-3)
    assert status.iip_rate_hz == pytest.approx(10.0)


def test_leaving_the_corridor_raises_a_red_alert_and_recommends_termination() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    fly(monitor, 0.0, 5.0, 0.0)
    assert monitor.observe(hovering(0.6, 5.0, 1.0), 1.0) == []  # one sample outside: not yet
    conditions = monitor.observe(hovering(0.6, 5.0, 1.1), 1.1)
    assert keys(conditions) == {CORRIDOR_KEY: Severity.WARNING, RECOMMEND_KEY: Severity.EMERGENCY}
    assert "outside corridor main" in conditions[0].message
    assert (
        monitor.status(1.1).termination_recommended
        == "flight termination recommended: IIP outside the corridor"
    )
    conditions = fly(monitor, 0.0, 5.0, 2.0)
    assert keys(conditions) == {CORRIDOR_KEY: None, RECOMMEND_KEY: None}


def test_crossing_a_destruct_line_is_an_emergency() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    conditions = fly(monitor, 0.8, 5.0, 0.0)
    assert keys(conditions) == {
        CORRIDOR_KEY: Severity.WARNING,
        "range:destruct:north": Severity.EMERGENCY,
        RECOMMEND_KEY: Severity.EMERGENCY,
    }
    assert monitor.status(0.2).destruct_lines_crossed == ("north",)
    recommendation = monitor.status(0.2).termination_recommended
    assert recommendation is not None
    assert "destruct line crossed: north" in recommendation


@pytest.mark.parametrize(
    "phase",
    [FlightPhase.STANDBY, FlightPhase.TERMINAL_COUNT, FlightPhase.TOUCHDOWN, FlightPhase.FLIGHT_TERMINATION],
)
def test_no_checks_before_flight_or_after_it(phase: FlightPhase) -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    conditions = [c for i in range(5) for c in monitor.observe(hovering(3.0, 5.0, 0.1 * i, phase), 0.1 * i)]
    assert conditions == []
    assert not monitor.status(1.0).watching


def test_the_checks_stand_down_when_the_flight_ends() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    fly(monitor, 0.6, 5.0, 0.0)
    conditions = monitor.observe(hovering(0.6, 5.0, 1.0, FlightPhase.FLIGHT_TERMINATION), 1.0)
    assert keys(conditions) == {CORRIDOR_KEY: None, RECOMMEND_KEY: None}


def test_an_orbital_path_is_outside_every_corridor() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    orbital = [
        VehicleState(0.1 * i, 0.0, 5.0, 400e3, 0.0, 7_700.0, 0.0, FlightPhase.ASCENT) for i in range(2)
    ]
    conditions = [c for s in orbital for c in monitor.observe(s, s.t_s)]
    assert keys(conditions)[CORRIDOR_KEY] is Severity.WARNING
    assert "orbital" in next(c.message for c in conditions if c.key == CORRIDOR_KEY)


def test_data_loss_beyond_the_data_loss_flight_time_is_shown_and_recommends_termination() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    fly(monitor, 0.0, 5.0, 0.0)
    assert monitor.tick(0.9) == []
    assert keys(monitor.tick(1.5)) == {DATA_GAP_KEY: Severity.CAUTION}
    status = monitor.status(4.0)
    assert (status.data_age_s, status.data_loss_flight_time_s, status.data_lost) == (
        pytest.approx(3.9),
        5.0,
        False,
    )
    conditions = monitor.tick(5.2)
    assert keys(conditions) == {DATA_LOSS_KEY: Severity.EMERGENCY, RECOMMEND_KEY: Severity.EMERGENCY}
    assert "beyond the data-loss flight time of 5 s" in conditions[0].message
    assert monitor.status(5.2).data_lost
    conditions = monitor.observe(hovering(0.0, 5.0, 6.0), 6.0)
    assert keys(conditions) == {DATA_GAP_KEY: None, DATA_LOSS_KEY: None, RECOMMEND_KEY: None}


def test_data_loss_on_the_pad_is_not_a_flight_matter() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    monitor.observe(hovering(0.0, 0.0, 0.0, FlightPhase.STANDBY), 0.0)
    assert monitor.tick(100.0) == []


def test_out_of_order_states_are_ignored() -> None:
    monitor = RangeSafetyMonitor(CONFIG)
    monitor.observe(hovering(0.0, 5.0, 10.0), 10.0)
    assert monitor.observe(hovering(3.0, 5.0, 9.0), 10.1) == []
    assert monitor.status(10.1).inside_corridor


# --- the shipped range ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cargo_hop() -> RangeConfig:
    return load_range(CONFIGS / "range" / "cargo-hop.toml")


def test_shipped_sites_match_the_platform_files(cargo_hop: RangeConfig) -> None:
    for site, name in ((cargo_hop.launch, "launch-platform"), (cargo_hop.landing, "landing-barge")):
        platform = load_toml(CONFIGS / "platforms" / f"{name}.toml")
        assert site.name == platform["name"]
        assert site.latitude_deg == platform["position"]["latitude_deg"]
        assert site.longitude_deg == platform["position"]["longitude_deg"]
        assert site.deck_height_m == platform["position"]["deck_height_m"]
    assert cargo_hop.alternate is not None
    assert cargo_hop.corridors[0].contains(cargo_hop.alternate.position)


def burnout(azimuth_offset_deg: float, t_s: float) -> VehicleState:
    """Burnout of the nominal hop (see tests/unit/domain/test_iip.py), with the azimuth dispersed."""
    start = destination(GeoPoint(36.5, 121.6), 42.65, 150e3)
    azimuth = (
        initial_bearing_deg(start, destination(GeoPoint(36.5, 121.6), 42.65, 151e3)) + azimuth_offset_deg
    )
    g, az, v = math.radians(22.5), math.radians(azimuth), 6949.0
    return VehicleState(
        t_s,
        start.latitude_deg,
        start.longitude_deg,
        80e3,
        v * math.cos(g) * math.cos(az),
        v * math.cos(g) * math.sin(az),
        -v * math.sin(g),
        FlightPhase.ASCENT,
    )


def test_the_nominal_hop_stays_inside_and_a_dispersed_one_leaves(cargo_hop: RangeConfig) -> None:
    nominal = RangeSafetyMonitor(cargo_hop)
    assert [c for i in range(5) for c in nominal.observe(burnout(0.0, 0.1 * i), 0.1 * i)] == []
    margin = nominal.status(0.5).corridor_margin_m
    assert margin is not None
    assert margin > 100e3
    dispersed = RangeSafetyMonitor(cargo_hop)
    conditions = [c for i in range(5) for c in dispersed.observe(burnout(-4.0, 0.1 * i), 0.1 * i)]
    assert keys(conditions)[CORRIDOR_KEY] is Severity.WARNING
    assert keys(conditions)[RECOMMEND_KEY] is Severity.EMERGENCY


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        (("half_width_m = 150000.0", "half_width_m = -1.0"), "corridors[0]", "half_width_m must be > 0"),
        (("[36.500, 121.600],", "[36.500],"), "corridors[0].points[0]", "[latitude_deg, longitude_deg]"),
        (
            ('forbidden_side = "left"', 'forbidden_side = "up"'),
            "destruct_lines[0].forbidden_side",
            "one of left, right",
        ),
        (
            ("data_loss_flight_time_s = 10.0", "data_loss_flight_time_s = 0.0"),
            "data_loss_flight_time_s",
            "> 0",
        ),
        (("[sites.alternate]", "[sites.spare]"), "sites.spare", "one of alternate, landing, launch"),
    ],
)
def test_mistakes_name_file_key_and_expectation(
    tmp_path: Path, change: tuple[str, str], key: str, expected: str
) -> None:
    text = (CONFIGS / "range" / "cargo-hop.toml").read_text()
    assert change[0] in text
    path = tmp_path / "range.toml"
    path.write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError) as info:
        load_range(path)
    assert info.value.key == key
    assert expected in info.value.expected
