"""The MQTT broker stopped and restarted under a live station, on every vehicle link kind.

The whole station (``gcs.app.run_station`` with configs/gcs.toml: recorder, launch control, the
MQTT bridge to a real Mosquitto) runs in this process, fed by the real ``firmware-sim vehicle``
over UDP, a pty serial line (through a pass-through pty proxy, both ends real serial devices) or
TCP (the vehicle listens, as ArduPilot's SITL does, and the station connects). A viewer holds a
persistent MQTT 5 session on the broker (persistence on), as a screen that must not miss an event
would. With the station running, the broker is stopped (SIGTERM) for a while and started again on
the same port. Meanwhile the test asks the vehicle for messages it does not provide: each refusal
comes with a STATUSTEXT, a QoS 1 event on ``vehicle/1/events``, published during the outage.

* **the record**: the tlog is unaffected: every frame the link decoded (received and sent) is in
  the closed session, no sequence number of the vehicle's is missing, frames kept arriving during
  the outage, and the vehicle link never went down;
* **reported**: the bridge's ``BridgeStats`` on the hub says disconnected at once, with the error;
  the terminal's status line says ``DOWN``; the journal has ``broker_up``, ``broker_down`` (with the
  error), ``broker_up`` again (with what the outage cost), source ``mqtt``;
* **after the restart** every retained state topic is published again (its ``bridge_seq`` moved on,
  even where the value did not change) and the status topics say ``online``;
* **events of the outage**: the bridge keeps them (``max_queued_events``, ten thousand by default)
  and delivers them after the reconnect, in order: the viewer has every one. With a queue smaller
  than the outage's events (the TCP row: two), the oldest are dropped and counted
  (``dropped_events``, also in the journal's ``broker_up`` entry) and the newest are delivered:
  delivered + dropped = published, never a silent loss.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, cast

import pytest

from gcs.app import StationParts, run_station
from gcs.bridge.values import BridgeStats
from gcs.clock import WallClock
from gcs.config import GcsConfig
from gcs.errors import CommandRejectedError
from gcs.hub import Hub
from gcs.links.values import VehicleHeartbeat, VehicleLinkHealth, VehicleStatusText
from gcs.protocol.dialect import seaport
from gcs.recorder.journal import JournalKind
from gcs.recorder.session import RecordedSession
from gcs.tasks import background
from gcs.transport.proxy import PtyFaultProxy
from tests.integration.bridge._mqtt import Received, collecting, retained_when
from tests.support.console_station import StationLines, free_udp_port, station_config, write_users_file
from tests.support.mosquitto import MosquittoBroker, free_port, running_mosquitto
from tests.support.station_processes import frame_header, sequence_gaps, sim_process
from tests.support.waits import wait_until

PREFIX = "test/outage"
EVENTS = f"{PREFIX}/vehicle/1/events"
STATUSES = (f"{PREFIX}/gcs/status", f"{PREFIX}/vehicle/1/status")
GCS_SYSID = 255
OUTAGE_EVENTS = 5
OUTAGE_FRAMES = 200
"""Frames the station must decode while the broker is away (about two seconds of the vehicle's
telemetry at ``--telemetry-hz 20``: several messages each tick)."""
OUTAGE_RETRIES = 5
"""Failed reconnects the bridge must have reported before the broker comes back."""
UNPROVIDED_MESSAGE_ID = 60_000
"""REQUEST_MESSAGE for ids from here: the vehicle refuses each with a STATUSTEXT of its own."""
# Mosquitto 2.0.11 loses QoS 1 messages queued for an offline persistent session past its in-flight
# quota (tests/integration/bridge/test_resilience.py): no quota, so only the bridge is under test.
OFFLINE_QUEUE = ["max_inflight_messages 0"]


class Kind(enum.Enum):
    UDP = "udp"
    PTY = "pty"
    TCP = "tcp"


@dataclass(frozen=True, slots=True)
class Row:
    kind: Kind
    max_queued_events: int | None = None
    """None: the default (10 000, the outage's events are all kept)."""


ROWS = [Row(Kind.UDP), Row(Kind.PTY), Row(Kind.TCP, max_queued_events=2)]


@dataclass(slots=True)
class Station:
    hub: Hub
    out: StationLines
    parts: StationParts
    texts: list[VehicleStatusText] = field(default_factory=list)


@asynccontextmanager
async def _vehicle_link(kind: Kind, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """(the station's connection, the vehicle's) for ``kind``, with whatever must run between them."""
    match kind:
        case Kind.UDP:
            port = free_udp_port()
            yield f"udpin:127.0.0.1:{port}", f"udpout:127.0.0.1:{port}"
        case Kind.TCP:
            port = free_port()
            yield f"tcp:127.0.0.1:{port}", f"tcpin:127.0.0.1:{port}"
        case Kind.PTY:
            async with PtyFaultProxy(clock=WallClock()) as cable:  # pass-through: a serial cable
                yield str(cable.client_endpoint), str(cable.target_endpoint)


def _config(tmp_path: Path, broker: MosquittoBroker, connection: str, row: Row) -> GcsConfig:
    config = station_config(tmp_path, write_users_file(tmp_path / "users.json"), 0, None)
    mqtt = dataclasses.replace(config.mqtt, enabled=True, url=f"{broker.url}/{PREFIX}", reconnect_max_s=1.0)
    if row.max_queued_events is not None:
        mqtt = dataclasses.replace(mqtt, max_queued_events=row.max_queued_events)
    return dataclasses.replace(
        config, mqtt=mqtt, console=dataclasses.replace(config.console, enabled=False),
        vehicle=dataclasses.replace(config.vehicle, connection=connection))


@asynccontextmanager
async def _station(config: GcsConfig, vehicle_connection: str, tmp_path: Path) -> AsyncIterator[Station]:
    """The station running, then the vehicle; when the block ends the station stops cleanly first."""
    hub, out, stop = Hub(), StationLines(), asyncio.Event()
    parts: asyncio.Future[StationParts] = asyncio.get_running_loop().create_future()

    async def run() -> None:
        await run_station(config, clock=WallClock(), stop=stop, hub=hub, status_every_s=0.5,
                          out=cast(TextIO, out), on_parts=parts.set_result)

    async with AsyncExitStack() as stack:
        texts = await stack.enter_async_context(hub.subscribe(VehicleStatusText, key=1, maxsize=1000))
        jobs = await stack.enter_async_context(background())
        running = jobs.start("station", run())
        await stack.enter_async_context(sim_process(
            "vehicle", "--connect", vehicle_connection, "--telemetry-hz", "20",
            stderr_path=tmp_path / "vehicle.stderr"))  # fmt: skip
        station = Station(hub, out, await asyncio.wait_for(parts, 30))

        async def collect() -> None:
            async for text in texts:
                station.texts.append(text)

        jobs.start("collect status texts", collect())
        try:
            yield station
        finally:
            stop.set()  # a clean stop: the links close, the recorder closes the session
            await asyncio.wait_for(asyncio.shield(running), 30)


async def _ask_for_unprovided_messages(station: Station) -> list[str]:
    """Commands the vehicle refuses, each with a STATUSTEXT naming the message; returns the texts."""
    vehicle = await station.parts.flight_computer.wait_for_vehicle(1, timeout_s=10)
    reasons = []
    for n in range(OUTAGE_EVENTS):
        with pytest.raises(CommandRejectedError) as refused:
            await vehicle.commands.long(seaport.MAV_CMD_REQUEST_MESSAGE, UNPROVIDED_MESSAGE_ID + n)
        reasons.append(str(refused.value))
    return reasons


def _states(found: dict[str, Received]) -> dict[str, int]:
    """The retained state topics and their ``bridge_seq`` (status topics carry plain text)."""
    return {t: int(str(m.json()["bridge_seq"])) for t, m in found.items() if not t.endswith("/status")}


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.kind.value}-queue-{r.max_queued_events or 'default'}"
                                           for r in ROWS])
async def test_a_broker_restart_costs_the_station_nothing_and_is_reported(row: Row, tmp_path: Path) -> None:
    async with (
        running_mosquitto(persistence=True, extra_config=OFFLINE_QUEUE) as broker,
        collecting(broker, f"{PREFIX}/#", client_id="viewer", persistent=True) as seen,
        _vehicle_link(row.kind, tmp_path) as (station_side, vehicle_side),
    ):
        config = _config(tmp_path, broker, station_side, row)
        async with _station(config, vehicle_side, tmp_path) as station:
            hub, fc = station.hub, station.parts.flight_computer
            await wait_until(lambda: hub.latest(VehicleHeartbeat, 1) is not None, timeout_s=30,
                             what="the vehicle's heartbeat")
            before = await retained_when(
                broker, f"{PREFIX}/#", lambda r: all(r.get(t) and r[t].payload == b"online" for t in STATUSES)
                and f"{PREFIX}/vehicle/1/heartbeat" in r and f"{PREFIX}/countdown" in r,
                timeout_s=15, what="the station's state and statuses retained")  # fmt: skip

            await broker.stop()
            stopped_unix_s = time.time()
            await wait_until(lambda: (s := hub.latest(BridgeStats)) is not None and not s.connected,
                             timeout_s=5, what="BridgeStats on the hub to say disconnected")
            stats = hub.latest(BridgeStats)
            assert stats is not None
            assert stats.last_error
            texts_before, dropped_before = len(station.texts), stats.dropped_events
            frames_at_stop = fc.codec.counters().frames_received
            reasons = await _ask_for_unprovided_messages(station)
            await wait_until(lambda: len(station.texts) >= texts_before + OUTAGE_EVENTS, timeout_s=5,
                             what="the vehicle's STATUSTEXTs on the hub")
            outage_texts = [t.text for t in station.texts[texts_before:]]
            assert outage_texts == [f"message {UNPROVIDED_MESSAGE_ID + n} is not provided by this vehicle"
                                    for n in range(OUTAGE_EVENTS)], (outage_texts, reasons)
            await wait_until(lambda: fc.codec.counters().frames_received >= frames_at_stop + OUTAGE_FRAMES,
                             timeout_s=10, what="telemetry to keep arriving while the broker is away")
            await wait_until(lambda: any(line.strip().startswith(f"mqtt {broker.host}:{broker.port}: DOWN")
                                         for line in station.out.lines),
                             timeout_s=5, what="the status line to say the broker is down")
            await wait_until(lambda: (s := hub.latest(BridgeStats)) is not None
                             and s.connect_failures >= OUTAGE_RETRIES, timeout_s=10,
                             what="the bridge to retry and fail while the broker is away")
            await broker.start()
            restarted_unix_s = time.time()

            await wait_until(lambda: (s := hub.latest(BridgeStats)) is not None and s.connected
                             and s.connects >= 2, timeout_s=15, what="the bridge to reconnect")
            # Every state retained before the outage is published again (even one that did not change).
            after = await retained_when(
                broker, f"{PREFIX}/#", lambda r: all(r.get(t) and r[t].payload == b"online" for t in STATUSES)
                and all(t in _states(r) and _states(r)[t] > seq for t, seq in _states(before).items()),
                timeout_s=15, what="every state topic republished after the restart")  # fmt: skip
            assert set(_states(after)) >= set(_states(before))
            republished = sorted(t.removeprefix(f"{PREFIX}/") for t in _states(before))

            # The outage's events: delivered to the viewer in order, or dropped and counted.
            kept = min(OUTAGE_EVENTS, row.max_queued_events or OUTAGE_EVENTS)
            expected = outage_texts[OUTAGE_EVENTS - kept:]

            def delivered() -> list[str]:
                texts = [str(m.json().get("text")) for m in seen.on(EVENTS)]
                return [t for t in dict.fromkeys(texts) if t in outage_texts]  # repeats of unacked ones once

            await seen.wait_for(lambda c: delivered() == expected, timeout_s=15,
                                what=f"the {kept} kept events of the outage delivered",
                                show=lambda: (delivered(), hub.latest(BridgeStats)))
            stats = hub.latest(BridgeStats)
            assert stats is not None
            assert stats.dropped_events - dropped_before == OUTAGE_EVENTS - kept
            assert len(expected) + stats.dropped_events - dropped_before == OUTAGE_EVENTS
            health = hub.latest(VehicleLinkHealth, 1)
            assert health is not None
            assert health.up
            assert health.frames_lost == 0
            session_dir = station.parts.session_dir
            outage_s = restarted_unix_s - stopped_unix_s
            checked_unix_s = time.time()  # the station stops after this (its link then closes: "down")
        counters = fc.codec.counters()  # final: the station has closed its link and its session

    # The record, read back once the station closed it.
    session = RecordedSession.open(session_dir)
    assert session.closed_cleanly
    readers = session.tlog_readers()
    records = [r for reader in readers for r in reader]
    assert all(reader.skipped_bytes == 0 and reader.torn_bytes == 0 for reader in readers)
    frames = [r.frame for r in records]
    received = [f for f in frames if frame_header(f)[0] != GCS_SYSID]
    assert len(received) == counters.frames_received  # every frame the link decoded ...
    assert len(frames) - len(received) == counters.frames_sent  # ... and sent
    assert sequence_gaps(frames, sysid=1) == 0
    during = [r for r in records if stopped_unix_s <= r.unix_time_s <= restarted_unix_s]
    assert len(during) >= OUTAGE_FRAMES
    journal = list(session.journal())
    broker_events = [(e.payload["event"], e.payload["dropped_events"]) for e in journal
                     if e.kind is JournalKind.LINK_EVENT and e.source == "mqtt"]
    assert [event for event, _ in broker_events] == ["broker_up", "broker_down", "broker_up"]
    assert broker_events[-1][1] - broker_events[1][1] == OUTAGE_EVENTS - kept
    down = next(e for e in journal if e.source == "mqtt" and e.payload["event"] == "broker_down")
    assert down.payload["error"]
    vehicle_link = [str(e.payload["event"]) for e in journal if e.kind is JournalKind.LINK_EVENT
                    and e.source == "vehicle-link" and e.t_unix_s <= checked_unix_s]
    assert "found" in vehicle_link, vehicle_link
    after_found = vehicle_link[vehicle_link.index("found") + 1:]
    assert not {"down", "lost"} & set(after_found), vehicle_link  # the vehicle link never noticed
    print(f"\n{row.kind.value}: outage {outage_s:.1f} s, {len(during)} frames recorded during it, "
          f"{len(frames)} in all, {kept}/{OUTAGE_EVENTS} outage events delivered, "
          f"{OUTAGE_EVENTS - kept} dropped and counted; states republished: {', '.join(republished)}")
