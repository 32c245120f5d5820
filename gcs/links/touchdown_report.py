"""The flight computer's touchdown report, read from its STATUSTEXT. Pure.

The vehicle says where and how it met the deck, measured against the deck itself (deck-relative
speeds at contact, tilt, miss from the centre): ``touchdown on NAME: V m/s down, H m/s across,
T deg, M m off centre``. Ground telemetry at 10 Hz cannot see the moment of contact that well, so
judges of a landing (the SITL verdict, the fleet record, the delivery) take this report when there
is one. ``touchdown_reports`` reads them off the hub's assembled STATUSTEXTs.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from gcs.hub import Hub
from gcs.links.values import VehicleStatusText

_TOUCHDOWN_TEXT = re.compile(
    r"touchdown on (?P<platform>\S+): (?P<down>[-\d.]+) m/s down, (?P<across>[-\d.]+) m/s across, "
    r"(?P<tilt>[-\d.]+) deg, (?P<miss>[-\d.]+) m off centre"
)


@dataclass(frozen=True, slots=True)
class TouchdownReport:
    platform: str
    vertical_speed_down_mps: float
    horizontal_speed_mps: float
    tilt_deg: float
    miss_m: float


def parse_touchdown_report(text: str) -> TouchdownReport | None:
    """The report in ``text``, or None if the text is not one (or its numbers do not read)."""
    match = _TOUCHDOWN_TEXT.search(text)
    if match is None:
        return None
    try:
        return TouchdownReport(match["platform"], float(match["down"]), float(match["across"]),
                               float(match["tilt"]), float(match["miss"]))
    except ValueError:  # "1.2.3" matches the character class
        return None


async def touchdown_reports(hub: Hub, sysid: int) -> AsyncIterator[TouchdownReport]:
    """Every touchdown report of vehicle ``sysid`` from now on, as its STATUSTEXT reaches the hub."""
    async with hub.subscribe_keyed(VehicleStatusText, maxsize=256) as feed:
        async for keyed in feed:
            if keyed.value.sysid == sysid and (report := parse_touchdown_report(keyed.value.text)):
                yield report
