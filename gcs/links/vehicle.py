"""One vehicle on the flight-computer link and its services, in MAVSDK's capability shape.

    vehicle = await link.wait_for_vehicle(1, timeout_s=10)
    await vehicle.commands.long(MAV_CMD_COMPONENT_ARM_DISARM, 1)
    table = await vehicle.params.download()
    await vehicle.params.set("TANK_P_MIN", 2.5)
    await vehicle.mission.upload(items)

Each capability turns a call into one pure exchange (commands, params, mission modules), hands it
to the link's runner, and returns its value or raises its typed error (a ``ServiceError``).
Knows nothing of sockets, codecs or the hub; the link feeds each vehicle what it hears.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from gcs.errors import ParameterError
from gcs.links.commands import (
    CommandAck,
    CommandExchange,
    CommandInt,
    CommandLong,
    CommandPolicy,
    CommandRequest,
)
from gcs.links.enums import MissionType
from gcs.links.exchange import Exchange, Peer
from gcs.links.heartbeat import HeartbeatTracker
from gcs.links.mission import MissionDownload, MissionItem, MissionPolicy, MissionUpload
from gcs.links.param_file import ParamDiff, diff_params, format_param_file, parse_param_file
from gcs.links.param_values import ParamEncoding, ParamTable, ParamValue, decode_param_value, encoding_for
from gcs.links.params import ParamDownload, ParamPolicy, ParamRead, ParamWrite
from gcs.links.settings import LinkSettings
from gcs.links.sinks import JournalEntry
from gcs.links.values import VehicleHeartbeat
from gcs.protocol.dialect import seaport

T = TypeVar("T")


class ExchangeRunner(Protocol):
    """What a vehicle needs from its link: run an exchange to its end, and journal."""

    async def run_exchange(self, sysid: int, exchange: Exchange[T]) -> T: ...

    def journal(self, entry: JournalEntry, payload: Mapping[str, Any]) -> None: ...


class _Locks:
    """One asyncio.Lock per key, made on first use."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}

    def __call__(self, key: Hashable) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


class Vehicle:
    """A vehicle (MAVLink system) the link has found; its services are ``commands``, ``params``, ``mission``.

    Attributes:
        sysid: its MAVLink system id.
        heartbeat: the last heartbeat of its autopilot component.
        capabilities: MAV_PROTOCOL_CAPABILITY bits from its AUTOPILOT_VERSION, if it sent one.
    """

    def __init__(
        self, sysid: int, own: tuple[int, int], settings: LinkSettings, runner: ExchangeRunner
    ) -> None:
        self.sysid = sysid
        self._own = own
        self._runner = runner
        self.tracker = HeartbeatTracker(settings.heartbeat_interval_s, settings.heartbeats_missed_for_loss)
        self.heartbeat: VehicleHeartbeat | None = None
        self.capabilities: int | None = None
        self.commands = Commands(self, runner, settings.command)
        self.params = Params(self, runner, settings.params)
        self.mission = Mission(self, runner, settings.mission)

    def __repr__(self) -> str:
        return f"Vehicle(sysid={self.sysid}, up={self.is_up})"

    @property
    def compid(self) -> int:
        """The component that speaks for the vehicle (its autopilot)."""
        identity = self.tracker.identity
        return identity.compid if identity is not None else seaport.MAV_COMP_ID_AUTOPILOT1

    @property
    def is_up(self) -> bool:
        return self.tracker.up

    @property
    def is_rocket(self) -> bool:
        identity = self.tracker.identity
        return identity is not None and identity.vehicle_type == seaport.MAV_TYPE_ROCKET

    @property
    def param_encoding(self) -> ParamEncoding:
        identity = self.tracker.identity
        autopilot = identity.autopilot if identity is not None else seaport.MAV_AUTOPILOT_GENERIC
        return encoding_for(autopilot, self.capabilities)

    def peer(self, target_component: int | None = None) -> Peer:
        return Peer(
            self._own[0],
            self._own[1],
            self.sysid,
            self.compid if target_component is None else target_component,
        )


class Commands:
    """COMMAND_LONG and COMMAND_INT with ACK, retries and typed failures.

    Two commands with the same MAV_CMD never run at once on one vehicle: the ACK names only the
    command, so their answers could not be told apart. Different commands run concurrently.
    """

    def __init__(self, vehicle: Vehicle, runner: ExchangeRunner, policy: CommandPolicy) -> None:
        self._vehicle = vehicle
        self._runner = runner
        self.policy = policy
        self._locks = _Locks()

    async def long(
        self,
        command: builtins.int,
        *params: float,
        timeout_s: float | None = None,
        retries: builtins.int | None = None,
        target_component: builtins.int | None = None,
    ) -> CommandAck:
        """Send a COMMAND_LONG and wait for its final ACK.

        Args:
            command: the MAV_CMD number.
            params: param1..param7 (fewer are padded with 0; NaN means "default" to most commands).
            timeout_s, retries: override the link's command policy for this call.
            target_component: default the vehicle's autopilot component.

        Raises:
            CommandRejectedError: a result other than ACCEPTED (with the vehicle's STATUSTEXT reason).
            CommandTimeoutError: no final ACK after every retry.
            ValueError: more than seven params.
        """
        return await self.send(
            CommandLong(command, tuple(params)), self._policy(timeout_s, retries), target_component
        )

    # Named after the message, as ``long`` is; annotations in this class therefore spell ``builtins.int``.
    async def int(
        self,
        command: builtins.int,
        *,
        frame: builtins.int = seaport.MAV_FRAME_GLOBAL_INT,
        params: Sequence[float] = (),
        x: builtins.int = 0,
        y: builtins.int = 0,
        z: float = 0.0,
        current: builtins.int = 0,
        autocontinue: builtins.int = 0,
        timeout_s: float | None = None,
        retries: builtins.int | None = None,
        target_component: builtins.int | None = None,
    ) -> CommandAck:
        """Send a COMMAND_INT (a command with a position) and wait for its final ACK.

        ``x``/``y`` are latitude/longitude in 1e-7 degrees for global frames, ``z`` metres.

        Raises:
            CommandRejectedError, CommandTimeoutError: as for :meth:`long`.
            ValueError: more than four params.
        """
        request = CommandInt(command, frame, tuple(params), x, y, z, current, autocontinue)
        return await self.send(request, self._policy(timeout_s, retries), target_component)

    async def send(
        self,
        request: CommandRequest,
        policy: CommandPolicy | None = None,
        target_component: builtins.int | None = None,
    ) -> CommandAck:
        """Run one command exchange (what :meth:`long` and :meth:`int` call)."""
        exchange = CommandExchange(self._vehicle.peer(target_component), request, policy or self.policy)
        async with self._locks(request.command):
            return await self._runner.run_exchange(self._vehicle.sysid, exchange)

    def _policy(self, timeout_s: float | None, retries: builtins.int | None) -> CommandPolicy:
        if timeout_s is None and retries is None:
            return self.policy
        return replace(
            self.policy,
            timeout_s=self.policy.timeout_s if timeout_s is None else timeout_s,
            retries=self.policy.retries if retries is None else retries,
        )


class Params:
    """The vehicle's parameters: download, read, set (verified), save to and diff against files.

    ``table`` is the last complete download, kept current with every PARAM_VALUE the vehicle
    sends afterwards (including answers to other ground stations).
    """

    def __init__(self, vehicle: Vehicle, runner: ExchangeRunner, policy: ParamPolicy) -> None:
        self._vehicle = vehicle
        self._runner = runner
        self.policy = policy
        self.table: ParamTable | None = None
        self._locks = _Locks()

    async def download(self) -> ParamTable:
        """Every parameter of the vehicle.

        Raises:
            ParameterTimeoutError: values still missing after every retry (none are returned then).
        """
        async with self._locks("download"):
            exchange = ParamDownload(self._vehicle.peer(), self.policy, self._vehicle.param_encoding)
            self.table = await self._runner.run_exchange(self._vehicle.sysid, exchange)
            return self.table

    async def get(self, name: str) -> ParamValue:
        """Read one parameter from the vehicle (not from ``table``).

        Raises:
            ParameterTimeoutError: no answer after every retry.
            ParameterError: a name that cannot be a parameter name.
        """
        exchange = ParamRead(self._vehicle.peer(), name, self.policy, self._vehicle.param_encoding)
        value = await self._runner.run_exchange(self._vehicle.sysid, exchange)
        self._remember(value)
        return value

    async def set(self, name: str, value: float) -> ParamValue:
        """Set a parameter and confirm it from the vehicle's echo; journalled either way.

        The type comes from ``table``, or from reading the parameter first.

        Returns:
            The value as the vehicle now holds it.

        Raises:
            ParameterError: the vehicle kept another value, or ``value`` does not fit the type.
            ParameterTimeoutError: no echo after every retry.
        """
        async with self._locks(("set", name)):
            known = self.table.get(name) if self.table is not None else None
            if known is None:
                known = await self.get(name)
            payload: dict[str, Any] = {
                "sysid": self._vehicle.sysid,
                "name": name,
                "old": known.value,
                "new": value,
            }
            try:
                exchange = ParamWrite(
                    self._vehicle.peer(),
                    name,
                    value,
                    int(known.param_type),
                    self.policy,
                    self._vehicle.param_encoding,
                )
                confirmed = await self._runner.run_exchange(self._vehicle.sysid, exchange)
            except ParameterError as exc:
                self._runner.journal(JournalEntry.PARAM_CHANGE, {**payload, "ok": False, "error": str(exc)})
                raise
            self._runner.journal(JournalEntry.PARAM_CHANGE, {**payload, "new": confirmed.value, "ok": True})
            self._remember(confirmed)
            return confirmed

    async def save(self, path: Path | str) -> ParamTable:
        """Write the parameters (downloading them first if there is no table yet) to ``path``.

        Raises:
            ParameterTimeoutError: the download failed.
            OSError: the file cannot be written.
        """
        table = self.table if self.table is not None else await self.download()
        text = format_param_file(table, header=f"parameters of MAVLink system {self._vehicle.sysid}")
        await asyncio.to_thread(Path(path).write_text, text, encoding="utf-8")
        return table

    async def diff_file(self, path: Path | str) -> ParamDiff:
        """Compare a parameter file with the vehicle (downloading first if there is no table yet).

        Raises:
            ParameterError: the file has a line in no known format.
            ParameterTimeoutError: the download failed.
            OSError: the file cannot be read.
        """
        text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
        file_values = parse_param_file(text, source=str(path))
        table = self.table if self.table is not None else await self.download()
        return diff_params(file_values, table)

    def observe(self, msg: Any) -> None:
        """A PARAM_VALUE the vehicle sent (to anyone): keep ``table`` current."""
        if self.table is not None and msg.param_id in self.table:
            self._remember(decode_param_value(msg, self._vehicle.param_encoding))

    def _remember(self, value: ParamValue) -> None:
        if self.table is not None:
            self.table = self.table.with_value(value)


class Mission:
    """Flight plan (and fence and rally point) transfers with ``_INT`` items; one at a time per type."""

    def __init__(self, vehicle: Vehicle, runner: ExchangeRunner, policy: MissionPolicy) -> None:
        self._vehicle = vehicle
        self._runner = runner
        self.policy = policy
        self._locks = _Locks()

    async def upload(
        self, items: Sequence[MissionItem], *, mission_type: MissionType = MissionType.MISSION
    ) -> None:
        """Replace the vehicle's plan of ``mission_type`` with ``items``.

        Raises:
            MissionError: the vehicle refused it, or the transfer was short or inconsistent.
            MissionTimeoutError: a step went unanswered after every retry.
        """
        async with self._locks(mission_type):
            exchange = MissionUpload(self._vehicle.peer(), items, mission_type, self.policy)
            await self._runner.run_exchange(self._vehicle.sysid, exchange)

    async def download(self, *, mission_type: MissionType = MissionType.MISSION) -> tuple[MissionItem, ...]:
        """The vehicle's plan of ``mission_type``, every item or an error.

        Raises:
            MissionError: the vehicle ended the transfer or sent inconsistent items.
            MissionTimeoutError: a step went unanswered after every retry.
        """
        async with self._locks(mission_type):
            exchange = MissionDownload(self._vehicle.peer(), mission_type, self.policy)
            items: tuple[MissionItem, ...] = await self._runner.run_exchange(self._vehicle.sysid, exchange)
            return items
