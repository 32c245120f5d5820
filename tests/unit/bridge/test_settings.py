"""Broker URLs, credentials and resolved settings: every mistake is a clear error before anything connects."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from gcs.bridge.settings import (
    PASSWORD_ENV,
    USERNAME_ENV,
    BrokerCredentials,
    BrokerUrl,
    bridge_settings,
    load_credentials,
    parse_mqtt_url,
    topic_matches,
)
from gcs.config import MqttConfig, MqttRateConfig, MqttTlsConfig
from gcs.errors import BridgeError, BrokerCredentialsError, BrokerUrlError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mqtt://broker.example:1883", BrokerUrl("broker.example", 1883)),
        ("mqtt://broker.example", BrokerUrl("broker.example", 1883)),
        ("mqtts://broker.example", BrokerUrl("broker.example", 8883, tls=True)),
        ("mqtt://gcs@10.0.0.5:1884/seaport/v1/range",
         BrokerUrl("10.0.0.5", 1884, username="gcs", prefix="seaport/v1/range")),
        ("mqtt://[::1]:1883/a", BrokerUrl("::1", 1883, prefix="a")),
        ("mqtt://host:1/prefix/", BrokerUrl("host", 1, prefix="prefix")),
        ("MQTT://Host:2", BrokerUrl("host", 2)),
        ("mqtt://us%40er@h:3", BrokerUrl("h", 3, username="us@er")),
        ("  mqtt://h:4  ", BrokerUrl("h", 4)),
    ],
)
def test_good_urls(url: str, expected: BrokerUrl) -> None:
    assert parse_mqtt_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "empty"),
        ("broker:1883", "no scheme"),
        ("tcp://h:1883", "scheme 'tcp' is not mqtt or mqtts"),
        ("mqtt://gcs:hunter2@h:1883", "password in the URL"),
        ("mqtt://:1883", "no host"),
        ("mqtt://h:0", "port must be a number from 1 to 65535"),
        ("mqtt://h:70000", "port must be a number from 1 to 65535"),
        ("mqtt://h:abc", "port must be a number from 1 to 65535"),
        ("mqtt://h/a/+/b", "prefix 'a/\\+/b'"),
        ("mqtt://h/a/#", "'#' has no place here"),
        ("mqtt://h/a//b", "empty topic level"),
        ("mqtt://h/$SYS", "belong to the broker"),
        ("mqtt://h?x=1", "a query"),
        ("mqtt://h#frag", "'#' has no place here"),
        ("mqtt://bad_host!:1", "neither a host name nor an IP address"),
        ("mqtt://@h", "empty user name"),
        ("mqtt://[::1:1883", "not a URL"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(BrokerUrlError, match=problem) as caught:
        parse_mqtt_url(url)
    assert isinstance(caught.value, BridgeError)
    assert isinstance(caught.value, ValueError)  # argparse-friendly


def test_a_password_in_the_url_is_not_echoed_back() -> None:
    with pytest.raises(BrokerUrlError) as caught:
        parse_mqtt_url("mqtt://gcs:hunter2@h")
    assert caught.value.problem.startswith("a password in the URL")


@pytest.mark.parametrize("url", ["mqtt://h:1883", "mqtts://gcs@h:8883/a/b", "mqtt://[::1]:1/p"])
def test_a_url_prints_back_as_it_parses(url: str) -> None:
    assert str(parse_mqtt_url(url)) == url


@pytest.mark.parametrize(
    ("topic_filter", "topic", "match"),
    [
        ("a/+/c", "a/b/c", True),
        ("a/+/c", "a/b/d", False),
        ("a/#", "a/b/c", True),
        ("a/#", "a", True),
        ("a/b", "a/b/c", False),
        ("a/b/c", "a/b", False),
        ("+/+", "a/b", True),
    ],
)
def test_topic_filters(topic_filter: str, topic: str, match: bool) -> None:
    assert topic_matches(topic_filter, topic) is match


def _secrets(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "mqtt-secrets.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_credentials_come_from_the_file_the_environment_or_the_url(tmp_path: Path) -> None:
    path = _secrets(tmp_path, 'username = "file-user"\npassword = "file-pw"\n')
    assert load_credentials(path, {}) == BrokerCredentials("file-user", "file-pw")
    env = {USERNAME_ENV: "env-user", PASSWORD_ENV: "env-pw"}
    assert load_credentials(path, env) == BrokerCredentials("env-user", "env-pw")
    assert load_credentials(path, env, url_username="url-user") == BrokerCredentials("url-user", "env-pw")
    assert load_credentials(None, {}) == BrokerCredentials()


def test_a_password_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(BrokerCredentials("gcs", "s3cret", "k3y"))


@pytest.mark.parametrize(
    ("text", "mode", "detail"),
    [
        ('password = "x"\n', 0o644, "chmod 600"),
        ('password = "x"\n', 0o660, "chmod 600"),
        ("password = \n", 0o600, "not valid TOML"),
        ('pasword = "x"\n', 0o600, "unknown key 'pasword'"),
        ("username = 3\n", 0o600, "username must be a non-empty string"),
        ('password = "x"\n', 0o600, "a password without a user name"),
    ],
)
def test_bad_secrets_files_are_refused(tmp_path: Path, text: str, mode: int, detail: str) -> None:
    path = _secrets(tmp_path, text, mode)
    with pytest.raises(BrokerCredentialsError, match=detail) as caught:
        load_credentials(path, {})
    assert str(path) in str(caught.value)


def test_a_missing_secrets_file_is_an_error_not_anonymous(tmp_path: Path) -> None:
    with pytest.raises(BrokerCredentialsError, match="no such file"):
        load_credentials(tmp_path / "nope.toml", {})


def test_settings_take_the_url_prefix_over_prefix_and_env() -> None:
    config = MqttConfig(prefix="seaport/v1", env="range",
                        rates=(MqttRateConfig("vehicle/+/tm/#", 5.0),))
    assert bridge_settings(config, environ={}).prefix == "seaport/v1/range"
    settings = bridge_settings(config, url="mqtt://gcs@broker:1884/site/b", environ={})
    assert (settings.host, settings.port, settings.prefix) == ("broker", 1884, "site/b")
    assert settings.credentials.username == "gcs"
    assert settings.rates[0].topic_filter == "site/b/vehicle/+/tm/#"
    assert settings.max_rate_hz("site/b/vehicle/1/tm/ATTITUDE", stream=True) == 5.0
    assert settings.max_rate_hz("site/b/vehicle/1/link", stream=False) == config.state_max_rate_hz
    assert settings.max_rate_hz("site/b/platform/w/motion", stream=True) == config.stream_max_rate_hz
    assert settings.tls is None
    assert settings.broker == "broker:1884"


def test_tls_is_switched_on_by_mqtts_or_the_config() -> None:
    settings = bridge_settings(MqttConfig(), url="mqtts://broker", environ={})
    assert isinstance(settings.tls, ssl.SSLContext)
    assert settings.tls.check_hostname
    assert settings.port == 8883
    relaxed = bridge_settings(MqttConfig(tls=MqttTlsConfig(enabled=True, check_hostname=False)), environ={})
    assert relaxed.tls is not None
    assert not relaxed.tls.check_hostname
    assert relaxed.tls.verify_mode is ssl.CERT_REQUIRED


def test_missing_tls_files_are_named(tmp_path: Path) -> None:
    config = MqttConfig(tls=MqttTlsConfig(enabled=True, ca_file=str(tmp_path / "ca.pem")))
    with pytest.raises(BrokerCredentialsError, match=r"ca\.pem"):
        bridge_settings(config, environ={})
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(BrokerCredentialsError, match="not usable as CA certificates"):
        bridge_settings(MqttConfig(tls=MqttTlsConfig(enabled=True, ca_file=str(garbage))), environ={})
