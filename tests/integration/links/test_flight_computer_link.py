"""The flight-computer link against an independent pymavlink vehicle, through a bad link.

Every test runs over UDP and over a pty serial pair (``rig_kind``), through the fault proxy at 10 %
chunk loss and 0.1 % bit flips per byte in both directions, against ``tests.support.pymavlink_peer``
in its own process. Nothing sleeps a fixed time: every wait is for a condition, with a limit.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gcs.errors import CommandRejectedError, CommandTimeoutError
from gcs.links.enums import MavResult, ParamType
from gcs.links.mission import MissionItem
from gcs.links.param_file import parse_param_file
from gcs.links.sinks import JournalEntry
from gcs.links.values import LinkEventKind, MavlinkTelemetry, VehicleHeartbeat, VehicleLinkHealth
from gcs.protocol.dialect import FlightPhase, seaport
from gcs.transport.faults import FaultSpec
from tests.integration.links.rig import (
    HEARTBEAT_PERIOD_S,
    SETTINGS,
    Faults,
    RigKind,
    vehicle_rig,
)
from tests.support.pymavlink_peer import DEFAULT_DENY_REASON, READ_ONLY_PARAM, make_params
from tests.support.waits import wait_until, within

BAD = FaultSpec(loss_probability=0.1, bit_flip_probability=0.001)
LOSSY = Faults(to_vehicle=BAD, to_ground=BAD)
PARAMS = 300
FOUND_WITHIN_S = 5.0
SLACK_S = 0.25
"""Scheduling slack on a shared 2-core machine, added to every protocol time limit."""

HEARTBEATS_SENT = 6
BLACKOUT_START_S = 2.0
BLACKOUT_S = 1.5


@pytest.fixture(params=list(RigKind), ids=lambda kind: kind.value)
def rig_kind(request: pytest.FixtureRequest) -> RigKind:
    """Every test here runs over UDP and over a pty serial pair."""
    kind: RigKind = request.param
    return kind


async def test_vehicle_is_found_and_parameters_download_completely(rig_kind: RigKind, tmp_path: Path) -> None:
    async with vehicle_rig(rig_kind, tmp_path, faults=LOSSY, peer_args=["--params", str(PARAMS)]) as rig:
        vehicle = await rig.fc.wait_for_vehicle(1, timeout_s=FOUND_WITHIN_S)
        heartbeat = rig.hub.latest(VehicleHeartbeat, 1)
        assert heartbeat is not None
        assert heartbeat.is_rocket
        assert heartbeat.flight_phase is FlightPhase.SAFE

        table = await within(vehicle.params.download(), timeout_s=20, what="the full parameter download")

        expected = make_params(PARAMS, 1)
        assert len(table) == PARAMS
        assert [(table[p.name].value, int(table[p.name].param_type)) for p in expected] == [
            (p.value, p.param_type) for p in expected
        ]
        assert [table[p.name].index for p in expected] == list(range(PARAMS))

        # Set with echo, a refused set, then save and diff against the file.
        confirmed = await within(vehicle.params.set("PEER_P004", 7.25), timeout_s=5, what="a verified set")
        assert (confirmed.value, confirmed.param_type) == (7.25, ParamType.REAL32)
        assert vehicle.params.table is not None
        assert vehicle.params.table["PEER_P004"].value == 7.25
        with pytest.raises(Exception, match="kept 123456") as refused:
            await within(vehicle.params.set(READ_ONLY_PARAM, 5), timeout_s=5, what="a refused set")
        assert type(refused.value).__name__ == "ParameterError"
        saved = tmp_path / "vehicle.parm"
        await vehicle.params.save(saved)
        assert parse_param_file(saved.read_text())["PEER_P004"] == 7.25
        assert (await vehicle.params.diff_file(saved)).same
        saved.write_text(saved.read_text().replace("PEER_P005        5000", "PEER_P005        5001"))
        diff = await vehicle.params.diff_file(saved)
        assert [(c.name, c.file_value, c.vehicle_value) for c in diff.changed] == [
            ("PEER_P005", 5001.0, 5000)
        ]

        changes = rig.recording.entries(JournalEntry.PARAM_CHANGE)
        assert [(c["name"], c["ok"]) for c in changes] == [("PEER_P004", True), (READ_ONLY_PARAM, False)]


async def test_a_flight_plan_round_trips(rig_kind: RigKind, tmp_path: Path) -> None:
    plan = [MissionItem(seaport.MAV_CMD_NAV_TAKEOFF, params=(15.0, 0, 0, 0), z=120.0)]
    plan += [
        MissionItem.waypoint(47.3 + i * 0.01, 8.5 - i * 0.01, 100.0 + i * 2.5, hold_s=i) for i in range(18)
    ]
    plan += [MissionItem(seaport.MAV_CMD_NAV_LAND, x=473_000_000, y=85_000_000, z=0.0)]
    async with vehicle_rig(rig_kind, tmp_path, faults=LOSSY, peer_args=["--params", "10"]) as rig:
        vehicle = await rig.fc.wait_for_vehicle(1, timeout_s=FOUND_WITHIN_S)

        await within(vehicle.mission.upload(plan), timeout_s=20, what="the mission upload")
        downloaded = await within(vehicle.mission.download(), timeout_s=20, what="the mission download")

        assert downloaded == tuple(plan)
    assert rig.peer_stats["missions"] == {"0": len(plan)}


async def test_commands_succeed_or_fail_with_a_typed_error_within_their_timeout(
    rig_kind: RigKind, tmp_path: Path
) -> None:
    policy = SETTINGS.command
    limit_s = policy.longest_wait_s + SLACK_S
    async with vehicle_rig(rig_kind, tmp_path, faults=LOSSY, peer_args=["--params", "10"]) as rig:
        vehicle = await rig.fc.wait_for_vehicle(1, timeout_s=FOUND_WITHIN_S)

        armed = await within(
            vehicle.commands.long(seaport.MAV_CMD_COMPONENT_ARM_DISARM, 1),
            timeout_s=limit_s,
            what="ARM accepted",
        )
        assert armed.result is MavResult.ACCEPTED
        await wait_until(
            lambda: (
                (hb := rig.hub.latest(VehicleHeartbeat, 1)) is not None
                and hb.armed
                and hb.flight_phase is FlightPhase.STANDBY
            ),
            timeout_s=2,
            what="an armed heartbeat in STANDBY",
        )

        checks = await within(
            vehicle.commands.long(seaport.MAV_CMD_RUN_PREARM_CHECKS),
            timeout_s=limit_s + policy.in_progress_timeout_s,
            what="IN_PROGRESS, then ACCEPTED",
        )
        assert checks.result is MavResult.ACCEPTED

        repositioned = await within(
            vehicle.commands.int(
                seaport.MAV_CMD_DO_REPOSITION, params=(-1, 0, 0, 0), x=473_000_000, y=85_000_000, z=150.0
            ),
            timeout_s=limit_s,
            what="a COMMAND_INT accepted",
        )
        assert repositioned.result is MavResult.ACCEPTED

        with pytest.raises(CommandRejectedError) as denied:
            await within(
                vehicle.commands.long(seaport.MAV_CMD_NAV_TAKEOFF), timeout_s=limit_s, what="TAKEOFF denied"
            )
        assert denied.value.result is MavResult.DENIED
        # The reason travels in a STATUSTEXT just before the ACK; on a lossy link it may be lost alone.
        assert denied.value.reason in (DEFAULT_DENY_REASON, None)

        with pytest.raises(CommandRejectedError) as unsupported:
            await within(
                vehicle.commands.long(seaport.MAV_CMD_PREFLIGHT_REBOOT_SHUTDOWN),
                timeout_s=limit_s,
                what="REBOOT unsupported",
            )
        assert unsupported.value.result is MavResult.UNSUPPORTED

        started = time.monotonic()
        with pytest.raises(CommandTimeoutError) as silent:
            await within(
                vehicle.commands.long(seaport.MAV_CMD_DO_FLIGHTTERMINATION, 1, timeout_s=0.2, retries=2),
                timeout_s=0.6 + SLACK_S,
                what="a command the vehicle never answers",
            )
        assert silent.value.attempts == 3
        assert time.monotonic() - started >= 0.6

        sent = rig.recording.entries(JournalEntry.COMMAND_SENT)
        acks = rig.recording.entries(JournalEntry.COMMAND_ACK)
        terminations = [e for e in sent if e["command"] == seaport.MAV_CMD_DO_FLIGHTTERMINATION]
        assert [e["confirmation"] for e in terminations] == [0, 1, 2]
        assert {a["result"] for a in acks} >= {"ACCEPTED", "DENIED", "UNSUPPORTED"}
    assert rig.peer_stats["commands"][str(seaport.MAV_CMD_DO_FLIGHTTERMINATION)] <= 3


async def test_link_loss_and_recovery_are_reported_within_one_heartbeat_period(
    rig_kind: RigKind, tmp_path: Path
) -> None:
    blackout = ((BLACKOUT_START_S, BLACKOUT_S),)
    faults = Faults(
        to_vehicle=FaultSpec(loss_probability=0.1, bit_flip_probability=0.001, blackout_windows_s=blackout),
        to_ground=FaultSpec(loss_probability=0.1, bit_flip_probability=0.001, blackout_windows_s=blackout),
    )
    async with vehicle_rig(rig_kind, tmp_path, faults=faults, peer_args=["--params", "10"]) as rig:
        await rig.fc.wait_for_vehicle(1, timeout_s=BLACKOUT_START_S)
        await wait_until(
            lambda: any(e.kind is LinkEventKind.RECOVERED for e in rig.events),
            timeout_s=BLACKOUT_START_S + BLACKOUT_S + 3,
            what="loss, then recovery",
            show=lambda: rig.events,
        )

        kinds = [e.kind for e in rig.events]
        assert kinds == [LinkEventKind.FOUND, LinkEventKind.LOST, LinkEventKind.RECOVERED]
        lost, recovered = rig.events[1], rig.events[2]
        first_start_s, last_start_s = rig.proxy_started_s
        # The fault starts at the proxy's start + BLACKOUT_START_S; the loss is due once
        # heartbeats_missed_for_loss periods of it have passed, and must come within one more period.
        due_s = first_start_s + BLACKOUT_START_S + SETTINGS.loss_after_s
        assert (
            due_s - HEARTBEAT_PERIOD_S
            <= lost.monotonic_s
            <= due_s + (last_start_s - first_start_s) + HEARTBEAT_PERIOD_S
        )
        ended_s = first_start_s + BLACKOUT_START_S + BLACKOUT_S
        assert (
            ended_s <= recovered.monotonic_s <= ended_s + (last_start_s - first_start_s) + HEARTBEAT_PERIOD_S
        )

        health = rig.hub.latest(VehicleLinkHealth, 1)
        assert health is not None
        assert health.up
        assert health.frames_lost > 0
        assert health.loss_pct > 0
        await wait_until(
            lambda: (h := rig.hub.latest(VehicleLinkHealth, 1)) is not None and h.rtt_s is not None,
            timeout_s=3,
            what="a TIMESYNC round trip",
        )
        journalled = [e["event"] for e in rig.recording.entries(JournalEntry.LINK_EVENT)]
        assert journalled == ["found", "lost", "recovered"]


async def test_only_our_heartbeat_goes_out_and_every_frame_is_recorded(
    rig_kind: RigKind, tmp_path: Path
) -> None:
    async with vehicle_rig(rig_kind, tmp_path, faults=LOSSY, peer_args=["--params", "10"]) as rig:
        await rig.fc.wait_for_vehicle(1, timeout_s=FOUND_WITHIN_S)
        await wait_until(
            lambda: rig.hub.latest(MavlinkTelemetry, (1, "ATTITUDE")) is not None,
            timeout_s=2,
            what="ATTITUDE on the hub",
        )
        # Enough of our heartbeats that 10 % loss and bit flips cannot drop them all (0.12 ** 6).
        await wait_until(
            lambda: sum(1 for frame in rig.recording.frames_out if _is_heartbeat(frame)) >= HEARTBEATS_SENT,
            timeout_s=HEARTBEATS_SENT * HEARTBEAT_PERIOD_S + FOUND_WITHIN_S,
            what=f"{HEARTBEATS_SENT} heartbeats sent",
        )
    counters = rig.fc.codec.counters()
    assert len(rig.recording.frames_out) == counters.frames_sent
    assert len(rig.recording.frames_in) == counters.frames_received
    assert all(frame[5] == 255 for frame in rig.recording.frames_out)
    # The vehicle heard heartbeats from exactly one system: us, as a GCS.
    assert rig.peer_stats.get("heartbeats_from") == [[255, 190, seaport.MAV_TYPE_GCS]], rig.peer_stats


def _is_heartbeat(frame: bytes) -> bool:
    """A MAVLink 2 frame's message id (bytes 7-9, little-endian) is 0 for HEARTBEAT."""
    return len(frame) > 9 and frame[0] == 0xFD and frame[7:10] == b"\x00\x00\x00"
