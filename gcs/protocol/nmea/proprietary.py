"""Proprietary motion sentences (PSXN,23, PASHR, PHTRO, PHLIN), parsed by hand, signs normalised.

pynmea2 cannot be used for these: it parses PASHR only when the time has 2-3 decimals, and returns
PHTRO/PHLIN as field-less generic sentences with the manufacturer code split oddly.

Every vendor's signs are mapped here, at the parser, to the one convention the rest of the ground
station uses (the names say it):

* ``heave_up_m``        positive up;
* ``roll_port_up_deg``  positive with the port side up (starboard down);
* ``pitch_bow_up_deg``  positive with the bow up.

Pure: knows nothing of rockets, platforms or asyncio.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from gcs.protocol.nmea.fields import FieldError, field, letter, opt_float, opt_heading, opt_int, opt_time
from gcs.protocol.nmea.framing import SentenceType

# Plausibility bounds: an MRU reports attitude within these, and anything beyond is a broken field.
_ROLL_LIMIT_DEG = 180.0
_PITCH_LIMIT_DEG = 90.0
_HEAVE_LIMIT_M = 100.0
_SIGMA_LIMIT_DEG = 180.0


@dataclass(frozen=True, slots=True)
class Psxn23:
    """Kongsberg Seapath attitude: ``$PSXN,23,roll,pitch,heading,heave``."""

    sentence_type: ClassVar[SentenceType] = SentenceType.PSXN23
    talker: str
    raw: str
    roll_port_up_deg: float | None
    pitch_bow_up_deg: float | None
    heading_true_deg: float | None
    heave_up_m: float | None


@dataclass(frozen=True, slots=True)
class Pashr:
    """Attitude in the RT300 layout (Trimble, NovAtel SPAN, Applanix POS MV, Hemisphere).

    ``gnss_quality`` and ``imu_status`` are kept as the vendor's integer codes because their
    meanings differ between vendors (e.g. Trimble 0-6, NovAtel 0-2, POS MV 0-2 for the first).
    """

    sentence_type: ClassVar[SentenceType] = SentenceType.PASHR
    talker: str
    raw: str
    time_utc: dt.time | None
    heading_true_deg: float | None
    roll_port_up_deg: float | None
    pitch_bow_up_deg: float | None
    heave_up_m: float | None
    roll_sigma_deg: float | None
    pitch_sigma_deg: float | None
    heading_sigma_deg: float | None
    gnss_quality: int | None
    imu_status: int | None


@dataclass(frozen=True, slots=True)
class Phtro:
    """iXblue (Octans, Phins, Hydrins) pitch and roll: ``$PHTRO,pitch,M|P,roll,B|T``."""

    sentence_type: ClassVar[SentenceType] = SentenceType.PHTRO
    talker: str
    raw: str
    pitch_bow_up_deg: float | None
    roll_port_up_deg: float | None


@dataclass(frozen=True, slots=True)
class Phlin:
    """iXblue surge, sway and heave in the vessel frame: ``$PHLIN,surge,sway,heave``."""

    sentence_type: ClassVar[SentenceType] = SentenceType.PHLIN
    talker: str
    raw: str
    surge_bow_m: float | None
    sway_port_m: float | None
    heave_up_m: float | None


def _roll(text: str) -> float | None:
    return opt_float(text, "roll", -_ROLL_LIMIT_DEG, _ROLL_LIMIT_DEG)


def _pitch(text: str) -> float | None:
    return opt_float(text, "pitch", -_PITCH_LIMIT_DEG, _PITCH_LIMIT_DEG)


def _heave(text: str) -> float | None:
    return opt_float(text, "heave", -_HEAVE_LIMIT_M, _HEAVE_LIMIT_M)


def _negated(value: float | None) -> float | None:
    return None if value is None else -value


def parse_psxn23(talker: str, raw: str, fields: list[str]) -> Psxn23:
    # fields[0] is the "23" that routed us here.
    # Kongsberg Seapath 320 manual, Terminology: roll "positive when starboard side of the vehicle
    # moves down" (= port up: kept), pitch "positive when the bow moves up" (kept), heave "defined
    # positive down" (negated to +up). domain.md 3.3 agrees.
    return Psxn23(
        talker=talker,
        raw=raw,
        roll_port_up_deg=_roll(field(fields, 1)),
        pitch_bow_up_deg=_pitch(field(fields, 2)),
        heading_true_deg=opt_heading(field(fields, 3), "heading"),
        heave_up_m=_negated(_heave(field(fields, 4))),
    )


def parse_pashr(talker: str, raw: str, fields: list[str]) -> Pashr:
    # Layout $PASHR,hhmmss.sss,heading,T,roll,pitch,heave,roll_sd,pitch_sd,heading_sd,gnss,imu
    # (Trimble, NovAtel OEM7 PASHR log, Applanix POS MV V5 guide table 20). Any number of time
    # decimals is accepted: units send 0, 2 or 3 (the case pynmea2 gets wrong).
    # Signs: the PASHR pages give no sign words. NovAtel SPAN and POS MV define roll and pitch as
    # right-handed rotations about the forward and starboard axes of their vehicle/vessel frames
    # (SPAN z up, POS MV z down); worked through, both give roll + starboard down (= port up) and
    # pitch + bow up, our convention: kept as sent. Heave is taken as + up, the TSS convention
    # POS MV's "$PASHR-TSS" output names; no vendor text we have states it (docs/nmea.md).
    heading = opt_heading(field(fields, 1), "heading")
    if letter(field(fields, 2), "T", "true flag") != "T":
        heading = None  # a heading not flagged true has no stated reference; do not guess one
    return Pashr(
        talker=talker,
        raw=raw,
        time_utc=opt_time(field(fields, 0)),
        heading_true_deg=heading,
        roll_port_up_deg=_roll(field(fields, 3)),
        pitch_bow_up_deg=_pitch(field(fields, 4)),
        heave_up_m=_heave(field(fields, 5)),
        roll_sigma_deg=opt_float(field(fields, 6), "roll sigma", 0.0, _SIGMA_LIMIT_DEG),
        pitch_sigma_deg=opt_float(field(fields, 7), "pitch sigma", 0.0, _SIGMA_LIMIT_DEG),
        heading_sigma_deg=opt_float(field(fields, 8), "heading sigma", 0.0, _SIGMA_LIMIT_DEG),
        gnss_quality=opt_int(field(fields, 9), "gnss quality", 0, 99),
        imu_status=opt_int(field(fields, 10), "imu status", 0, 99),
    )


def _magnitude(text: str, what: str, limit: float) -> float | None:
    value = opt_float(text, what, 0.0, limit)
    if text.startswith("-"):
        # The letter carries the sign; a signed magnitude contradicts it, so trust neither.
        raise FieldError(f"{what}: signed magnitude {text!r} beside a direction letter")
    return value


def parse_phtro(talker: str, raw: str, fields: list[str]) -> Phtro:
    # iXblue Octans/Phins "STD1"/Phins protocol library: pitch magnitude then M (bow up) or P
    # (bow down); roll magnitude then T (port up) or B (port down). Confirmed by the Reson
    # SeaBat 8160 manual (Octans section) and a Phins log from the UMN conservancy.
    pitch = _magnitude(field(fields, 0), "pitch", _PITCH_LIMIT_DEG)
    bow = letter(field(fields, 1), "MP", "pitch direction")
    roll = _magnitude(field(fields, 2), "roll", _ROLL_LIMIT_DEG)
    side = letter(field(fields, 3), "TB", "roll direction")
    if (pitch is not None and bow == "") or (roll is not None and side == ""):
        raise FieldError("PHTRO value without its direction letter")
    return Phtro(
        talker=talker,
        raw=raw,
        pitch_bow_up_deg=None if pitch is None else (pitch if bow == "M" else -pitch),
        roll_port_up_deg=None if roll is None else (roll if side == "T" else -roll),
    )


def parse_phlin(talker: str, raw: str, fields: list[str]) -> Phlin:
    # Signed metres along iXblue's vessel frame XV1 (towards the bow), XV2 (towards port), XV3
    # (up), as the Phins/Octans user guides define it: heave is + up already, kept as sent. The
    # PHLIN pages we have say only "signed"; the frame is from the guides' conventions part and
    # should be confirmed on the platform's unit (docs/nmea.md, open points).
    return Phlin(
        talker=talker,
        raw=raw,
        surge_bow_m=_heave_like(field(fields, 0), "surge"),
        sway_port_m=_heave_like(field(fields, 1), "sway"),
        heave_up_m=_heave(field(fields, 2)),
    )


def _heave_like(text: str, what: str) -> float | None:
    return opt_float(text, what, -_HEAVE_LIMIT_M, _HEAVE_LIMIT_M)
