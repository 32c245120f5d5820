"""The console's JSON API over a real loopback port: login, sessions, cross-site refusals, brute-force
limits, commands through launch control with the roles checked there, and the journal of it all."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from gcs.launch.actions import VehicleCommand
from gcs.launch.countdown import CountState
from gcs.launch.runner import LaunchStatusUpdate
from gcs.recorder.journal import JournalRecord
from gcs.recorder.session import RecordedSession
from tests.integration.console.harness import Console, console_server, login
from tests.support.waits import wait_until


async def test_login_sets_a_strict_http_only_cookie_and_the_session_works_by_cookie_and_bearer(
    tmp_path: Path,
) -> None:
    async with console_server(tmp_path) as console:
        # The cookie is Secure on a loopback address; a browser treats http://127.0.0.1 as secure.
        jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[console.url])
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            async with session.post(f"{console.url}/api/v1/login",
                                    json={"user": "dana", "password": console.user("dana").password}) as r:
                assert r.status == 200
                body = await r.json()
                cookie = r.cookies["seaport_session"]
            assert body["user"] == "dana"
            assert body["roles"] == ["launch_director"]
            assert "count/start" in body["commands"]
            assert "fts/confirm" not in body["commands"]
            assert cookie.value == body["token"]
            assert cookie["httponly"]
            assert cookie["secure"]
            assert cookie["samesite"] == "Strict"
            assert cookie["path"] == "/"
            async with session.get(f"{console.url}/api/v1/me") as r:
                assert r.status == 200
                assert (await r.json())["user"] == "dana"
            async with session.post(f"{console.url}/api/v1/logout") as r:
                assert r.status == 200
            async with session.get(f"{console.url}/api/v1/me") as r:
                assert r.status == 401
        async with aiohttp.ClientSession() as session:
            headers = await login(session, console, "vic")
            async with session.get(f"{console.url}/api/v1/me", headers=headers) as r:
                assert (await r.json()) == {"user": "vic", "roles": ["viewer"], "commands": []}
            async with session.get(f"{console.url}/api/v1/me",
                                   headers={"Authorization": "Bearer not-a-token"}) as r:
                assert r.status == 401
                assert (await r.json())["error"] == "not logged in"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"user": "dana", "password": "wrong-password"}, 401, "wrong user name or password"),
        ({"user": "nobody", "password": "whatever-pw"}, 401, "wrong user name or password"),
        ({"user": "dana"}, 400, "password: expected a string"),
        ({"password": "x"}, 400, "user: expected a user name"),
        (["dana", "pw"], 400, "body: expected a JSON object"),
    ],
)
async def test_bad_logins_are_refused_and_journaled(
    tmp_path: Path, body: object, status: int, error: str
) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        async with session.post(f"{console.url}/api/v1/login", json=body) as r:
            assert r.status == status
            assert (await r.json())["error"].startswith(error)
            assert "Set-Cookie" not in r.headers
        if status == 401:
            assert isinstance(body, dict)
            await wait_until(lambda: console.console_records(), what="the failed login in the journal")
            [record] = console.console_records()
            assert record.who == body["user"]
            assert dict(record.payload) == {"action": "login", "result": "failed", "address": "127.0.0.1"}


async def test_failed_logins_lock_the_name_and_the_address_and_the_lock_is_journaled_once(
    tmp_path: Path,
) -> None:
    async with console_server(tmp_path, login_max_failures=3, login_lockout_s=600.0) as console, \
            aiohttp.ClientSession() as session:
        url = f"{console.url}/api/v1/login"
        for _ in range(3):
            async with session.post(url, json={"user": "dana", "password": "guess-guess"}) as r:
                assert r.status == 401
        # The right password, then another user from the same address: both locks hold.
        for name in ("dana", "dana", "vic", "vic"):
            async with session.post(url, json={"user": name, "password": console.user(name).password}) as r:
                assert r.status == 429
                assert int(r.headers["Retry-After"]) > 0
                assert "too many failed logins" in (await r.json())["error"]
        await wait_until(lambda: len(console.console_records()) >= 5, what="five login records")
        # Each lock (the name's, the address's) is journaled at its first refusal; the rest are counted.
        results = [(r.who, r.payload["result"], r.payload.get("locked")) for r in console.console_records()]
        assert results == [("dana", "failed", None)] * 3 + [("dana", "limited", "user:dana"),
                                                            ("vic", "limited", "address:127.0.0.1")]
        stats = console.server.stats()
        assert (stats.logins_failed, stats.logins_limited, stats.logins_ok) == (3, 4, 0)


async def test_cross_site_requests_are_refused_before_anything_happens(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        headers = await login(session, console, "dana")
        evil = {"Origin": "http://evil.example"}
        async with session.post(f"{console.url}/api/v1/login", headers=evil,
                                json={"user": "dana", "password": console.user("dana").password}) as r:
            assert r.status == 403
        start = f"{console.url}/api/v1/commands/count/start"
        async with session.post(start, headers={**headers, **evil}) as r:
            assert r.status == 403
            assert (await r.json())["error"] == "cross-site request refused"
        async with session.post(f"{console.url}/api/v1/commands/count/start",
                                headers={**headers, "Sec-Fetch-Site": "cross-site"}) as r:
            assert r.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await session.ws_connect(f"{console.url}/api/v1/stream", headers={**headers, **evil})
        assert info.value.status == 403
        # DNS rebinding: another name for our loopback address is refused outright.
        async with session.get(f"{console.url}/api/v1/me", headers={**headers, "Host": "evil.example"}) as r:
            assert r.status == 403
            assert "unexpected Host" in (await r.json())["error"]
        async with session.get(f"{console.url}/api/v1/me", headers={**headers, "Host": "localhost:1"}) as r:
            assert r.status == 200
        # Same origin, as the page sends it: fine.
        async with session.post(f"{console.url}/api/v1/commands/count/start",
                                headers={**headers, "Origin": console.url}) as r:
            assert r.status == 200
        records = console.console_records()
        commands = [r.payload["command"] for r in records if r.payload["action"] == "command"]
        assert commands == ["count/start"]


async def test_everything_but_login_needs_a_session(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        for path in ("me", "state", "links", "alerts", "countdown", "journal", "commands"):
            async with session.get(f"{console.url}/api/v1/{path}") as r:
                assert r.status == 401, path
                assert r.content_type == "application/json"
        async with session.post(f"{console.url}/api/v1/commands/count/start") as r:
            assert r.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await session.ws_connect(f"{console.url}/api/v1/stream")
        assert info.value.status == 401
        async with session.get(f"{console.url}/api/v1/no-such-thing") as r:
            assert r.status == 404
            assert r.content_type == "application/json"


async def _post(session: aiohttp.ClientSession, console: Console, headers: dict[str, str], name: str,
                body: object = None) -> tuple[int, dict[str, object]]:
    kwargs = {} if body is None else {"json": body}
    async with session.post(f"{console.url}/api/v1/commands/{name}", headers=headers, **kwargs) as r:
        return r.status, await r.json()


async def test_commands_go_through_launch_control_which_checks_the_roles(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        viewer = await login(session, console, "vic")
        director = await login(session, console, "dana")
        rso = await login(session, console, "rosa")
        operator = await login(session, console, "omar")

        status, body = await _post(session, console, viewer, "count/start")
        assert (status, body["ok"], body["code"]) == (403, False, "role")
        assert "launch_director" in str(body["error"])

        status, body = await _post(session, console, director, "count/start", {})
        assert status == 200, body
        assert body["ok"] is True
        [changed] = [a for a in body["actions"] if isinstance(a, dict) and a["action"] == "count_changed"]
        assert (changed["to_state"], changed["who"]) == ("counting", "dana")
        latest = console.hub.latest(LaunchStatusUpdate)
        assert latest is not None
        assert latest.status.countdown.state is CountState.COUNTING

        status, body = await _post(session, console, director, "count/start")
        assert (status, body["code"]) == (409, "state")

        status, body = await _post(session, console, operator, "count/hold", {"reason": "range fouled"})
        assert status == 200, body
        status, body = await _post(session, console, operator, "vehicle/abort")
        assert (status, body["code"]) == (403, "role")
        status, body = await _post(session, console, rso, "vehicle/abort", {"reason": "test abort"})
        assert status == 200, body
        status, body = await _post(session, console, rso, "fts/confirm")
        assert (status, body["code"]) == (409, "state")  # not armed: the FTS core's two steps
        status, body = await _post(session, console, rso, "fts/arm")
        assert status == 200
        status, body = await _post(session, console, rso, "fts/confirm")
        assert status == 200

        await wait_until(lambda: len(console.commander.sent) >= 3, what="the vehicle commands")
        sent = [a.command for a in console.commander.sent]
        assert VehicleCommand.ABORT in sent
        assert VehicleCommand.FLIGHT_TERMINATION in sent
        assert [a.who for a in console.commander.sent if a.command is VehicleCommand.ABORT] == ["rosa"]

        # Every command is journaled by the console with who and how it ended.
        def command_records() -> list[JournalRecord]:
            return [r for r in console.console_records() if r.payload["action"] == "command"]

        await wait_until(lambda: len(command_records()) >= 9, what="nine command records")
        commands = [(r.who, r.payload["command"], r.payload["result"], r.payload["status"])
                    for r in command_records()]
        assert commands == [
            ("vic", "count/start", "refused", 403),
            ("dana", "count/start", "ok", 200),
            ("dana", "count/start", "refused", 409),
            ("omar", "count/hold", "ok", 200),
            ("omar", "vehicle/abort", "refused", 403),
            ("rosa", "vehicle/abort", "ok", 200),
            ("rosa", "fts/confirm", "refused", 409),
            ("rosa", "fts/arm", "ok", 200),
            ("rosa", "fts/confirm", "ok", 200),
        ]
        stats = console.server.stats()
        assert (stats.commands_ok, stats.commands_refused) == (5, 4)


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("count/start", {"window": 3}, "window"),
        ("count/recycle", {}, "point"),
        ("count/recycle", {"point": 120}, "point"),
        ("poll/answer", {"station": "weather", "go": "yes"}, "go"),
        ("poll/answer", {"go": True}, "station"),
        ("alerts/ack", {"key": ""}, "key"),
        ("count/hold", {"reason": "x" * 501}, "reason"),
        ("count/hold", [1, 2], "(body)"),
        ("count/start", {"window_open_unix_s": 1.0}, "window_close_unix_s"),
    ],
)
async def test_a_malformed_body_is_a_400_naming_the_field(
    tmp_path: Path, name: str, body: object, field: str
) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        director = await login(session, console, "dana")
        status, answer = await _post(session, console, director, name, body)
        assert status == 400, answer
        assert answer["field"] == field
        assert str(answer["error"]).startswith(f"{field}: expected")
        assert console.commander.sent == []
        await wait_until(lambda: console.console_records()[-1].payload["action"] == "command",
                         what="the invalid command in the journal")
        assert console.console_records()[-1].payload["result"] == "invalid"


async def test_unknown_command_and_launch_control_off(tmp_path: Path) -> None:
    async with console_server(tmp_path, launch=False) as console, aiohttp.ClientSession() as session:
        director = await login(session, console, "dana")
        status, body = await _post(session, console, director, "count/launch")
        assert status == 404
        assert "count/start" in str(body["error"])
        status, body = await _post(session, console, director, "count/start")
        assert status == 503
        assert "launch control is not running" in str(body["error"])


async def test_reading_endpoints(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        director = await login(session, console, "dana")
        await _post(session, console, director, "count/start")
        await wait_until(lambda: console.server.board.entry("launch") is not None, what="the launch status")
        async with session.get(f"{console.url}/api/v1/state", headers=director) as r:
            state = await r.json()
        assert state["type"] == "snapshot"
        launch_keys = {"launch", "launch/definitions", "launch/poll", "launch/alerts", "launch/recovery"}
        assert launch_keys | {"gcs/console"} <= set(state["values"])
        launch = state["values"]["launch"]
        assert launch["period_s"] == 0.1
        assert launch["v"]["countdown"]["state"] == "counting"
        assert launch["v"]["countdown"]["clock_text"].startswith("T-00:0")
        # Definitions apart (sent when they change): the tick's key names each criterion.
        definitions = state["values"]["launch/definitions"]["v"]
        assert [c["name"] for c in launch["v"]["criteria"]] == [c["name"] for c in definitions["criteria"]]
        assert state["values"]["launch/poll"]["period_s"] is None
        async with session.get(f"{console.url}/api/v1/countdown", headers=director) as r:
            countdown = await r.json()
            assert countdown["countdown"]["state"] == "counting"
            assert countdown["period_s"] == 0.1
        async with session.get(f"{console.url}/api/v1/alerts", headers=director) as r:
            alerts = await r.json()
            assert isinstance(alerts["alerts"], list)
            assert alerts["period_s"] == 0.1  # the launch status's time, as before the split
        async with session.get(f"{console.url}/api/v1/links", headers=director) as r:
            assert await r.json() == {"vehicle": {}, "platforms": {}}
        async with session.get(f"{console.url}/api/v1/commands", headers=director) as r:
            table = {c["name"]: c for c in (await r.json())["commands"]}
        assert table["fts/confirm"]["roles"] == ["range_safety"]
        assert table["fts/confirm"]["hazardous"] is True
        assert table["poll/answer"]["fields"]["go"] == {"kind": "bool", "required": True}
        await wait_until(lambda: console.server.board.last_journal_seq() >= 3, what="journal entries")
        async with session.get(f"{console.url}/api/v1/journal?after=0&limit=2", headers=director) as r:
            entries = (await r.json())["entries"]
        last = console.server.board.last_journal_seq()
        assert [e["seq"] for e in entries] == [last - 1, last]
        assert set(entries[0]) == {"seq", "unix_time_s", "utc", "kind", "source", "who", "payload"}
        async with session.get(f"{console.url}/api/v1/journal?limit=0", headers=director) as r:
            assert r.status == 400


async def test_the_journal_file_has_the_logins_and_commands(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console:
        async with aiohttp.ClientSession() as session:
            director = await login(session, console, "dana")
            await _post(session, console, director, "poll/open")
        session_dir = console.recorder.session_dir
    records = [r for r in RecordedSession.open(session_dir).journal() if r.source == "console"]
    assert [(r.who, r.payload["action"], r.payload["result"]) for r in records] == [
        ("dana", "login", "ok"), ("dana", "command", "ok")]
    assert "password" not in str(records[0].payload)
