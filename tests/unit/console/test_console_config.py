"""``[console]`` in gcs.toml and ``gcs run --console/--no-console``: every bad value named by file and
key; the expected periods the page ages values by come from what the station asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.app import (
    RunOverrides,
    apply_overrides,
    console_settings,
    expected_periods,
    parse_console_override,
)
from gcs.config import ConsoleConfig, GcsConfig, load_gcs_config
from gcs.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("bind_host = ''", "console.bind_host", "an address to listen on"),
        ("users_file = ' '", "console.users_file", "the path of the console's user file"),
        ("session_ttl_s = 10", "console.session_ttl_s", "seconds from 60 to 604800"),
        ("max_update_hz = 0.5", "console.max_update_hz", "a rate from 1 to 100 Hz"),
        ("max_update_hz = 'fast'", "console.max_update_hz", "a number"),
        ("client_stall_s = 0", "console.client_stall_s", "seconds from 0.1 to 600"),
        ("max_clients = 0", "console.max_clients", "an integer from 1 to 1000"),
        ("tls_cert_file = 'c.pem'", "console.tls_key_file", "both set, or neither"),
        ("login_max_failures = 0", "console.login_max_failures", "an integer from 1 to 1000"),
        ("login_lockout_s = -1", "console.login_lockout_s", "seconds > 0"),
        ("login_window_s = 1e6", "console.login_window_s", "seconds > 0 and <= 86400"),
        ("password = 'x'", "console.password", "one of bind_host"),
    ],
)
def test_bad_console_values_name_file_and_key(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = tmp_path / "gcs.toml"
    path.write_text(f"[console]\n{text}\n")
    with pytest.raises(ConfigError) as info:
        load_gcs_config(path)
    assert info.value.path == path
    assert info.value.key == key
    assert expected in info.value.expected


def test_the_shipped_config_serves_the_console_on_loopback() -> None:
    console = load_gcs_config(REPO / "configs" / "gcs.toml").console
    assert console.enabled
    assert console.bind_host == "127.0.0.1"
    assert not console.tls
    settings = console_settings(GcsConfig(console=console))
    assert settings.secure_cookie  # loopback: browsers treat it as a secure origin
    assert settings.max_update_hz == 60.0


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("0.0.0.0:0", ("0.0.0.0", 0)), ("[::1]:9000", ("::1", 9000)),
     ("localhost:80", ("localhost", 80))],
)
def test_console_flag(text: str, parsed: tuple[str, int]) -> None:
    assert parse_console_override(text) == parsed


@pytest.mark.parametrize("text", ["8080", "host:", ":8080", "host:http", "host:70000"])
def test_bad_console_flag(text: str) -> None:
    with pytest.raises(ConfigError, match="HOST:PORT"):
        parse_console_override(text)


def test_flags_switch_the_console_on_elsewhere_or_off() -> None:
    off = GcsConfig(console=ConsoleConfig(enabled=False))
    on = apply_overrides(off, RunOverrides(console=("127.0.0.1", 0)))
    assert (on.console.enabled, on.console.bind_host, on.console.port) == (True, "127.0.0.1", 0)
    assert not apply_overrides(GcsConfig(), RunOverrides(no_console=True)).console.enabled


def test_expected_periods_follow_the_requested_rates(tmp_path: Path) -> None:
    path = tmp_path / "gcs.toml"
    path.write_text("""
[vehicle]
heartbeat_interval_s = 0.5
[[vehicle.message_rates]]
message = "GLOBAL_POSITION_INT"
rate_hz = 20
[[vehicle.message_rates]]
message = "52503"
rate_hz = 5
[[platforms]]
name = "barge"
connection = "udpin:127.0.0.1:1"
publish_rate_hz = 4
[launch]
tick_s = 0.05
""")
    periods = expected_periods(load_gcs_config(path))
    assert periods.heartbeat_s == 0.5
    assert periods.state_s == pytest.approx(0.05)
    assert periods.iip_s == pytest.approx(0.2)
    assert periods.launch_s == 0.05
    assert periods.platform_state("barge") == pytest.approx(0.25)
    assert periods.platform_state("other") == 0.1
    defaults = expected_periods(GcsConfig())
    assert (defaults.state_s, defaults.iip_s, defaults.heartbeat_s) == (0.25, 1.0, 1.0)
