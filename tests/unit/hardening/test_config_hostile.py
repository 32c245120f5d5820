"""Every config loader, given a real file with random values in random places, either loads it or
raises ``ConfigError`` naming the file and the key; nothing else ever escapes (no TypeError,
KeyError, AttributeError from a value of the wrong shape).

The mutations start from the committed files under configs/, so they reach deep keys (arrays of
tables, nested tables) that a purely random document would never name. The file is written back
as TOML by a tiny emitter below (inline tables only), because the standard library can read TOML
but not write it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gcs.cargo.bay_limits import load_bay_limits
from gcs.config import load_gcs_config
from gcs.errors import ConfigError
from gcs.fleet.limits import load_fleet_limits
from gcs.launch.criteria import load_criteria
from gcs.launch.landing import load_landing_limits
from gcs.launch.range_safety import load_range
from gcs.launch.recovery import load_recovery
from gcs.launch.redlines import load_red_lines
from gcs.launch.timeline import load_timeline
from gcs.sitl.scenario import load_scenario

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
HOSTILE = settings(max_examples=60, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

LOADERS: dict[str, tuple[Callable[[Path], object], Path]] = {
    "gcs": (load_gcs_config, CONFIGS / "gcs.toml"),
    "timeline": (load_timeline, CONFIGS / "countdowns" / "quick-hop.toml"),
    "criteria": (load_criteria, CONFIGS / "limits" / "commit-criteria.toml"),
    "red_lines": (load_red_lines, CONFIGS / "limits" / "red-lines.toml"),
    "range": (load_range, CONFIGS / "range" / "hop.toml"),
    "landing": (load_landing_limits, CONFIGS / "limits" / "landing.toml"),
    "recovery": (load_recovery, CONFIGS / "limits" / "landing.toml"),
    "fleet": (load_fleet_limits, CONFIGS / "limits" / "fleet.toml"),
    "scenario": (load_scenario, CONFIGS / "scenarios" / "hop.toml"),
    "bay": (load_bay_limits, CONFIGS / "vehicles" / "cargo-p2p.toml"),
}

# --- a TOML writer for what tomllib reads back ------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def _string(text: str) -> str:
    # A TOML basic string: JSON's escapes are TOML's, except that TOML has no surrogate pairs
    # (so non-ASCII stays literal) and wants DEL escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{_string(k)} = {toml_value(v)}\n" for k, v in data.items())


# --- mutations ------------------------------------------------------------------------------------

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 1, 255, 256, 65536, 2**31, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(["", "udpin:", "serial:", "udpin:127.0.0.1:99999", "../../etc/passwd", "ATTITUDE"]),
    st.dates(),
    st.times(),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            out += paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += paths(child, (*prefix, index))
    return out


def mutate(data: dict[str, Any], rng: random.Random, draw_value: Callable[[], Any]) -> None:
    where = paths(data)
    if not where:
        return
    path = rng.choice(where)
    parent: Any = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = rng.choice(["replace", "replace", "replace", "delete", "unknown_key"])
    if action == "replace":
        parent[last] = draw_value()
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent["no_such_key_" + str(rng.randrange(100))] = draw_value()
    else:
        parent.append(draw_value())


@pytest.mark.parametrize("name", sorted(LOADERS))
@HOSTILE
@given(seed=st.integers(0, 2**32 - 1), data=st.data(), count=st.integers(1, 3))
def test_loaders_raise_only_config_error_naming_file_and_key(
    name: str, seed: int, data: st.DataObject, count: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    loader, original = LOADERS[name]
    document = tomllib.loads(original.read_text())
    rng = random.Random(seed)
    for _ in range(count):
        mutate(document, rng, lambda: data.draw(values))
    path = tmp_path_factory.mktemp(name) / original.name
    path.write_text(toml_document(document))
    error = load_or_error(loader, path)
    if error is not None:
        assert error.path == path
        assert error.key, f"{error} names no key"
        assert str(path) in str(error)


def load_or_error(loader: Callable[[Path], object], path: Path) -> ConfigError | None:
    """None if ``path`` loads; its ``ConfigError`` if not; anything else escapes and fails the test."""
    try:
        loader(path)
    except ConfigError as exc:
        return exc
    return None


@pytest.mark.parametrize("name", sorted(LOADERS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.binary(max_size=300) | st.text(alphabet="[]=\"'.,{}#\n abc1_-+:", max_size=300).map(str.encode),
)
def test_any_file_content_raises_only_config_error(
    name: str, text: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    loader, original = LOADERS[name]
    path = tmp_path_factory.mktemp(name) / original.name
    path.write_bytes(text)
    error = load_or_error(loader, path)
    assert error is None or error.path == path
