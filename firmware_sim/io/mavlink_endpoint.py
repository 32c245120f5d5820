"""The simulated flight computer's MAVLink endpoint: heartbeat, telemetry, commands, time sync.

It speaks through the stock pymavlink classes generated from our dialect (the shared wire
definition), not through the ground station's codec, so the two sides of every test are
independent implementations of the same XML. One fix is applied here as on the ground: stock
pymavlink 2.4.50 commits a stream's signing timestamp before checking the signature, so a single
forged frame could lock the real ground station out of the vehicle; ``_VerifyFirstMAVLink`` checks
first. Knows nothing of physics or of the ground station's code.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.io.wire import SimStream
from gcs.protocol.dialect import FlightPhase, seaport

# MAVLink signing time: 10 µs units since 2015-01-01T00:00:00Z.
_SIGNING_EPOCH_UNIX_S = 1_420_070_400
_NEW_STREAM_MAX_AGE_10US = 60 * 100_000


class _VerifyFirstMAVLink(seaport.MAVLink):  # type: ignore[misc]
    """Stock codec whose signature check verifies the tag before trusting the timestamp."""

    def check_signature(self, msgbuf: bytearray, srcSystem: int, srcComponent: int) -> bool:  # noqa: N803
        signing = self.signing
        digest = hashlib.sha256(signing.secret_key + bytes(msgbuf[:-6])).digest()[:6]
        if digest != bytes(msgbuf[-6:]):
            return False
        link_id = msgbuf[-13]
        timestamp = int.from_bytes(msgbuf[-12:-6], "little")
        stream_key = (link_id, srcSystem, srcComponent)
        last = signing.stream_timestamps.get(stream_key)
        if last is not None:
            if timestamp <= last:
                return False
        elif timestamp + _NEW_STREAM_MAX_AGE_10US < signing.timestamp:
            return False
        signing.stream_timestamps[stream_key] = timestamp
        signing.timestamp = max(signing.timestamp, timestamp)
        return True


@dataclass(slots=True)
class EndpointStats:
    frames_in: int = 0
    frames_rejected: int = 0
    frames_out: int = 0
    commands: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    system_id: int = 1
    component_id: int = 1
    signing_key: bytes | None = None
    signing_link_id: int = 1
    heartbeat_hz: float = 1.0
    telemetry_hz: float = 10.0


class VehicleEndpoint:
    """Serves one ground-station link: sends heartbeats and telemetry, answers commands."""

    def __init__(
        self,
        stream: SimStream,
        settings: EndpointSettings,
        *,
        phase: Callable[[], FlightPhase] = lambda: FlightPhase.SAFE,
        unix_time_s: Callable[[], float] = time.time,
    ) -> None:
        self._stream = stream
        self._settings = settings
        self._phase = phase
        self._unix_time_s = unix_time_s
        self._boot_s = unix_time_s()
        self.stats = EndpointStats()
        self._mav = _VerifyFirstMAVLink(
            None, srcSystem=settings.system_id, srcComponent=settings.component_id
        )
        self._mav.robust_parsing = True
        if settings.signing_key is not None:
            if len(settings.signing_key) != 32:
                raise ValueError("a MAVLink signing key is 32 bytes")
            signing = self._mav.signing
            signing.secret_key = settings.signing_key
            signing.link_id = settings.signing_link_id
            signing.sign_outgoing = True
            signing.timestamp = int((unix_time_s() - _SIGNING_EPOCH_UNIX_S) * 100_000)

    async def run(self) -> None:
        """Serve until cancelled."""
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._receive_loop(), name="vehicle-endpoint.receive")
            tg.create_task(self._periodic(self._settings.heartbeat_hz, self._send_heartbeat),
                           name="vehicle-endpoint.heartbeat")
            tg.create_task(self._periodic(self._settings.telemetry_hz, self._send_system_time),
                           name="vehicle-endpoint.telemetry")

    async def send(self, msg: Any) -> None:
        signing = self._mav.signing
        if signing.sign_outgoing:
            # Never let the signing clock fall behind real time (a restart must not replay old stamps).
            signing.timestamp = max(signing.timestamp,
                                    int((self._unix_time_s() - _SIGNING_EPOCH_UNIX_S) * 100_000))
        frame = msg.pack(self._mav)
        self._mav.seq = (self._mav.seq + 1) % 256
        self.stats.frames_out += 1
        await self._stream.write(bytes(frame))

    async def _periodic(self, rate_hz: float, action: Callable[[], Any]) -> None:
        if rate_hz <= 0:
            return
        period_s = 1.0 / rate_hz
        next_s = time.monotonic()
        while True:
            await action()
            next_s += period_s
            await asyncio.sleep(max(0.0, next_s - time.monotonic()))

    async def _send_heartbeat(self) -> None:
        phase = self._phase()
        armed = phase not in (FlightPhase.SAFE, FlightPhase.STANDBY, FlightPhase.SAFING)
        base_mode = seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | seaport.MAV_MODE_FLAG_AUTO_ENABLED
        if armed:
            base_mode |= seaport.MAV_MODE_FLAG_SAFETY_ARMED
        state = seaport.MAV_STATE_BOOT if phase is FlightPhase.SAFE else seaport.MAV_STATE_STANDBY
        await self.send(self._mav.heartbeat_encode(
            seaport.MAV_TYPE_ROCKET, seaport.MAV_AUTOPILOT_GENERIC, base_mode, int(phase), state))

    async def _send_system_time(self) -> None:
        now_s = self._unix_time_s()
        await self.send(self._mav.system_time_encode(int(now_s * 1e6), int((now_s - self._boot_s) * 1000)))

    async def _receive_loop(self) -> None:
        while True:
            chunk = await self._stream.read()
            for msg in self._mav.parse_buffer(chunk) or ():
                if msg.get_type() == "BAD_DATA":
                    self.stats.frames_rejected += 1
                    continue
                self.stats.frames_in += 1
                await self._handle(msg)

    async def _handle(self, msg: Any) -> None:
        kind = msg.get_type()
        if kind == "COMMAND_LONG" and msg.target_system in (0, self._settings.system_id):
            await self._handle_command(msg)
        elif kind == "TIMESYNC" and msg.tc1 == 0:
            await self.send(self._mav.timesync_encode(int(self._unix_time_s() * 1e9), msg.ts1))

    async def _handle_command(self, msg: Any) -> None:
        self.stats.commands[msg.command] = self.stats.commands.get(msg.command, 0) + 1
        result = seaport.MAV_RESULT_UNSUPPORTED
        if msg.command == seaport.MAV_CMD_REQUEST_MESSAGE:
            wanted = int(msg.param1)
            if wanted == seaport.MAVLINK_MSG_ID_HEARTBEAT:
                await self._send_heartbeat()
                result = seaport.MAV_RESULT_ACCEPTED
            elif wanted == seaport.MAVLINK_MSG_ID_SYSTEM_TIME:
                await self._send_system_time()
                result = seaport.MAV_RESULT_ACCEPTED
            else:
                result = seaport.MAV_RESULT_DENIED
        # A retried command (confirmation > 0) gets the same answer again: its first ACK may be lost.
        await self.send(self._mav.command_ack_encode(
            msg.command, result, 0, 0, msg.get_srcSystem(), msg.get_srcComponent()))
