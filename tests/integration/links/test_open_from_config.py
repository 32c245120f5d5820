"""``open_flight_computer`` from config: a signed link to the simulated flight computer, end to end.

The ground sends first (``udpout``) to a simulator listening with the same key, so this covers the
key file, the codec's signing both ways, our heartbeat opening the path, and transport events in
the journal.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gcs.clock import WallClock
from gcs.config import StationConfig, VehicleLinkConfig
from gcs.hub import Hub
from gcs.links.enums import MavResult
from gcs.links.flight_computer import open_flight_computer
from gcs.links.sinks import JournalEntry
from gcs.protocol.dialect import seaport
from tests.integration.links.test_other_vehicles import firmware_sim
from tests.support.waits import within


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_a_signed_link_opened_from_config(tmp_path: Path) -> None:
    key_file = tmp_path / "vehicle.key"
    key_file.write_text(bytes(range(1, 33)).hex())
    port = free_udp_port()
    config = VehicleLinkConfig(
        connection=f"udpout:127.0.0.1:{port}", signing_key_file=str(key_file), signing_link_id=3
    )
    journal: list[tuple[JournalEntry, Mapping[str, Any]]] = []
    connect = f"udpin:127.0.0.1:{port}"
    sim_args = ["--signing-key-file", str(key_file)]
    async with (
        firmware_sim(connect, tmp_path / "sim.stderr", sim_args) as _sim,
        open_flight_computer(
            config,
            StationConfig(),
            clock=WallClock(),
            hub=Hub(),
            journal=lambda entry, payload: journal.append((entry, payload)),
        ) as fc,
    ):
        vehicle = await fc.wait_for_vehicle(1, timeout_s=10)
        ack = await within(
            vehicle.commands.long(seaport.MAV_CMD_REQUEST_MESSAGE, seaport.MAVLINK_MSG_ID_HEARTBEAT),
            timeout_s=5,
            what="a signed command accepted",
        )
        assert ack.result is MavResult.ACCEPTED
        counters = fc.codec.counters()
        assert counters.frames_received > 0
        assert (counters.bad_signatures, counters.rejected_unsigned) == (0, 0)
    transport = [p for e, p in journal if e is JournalEntry.LINK_EVENT and "transport" in p]
    assert [p["event"] for p in transport][:1] == ["up"]
