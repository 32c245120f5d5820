"""The sea-platform link over real pty serial pairs and UDP sockets, fed by the simulator's talker.

Every test body runs over a pty pair (through ``PtyFaultProxy``: a serial cable with faults in the
middle) and over UDP (through ``UdpFaultProxy``), with the ground station's ``SeaPlatformLink`` at
one end and the platform's sensor box at the other: firmware_sim's ``PlatformSensorTalker``
writing to a reconnecting link, or a recorded vendor stream from tests/data/nmea. Every wait is for
a condition, with a limit; nothing sleeps to let things settle (the sensor box paces its own
output, as a real one does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

from firmware_sim.io.nmea_talker import (
    MotionFormat,
    PlatformSensorState,
    PlatformSensorTalker,
    Sentence,
    TalkerConfig,
    TalkerFaults,
)
from gcs.clock import WallClock
from gcs.config import PlatformLinkConfig, PlatformStationConfig
from gcs.domain.geodesy import ecef_to_geodetic, geodetic_to_ecef_m, ned_to_ecef_matrix
from gcs.domain.platform import DeckState
from gcs.domain.station_keeping import StationAssignment
from gcs.hub import Hub
from gcs.links.sea_platform import SeaPlatformLink, open_sea_platform_from_config
from gcs.links.sea_platform_settings import FeedKind, SeaPlatformSettings
from gcs.links.sea_platform_values import (
    DeckMotion,
    PlatformFeedHealth,
    PlatformHeading,
    PlatformLinkEvent,
    PlatformPosition,
    PlatformWind,
    StationKeeping,
)
from gcs.protocol.nmea import StreamCounters
from gcs.protocol.nmea_tss1 import NmeaTss1Decoder
from gcs.recorder.nmea_log import NmeaLogReader
from gcs.recorder.session import nmea_file_name
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.tasks import background
from gcs.transport.endpoint import Endpoint
from gcs.transport.faults import PERFECT_LINK, FaultSpec
from gcs.transport.link import Backoff, Link, LinkState, open_link
from gcs.transport.proxy import PtyFaultProxy, UdpFaultProxy
from tests.support.waits import wait_until

T = TypeVar("T")
DATA = Path(__file__).resolve().parents[2] / "data" / "nmea"
NAME = "landing-barge"
STATION = (31.159, -121.933)
FAST_BACKOFF = Backoff(base_s=0.01, factor=1.5, max_s=0.1)
WAIT_S = 10.0
"""Generous on a shared 2-core machine; conditions usually hold within a second."""

RATES_HZ = {
    Sentence.GGA: 5.0,
    Sentence.RMC: 5.0,
    Sentence.VTG: 5.0,
    Sentence.ZDA: 1.0,
    Sentence.HDT: 10.0,
    Sentence.MWV: 5.0,
    Sentence.XDR: 1.0,
    Sentence.MOTION: 25.0,
}
SETTINGS = SeaPlatformSettings(
    NAME,
    station=StationAssignment(*STATION, heading_true_deg=300.0),
    expected_intervals_s={
        FeedKind.POSITION: 0.2,
        FeedKind.VELOCITY: 0.2,
        FeedKind.HEADING: 0.1,
        FeedKind.MOTION: 0.04,
        FeedKind.WIND: 0.2,
    },
    maxima_min_window_s=0.0,
    health_interval_s=0.1,
)
PLANTED = TalkerFaults(drop_checksum=0.08, corrupt_checksum=0.08, truncate=0.08, garbage=0.08, seed=7)
"""Faults the sensor box itself makes: every class must show up in the link's counters, exactly."""
BAD_LINK = FaultSpec(loss_probability=0.1, bit_flip_probability=0.001)
"""Issue 5's bad link: 10 % of chunks lost, 0.1 % of bytes with a flipped bit."""


def north_east_of(origin: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    ecef = geodetic_to_ecef_m(*origin, 0.0) + ned_to_ecef_matrix(*origin) @ np.array([north_m, east_m, 0.0])
    lat, lon, _ = ecef_to_geodetic(ecef)
    return lat, lon


STATE = PlatformSensorState(
    time_utc=dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC),
    latitude_deg=north_east_of(STATION, 3.0, 0.0)[0],
    longitude_deg=north_east_of(STATION, 3.0, 0.0)[1],
    heading_true_deg=300.5,
    speed_over_ground_mps=0.0,
    course_over_ground_true_deg=0.0,
    wind_angle_relative_deg=20.0,
    wind_speed_relative_mps=7.0,
    pitch_bow_up_deg=1.5,  # bow up
    roll_port_up_deg=-2.0,  # port down
    heave_up_m=0.4,  # up (a Seapath sends -0.40: + down)
)


class Kind(enum.Enum):
    PTY = "pty"
    UDP = "udp"


@pytest.fixture(params=list(Kind), ids=lambda kind: kind.value)
def kind(request: pytest.FixtureRequest) -> Kind:
    chosen: Kind = request.param
    return chosen


@dataclass(slots=True)
class Recording:
    """What the link handed to its "record this raw sentence" callable."""

    lines: list[tuple[str, bytes, float]] = field(default_factory=list)

    def __call__(self, platform: str, sentence: bytes, *, unix_time_s: float) -> None:
        self.lines.append((platform, sentence, unix_time_s))

    def joined(self) -> bytes:
        return b"".join(sentence for _, sentence, _ in self.lines)


class SensorBox:
    """The platform's sensor box behind the proxy: what it wrote, it keeps in ``sent``."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.sent = bytearray()

    async def send(self, data: bytes) -> None:
        if await self.link.write(data):
            self.sent += data

    async def talk(self, talker: PlatformSensorTalker, state: PlatformSensorState) -> None:
        start = time.monotonic()
        while True:
            now = time.monotonic() - start
            data = talker.due(state, now)
            if data:
                await self.send(data)
            await asyncio.sleep(0.01)  # the box's own output cadence, not a wait for anything


class ProxyControl:
    """Starts and stops the rig's proxy; a restarted proxy comes back on the same paths or port."""

    def __init__(self, make: Callable[[], PtyFaultProxy | UdpFaultProxy]) -> None:
        self._make = make
        self.proxy: PtyFaultProxy | UdpFaultProxy | None = None

    async def start(self) -> PtyFaultProxy | UdpFaultProxy:
        self.proxy = await self._make().__aenter__()
        return self.proxy

    async def stop(self) -> None:
        proxy, self.proxy = self.proxy, None
        if proxy is not None:
            await proxy.__aexit__(None, None, None)


@dataclass(slots=True)
class Rig:
    kind: Kind
    hub: Hub
    platform: SeaPlatformLink
    box: SensorBox
    ground: Link
    recording: Recording
    control: ProxyControl
    events: list[PlatformLinkEvent] = field(default_factory=list)

    def latest(self, kind: type[T]) -> T | None:
        return self.hub.latest(kind, NAME)

    def delivered_to_ground(self) -> int:
        """Bytes the proxy delivered towards the ground (pty: down, UDP: up)."""
        proxy = self.control.proxy
        assert proxy is not None
        return (proxy.down if isinstance(proxy, PtyFaultProxy) else proxy.up).delivered_bytes

    def to_ground_faults(self) -> Any:
        proxy = self.control.proxy
        assert proxy is not None
        return (proxy.down if isinstance(proxy, PtyFaultProxy) else proxy.up).faults

    @asynccontextmanager
    async def talking(
        self, talker: PlatformSensorTalker, state: PlatformSensorState = STATE
    ) -> AsyncIterator[None]:
        async with background(("sensor box", self.box.talk(talker, state))):
            yield

    @asynccontextmanager
    async def proxy_stopped(self) -> AsyncIterator[None]:
        await self.control.stop()
        try:
            yield
        finally:
            await self.control.start()


@asynccontextmanager
async def platform_rig(
    kind: Kind,
    tmp_path: Path,
    *,
    to_ground: FaultSpec = PERFECT_LINK,
    settings: SeaPlatformSettings = SETTINGS,
) -> AsyncIterator[Rig]:
    clock = WallClock()
    hub = Hub()
    recording = Recording()
    platform = SeaPlatformLink(settings, clock=clock, hub=hub, record_nmea=recording)
    async with AsyncExitStack() as stack:
        events = await stack.enter_async_context(hub.subscribe(PlatformLinkEvent, key=NAME, maxsize=1000))

        async def link(endpoint: Endpoint | str, *, ours: bool) -> Link:
            on_event = platform.on_link_event if ours else None
            return await stack.enter_async_context(
                open_link(endpoint, clock=clock, on_event=on_event, backoff=FAST_BACKOFF)
            )

        control: ProxyControl
        if kind is Kind.PTY:
            # The ground is the proxy's client: down = towards the ground. Stable symlinks, so a
            # restarted proxy is found at the same paths (as udev's by-id links are).
            ground_path, box_path = tmp_path / "tty-ground", tmp_path / "tty-box"
            control = ProxyControl(
                lambda: PtyFaultProxy(
                    client_link=ground_path, target_link=box_path, down=to_ground, seed=3, clock=clock
                )
            )
            await control.start()
            stack.push_async_callback(control.stop)
            ground = await link(Endpoint.serial(str(ground_path)), ours=True)
            box = await link(Endpoint.serial(str(box_path)), ours=False)
        else:
            # The ground listens, as for a sensor box broadcasting NMEA over UDP; the box is the
            # proxy's client: up = towards the ground.
            ground = await link("udpin:127.0.0.1:0", ours=True)
            await ground.wait_up()
            target = Endpoint.udp_out("127.0.0.1", ground.endpoint.port)
            listen: list[Endpoint] = []

            def make_udp() -> UdpFaultProxy:
                where = listen[0] if listen else "udpin:127.0.0.1:0"
                return UdpFaultProxy(target=target, listen=where, up=to_ground, seed=3, clock=clock)

            control = ProxyControl(make_udp)
            proxy = await control.start()
            assert isinstance(proxy, UdpFaultProxy)
            listen.append(proxy.listen_endpoint)
            stack.push_async_callback(control.stop)
            box = await link(proxy.client_endpoint, ours=False)
        rig = Rig(kind, hub, platform, SensorBox(box), ground, recording, control)

        async def collect_events() -> None:
            async for event in events:
                rig.events.append(event)

        await stack.enter_async_context(
            background((f"{NAME} feed", platform.run(ground)), ("collect link events", collect_events()))
        )
        await wait_until(lambda: ground.is_up and box.is_up, timeout_s=WAIT_S, what="both ends open")
        yield rig


def exact_values_arrived(rig: Rig, motion: MotionFormat | None = None) -> bool:
    """Every kind of value is in, in the one convention (``motion`` narrows the heading check)."""
    deck, deck_state = rig.latest(DeckMotion), rig.latest(DeckState)
    position, wind, keeping = (
        rig.latest(PlatformPosition),
        rig.latest(PlatformWind),
        rig.latest(StationKeeping),
    )
    heading = rig.latest(PlatformHeading)
    return (
        deck is not None
        and (deck.pitch_bow_up_deg, deck.roll_port_up_deg, deck.heave_up_m) == (1.5, -2.0, 0.4)
        and position is not None
        and wind is not None
        and keeping is not None
        and keeping.on_station  # a fix that came before any heading is not yet on station
        and heading is not None
        and deck_state is not None
        and not math.isnan(deck_state.wind_over_deck_speed_mps)
        and not math.isnan(deck_state.station_keeping_error_m)
    )


def counters_dict(counters: StreamCounters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(counters):
        value = getattr(counters, f.name)
        out[f.name] = {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else value
    return out


def without_line_ends(data: bytes) -> bytes:
    return data.replace(b"\r", b"").replace(b"\n", b"")


# --- every vendor, normalised, every planted fault counted --------------------------------------


@pytest.mark.parametrize("motion", list(MotionFormat), ids=lambda m: m.value)
async def test_each_vendor_arrives_normalised_and_every_planted_fault_is_counted(
    kind: Kind, motion: MotionFormat, tmp_path: Path
) -> None:
    talker = PlatformSensorTalker(TalkerConfig(motion, rates_hz=RATES_HZ, faults=PLANTED))
    async with platform_rig(kind, tmp_path) as rig:

        def planted_faults_seen() -> bool:
            c = rig.platform.counters
            return bool(c.checksum_errors and c.missing_checksums and c.truncated and c.garbage_bytes)

        async with rig.talking(talker):
            await wait_until(
                lambda: exact_values_arrived(rig) and planted_faults_seen(),
                timeout_s=WAIT_S,
                what=f"{motion.value}: values and every planted fault",
                show=lambda: (rig.latest(DeckMotion), rig.platform.counters),
            )
        # The box has stopped: once all it sent is in, the counters are exactly a reference
        # decoder's over the same bytes (the decoder's results do not depend on chunking).
        await wait_until(
            lambda: rig.platform.core.bytes_in == len(rig.box.sent), timeout_s=WAIT_S, what="all bytes in"
        )
        reference = NmeaTss1Decoder()
        reference.feed(bytes(rig.box.sent))
        counters = rig.platform.counters
        assert counters == reference.counters

        deck = rig.latest(DeckMotion)
        assert deck is not None
        assert (deck.pitch_max_10min_deg, deck.roll_max_10min_deg, deck.heave_max_10min_m) == (1.5, 2.0, 0.4)
        assert deck.heave_peak_to_peak_10min_m == pytest.approx(0.0)
        heading = rig.latest(PlatformHeading)
        assert heading is not None
        assert heading.heading_true_deg == 300.5
        wind = rig.latest(PlatformWind)
        assert wind is not None
        assert wind.over_deck_from_bow_deg == 20.0
        assert wind.over_deck_speed_mps == pytest.approx(7.0, abs=0.03)  # 13.6 kn, one decimal
        keeping = rig.latest(StationKeeping)
        assert keeping is not None
        assert keeping.error_m == pytest.approx(3.0, abs=0.03)  # 1e-5 arc-minutes is 1.9 cm
        assert keeping.on_station
        state = rig.latest(DeckState)
        assert state is not None
        assert (state.pitch_deg, state.roll_deg, state.heave_m) == (1.5, -2.0, 0.4)
        assert (state.pitch_max_10min_deg, state.roll_max_10min_deg, state.heave_max_10min_m) == (
            1.5,
            2.0,
            0.4,
        )
        assert state.on_station
        assert state.platform == NAME

        # Every byte received is in the raw log, rejected lines and noise included.
        assert {platform for platform, _, _ in rig.recording.lines} == {NAME}
        pending = rig.platform.core._splitter.pending_bytes
        assert rig.recording.joined() == without_line_ends(bytes(rig.box.sent))[: len(rig.recording.joined())]
        assert len(rig.recording.joined()) + pending == len(without_line_ends(bytes(rig.box.sent)))
        health = rig.platform.health()
        assert (health.raw_lines_recorded, health.record_failures, health.internal_errors) == (
            len(rig.recording.lines),
            0,
            0,
        )
        assert health.link_up


async def test_a_bad_link_costs_sentences_never_the_feed(kind: Kind, tmp_path: Path) -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.SEAPATH_PSXN23, rates_hz=RATES_HZ))
    async with platform_rig(kind, tmp_path, to_ground=BAD_LINK) as rig:

        def damage_seen() -> bool:
            faults = rig.to_ground_faults()
            c = rig.platform.counters
            rejected = (
                c.checksum_errors + c.truncated + c.garbage_bytes + c.malformed + c.parse_failures_total
            )
            return bool(faults.dropped and faults.bits_flipped and rejected)

        async with rig.talking(talker):
            await wait_until(
                lambda: damage_seen() and exact_values_arrived(rig),
                timeout_s=WAIT_S,
                what="loss and bit flips, counted, and the right values still",
                show=lambda: (rig.to_ground_faults(), rig.platform.counters),
            )
        await wait_until(
            lambda: rig.platform.core.bytes_in == rig.delivered_to_ground(),
            timeout_s=WAIT_S,
            what="all bytes in",
        )
        # Whatever the link did, the raw log holds every byte that came, and decoding it again
        # counts exactly what the live feed counted: a replay meets the same damage.
        replay = NmeaTss1Decoder()
        replay.feed(b"".join(sentence + b"\r\n" for _, sentence, _ in rig.recording.lines))
        assert replay.counters == rig.platform.counters
        health = rig.platform.health()
        assert health.link_up
        assert health.internal_errors == 0
        assert rig.platform.counters.sentences_ok < len(NmeaTss1Decoder().feed(bytes(rig.box.sent)))


# --- recorded vendor streams ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["seapath.nmea", "ixblue_phins.nmea", "tss1_mru.txt", "gnss_anemometer.nmea"]
)
async def test_recorded_vendor_streams_through_the_link(kind: Kind, name: str, tmp_path: Path) -> None:
    data = (DATA / name).read_bytes()
    expected = json.loads((DATA / (name.rsplit(".", 1)[0] + ".expected.json")).read_text())["counters"]
    async with platform_rig(kind, tmp_path) as rig:
        for start in range(0, len(data), 64):
            await rig.box.send(data[start : start + 64])
        await wait_until(
            lambda: rig.platform.core.bytes_in == len(data), timeout_s=WAIT_S, what="the whole file"
        )
        assert counters_dict(rig.platform.counters) == expected
        assert rig.platform.health().internal_errors == 0
        pending = rig.platform.core._splitter.pending_bytes
        assert len(rig.recording.joined()) + pending == len(without_line_ends(data))


# --- links that go away --------------------------------------------------------------------------


async def test_a_silent_sensor_box_makes_the_feed_stale_and_fresh_again(kind: Kind, tmp_path: Path) -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.TSS1, rates_hz=RATES_HZ))
    async with platform_rig(kind, tmp_path) as rig:

        def health() -> PlatformFeedHealth:
            latest = rig.latest(PlatformFeedHealth)
            assert latest is not None
            return latest

        async with rig.talking(talker):
            await wait_until(lambda: health().fresh, timeout_s=WAIT_S, what="a fresh feed", show=health)
        await wait_until(
            lambda: health().stale == set(FeedKind), timeout_s=WAIT_S, what="all stale", show=health
        )
        state = rig.latest(DeckState)
        assert state is not None
        assert math.isnan(state.pitch_deg)
        assert math.isnan(state.heave_max_10min_m)
        assert not state.on_station
        assert health().link_up  # the link itself never went down
        async with rig.talking(talker):
            await wait_until(lambda: health().fresh, timeout_s=WAIT_S, what="fresh again", show=health)
            await wait_until(lambda: exact_values_arrived(rig), timeout_s=WAIT_S, what="values again")


async def test_a_serial_port_that_vanishes_is_an_event_and_data_flows_again(tmp_path: Path) -> None:
    talker = PlatformSensorTalker(TalkerConfig(MotionFormat.PASHR, rates_hz=RATES_HZ))
    async with platform_rig(Kind.PTY, tmp_path) as rig, rig.talking(talker):
        await wait_until(lambda: exact_values_arrived(rig), timeout_s=WAIT_S, what="values")
        async with rig.proxy_stopped():
            await wait_until(
                lambda: [e.state for e in rig.events] == [LinkState.UP, LinkState.DOWN],
                timeout_s=WAIT_S,
                what="the port vanishing as a DOWN event",
                show=lambda: rig.events,
            )
            health = rig.latest(PlatformFeedHealth)
            assert health is not None
            assert (health.link_up, health.link_downs) == (False, 1)
            state = rig.latest(DeckState)
            assert state is not None
            assert math.isnan(state.pitch_deg)
            assert not state.on_station
            gone_at = time.monotonic()
        await wait_until(
            lambda: [e.state for e in rig.events] == [LinkState.UP, LinkState.DOWN, LinkState.UP],
            timeout_s=WAIT_S,
            what="the port back as an UP event",
            show=lambda: rig.events,
        )

        def fresh_motion() -> bool:
            deck = rig.latest(DeckMotion)
            return deck is not None and deck.monotonic_s > gone_at and deck.pitch_bow_up_deg == 1.5

        await wait_until(fresh_motion, timeout_s=WAIT_S, what="data flowing again")
        down = rig.events[1]
        assert (down.platform, down.state) == (NAME, LinkState.DOWN)
        assert str(rig.ground.endpoint.device) in down.reason or "tty-ground" in down.reason


async def test_launch_and_landing_platforms_side_by_side_into_one_session(tmp_path: Path) -> None:
    """Two platforms from config, each keyed by name on one hub, each with its own raw log."""
    clock = WallClock()
    hub = Hub()
    launch_state = dataclasses.replace(STATE, pitch_bow_up_deg=0.2, roll_port_up_deg=0.1, heave_up_m=0.05)
    async with AsyncExitStack() as stack:
        recorder = await stack.enter_async_context(
            SessionRecorder(RecorderSettings(out_dir=tmp_path / "sessions", flush_interval_s=0.05), clock)
        )
        await stack.enter_async_context(background(("recorder", recorder.run())))
        boxes: dict[str, SensorBox] = {}
        platforms: dict[str, SeaPlatformLink] = {}
        for name, motion, state in (
            ("launch-platform", MotionFormat.SEAPATH_PSXN23, launch_state),
            (NAME, MotionFormat.IXBLUE_PHTRO_PHLIN, STATE),
        ):
            proxy = await stack.enter_async_context(
                PtyFaultProxy(client_link=tmp_path / f"{name}-ground", target_link=tmp_path / f"{name}-box")
            )
            config = PlatformLinkConfig(
                name=name,
                connection=str(proxy.client_endpoint),
                station=PlatformStationConfig(*STATION, heading_true_deg=300.0),
                maxima_min_window_s=0.0,
            )
            platforms[name] = await stack.enter_async_context(
                open_sea_platform_from_config(
                    config, clock=clock, hub=hub, record_nmea=recorder.record_nmea, backoff=FAST_BACKOFF
                )
            )
            box = SensorBox(
                await stack.enter_async_context(
                    open_link(proxy.target_endpoint, clock=clock, backoff=FAST_BACKOFF)
                )
            )
            boxes[name] = box
            await box.link.wait_up()
            talker = PlatformSensorTalker(TalkerConfig(motion, rates_hz=RATES_HZ))
            await stack.enter_async_context(background((f"{name} sensor box", box.talk(talker, state))))

        def decks() -> dict[object, tuple[float, float, float]]:
            return {
                key: (deck.pitch_deg, deck.roll_deg, deck.heave_m)
                for key, deck in hub.latest_all(DeckState).items()
            }

        def types(name: str) -> set[str]:
            return set(platforms[name].health().sentences_by_type)

        await wait_until(
            lambda: (
                decks() == {"launch-platform": (0.2, 0.1, 0.05), NAME: (1.5, -2.0, 0.4)}
                and types(NAME) == {"PHTRO", "PHLIN", "GGA", "RMC", "VTG", "HDT", "MWV", "XDR", "ZDA"}
                and types("launch-platform") == {"PSXN,23", "GGA", "RMC", "VTG", "HDT", "MWV", "XDR", "ZDA"}
            ),
            timeout_s=WAIT_S,
            what="each platform's deck and sentences under its own name",
            show=lambda: (decks(), types(NAME), types("launch-platform")),
        )
        assert set(hub.latest_all(PlatformFeedHealth)) == {"launch-platform", NAME}
        await recorder.flush()
        for name in ("launch-platform", NAME):
            log = list(NmeaLogReader(recorder.session_dir / nmea_file_name(name)))
            assert log
            assert all(record.sentence.startswith((b"$", b":")) for record in log)
            # Each log holds only its own platform's sentences, in the order they were sent (from
            # when its link was up: a box may have spoken before the station listened).
            sent = without_line_ends(bytes(boxes[name].sent))
            assert b"".join(record.sentence for record in log) in sent
            stamps = [record.unix_time_us for record in log]
            assert stamps == sorted(stamps)
