"""Which platforms a vehicle process knows: a platform config file and its MAVLink system id. Values.

Apart from the simulator on purpose: the command line names the defaults in its help without
loading the physics and the flight software (a platform's sensor box needs neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
"""The repository's configs folder: where default config files are looked up."""


@dataclass(frozen=True, slots=True)
class PlatformEntry:
    """A platform config file and the MAVLink system id that platform uses."""

    system_id: int
    path: Path


DEFAULT_PLATFORMS = (
    PlatformEntry(2, CONFIGS / "platforms" / "landing-barge.toml"),
    PlatformEntry(3, CONFIGS / "platforms" / "launch-platform.toml"),
)
