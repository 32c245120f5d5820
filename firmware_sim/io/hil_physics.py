"""``firmware-sim physics``: the vehicle's physics and sensor models alone, feeding a flight computer
over the HIL link and flying what it commands, in lockstep.

The lockstep runner (``SitlRunner``) is reused unchanged: its flight computer is a stand-in whose
``tick`` hands the sensor frame to this process's event loop, which sends it as HIL messages
(``hil_messages``) and waits for the HIL_ACTUATOR_CONTROLS answering that frame's ``time_usec``;
the runner then flies those actuators over the tick. The runner's loop is synchronous, so it runs
in one worker thread that blocks in ``tick`` while the event loop does the I/O; the two meet only
in ``_Handoff``. A frame not answered within ``answer_timeout_s`` is sent again (the flight
computer answers a repeat without ticking twice), so a lost frame on the cable costs time, never a
divergence. Simulated time is paced at ``speed`` × wall time from the first frame.

The physics' own landing (the truth, not what the flight computer measured) is told once on
``report`` as ``landing_line`` words it: the runner's ``TouchdownReport`` in the wording of the
flight computer's touchdown STATUSTEXT (so the ground's parser reads both), or a splashdown.

Knows nothing of the flight software's internals: the stand-in never runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import FlightSoftwareConfig
from firmware_sim.firmware.frames import ActuatorFrame, SensorFrame
from firmware_sim.firmware.param_defs import PARAMETERS
from firmware_sim.firmware.params import ParamStore
from firmware_sim.firmware.telemetry import touchdown_text
from firmware_sim.io.hil_messages import actuators_from, sensor_messages
from firmware_sim.io.mavlink_port import MavlinkPort
from firmware_sim.io.signing import new_codec, pack
from firmware_sim.physics.platform import TouchdownReport
from firmware_sim.runner import SitlRunner

_CHUNK_SIM_S = 1.0


def landing_line(
    touchdown: TouchdownReport | None, platform_name: str | None, splashdown_time_s: float | None
) -> str | None:
    """How the vehicle came down by the physics (the runner's record), once it has; None while it flies."""
    if touchdown is not None:
        words = touchdown_text(
            platform_name or "?", touchdown.vertical_speed_mps, touchdown.horizontal_speed_mps,
            touchdown.tilt_deg, touchdown.miss_distance_m,
        )  # fmt: skip
        return f"firmware-sim: truth: {words} ({touchdown.outcome.value}, at {touchdown.time_s:.2f} s)"
    if splashdown_time_s is not None:
        return f"firmware-sim: truth: splashdown at {splashdown_time_s:.2f} s"
    return None


class _Stopped(Exception):
    """Unwinds the runner's thread when the process stops."""


@dataclass(slots=True)
class HilStats:
    frames: int = 0
    resends: int = 0
    bad_answers: int = 0


@dataclass(slots=True)
class _Handoff:
    """Where the runner's thread and the event loop exchange one frame for one answer."""

    loop: asyncio.AbstractEventLoop
    frames: asyncio.Queue[tuple[SensorFrame, float]] = field(default_factory=asyncio.Queue)
    answers: queue.Queue[ActuatorFrame | None] = field(default_factory=queue.Queue)

    def exchange(self, sensors: SensorFrame, now_s: float) -> ActuatorFrame:
        """Called in the runner's thread: blocks until the flight computer's answer arrives."""
        self.loop.call_soon_threadsafe(self.frames.put_nowait, (sensors, now_s))
        answer = self.answers.get()
        if answer is None:
            raise _Stopped
        return answer


class _RemoteFlightComputer(FlightComputer):
    """What the runner sees as its flight computer: every tick is a round trip over the HIL link."""

    def __init__(self, config: FlightSoftwareConfig, handoff: _Handoff) -> None:
        super().__init__(config, ParamStore.from_specs(PARAMETERS), seed=0)
        self._handoff = handoff

    def tick(self, sensors: SensorFrame, now_s: float, dt_s: float) -> ActuatorFrame:
        return self._handoff.exchange(sensors, now_s)


class HilPhysics:
    """Runs one ``SitlRunner`` against a flight computer on ``port``."""

    def __init__(
        self,
        port: MavlinkPort,
        make_runner: Callable[[FlightComputer], SitlRunner],
        fs_config: FlightSoftwareConfig,
        platform_ids: Mapping[str, int],
        *,
        speed: float,
        answer_timeout_s: float = 0.5,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.port = port
        self._make_runner = make_runner
        self._fs_config = fs_config
        self._platform_ids = dict(platform_ids)
        self._speed = speed
        self._answer_timeout_s = answer_timeout_s
        self._codecs: dict[int, Any] = {sysid: new_codec(sysid, 1) for sysid in self._platform_ids.values()}
        self._answers: dict[int, Any] = {}
        self._answered = asyncio.Event()
        self._report = report
        self._landing_told = False
        self.stats = HilStats()
        self.runner: SitlRunner | None = None

    async def run(self) -> None:
        handoff = _Handoff(asyncio.get_running_loop())
        runner = self._make_runner(_RemoteFlightComputer(self._fs_config, handoff))
        self.runner = runner
        stop = threading.Event()

        def fly() -> None:
            with contextlib.suppress(_Stopped):
                while not stop.is_set():
                    runner.step(runner.time_s + _CHUNK_SIM_S)

        thread = threading.Thread(target=fly, name="firmware-sim.physics-runner", daemon=True)
        thread.start()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._receive(), name="physics.hil-receive")
                group.create_task(self._serve(handoff), name="physics.hil-frames")
        finally:
            stop.set()
            handoff.answers.put(None)  # the thread may be waiting for an answer
            await asyncio.to_thread(thread.join)

    async def _serve(self, handoff: _Handoff) -> None:
        start_wall: float | None = None
        start_sim = 0.0
        while True:
            sensors, now_s = await handoff.frames.get()
            self._tell_landing()  # the runner's thread waits for this frame's answer: its state holds still
            if start_wall is None:
                start_wall, start_sim = time.monotonic(), now_s
            ahead_s = start_wall + (now_s - start_sim) / self._speed - time.monotonic()
            if ahead_s > 0:
                await asyncio.sleep(ahead_s)
            handoff.answers.put(await self._exchange(sensors, now_s))
            self.stats.frames += 1

    def _tell_landing(self) -> None:
        if self._landing_told or self._report is None or self.runner is None:
            return
        runner = self.runner
        line = landing_line(runner.touchdown, runner.touchdown_platform, runner.splashdown_time_s)
        if line is not None:
            self._landing_told = True
            self._report(line)

    async def _exchange(self, sensors: SensorFrame, now_s: float) -> ActuatorFrame:
        time_us = round(now_s * 1e6)
        frames = b"".join(
            pack(self._codecs[sysid] if sysid else self.port.mav, msg)
            for sysid, msg in sensor_messages(sensors, self._platform_ids)
        )
        while True:
            await self.port.write(frames)
            try:
                async with asyncio.timeout(self._answer_timeout_s):
                    while time_us not in self._answers:
                        self._answered.clear()
                        await self._answered.wait()
            except TimeoutError:
                self.stats.resends += 1
                continue
            answer = self._answers.pop(time_us)
            self._answers.clear()  # answers to older frames are stale now
            try:
                return actuators_from(answer)
            except ValueError:
                self.stats.bad_answers += 1

    async def _receive(self) -> None:
        async for msg in self.port.messages():
            if msg.get_type() == "HIL_ACTUATOR_CONTROLS":
                self._answers[int(msg.time_usec)] = msg
                self._answered.set()
