"""NMEA 0183 and TSS1 sentences from values, each in its vendor's units and sign convention.

Pure functions: values in the simulator's convention (heave + up, roll + port up, pitch + bow up)
go in, one sentence with a correct checksum and CR LF comes out. Conversion to each vendor's
convention happens here, which is exactly what the ground station's parsers must undo.

Knows no ground station code (the wire is the contract, so a shared bug cannot hide) and nothing
of schedules, asyncio or serial ports.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum, IntEnum
from functools import reduce
from operator import xor

_KNOT_MPS = 1852.0 / 3600.0


class GnssFix(IntEnum):
    """GGA fix quality values the simulated receiver reports."""

    NO_FIX = 0
    GPS = 1
    DGPS = 2
    RTK_FIXED = 4
    RTK_FLOAT = 5


class WindReference(Enum):
    RELATIVE = "R"
    TRUE = "T"


class WindSpeedUnit(Enum):
    KNOTS = "N"
    METRES_PER_SECOND = "M"
    KILOMETRES_PER_HOUR = "K"


_WIND_MPS_PER_UNIT = {
    WindSpeedUnit.KNOTS: _KNOT_MPS,
    WindSpeedUnit.METRES_PER_SECOND: 1.0,
    WindSpeedUnit.KILOMETRES_PER_HOUR: 1.0 / 3.6,
}


class Tss1Aiding(Enum):
    UNAIDED = "U"
    GNSS_AIDED = "G"
    HEADING_AIDED = "H"
    FULLY_AIDED = "F"


# --- framing ------------------------------------------------------------------------------------


def nmea_checksum(body: str) -> int:
    """XOR of every character between ``$`` and ``*``."""
    return reduce(xor, body.encode("ascii"), 0)


def nmea_frame(body: str) -> bytes:
    """``$body*HH`` plus CR LF."""
    return f"${body}*{nmea_checksum(body):02X}\r\n".encode("ascii")


def _hhmmss(when: dt.datetime, decimals: int) -> str:
    if when.tzinfo is None:
        raise ValueError("sentence times must be timezone-aware")
    utc = when.astimezone(dt.UTC)
    # Truncate, never round, the fraction: rounding 59.999 up would print second 60.
    fraction = f".{utc.microsecond // 10 ** (6 - decimals):0{decimals}d}" if decimals else ""
    return f"{utc:%H%M%S}{fraction}"


def _lat(deg: float) -> str:
    return _deg_min(abs(deg), 2) + ("," + ("N" if deg >= 0 else "S"))


def _lon(deg: float) -> str:
    return _deg_min(abs(deg), 3) + ("," + ("E" if deg >= 0 else "W"))


def _deg_min(deg: float, width: int) -> str:
    # Round the total in minutes first, so 59.999999' carries into the degrees instead of
    # printing as 60.00000'.
    total_min = round(deg * 60.0, 5)
    whole = int(total_min // 60)
    return f"{whole:0{width}d}{total_min - whole * 60:08.5f}"


def _angle360(deg: float) -> float:
    return round(deg % 360.0, 2) % 360.0


# --- standard sentences -------------------------------------------------------------------------


def format_gga(
    when: dt.datetime,
    latitude_deg: float,
    longitude_deg: float,
    *,
    fix: GnssFix = GnssFix.RTK_FIXED,
    satellites: int = 14,
    hdop: float = 0.7,
    altitude_msl_m: float = 0.0,
    geoid_separation_m: float = 0.0,
    talker: str = "GN",
) -> bytes:
    position = "," * 3 if fix is GnssFix.NO_FIX else f"{_lat(latitude_deg)},{_lon(longitude_deg)}"
    return nmea_frame(
        f"{talker}GGA,{_hhmmss(when, 2)},{position},{int(fix)},{satellites:02d},{hdop:.1f},"
        f"{altitude_msl_m:.2f},M,{geoid_separation_m:.2f},M,,"
    )


_RMC_MODE = {
    GnssFix.NO_FIX: "N",
    GnssFix.GPS: "A",
    GnssFix.DGPS: "D",
    GnssFix.RTK_FIXED: "R",
    GnssFix.RTK_FLOAT: "F",
}


def format_rmc(
    when: dt.datetime,
    latitude_deg: float,
    longitude_deg: float,
    speed_over_ground_mps: float,
    course_true_deg: float,
    *,
    fix: GnssFix = GnssFix.RTK_FIXED,
    magnetic_variation_east_deg: float | None = None,
    talker: str = "GN",
) -> bytes:
    variation = ","
    if magnetic_variation_east_deg is not None:
        variation = (
            f"{abs(magnetic_variation_east_deg):.1f},{'E' if magnetic_variation_east_deg >= 0 else 'W'}"
        )
    status = "V" if fix is GnssFix.NO_FIX else "A"
    return nmea_frame(
        f"{talker}RMC,{_hhmmss(when, 2)},{status},{_lat(latitude_deg)},{_lon(longitude_deg)},"
        f"{speed_over_ground_mps / _KNOT_MPS:.2f},{_angle360(course_true_deg):.2f},"
        f"{when.astimezone(dt.UTC):%d%m%y},{variation},{_RMC_MODE[fix]}"
    )


def format_vtg(
    course_true_deg: float,
    speed_over_ground_mps: float,
    *,
    course_magnetic_deg: float | None = None,
    fix: GnssFix = GnssFix.RTK_FIXED,
    talker: str = "GN",
) -> bytes:
    magnetic = "" if course_magnetic_deg is None else f"{_angle360(course_magnetic_deg):.2f}"
    return nmea_frame(
        f"{talker}VTG,{_angle360(course_true_deg):.2f},T,{magnetic},M,"
        f"{speed_over_ground_mps / _KNOT_MPS:.2f},N,{speed_over_ground_mps * 3.6:.2f},K,{_RMC_MODE[fix]}"
    )


def format_zda(when: dt.datetime, *, talker: str = "GN") -> bytes:
    utc = when.astimezone(dt.UTC)
    return nmea_frame(f"{talker}ZDA,{_hhmmss(when, 2)},{utc:%d},{utc:%m},{utc:%Y},00,00")


def format_hdt(heading_true_deg: float, *, talker: str = "HE") -> bytes:
    return nmea_frame(f"{talker}HDT,{_angle360(heading_true_deg):.2f},T")


def format_mwv(
    wind_angle_deg: float,
    wind_speed_mps: float,
    *,
    reference: WindReference = WindReference.RELATIVE,
    unit: WindSpeedUnit = WindSpeedUnit.KNOTS,
    valid: bool = True,
    talker: str = "WI",
) -> bytes:
    speed = wind_speed_mps / _WIND_MPS_PER_UNIT[unit]
    return nmea_frame(
        f"{talker}MWV,{_angle360(wind_angle_deg):.1f},{reference.value},{speed:.1f},{unit.value},"
        f"{'A' if valid else 'V'}"
    )


def format_xdr(
    pitch_bow_up_deg: float, roll_port_up_deg: float, heave_up_m: float, *, talker: str = "YX"
) -> bytes:
    # XDR has no standard names or signs for attitude; this box sends our own convention under
    # the names PITCH, ROLL and HEAVE (as in domain.md's example), documented in docs/nmea.md.
    return nmea_frame(
        f"{talker}XDR,A,{pitch_bow_up_deg:.2f},D,PITCH,A,{roll_port_up_deg:.2f},D,ROLL,"
        f"D,{heave_up_m:.2f},M,HEAVE"
    )


# --- motion sentences, each in its vendor's convention -----------------------------------------


def format_psxn23(
    roll_port_up_deg: float, pitch_bow_up_deg: float, heading_true_deg: float, heave_up_m: float
) -> bytes:
    # Seapath: roll + starboard down (= port up), pitch + bow up, heave + DOWN.
    return nmea_frame(
        f"PSXN,23,{roll_port_up_deg:.2f},{pitch_bow_up_deg:.2f},{_angle360(heading_true_deg):.2f},"
        f"{-heave_up_m:.2f}"
    )


def format_pashr(
    when: dt.datetime,
    heading_true_deg: float,
    roll_port_up_deg: float,
    pitch_bow_up_deg: float,
    heave_up_m: float,
    *,
    roll_sigma_deg: float = 0.02,
    pitch_sigma_deg: float = 0.02,
    heading_sigma_deg: float = 0.05,
    gnss_quality: int = 4,
    imu_status: int = 1,
) -> bytes:
    # RT300 layout with NovAtel's always-signed values; roll + port up, pitch + bow up, heave + up.
    return nmea_frame(
        f"PASHR,{_hhmmss(when, 3)},{_angle360(heading_true_deg):.2f},T,{roll_port_up_deg:+.2f},"
        f"{pitch_bow_up_deg:+.2f},{heave_up_m:+.2f},{roll_sigma_deg:.3f},{pitch_sigma_deg:.3f},"
        f"{heading_sigma_deg:.3f},{gnss_quality},{imu_status}"
    )


def format_phtro(pitch_bow_up_deg: float, roll_port_up_deg: float) -> bytes:
    # iXblue: unsigned magnitudes; M bow up / P bow down, T port up / B port down.
    bow = "M" if pitch_bow_up_deg >= 0 else "P"
    side = "T" if roll_port_up_deg >= 0 else "B"
    return nmea_frame(f"PHTRO,{abs(pitch_bow_up_deg):.2f},{bow},{abs(roll_port_up_deg):.2f},{side}")


def format_phlin(surge_bow_m: float, sway_port_m: float, heave_up_m: float) -> bytes:
    # iXblue vessel frame: XV1 towards the bow, XV2 towards port, XV3 up.
    return nmea_frame(f"PHLIN,{surge_bow_m:.3f},{sway_port_m:.3f},{heave_up_m:.3f}")


def _sign_digits(value: float, scale: float) -> str:
    count = min(9999, round(abs(value) / scale))
    return f"{'-' if value < 0 and count else ' '}{count:04d}"


def format_tss1(
    heave_up_m: float,
    roll_port_up_deg: float,
    pitch_bow_up_deg: float,
    *,
    horizontal_accel_mps2: float = 0.0,
    vertical_accel_up_mps2: float = 0.0,
    aiding: Tss1Aiding = Tss1Aiding.FULLY_AIDED,
    settled: bool = True,
) -> bytes:
    """``:XXAAAA MHHHHQMRRRR MPPPP`` + CR LF; values beyond the fields' range are clamped."""
    horizontal = min(0xFF, max(0, round(horizontal_accel_mps2 / 0.0383)))
    vertical = min(0x7FFF, max(-0x8000, round(vertical_accel_up_mps2 / 0.000625))) & 0xFFFF
    status = aiding.value if settled else aiding.value.lower()
    return (
        f":{horizontal:02X}{vertical:04X} {_sign_digits(heave_up_m, 0.01)}{status}"
        f"{_sign_digits(roll_port_up_deg, 0.01)} {_sign_digits(pitch_bow_up_deg, 0.01)}\r\n"
    ).encode("ascii")
