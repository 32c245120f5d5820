"""Fault schedules in the real ``firmware-sim`` processes, at high speed: a platform whose sea rises and
which drifts off station shows both in the NMEA it talks (decoded by the ground's own decoder), and
a hop vehicle whose engine goes out 20 s after liftoff aborts over MAVLink and ends safe. Each
process says on stderr when a fault takes effect."""

from __future__ import annotations

import asyncio
import math
import sys
from pathlib import Path

from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.nmea.proprietary import Pashr
from gcs.protocol.nmea.sentences import Gga
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.transport.pty import open_pty
from tests.integration.sim.sim_process import REPO, firmware_sim, ground_station, vehicle_link
from tests.integration.sim.test_vehicle_services import wait_for_standby
from tests.support.pymavlink_gcs import FdStream, mission_item
from tests.support.waits import wait_until, within

S = seaport
PLATFORMS = REPO / "configs" / "platforms"
HOP = REPO / "configs" / "vehicles" / "yxz-1-hop.toml"
LAUNCH = (36.5, 121.6)  # configs/platforms/launch-platform.toml
HOP_BARGE = (36.5, 121.6045)  # configs/platforms/hop-barge.toml

PLATFORM_FAULTS = """
[[platform]]
kind = "sea_state"
platform = "hop-barge"
at_s = 120.0
significant_wave_height_m = 4.0   # from the configured 1 m
peak_period_s = 9.0
ramp_s = 15.0

[[platform]]
kind = "off_station"
platform = "hop-barge"
at_s = 120.0
distance_m = 200.0
bearing_deg = 90.0
over_s = 30.0
"""
#: Simulated seconds since the first sample the test reads. The process counts the faults' time from
#: its start, a moment before it first talks (the first sample comes at 0.1 s of wall time, 5 s
#: simulated, on this machine), so "before" ends well ahead of the change.
BEFORE_END_S, CHANGE_S, SETTLED_S, END_S = 60.0, 120.0, 135.0, 210.0
#: At 50x the sentences' rates per simulated second are per 1/50 wall second: these keep the line
#: (921600 baud) well below its capacity, with 2 motion samples per simulated second.
SLOW_RATES = ("--motion-hz", "2", "--gnss-hz", "0.5", "--heading-hz", "0.5", "--wind-hz", "0.5",
              "--xdr-hz", "0.5")  # fmt: skip


def _seconds(pashr: Pashr) -> float:
    t = pashr.time_utc
    assert t is not None
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _distance_m(a: Gga, b: Gga) -> float:
    lat_a, lon_a, lat_b, lon_b = a.latitude_deg, a.longitude_deg, b.latitude_deg, b.longitude_deg
    assert None not in (lat_a, lon_a, lat_b, lon_b)
    north = (lat_b - lat_a) * 111_195.0  # type: ignore[operator]
    east = (lon_b - lon_a) * 111_195.0 * math.cos(math.radians(lat_a))  # type: ignore[operator,arg-type]
    return math.hypot(north, east)


async def test_a_rising_sea_and_a_drift_off_station_show_in_the_platform_nmea(tmp_path: Path) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text(PLATFORM_FAULTS)
    decoder = NmeaTss1Decoder()
    # (simulated s since the first sample, pitch, roll, heave), from PASHR's own time stamps.
    motion: list[tuple[float, float, float, float]] = []
    fixes: list[tuple[float, Gga]] = []
    with open_pty() as pty:
        master = FdStream(pty.master_fd)
        try:
            async with firmware_sim(
                "platform", "--config", str(PLATFORMS / "hop-barge.toml"),
                "--nmea", f"serial:{pty.path}:921600", "--mru", "pashr", "--speed", "50", *SLOW_RATES,
                "--faults", str(faults), stderr_path=tmp_path / "sim.err",
            ) as sim:  # fmt: skip

                async def read_until_the_end() -> None:
                    first: float | None = None
                    while not motion or motion[-1][0] < END_S:
                        for sentence in decoder.feed(await master.read()):
                            if isinstance(sentence, Pashr):
                                now = _seconds(sentence)
                                first = now if first is None else first
                                t = (now - first) % 86_400.0  # a run across midnight UTC
                                assert sentence.pitch_bow_up_deg is not None
                                assert sentence.roll_port_up_deg is not None
                                assert sentence.heave_up_m is not None
                                motion.append((t, sentence.pitch_bow_up_deg, sentence.roll_port_up_deg,
                                               sentence.heave_up_m))  # fmt: skip
                            elif isinstance(sentence, Gga) and motion:
                                fixes.append((motion[-1][0], sentence))

                await within(read_until_the_end(), timeout_s=60, what=f"{END_S:g} simulated s of NMEA")
                await wait_until(lambda: sim.stderr_tail().count("fault: ") == 2, timeout_s=5,
                                 what="both fault lines on stderr", show=sim.stderr_tail)  # fmt: skip
                stderr = sim.stderr_tail()
        finally:
            master.close()

    assert decoder.counters.checksum_errors == decoder.counters.malformed == 0, decoder.counters
    assert "fault: sea_state on hop-barge (Hs 4 m, Tp 9 s, over 15 s) at 120.0 s" in stderr
    assert "fault: off_station on hop-barge (200 m towards 90 deg over 30 s) at 120.0 s" in stderr

    def maxima(start_s: float, end_s: float) -> tuple[float, float, float]:
        window = [m for m in motion if start_s <= m[0] < end_s]
        assert len(window) > 50, (start_s, end_s, len(window))
        return tuple(max(abs(m[k]) for m in window) for k in (1, 2, 3))  # type: ignore[return-value]

    before, after = maxima(0.0, BEFORE_END_S), maxima(SETTLED_S, END_S)
    # Hs 1 m -> 4 m: pitch, roll and heave maxima all grow (by 4x or so; 2x is ample to tell).
    for name, low, high in zip(("pitch", "roll", "heave"), before, after, strict=True):
        assert high > 2.0 * low, (name, low, high)
    # The GNSS fix moves ~200 m east once the drift is over, from within metres of the station.
    start = fixes[0][1]
    assert all(_distance_m(start, fix) < 20.0 for t, fix in fixes if t < BEFORE_END_S)
    settled = [_distance_m(start, fix) for t, fix in fixes if t > CHANGE_S + 35.0]
    assert settled
    assert all(180.0 < d < 220.0 for d in settled), settled


ENGINE_OUT = """
[[vehicle]]
kind = "engine_out"
at_s = 20.0
"""
SPEED = 10.0


async def test_an_engine_out_in_ascent_aborts_the_hop_vehicle_and_it_ends_safe(tmp_path: Path) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text(ENGINE_OUT)
    plan = [
        mission_item(S.MAV_CMD_NAV_TAKEOFF, *LAUNCH, frame=S.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT, p2=1.0),
        mission_item(S.MAV_CMD_NAV_LAND, *HOP_BARGE, p2=S.PRECISION_LAND_MODE_REQUIRED, p3=2.0),
    ]
    async with (
        vehicle_link("udp") as (link, stream),
        firmware_sim(
            "vehicle", "--config", str(HOP), "--link", link, "--speed", str(SPEED), "--telemetry-hz", "1",
            "--platform", f"2:{PLATFORMS / 'hop-barge.toml'}",
            "--platform", f"3:{PLATFORMS / 'launch-platform.toml'}",
            "--faults", str(faults), stderr_path=tmp_path / "sim.err",
        ) as sim,
        ground_station(stream, heartbeat_hz=2 * SPEED) as gcs,
    ):  # fmt: skip
        await wait_for_standby(gcs)
        assert (await gcs.mission_upload(plan)).type == S.MAV_MISSION_ACCEPTED
        for command in (S.MAV_CMD_COMPONENT_ARM_DISARM, S.MAV_CMD_MISSION_START, S.MAV_CMD_NAV_TAKEOFF):
            ack = await gcs.command(command, *([1.0] if command == S.MAV_CMD_COMPONENT_ARM_DISARM else []))
            assert ack.result == S.MAV_RESULT_ACCEPTED, (command, gcs.texts())
        for phase in (FlightPhase.ASCENT, FlightPhase.ABORT, FlightPhase.SAFE):
            mark = gcs.mark()
            await gcs.wait_for("HEARTBEAT", lambda m, p=phase: m.custom_mode == p, since=mark, timeout_s=30)
        stderr = sim.stderr_tail()
    assert any("ASCENT -> ABORT (red line: engine out" in text for text in gcs.texts()), gcs.texts()
    assert any("ABORT -> SAFING" in text for text in gcs.texts()), gcs.texts()
    assert "firmware-sim: faults from" in stderr
    assert "fault: engine_out (1 engine) at liftoff+20.0 s (sim " in stderr
    phases = [m.custom_mode for m in gcs.of_type("HEARTBEAT")]
    assert FlightPhase.ASCENT in phases
    assert phases.index(FlightPhase.ABORT) > phases.index(FlightPhase.ASCENT)
    assert phases[-1] == FlightPhase.SAFE


async def test_a_bad_fault_file_is_one_line_on_stderr_and_exit_status_2(tmp_path: Path) -> None:
    faults = tmp_path / "faults.toml"
    faults.write_text('[[platform]]\nkind = "wind"\nat_s = 10.0\nspeed_mps = 12.0\nplatform = "hop-brage"\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware_sim", "vehicle", "--config", str(HOP),
        "--platform", f"2:{PLATFORMS / 'hop-barge.toml'}",
        "--platform", f"3:{PLATFORMS / 'launch-platform.toml'}", "--faults", str(faults),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await within(process.communicate(), timeout_s=30, what="firmware-sim to refuse the file")
    assert process.returncode == 2
    assert stdout == b""
    assert stderr.decode().splitlines() == [
        f"firmware-sim: error: {faults}: platform[0].platform: expected one of hop-barge, launch-platform,"
        " got 'hop-brage'"
    ]
