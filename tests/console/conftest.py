"""Fixtures of the browser tests: a real station with its console, real Chromium, watched pages.

- ``station``: ``tests.support.console_station.console_station`` (firmware-sim vehicle and landing
  barge processes, the ground station, the console on a free loopback port), one per test.
- ``browser``: Debian's Chromium through Playwright's async API, headless, one per test.
- ``pages``: ``tests.console.pages.Pages`` on the station: fresh contexts, and the test fails if a
  page logged a JavaScript error or an HTTP refusal the test did not expect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.console.pages import Pages, watched_pages
from tests.support.console_station import CHROMIUM, CHROMIUM_ARGS, ConsoleStation, console_station


@pytest.fixture
async def station(tmp_path: Path) -> AsyncIterator[ConsoleStation]:
    async with console_station(tmp_path) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def pages(browser: Browser, station: ConsoleStation) -> AsyncIterator[Pages]:
    """Watched pages of ``station``'s console."""
    async with watched_pages(browser, station.base_url) as opened:
        yield opened
