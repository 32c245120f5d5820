"""The ``[mqtt]`` section of gcs.toml: defaults, checks, and no place for a password."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcs.config import GcsConfig, MqttConfig, MqttRateConfig, load_gcs_config
from gcs.errors import ConfigError


def _load(tmp_path: Path, text: str) -> GcsConfig:
    path = tmp_path / "gcs.toml"
    path.write_text(text)
    return load_gcs_config(path)


def test_the_bridge_is_off_by_default_and_publishes_under_prefix_and_env(tmp_path: Path) -> None:
    config = _load(tmp_path, "").mqtt
    assert config == MqttConfig()
    assert not config.enabled
    assert config.topic_prefix == "seaport/v1/dev"


def test_a_full_section_loads(tmp_path: Path) -> None:
    config = _load(tmp_path, """
[mqtt]
enabled = true
url = "mqtts://broker.range.example"
prefix = "seaport/v1"
env = "range"
client_id = "gcs-primary"
secrets_file = "secrets/mqtt.toml"
stream_max_rate_hz = 20
max_queued_events = 50000

[[mqtt.rates]]
topic = "vehicle/+/tm/ATTITUDE_QUATERNION"
max_rate_hz = 50

[[mqtt.rates]]
topic = "platform/#"
max_rate_hz = 0

[mqtt.tls]
enabled = true
ca_file = "secrets/range-ca.pem"
""").mqtt
    assert config.topic_prefix == "seaport/v1/range"
    assert config.rates == (MqttRateConfig("vehicle/+/tm/ATTITUDE_QUATERNION", 50.0),
                            MqttRateConfig("platform/#", 0.0))
    assert config.tls.ca_file == "secrets/range-ca.pem"
    assert config.stream_max_rate_hz == 20.0


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[mqtt]\npassword = 'x'\n", "mqtt.password", "one of "),  # no place for it here
        ("[mqtt]\nusername = 'x'\n", "mqtt.username", "one of "),
        ("[mqtt]\nprefix = 'a/+/b'\n", "mqtt.prefix", "no '+' or '#'"),
        ("[mqtt]\nprefix = '/a'\n", "mqtt.prefix", "no empty level"),
        ("[mqtt]\nprefix = '$SYS'\n", "mqtt.prefix", "no leading '$'"),
        ("[mqtt]\nenv = 'a/b'\n", "mqtt.env", "one MQTT topic level"),
        ("[mqtt]\nclient_id = 'has space'\n", "mqtt.client_id", "1 to 64 characters"),
        ("[mqtt]\nkeepalive_s = 0\n", "mqtt.keepalive_s", "a number > 0"),
        ("[mqtt]\nkeepalive_s = 70000\n", "mqtt.keepalive_s", "at most 65535 s"),
        ("[mqtt]\nstream_max_rate_hz = -1\n", "mqtt.stream_max_rate_hz", "from 0 (never)"),
        ("[mqtt]\nmax_inflight = 0\n", "mqtt.max_inflight", "from 1 to 65535"),
        ("[mqtt]\nmax_queued_events = 0\n", "mqtt.max_queued_events", "an integer from 1"),
        ("[[mqtt.rates]]\ntopic = 'a/#/b'\nmax_rate_hz = 1\n", "mqtt.rates[0].topic", "'#' last"),
        ("[[mqtt.rates]]\ntopic = 'a'\n", "mqtt.rates[0].max_rate_hz", "required"),
        ("[mqtt.tls]\ncert_file = 'c.pem'\n", "mqtt.tls.key_file", "both set, or neither"),
    ],
)
def test_mistakes_name_the_key_and_what_was_expected(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    assert caught.value.key == key
    assert expected in caught.value.expected
