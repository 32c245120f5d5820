"""Config loading: every shipped file loads; every kind of mistake names file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.config import GcsConfig, PlatformRole, load_gcs_config
from gcs.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_shipped_gcs_config_loads() -> None:
    cfg = load_gcs_config(REPO / "configs" / "gcs.toml")
    assert isinstance(cfg, GcsConfig)
    assert cfg.station.system_id == 255
    assert cfg.vehicle.connection == "udpin:127.0.0.1:14550"
    assert cfg.platforms[0].role is PlatformRole.LANDING


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "gcs.toml"
    path.write_text("")
    assert load_gcs_config(path) == GcsConfig()


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[vehicle]\nsystem_id = 0\n", "vehicle.system_id", "an integer from 1 to 255"),
        ("[vehicle]\nsystem_id = 'one'\n", "vehicle.system_id", "an integer"),
        ("[vehicle]\nsystem_id = true\n", "vehicle.system_id", "an integer"),
        ("[vehicle]\nheartbeat_interval_s = -1\n", "vehicle.heartbeat_interval_s", "a number > 0"),
        ("[vehicle]\nheartbeat_intervl_s = 1\n", "vehicle.heartbeat_intervl_s", "one of "),
        ("[console]\nenabled = 'yes'\n", "console.enabled", "true or false"),
        ("vehicle = 3\n", "vehicle", "a table"),
        ("[[platforms]]\nname = 'barge'\n", "platforms[0].connection", "required"),
        (
            "[[platforms]]\nname = 'b'\nconnection = 'x'\nrole = 'sky'\n",
            "platforms[0].role",
            "one of launch, landing",
        ),
        ("platforms = 'barge'\n", "platforms", "an array"),
        (
            "[[platforms]]\nname = 'b'\nconnection = 'x'\n[platforms.expected_rates]\nstale_floor_s = -1\n",
            "platforms[0].expected_rates.stale_floor_s",
            "seconds from 0 to 3600",
        ),
        ("[console]\nport = 70000\n", "console.port", "an integer from 0 to 65535"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_gcs_config(path)
    err = info.value
    assert err.path == path
    assert err.key == key
    assert expected in err.expected
    assert str(path) in str(err)
    assert key in str(err)


def test_missing_file_and_broken_toml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="an existing file"):
        load_gcs_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[vehicle\nsystem_id = 1\n")
    with pytest.raises(ConfigError, match="valid TOML"):
        load_gcs_config(broken)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError):
        load_gcs_config(binary)
