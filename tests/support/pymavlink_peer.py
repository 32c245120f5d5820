"""An independent MAVLink vehicle for integration tests, written with stock pymavlink classes only.

It speaks through the generated dialect's own ``seaport.MAVLink`` (``robust_parsing`` on) over the
simulator's byte streams (``firmware_sim.io.wire``), never through the ground station's codec or
transport, so a symmetric bug cannot hide. As a program::

    python -m tests.support.pymavlink_peer --connect udpout:127.0.0.1:14550 [--params 300] \\
        [--heartbeat-hz 4] [--telemetry-hz 20] [--result 22=denied] ...

it prints ``{"event": "ready", ...}`` on stdout once its stream is open, serves until SIGTERM or
SIGINT, then prints ``{"event": "stats", ...}`` (what it heard: whose heartbeats, which commands)
and exits 0.

What it implements, as a vehicle should:

* HEARTBEAT at ``--heartbeat-hz`` (type and autopilot from flags, armed flag from ARM_DISARM) and
  ATTITUDE at ``--telemetry-hz``;
* COMMAND_LONG and COMMAND_INT with a result per command (``--result CMD=BEHAVIOUR``): accepted,
  denied (with a STATUSTEXT reason first, as autopilots do), unsupported, failed,
  temporarily_rejected, in_progress (IN_PROGRESS at 0 % and 50 %, then ACCEPTED after
  ``--in-progress-s``; a repeat while running gets IN_PROGRESS, one just after gets ACCEPTED
  again), or silent (no ACK at all); a repeat of any command gets the same answer again;
* the parameter protocol with ``--params`` parameters of mixed types (C-cast encoding, or
  byte-wise with ``--autopilot px4``), one of them (``RO_SERIAL``) read-only;
* the mission protocol both ways (vehicle side: requests with per-item timeouts and retries,
  ACK re-sent if the ground's last item comes again), for every mission type;
* TIMESYNC answers.
"""

from __future__ import annotations

import argparse
import asyncio
import enum
import json
import math
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.io.wire import SimStream, WireError, open_stream, parse_address
from gcs.protocol.dialect import seaport

READ_ONLY_PARAM = "RO_SERIAL"
DEFAULT_DENY_REASON = "PreArm: LOX tank not pressurised"
PARAM_BATCH = 10
PARAM_BATCH_PAUSE_S = 0.002


class Behaviour(enum.Enum):
    ACCEPTED = "accepted"
    DENIED = "denied"
    UNSUPPORTED = "unsupported"
    FAILED = "failed"
    TEMPORARILY_REJECTED = "temporarily_rejected"
    IN_PROGRESS = "in_progress"
    SILENT = "silent"


_RESULTS = {
    Behaviour.ACCEPTED: seaport.MAV_RESULT_ACCEPTED,
    Behaviour.DENIED: seaport.MAV_RESULT_DENIED,
    Behaviour.UNSUPPORTED: seaport.MAV_RESULT_UNSUPPORTED,
    Behaviour.FAILED: seaport.MAV_RESULT_FAILED,
    Behaviour.TEMPORARILY_REJECTED: seaport.MAV_RESULT_TEMPORARILY_REJECTED,
}

DEFAULT_BEHAVIOURS: dict[int, Behaviour] = {
    seaport.MAV_CMD_COMPONENT_ARM_DISARM: Behaviour.ACCEPTED,
    seaport.MAV_CMD_RUN_PREARM_CHECKS: Behaviour.IN_PROGRESS,
    seaport.MAV_CMD_NAV_TAKEOFF: Behaviour.DENIED,
    seaport.MAV_CMD_DO_FLIGHTTERMINATION: Behaviour.SILENT,
    seaport.MAV_CMD_REQUEST_MESSAGE: Behaviour.ACCEPTED,
    seaport.MAV_CMD_SET_MESSAGE_INTERVAL: Behaviour.ACCEPTED,
    seaport.MAV_CMD_DO_REPOSITION: Behaviour.ACCEPTED,
}

_INT_TYPES = {
    seaport.MAV_PARAM_TYPE_UINT8: "<B",
    seaport.MAV_PARAM_TYPE_INT8: "<b",
    seaport.MAV_PARAM_TYPE_UINT16: "<H",
    seaport.MAV_PARAM_TYPE_INT16: "<h",
    seaport.MAV_PARAM_TYPE_UINT32: "<I",
    seaport.MAV_PARAM_TYPE_INT32: "<i",
}
_TYPE_CYCLE = (
    seaport.MAV_PARAM_TYPE_REAL32,
    seaport.MAV_PARAM_TYPE_INT32,
    seaport.MAV_PARAM_TYPE_UINT8,
    seaport.MAV_PARAM_TYPE_INT16,
)


@dataclass
class Param:
    name: str
    param_type: int
    value: float  # an integral float for integer types


def make_params(count: int, sysid: int) -> list[Param]:
    """The peer's parameter list: deterministic names, types and values (tests rebuild it to compare)."""
    params = [
        Param("SYSID_THISMAV", seaport.MAV_PARAM_TYPE_INT32, float(sysid)),
        Param(READ_ONLY_PARAM, seaport.MAV_PARAM_TYPE_UINT32, 123456.0),
    ]
    for index in range(len(params), count):
        param_type = _TYPE_CYCLE[index % len(_TYPE_CYCLE)]
        if param_type == seaport.MAV_PARAM_TYPE_REAL32:
            value = struct.unpack("<f", struct.pack("<f", index * 0.25 + 0.1))[0]
        elif param_type == seaport.MAV_PARAM_TYPE_UINT8:
            value = float(index % 256)
        elif param_type == seaport.MAV_PARAM_TYPE_INT16:
            value = float(-index)
        else:
            value = float(index * 1000)
        params.append(Param(f"PEER_P{index:03d}", param_type, value))
    return params[:count]


@dataclass
class Settings:
    sysid: int = 1
    compid: int = 1
    vehicle_type: int = seaport.MAV_TYPE_ROCKET
    autopilot: int = seaport.MAV_AUTOPILOT_GENERIC
    heartbeat_hz: float = 1.0
    telemetry_hz: float = 10.0
    params: int = 300
    behaviours: dict[int, Behaviour] = field(default_factory=lambda: dict(DEFAULT_BEHAVIOURS))
    deny_reason: str = DEFAULT_DENY_REASON
    in_progress_s: float = 0.3
    mission_timeout_s: float = 0.3
    mission_retries: int = 8


@dataclass
class _Upload:
    """A mission the ground is uploading to us."""

    mission_type: int
    count: int
    ground: tuple[int, int]
    items: list[Any] = field(default_factory=list)
    last_heard_s: float = 0.0
    tries: int = 0


class Peer:
    """The simulated vehicle on one stream."""

    def __init__(self, stream: SimStream, settings: Settings) -> None:
        self.stream = stream
        self.settings = settings
        self.mav = seaport.MAVLink(None, srcSystem=settings.sysid, srcComponent=settings.compid)
        self.mav.robust_parsing = True
        self.params = make_params(settings.params, settings.sysid)
        self.by_name = {p.name: i for i, p in enumerate(self.params)}
        self.armed = False
        self.missions: dict[int, list[Any]] = {}
        self.upload: _Upload | None = None
        self.completed_upload: tuple[int, int] | None = None  # (mission_type, count) last accepted
        self.running: dict[int, float] = {}  # command -> when its in-progress run started
        self.finished: dict[int, float] = {}  # command -> when its in-progress run ended
        self.heard_heartbeats: set[tuple[int, int, int]] = set()
        self.commands_heard: dict[int, int] = {}
        self.bad_data = 0
        self._group: asyncio.TaskGroup | None = None
        self._param_stream: asyncio.Task[None] | None = None
        self._started = time.monotonic()

    # --- plumbing --------------------------------------------------------------------------------

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            self._group = group
            group.create_task(self._receive(), name="peer receive")
            group.create_task(self._every(self.settings.heartbeat_hz, self._heartbeat), name="peer heartbeat")
            group.create_task(self._every(self.settings.telemetry_hz, self._telemetry), name="peer telemetry")
            group.create_task(self._mission_timer(), name="peer mission timer")

    async def send(self, msg: Any) -> None:
        frame = msg.pack(self.mav)
        self.mav.seq = (self.mav.seq + 1) % 256
        await self.stream.write(bytes(frame))

    async def _every(self, rate_hz: float, action: Callable[[], Any]) -> None:
        if rate_hz <= 0:
            return
        period_s = 1.0 / rate_hz
        next_s = time.monotonic()
        while True:
            await action()
            next_s += period_s
            await asyncio.sleep(max(0.0, next_s - time.monotonic()))

    async def _heartbeat(self) -> None:
        base_mode = seaport.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
        if self.armed:
            base_mode |= seaport.MAV_MODE_FLAG_SAFETY_ARMED
        custom_mode = 1 if self.armed else 0  # FLIGHT_PHASE_STANDBY when armed, SAFE otherwise
        await self.send(
            self.mav.heartbeat_encode(
                self.settings.vehicle_type,
                self.settings.autopilot,
                base_mode,
                custom_mode,
                seaport.MAV_STATE_STANDBY,
            )
        )

    async def _telemetry(self) -> None:
        t = time.monotonic() - self._started
        await self.send(
            self.mav.attitude_encode(int(t * 1000) & 0xFFFFFFFF, 0.01 * math.sin(t), 0.0, 1.0, 0, 0, 0)
        )

    async def _receive(self) -> None:
        while True:
            chunk = await self.stream.read()
            for msg in self.mav.parse_buffer(chunk) or ():
                if msg.get_type() == "BAD_DATA":
                    self.bad_data += 1
                    continue
                await self._handle(msg)

    async def _handle(self, msg: Any) -> None:
        kind = msg.get_type()
        if kind == "HEARTBEAT":
            self.heard_heartbeats.add((msg.get_srcSystem(), msg.get_srcComponent(), msg.type))
            return
        if kind == "TIMESYNC":
            if msg.tc1 == 0:
                await self.send(self.mav.timesync_encode(time.time_ns(), msg.ts1))
            return
        if getattr(msg, "target_system", 0) not in (0, self.settings.sysid):
            return
        handler = getattr(self, f"_on_{kind.lower()}", None)
        if handler is not None:
            await handler(msg)

    # --- commands --------------------------------------------------------------------------------

    async def _on_command_long(self, msg: Any) -> None:
        await self._command(
            msg, [msg.param1, msg.param2, msg.param3, msg.param4, msg.param5, msg.param6, msg.param7]
        )

    async def _on_command_int(self, msg: Any) -> None:
        await self._command(msg, [msg.param1, msg.param2, msg.param3, msg.param4, msg.x, msg.y, msg.z])

    async def _command(self, msg: Any, params: list[float]) -> None:
        command = msg.command
        self.commands_heard[command] = self.commands_heard.get(command, 0) + 1
        behaviour = self.settings.behaviours.get(command, Behaviour.UNSUPPORTED)
        if behaviour is Behaviour.SILENT:
            return
        if behaviour is Behaviour.IN_PROGRESS:
            await self._in_progress(msg)
            return
        if behaviour is Behaviour.DENIED:
            await self.send(
                self.mav.statustext_encode(seaport.MAV_SEVERITY_CRITICAL, self.settings.deny_reason.encode())
            )
        if behaviour is Behaviour.ACCEPTED:
            if command == seaport.MAV_CMD_COMPONENT_ARM_DISARM:
                self.armed = params[0] == 1
            elif (
                command == seaport.MAV_CMD_REQUEST_MESSAGE
                and int(params[0]) == seaport.MAVLINK_MSG_ID_HEARTBEAT
            ):
                await self._heartbeat()
        await self._ack(msg, _RESULTS[behaviour])

    async def _in_progress(self, msg: Any) -> None:
        command = msg.command
        now = time.monotonic()
        if command in self.running:
            progress = 0 if now - self.running[command] < self.settings.in_progress_s / 2 else 50
            await self._ack(msg, seaport.MAV_RESULT_IN_PROGRESS, progress)
            return
        if now - self.finished.get(command, -math.inf) < 5.0:
            await self._ack(msg, seaport.MAV_RESULT_ACCEPTED)  # its final ACK was lost: say it again
            return
        self.running[command] = now
        await self._ack(msg, seaport.MAV_RESULT_IN_PROGRESS, 0)
        assert self._group is not None
        self._group.create_task(self._finish_later(msg), name=f"peer command {command}")

    async def _finish_later(self, msg: Any) -> None:
        await asyncio.sleep(self.settings.in_progress_s / 2)
        await self._ack(msg, seaport.MAV_RESULT_IN_PROGRESS, 50)
        await asyncio.sleep(self.settings.in_progress_s / 2)
        del self.running[msg.command]
        self.finished[msg.command] = time.monotonic()
        await self._ack(msg, seaport.MAV_RESULT_ACCEPTED, 100)

    async def _ack(self, msg: Any, result: int, progress: int = 0) -> None:
        await self.send(
            self.mav.command_ack_encode(
                msg.command, result, progress, 0, msg.get_srcSystem(), msg.get_srcComponent()
            )
        )

    # --- parameters ------------------------------------------------------------------------------

    def _wire_value(self, param: Param) -> float:
        fmt = _INT_TYPES.get(param.param_type)
        if fmt is None or self.settings.autopilot != seaport.MAV_AUTOPILOT_PX4:
            return param.value
        return float(struct.unpack("<f", struct.pack(fmt, int(param.value)).ljust(4, b"\0"))[0])

    def _from_wire(self, raw: float, param_type: int) -> float:
        fmt = _INT_TYPES.get(param_type)
        if fmt is None:
            return raw
        if self.settings.autopilot == seaport.MAV_AUTOPILOT_PX4:
            return float(struct.unpack_from(fmt, struct.pack("<f", raw))[0])
        return float(round(raw))

    async def _param_value(self, index: int) -> None:
        param = self.params[index]
        await self.send(
            self.mav.param_value_encode(
                param.name.encode(), self._wire_value(param), param.param_type, len(self.params), index
            )
        )

    async def _on_param_request_list(self, msg: Any) -> None:
        if self._param_stream is not None:
            self._param_stream.cancel()
        assert self._group is not None
        self._param_stream = self._group.create_task(self._stream_params(), name="peer param stream")

    async def _stream_params(self) -> None:
        for index in range(len(self.params)):
            await self._param_value(index)
            if index % PARAM_BATCH == PARAM_BATCH - 1:
                await asyncio.sleep(PARAM_BATCH_PAUSE_S)

    async def _on_param_request_read(self, msg: Any) -> None:
        index = self.by_name.get(msg.param_id) if msg.param_index < 0 else msg.param_index
        if index is not None and 0 <= index < len(self.params):
            await self._param_value(index)

    async def _on_param_set(self, msg: Any) -> None:
        index = self.by_name.get(msg.param_id)
        if index is None:
            return  # unknown parameter: ArduPilot stays silent too
        param = self.params[index]
        if param.name != READ_ONLY_PARAM and msg.param_type == param.param_type:
            param.value = self._from_wire(msg.param_value, param.param_type)
        await self._param_value(index)

    # --- missions --------------------------------------------------------------------------------

    async def _on_mission_count(self, msg: Any) -> None:
        ground = (msg.get_srcSystem(), msg.get_srcComponent())
        if msg.count == 0:
            self.missions[msg.mission_type] = []
            self.upload = None
            await self._mission_ack(ground, msg.mission_type, seaport.MAV_MISSION_ACCEPTED)
            return
        upload = self.upload
        if (
            upload is None
            or upload.items
            or upload.count != msg.count
            or upload.mission_type != msg.mission_type
        ):
            upload = self.upload = _Upload(msg.mission_type, msg.count, ground)
        upload.last_heard_s, upload.tries = time.monotonic(), 0
        await self._request_item(upload)

    async def _on_mission_item_int(self, msg: Any) -> None:
        upload = self.upload
        ground = (msg.get_srcSystem(), msg.get_srcComponent())
        if upload is None or upload.mission_type != msg.mission_type:
            if self.completed_upload == (msg.mission_type, msg.seq + 1):
                await self._mission_ack(ground, msg.mission_type, seaport.MAV_MISSION_ACCEPTED)
            return
        upload.last_heard_s, upload.tries = time.monotonic(), 0
        if msg.seq == len(upload.items):
            upload.items.append(msg)
            if len(upload.items) == upload.count:
                self.missions[upload.mission_type] = upload.items
                self.completed_upload = (upload.mission_type, upload.count)
                self.upload = None
                await self._mission_ack(ground, upload.mission_type, seaport.MAV_MISSION_ACCEPTED)
                return
        await self._request_item(upload)

    async def _request_item(self, upload: _Upload) -> None:
        await self.send(
            self.mav.mission_request_int_encode(*upload.ground, len(upload.items), upload.mission_type)
        )

    async def _mission_timer(self) -> None:
        while True:
            await asyncio.sleep(self.settings.mission_timeout_s / 4)
            upload = self.upload
            if upload is None or time.monotonic() - upload.last_heard_s < self.settings.mission_timeout_s:
                continue
            upload.tries += 1
            upload.last_heard_s = time.monotonic()
            if upload.tries > self.settings.mission_retries:
                self.upload = None
                await self._mission_ack(
                    upload.ground, upload.mission_type, seaport.MAV_MISSION_OPERATION_CANCELLED
                )
            else:
                await self._request_item(upload)

    async def _on_mission_request_list(self, msg: Any) -> None:
        items = self.missions.get(msg.mission_type, [])
        await self.send(
            self.mav.mission_count_encode(
                msg.get_srcSystem(), msg.get_srcComponent(), len(items), msg.mission_type
            )
        )

    async def _on_mission_request_int(self, msg: Any) -> None:
        items = self.missions.get(msg.mission_type, [])
        if 0 <= msg.seq < len(items):
            item = items[msg.seq]
            await self.send(
                self.mav.mission_item_int_encode(
                    msg.get_srcSystem(),
                    msg.get_srcComponent(),
                    msg.seq,
                    item.frame,
                    item.command,
                    item.current,
                    item.autocontinue,
                    item.param1,
                    item.param2,
                    item.param3,
                    item.param4,
                    item.x,
                    item.y,
                    item.z,
                    msg.mission_type,
                )
            )

    _on_mission_request = _on_mission_request_int

    async def _on_mission_ack(self, msg: Any) -> None:
        if self.upload is not None and self.upload.mission_type == msg.mission_type:
            self.upload = None  # the ground gave up on its upload

    async def _mission_ack(self, ground: tuple[int, int], mission_type: int, result: int) -> None:
        await self.send(self.mav.mission_ack_encode(*ground, result, mission_type))

    def stats(self) -> dict[str, Any]:
        return {
            "event": "stats",
            "heartbeats_from": sorted(self.heard_heartbeats),
            "commands": {str(k): v for k, v in sorted(self.commands_heard.items())},
            "bad_data": self.bad_data,
            "missions": {str(k): len(v) for k, v in self.missions.items()},
        }


def parse_args(argv: list[str]) -> tuple[str, Settings]:
    parser = argparse.ArgumentParser(prog="pymavlink_peer", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--connect", required=True, help="udpout:H:P, udpin:H:P, tcp:H:P, serial:DEV:BAUD ..."
    )
    parser.add_argument("--sysid", type=int, default=1)
    parser.add_argument("--compid", type=int, default=1)
    parser.add_argument("--type", choices=["rocket", "quadrotor", "surface_boat"], default="rocket")
    parser.add_argument("--autopilot", choices=["generic", "ardupilotmega", "px4"], default="generic")
    parser.add_argument("--heartbeat-hz", type=float, default=1.0)
    parser.add_argument("--telemetry-hz", type=float, default=10.0)
    parser.add_argument("--params", type=int, default=300)
    parser.add_argument(
        "--result",
        action="append",
        default=[],
        metavar="CMD=BEHAVIOUR",
        help=f"one of {', '.join(b.value for b in Behaviour)}; repeatable",
    )
    parser.add_argument("--deny-reason", default=DEFAULT_DENY_REASON)
    parser.add_argument("--in-progress-s", type=float, default=0.3)
    parser.add_argument(
        "--mission-timeout-s", type=float, default=0.3, help="per mission item, as the receiver"
    )
    args = parser.parse_args(argv)
    behaviours = dict(DEFAULT_BEHAVIOURS)
    for item in args.result:
        command, _, behaviour = item.partition("=")
        behaviours[int(command)] = Behaviour(behaviour)
    settings = Settings(
        sysid=args.sysid,
        compid=args.compid,
        vehicle_type=getattr(seaport, f"MAV_TYPE_{args.type.upper()}"),
        autopilot=getattr(seaport, f"MAV_AUTOPILOT_{args.autopilot.upper()}"),
        heartbeat_hz=args.heartbeat_hz,
        telemetry_hz=args.telemetry_hz,
        params=args.params,
        behaviours=behaviours,
        deny_reason=args.deny_reason,
        in_progress_s=args.in_progress_s,
        mission_timeout_s=args.mission_timeout_s,
    )
    return args.connect, settings


async def serve(connect: str, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_stream(parse_address(connect)) as stream:
        peer = Peer(stream, settings)
        print(json.dumps({"event": "ready", "connect": connect, "sysid": settings.sysid}), flush=True)
        async with asyncio.TaskGroup() as group:
            serving = group.create_task(peer.run(), name="peer")
            await stop.wait()
            serving.cancel()
        print(json.dumps(peer.stats()), flush=True)


def main(argv: list[str] | None = None) -> int:
    connect, settings = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        asyncio.run(serve(connect, settings))
    except (WireError, OSError, ExceptionGroup) as exc:
        # The stream went away (the test's proxy stopped first): say so, do not hang.
        print(json.dumps({"event": "error", "error": repr(exc)}), flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
