"""``firmware-sim platform``: one sea platform's sensor box on a serial port, and the platform on MAVLink.

The platform model (``Platform(config, seed)``) runs on the simulation clock, (wall time since
start) × ``speed``. Every poll takes one snapshot of it; the NMEA talker turns that into the
sentences that are due (GNSS, gyro, anemometer, transducers, one MRU format), which a writer task
puts on the line no faster than its baud rate allows; if given a MAVLink link, the same snapshot
feeds the platform's own MAVLink system (``platform_mavlink``) at its message rates. Without one,
the box sleeps until its next sentence is due (at least ``MIN_POLL_WALL_S``), and while its clock
is held by the station's (``--follow-stdin-lead-s``), until the station's next word.

With a fault schedule (``faults``) the platform is built with the schedule's faults for it (a new
sea state, wind, a move off station: ``Platform(conditions=...)``), and each is told on ``report``
(stderr) when its moment comes.

The composition root of the platform process: reads its config, builds the parts, runs the loops.
Knows nothing of sentence layouts or message fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_sim.faults.schedule import load_fault_schedule
from firmware_sim.faults.timeline import FaultLog, platform_conditions, summary
from firmware_sim.io.followed_clock import FollowedClock
from firmware_sim.io.nmea_talker import (
    DEFAULT_RATES_HZ,
    MotionFormat,
    PlatformSensorTalker,
    Sentence,
    TalkerConfig,
)
from firmware_sim.io.pacing import BaudPacer
from firmware_sim.io.platform_state import PlatformSnapshot, platform_snapshot, wind_over_deck
from firmware_sim.io.wire import SimStream, open_stream, parse_address
from firmware_sim.physics.config import load_platform_config
from firmware_sim.physics.platform import Platform

if TYPE_CHECKING:
    # The MAVLink side is imported only with a MAVLink link: its dialect is a second of start-up
    # where bytecode is not cached, and SITL's sensor boxes talk NMEA only.
    from firmware_sim.io.mavlink_port import MavlinkPort
    from firmware_sim.io.message_rates import MessageRates
    from firmware_sim.io.platform_mavlink import PlatformMessages
    from firmware_sim.io.signing import SigningSettings

WIND_REFRESH_S = 0.25
"""Simulated seconds between samples of the wind over the deck (an anemometer averages anyway)."""

_WIND_SENTENCES = (Sentence.MWV,)
_POSITION_SENTENCES = (Sentence.GGA, Sentence.RMC)
"""The sentences that carry the wind over the deck, and the deck's geodetic position."""

MIN_POLL_WALL_S = 0.002
"""The shortest wall time between polls: a fast clock gets its sentences in batches, not a busy loop."""

NMEA_QUEUE_CHUNKS = 64
"""Polls' worth of sentences waiting for the line before the oldest are dropped, as a UART overruns."""


@dataclass(frozen=True, slots=True)
class PlatformOptions:
    config: Path
    nmea: str
    mavlink: str | None = None
    system_id: int = 2
    speed: float = 1.0
    seed: int = 1
    motion_format: MotionFormat = MotionFormat.SEAPATH_PSXN23
    rates_hz: Mapping[Sentence, float] = field(default_factory=lambda: dict(DEFAULT_RATES_HZ))
    signing: SigningSettings | None = None
    start_utc: dt.datetime | None = None
    faults: Path | None = None
    """A fault schedule: its platform faults for this platform (by name, or unnamed) apply."""
    follow_lead_s: float | None = None
    """SITL: follow a leader's time read from stdin, at most this far ahead (``io.followed_clock``)."""


@dataclass(slots=True)
class NmeaStats:
    bytes_out: int = 0
    chunks_dropped: int = 0


def line_budget_warning(
    talker: PlatformSensorTalker, state: Any, rates_hz: Mapping[Sentence, float], baud: int
) -> str:
    """A warning if the configured sentences need more bytes per second than the line carries."""
    need = sum(
        rate * sum(len(line) for line in talker.sentences(sentence, state))
        for sentence, rate in rates_hz.items()
    )
    capacity = BaudPacer(baud).bytes_per_s
    if need <= capacity:
        return ""
    return f"the sentences need {need:.0f} bytes/s but {baud} baud carries {capacity:.0f}: they will lag"


def _report_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class PlatformProcess:
    def __init__(
        self,
        options: PlatformOptions,
        announce: Callable[[str], None],
        report: Callable[[str], None] = _report_on_stderr,
    ) -> None:
        """Load the config (and fault schedule) and build the parts; ``announce`` gets the "serving"
        line, ``report`` the fault lines.

        Raises:
            ValueError: a bad speed, or a bad config or fault file (named in the message).
        """
        if not options.speed > 0:
            raise ValueError(f"--speed must be > 0, got {options.speed}")
        self.options = options
        self._announce = announce
        self._report = report
        config = load_platform_config(options.config)
        faults = load_fault_schedule(options.faults).for_platform(config.name) if options.faults else ()
        self._fault_log = FaultLog(faults)
        self.platform = Platform(config, seed=options.seed, conditions=platform_conditions(faults, config))
        if options.faults is not None:
            report(f"firmware-sim: faults on {config.name} from {options.faults}: {summary(faults)}")
        self.talker = PlatformSensorTalker(TalkerConfig(options.motion_format, options.rates_hz))
        self.rates: MessageRates | None = None
        self.messages: PlatformMessages | None = None
        self._poll_s = MIN_POLL_WALL_S
        if options.mavlink is not None:
            from firmware_sim.io.message_rates import MessageRates
            from firmware_sim.io.platform_mavlink import DEFAULT_RATES_HZ as MAVLINK_RATES_HZ
            from firmware_sim.io.platform_mavlink import PlatformMessages

            self.rates = MessageRates(MAVLINK_RATES_HZ)
            self.messages = PlatformMessages(options.system_id)
            fastest = max([*options.rates_hz.values(), *MAVLINK_RATES_HZ.values()])
            # Two polls per period of the fastest stream, so no sample falls between polls.
            self._poll_s = max(MIN_POLL_WALL_S, 0.5 / (fastest * options.speed))
        self.stats = NmeaStats()
        self._start_utc = options.start_utc or dt.datetime.now(dt.UTC)
        self._start_mono = time.monotonic()
        self.clock = FollowedClock(options.speed, self._start_mono,
                                   lead_s=options.follow_lead_s or math.inf)
        self._heard = asyncio.Event()
        """Set at each word of the leader's time (a held clock may move on)."""
        self._wind: tuple[float, float] | None = None
        self._position: tuple[float, float, float] | None = None
        self._wind_time_s = float("-inf")
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=NMEA_QUEUE_CHUNKS)

    def sim_time_s(self) -> float:
        return self.clock.now_s(time.monotonic())

    def snapshot(
        self, now_s: float, wind_needed: bool = True, position_needed: bool = True
    ) -> PlatformSnapshot:
        """The platform at ``now_s``. The wind over the deck is sampled (at most every
        ``WIND_REFRESH_S``) only when ``wind_needed``, the deck's geodetic position only when
        ``position_needed``: each costs as much as the motion, and only the anemometer's sentence
        (the GNSS fix's) and the MAVLink messages carry it; otherwise the last one stands, unsent."""
        if self._wind is None or (wind_needed and now_s - self._wind_time_s >= WIND_REFRESH_S):
            self._wind, self._wind_time_s = wind_over_deck(self.platform, now_s), now_s
        position = None if position_needed or self._position is None else self._position
        snap = platform_snapshot(self.platform, now_s, self._start_utc, self._wind, position)
        sensors = snap.sensors
        self._position = sensors.latitude_deg, sensors.longitude_deg, sensors.altitude_msl_m
        return snap

    def nmea_due(self, now_s: float) -> bytes:
        """The sentences due at ``now_s`` (none: b""), from a snapshot with what they carry."""
        talker = self.talker
        if not talker.any_due(now_s):
            return b""
        # The platform's state (waves, station keeping) is the costly part: built only when a
        # sentence is due, its wind and geodetic position only when a sentence carrying them is.
        wind = any(talker.will_send(sentence, now_s) for sentence in _WIND_SENTENCES)
        position = any(talker.will_send(sentence, now_s) for sentence in _POSITION_SENTENCES)
        return talker.due(self.snapshot(now_s, wind, position).sensors, now_s)

    async def run(self, stop: asyncio.Event) -> None:
        options = self.options
        nmea_address = parse_address(options.nmea)
        async with AsyncExitStack() as stack:
            nmea = await stack.enter_async_context(open_stream(nmea_address))
            port = None
            if options.mavlink is not None:
                from firmware_sim.io.mavlink_port import MavlinkPort
                from firmware_sim.io.signing import new_codec

                stream = await stack.enter_async_context(open_stream(parse_address(options.mavlink)))
                port = MavlinkPort(stream, new_codec(options.system_id, 1, options.signing))
            if nmea_address.scheme == "serial":
                warning = line_budget_warning(
                    self.talker, self.snapshot(0.0).sensors, options.rates_hz, nmea_address.baud
                )
                if warning:
                    self._announce(f"firmware-sim: warning: {warning}")
            pacer = BaudPacer(nmea_address.baud) if nmea_address.scheme == "serial" else None
            self._announce(
                f"firmware-sim: platform {self.platform.name} serving NMEA on {options.nmea}"
                f" ({options.motion_format.value})"
                + (f" and MAVLink sysid {options.system_id} on {options.mavlink}" if port else "")
            )
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(self._service(port), name="platform.service"),
                    group.create_task(self._write_nmea(nmea, pacer), name="platform.nmea"),
                ]
                if port is not None:
                    tasks.append(group.create_task(self._drain(port), name="platform.mavlink-receive"))
                if options.follow_lead_s is not None:
                    tasks.append(group.create_task(self._follow_stdin(), name="platform.follow-stdin"))
                await stop.wait()
                for task in tasks:
                    task.cancel()

    async def _service(self, port: MavlinkPort | None) -> None:
        while True:
            now_s = self.sim_time_s()
            if self._fault_log.pending:
                for line in self._fault_log.due(now_s):
                    self._report(line)
            if port is None:
                self._put(self.nmea_due(now_s))
                await self._pause(now_s)
                continue
            assert self.messages is not None  # built with the link
            assert self.rates is not None
            snap = self.snapshot(now_s)
            self._put(self.talker.due(snap.sensors, now_s))
            await port.send_all([self.messages.build(msg_id, snap) for msg_id in self.rates.due(now_s)])
            await asyncio.sleep(self._poll_s)

    def _put(self, data: bytes) -> None:
        if data:
            if self._queue.full():
                self._queue.get_nowait()
                self.stats.chunks_dropped += 1
            self._queue.put_nowait(data)

    async def _pause(self, now_s: float) -> None:
        """Until a sentence may be due: while the clock is held, the leader's next word (or its
        silence's end); else the next sentence's time, at least ``MIN_POLL_WALL_S`` of wall time."""
        clock = self.clock
        if clock.held:
            self._heard.clear()
            # Polled again just before a silent leader lets go, so the clock stood until then.
            wait_s = max(MIN_POLL_WALL_S, clock.released_at_wall_s - MIN_POLL_WALL_S - time.monotonic())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await self._heard.wait()
            return
        until_due_s = (self.talker.next_due_s(now_s) - now_s) / clock.speed
        await asyncio.sleep(max(MIN_POLL_WALL_S, until_due_s))

    async def _write_nmea(self, stream: SimStream, pacer: BaudPacer | None) -> None:
        while True:
            data = await self._queue.get()
            delay_s = pacer.delay_s(time.monotonic(), len(data)) if pacer is not None else 0.0
            if delay_s > 0.0:  # a fast line is free at once: no turn of the loop for nothing
                await asyncio.sleep(delay_s)
            await stream.write(data)
            self.stats.bytes_out += len(data)

    async def _follow_stdin(self) -> None:
        """The leader's time, one number a line; an unreadable line is skipped, end of input ends it."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            try:
                leader_s = float(line)
            except ValueError:
                continue
            wall_s = time.monotonic()
            # Read the held clock first, as a poll would have: it stood until this word (``_pause``
            # waits for the word instead of polling), and goes on at speed from here.
            self.clock.now_s(wall_s)
            self.clock.follow(leader_s, wall_s)
            self._heard.set()

    async def _drain(self, port: MavlinkPort) -> None:
        # The platform only talks; reading keeps a udpin peer known and the socket from filling up.
        async for _ in port.messages():
            pass
