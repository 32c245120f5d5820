"""A vehicle file's ``[cargo_bay]`` table as ``BayLimits``. Reads that table only (and nothing else).

The simulator reads the rest of the same file (``firmware_sim.physics.config``); both are strict, so
a typo in ``[cargo_bay]`` stops both with the file and the dotted key named.
"""

from __future__ import annotations

from pathlib import Path

from gcs.config import load_dataclass, load_toml
from gcs.domain.manifest import BayLimits, InvalidBayLimit
from gcs.errors import ConfigError

TABLE = "cargo_bay"


def load_bay_limits(path: Path | str) -> BayLimits:
    """The cargo bay limits of ``configs/vehicles/<name>.toml``.

    Raises:
        ConfigError: the file is missing or not TOML, it has no ``[cargo_bay]`` table, or a key of
            that table is missing, unknown, of the wrong type or out of range (file and key named).
    """
    data = load_toml(path)
    if TABLE not in data:
        raise ConfigError(path, TABLE, "a [cargo_bay] table (the vehicle's cargo limits)")
    table = data[TABLE]
    if not isinstance(table, dict):
        raise ConfigError(path, TABLE, "a table", table)
    try:
        return load_dataclass(BayLimits, table, path, TABLE)
    except InvalidBayLimit as exc:
        # Cross-field rules of the domain value name their field; the file's key is under the table.
        raise ConfigError(path, f"{TABLE}.{exc.key}", exc.expected, exc.got) from None
