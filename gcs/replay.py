"""``gcs replay``: a recorded session driven through the live pipeline again, on the session's own time.

The recorded bytes go back through the same code that first saw them: vehicle frames from the
tlog into a real :class:`~gcs.links.flight_computer.FlightComputerLink`, each platform's raw NMEA
lines into a real :class:`~gcs.links.sea_platform.SeaPlatformLink`, both over lockstep byte links,
with a :class:`ReplayClock` standing at each record's receive stamp. So the hub carries the same
heartbeats, link events and platform values, with the same ``unix_time_s`` stamps, that it carried
when the session was recorded, and whatever reads the hub (the status lines, and any consumer
passed in: the console and the MQTT bridge) shows the flight as it was seen. Journal entries are
published on the hub as they are (``JournalRecord``, keyed by its ``JournalKind``), at their stamps.

What cannot come back the same, and why:

* Frames the station sent are in the tlog too; they are not fed back (they were never received).
  The replayed link sends its own heartbeats into the void and requests no message rates and no
  TIMESYNC, so ``VehicleLinkHealth.rtt_s`` stays ``None``: the round trip needs the original
  requests' send times, which live only inside the original link.
* Only frames that passed their checks were recorded, so framing errors (CRC, bad headers, bad
  signatures) count zero in replay; loss from sequence gaps is reproduced exactly.
* Timer-driven values (link health every interval, platform feed health, lost-link detection)
  are recomputed at their deadlines on the session's time, starting when the session started: the
  same schedule, without the few milliseconds of scheduling delay the live loop had.

Time: ``speed`` N replays N seconds of session per second of wall time (on the ``pacer`` clock);
``math.inf`` goes as fast as the pipeline can. Between two records the clock steps through every
deadline a task sleeps until, so a lost link is declared at the second it was lost, not at the
next record. Damage in the files is skipped and reported (see :mod:`gcs.recorder.timeline`).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import heapq
import itertools
import math
import sys
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO

from gcs.app import status_lines
from gcs.clock import Clock, WallClock
from gcs.config import GcsConfig, load_gcs_config
from gcs.errors import LinkDownError
from gcs.hub import Hub
from gcs.links.flight_computer import FlightComputerLink
from gcs.links.sea_platform import SeaPlatformLink
from gcs.links.sea_platform_settings import SeaPlatformSettings
from gcs.links.settings import LinkSettings
from gcs.protocol.mavlink import MavlinkCodec
from gcs.recorder.journal import JournalRecord
from gcs.recorder.session import RecordedSession
from gcs.recorder.stamps import iso_utc
from gcs.recorder.timeline import SessionTimeline, Source, TimelineItem, TimelineReport, open_for_reading
from gcs.transport.endpoint import Endpoint, EndpointKind
from gcs.transport.link import LinkEvent, LinkState

Consumer = Callable[[Hub, Clock], Coroutine[Any, Any, None]]
"""Something else that reads the hub during a replay (the console, the MQTT bridge): run as a task
for the length of the replay with the hub and the replay's clock, cancelled at its end."""

_SETTLE_MAX_TURNS = 1000
_SETTLE_FALLBACK_TURNS = 32


class ReplayClock:
    """Session time: stands still until the replay moves it; sleepers wake at their own deadlines.

    Monotonic time is seconds since the session started; Unix time is the session's start plus
    that, so every stamp a link takes is the recorded one (to the microsecond).
    """

    def __init__(self, epoch_unix_s: float) -> None:
        self._now_s = 0.0
        self._epoch_unix_s = epoch_unix_s
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic_s(self) -> float:
        return self._now_s

    def unix_time_s(self) -> float:
        return self._epoch_unix_s + self._now_s

    async def sleep(self, duration_s: float) -> None:
        if duration_s <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now_s + duration_s, next(self._order), future))
        await future

    def next_deadline_s(self) -> float | None:
        """The earliest deadline a task still sleeps until (cancelled sleeps are dropped)."""
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    def advance_to(self, now_s: float) -> None:
        """Stand at ``now_s`` (never earlier than now) and wake every sleeper due by then."""
        self._now_s = max(self._now_s, now_s)
        while self._sleepers and self._sleepers[0][0] <= self._now_s:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


async def settle() -> None:
    """Let every task that can run, run, until none is ready: the effects of one step are complete.

    asyncio has no public "run until idle"; CPython's loop keeps the callbacks due now in
    ``_ready``, and an empty queue when this task resumes means nothing else is waiting to run.
    On a loop without it, a fixed number of turns is given instead.
    """
    ready = getattr(asyncio.get_running_loop(), "_ready", None)
    turns = _SETTLE_MAX_TURNS if ready is not None else _SETTLE_FALLBACK_TURNS
    for _ in range(turns):
        await asyncio.sleep(0)
        if ready is not None and not ready:
            return


class LockstepLink:
    """A byte link whose every chunk is handed over only when the reader has finished the one before.

    ``deliver`` returns once the reader is back in ``read``, so everything the chunk caused in the
    reader (decoding, publishing) has happened before the replay moves time on. Writes are counted
    and dropped: nobody is at the other end of a replay.
    """

    def __init__(self) -> None:
        self._chunk: bytes | None = None
        self._chunk_ready = asyncio.Event()
        self._reader_idle = asyncio.Event()
        self._closed = False
        self.chunks_delivered = 0
        self.writes = 0

    async def read(self) -> bytes:
        self._reader_idle.set()
        while self._chunk is None:
            if self._closed:
                raise LinkDownError("the replay has ended")
            self._chunk_ready.clear()
            await self._chunk_ready.wait()
        chunk, self._chunk = self._chunk, None
        self._reader_idle.clear()
        return chunk

    async def write(self, data: bytes) -> bool:
        self.writes += 1
        return True

    async def deliver(self, data: bytes) -> None:
        await self._reader_idle.wait()
        self._reader_idle.clear()
        self._chunk = data
        self.chunks_delivered += 1
        self._chunk_ready.set()
        await self._reader_idle.wait()

    def close(self) -> None:
        """The reader's next ``read`` (or the one it waits in) raises ``LinkDownError``."""
        self._closed = True
        self._chunk_ready.set()


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    """How a replay runs.

    Attributes:
        speed: seconds of session per second of wall time; ``math.inf`` as fast as possible.
        status_every_s: print the status lines every this many seconds of session time (None: never).
        station_system_id: the station's own MAVLink system id: tlog frames from it were sent,
            not received, and are not fed back.
        link: the vehicle link's settings (rates and TIMESYNC are switched off for a replay).
        platforms: per platform name, its link settings; a platform not listed gets the defaults.
    """

    speed: float = 1.0
    status_every_s: float | None = 5.0
    station_system_id: int = 255
    station_component_id: int = 190
    link: LinkSettings = field(default_factory=LinkSettings)
    platforms: Mapping[str, SeaPlatformSettings] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise ValueError(f"speed must be > 0 (math.inf for as fast as possible), got {self.speed}")
        if self.status_every_s is not None and not self.status_every_s > 0:
            raise ValueError(f"status_every_s must be > 0 or None, got {self.status_every_s}")

    @classmethod
    def from_config(
        cls, config: GcsConfig, *, speed: float = 1.0, status_every_s: float | None = 5.0
    ) -> ReplaySettings:
        """The settings the live station ran with, as far as a replay uses them."""
        return cls(
            speed=speed,
            status_every_s=status_every_s,
            station_system_id=config.station.system_id,
            station_component_id=config.station.component_id,
            link=LinkSettings.from_config(config.vehicle),
            platforms=MappingProxyType(
                {p.name: SeaPlatformSettings.from_config(p) for p in config.platforms}
            ),
        )

    def platform(self, name: str) -> SeaPlatformSettings:
        return self.platforms.get(name) or SeaPlatformSettings(name=name)


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """What a replay did and what it had to skip."""

    session_dir: Path
    started_unix_us: int
    session_s: float
    """Seconds of session time replayed (first record to last)."""
    wall_s: float
    frames_received: int
    """Frames from vehicles and other systems, fed through the vehicle link."""
    frames_sent: int
    """Frames the station had sent, in the tlog, not fed back."""
    frames_undecoded: int
    """Recorded frames the codec refused (an unknown message id, a CRC broken on disk)."""
    sentences: int
    journal_entries: int
    stamps_out_of_order: int
    files: TimelineReport

    @property
    def complete(self) -> bool:
        """Every file was read to its end with nothing skipped."""
        return self.files.clean and self.frames_undecoded == 0

    def lines(self) -> list[str]:
        rate = self.session_s / self.wall_s if self.wall_s > 0 else math.inf
        head = (
            f"replayed {self.session_s:.1f} s of session in {self.wall_s:.1f} s ({rate:.1f}x): "
            f"{self.frames_received} frames received, {self.frames_sent} sent by the station "
            f"(not fed back), {self.sentences} NMEA lines, {self.journal_entries} journal entries"
        )
        out = [head]
        if self.frames_undecoded:
            out.append(f"{self.frames_undecoded} recorded frames could not be decoded (skipped)")
        if self.stamps_out_of_order:
            out.append(f"{self.stamps_out_of_order} records stamped before the one before them "
                       "(replayed at the later time)")
        out.extend(self.files.lines())
        out.append("complete: every file read to its end" if self.complete
                   else "incomplete: the damage above was skipped")
        return out


class SessionReplay:
    """One replay of one session; see the module docstring.

    Args:
        session: the session folder, opened (``gcs.recorder.timeline.open_for_reading``).
        settings: speed, status lines, the station's id, the links' settings.
        hub: where the replayed values are published.
        pacer: the wall clock that paces a finite speed.
        out: where the status lines go (None: nowhere).
        notes: problems met opening the session, reported with the files.
    """

    def __init__(
        self,
        session: RecordedSession,
        settings: ReplaySettings,
        *,
        hub: Hub,
        pacer: Clock | None = None,
        out: TextIO | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.session = session
        self.settings = settings
        self.hub = hub
        self._pacer = pacer or WallClock()
        self._out = out
        self._timeline = SessionTimeline(session, notes=notes)
        self._items: Iterator[TimelineItem] = iter(self._timeline)
        self._first = next(self._items, None)
        manifest_start = session.manifest.started_unix_us if session.manifest is not None else None
        first_us = self._first.unix_time_us if self._first is not None else None
        candidates = [t for t in (manifest_start, first_us) if t is not None]
        self.started_unix_us = min(candidates) if candidates else 0
        self.clock = ReplayClock(self.started_unix_us / 1_000_000)
        self._vehicle_link = LockstepLink()
        link_settings = dataclasses.replace(settings.link, message_rates=(), timesync_interval_s=None)
        codec = MavlinkCodec(
            settings.station_system_id, settings.station_component_id, unix_time_s=self.clock.unix_time_s
        )
        self.flight_computer = FlightComputerLink(
            self._vehicle_link, codec, clock=self.clock, hub=hub, settings=link_settings,
            name="replay vehicle link",
        )
        self.platforms: dict[str, tuple[SeaPlatformLink, LockstepLink]] = {
            name: (
                SeaPlatformLink(
                    settings.platform(name), clock=self.clock, hub=hub, record_nmea=_already_recorded
                ),
                LockstepLink(),
            )
            for name in self._timeline.platforms
        }
        self._wall_start_s = 0.0
        self._last_us = self.started_unix_us
        self._counts = dict.fromkeys(("received", "sent", "sentences", "journal", "out_of_order"), 0)

    def _print(self, line: str) -> None:
        if self._out is not None:
            print(line, file=self._out, flush=True)

    async def run(self, consumers: Sequence[Consumer] = ()) -> ReplayReport:
        """Replay the whole session; returns what was replayed and skipped."""
        self._wall_start_s = self._pacer.monotonic_s()
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self.flight_computer.run(), name="replay: vehicle link")]
            for name, (platform, link) in self.platforms.items():
                platform.on_link_event(
                    LinkEvent(Endpoint(EndpointKind.MEMORY, wire=f"replay-{name}"), LinkState.UP,
                              "replay", self.clock.monotonic_s())
                )
                group.create_task(platform.run(link), name=f"replay: platform {name}")
            every_s = self.settings.status_every_s
            if every_s is not None and self._out is not None:
                tasks.append(group.create_task(self._status(every_s), name="replay: status"))
            for index, consumer in enumerate(consumers):
                job = consumer(self.hub, self.clock)
                tasks.append(group.create_task(job, name=f"replay: consumer {index}"))
            await settle()
            try:
                await self._replay_all()
            finally:
                for _, link in self.platforms.values():
                    link.close()
                for task in tasks:
                    task.cancel()
        report = self._report(self._pacer.monotonic_s() - self._wall_start_s)
        if self._out is not None:
            for line in status_lines(self.hub):
                self._print(f"  {line}")
        return report

    async def _replay_all(self) -> None:
        if self._first is None:
            return
        chunk: list[TimelineItem] = []
        for item in itertools.chain([self._first], self._items):
            if item.source is Source.TLOG and item.system_id == self.settings.station_system_id:
                self._counts["sent"] += 1
                continue
            if chunk and not _same_chunk(chunk[-1], item):
                await self._step(chunk)
                chunk = []
            chunk.append(item)
        if chunk:
            await self._step(chunk)

    async def _step(self, chunk: list[TimelineItem]) -> None:
        """Deliver records that arrived together: one receive stamp, one source.

        Live, everything one read returned was stamped once, and a platform's derived values are
        published once per chunk; a run of records with one stamp is such a chunk, and goes back
        in as one, so the values derived from it come out as they did.
        """
        first = chunk[0]
        if first.unix_time_us < self._last_us:
            self._counts["out_of_order"] += len(chunk)
        else:
            self._last_us = first.unix_time_us
        await self._advance((self._last_us - self.started_unix_us) / 1_000_000)
        if first.source is Source.TLOG:
            self._counts["received"] += len(chunk)
            await self._vehicle_link.deliver(b"".join(_bytes(item) for item in chunk))
        elif first.source is Source.NMEA:
            assert first.platform is not None
            self._counts["sentences"] += len(chunk)
            lines = b"".join(_bytes(item) + b"\r\n" for item in chunk)
            await self.platforms[first.platform][1].deliver(lines)
        else:
            for item in chunk:
                assert isinstance(item.data, JournalRecord)
                self._counts["journal"] += 1
                self.hub.publish(item.data, key=item.data.kind)
        await settle()

    async def _advance(self, to_s: float) -> None:
        """Move session time to ``to_s``, stopping at every deadline on the way."""
        while (deadline_s := self.clock.next_deadline_s()) is not None and deadline_s <= to_s:
            await self._pace(deadline_s)
            self.clock.advance_to(deadline_s)
            await settle()
        await self._pace(to_s)
        self.clock.advance_to(to_s)

    async def _pace(self, session_s: float) -> None:
        if math.isinf(self.settings.speed):
            return
        due_s = self._wall_start_s + session_s / self.settings.speed
        wait_s = due_s - self._pacer.monotonic_s()
        if wait_s > 0:
            await self._pacer.sleep(wait_s)

    async def _status(self, every_s: float) -> None:
        while True:
            await self.clock.sleep(every_s)
            stamp = iso_utc(round(self.clock.unix_time_s() * 1_000_000))
            self._print(f"  T+{self.clock.monotonic_s():.1f}s {stamp}")
            for line in status_lines(self.hub) or ["no vehicle or platform heard yet"]:
                self._print(f"    {line}")

    def _report(self, wall_s: float) -> ReplayReport:
        counters = self.flight_computer.codec.counters()
        undecoded = counters.crc_errors + counters.bad_headers + counters.unknown_msg_ids
        return ReplayReport(
            session_dir=self.session.path,
            started_unix_us=self.started_unix_us,
            session_s=(self._last_us - self.started_unix_us) / 1_000_000,
            wall_s=wall_s,
            frames_received=self._counts["received"],
            frames_sent=self._counts["sent"],
            frames_undecoded=undecoded,
            sentences=self._counts["sentences"],
            journal_entries=self._counts["journal"],
            stamps_out_of_order=self._counts["out_of_order"],
            files=self._timeline.report(),
        )


def _same_chunk(last: TimelineItem, item: TimelineItem) -> bool:
    return (
        item.unix_time_us == last.unix_time_us
        and item.source is last.source
        and item.platform == last.platform
        and item.source is not Source.JOURNAL
    )


def _bytes(item: TimelineItem) -> bytes:
    assert isinstance(item.data, bytes)
    return item.data


def _already_recorded(platform: str, sentence: bytes, *, unix_time_s: float) -> None:
    """The replayed lines are already on disk; taking them keeps the feed's ``raw_lines_recorded``
    counting as it did live."""


async def replay_session(
    path: Path,
    settings: ReplaySettings,
    *,
    hub: Hub | None = None,
    pacer: Clock | None = None,
    out: TextIO | None = None,
    consumers: Sequence[Consumer] = (),
) -> ReplayReport:
    """Open ``path`` (tolerating a damaged or missing manifest) and replay it to its end.

    Raises:
        LogReadError: ``path`` is not a folder.
    """
    session, notes = open_for_reading(path)
    replay = SessionReplay(session, settings, hub=hub or Hub(), pacer=pacer, out=out, notes=notes)
    return await replay.run(consumers)


def parse_speed(text: str) -> float:
    """``--speed``: a positive number, or ``max`` for as fast as possible."""
    if text.strip().lower() in {"max", "inf"}:
        return math.inf
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number or 'max', got {text!r}") from None
    if not speed > 0 or math.isnan(speed):
        raise argparse.ArgumentTypeError(f"expected a positive number or 'max', got {text!r}")
    return speed


def run(session_dir: str, config_path: str, *, speed: float, status_every_s: float | None,
        out: TextIO | None = None) -> int:
    out = out or sys.stdout
    config = load_gcs_config(config_path)
    settings = ReplaySettings.from_config(config, speed=speed, status_every_s=status_every_s)
    session, notes = open_for_reading(Path(session_dir))
    how = "as fast as possible" if math.isinf(speed) else f"at {speed:g}x"
    state = "closed cleanly" if session.closed_cleanly else "not closed cleanly"
    print(f"gcs: replaying {session.path} ({state}) {how}", file=out, flush=True)
    replay = SessionReplay(session, settings, hub=Hub(), out=out, notes=notes)
    print(f"gcs: session starts {iso_utc(replay.started_unix_us)}", file=out, flush=True)
    report = asyncio.run(replay.run())
    head, *rest = report.lines()
    print(f"gcs: {head}", file=out, flush=True)
    for line in rest:
        print(f"  {line}", file=out, flush=True)
    return 0


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "replay", help="drive the pipeline from a recorded session, on the session's own time"
    )
    parser.add_argument("session_dir", metavar="SESSION_DIR", help="a session folder recorded by gcs run")
    parser.add_argument("--speed", type=parse_speed, default=1.0, metavar="N",
                        help="N seconds of session per second (default 1: as it was seen); 'max': no waiting")
    parser.add_argument("--config", default="configs/gcs.toml",
                        help="the gcs.toml the session was recorded with (default configs/gcs.toml)")
    parser.add_argument("--status-every", type=float, default=5.0, metavar="S",
                        help="print link status every S seconds of session time (0: only at the end)")
    parser.set_defaults(func=_cli)


def _cli(args: Any) -> int:
    every = args.status_every if args.status_every > 0 else None
    return run(args.session_dir, args.config, speed=args.speed, status_every_s=every)
