"""The console over a real loopback port with real launch control and a real recorder, no vehicle.

``console_server(tmp_path)`` runs a ``SessionRecorder`` (journal on the hub), a ``LaunchRunner`` on
the mission files of configs/ whose vehicle commands go to a recording ``Commander``, and the
``ConsoleServer`` on 127.0.0.1 with a free port and one user per role. Tests talk to it with
aiohttp's client and publish link values on ``hub`` as the links would.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from gcs.clock import WallClock
from gcs.console.server import ConsoleServer, ConsoleSettings
from gcs.hub import Hub
from gcs.launch.actions import Action, CommandVehicle
from gcs.launch.control import LaunchControl, LaunchSetup, load_setup
from gcs.launch.runner import LaunchRunner
from gcs.recorder.journal import JournalKind, JournalRecord
from gcs.recorder.writer import RecorderSettings, SessionRecorder
from gcs.tasks import background
from tests.support.console_station import REPO, USERS, ConsoleUser, write_users_file

CONFIGS = REPO / "configs"


def mission() -> LaunchSetup:
    return load_setup(CONFIGS / "countdowns" / "quick-hop.toml", CONFIGS / "limits" / "commit-criteria.toml",
                      CONFIGS / "limits" / "red-lines.toml", CONFIGS / "range" / "cargo-hop.toml",
                      CONFIGS / "limits" / "landing.toml")


@dataclass
class Commander:
    """The vehicle's side of launch control: takes every command and remembers it."""

    sent: list[CommandVehicle] = field(default_factory=list)

    async def __call__(self, action: CommandVehicle) -> str:
        self.sent.append(action)
        return "accepted"


@dataclass
class Console:
    server: ConsoleServer
    hub: Hub
    recorder: SessionRecorder
    commander: Commander
    journal: list[JournalRecord]

    @property
    def url(self) -> str:
        return self.server.url

    def user(self, name: str) -> ConsoleUser:
        return USERS[name]

    def console_records(self) -> list[JournalRecord]:
        return [r for r in self.journal if r.source == "console"]


@contextlib.asynccontextmanager
async def console_server(tmp_path: Path, *, launch: bool = True, **settings: Any) -> AsyncIterator[Console]:
    hub = Hub()
    clock = WallClock()
    users_file = write_users_file(tmp_path / "users.json")
    setup = mission() if launch else None
    commander = Commander()
    journal: list[JournalRecord] = []
    async with SessionRecorder(RecorderSettings(out_dir=tmp_path / "sessions"), clock, hub=hub) as recorder:

        def record(action: Action) -> None:
            recorder.journal(JournalKind(action.record.value), "launch", action.payload(), who=action.who,
                             unix_time_s=action.at_s)

        runner = None
        if setup is not None:
            runner = LaunchRunner(LaunchControl(setup), hub=hub, clock=clock, vehicle_sysid=1, record=record,
                                  command=commander)
        console_settings = ConsoleSettings(**{"bind_host": "127.0.0.1", "port": 0, "users_file": users_file,
                                              "platforms": ("landing-barge",), **settings})
        async with hub.subscribe(JournalRecord, key=JournalKind.OPERATOR_ACTION, maxsize=10_000) as ops, \
                ConsoleServer(console_settings, hub=hub, clock=clock, launch=runner, setup=setup,
                              journal=recorder.journal) as server:

            async def collect() -> None:
                async for record in ops:
                    journal.append(record)

            jobs = [("recorder", recorder.run()), ("console", server.run()), ("collect journal", collect())]
            if runner is not None:
                jobs.append(("launch control", runner.run()))
            async with background(*jobs):
                yield Console(server, hub, recorder, commander, journal)


async def login(session: aiohttp.ClientSession, console: Console, name: str,
                password: str | None = None) -> dict[str, str]:
    user = USERS[name]
    async with session.post(f"{console.url}/api/v1/login",
                            json={"user": name, "password": password or user.password}) as response:
        assert response.status == 200, await response.text()
        token = (await response.json())["token"]
    return {"Authorization": f"Bearer {token}"}
