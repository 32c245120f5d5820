"""The sea platform's sensor box as a scheduled talker: which sentences are due, as bytes.

``PlatformSensorTalker.due(state, now_s)`` returns the NMEA 0183 / TSS1 bytes a platform sensor
box emits at simulation time ``now_s``: GNSS (GGA, RMC, VTG, ZDA), gyro (HDT), anemometer (MWV),
transducers (XDR) and one motion reference unit format chosen in config (PSXN,23, PHTRO+PHLIN,
TSS1 or PASHR), each at its own rate. It does no I/O and reads no clock; the async shell that
writes to a serial port is separate. Optional seeded faults (dropped or corrupted checksums,
truncated sentences, noise) exercise a receiver's error counting.

Knows no ground station code (the wire is the contract, so a shared bug cannot hide) and nothing
of asyncio or serial ports.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from firmware_sim.io.nmea_format import (
    GnssFix,
    format_gga,
    format_hdt,
    format_mwv,
    format_pashr,
    format_phlin,
    format_phtro,
    format_psxn23,
    format_rmc,
    format_tss1,
    format_vtg,
    format_xdr,
    format_zda,
)


class MotionFormat(Enum):
    """Which motion reference unit the platform carries, i.e. which attitude sentences it sends."""

    SEAPATH_PSXN23 = "psxn23"  # Kongsberg Seapath
    IXBLUE_PHTRO_PHLIN = "phtro+phlin"  # iXblue Octans / Phins / Hydrins
    TSS1 = "tss1"  # Teledyne TSS format, output by most MRUs
    PASHR = "pashr"  # RT300 layout: Trimble, NovAtel SPAN, Applanix POS MV


class Sentence(Enum):
    """What a schedule can ask for; MOTION means the sentences of the chosen MotionFormat."""

    GGA = "GGA"
    RMC = "RMC"
    VTG = "VTG"
    ZDA = "ZDA"
    HDT = "HDT"
    MWV = "MWV"
    XDR = "XDR"
    MOTION = "MOTION"


@dataclass(frozen=True, slots=True)
class PlatformSensorState:
    """What the platform's sensors measure at one instant, in the simulator's convention."""

    time_utc: dt.datetime
    latitude_deg: float
    longitude_deg: float
    heading_true_deg: float
    speed_over_ground_mps: float
    course_over_ground_true_deg: float
    wind_angle_relative_deg: float  # apparent wind, clockwise from the bow, blowing from
    wind_speed_relative_mps: float
    pitch_bow_up_deg: float
    roll_port_up_deg: float
    heave_up_m: float
    surge_bow_m: float = 0.0
    sway_port_m: float = 0.0
    vertical_accel_up_mps2: float = 0.0
    horizontal_accel_mps2: float = 0.0
    altitude_msl_m: float = 0.0
    fix: GnssFix = GnssFix.RTK_FIXED

    def __post_init__(self) -> None:
        if self.time_utc.tzinfo is None:
            raise ValueError("time_utc must be timezone-aware")
        if not -90.0 <= self.latitude_deg <= 90.0 or not -180.0 <= self.longitude_deg <= 180.0:
            raise ValueError(f"position {self.latitude_deg}, {self.longitude_deg} out of range")
        if self.speed_over_ground_mps < 0 or self.wind_speed_relative_mps < 0:
            raise ValueError("speeds must not be negative")


DEFAULT_RATES_HZ: Mapping[Sentence, float] = MappingProxyType(
    {
        Sentence.GGA: 1.0,
        Sentence.RMC: 1.0,
        Sentence.VTG: 1.0,
        Sentence.ZDA: 1.0,
        Sentence.HDT: 10.0,
        Sentence.MWV: 1.0,
        Sentence.XDR: 1.0,
        Sentence.MOTION: 25.0,
    }
)


@dataclass(frozen=True, slots=True)
class TalkerFaults:
    """Per-sentence probabilities of each fault, drawn from a generator seeded with ``seed``."""

    drop_checksum: float = 0.0
    corrupt_checksum: float = 0.0
    truncate: float = 0.0
    garbage: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("drop_checksum", "corrupt_checksum", "truncate", "garbage"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a probability, got {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class TalkerConfig:
    motion_format: MotionFormat
    rates_hz: Mapping[Sentence, float] = field(default_factory=lambda: DEFAULT_RATES_HZ)
    faults: TalkerFaults = field(default_factory=TalkerFaults)

    def __post_init__(self) -> None:
        for sentence, rate in self.rates_hz.items():
            if not 0.0 < rate <= 1000.0:
                raise ValueError(f"{sentence.name} rate {rate} Hz outside (0, 1000]")
        object.__setattr__(self, "rates_hz", MappingProxyType(dict(self.rates_hz)))


class PlatformSensorTalker:
    """Returns the bytes a platform sensor box emits, given its state and the simulation time.

    A sentence at rate r is due whenever ``floor(now_s * r)`` changes between calls, so call
    ``due`` at least as often as the fastest rate; missed periods are not replayed, just as a sensor
    does not queue stale samples. The first call emits every scheduled sentence.
    """

    def __init__(self, config: TalkerConfig) -> None:
        self._config = config
        self._rng = random.Random(config.faults.seed)
        # The schedule in the box's output order, with the last period sent of each: looked up by
        # position, as the talker runs every few milliseconds and an enum's hash is a Python call.
        self._schedule = tuple((s, config.rates_hz[s]) for s in Sentence if s in config.rates_hz)
        self._index = {sentence: k for k, (sentence, _) in enumerate(self._schedule)}
        self._last_tick: list[int | None] = [None] * len(self._schedule)
        f = config.faults
        # Without faults a line goes out as it is (the fault draws would only feed the faults).
        self._faulty = any(p > 0.0 for p in (f.drop_checksum, f.corrupt_checksum, f.truncate, f.garbage))

    def any_due(self, now_s: float) -> bool:
        """Whether ``due`` at ``now_s`` would emit anything: the state need not be built otherwise."""
        last = self._last_tick
        return any(last[k] != math.floor(now_s * rate + 1e-9) for k, (_, rate) in enumerate(self._schedule))

    def will_send(self, sentence: Sentence, now_s: float) -> bool:
        """Whether ``due`` at ``now_s`` would emit ``sentence`` (what only it carries is needed then)."""
        k = self._index.get(sentence)
        return k is not None and self._last_tick[k] != math.floor(now_s * self._schedule[k][1] + 1e-9)

    def next_due_s(self, now_s: float) -> float:
        """The earliest simulation time from ``now_s`` on at which ``due`` would emit anything."""
        soonest = math.inf
        for k, (_, rate) in enumerate(self._schedule):
            last = self._last_tick[k]
            if last is None:
                return now_s
            # Its next period begins at (last + 1) / rate; ``due``'s epsilon makes that instant count.
            soonest = min(soonest, (last + 1) / rate)
        return max(soonest, now_s)

    def due(self, state: PlatformSensorState, now_s: float) -> bytes:
        if not math.isfinite(now_s):
            raise ValueError(f"now_s must be finite, got {now_s}")
        out: list[bytes] = []
        last = self._last_tick
        for k, (sentence, rate) in enumerate(self._schedule):  # a fixed order, like a real box's cycle
            tick = math.floor(now_s * rate + 1e-9)  # the epsilon keeps 0.3 s * 10 Hz at tick 3
            if last[k] == tick:
                continue
            last[k] = tick
            lines = self.sentences(sentence, state)
            out.extend([self._with_faults(line) for line in lines] if self._faulty else lines)
        return b"".join(out)

    def sentences(self, sentence: Sentence, s: PlatformSensorState) -> list[bytes]:
        """The lines of one scheduled entry for state ``s``, without faults."""
        match sentence:
            case Sentence.MOTION:
                return self._motion(s)
            case Sentence.GGA:
                return [
                    format_gga(
                        s.time_utc,
                        s.latitude_deg,
                        s.longitude_deg,
                        fix=s.fix,
                        altitude_msl_m=s.altitude_msl_m,
                    )
                ]
            case Sentence.RMC:
                return [
                    format_rmc(
                        s.time_utc,
                        s.latitude_deg,
                        s.longitude_deg,
                        s.speed_over_ground_mps,
                        s.course_over_ground_true_deg,
                        fix=s.fix,
                    )
                ]
            case Sentence.VTG:
                return [format_vtg(s.course_over_ground_true_deg, s.speed_over_ground_mps, fix=s.fix)]
            case Sentence.ZDA:
                return [format_zda(s.time_utc)]
            case Sentence.HDT:
                return [format_hdt(s.heading_true_deg)]
            case Sentence.MWV:
                return [format_mwv(s.wind_angle_relative_deg, s.wind_speed_relative_mps)]
            case Sentence.XDR:
                return [format_xdr(s.pitch_bow_up_deg, s.roll_port_up_deg, s.heave_up_m)]

    def _motion(self, s: PlatformSensorState) -> list[bytes]:
        match self._config.motion_format:
            case MotionFormat.SEAPATH_PSXN23:
                return [
                    format_psxn23(s.roll_port_up_deg, s.pitch_bow_up_deg, s.heading_true_deg, s.heave_up_m)
                ]
            case MotionFormat.IXBLUE_PHTRO_PHLIN:
                return [
                    format_phtro(s.pitch_bow_up_deg, s.roll_port_up_deg),
                    format_phlin(s.surge_bow_m, s.sway_port_m, s.heave_up_m),
                ]
            case MotionFormat.TSS1:
                return [
                    format_tss1(
                        s.heave_up_m,
                        s.roll_port_up_deg,
                        s.pitch_bow_up_deg,
                        horizontal_accel_mps2=s.horizontal_accel_mps2,
                        vertical_accel_up_mps2=s.vertical_accel_up_mps2,
                    )
                ]
            case MotionFormat.PASHR:
                return [
                    format_pashr(
                        s.time_utc,
                        s.heading_true_deg,
                        s.roll_port_up_deg,
                        s.pitch_bow_up_deg,
                        s.heave_up_m,
                        gnss_quality=int(s.fix),
                    )
                ]

    def _with_faults(self, line: bytes) -> bytes:
        faults, rng = self._config.faults, self._rng
        # Draw every decision on every line, so one knob's setting does not shift the others' draws.
        garbage, drop, corrupt, truncate = (rng.random() for _ in range(4))
        noise = rng.randbytes(rng.randint(1, 16))
        cut = rng.random()
        star = line.rfind(b"*")
        if line.startswith(b"$") and star > 0:
            if drop < faults.drop_checksum:
                line = line[:star] + b"\r\n"
            elif corrupt < faults.corrupt_checksum:
                wrong = int(line[star + 1 : star + 3], 16) ^ (1 + int(cut * 255))
                line = line[: star + 1] + f"{wrong:02X}".encode() + b"\r\n"
        if truncate < faults.truncate:
            line = line[: 1 + int(cut * (len(line) - 3))]  # lose the tail, line end included
        if garbage < faults.garbage:
            line = noise + line
        return line
