"""The link's settings from ``[vehicle]`` config, the new keys' clear errors, and the signing key file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.config import MessageRateConfig, VehicleLinkConfig, load_gcs_config
from gcs.errors import ConfigError
from gcs.links.settings import LinkSettings, read_signing_key, signing_from_config


def test_settings_come_from_the_vehicle_config(tmp_path: Path) -> None:
    path = tmp_path / "gcs.toml"
    path.write_text(
        "[vehicle]\nsystem_id = 3\nheartbeat_interval_s = 0.5\nheartbeats_missed_for_loss = 4\n"
        "command_timeout_s = 0.8\ncommand_retries = 2\nparam_retries = 7\nmission_timeout_s = 2.0\n"
        "timesync_interval_s = 5\n"
        '[[vehicle.message_rates]]\nmessage = "ATTITUDE"\nrate_hz = 10\n'
        '[[vehicle.message_rates]]\nmessage = "33"\nrate_hz = 0\n'
    )
    settings = LinkSettings.from_config(load_gcs_config(path).vehicle)
    assert settings.system_ids == frozenset({3})
    assert (settings.loss_after_s, settings.timesync_interval_s) == (2.0, 5.0)
    assert (settings.command.timeout_s, settings.command.retries, settings.params.retries) == (0.8, 2, 7)
    assert settings.mission.timeout_s == 2.0
    assert [(r.name, r.interval_us) for r in settings.message_rates] == [
        ("ATTITUDE", 100_000),
        ("GLOBAL_POSITION_INT", -1),
    ]


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ("[vehicle]\ncommand_retries = 256\n", "vehicle.command_retries", "an integer from 0 to 255"),
        ("[vehicle]\ncommand_timeout_s = 0\n", "vehicle.command_timeout_s", "a number > 0"),
        ("[vehicle]\nmessage_rates = 3\n", "vehicle.message_rates", "an array"),
        (
            '[[vehicle.message_rates]]\nmessage = "attitude"\nrate_hz = 1\n',
            "vehicle.message_rates[0].message",
            "name",
        ),
        (
            '[[vehicle.message_rates]]\nmessage = "ATTITUDE"\nrate_hz = -1\n',
            "vehicle.message_rates[0].rate_hz",
            "0",
        ),
        ('[[vehicle.message_rates]]\nmessage = "ATTITUDE"\n', "vehicle.message_rates[0].rate_hz", "required"),
    ],
)
def test_bad_link_keys_name_the_key(tmp_path: Path, toml: str, key: str, expected: str) -> None:
    path = tmp_path / "gcs.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as failure:
        load_gcs_config(path)
    assert failure.value.key == key
    assert expected in failure.value.expected


def test_a_rate_for_a_message_the_dialect_lacks_is_named() -> None:
    config = VehicleLinkConfig(
        message_rates=(MessageRateConfig("ATTITUDE", 1), MessageRateConfig("NO_SUCH", 1))
    )
    with pytest.raises(ValueError, match=r"message_rates\[1\]: message 'NO_SUCH'"):
        LinkSettings.from_config(config)


def test_key_files_hold_raw_or_hex_keys(tmp_path: Path) -> None:
    raw, hexa, bad = tmp_path / "raw.key", tmp_path / "hex.key", tmp_path / "bad.key"
    raw.write_bytes(bytes(range(32)))
    hexa.write_text(bytes(range(32)).hex() + "\n")
    bad.write_text("not a key")
    assert read_signing_key(raw) == read_signing_key(hexa) == bytes(range(32))
    with pytest.raises(ConfigError, match="32 raw bytes or 64 hexadecimal"):
        read_signing_key(bad)
    with pytest.raises(ConfigError, match="readable signing key file"):
        read_signing_key(tmp_path / "missing.key")
    signing = signing_from_config(VehicleLinkConfig(signing_key_file=str(raw), signing_link_id=7))
    assert signing is not None
    assert (signing.secret_key, signing.link_id) == (bytes(range(32)), 7)
    assert signing_from_config(VehicleLinkConfig()) is None


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="positive intervals"):
        LinkSettings(heartbeat_interval_s=0)
    with pytest.raises(ValueError, match="timesync"):
        LinkSettings(timesync_interval_s=0)
