"""A real Mosquitto for tests: its own process, config and files, on a free loopback port.

Never the system's broker or service: each ``running_mosquitto()`` writes a config into a fresh
temporary directory, starts ``/usr/sbin/mosquitto`` on it and returns once the broker accepts TCP
connections (a condition polled, not a sleep). Inside the block the test may ``stop()`` the broker
(``kill=True`` for SIGKILL) and ``start()`` it again on the same port, to test outages::

    async with running_mosquitto(users={"gcs": "pw", "viewer": "pw2"}, acl=ACL) as broker:
        ...  # broker.host, broker.port, broker.url, broker.log_text()
        await broker.stop()
        await broker.start()

With ``users`` the broker refuses anonymous clients and checks a password file; ``acl`` is the text
of an ACL file. Run as root, the broker drops to the ``mosquitto`` user, so the directory and every
file in it belong to that user (as a real installation would have them), mode 0600/0700.
``make system-deps`` installs the Debian package; without it these tests fail, naming the package.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

MOSQUITTO = Path("/usr/sbin/mosquitto")
HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
_PBKDF2_ITERATIONS = 101  # what mosquitto_passwd 2.0 writes ($7$ = PBKDF2-SHA512)


class MosquittoError(RuntimeError):
    """The test broker is not installed, did not start, or did not stop."""


def password_line(user: str, password: str) -> str:
    """One line of a Mosquitto 2 password file, hashed as ``mosquitto_passwd`` does it."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _PBKDF2_ITERATIONS)
    return (f"{user}:$7${_PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on at this instant."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class MosquittoBroker:
    """One test broker: its directory, its config and, while running, its process."""

    def __init__(
        self,
        directory: Path,
        *,
        users: Mapping[str, str] | None,
        acl: str | None,
        persistence: bool,
        extra_config: Sequence[str],
    ) -> None:
        self.directory = directory
        self.host = HOST
        self.port = free_port()
        self.config_path = directory / "mosquitto.conf"
        self.log_path = directory / "mosquitto.log"
        self._stderr_path = directory / "stderr.log"
        self._users = dict(users) if users is not None else None
        self._acl = acl
        self._persistence = persistence
        self._extra = tuple(extra_config)
        self._process: asyncio.subprocess.Process | None = None
        self._owner = _broker_owner()
        self.starts = 0

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def log_text(self) -> str:
        """The broker's log so far (connections, subscriptions, denials), for assertions."""
        parts = []
        for path in (self.log_path, self._stderr_path):
            with contextlib.suppress(FileNotFoundError):
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)

    def _write_files(self) -> None:
        lines = [
            "per_listener_settings false",
            f"listener {self.port} {self.host}",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "log_type subscribe",
            "log_type unsubscribe",
            "connection_messages true",
            "log_timestamp true",
            # As docs/mqtt.md recommends: without it each small message to a subscriber may wait
            # for the previous one's delayed ACK (up to 40 ms on Linux).
            "set_tcp_nodelay true",
        ]
        if self._users is not None:
            passwords = self.directory / "passwd"
            passwords.write_text("".join(password_line(u, p) + "\n" for u, p in self._users.items()))
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        else:
            lines.append("allow_anonymous true")
        if self._acl is not None:
            acl_path = self.directory / "acl"
            acl_path.write_text(self._acl)
            lines.append(f"acl_file {acl_path}")
        if self._persistence:
            lines += ["persistence true", f"persistence_location {self.directory}/"]
        else:
            lines.append("persistence false")
        if self._owner is not None:
            lines.append(f"user {self._owner.pw_name}")
        lines += list(self._extra)
        self.config_path.write_text("\n".join(lines) + "\n")
        self._own_files()

    def _own_files(self) -> None:
        self.directory.chmod(0o700)
        for path in self.directory.iterdir():
            path.chmod(0o600)
        if self._owner is not None:
            for path in (self.directory, *self.directory.iterdir()):
                os.chown(path, self._owner.pw_uid, self._owner.pw_gid)

    async def start(self) -> None:
        """Start the broker (again) on its port; return once it accepts connections.

        Raises:
            MosquittoError: it exited or did not accept connections within ``START_TIMEOUT_S``.
        """
        if self.running:
            raise MosquittoError("the test broker is already running")
        if self.starts == 0:
            self._write_files()
        with self._stderr_path.open("ab") as stderr:
            self._process = await asyncio.create_subprocess_exec(
                str(MOSQUITTO), "-c", str(self.config_path),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
            )
        self.starts += 1
        await self._until_accepting()

    async def _until_accepting(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self._process.returncode is not None:
                code = self._process.returncode
                raise MosquittoError(f"mosquitto exited with {code} on port {self.port}:\n{self.log_text()}")
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                if time.monotonic() > deadline:
                    await self.stop(kill=True)
                    raise MosquittoError(
                        f"mosquitto did not accept connections on {self.host}:{self.port} within "
                        f"{START_TIMEOUT_S} s:\n{self.log_text()}"
                    ) from None
                await asyncio.sleep(0.01)
                continue
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return

    async def stop(self, *, kill: bool = False) -> None:
        """Stop the broker: SIGTERM (it saves its persistence file), or SIGKILL with ``kill``."""
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            if process is not None:
                await process.wait()
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise MosquittoError(f"mosquitto did not stop within {STOP_TIMEOUT_S} s") from None

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The broker frozen (SIGSTOP) for the block, as a stalled broker is: its connections stay
        open and take bytes, but nothing is read, acknowledged or published until it resumes."""
        if self._process is None or self._process.returncode is not None:
            raise MosquittoError("the test broker is not running")
        process = self._process
        process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGCONT)

    async def restart(self, *, kill: bool = False) -> None:
        await self.stop(kill=kill)
        await self.start()


def _broker_owner() -> pwd.struct_passwd | None:
    """The user a root-started broker drops to (``mosquitto``); None when not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("mosquitto")
    except KeyError:
        return pwd.getpwuid(0)


@asynccontextmanager
async def running_mosquitto(
    *,
    users: Mapping[str, str] | None = None,
    acl: str | None = None,
    persistence: bool = False,
    extra_config: Sequence[str] = (),
) -> AsyncIterator[MosquittoBroker]:
    """A started test broker for the length of the block; stopped and its files removed after.

    Raises:
        MosquittoError: Mosquitto is not installed, or would not start.
    """
    if not os.access(MOSQUITTO, os.X_OK):
        raise MosquittoError(
            f"{MOSQUITTO} is missing: install the Debian package 'mosquitto' (make system-deps)"
        )
    directory = Path(tempfile.mkdtemp(prefix="mosquitto-test-"))
    try:
        broker = MosquittoBroker(
            directory, users=users, acl=acl, persistence=persistence, extra_config=extra_config
        )
        for _ in range(3):  # another process may take the free port before the broker binds it
            try:
                await broker.start()
                break
            except MosquittoError:
                if "Address already in use" not in broker.log_text():
                    raise
                broker.port = free_port()
                broker.starts = 0
        else:
            raise MosquittoError(f"no free port for mosquitto after 3 tries:\n{broker.log_text()}")
        try:
            yield broker
        finally:
            await broker.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
