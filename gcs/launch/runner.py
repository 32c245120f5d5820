"""The async shell of launch control: feeds ``LaunchControl`` from the hub and the clock, and carries
out what it decides.

Inputs: the vehicle's MAVLink telemetry and link health (translated into ``VehicleState`` and field
samples), every platform's ``DeckState``, a ``Tick`` at a steady rate, and the operators' requests
(``request(event)``, called by the console). Outputs: every action to the ``record`` sink (the
journal), ``CommandVehicle`` actions to the ``command`` sink in order, one at a time, and the
``LaunchStatus`` on the hub after every change so the console and the broker can show it.

The cores' ``now_s`` is the clock's UNIX time, so launch windows are real UTC instants and journal
stamps line up with the recorder's. Knows nothing of sockets, MAVLink command numbers or the
journal's format: the composition root supplies the sinks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from gcs.clock import Clock
from gcs.domain.fields import Sample
from gcs.domain.platform import DeckState
from gcs.errors import GcsError, TimeoutError_
from gcs.hub import Hub
from gcs.launch.actions import Action, CommandVehicle
from gcs.launch.control import LaunchControl, LaunchEvent, LaunchStatus, TelemetrySamples
from gcs.launch.countdown import Tick, VehicleCommandAccepted, VehicleCommandFailed, VehicleCountReport
from gcs.links.values import MavlinkTelemetry, VehicleLinkHealth
from gcs.links.vehicle_telemetry import TRANSLATED_MESSAGES, VehicleTelemetryTranslator
from gcs.tasks import background

_log = logging.getLogger(__name__)

_TICK = Tick()
"""A value without fields: one will do for every tick."""


class VehicleCommander(Protocol):
    """Carries out one command on the vehicle; returns a short description of the outcome.

    Raises:
        GcsError: the vehicle refused, did not answer, or the command has no mapping.
    """

    async def __call__(self, action: CommandVehicle) -> str: ...


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """What became of one ``CommandVehicle``: for the journal and the console."""

    action: CommandVehicle
    ok: bool
    detail: str
    unix_time_s: float
    refused: bool = False
    """Not ok because the vehicle said no (else: no answer, or no mapping)."""


@dataclass(frozen=True, slots=True)
class LaunchStatusUpdate:
    status: LaunchStatus
    unix_time_s: float


class LaunchRunner:
    """Drives one ``LaunchControl`` for one vehicle."""

    def __init__(
        self,
        control: LaunchControl,
        *,
        hub: Hub,
        clock: Clock,
        vehicle_sysid: int,
        record: Callable[[Action], None],
        command: VehicleCommander,
        record_outcome: Callable[[CommandOutcome], None] | None = None,
        tick_s: float = 0.1,
    ) -> None:
        self.control = control
        self._hub = hub
        self._clock = clock
        self._sysid = vehicle_sysid
        self._record = record
        self._command = command
        self._record_outcome = record_outcome
        self._tick_s = tick_s
        self._translator = VehicleTelemetryTranslator()
        self._commands: asyncio.Queue[CommandVehicle] = asyncio.Queue()
        self.decisions = 0

    def request(self, event: LaunchEvent) -> list[Action]:
        """An operator's request (start count, poll answer, hold, FTS arm ...); returns the decisions."""
        return self._apply(event)

    async def run(self) -> None:
        """Run until cancelled, inside the caller's TaskGroup."""
        async with background(
            ("launch telemetry", self._telemetry()),
            ("launch link health", self._link_health()),
            ("launch decks", self._decks()),
            ("launch tick", self._ticks()),
            ("launch commands", self._command_worker()),
        ):
            await asyncio.Event().wait()

    def _apply(self, event: LaunchEvent) -> list[Action]:
        now_s = self._clock.unix_time_s()
        actions = self.control.handle(event, now_s)
        for action in actions:
            self.decisions += 1
            self._record(action)
            if isinstance(action, CommandVehicle):
                self._commands.put_nowait(action)
        if actions or isinstance(event, Tick):
            self._hub.publish(LaunchStatusUpdate(self.control.status(now_s), now_s))
        return actions

    async def _telemetry(self) -> None:
        # Only the messages the translator maps: the others would give nothing, and waking for
        # each of the vehicle's frames costs more than the few it maps.
        topics = [(self._sysid, name) for name in TRANSLATED_MESSAGES]
        subscription = self._hub.subscribe_keyed(
            MavlinkTelemetry, maxsize=4096, replay_latest=True, keys=topics)
        async with subscription as feed:
            async for keyed in feed:
                out = self._translator.translate(keyed.value.msg, self._clock.unix_time_s())
                if out.state is not None:
                    self._apply(out.state)  # the state brings its own samples
                elif out.samples:
                    self._apply(TelemetrySamples(out.samples))
                elif out.count is not None:
                    self._apply(VehicleCountReport(out.count.t_count_s, out.count.lifted_off))

    async def _link_health(self) -> None:
        health_feed = self._hub.subscribe(VehicleLinkHealth, key=self._sysid, maxsize=16, replay_latest=True)
        async with health_feed as feed:
            async for health in feed:
                t_s = self._clock.unix_time_s()
                age = health.heartbeat_age_s
                samples = (
                    Sample("link.vehicle_heartbeat_age_s", float("nan") if age is None else age, t_s),
                    Sample("link.vehicle_packet_loss_pct", health.loss_pct, t_s),
                )
                self._apply(TelemetrySamples(samples))

    async def _decks(self) -> None:
        async with self._hub.subscribe_keyed(DeckState, maxsize=256, replay_latest=True) as feed:
            async for keyed in feed:
                self._apply(keyed.value)

    async def _ticks(self) -> None:
        while True:
            self._apply(_TICK)
            await self._clock.sleep(self._tick_s)

    async def _command_worker(self) -> None:
        while True:
            action = await self._commands.get()
            try:
                detail = await self._command(action)
                outcome = CommandOutcome(action, True, detail, self._clock.unix_time_s())
            except GcsError as exc:
                # A refused or unanswered command is the launch team's news, not the runner's end.
                refused = not isinstance(exc, TimeoutError_)
                outcome = CommandOutcome(action, False, str(exc), self._clock.unix_time_s(), refused=refused)
                _log.warning("vehicle command %s failed: %s", action.command.value, exc)
            self._hub.publish(outcome)
            if self._record_outcome is not None:
                self._record_outcome(outcome)
            # Launch control decides what an answer means for the count (hold, abort, hand-off taken).
            if outcome.ok:
                self._apply(VehicleCommandAccepted(action.command))
            else:
                self._apply(VehicleCommandFailed(action.command, outcome.detail, refused=outcome.refused))
