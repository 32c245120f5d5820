"""The console of a real ``run_station`` against the real ``firmware-sim`` vehicle and platform over
UDP loopback: live values on the stream, a command that reaches the vehicle and its answer in the
journal, and every vehicle value turning stale (by the page's rule) when the link is cut."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from gcs.domain.roles import Role
from tests.support.console_station import console_station, login
from tests.support.waits import wait_until, within


class Page:
    """What a page would hold: the latest item per key, the server's clock and the journal."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.values: dict[str, dict[str, Any]] = {}
        self.server_time_s = 0.0
        self.journal: list[dict[str, Any]] = []
        self.hello: dict[str, Any] = {}

    async def run(self) -> None:
        async for msg in self.ws:
            data = orjson.loads(msg.data)
            match data["type"]:
                case "hello":
                    self.hello = data
                case "snapshot" | "update":
                    self.values.update(data["values"])
                    self.server_time_s = data["server_time_s"]
                    self.journal += data.get("journal", [])
                case "tick":
                    self.server_time_s = data["server_time_s"]
                case "journal":
                    self.journal += data["entries"]

    def v(self, key: str) -> dict[str, Any]:
        return self.values.get(key, {}).get("v") or {}

    def stale(self, key: str) -> bool:
        """The page's rule: older than max(3 periods, a period and a second)."""
        item = self.values.get(key)
        if item is None:
            return True
        period = item["period_s"] or 0.0
        return self.server_time_s - item["t"] > max(3 * period, period + 1.0)


async def test_live_values_a_command_to_the_vehicle_and_stale_values_when_the_link_is_cut(
    tmp_path: Path,
) -> None:
    async with console_station(tmp_path) as station, aiohttp.ClientSession() as session:
        director = await login(session, station.base_url, station.by_role[Role.LAUNCH_DIRECTOR])
        ws = await session.ws_connect(f"{station.base_url}/api/v1/stream", headers=director)
        page = Page(ws)
        reader = asyncio.create_task(page.run())
        try:
            await wait_until(lambda: page.v("vehicle/1/heartbeat").get("phase") == "safe", timeout_s=20,
                             what="the vehicle's heartbeat on the page")
            vehicle_keys = ("vehicle/1/state", "vehicle/1/heartbeat")
            await wait_until(lambda: not any(page.stale(k) for k in vehicle_keys),
                             what="fresh vehicle values", show=lambda: page.values.keys())
            await wait_until(lambda: page.v("platform/landing-barge/feed").get("link_up") is True,
                             what="the platform's feed on the page")
            assert page.hello["config"]["sites"]["launch"]["name"] == "launch-platform"
            assert page.v("vehicle/1/link")["up"] is True
            logins = [e for e in page.journal if e["payload"].get("action") == "login"]
            assert [(e["kind"], e["who"], e["payload"]["result"]) for e in logins] == [
                ("operator_action", "dana", "ok")]

            # A hand arm goes to the vehicle; the bare flight computer has no flight plan and says so.
            async with session.post(f"{station.base_url}/api/v1/commands/vehicle/arm", headers=director) as r:
                assert r.status == 200, await r.text()
                assert (await r.json())["actions"][0]["command"] == "arm"
            await wait_until(lambda: any(e["source"] == "launch" and e["payload"].get("command") == "arm"
                                         and "ok" in e["payload"] for e in page.journal), timeout_s=20,
                             what="the vehicle's answer to the arm in the journal",
                             show=lambda: [e["payload"] for e in page.journal[-5:]])

            await station.cut_vehicle_link()
            for key in ("vehicle/1/heartbeat", "vehicle/1/state"):
                await wait_until(lambda key=key: page.stale(key), timeout_s=15, what=f"{key} to go stale")
            await wait_until(lambda: page.v("vehicle/1/link").get("up") is False, timeout_s=15,
                             what="the link reported lost")
            assert not page.stale("vehicle/1/link")  # the link's own health is still reported, and says so
            assert not page.stale("platform/landing-barge/state")

            await station.restore_vehicle_link()
            await wait_until(lambda: not page.stale("vehicle/1/heartbeat") and page.v("vehicle/1/link")["up"],
                             timeout_s=15, what="the vehicle back")
        finally:
            await ws.close()
            await within(reader, timeout_s=5, what="the page's reader to end")
