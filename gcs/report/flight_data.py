"""A recorded session read into what a report plots: the vehicle's fields, track and phases, each sea
platform's position and deck motion, the journal, the manifest and the SITL verdict.

One pass over the session's merged timeline (``gcs.recorder.timeline``, the reader replay and
export use: damage is skipped and counted, never fatal). The vehicle's frames go through the
station's own pieces: the MAVLink codec and ``VehicleTelemetryTranslator``, so every field carries
the name and the value the launch rules saw (``vehicle.altitude_m``, ``engine.thrust_n``...). Each
platform's raw NMEA goes through the station's decoder and ``PlatformInputs``, so positions and deck
motion come out in the station's sign convention, after its motion-source choice and spike gate.

Times are Unix seconds (the recorded receive stamps). Knows nothing of plotting, HTML or the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from gcs.domain.deck_motion import DeckMotionTracker
from gcs.domain.fields import FIELDS
from gcs.domain.phases import FlightPhase
from gcs.errors import GcsError
from gcs.links.sea_platform_inputs import PlatformInputs, Stamp
from gcs.links.sea_platform_settings import SeaPlatformSettings
from gcs.links.sea_platform_values import PlatformPosition
from gcs.links.statustext import StatusTextAssembler
from gcs.links.touchdown_report import TouchdownReport, parse_touchdown_report
from gcs.links.vehicle_telemetry import VehicleTelemetryTranslator
from gcs.protocol.mavlink import MavlinkCodec
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.recorder.journal import JournalRecord
from gcs.recorder.session import Manifest
from gcs.recorder.timeline import SessionTimeline, Source, open_for_reading
from gcs.report.series import FloatArray, SeriesBook

VERDICT_NAME = "verdict.json"
_MAV_TYPE_ROCKET = 9
_READER_SYSTEM_ID = 255
"""The codec's own id; it only decodes here, so any id does."""


class ReportError(GcsError):
    """A session folder a report cannot be made of (missing, or holding nothing recorded)."""


@dataclass(frozen=True, slots=True)
class VehicleTrack:
    """Every position report of the vehicle, as arrays of one length (Unix seconds, degrees, metres, m/s)."""

    t_s: FloatArray
    latitude_deg: FloatArray
    longitude_deg: FloatArray
    altitude_m: FloatArray
    velocity_north_mps: FloatArray
    velocity_east_mps: FloatArray
    velocity_down_mps: FloatArray
    phase: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.t_s.size)


@dataclass(frozen=True, slots=True)
class PhaseMark:
    """The vehicle reported ``phase`` from ``t_s`` on (its heartbeat's ``custom_mode``)."""

    t_s: float
    phase: FlightPhase


@dataclass(frozen=True, slots=True)
class ImpactReport:
    """The vehicle's own IMPACT_POINT."""

    t_s: float
    latitude_deg: float
    longitude_deg: float
    inside_corridor: bool


@dataclass(frozen=True, slots=True)
class PlatformData:
    """One sea platform: its GNSS fixes and its deck motion samples (station sign convention)."""

    name: str
    positions: tuple[tuple[float, float, float], ...]
    """``(t_s, latitude_deg, longitude_deg)`` of every fix used."""
    deck: SeriesBook
    """``pitch_bow_up_deg``, ``roll_port_up_deg``, ``heave_up_m``, per sample used."""

    def mean_position(self) -> tuple[float, float] | None:
        if not self.positions:
            return None
        lat = float(np.mean([p[1] for p in self.positions]))
        lon = float(np.degrees(np.angle(np.mean(np.exp(1j * np.radians([p[2] for p in self.positions]))))))
        return lat, lon


@dataclass(frozen=True, slots=True)
class SessionData:
    folder: Path
    session_id: str
    manifest: Manifest | None
    start_s: float
    end_s: float
    file_lines: tuple[str, ...]
    """What reading each file gave and skipped, and notes on the folder (``TimelineReport.lines``)."""
    clean: bool
    vehicle_system_id: int | None
    vehicle: SeriesBook
    """Catalogue fields (``gcs.domain.fields``) of the vehicle, by name, as the translator gave them."""
    track: VehicleTrack
    phases: tuple[PhaseMark, ...]
    status_texts: tuple[tuple[float, str], ...]
    touchdown: tuple[float, TouchdownReport] | None
    vehicle_iip: tuple[ImpactReport, ...]
    platforms: Mapping[str, PlatformData]
    journal: tuple[JournalRecord, ...]
    verdict: Mapping[str, Any] | None
    verdict_error: str | None = None

    @property
    def phases_reached(self) -> list[FlightPhase]:
        return [m.phase for m in self.phases]


class _RecordingTracker(DeckMotionTracker):
    """``PlatformInputs``' tracker that also keeps every motion sample the inputs accept: the report
    plots the samples themselves (the tracker's windowed figures are what the live display shows)."""

    def __init__(self, settings: SeaPlatformSettings, deck: SeriesBook) -> None:
        super().__init__(
            window_s=settings.window_s, bucket_s=settings.bucket_s, rate_span_s=settings.rate_span_s
        )
        self._deck = deck

    def add(
        self,
        t_s: float,
        *,
        pitch_bow_up_deg: float | None = None,
        roll_port_up_deg: float | None = None,
        heave_up_m: float | None = None,
    ) -> None:
        for name, value, unit in (
            ("pitch_bow_up_deg", pitch_bow_up_deg, "deg"),
            ("roll_port_up_deg", roll_port_up_deg, "deg"),
            ("heave_up_m", heave_up_m, "m"),
        ):
            if value is not None:
                self._deck.add(name, t_s, value, unit)
        super().add(
            t_s, pitch_bow_up_deg=pitch_bow_up_deg, roll_port_up_deg=roll_port_up_deg, heave_up_m=heave_up_m
        )


class _PlatformReader:
    def __init__(self, name: str) -> None:
        self.name = name
        self._decoder = NmeaTss1Decoder()
        self._inputs = PlatformInputs(SeaPlatformSettings(name=name))
        self.deck = SeriesBook()
        self._inputs.tracker = _RecordingTracker(self._inputs.settings, self.deck)
        self.positions: list[tuple[float, float, float]] = []

    def feed(self, t_s: float, sentence: bytes) -> None:
        stamp = Stamp(t_s, t_s)
        for item in self._decoder.feed(sentence + b"\r\n"):
            values, _ = self._inputs.observe(item, stamp)
            for value in values:
                if isinstance(value, PlatformPosition):
                    self.positions.append((t_s, value.latitude_deg, value.longitude_deg))

    def result(self) -> PlatformData:
        return PlatformData(self.name, tuple(self.positions), self.deck)


@dataclass(slots=True)
class _VehicleReader:
    codec: MavlinkCodec = field(default_factory=lambda: MavlinkCodec(_READER_SYSTEM_ID, 0))
    translator: VehicleTelemetryTranslator = field(default_factory=VehicleTelemetryTranslator)
    texts: StatusTextAssembler = field(default_factory=StatusTextAssembler)
    system_id: int | None = None
    book: SeriesBook = field(default_factory=SeriesBook)
    track: list[tuple[float, ...]] = field(default_factory=list)
    phases: list[PhaseMark] = field(default_factory=list)
    status_texts: list[tuple[float, str]] = field(default_factory=list)
    touchdown: tuple[float, TouchdownReport] | None = None
    iip: list[ImpactReport] = field(default_factory=list)

    def feed(self, t_s: float, frame: bytes) -> None:
        for msg in self.codec.feed(frame) or self.codec.flush():
            self._message(t_s, msg)

    def _message(self, t_s: float, msg: Any) -> None:
        kind = msg.get_type()
        if self.system_id is None:
            if kind != "HEARTBEAT" or msg.type != _MAV_TYPE_ROCKET:
                return
            self.system_id = msg.get_srcSystem()  # the session's vehicle: the first rocket heard
        if msg.get_srcSystem() != self.system_id:
            return
        if kind == "HEARTBEAT" and msg.type == _MAV_TYPE_ROCKET:
            try:
                phase = FlightPhase(msg.custom_mode)
            except ValueError:
                phase = None
            if phase is not None and (not self.phases or self.phases[-1].phase is not phase):
                self.phases.append(PhaseMark(t_s, phase))
        elif kind == "STATUSTEXT":
            text = self.texts.feed(msg)
            if text is not None:
                self.status_texts.append((t_s, text.text))
                report = parse_touchdown_report(text.text)
                if report is not None and self.touchdown is None:
                    self.touchdown = (t_s, report)
        elif kind == "IMPACT_POINT":
            self.iip.append(
                ImpactReport(t_s, msg.lat_deg_e7 / 1e7, msg.lon_deg_e7 / 1e7, bool(msg.inside_corridor))
            )
        translated = self.translator.translate(msg, t_s)
        for sample in translated.samples:
            info = FIELDS.get(sample.field)
            self.book.add(sample.field, sample.t_s, sample.value, info.unit if info is not None else "")
        state = translated.state
        if state is not None:
            self.track.append(
                (
                    t_s,
                    state.latitude_deg,
                    state.longitude_deg,
                    state.altitude_m,
                    state.velocity_north_mps,
                    state.velocity_east_mps,
                    state.velocity_down_mps,
                    float(state.phase),
                )
            )

    def vehicle_track(self) -> VehicleTrack:
        rows = np.asarray(self.track, dtype=np.float64).reshape(-1, 8)
        return VehicleTrack(
            rows[:, 0],
            rows[:, 1],
            rows[:, 2],
            rows[:, 3],
            rows[:, 4],
            rows[:, 5],
            rows[:, 6],
            rows[:, 7].astype(np.int64),
        )


def with_touchdown(marks: list[PhaseMark], report_s: float | None) -> tuple[PhaseMark, ...]:
    """The phases, with the TOUCHDOWN a touchdown report received at ``report_s`` tells of.

    TOUCHDOWN is often shorter than a heartbeat, and the report (a STATUSTEXT) can arrive after the
    heartbeat that already says SAFING: then TOUCHDOWN goes in at the first phase after the landing
    burn, the moment the station could first see the vehicle was down."""
    if report_s is None or any(m.phase is FlightPhase.TOUCHDOWN for m in marks):
        return tuple(marks)
    burns = [i for i, m in enumerate(marks) if m.phase is FlightPhase.LANDING_BURN and m.t_s <= report_s]
    if burns and burns[-1] + 1 < len(marks) and marks[burns[-1] + 1].t_s <= report_s:
        after = burns[-1] + 1
        return (*marks[:after], PhaseMark(marks[after].t_s, FlightPhase.TOUCHDOWN), *marks[after:])
    return (
        *(m for m in marks if m.t_s <= report_s),
        PhaseMark(report_s, FlightPhase.TOUCHDOWN),
        *(m for m in marks if m.t_s > report_s),
    )


def read_verdict(folder: Path) -> tuple[Mapping[str, Any] | None, str | None]:
    """``verdict.json`` (written by ``gcs sitl``) if there is one, and why it could not be read if not."""
    path = folder / VERDICT_NAME
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None, None
    except (OSError, orjson.JSONDecodeError) as exc:
        return None, f"{VERDICT_NAME} unreadable: {exc}"
    if not isinstance(data, dict):
        return None, f"{VERDICT_NAME} is not a JSON object"
    return data, None


def read_session(folder: Path) -> SessionData:
    """Read ``folder`` for a report (never changes it).

    Raises:
        ReportError: ``folder`` is not a folder, or holds no recorded file at all.
    """
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such session folder")
    session, notes = open_for_reading(folder)
    if not session.tlog_paths and not session.nmea_paths and not session.journal_path.exists():
        raise ReportError(
            f"{folder}: not a recorded session (no flight.tlog, journal.jsonl or nmea-*.log in it)"
        )
    timeline = SessionTimeline(session, notes=notes)
    vehicle = _VehicleReader()
    platforms = {name: _PlatformReader(name) for name in timeline.platforms}
    journal: list[JournalRecord] = []
    first_s = last_s = math.nan
    for item in timeline:
        t_s = item.unix_time_us / 1_000_000
        if math.isnan(first_s):
            first_s = t_s
        last_s = t_s
        if item.source is Source.TLOG:
            assert isinstance(item.data, bytes)
            vehicle.feed(t_s, item.data)
        elif item.source is Source.NMEA:
            assert isinstance(item.data, bytes)
            assert item.platform is not None
            platforms[item.platform].feed(t_s, item.data)
        else:
            assert isinstance(item.data, JournalRecord)
            journal.append(item.data)
    report = timeline.report()
    if report.records == 0:
        raise ReportError(f"{folder}: the session's files hold no readable record")
    manifest = session.manifest
    start_s, end_s = first_s, last_s
    if manifest is not None:
        start_s = min(start_s, manifest.started_unix_us / 1e6)
        if manifest.ended_unix_us is not None:
            end_s = max(end_s, manifest.ended_unix_us / 1e6)
    verdict, verdict_error = read_verdict(folder)
    return SessionData(
        folder=folder,
        session_id=manifest.session_id if manifest is not None else folder.name,
        manifest=manifest,
        start_s=start_s,
        end_s=end_s,
        file_lines=tuple(report.lines()),
        clean=report.clean,
        vehicle_system_id=vehicle.system_id,
        vehicle=vehicle.book,
        track=vehicle.vehicle_track(),
        phases=with_touchdown(
            vehicle.phases, vehicle.touchdown[0] if vehicle.touchdown is not None else None
        ),
        status_texts=tuple(vehicle.status_texts),
        touchdown=vehicle.touchdown,
        vehicle_iip=tuple(vehicle.iip),
        platforms={name: reader.result() for name, reader in platforms.items()},
        journal=tuple(journal),
        verdict=verdict,
        verdict_error=verdict_error,
    )
