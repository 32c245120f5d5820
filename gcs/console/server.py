"""The console's web server: aiohttp in the station's event loop, the page, the JSON API, the stream.

    async with ConsoleServer(settings, hub=hub, clock=clock, launch=runner, setup=setup,
                             journal=recorder.journal) as console:
        group.create_task(console.run(), name="console")   # the hub feed; until cancelled
        print(console.url)

Routes (docs/console-api.md has bodies and examples)::

    GET  /                              the page (static/index.html)      public
    GET  /static/...                    gcs/console/static/               public
    GET  /vendor/<package>/...          web/node_modules/<package>/ for uplot, world-atlas,
                                        topojson-client                   public
    POST /api/v1/login                  {"user","password"} -> session cookie and token
    POST /api/v1/logout
    GET  /api/v1/me                     {"user","roles","commands"}
    GET  /api/v1/state                  the stream's snapshot message
    GET  /api/v1/links                  {"vehicle": {sysid: ITEM}, "platforms": {name: ITEM}}
    GET  /api/v1/alerts                 the launch status's alerts
    GET  /api/v1/countdown              the launch status's countdown
    GET  /api/v1/journal?after=&limit=  {"entries": [...]}
    GET  /api/v1/commands               every command, its body fields and accepted roles
    POST /api/v1/commands/<name>        a launch-control request (gcs.console.commands)
    GET  /api/v1/stream                 WebSocket: hello, snapshot, update, journal, tick

Security: bound to 127.0.0.1 unless configured; sessions by cookie (HttpOnly, SameSite=Strict,
Secure over TLS or on a loopback address) or ``Authorization: Bearer``; a POST or WebSocket whose
``Origin`` is another site is refused (403); failed logins are rate-limited per name and per address
(429); scrypt runs in a worker thread, never on the loop. Every login (ok, failed, limited) and
every command (ok, refused, invalid) goes to the journal with who. Roles are checked by the launch
cores, never here: the page hiding a button is a convenience, not a check.

Knows nothing of MAVLink, NMEA or the recorder's files; reaches launch control only through
``LaunchRequests.request`` and the journal only through ``JournalSink``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import socket
import ssl
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from aiohttp import WSMsgType, web
from yarl import URL

from gcs.clock import Clock
from gcs.console.commands import COMMANDS, BadCommand, accepted_roles, answer_for, command_table, event_for
from gcs.console.launch_parts import ALERTS_KEY, LIVE_KEY
from gcs.console.sessions import LoginLimiter, RefusalLog, Session, SessionStore
from gcs.console.stream import Board, ClientQueue, ClientTooSlow, ConsoleFeed, ConsoleStats, Counters, pump
from gcs.console.users import UserDirectory
from gcs.console.views import ExpectedPeriods, mission_facts
from gcs.domain.roles import User
from gcs.errors import ConfigError
from gcs.hub import Hub
from gcs.launch.actions import Action
from gcs.launch.control import LaunchEvent, LaunchSetup
from gcs.recorder.journal import JournalKind
from gcs.tasks import background
from gcs.views import encode

_log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
NODE_MODULES = PACKAGE_DIR / "web" / "node_modules"
VENDOR_PACKAGES = ("uplot", "world-atlas", "topojson-client")
VENDOR_MISSING = ("front-end packages not installed: run `make demo` or "
                  "`npm ci --prefix gcs/console/web`")
COOKIE = "seaport_session"
API = "/api/v1"
MAX_BODY_BYTES = 64 * 1024
MAX_CLIENT_FRAME_BYTES = 4096
WS_HEARTBEAT_S = 20.0
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")


class LaunchRequests(Protocol):
    """What the console needs of launch control (``LaunchRunner``)."""

    def request(self, event: LaunchEvent) -> list[Action]: ...


class JournalSink(Protocol):
    """What the console needs of the recorder (``SessionRecorder.journal``)."""

    def __call__(self, kind: JournalKind, source: str, payload: Mapping[str, Any] | None = None, *,
                 who: str | None = None, critical: bool | None = None) -> object: ...


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The console's slice of the configuration (built by ``gcs/app.py`` from ``[console]``)."""

    bind_host: str = "127.0.0.1"
    port: int = 8080
    users_file: Path = Path("secrets/console-users.json")
    session_ttl_s: float = 12 * 3600.0
    max_update_hz: float = 60.0
    client_stall_s: float = 10.0
    max_clients: int = 32
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    login_max_failures: int = 5
    login_window_s: float = 60.0
    login_lockout_s: float = 30.0
    vehicle_sysid: int = 1
    platforms: tuple[str, ...] = ()
    periods: ExpectedPeriods = field(default_factory=ExpectedPeriods)
    static_dir: Path = STATIC_DIR
    node_modules: Path = NODE_MODULES

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None

    @property
    def secure_cookie(self) -> bool:
        """Secure over TLS, and on a loopback address (browsers treat http://127.0.0.1 as secure)."""
        return self.tls or _is_loopback(self.bind_host)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class _Auth:
    session: Session
    user: User


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _drop(transport: asyncio.Transport | None) -> None:
    """Close a connection at once, discarding what its peer never read (a reset, not a slow FIN)."""
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=encode(body), status=status, content_type="application/json",
                        headers=headers)


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return _json({"ok": False, "error": message, **extra}, status)


class ConsoleServer:
    """The console: enter to listen, ``run()`` to feed it from the hub; leave to close every browser."""

    def __init__(
        self,
        settings: ConsoleSettings,
        *,
        hub: Hub,
        clock: Clock,
        launch: LaunchRequests | None = None,
        setup: LaunchSetup | None = None,
        journal: JournalSink | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._hub = hub
        self._clock = clock
        self.launch = launch
        """Launch control; may be set after entering (``gcs/app.py`` starts the console first)."""
        self._setup = setup
        self._journal = journal
        self._monotonic = monotonic
        self.counters = Counters()
        self.board = Board(self.counters)
        self.sessions = SessionStore(settings.session_ttl_s)
        self.limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s,
                                    settings.login_lockout_s)
        self.users = UserDirectory(settings.users_file)
        self.refusals = RefusalLog()
        """Refused requests by reason (cross_site, no_session, ws_frame); see ``_refuse``."""
        self._feed = ConsoleFeed(hub, clock, self.board, settings.periods, self.stats)
        self._runner: web.AppRunner | None = None
        self._executor: ThreadPoolExecutor | None = None
        # At most two scrypt checks at once: a login flood queues here rather than eating the CPU.
        self._hashing = asyncio.Semaphore(2)
        self._sockets: set[web.WebSocketResponse] = set()
        self._vendor_installed = all((settings.node_modules / p).is_dir() for p in VENDOR_PACKAGES)
        self.url = ""

    # --- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> ConsoleServer:
        s = self.settings
        ssl_context = self._ssl_context()
        if self.users.problem is not None:
            _log.warning("console: nobody can log in: %s", self.users.problem)
        if not self._vendor_installed:
            _log.warning("console: %s (the page works without charts and map)", VENDOR_MISSING)
        app = web.Application(middlewares=[self._headers, self._api_errors, self._host_check],
                              client_max_size=MAX_BODY_BYTES)
        self._routes(app)
        app.on_shutdown.append(self._close_sockets)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, s.bind_host, s.port, ssl_context=ssl_context, reuse_address=True)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError("[console]", "bind_host, port", f"an address and port free to listen on "
                              f"({exc.strerror or exc})", f"{s.bind_host}:{s.port}") from exc
        self._runner = runner
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="console-login")
        host, port = runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{'https' if s.tls else 'http'}://{shown}:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def run(self) -> None:
        """Keep the console's state up to date from the hub, until cancelled."""
        await self._feed.run()

    def _ssl_context(self) -> ssl.SSLContext | None:
        s = self.settings
        if s.tls_cert_file is None or s.tls_key_file is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            context.load_cert_chain(s.tls_cert_file, s.tls_key_file)
        except (OSError, ssl.SSLError) as exc:
            expected = f"a PEM certificate whose key is {s.tls_key_file} ({exc})"
            raise ConfigError(s.tls_cert_file, "", expected) from exc
        return context

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"the ground station is stopping")

    def stats(self) -> ConsoleStats:
        c = self.counters
        return ConsoleStats(
            clients=self.board.client_count, messages_sent=c.messages_sent, bytes_sent=c.bytes_sent,
            updates_coalesced=self.board.coalesced_total(), frames_refused=c.frames_refused,
            clients_closed_slow=c.clients_closed_slow, journal_skipped=c.journal_skipped,
            logins_ok=c.logins_ok, logins_failed=c.logins_failed, logins_limited=c.logins_limited,
            commands_ok=c.commands_ok, commands_refused=c.commands_refused,
            commands_invalid=c.commands_invalid, unix_time_s=self._clock.unix_time_s(),
        )

    # --- routes ---------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/", self._index)
        if self.settings.static_dir.is_dir():
            r.add_static("/static/", self.settings.static_dir, follow_symlinks=False)
        for package in VENDOR_PACKAGES:
            folder = self.settings.node_modules / package
            if folder.is_dir():
                r.add_static(f"/vendor/{package}/", folder, follow_symlinks=False)
        r.add_get("/vendor/{tail:.*}", self._vendor_missing)
        r.add_post(f"{API}/login", self._login)
        r.add_post(f"{API}/logout", self._logout)
        r.add_get(f"{API}/me", self._me)
        r.add_get(f"{API}/state", self._state)
        r.add_get(f"{API}/links", self._links)
        r.add_get(f"{API}/alerts", self._alerts)
        r.add_get(f"{API}/countdown", self._countdown)
        r.add_get(f"{API}/journal", self._journal_entries)
        r.add_get(f"{API}/commands", self._commands)
        r.add_post(API + "/commands/{name:.+}", self._command)
        r.add_get(f"{API}/stream", self._stream)

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy", CSP)
        if request.path.startswith(API):
            headers.setdefault("Cache-Control", "no-store")
        return response

    @web.middleware
    async def _api_errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # Scripts get JSON for every API error, never aiohttp's HTML pages.
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if not request.path.startswith(API) or exc.status < 400:
                raise
            return _error(exc.status, exc.reason)

    @web.middleware
    async def _host_check(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 would be "same
        # origin" with us. On a loopback address only loopback names may be asked for.
        if _is_loopback(self.settings.bind_host):
            host = URL(f"http://{request.host}").host or ""
            if not (_is_loopback(host) or host == "localhost"):
                return _error(403, f"unexpected Host {request.host!r} for a console on a loopback address")
        return await handler(request)

    async def _index(self, request: web.Request) -> web.StreamResponse:
        index = self.settings.static_dir / "index.html"
        if not index.is_file():
            return web.Response(status=404, text="the console page is not installed (gcs/console/static)")
        return web.FileResponse(index, headers={"Cache-Control": "no-cache"})

    async def _vendor_missing(self, request: web.Request) -> web.StreamResponse:
        package = request.match_info["tail"].split("/", 1)[0]
        if package in VENDOR_PACKAGES and not (self.settings.node_modules / package).is_dir():
            return web.Response(status=404, text=VENDOR_MISSING)
        return web.Response(status=404, text="not found")

    # --- auth -----------------------------------------------------------------------------------

    def _cross_site(self, request: web.Request) -> bool:
        """Whether ``request`` comes from a page of another origin (CSRF, cross-site WebSocket)."""
        origin = request.headers.get("Origin")
        if origin is None:
            # Old browsers send no Origin on same-origin requests; Fetch Metadata still tells.
            return request.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none")
        try:
            url = URL(origin)
        except ValueError:
            return True
        if url.scheme not in ("http", "https") or url.host is None:
            return True
        expected = URL(f"{request.scheme}://{request.host}")
        return (url.scheme, url.host.lower(), url.port) != (
            expected.scheme, (expected.host or "").lower(), expected.port)

    def _token(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip() or None
        return request.cookies.get(COOKIE)

    def _auth(self, request: web.Request) -> _Auth | None:
        token = self._token(request)
        if token is None:
            return None
        session = self.sessions.get(token, self._monotonic())
        if session is None:
            return None
        user = self.users.lookup(session.user)
        if user is None:  # removed from the user file since the login
            self.sessions.end_user(session.user)
            return None
        return _Auth(session, user)

    def _record(self, kind: JournalKind, payload: dict[str, Any], *, who: str | None,
                critical: bool | None = None) -> None:
        if self._journal is not None:
            self._journal(kind, "console", payload, who=who, critical=critical)

    async def _login(self, request: web.Request) -> web.StreamResponse:
        address = request.remote or "unknown"
        if self._cross_site(request):
            return self._refuse(request, "cross_site", 403, "cross-site request refused")
        try:
            body = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[..." nested deep
            return _error(400, "body: expected a JSON object {\"user\", \"password\"}")
        if not isinstance(body, dict):
            return _error(400, "body: expected a JSON object {\"user\", \"password\"}")
        name, password = body.get("user"), body.get("password")
        if not isinstance(name, str) or not name or len(name) > 64:
            return _error(400, "user: expected a user name (a string)", field="user")
        if not isinstance(password, str) or not password:
            return _error(400, "password: expected a string", field="password")
        now_s = self._monotonic()
        lockout = self.limiter.check(name, address, now_s)
        if lockout is not None:
            self.counters.logins_limited += 1
            if lockout.first_refusal:  # journal the lockout once, count the rest: a flood must not flood it
                self._record(JournalKind.OPERATOR_ACTION, {"action": "login", "result": "limited",
                                                           "address": address, "locked": lockout.key},
                             who=name, critical=False)
            retry = max(1, round(lockout.retry_after_s))
            return _json({"ok": False, "error": f"too many failed logins; try again in {retry} s",
                          "retry_after_s": retry}, 429, {"Retry-After": str(retry)})
        assert self._executor is not None
        async with self._hashing:
            user = await asyncio.get_running_loop().run_in_executor(
                self._executor, self.users.authenticate, name, password)
        if user is None:
            self.counters.logins_failed += 1
            self.limiter.failed(name, address, self._monotonic())
            self._record(JournalKind.OPERATOR_ACTION,
                         {"action": "login", "result": "failed", "address": address}, who=name)
            return _error(401, "wrong user name or password")
        self.counters.logins_ok += 1
        self.limiter.succeeded(name, address)
        session = self.sessions.create(user.name, self._monotonic())
        roles = sorted(r.value for r in user.roles)
        self._record(JournalKind.OPERATOR_ACTION,
                     {"action": "login", "result": "ok", "address": address, "roles": roles}, who=user.name)
        response = _json({**self._me_body(user), "token": session.token,
                          "expires_in_s": self.settings.session_ttl_s})
        response.set_cookie(COOKIE, session.token, httponly=True, samesite="Strict", path="/",
                            secure=self.settings.secure_cookie, max_age=int(self.settings.session_ttl_s))
        return response

    async def _logout(self, request: web.Request) -> web.StreamResponse:
        if self._cross_site(request):
            return self._refuse(request, "cross_site", 403, "cross-site request refused")
        auth = self._auth(request)
        if auth is None:
            return self._refuse(request, "no_session", 401, "not logged in")
        self.sessions.end(auth.session.token)
        self._record(JournalKind.OPERATOR_ACTION, {"action": "logout"}, who=auth.user.name, critical=False)
        response = _json({"ok": True})
        response.del_cookie(COOKIE, path="/")
        return response

    def _me_body(self, user: User) -> dict[str, Any]:
        roles = sorted(r.value for r in user.roles)
        allowed = [name for name in COMMANDS if user.has(*accepted_roles(name, self._setup))]
        return {"user": user.name, "roles": roles, "commands": allowed}

    async def _me(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        return _json(self._me_body(auth.user))

    # --- reading --------------------------------------------------------------------------------

    def _need_auth(self, request: web.Request) -> _Auth | web.Response:
        auth = self._auth(request)
        if auth is not None:
            return auth
        # Reading without a session is counted, not journaled: the page asks /me before every login.
        return self._refuse(request, "no_session", 401, "not logged in", journal=request.method != "GET"
                            or request.path == f"{API}/stream")

    def _refuse(self, request: web.Request, reason: str, status: int, message: str, *,
                journal: bool = True) -> web.Response:
        """Count a refused request and journal the first of its kind per address and minute."""
        self._refused(reason, f"{request.method} {request.path}", request.remote or "unknown", None,
                      journal=journal)
        return _error(status, message)

    def _refused(self, reason: str, what: str, address: str, who: str | None, *,
                 journal: bool = True) -> None:
        first = self.refusals.refused(reason, what, address, self._monotonic())
        if journal and first:
            self._record(JournalKind.OPERATOR_ACTION, {"action": "request", "result": "refused",
                                                       "reason": reason, "request": what, "address": address},
                         who=who, critical=False)

    async def _state(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        return web.Response(body=self.board.snapshot_json(self._clock.unix_time_s()),
                            content_type="application/json")

    async def _links(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        vehicles = [k for k in self.board.keys if k.startswith("vehicle/") and k.endswith("/link")]
        feeds = [k for k in self.board.keys if k.startswith("platform/") and k.endswith("/feed")]

        def obj(keys: list[str]) -> bytes:
            parts = []
            for key in keys:
                entry = self.board.entry(key)
                if entry is not None:
                    parts.append(encode(key.split("/")[1]) + b":" + entry.json())
            return b"{" + b",".join(parts) + b"}"

        body = b'{"vehicle":' + obj(vehicles) + b',"platforms":' + obj(feeds) + b"}"
        return web.Response(body=body, content_type="application/json")

    def _launch_part(self, part: str, key: str = LIVE_KEY) -> web.Response:
        """``part`` of the launch status from its key, with the time of the status (the ``launch`` key's)."""
        live, entry = self.board.entry(LIVE_KEY), self.board.entry(key)
        if live is None or entry is None:
            return _error(503, "launch control is not running (no launch status yet)")
        body = json.loads(live.json())
        value = body["v"][part] if key == LIVE_KEY else json.loads(entry.json())["v"]
        return _json({"t": body["t"], "period_s": body["period_s"], part: value})

    async def _alerts(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        return self._launch_part("alerts", ALERTS_KEY)

    async def _countdown(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        return self._launch_part("countdown")

    async def _journal_entries(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        try:
            after = int(request.query.get("after", "-1"))
            limit = int(request.query.get("limit", "200"))
        except ValueError:
            return _error(400, "after and limit: expected integers")
        if not 1 <= limit <= 2000:
            return _error(400, "limit: expected 1 to 2000", field="limit")
        entries = self.board.journal_newest_after(after, limit)
        body = b'{"entries":[' + b",".join(entries) + b"]}"
        return web.Response(body=body, content_type="application/json")

    async def _commands(self, request: web.Request) -> web.StreamResponse:
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        return _json({"commands": command_table(self._setup)})

    # --- commands -------------------------------------------------------------------------------

    async def _command(self, request: web.Request) -> web.StreamResponse:
        if self._cross_site(request):
            return self._refuse(request, "cross_site", 403, "cross-site request refused")
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        name = request.match_info["name"]
        user = auth.user
        if name not in COMMANDS:
            return _error(404, f"no command {name!r}; one of " + ", ".join(COMMANDS))
        raw = await request.read()
        body: Any = None
        try:
            if raw.strip():
                body = json.loads(raw)
            event = event_for(name, user, body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested deep
            self.counters.commands_invalid += 1
            field_name = exc.field if isinstance(exc, BadCommand) else "(body)"
            message = str(exc) if isinstance(exc, BadCommand) else "(body): expected a JSON object"
            self._record(JournalKind.OPERATOR_ACTION,
                         {"action": "command", "command": name, "result": "invalid", "error": message},
                         who=user.name)
            return _error(400, message, field=field_name)
        if self.launch is None:
            return _error(503, "launch control is not running ([launch] enabled = false)")
        answer = answer_for(self.launch.request(event))
        if answer.ok:
            self.counters.commands_ok += 1
        else:
            self.counters.commands_refused += 1
        self._record(JournalKind.OPERATOR_ACTION, {
            "action": "command", "command": name, "body": body if isinstance(body, dict) else {},
            "result": "ok" if answer.ok else "refused", "status": answer.status,
            "code": answer.body.get("code"), "error": answer.body.get("error"),
        }, who=user.name)
        return _json(answer.body, answer.status)

    # --- the stream -----------------------------------------------------------------------------

    def _hello(self, user: User) -> bytes:
        s = self.settings
        config = mission_facts(self._setup, s.vehicle_sysid, list(s.platforms))
        config.update(
            commands=command_table(self._setup),
            max_update_hz=s.max_update_hz,
            tick_hz=4,
            stale_rule="server_time_s - t > max(3 * period_s, period_s + 1.0)",
            vendor_installed=self._vendor_installed,
            vendor_missing_notice=None if self._vendor_installed else VENDOR_MISSING,
            launch_control=self.launch is not None,
        )
        return encode({"type": "hello", "user": self._me_body(user), "config": config})

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if self._cross_site(request):
            return self._refuse(request, "cross_site", 403, "cross-site request refused")
        if isinstance(auth := self._need_auth(request), web.Response):
            return auth
        if self.board.client_count >= self.settings.max_clients:
            return _error(503, f"too many browsers connected (max_clients {self.settings.max_clients})")
        # permessage-deflate when the browser offers it: the launch status (16 kB of JSON, 10 times a
        # second) shrinks to little against the previous one, and Chromium hands a page what it
        # reads in pieces of about 1 kB, one task each; uncompressed, those were a large share of
        # each page's work (docs/performance.md, "Operator console"). The stream carries no
        # secret (no session token; nothing one viewer may see and another may not), so the
        # compressed sizes have nothing to give away.
        ws = web.WebSocketResponse(max_msg_size=MAX_CLIENT_FRAME_BYTES, heartbeat=WS_HEARTBEAT_S,
                                   compress=True, timeout=2.0)
        await ws.prepare(request)
        self._sockets.add(ws)
        client = self.board.register(f"{auth.user.name}@{request.remote}")
        try:
            # Hello and snapshot before anything else can run: the client's queue starts from here.
            await ws.send_frame(self._hello(auth.user), WSMsgType.TEXT)
            await ws.send_frame(self.board.snapshot_json(self._clock.unix_time_s()), WSMsgType.TEXT)
            async with background((f"console stream {client.name}", self._send(ws, client, request))):
                await self._read(ws, auth.user.name, request.remote or "unknown")
        except ConnectionError:
            pass  # the browser went away
        finally:
            self.board.unregister(client)
            self._sockets.discard(ws)
        return ws

    async def _read(self, ws: web.WebSocketResponse, who: str, address: str) -> None:
        """Until the browser goes: it may only ping (answered by aiohttp); anything else closes it."""
        async for msg in ws:
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                self.counters.frames_refused += 1
                self._refused("ws_frame", f"{msg.type.name} frame", address, who)
                await ws.close(code=1003, message=b"this stream takes no messages; commands are POSTs")
                return
            if msg.type is WSMsgType.ERROR:  # oversized (1009) or malformed (1002): aiohttp has closed
                self.counters.frames_refused += 1
                self._refused("ws_frame", f"bad frame ({msg.data})", address, who)
                return

    async def _send(self, ws: web.WebSocketResponse, client: ClientQueue, request: web.Request) -> None:
        async def send(message: bytes) -> None:
            await ws.send_frame(message, WSMsgType.TEXT)

        try:
            await pump(client, self.board, send, server_time_s=self._clock.unix_time_s,
                       max_update_hz=self.settings.max_update_hz, stall_s=self.settings.client_stall_s)
        except ClientTooSlow as exc:
            self.counters.clients_closed_slow += 1
            _log.warning("console: closing %s", exc)
            transport = request.transport
            try:
                # The close frame may never get through a full buffer; give it a moment.
                async with asyncio.timeout(1.0):
                    await ws.close(code=1013, message=b"too slow: could not keep up with the updates",
                                   drain=False)
            except TimeoutError:
                pass
            finally:
                _drop(transport)
        except ConnectionError:
            pass  # the browser went; the reader sees it too
