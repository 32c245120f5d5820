"""A vehicle serial link whose port vanishes and returns, as a USB radio unplugged and plugged in again.

The vehicle (the independent pymavlink peer, its own process) sits on one pty that stays for the
whole test: its radio keeps going. The ground station's radio is a second pty pair behind a stable
symlink (as udev's ``/dev/serial/by-id/...``), which the real vehicle link opens as
``serial:<symlink>:57600`` through ``open_flight_computer``, exactly as ``gcs run`` does. A relay
joins the two like the air between the radios. Unplugging closes the ground's pty pair (its next
read fails with EIO, the symlink goes away); plugging in makes a new pair at the same path.

What the operator must see: the transport going down and up again, and the vehicle ``lost`` then
``recovered``, on the hub and in the journal, with ``VehicleLinkHealth`` down then up; commands
work again afterwards; and every frame the link delivered is in the tlog (the fault matrix's check).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gcs.config import VehicleLinkConfig
from gcs.errors import LinkDownError
from gcs.links.enums import MavResult
from gcs.links.values import LinkEventKind
from gcs.protocol.dialect import seaport
from gcs.tasks import background
from gcs.transport.pty import PtyMasterStream, open_pty
from tests.integration.hardening.vehicle_station import VEHICLE, check_record, station
from tests.integration.links.rig import SETTINGS, peer_arguments, peer_process
from tests.support.waits import wait_until, within

BAUD = 57600
WAIT_S = 10.0
"""Limit of each wait: the link's default backoff (as in ``gcs run``) may wait up to 5 s to reopen."""
ATTITUDE = seaport.MAVLINK_MSG_ID_ATTITUDE
MIN_ATTITUDES = 10


@dataclass(slots=True)
class UsbRadio:
    """The ground's radio: joined to the vehicle's pty, its own serial device comes and goes."""

    vehicle: PtyMasterStream
    ground_path: Path
    ground: PtyMasterStream | None = None
    dropped_bytes: int = 0
    """Bytes from the vehicle that arrived while the ground's device was unplugged."""
    plugs: int = 0
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def to_ground(self) -> None:
        while True:
            chunk = await self.vehicle.read()
            ground = self.ground
            if ground is None:
                self.dropped_bytes += len(chunk)
                continue
            try:
                await ground.write(chunk)
            except LinkDownError:
                self.dropped_bytes += len(chunk)

    async def plug_in(self) -> None:
        stack = self._stack = AsyncExitStack()
        pty = stack.enter_context(open_pty(self.ground_path))
        ground = PtyMasterStream(pty, name=f"radio ground side {pty.device_path}")
        stack.push_async_callback(ground.aclose)

        async def to_vehicle() -> None:
            while True:
                await self.vehicle.write(await ground.read())

        await stack.enter_async_context(background(("radio to vehicle", to_vehicle())))
        self.ground = ground
        self.plugs += 1

    async def unplug(self) -> None:
        self.ground = None
        await self._stack.aclose()  # the ground's pty pair closes: its serial client reads EIO


@asynccontextmanager
async def usb_radio(tmp_path: Path) -> AsyncIterator[tuple[UsbRadio, Path]]:
    """The radio, plugged in; yields it and the vehicle's serial device path."""
    with open_pty(tmp_path / "tty-vehicle") as vehicle_pty:
        vehicle = PtyMasterStream(vehicle_pty, name="radio vehicle side")
        radio = UsbRadio(vehicle, tmp_path / "serial-by-id-ground-radio")
        try:
            await radio.plug_in()
            async with background(("radio to ground", radio.to_ground())):
                yield radio, Path(vehicle_pty.path)
        finally:
            await radio.unplug()
            await vehicle.aclose()


async def test_a_vanished_serial_port_is_reopened_lost_and_recovered_shown_and_nothing_missing(
    tmp_path: Path,
) -> None:
    async with usb_radio(tmp_path) as (radio, vehicle_path):
        config = VehicleLinkConfig(connection=f"serial:{radio.ground_path}:{BAUD}")
        async with (
            station(config, tmp_path, settings=SETTINGS) as st,
            peer_process(
                f"serial:{vehicle_path}:{BAUD}", peer_arguments(["--params", "5"]), tmp_path / "peer.stderr"
            ),
        ):
            vehicle = await st.fc.wait_for_vehicle(VEHICLE, timeout_s=WAIT_S)
            await wait_until(
                lambda: st.received(ATTITUDE) >= MIN_ATTITUDES, timeout_s=WAIT_S, what="telemetry"
            )

            # Unplugged: the transport goes down at once, the vehicle is lost after the heartbeats.
            unplugged_s = st.clock.monotonic_s()
            await radio.unplug()
            await wait_until(
                lambda: (
                    st.kinds() == [LinkEventKind.FOUND, LinkEventKind.LOST]
                    and st.transport_events()[-1] == "down"
                ),
                timeout_s=WAIT_S,
                what="the port gone: transport down and the vehicle lost",
                show=lambda: (st.kinds(), st.journal),
            )
            await wait_until(
                lambda: (h := st.health()) is not None and not h.up, timeout_s=WAIT_S, what="health down"
            )
            lost = st.event(LinkEventKind.LOST)
            down = next(p for p in st.journal if p["event"] == "down")
            assert down["transport"] == str(config.connection)
            assert "device lost" in down["detail"]

            # Plugged in again: a new pty pair at the same path; the link reopens it by itself.
            replugged_s = st.clock.monotonic_s()
            await radio.plug_in()
            await wait_until(
                lambda: st.kinds() == [LinkEventKind.FOUND, LinkEventKind.LOST, LinkEventKind.RECOVERED],
                timeout_s=WAIT_S,
                what="the vehicle recovered",
                show=lambda: (st.kinds(), st.journal),
            )
            recovered = st.event(LinkEventKind.RECOVERED)
            await wait_until(
                lambda: (
                    st.received(ATTITUDE, since_s=recovered.monotonic_s) >= MIN_ATTITUDES
                    and (h := st.health()) is not None
                    and h.up
                ),
                timeout_s=WAIT_S,
                what="telemetry flowing and health up again",
            )
            # And the other way: a command reaches the vehicle through the new device and is answered.
            ack = await within(
                vehicle.commands.long(seaport.MAV_CMD_REQUEST_MESSAGE, seaport.MAVLINK_MSG_ID_HEARTBEAT),
                timeout_s=WAIT_S,
                what="a command after the replug",
            )
            assert ack.result is MavResult.ACCEPTED  # anything else would have raised
            health_after = st.health()

        # What the operator saw, in order: the health published went up, down, up.
        ups = [h.up for h in st.healths]
        flips = [up for i, up in enumerate(ups) if i == 0 or up != ups[i - 1]]
        assert flips == [True, False, True]
        assert st.transport_events()[:3] == ["up", "down", "up"]
        assert health_after is not None
        assert health_after.frames_lost > 0  # the frames sent while unplugged show as a sequence gap
        assert radio.dropped_bytes > 0
        assert radio.plugs == 2
        check_record(st)
        print(  # figures for docs/reliability.md (pytest -s)
            f"\nserial vanish: lost {lost.monotonic_s - unplugged_s:.2f} s after the unplug "
            f"(silent {lost.silent_s:.2f} s), recovered {recovered.monotonic_s - replugged_s:.2f} s after "
            f"the replug (silent {recovered.silent_s:.2f} s); {radio.dropped_bytes} bytes lost in the air; "
            f"{len(st.frames)} frames recorded, frames_lost {health_after.frames_lost}"
        )
