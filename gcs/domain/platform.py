"""Sea platforms: where they are meant to be, and the live state of their decks.

Sign convention (one for the whole ground station, normalised by the NMEA parsers): pitch +bow up,
roll +port up, heave +up. Maxima are over the last 10 minutes, as helideck practice reports them.
Knows nothing of NMEA sentences or of how the maxima are computed.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from gcs.domain.geodesy import GeoPoint


class PlatformSlot(enum.Enum):
    """The part a platform plays in this mission; values prefix its telemetry field names."""

    LAUNCH = "launch_platform"
    LANDING = "landing_platform"
    ALTERNATE = "alternate_platform"


@dataclass(frozen=True, slots=True)
class PlatformSite:
    """A platform's assigned station: the place the vehicle flies to or from."""

    name: str
    latitude_deg: float
    longitude_deg: float
    deck_height_m: float

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a platform needs a name")
        GeoPoint(self.latitude_deg, self.longitude_deg)  # validates the coordinates

    @property
    def position(self) -> GeoPoint:
        return GeoPoint(self.latitude_deg, self.longitude_deg)


@dataclass(frozen=True, slots=True)
class DeckState:
    """Motion, wind and station keeping of one platform's deck at one instant.

    ``t_s`` is on the runner's clock. ``on_station`` is the platform's own report that dynamic
    positioning holds station; ``deck_clear`` is None when the platform does not report it.
    """

    platform: str
    t_s: float
    latitude_deg: float
    longitude_deg: float
    heading_true_deg: float
    pitch_deg: float
    roll_deg: float
    heave_m: float
    pitch_rate_dps: float
    roll_rate_dps: float
    heave_rate_mps: float
    pitch_max_10min_deg: float
    roll_max_10min_deg: float
    heave_max_10min_m: float
    wind_over_deck_speed_mps: float
    wind_over_deck_direction_deg: float
    station_keeping_error_m: float
    on_station: bool
    deck_clear: bool | None = None

    def __post_init__(self) -> None:
        if not self.platform:
            raise ValueError("a deck state must name its platform")
        for name in (
            "pitch_max_10min_deg",
            "roll_max_10min_deg",
            "heave_max_10min_m",
            "wind_over_deck_speed_mps",
            "station_keeping_error_m",
        ):
            value = getattr(self, name)
            # NaN is allowed through (a sensor that is out); negative maxima are a producer bug.
            if value < 0 and not math.isnan(value):
                raise ValueError(f"{name} must be >= 0, got {value}")

    @property
    def position(self) -> GeoPoint:
        return GeoPoint(self.latitude_deg, self.longitude_deg)
