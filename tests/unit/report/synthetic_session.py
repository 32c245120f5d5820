"""A small recorded session, written with the recorder's own encoders, for the report's tests.

A 60 s hop from ``launch-platform`` to ``hop-barge`` (the sites of ``configs/range/hop.toml``):
the vehicle's frames (heartbeats with its phases, positions at 10 Hz, engine, tanks, IMU, cargo bay,
its impact point, a chunked touchdown report) and the station's own (heartbeats, an ARM command)
in ``flight.tlog``; each platform's GGA at 1 Hz and PSXN,23 motion at 10 Hz; a journal with a count
that holds 4 s, alerts, commands, phases, cargo stages and the fleet's lines; a manifest and a
``verdict.json``. Frames are built with the project's MAVLink codec from the generated dialect,
sentences with the simulator's NMEA formatter. Writing it takes a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import orjson

from firmware_sim.io.nmea_format import format_gga, format_psxn23
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec
from gcs.recorder import journal, nmea_log, tlog
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.recorder.session import JOURNAL_NAME, Manifest, SessionState, nmea_file_name

EPOCH_S = 1_800_000_000.0
SESSION_ID = "20270115T080000Z-abc123"
LAUNCH = ("launch-platform", 36.5, 121.6)
BARGE = ("hop-barge", 36.5, 121.6045)
END_S = 60.0

# Vehicle phases by start time (s after EPOCH_S). TOUCHDOWN lasts less than a heartbeat, as in SITL:
# only the touchdown report tells of it.
PHASES = [
    (0.0, FlightPhase.STANDBY),
    (10.0, FlightPhase.TERMINAL_COUNT),
    (20.0, FlightPhase.IGNITION),
    (22.0, FlightPhase.ASCENT),
    (32.0, FlightPhase.COAST),
    (36.0, FlightPhase.LANDING_BURN),
    (50.0, FlightPhase.SAFING),
    (55.0, FlightPhase.SAFE),
]
LIFTOFF_S = 22.0
TOUCHDOWN_S = 49.95
APOGEE_M = 530.0
TOUCHDOWN_TEXT = "touchdown on hop-barge: 1.10 m/s down, 0.05 m/s across, 0.2 deg, 0.3 m off centre"


def phase_at(t_s: float) -> FlightPhase:
    return [p for start, p in PHASES if start <= t_s][-1]


def _flying(t_s: float) -> bool:
    return LIFTOFF_S <= t_s <= TOUCHDOWN_S


def vehicle_position(t_s: float) -> tuple[float, float, float, float, float]:
    """Latitude, longitude, altitude (m), east and up velocity (m/s) at ``t_s``: a 400 m hop east."""
    lat, lon0 = LAUNCH[1], LAUNCH[2]
    span = TOUCHDOWN_S - LIFTOFF_S
    if t_s < LIFTOFF_S:
        return lat, lon0, 30.0, 0.0, 0.0
    if t_s > TOUCHDOWN_S:
        return lat, BARGE[2], 2.5, 0.0, 0.0
    x = (t_s - LIFTOFF_S) / span
    east_m = 400.0 * x
    lon = lon0 + east_m / (111_320.0 * math.cos(math.radians(lat)))
    alt = 30.0 + APOGEE_M * math.sin(math.pi * x) - 27.5 * x
    up = APOGEE_M * math.pi / span * math.cos(math.pi * x) - 27.5 / span
    return lat, lon, alt, 400.0 / span, up


def _vehicle_frames() -> list[tuple[float, bytes]]:
    codec = MavlinkCodec(1, 1)
    frames: list[tuple[float, bytes]] = []
    for step in range(int(END_S * 10)):
        t = round(step * 0.1, 3)
        ms = int(t * 1000)
        if step % 10 == 0:
            beat = seaport.MAVLink_heartbeat_message(
                seaport.MAV_TYPE_ROCKET,
                seaport.MAV_AUTOPILOT_GENERIC,
                0,
                int(phase_at(t)),
                seaport.MAV_STATE_ACTIVE,
                3,
            )
            frames.append((t, codec.encode(beat)))
            burning = 20.0 <= t < 32.0 or 36.0 <= t < TOUCHDOWN_S
            engine = seaport.MAVLink_engine_status_message(
                ms,
                0,
                3 if burning else 0,
                9.5e6 if burning else 1e5,
                650e3 if burning else 0.0,
                100.0,
                0,
                0,
                3.6,
                2,
            )
            frames.append((t + 0.001, codec.encode(engine)))
            lox = 16_000.0 - 400.0 * max(0.0, min(t, 50.0) - 20.0)
            tanks = seaport.MAVLink_tank_status_message(ms, lox, lox / 3.6, 300e3, 280e3, 90.0, 111.0, 0)
            frames.append((t + 0.002, codec.encode(tanks)))
            bay = seaport.MAVLink_cargo_bay_message(
                ms, 20.0 + 0.2 * t, 40.0, 101e3, 3.0 if _flying(t) else 0.1, 0.4, 0
            )
            frames.append((t + 0.003, codec.encode(bay)))
            if _flying(t):
                iip = seaport.MAVLink_impact_point_message(
                    ms, int(36.5 * 1e7), int(121.603 * 1e7), 10.0, 50.0, 20.0, 90.0, 1
                )
                frames.append((t + 0.004, codec.encode(iip)))
        lat, lon, alt, east, up = vehicle_position(t)
        position = seaport.MAVLink_global_position_int_message(
            ms,
            round(lat * 1e7),
            round(lon * 1e7),
            round(alt * 1000),
            round((alt - 30) * 1000),
            0,
            round(east * 100),
            round(-up * 100),
            9000,
        )
        frames.append((t + 0.005, codec.encode(position)))
        accel = 9.80665 * (2.4 if 20.0 <= t < 32.0 else 1.0)
        imu = seaport.MAVLink_highres_imu_message(
            ms * 1000, accel, 0, 0, 0, 0, 0, 0, 0, 0, 101e3, 0, alt, 20, 0
        )
        frames.append((t + 0.006, codec.encode(imu)))
    # The touchdown report: longer than one STATUSTEXT, so in two chunks sharing an id.
    raw = TOUCHDOWN_TEXT.encode()
    for seq, start in enumerate(range(0, len(raw), 50)):
        chunk = seaport.MAVLink_statustext_message(seaport.MAV_SEVERITY_INFO, raw[start : start + 50], 7, seq)
        frames.append((TOUCHDOWN_S + 0.001 * seq, codec.encode(chunk)))
    return frames


def _station_frames() -> list[tuple[float, bytes]]:
    """The station's own frames: a GCS heartbeat a second and the ARM command (never the vehicle's data)."""
    codec = MavlinkCodec(255, 190)
    frames = [
        (t + 0.5, codec.encode(seaport.MAVLink_heartbeat_message(seaport.MAV_TYPE_GCS, 8, 0, 0, 4, 3)))
        for t in range(int(END_S))
    ]
    arm = seaport.MAVLink_command_long_message(1, 1, 400, 0, 1, 0, 0, 0, 0, 0, 0)
    frames.append((9.0, codec.encode(arm)))
    return frames


def _platform_lines(name: str, lat: float, lon: float) -> list[tuple[float, bytes]]:
    lines = []
    for step in range(int(END_S * 10)):
        t = round(step * 0.1, 3)
        pitch = 0.5 * math.sin(2 * math.pi * t / 8.0)
        roll = 0.8 * math.sin(2 * math.pi * t / 6.0)
        heave = 0.1 * math.sin(2 * math.pi * t / 7.0)
        lines.append((t + 0.01, format_psxn23(roll, pitch, 90.0, heave).rstrip(b"\r\n")))
        if step % 10 == 0:
            when = dt.datetime.fromtimestamp(EPOCH_S + t, tz=dt.UTC)
            lines.append((t + 0.02, format_gga(when, lat, lon).rstrip(b"\r\n")))
    return lines


def _journal_entries() -> list[tuple[float, JournalKind, str, str | None, dict[str, Any]]]:
    def count(
        t_count: float, from_state: str, to_state: str, reason: str, hold: str | None = None
    ) -> dict[str, Any]:
        return {
            "action": "count_changed",
            "reason": reason,
            "from_state": from_state,
            "to_state": to_state,
            "t_count_s": t_count,
            "hold_kind": hold,
            "display": to_state,
        }

    def delivery(stage: str) -> dict[str, Any]:
        return {
            "action": "delivery",
            "flight_id": SESSION_ID,
            "stage": stage,
            "platform": "hop-barge",
            "parcels": 6,
            "detail": "",
        }

    def alert(action: str, key: str, severity: str, reason: str) -> dict[str, Any]:
        return {"action": action, "reason": reason, "key": key, "severity": severity, "source": "red_lines"}

    decision, operator, alert_kind = JournalKind.DECISION, JournalKind.OPERATOR_ACTION, JournalKind.ALERT
    return [
        (0.1, JournalKind.SESSION_START, "recorder", None, {"session": SESSION_ID}),
        (0.5, decision, "fleet", None, {"vehicle_id": "SIM-test-1", "go": True, "reason": "go"}),
        (0.8, decision, "cargo", None, delivery("loaded")),
        (1.0, operator, "launch", "director", count(-15.0, "idle", "counting", "count started at T-15 s")),
        (
            3.0,
            alert_kind,
            "launch",
            None,
            alert("alert_raised", "criterion:landing deck pitch", "caution", "pitch"),
        ),
        (4.0, decision, "launch", None, count(-12.0, "counting", "holding", "poll hold", "built_in")),
        (5.0, decision, "launch", None, {"action": "criterion_violated", "reason": "quiet"}),
        (
            6.0,
            alert_kind,
            "launch",
            None,
            alert("alert_cleared", "criterion:landing deck pitch", "caution", "ok"),
        ),
        (8.0, decision, "launch", None, count(-12.0, "holding", "counting", "poll hold complete")),
        (
            9.0,
            JournalKind.COMMAND_SENT,
            "vehicle-link",
            None,
            {"sysid": 1, "command": 400, "command_name": "MAV_CMD_COMPONENT_ARM_DISARM", "params": [1.0]},
        ),
        (
            9.5,
            JournalKind.COMMAND_ACK,
            "vehicle-link",
            None,
            {
                "sysid": 1,
                "command": 400,
                "command_name": "MAV_CMD_COMPONENT_ARM_DISARM",
                "result": "ACCEPTED",
            },
        ),
        (
            14.0,
            decision,
            "launch",
            None,
            count(-6.0, "counting", "terminal", "terminal count handed to the vehicle"),
        ),
        (20.0, decision, "launch", None, count(0.0, "terminal", "liftoff", "T-0")),
        (
            22.0,
            JournalKind.PHASE_CHANGE,
            "launch",
            None,
            {"action": "phase_changed", "reason": "IGNITION -> ASCENT", "to_phase": "ascent"},
        ),
        (22.0, decision, "cargo", None, delivery("launched")),
        (
            40.0,
            alert_kind,
            "launch",
            None,
            alert("alert_raised", "red_line:cargo bay temperature", "caution", "bay 27 degC"),
        ),
        (
            41.0,
            alert_kind,
            "launch",
            None,
            alert("alert_raised", "red_line:cargo bay temperature", "warning", "bay 28 degC"),
        ),
        (50.0, decision, "cargo", None, delivery("landed")),
        (
            59.0,
            decision,
            "fleet",
            None,
            {
                "action": "flight_recorded",
                "vehicle_id": "SIM-test-1",
                "flight_id": SESSION_ID,
                "outcome": "landed",
                "engine_starts": 2,
                "burn_time_s": 26.0,
                "result": "added",
                "database": "fleet.sqlite",
            },
        ),
        (59.9, JournalKind.SESSION_END, "gcs", None, {"reason": "stopped"}),
    ]


VERDICT = {
    "scenario": "synthetic-hop",
    "passed": True,
    "speed": 10.0,
    "simulated_s": END_S,
    "checks": [
        {"name": "phases", "ok": True, "detail": "saw standby > ... > safe"},
        {"name": "landed on", "ok": True, "detail": "on hop-barge <0.3 m off centre>"},
    ],
}


def _us(t_s: float) -> int:
    return round((EPOCH_S + t_s) * 1_000_000)


def write_session(parent: Path, *, verdict: bool = True) -> Path:
    """Write the session into a new folder under ``parent``; returns the folder."""
    folder = parent / SESSION_ID
    folder.mkdir(parents=True)
    frames = sorted([*_vehicle_frames(), *_station_frames()], key=lambda f: f[0])
    (folder / "flight.tlog").write_bytes(b"".join(tlog.encode_record(_us(t), frame) for t, frame in frames))
    for name, lat, lon in (LAUNCH, BARGE):
        lines = _platform_lines(name, lat, lon)
        (folder / nmea_file_name(name)).write_bytes(
            b"".join(nmea_log.encode_line(_us(t), s) for t, s in lines)
        )
    records = [
        JournalRecord(seq, _us(t), kind, source, who, payload)
        for seq, (t, kind, source, who, payload) in enumerate(_journal_entries())
    ]
    (folder / JOURNAL_NAME).write_bytes(b"".join(journal.encode_line(r) for r in records))
    manifest = Manifest(
        SESSION_ID, _us(0.0), SessionState.CLOSED, _us(END_S), platforms=(LAUNCH[0], BARGE[0])
    )
    (folder / "session.json").write_bytes(manifest.to_json())
    if verdict:
        (folder / "verdict.json").write_bytes(orjson.dumps(VERDICT))
    return folder
