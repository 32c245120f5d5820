"""The flight computer's end of the HIL link: sensor frames in, one tick each, actuator frames out.

``HilFlightComputerBridge`` assembles each frame from the physics' messages (``hil_messages``),
ticks the flight computer at the frame's simulated time, and answers with HIL_ACTUATOR_CONTROLS of
the same ``time_usec``. A frame that comes again (the physics did not hear our answer and resent
it) gets the same answer again without a second tick, so a lossy cable never runs the flight
software twice for one instant. The simulated time it last ticked at is the flight computer's
clock for the MAVLink endpoint beside it.

Knows nothing of physics; this is exactly the part a real flight computer replaces.
"""

from __future__ import annotations

from typing import Any, Protocol

from firmware_sim.firmware.frames import ActuatorFrame, SensorFrame
from firmware_sim.io.hil_messages import SensorFrameAssembler, actuator_message
from firmware_sim.io.mavlink_port import MavlinkPort


class Tickable(Protocol):
    def tick(self, sensors: SensorFrame, now_s: float, dt_s: float) -> ActuatorFrame: ...


class HilFlightComputerBridge:
    def __init__(self, port: MavlinkPort, computer: Tickable, assembler: SensorFrameAssembler) -> None:
        self.port = port
        self._computer = computer
        self._assembler = assembler
        self.time_s = 0.0
        """Simulated time of the last frame ticked (the flight computer's clock)."""
        self.ticks = 0
        self.repeats = 0
        self._last: tuple[int, Any] | None = None  # (time_usec, answer) of the last frame

    async def run(self) -> None:
        async for msg in self.port.messages():
            frame = self._assembler.feed(msg)
            if frame is None:
                continue
            time_us = int(msg.time_usec)
            if self._last is not None and self._last[0] == time_us:
                self.repeats += 1
                await self.port.send(self._last[1])
                continue
            dt_s = 0.0 if self.ticks == 0 else frame.time_s - self.time_s
            actuators = self._computer.tick(frame, frame.time_s, dt_s)
            self.time_s = frame.time_s
            self.ticks += 1
            answer = actuator_message(actuators, frame.time_s)
            self._last = (time_us, answer)
            await self.port.send(answer)
