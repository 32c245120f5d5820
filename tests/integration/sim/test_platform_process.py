"""The real ``firmware-sim platform`` process: valid NMEA at the configured rates on a pty serial port,
and the platform as its own MAVLink system on UDP.

The NMEA is decoded with the ground station's own decoder (``gcs.protocol.nmea_tss1``), which
checks every checksum and field, so the test is the ground's view of the wire.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from gcs.protocol.dialect import seaport
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.transport.pty import open_pty
from tests.integration.sim.sim_process import REPO, firmware_sim, ground_station
from tests.support.pymavlink_gcs import FdStream, udp_stream
from tests.support.waits import wait_until

S = seaport
BARGE = REPO / "configs" / "platforms" / "landing-barge.toml"
WINDOW_S = 3.0
MOTION_TYPES = {"psxn23": {"PSXN,23"}, "tss1": {"TSS1"}, "phtro+phlin": {"PHTRO", "PHLIN"}}


@pytest.mark.parametrize("mru", ["psxn23", "tss1", "phtro+phlin"])
async def test_the_sensor_box_talks_valid_nmea_at_its_rates(mru: str, tmp_path: Path) -> None:
    decoder = NmeaTss1Decoder()
    arrivals: dict[str, list[float]] = defaultdict(list)
    with open_pty() as pty:
        master = FdStream(pty.master_fd)
        try:
            async with firmware_sim(
                "platform", "--config", str(BARGE), "--nmea", f"serial:{pty.path}:38400", "--mru", mru,
                "--motion-hz", "25", "--heading-hz", "10", stderr_path=tmp_path / "sim.err",
            ):  # fmt: skip
                start = time.monotonic()
                while time.monotonic() - start < WINDOW_S + 1.0:
                    data = await master.read()
                    now = time.monotonic()
                    for sentence in decoder.feed(data):
                        arrivals[str(sentence.sentence_type)].append(now)
        finally:
            master.close()

    counters = decoder.counters
    assert counters.checksum_errors == counters.malformed == counters.parse_failures_total == 0, counters
    assert counters.garbage_bytes == counters.truncated == counters.unknown_types_total == 0, counters
    expected_hz = {"GGA": 1, "RMC": 1, "VTG": 1, "ZDA": 1, "HDT": 10, "MWV": 1, "XDR": 1}
    expected_hz |= dict.fromkeys(MOTION_TYPES[mru], 25)
    assert set(arrivals) == set(expected_hz), sorted(arrivals)
    for kind, rate in expected_hz.items():
        # Skip the first second (the start emits everything at once); count over the window.
        times = [t for t in arrivals[kind] if t >= arrivals[kind][0] + 1.0]
        measured = len(times) / WINDOW_S
        assert 0.6 * rate <= measured <= 1.4 * rate, (kind, measured, rate)


async def test_the_platform_is_its_own_mavlink_system(tmp_path: Path) -> None:
    with open_pty() as pty:
        master = FdStream(pty.master_fd)  # the NMEA side is read but not judged here
        try:
            async with (
                udp_stream() as stream,
                firmware_sim(
                    "platform", "--config", str(BARGE), "--nmea", f"serial:{pty.path}:38400",
                    "--mavlink", f"udpout:127.0.0.1:{stream.port}", "--sysid", "2",
                    stderr_path=tmp_path / "sim.err",
                ),
                ground_station(stream, target=2) as gcs,
            ):  # fmt: skip
                wanted = {"HEARTBEAT", "GLOBAL_POSITION_INT", "ATTITUDE", "DECK_MOTION", "PLATFORM_STATUS"}
                await wait_until(lambda: {r.msg.get_type() for r in gcs.received} >= wanted, timeout_s=10,
                                 what="every platform message")  # fmt: skip
                beat = gcs.of_type("HEARTBEAT")[0]
                assert (beat.get_srcSystem(), beat.type) == (2, S.MAV_TYPE_SURFACE_BOAT)
                status = gcs.of_type("PLATFORM_STATUS")[-1]
                assert status.platform_id == 2
                assert abs(status.lat_deg_e7 / 1e7 - 31.159) < 0.001
                assert abs(status.lon_deg_e7 / 1e7 + 121.933) < 0.001
                deck = gcs.of_type("DECK_MOTION")[-1]
                assert abs(deck.heave_m) <= deck.heave_max_10min_m + 1e-6
        finally:
            master.close()
