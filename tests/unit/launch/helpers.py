"""Shared values for the launch-core tests: users of every role, a small timeline, action filters."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from gcs.domain.roles import Role, User
from gcs.launch.actions import Action, CommandVehicle, Refused, VehicleCommand
from gcs.launch.timeline import CheckKind, EventKind, PollStation, RecyclePoint, Timeline, TimelineEvent

REPO = Path(__file__).resolve().parents[3]
CONFIGS = REPO / "configs"

DIRECTOR = User.of("dana", Role.LAUNCH_DIRECTOR)
OPERATOR = User.of("omar", Role.OPERATOR)
VIEWER = User.of("vic", Role.VIEWER)
RSO = User.of("rosa", Role.RANGE_SAFETY)
VEHICLE = User.of("vera", Role.VEHICLE)
WEATHER = User.of("wes", Role.WEATHER)
PLATFORM = User.of("pat", Role.LANDING_PLATFORM)

STATIONS = (
    PollStation("launch_director", "Launch Director", Role.LAUNCH_DIRECTOR),
    PollStation("vehicle", "Vehicle", Role.VEHICLE),
    PollStation("weather", "Weather", Role.WEATHER),
)
STATION_USERS = {"launch_director": DIRECTOR, "vehicle": VEHICLE, "weather": WEATHER}

# Count from T-100: poll at T-90, 10 s built-in hold at T-80, recycle point T-70, chill at T-60,
# go-for-launch check at T-40, hand-off at T-20, ignition T-3, liftoff T-0.
TIMELINE = Timeline(
    name="table",
    start_t_s=-100.0,
    events=(
        TimelineEvent(-90.0, "readiness poll", EventKind.POLL),
        TimelineEvent(-80.0, "built-in hold", EventKind.HOLD, duration_s=10.0),
        TimelineEvent(-60.0, "engine chill", EventKind.COMMAND, command=VehicleCommand.ENGINE_CHILL),
        TimelineEvent(-40.0, "go for launch", EventKind.CHECK, check=CheckKind.GO_FOR_LAUNCH),
        TimelineEvent(-20.0, "hand-off", EventKind.HANDOFF),
        TimelineEvent(-3.0, "ignition", EventKind.MILESTONE),
        TimelineEvent(0.0, "liftoff", EventKind.MILESTONE),
    ),
    recycle_points=(RecyclePoint("T-70", -70.0),),
    stations=STATIONS,
    window_warning_s=30.0,
)

A = TypeVar("A", bound=Action)


def of_type(actions: Iterable[Action], kind: type[A]) -> list[A]:
    return [a for a in actions if isinstance(a, kind)]


def refusals(actions: Iterable[Action]) -> list[Refused]:
    return of_type(actions, Refused)


def commands(actions: Iterable[Action]) -> list[VehicleCommand]:
    return [a.command for a in of_type(actions, CommandVehicle)]
