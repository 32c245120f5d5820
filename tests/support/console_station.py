"""A real ground station with its console, against real simulator processes, for console tests.

``console_station`` starts, in the test's event loop:

- ``firmware-sim vehicle`` as a child process sending MAVLink over UDP loopback to the station (a
  bare flight computer on the pad by default; pass ``vehicle_config`` for SITL physics);
- ``firmware-sim platform`` for the landing barge, its NMEA sensor box over UDP loopback, so the
  landing-deck commit criteria see real deck data (``with_platform=False`` leaves it out);
- ``gcs.app.run_station`` with configs/gcs.toml and its launch files (paths made absolute), the
  recorder writing under ``tmp_path``, the console on a free loopback port, and a user file with
  one user per role (``USERS``; password ``password_for(name)``, known to the test); on request a
  cargo manifest (``cargo_manifest=``) and the fleet's airframe (``fleet=FleetAirframe(...)``).

It yields a ``ConsoleStation``: ``base_url`` (``http://127.0.0.1:PORT``), ``users`` (by name) and
``by_role``, the station's ``hub`` and ``session_dir``, and ``cut_vehicle_link()`` /
``restore_vehicle_link()``, which suspend and resume the vehicle process (SIGSTOP / SIGCONT): the
station then hears nothing from the vehicle, exactly as when the radio drops, and the page must
show every vehicle value go stale (and the link lost after 5 missed heartbeats).

Async tests (pytest-asyncio, with Playwright's async API)::

    from tests.support.console_station import console_station, login

    async def test_page(tmp_path):
        async with console_station(tmp_path) as station:
            user = station.by_role[Role.LAUNCH_DIRECTOR]
            ...  # page.goto(station.base_url); log in as user.name / user.password
            await station.cut_vehicle_link()

A thread for Playwright's sync API (the station runs in its own event loop in that thread)::

    with console_station_in_thread(tmp_path) as station:
        page.goto(station.base_url)
        station.cut_vehicle_link()          # plain calls here; they run in the station's loop

Chromium: ``p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)``.
``login(session, base_url, user)`` logs an aiohttp ``ClientSession`` in and returns the bearer
headers, for API calls next to the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from gcs.app import RunOverrides, apply_overrides, run_station
from gcs.clock import WallClock
from gcs.config import GcsConfig, load_gcs_config
from gcs.console.users import PasswordHash, UserRecord, save_users
from gcs.domain.roles import Role
from gcs.hub import Hub
from gcs.links.values import VehicleHeartbeat
from gcs.tasks import background
from tests.support.waits import wait_until

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TEST_SCRYPT_N = 2**10
"""Cheap hashes for tests (the real default is 2**15); the cost is stored with each hash."""


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    name: str
    password: str
    roles: frozenset[Role]


def password_for(name: str) -> str:
    return f"seaport-{name}-pw"


_NAMES = {
    Role.VIEWER: "vic",
    Role.OPERATOR: "omar",
    Role.LAUNCH_DIRECTOR: "dana",
    Role.RANGE_SAFETY: "rosa",
    Role.VEHICLE: "vera",
    Role.PROPULSION: "paul",
    Role.LANDING_PLATFORM: "pat",
    Role.WEATHER: "wes",
}
USERS: dict[str, ConsoleUser] = {
    name: ConsoleUser(name, password_for(name), frozenset({role})) for role, name in _NAMES.items()
}
"""One user per role: vic viewer, omar operator, dana launch_director, rosa range_safety, vera
vehicle, paul propulsion, pat landing_platform, wes weather."""


def write_users_file(path: Path, users: dict[str, ConsoleUser] | None = None) -> Path:
    """A user file (mode 0600) with ``users`` (default ``USERS``), cheap test hashes."""
    records = {
        u.name: UserRecord(u.name, u.roles, PasswordHash.make(u.password, n=TEST_SCRYPT_N))
        for u in (users or USERS).values()
    }
    save_users(path, records)
    return path


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class FleetAirframe:
    """``[fleet]`` for a test station: the airframe and its type (a type the limits file lacks makes
    the airframe no-go: a blocker of the poll). The database goes under the test's folder."""

    vehicle_id: str
    vehicle_type: str


def station_config(tmp_path: Path, users_file: Path, vehicle_port: int, platform_port: int | None,
                   *, cargo_manifest: str | None = None, fleet: FleetAirframe | None = None,
                   **console: Any) -> GcsConfig:
    """configs/gcs.toml with absolute launch paths, loopback links, console on a free port; with
    ``cargo_manifest`` (a path under the repository) its ``[cargo]``, with ``fleet`` its ``[fleet]``."""
    config = load_gcs_config(REPO / "configs" / "gcs.toml")
    launch = config.launch
    launch = dataclasses.replace(launch, **{
        name: str(REPO / getattr(launch, name))
        for name in ("countdown", "commit_criteria", "red_lines", "range", "landing")
    })
    platforms: tuple[tuple[str, str], ...] = ()
    if platform_port is not None:
        platforms = (("landing-barge", f"udpin:127.0.0.1:{platform_port}"),)
    config = apply_overrides(config, RunOverrides(
        vehicle=f"udpin:127.0.0.1:{vehicle_port}", platforms=platforms, out_dir=str(tmp_path / "sessions"),
        console=("127.0.0.1", 0)))
    if platform_port is None:
        config = dataclasses.replace(config, platforms=())
    if cargo_manifest is not None:
        config = dataclasses.replace(config, cargo=dataclasses.replace(
            config.cargo, manifest=str(REPO / cargo_manifest), vehicle=str(REPO / config.cargo.vehicle)))
    if fleet is not None:
        config = dataclasses.replace(config, fleet=dataclasses.replace(
            config.fleet, enabled=True, database=str(tmp_path / "fleet.sqlite"),
            limits=str(REPO / config.fleet.limits), vehicle_id=fleet.vehicle_id,
            vehicle_type=fleet.vehicle_type))
    return dataclasses.replace(config, launch=launch, console=dataclasses.replace(
        config.console, users_file=str(users_file), **console))


class StationLines(io.TextIOBase):
    """The station's terminal output, kept line by line (it prints the console's URL there)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        self.lines.extend(done)
        return len(text)

    def url(self) -> str | None:
        for line in self.lines:
            if match := re.search(r"console on (http\S+?)/?$", line):
                return match.group(1)
        return None


@dataclass
class ConsoleStation:
    """A running station with its console; see the module docstring."""

    base_url: str
    users: dict[str, ConsoleUser]
    hub: Hub
    session_dir: Path
    vehicle: asyncio.subprocess.Process
    platform: asyncio.subprocess.Process | None
    output: list[str]

    @property
    def by_role(self) -> dict[Role, ConsoleUser]:
        return {role: u for u in self.users.values() for role in u.roles}

    async def cut_vehicle_link(self) -> None:
        """Suspend the vehicle process: from now on the station hears nothing from it."""
        self.vehicle.send_signal(signal.SIGSTOP)

    async def restore_vehicle_link(self) -> None:
        self.vehicle.send_signal(signal.SIGCONT)

    async def wait_for_vehicle(self, timeout_s: float = 30.0) -> None:
        """Until the station has a heartbeat of vehicle 1."""
        await wait_until(lambda: self.hub.latest(VehicleHeartbeat, key=1) is not None, timeout_s=timeout_s,
                         what="the vehicle's first heartbeat at the station", show=lambda: self.output)


async def _start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware_sim", *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=REPO)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGCONT)  # a suspended process cannot act on SIGTERM
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()


@contextlib.asynccontextmanager
async def console_station(
    tmp_path: Path,
    *,
    users: dict[str, ConsoleUser] | None = None,
    vehicle_config: str | None = None,
    telemetry_hz: float = 4.0,
    with_platform: bool = True,
    wait_for_vehicle: bool = True,
    cargo_manifest: str | None = None,
    fleet: FleetAirframe | None = None,
    **console: Any,
) -> AsyncIterator[ConsoleStation]:
    """Start the vehicle, the platform and the station; yield the ``ConsoleStation``; stop them all.

    Args:
        tmp_path: where the user file and the session go.
        users: the console's users (default ``USERS``, one per role).
        vehicle_config: e.g. ``"configs/vehicles/cargo-p2p.toml"`` for SITL physics; None: a bare
            flight computer on the pad (no physics).
        telemetry_hz: the vehicle's position and attitude rate.
        with_platform: also run the landing barge's sensor box.
        wait_for_vehicle: return only once the station has heard the vehicle.
        cargo_manifest: a manifest under the repository (``"configs/cargo/hop-demo.json"``): the
            station loads it, sets the vehicle's CARGO_MASS_KG and tracks the delivery.
        fleet: the airframe the station keeps in a fleet database under ``tmp_path``.
        console: ``[console]`` settings to override (``max_update_hz=5``, ``client_stall_s=1.0``...).
    """
    users = users or USERS
    users_file = write_users_file(tmp_path / "console-users.json", users)
    vehicle_port = free_udp_port()
    platform_port = free_udp_port() if with_platform else None
    config = station_config(tmp_path, users_file, vehicle_port, platform_port, cargo_manifest=cargo_manifest,
                            fleet=fleet, **console)
    hub = Hub()
    out = StationLines()
    stop = asyncio.Event()
    started: asyncio.Future[Path] = asyncio.get_running_loop().create_future()
    vehicle_args = ["vehicle", "--connect", f"udpout:127.0.0.1:{vehicle_port}",
                    "--telemetry-hz", str(telemetry_hz)]
    if vehicle_config is not None:
        vehicle_args += ["--config", str(REPO / vehicle_config)]
    vehicle: asyncio.subprocess.Process | None = None
    platform: asyncio.subprocess.Process | None = None
    try:
        # background(), not a bare TaskGroup: a failing test's own error comes out unwrapped.
        async with background() as jobs:
            station = jobs.start("console station", run_station(
                config, clock=WallClock(), stop=stop, hub=hub, status_every_s=3600.0, out=out,
                on_started=started.set_result))
            try:
                session_dir = await asyncio.wait_for(asyncio.shield(started), 30)
                vehicle = await _start(*vehicle_args)
                if platform_port is not None:
                    platform = await _start("platform", "--config",
                                            str(REPO / "configs" / "platforms" / "landing-barge.toml"),
                                            "--nmea", f"udpout:127.0.0.1:{platform_port}")
                url = out.url()
                assert url is not None, out.lines
                running = ConsoleStation(url, dict(users), hub, session_dir, vehicle, platform, out.lines)
                if wait_for_vehicle:
                    await running.wait_for_vehicle()
                yield running
            finally:
                stop.set()
                if not started.done():
                    started.cancel()
                # A clean stop: links close, the recorder flushes (background cancels what is left).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(station), 30)
    finally:
        for process in (vehicle, platform):
            if process is not None:
                await _stop(process)


async def login(session: aiohttp.ClientSession, base_url: str, user: ConsoleUser) -> dict[str, str]:
    """Log ``user`` in over the API; returns the ``Authorization: Bearer`` headers."""
    async with session.post(f"{base_url}/api/v1/login", json={"user": user.name, "password": user.password},
                            headers={"Origin": base_url}) as response:
        assert response.status == 200, await response.text()
        token = (await response.json())["token"]
    return {"Authorization": f"Bearer {token}", "Origin": base_url}


class ThreadedConsoleStation:
    """A ``ConsoleStation`` running in its own thread and event loop (for sync Playwright)."""

    def __init__(self, station: ConsoleStation, loop: asyncio.AbstractEventLoop) -> None:
        self.station = station
        self._loop = loop

    @property
    def base_url(self) -> str:
        return self.station.base_url

    @property
    def users(self) -> dict[str, ConsoleUser]:
        return self.station.users

    @property
    def by_role(self) -> dict[Role, ConsoleUser]:
        return self.station.by_role

    def cut_vehicle_link(self) -> None:
        asyncio.run_coroutine_threadsafe(self.station.cut_vehicle_link(), self._loop).result(10)

    def restore_vehicle_link(self) -> None:
        asyncio.run_coroutine_threadsafe(self.station.restore_vehicle_link(), self._loop).result(10)


@contextlib.contextmanager
def console_station_in_thread(tmp_path: Path, **kwargs: Any) -> Iterator[ThreadedConsoleStation]:
    """``console_station`` in a thread of its own; ``kwargs`` as for ``console_station``."""
    box: dict[str, Any] = {}
    up = threading.Event()

    async def main() -> None:
        done = asyncio.Event()
        box["done"] = done
        box["loop"] = asyncio.get_running_loop()
        try:
            async with console_station(tmp_path, **kwargs) as station:
                box["station"] = ThreadedConsoleStation(station, asyncio.get_running_loop())
                up.set()
                await done.wait()
        except BaseException as exc:
            box["error"] = exc
            raise
        finally:
            up.set()

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="console station", daemon=True)
    thread.start()
    up.wait(120)
    try:
        if "station" not in box:
            raise RuntimeError(f"the console station did not start: {box.get('error')!r}")
        yield box["station"]
    finally:
        if "done" in box:
            box["loop"].call_soon_threadsafe(box["done"].set)
        thread.join(60)
