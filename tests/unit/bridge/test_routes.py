"""Topic templates, the default serializer and the route table: what may be routed, and where to."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.bridge.routes import Route, RouteTable, TopicClass, TopicTemplate
from gcs.errors import RouteError
from gcs.recorder.stamps import iso_utc, unix_us_from_s
from gcs.views import payload_of, utc_text

PREFIX = "seaport/v1/dev"


class Kind(enum.Enum):
    FOUND = "found"


@dataclass(frozen=True, slots=True)
class Value:
    platform: str
    kind: Kind = Kind.FOUND
    unix_time_s: float = 1_800_000_000.5
    monotonic_s: float = 3.0


@pytest.mark.parametrize(
    ("template", "key", "topic"),
    [
        ("vehicle/{key}/state", 1, f"{PREFIX}/vehicle/1/state"),
        ("vehicle/{key[0]}/tm/{key[1]}", (1, "ATTITUDE"), f"{PREFIX}/vehicle/1/tm/ATTITUDE"),
        ("platform/{value.platform}/motion", None, f"{PREFIX}/platform/west/motion"),
        ("vehicle/{key:03d}/x", 7, f"{PREFIX}/vehicle/007/x"),
        ("events/{value.kind}", None, f"{PREFIX}/events/found"),  # an enum renders as its value
        ("countdown", None, f"{PREFIX}/countdown"),
    ],
)
def test_templates_render_keys_and_attributes(template: str, key: object, topic: str) -> None:
    assert TopicTemplate(template).render(PREFIX, key, Value("west")) == topic


@pytest.mark.parametrize(
    ("template", "key", "value"),
    [
        ("vehicle/{key}/state", "a/b", None),  # would add a level
        ("vehicle/{key}/state", "+", None),  # a wildcard
        ("vehicle/{key}/state", "#", None),
        ("vehicle/{key}/state", "", None),  # an empty level
        ("platform/{value.platform}", None, Value("")),
        ("platform/{value.missing}", None, Value("west")),
        ("vehicle/{key[2]}", (1, 2), None),
    ],
)
def test_a_key_or_value_that_does_not_make_one_level_renders_nothing(
    template: str, key: object, value: object
) -> None:
    assert TopicTemplate(template).render(PREFIX, key, value) is None


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("vehicle/{sysid}/state", "must start with 'key' or 'value'"),
        ("vehicle//state", "empty topic level"),
        ("vehicle/+/state", "holds '\\+'"),
        ("$SYS/x", "belong to the broker"),
        ("", "empty topic"),
        ("vehicle/{key", "unbalanced|expected '}'"),
        ("/vehicle", "empty topic level"),
    ],
)
def test_bad_templates_are_refused_when_routed(template: str, problem: str) -> None:
    with pytest.raises(RouteError, match=problem):
        TopicTemplate(template)


def test_payload_of_keeps_units_in_names_adds_a_utc_stamp_and_leaves_the_local_clock_out() -> None:
    body = payload_of(Value("west"))
    assert body == {"platform": "west", "kind": Kind.FOUND, "unix_time_s": 1_800_000_000.5,
                    "time_utc": "2027-01-15T08:00:00.500000Z"}
    assert orjson.loads(orjson.dumps(body))["kind"] == "found"


def test_payload_of_refuses_what_is_not_a_dataclass() -> None:
    with pytest.raises(TypeError, match="is not a dataclass; give it a serializer"):
        payload_of({"a": 1})


def test_a_table_routes_a_type_to_several_topics_but_not_to_one_twice() -> None:
    table = RouteTable([
        Route(Value, "platform/{value.platform}/state", TopicClass.STATE),
        Route(Value, "platform/{value.platform}/motion", TopicClass.STREAM),
    ])
    assert len(table) == 2
    assert table.kinds() == [Value]
    assert [c.route.topic_class for c in table.for_kind(Value)] == [TopicClass.STATE, TopicClass.STREAM]
    with pytest.raises(RouteError, match="already routed"):
        table.add(Route(Value, "platform/{value.platform}/state", TopicClass.STATE))


def test_status_topics_belong_to_the_bridge() -> None:
    with pytest.raises(RouteError, match="status"):
        RouteTable([Route(Value, "vehicle/{key}/status", TopicClass.STATE)])


def test_a_route_needs_a_type_and_a_topic_class() -> None:
    with pytest.raises(RouteError, match="must be a type"):
        RouteTable([Route("Value", "x", TopicClass.STATE)])  # type: ignore[arg-type]
    with pytest.raises(RouteError, match="TopicClass"):
        RouteTable([Route(Value, "x", "state")])  # type: ignore[arg-type]


@given(st.floats(min_value=0.0, max_value=4_000_000_000.0, allow_nan=False))
def test_utc_text_is_the_recorders_stamp(unix_time_s: float) -> None:
    assert utc_text(unix_time_s) == iso_utc(unix_us_from_s(unix_time_s))
