"""``console_station_in_thread``, the form of the console fixture that Playwright's sync API needs: the
station runs in its own thread and loop while the test body stays plain, blocking code."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from gcs.domain.roles import Role
from tests.support.console_station import console_station_in_thread


def test_the_threaded_station_serves_and_its_link_can_be_cut(tmp_path: Path) -> None:
    with console_station_in_thread(tmp_path, with_platform=False) as station:
        user = station.by_role[Role.RANGE_SAFETY]
        credentials = json.dumps({"user": user.name, "password": user.password}).encode()
        request = urllib.request.Request(f"{station.base_url}/api/v1/login", method="POST", data=credentials,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = json.load(response)
        assert body["roles"] == ["range_safety"]
        assert "fts/confirm" in body["commands"]
        station.cut_vehicle_link()
        station.restore_vehicle_link()
