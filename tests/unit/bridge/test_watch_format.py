"""What ``gcs watch`` subscribes to and how it prints a message."""

from __future__ import annotations

import pytest

from gcs.bridge.settings import parse_mqtt_url
from gcs.bridge.watch import format_line, topic_filters
from gcs.errors import BrokerUrlError

T = 1_800_000_000.25  # 08:00:00.250 UTC


@pytest.mark.parametrize(
    ("url", "topics", "filters"),
    [
        ("mqtt://h/seaport/v1/dev", [], ["seaport/v1/dev/#"]),
        ("mqtt://h/seaport/v1/dev", ["vehicle/+/events", "countdown"],
         ["seaport/v1/dev/vehicle/+/events", "seaport/v1/dev/countdown"]),
        ("mqtt://h", [], ["#"]),
        ("mqtt://h", ["a/b/"], ["a/b"]),
    ],
)
def test_filters_sit_under_the_prefix(url: str, topics: list[str], filters: list[str]) -> None:
    assert topic_filters(parse_mqtt_url(url), topics) == filters


@pytest.mark.parametrize("topic", ["a/#/b", "a/b+", "a//b"])
def test_bad_filters_are_refused(topic: str) -> None:
    with pytest.raises(BrokerUrlError, match="--topic"):
        topic_filters(parse_mqtt_url("mqtt://h/p"), [topic])


def test_lines_show_time_relative_topic_retained_flag_and_payload() -> None:
    line = format_line("p/vehicle/1/state", b'{"n":1}', retained=True, prefix="p", unix_time_s=T)
    assert line == '08:00:00.250 vehicle/1/state R {"n":1}'
    assert format_line("other/x", b"online", retained=False, prefix="p", unix_time_s=T) == \
        "08:00:00.250 other/x online"
    assert format_line("x", b"\xff\x00", retained=False, prefix=None, unix_time_s=T).endswith(" ff00")
    assert format_line("x", b"a\nb", retained=False, prefix=None, unix_time_s=T).endswith(" a\\nb")
