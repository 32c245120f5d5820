"""The HIL link's messages: a sensor frame and an actuator frame survive the wire, and a flight flown
through them matches the same flight flown directly (the HIL split loses nothing that matters)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest

from firmware_sim.firmware.commands import VehicleCommand
from firmware_sim.firmware.computer import FlightComputer
from firmware_sim.firmware.config import load_flight_software_config
from firmware_sim.firmware.flight_plan_types import FlightPlan, MissionKind, PlatformSite
from firmware_sim.firmware.frames import ActuatorFrame, SensorFrame
from firmware_sim.firmware.param_defs import PARAMETERS
from firmware_sim.firmware.params import ParamStore
from firmware_sim.io.hil_messages import (
    SensorFrameAssembler,
    actuator_message,
    actuators_from,
    sensor_messages,
)
from firmware_sim.physics.config import load_platform_config, load_vehicle_config
from firmware_sim.physics.platform import Platform
from firmware_sim.runner import SitlRunner
from firmware_sim.sensors import load_sensor_config
from gcs.protocol.dialect import FlightPhase, seaport

FS = "configs/flight_software/cargo-p2p.toml"
PLATFORM_IDS = {"landing-barge": 2, "launch-platform": 3}
NAMES = {sysid: name for name, sysid in PLATFORM_IDS.items()}


class Wire:
    """Packs with one stock codec per source system and parses with one receiver, as a link would."""

    def __init__(self) -> None:
        self._senders: dict[int, Any] = {}
        self._receiver = seaport.MAVLink(None, srcSystem=1, srcComponent=1)

    def carry(self, messages: list[tuple[int, Any]], vehicle: int = 1) -> list[Any]:
        data = b""
        for sysid, msg in messages:
            source = sysid or vehicle
            mav = self._senders.setdefault(source, seaport.MAVLink(None, srcSystem=source, srcComponent=1))
            data += bytes(msg.pack(mav))
        return list(self._receiver.parse_buffer(data) or [])


def _runner(computer: FlightComputer) -> SitlRunner:
    platforms = [
        Platform(load_platform_config("configs/platforms/landing-barge.toml"), seed=1),
        Platform(load_platform_config("configs/platforms/launch-platform.toml"), seed=2),
    ]
    return SitlRunner(
        load_vehicle_config("configs/vehicles/cargo-p2p.toml"), platforms, computer, seed=1,
        sensor_config=load_sensor_config(FS), keep_trace=False,
    )  # fmt: skip


class HilComputer(FlightComputer):
    """The flight computer fed through the HIL messages both ways, as on the split."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wire = Wire()
        self.assembler = SensorFrameAssembler(self.config.vehicle.engine_count, NAMES)
        self.frames: list[tuple[SensorFrame, SensorFrame]] = []

    def tick(self, sensors: SensorFrame, now_s: float, dt_s: float) -> ActuatorFrame:
        assembled: SensorFrame | None = None
        for msg in self.wire.carry(sensor_messages(sensors, PLATFORM_IDS)):
            assembled = self.assembler.feed(msg) or assembled
        assert assembled is not None
        self.frames.append((sensors, assembled))
        actuators = super().tick(assembled, assembled.time_s, dt_s)
        (back,) = self.wire.carry([(0, actuator_message(actuators, now_s))])
        assert back.time_usec == round(now_s * 1e6)
        return actuators_from(back)


def _us(time_s: float) -> float:
    return round(time_s * 1e6) / 1e6


class MicrosecondComputer(FlightComputer):
    """The direct flight computer, seeing time as the HIL link carries it: whole microseconds.

    The flight software compares durations that are whole numbers of ticks (``now - since >= 0.5``),
    so a time that differs in its last bit can move an event by a tick; this twin isolates what the
    messages themselves lose from that.
    """

    def tick(self, sensors: SensorFrame, now_s: float, dt_s: float) -> ActuatorFrame:
        return super().tick(dataclasses.replace(sensors, time_s=_us(sensors.time_s)), _us(now_s), dt_s)


def _computer(cls: type[FlightComputer]) -> FlightComputer:
    return cls(load_flight_software_config(FS), ParamStore.from_specs(PARAMETERS), seed=1)


def _launch(runner: SitlRunner) -> None:
    fc = runner.fc
    runner.step(1.0)
    # Over HIL the flight computer only ever sees time_usec, so its commands act at that time too.
    now = _us(runner.time_s)
    plan = FlightPlan(MissionKind.CARGO_P2P, 36.5, 121.6, PlatformSite("landing-barge", 31.159, -121.933))
    assert fc.set_flight_plan(plan).ok
    for command in (VehicleCommand.ARM, VehicleCommand.START_TERMINAL_COUNT, VehicleCommand.LAUNCH):
        assert fc.command(command, now).ok, fc.telemetry().last_event


def test_a_sensor_frame_crosses_the_hil_link_within_float32_precision() -> None:
    computer = HilComputer(load_flight_software_config(FS), ParamStore.from_specs(PARAMETERS), seed=1)
    runner = _runner(computer)
    runner.step(2.0)
    sent, got = computer.frames[-1]
    assert got.time_s == pytest.approx(sent.time_s, abs=1e-6)
    assert got.clamps_closed is sent.clamps_closed
    assert got.touchdown_contact is sent.touchdown_contact
    assert got.baro_altitude_m == pytest.approx(sent.baro_altitude_m, abs=0.01)
    assert got.imu.specific_force_body_mps2 == pytest.approx(sent.imu.specific_force_body_mps2, rel=1e-6)
    assert got.imu.angular_rate_body_radps == pytest.approx(sent.imu.angular_rate_body_radps, abs=1e-9)
    assert got.imu.attitude_ecef_from_body == pytest.approx(sent.imu.attitude_ecef_from_body, abs=1e-6)
    assert got.gnss.latitude_deg == pytest.approx(sent.gnss.latitude_deg, abs=1e-7)
    assert got.gnss.altitude_m == pytest.approx(sent.gnss.altitude_m, abs=0.01)
    assert got.chamber_pressure_pa == pytest.approx(sent.chamber_pressure_pa)
    assert got.lox_mass_kg == pytest.approx(sent.lox_mass_kg, rel=1e-6)
    assert {d.platform_name for d in got.decks} == {d.platform_name for d in sent.decks}
    for deck in sent.decks:
        other = got.deck(deck.platform_name)
        assert other is not None
        assert other.deck_altitude_m == pytest.approx(deck.deck_altitude_m, abs=0.001)
        assert other.velocity_ned_mps == pytest.approx(deck.velocity_ned_mps, abs=0.006)
        assert other.roll_deg == pytest.approx(deck.roll_deg, abs=1e-5)


def test_actuators_cross_both_ways_and_nonsense_is_refused() -> None:
    frame = ActuatorFrame(7, 0.55, (0.5, 0.5, 0.5, 0.5), (1.5, -2.0), math.inf, True, False, True, False)
    (back,) = Wire().carry([(0, actuator_message(frame, 12.3))])
    decoded = actuators_from(back)
    assert decoded.engines_lit == 7
    assert decoded.cutoff_in_s == math.inf
    assert (decoded.release_clamps, decoded.vent_lox, decoded.vent_ch4, decoded.fts_fire) == (
        True,
        False,
        True,
        False,
    )
    assert decoded.attitude_ecef_from_body == pytest.approx(frame.attitude_ecef_from_body)
    back.controls[1] = math.nan
    with pytest.raises(ValueError, match="NaN"):
        actuators_from(back)


def test_a_launch_through_the_hil_messages_flies_as_the_direct_one() -> None:
    direct = _runner(_computer(MicrosecondComputer))
    split = _runner(_computer(HilComputer))
    for runner in (direct, split):
        _launch(runner)
        runner.step(60.0)
    assert direct.fc.phase is split.fc.phase is FlightPhase.ASCENT
    truth = [np.asarray(r.state.position_ecef_m[0]) for r in (direct, split)]
    assert float(np.linalg.norm(truth[0] - truth[1])) < 0.01, truth  # metres, after a minute of ascent


class FrameRecorder(FlightComputer):
    """The direct flight computer, keeping the sensor frames it was given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[SensorFrame] = []

    def tick(self, sensors: SensorFrame, now_s: float, dt_s: float) -> ActuatorFrame:
        self.seen.append(sensors)
        return super().tick(sensors, now_s, dt_s)


@pytest.mark.parametrize(
    "lost", ["HIL_STATE_QUATERNION", "GPS_INPUT", "ENGINE_STATUS", "TANK_STATUS", "NAMED_VALUE_INT"]
)
def test_a_frame_with_a_lost_part_is_dropped_and_its_resend_ticks_whole(lost: str) -> None:
    recorder = _computer(FrameRecorder)
    assert isinstance(recorder, FrameRecorder)
    _runner(recorder).step(0.5)
    first, second = recorder.seen[-2:]
    wire = Wire()
    assembler = SensorFrameAssembler(recorder.config.vehicle.engine_count, NAMES)

    def feed(frame: SensorFrame, drop: str = "") -> SensorFrame | None:
        done: SensorFrame | None = None
        for msg in wire.carry(sensor_messages(frame, PLATFORM_IDS)):
            if msg.get_type() != drop:  # lost on the cable
                done = assembler.feed(msg) or done
        return done

    assert feed(first) is not None
    # Not ticked with the first frame's part in place of the lost one: the physics sends it again.
    assert feed(second, drop=lost) is None
    assert assembler.incomplete_frames == 1
    whole = feed(second)
    assert whole is not None
    assert whole.time_s == pytest.approx(second.time_s, abs=1e-6)
    assert whole.gnss.altitude_m == pytest.approx(second.gnss.altitude_m, abs=0.01)
    assert whole.lox_mass_kg == pytest.approx(second.lox_mass_kg, rel=1e-6)
    assert assembler.incomplete_frames == 1
