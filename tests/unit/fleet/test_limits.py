"""fleet.toml: the shipped file, every kind of mistake (file, key, expectation), limit names and roles."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gcs.domain.roles import Role, User
from gcs.errors import ConfigError, RoleDenied
from gcs.fleet.limits import (
    LIMIT_NAMES,
    LimitLevel,
    Metric,
    clear_roles,
    covers,
    load_fleet_limits,
    require_clear_role,
)

REPO = Path(__file__).resolve().parents[3]
SHIPPED = REPO / "configs" / "limits" / "fleet.toml"

GOOD = """
[types.hop]
hard_landing_vertical_speed_mps = 4.0
hard_landing_horizontal_speed_mps = 1.0
[types.hop.inspection]
engine_starts = 10
burn_time_s = 600.0
[types.hop.refurbishment]
flights = 20
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    return path


def test_every_vehicle_config_has_limits_and_its_hard_landing_speeds_are_its_gear_red_lines() -> None:
    limits = load_fleet_limits(SHIPPED)
    for vehicle_file in sorted((REPO / "configs" / "vehicles").glob("*.toml")):
        vehicle = tomllib.loads(vehicle_file.read_text())
        type_limits = limits.for_type(vehicle["name"])
        assert type_limits is not None, f"{vehicle_file.name}: no [types.{vehicle['name']}] in {SHIPPED.name}"
        gear = vehicle["landing_gear"]
        assert type_limits.hard_landing_vertical_speed_mps == gear["max_vertical_speed_mps"]
        assert type_limits.hard_landing_horizontal_speed_mps == gear["max_horizontal_speed_mps"]
        assert type_limits.inspection.engine_starts is not None


def test_a_small_file_loads_into_named_limits(tmp_path: Path) -> None:
    limits = load_fleet_limits(_write(tmp_path, GOOD))
    hop = limits.for_type("hop")
    assert hop is not None
    assert limits.for_type("other") is None
    assert [(limit.name, limit.value) for limit in hop.limits()] == [
        ("inspection.engine_starts", 10.0),
        ("inspection.burn_time_s", 600.0),
        ("refurbishment.flights", 20.0),
    ]
    assert hop.touchdown_limits.vertical_speed_mps == 4.0


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("", "types", "a table of vehicle types"),
        ("[types]\n", "types", "a table of vehicle types"),
        ("vehicles = 1\n" + GOOD, "vehicles", "only the table types"),
        ("types = 3\n", "types", "a table of vehicle types"),
        ("[types]\nhop = 3\n", "types.hop", "a table"),
        ("[types.hop]\nhard_landing_vertical_speed_mps = 4.0\n",
         "types.hop.hard_landing_horizontal_speed_mps", "required"),
        (GOOD.replace("engine_starts = 10", "engine_starts = 0"), "types.hop.inspection.engine_starts",
         "an integer >= 1"),
        (GOOD.replace("engine_starts = 10", "engine_starts = 2.5"), "types.hop.inspection.engine_starts",
         "an integer"),
        (GOOD.replace("burn_time_s = 600.0", "burn_time_s = -1"), "types.hop.inspection.burn_time_s",
         "a number > 0"),
        (GOOD.replace("engine_starts = 10", "engine_start = 10"), "types.hop.inspection.engine_start",
         "one of "),
        (GOOD.replace("[types.hop.refurbishment]", "[types.hop.overhaul]"), "types.hop.overhaul", "one of "),
        (GOOD.replace("vertical_speed_mps = 4.0", "vertical_speed_mps = 0"),
         "types.hop.hard_landing_vertical_speed_mps", "a speed > 0"),
        ("[types.hop\n", "", "valid TOML"),
    ],
)
def test_mistakes_name_the_file_the_key_and_what_was_expected(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_fleet_limits(path)
    assert info.value.path == path
    assert info.value.key == key
    assert expected in info.value.expected


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="an existing file"):
        load_fleet_limits(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("clearance", "limit", "covered"),
    [
        ("inspection.engine_starts", "inspection.engine_starts", True),
        ("inspection.engine_starts", "inspection.flights", False),
        ("inspection", "inspection.flights", True),
        ("inspection", "refurbishment.flights", False),
        ("refurbishment", "inspection.flights", True),
        ("refurbishment", "refurbishment.burn_time_s", True),
        ("refurbishment.flights", "inspection.flights", False),
        ("inspection.engine", "inspection.engine_starts", False),
    ],
)
def test_what_a_clearance_covers(clearance: str, limit: str, covered: bool) -> None:
    assert covers(clearance, limit) is covered


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        ("inspection.engine_starts", {Role.VEHICLE, Role.PROPULSION}),
        ("inspection.burn_time_s", {Role.VEHICLE, Role.PROPULSION}),
        ("inspection.flights", {Role.VEHICLE}),
        ("inspection", {Role.VEHICLE}),
        ("refurbishment.engine_starts", {Role.VEHICLE}),
        ("refurbishment", {Role.VEHICLE}),
    ],
)
def test_who_may_clear_what(name: str, roles: set[Role]) -> None:
    assert clear_roles(name) == roles
    assert Role.LAUNCH_DIRECTOR not in clear_roles(name)


def test_a_user_without_the_role_is_denied_and_told_which_role() -> None:
    require_clear_role(User.of("vic", Role.VEHICLE), "refurbishment")
    with pytest.raises(RoleDenied, match="needs the role vehicle; dana does not hold it"):
        require_clear_role(User.of("dana", Role.LAUNCH_DIRECTOR, Role.OPERATOR), "inspection.flights")
    with pytest.raises(ValueError, match="unknown limit"):
        clear_roles("inspection.paint")


def test_limit_names_cover_every_level_and_metric() -> None:
    assert len(LIMIT_NAMES) == len(LimitLevel) * (1 + len(Metric))
    assert "inspection.max_heating_index_wpm2" in LIMIT_NAMES
