"""A session recorded by the real station (``run_station``, wall clock) from a pymavlink vehicle over UDP
and a Seapath feed over a pty serial port, replayed as fast as possible: the hub sees the same
heartbeats and platform values, in the same order, with the same stamps."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import math
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from gcs.app import RunOverrides, apply_overrides, run_station
from gcs.clock import WallClock
from gcs.config import load_gcs_config
from gcs.links.sea_platform_values import DeckMotion, PlatformHeading, PlatformPosition, PlatformVelocity
from gcs.links.values import LinkEventKind, VehicleHeartbeat, VehicleLinkEvent, VehicleLinkHealth
from gcs.recorder.session import RecordedSession
from gcs.replay import ReplaySettings, replay_session
from gcs.transport.pty import open_pty
from tests.integration.links.rig import peer_process
from tests.support.waits import wait_until, within
from tests.unit.replay.flight_script import TapHub

REPO = Path(__file__).resolve().parents[3]
SEAPATH = (REPO / "tests" / "data" / "nmea" / "seapath.nmea").read_bytes()
PLATFORM = "landing-barge"
PLATFORM_VALUES = (PlatformPosition, PlatformVelocity, PlatformHeading, DeckMotion)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stamp_us(value: Any) -> int:
    return round(value.unix_time_s * 1_000_000)


def same_value(live: Any, replayed: Any) -> bool:
    """Equal field by field, each stamp to the microsecond the recorder kept.

    Derived floats (deck motion rates, the span of the window) are equal to 1e-4 relative: live,
    they come from the chunks' monotonic stamps, a replay has only the Unix stamps the recorder
    kept, and the two clocks are read a few microseconds apart, which over the 100 ms between motion
    samples is a few parts in 1e5."""
    if type(live) is not type(replayed):
        return False
    for f in dataclasses.fields(live):
        a, b = getattr(live, f.name), getattr(replayed, f.name)
        if f.name == "monotonic_s":
            continue
        if f.name == "unix_time_s":
            if round(a * 1e6) != round(b * 1e6):
                return False
        elif isinstance(a, float) and isinstance(b, float):
            if not (math.isnan(a) and math.isnan(b)) and a != pytest.approx(b, rel=1e-4, abs=1e-5):
                return False
        elif a != b:
            return False
    return True


async def test_replay_of_a_gcs_run_session_shows_what_the_station_saw(tmp_path: Path) -> None:
    port = _free_udp_port()
    config = apply_overrides(
        load_gcs_config(REPO / "configs" / "gcs.toml"),
        RunOverrides(vehicle=f"udpin:127.0.0.1:{port}", out_dir=str(tmp_path), no_console=True),
    )
    live = TapHub()
    stop = asyncio.Event()
    with open_pty() as pty:
        serial = f"serial:{pty.device_path}:38400"
        config = apply_overrides(config, RunOverrides(platforms=((PLATFORM, serial),)))
        station = asyncio.create_task(
            run_station(config, clock=WallClock(), stop=stop, hub=live, status_every_s=60, out=io.StringIO()),
            name="station",
        )
        try:
            peer_args = ["--heartbeat-hz", "4", "--telemetry-hz", "20"]
            async with peer_process(f"udpout:127.0.0.1:{port}", peer_args, tmp_path / "peer.err"):
                await wait_until(lambda: len(live.of(VehicleHeartbeat)) >= 8, timeout_s=30,
                                 what="eight vehicle heartbeats")
                for _ in range(3):  # a recorded Seapath stream, three times, as a sensor box sends it
                    os.write(pty.master_fd, SEAPATH)
                    await wait_until(lambda: len(live.of(PlatformPosition)) >= 1, timeout_s=10)
                    await asyncio.sleep(0.3)
                await asyncio.sleep(0.5)
        finally:
            stop.set()
            session_dir = await within(station, timeout_s=20, what="the station to stop")

    replayed = TapHub()
    settings = ReplaySettings.from_config(config, speed=math.inf, status_every_s=None)
    report = await replay_session(session_dir, settings, hub=replayed)

    assert report.complete, report.lines()
    live_beats = live.of(VehicleHeartbeat)
    replayed_beats = replayed.of(VehicleHeartbeat)
    assert [stamp_us(b) for b in replayed_beats] == [stamp_us(b) for b in live_beats]
    assert all(same_value(a, b) for a, b in zip(live_beats, replayed_beats, strict=True))
    for kind in PLATFORM_VALUES:
        live_values, replayed_values = live.of(kind), replayed.of(kind)
        assert live_values, kind
        assert len(replayed_values) == len(live_values), kind
        pairs = zip(live_values, replayed_values, strict=True)
        mismatched = [(a, b) for a, b in pairs if not same_value(a, b)]
        assert not mismatched, [
            {f.name: (getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
             if getattr(a, f.name) != getattr(b, f.name)} for a, b in mismatched[:3]]
    # Everything the vehicle sent and the station took, in the same order.
    shown = (VehicleHeartbeat, *PLATFORM_VALUES)
    order = [(type(v).__name__, stamp_us(v)) for _, v in live.log if isinstance(v, shown)]
    again = [(type(v).__name__, stamp_us(v)) for _, v in replayed.log if isinstance(v, shown)]
    assert again == order
    # Link events: found at the same heartbeat, never lost. Health is recomputed on its own timer,
    # so it is checked by what it counts: every vehicle frame recorded up to its stamp, none lost.
    found = [e for e in replayed.of(VehicleLinkEvent) if e.kind is LinkEventKind.FOUND]  # type: ignore[attr-defined]
    assert [stamp_us(e) for e in found] == [stamp_us(live_beats[0])]
    assert not [e for e in replayed.of(VehicleLinkEvent) if e.kind is LinkEventKind.LOST]  # type: ignore[attr-defined]
    health: Any = replayed.latest(VehicleLinkHealth, key=1)
    recorded = RecordedSession.open(session_dir).tlog_records()
    up_to_health = sum(1 for t_us, frame in recorded if frame[5] == 1 and t_us <= stamp_us(health))
    assert health.frames_received == up_to_health
    assert health.up
    assert report.frames_sent > 0  # the station's heartbeats, in the tlog, not fed back

    # At --speed 10, on the wall clock: a tenth of the session's time, never less.
    paced = await replay_session(session_dir, dataclasses.replace(settings, speed=10.0), hub=TapHub())
    assert paced.wall_s >= paced.session_s / 10 - 0.005
