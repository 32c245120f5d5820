"""The link assumes no firmware: a PX4-style quadrotor and our own simulated flight computer are served too.

The quadrotor is the pymavlink peer claiming ``MAV_AUTOPILOT_PX4`` (byte-wise parameter encoding,
no rocket fields); the flight computer is the real ``firmware-sim vehicle`` process, still growing,
so only answers every standard vehicle gives are checked. Both over clean UDP: the lossy paths are
covered in ``test_flight_computer_link.py``; these are about protocol variants.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from gcs.clock import WallClock
from gcs.errors import CommandRejectedError
from gcs.hub import Hub
from gcs.links.enums import MavResult, ParamType
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.param_values import ParamEncoding
from gcs.links.settings import LinkSettings
from gcs.links.values import VehicleHeartbeat, VehicleLinkHealth
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.protocol.mavlink import MavlinkCodec
from gcs.tasks import background
from gcs.transport.link import open_link
from tests.integration.links.rig import REPO, SETTINGS, RigKind, vehicle_rig
from tests.support.pymavlink_peer import make_params
from tests.support.waits import wait_until, within

SIM_START_TIMEOUT_S = 15.0
UNDEFINED_COMMAND = 61_999


async def test_a_px4_style_quadrotor_gets_byte_wise_parameters_and_no_rocket_fields(tmp_path: Path) -> None:
    peer_args = ["--autopilot", "px4", "--type", "quadrotor", "--params", "40"]
    async with vehicle_rig(RigKind.UDP, tmp_path, peer_args=peer_args) as rig:
        vehicle = await rig.fc.wait_for_vehicle(1, timeout_s=5)
        heartbeat = rig.hub.latest(VehicleHeartbeat, 1)
        assert heartbeat is not None
        assert (heartbeat.is_rocket, heartbeat.flight_phase, vehicle.is_rocket) == (False, None, False)
        assert vehicle.param_encoding is ParamEncoding.BYTEWISE

        table = await within(vehicle.params.download(), timeout_s=10, what="the parameter download")
        assert {name: p.value for name, p in table.items()} == {p.name: p.value for p in make_params(40, 1)}

        confirmed = await within(vehicle.params.set("PEER_P005", -123456), timeout_s=5, what="an INT32 set")
        assert (confirmed.value, confirmed.param_type) == (-123456, ParamType.INT32)


@asynccontextmanager
async def firmware_sim(
    connect: str, stderr_path: Path, args: Sequence[str] = ()
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``firmware-sim vehicle`` as a child process, once it says it is serving."""
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware_sim", "vehicle", "--connect", connect, *args,
            cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    assert process.stdout is not None
    try:
        async with asyncio.timeout(SIM_START_TIMEOUT_S):
            line = await process.stdout.readline()
        assert line.startswith(b"firmware-sim: vehicle"), (line, _tail(stderr_path))
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.stdout.read()
        await process.wait()


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:]


async def test_the_simulated_flight_computer_is_found_and_its_answers_are_typed(tmp_path: Path) -> None:
    clock, hub = WallClock(), Hub()
    async with open_link("udpin:127.0.0.1:0", clock=clock) as link:
        await link.wait_up()
        fc = FlightComputerLink(
            link,
            MavlinkCodec(255, 190, unix_time_s=clock.unix_time_s),
            clock=clock,
            hub=hub,
            settings=LinkSettings(command=SETTINGS.command, timesync_interval_s=0.5, health_interval_s=0.5),
        )
        connect = f"udpout:127.0.0.1:{link.endpoint.port}"
        async with firmware_sim(connect, tmp_path / "sim.stderr"), background(("flight computer", fc.run())):
            vehicle = await fc.wait_for_vehicle(1, timeout_s=5)
            heartbeat = hub.latest(VehicleHeartbeat, 1)
            assert heartbeat is not None
            assert heartbeat.flight_phase is FlightPhase.SAFE

            requested = await within(
                vehicle.commands.long(seaport.MAV_CMD_REQUEST_MESSAGE, seaport.MAVLINK_MSG_ID_HEARTBEAT),
                timeout_s=3,
                what="REQUEST_MESSAGE accepted",
            )
            assert requested.result is MavResult.ACCEPTED
            # A command number no dialect defines: every standard vehicle answers UNSUPPORTED.
            with pytest.raises(CommandRejectedError) as unsupported:
                await within(
                    vehicle.commands.long(UNDEFINED_COMMAND), timeout_s=3, what="an undefined command"
                )
            assert unsupported.value.result is MavResult.UNSUPPORTED
            await wait_until(
                lambda: (h := hub.latest(VehicleLinkHealth, 1)) is not None and h.rtt_s is not None,
                timeout_s=3,
                what="a TIMESYNC round trip with the simulator",
            )
