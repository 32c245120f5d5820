"""Watched browser pages of the operator console, for the browser tests.

``Pages`` opens pages on fresh browser contexts (no cookies, no storage) and watches them: every
``pageerror`` and every console message of type error or warning is a problem, except HTTP
refusals the test declared with ``expect_http(status, path)`` (Chromium logs "Failed to load
resource" for a 401/403/409 answer, which is the server doing its job, not a page error).
``watched_pages`` fails on exit if there was a problem. Knows the page only by its ``data-testid``s.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Error, Page, expect

from tests.support.console_station import ConsoleUser

VIEWPORT = {"width": 1920, "height": 1080}
EXPECT_TIMEOUT_MS = 15_000
"""Playwright's expect() waits on the DOM condition up to this long (it returns as soon as it holds)."""

_HTTP_FAILURE = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")

expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@dataclass
class PageWatch:
    """What the pages of one test said in their consoles."""

    errors: list[str] = field(default_factory=list)
    http_failures: list[tuple[int, str]] = field(default_factory=list)
    expected_http: set[tuple[int, str]] = field(default_factory=set)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "warning"):
            return
        match = _HTTP_FAILURE.search(message.text)
        if match is not None:
            url = str(message.location.get("url", ""))
            self.http_failures.append((int(match.group(1)), urlparse(url).path))
            return
        self.errors.append(f"console.{message.type}: {message.text} ({message.location})")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"pageerror: {error}")

    def problems(self) -> list[str]:
        unexpected = [f"HTTP {status} {path} (not expected by the test)"
                      for status, path in self.http_failures if (status, path) not in self.expected_http]
        return self.errors + unexpected


class Pages:
    """Opens watched pages on fresh browser contexts; see the module docstring."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.watch = PageWatch()
        self.contexts: list[BrowserContext] = []

    def expect_http(self, status: int, path: str) -> None:
        """The test provokes this refusal on purpose: Chromium's log line for it is not an error."""
        self.watch.expected_http.add((status, path))

    async def open(self) -> Page:
        """A page of the console on a fresh context (no session), showing the login form."""
        context = await self.browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        self.contexts.append(context)
        page = await context.new_page()
        page.on("console", self.watch.on_console)
        page.on("pageerror", self.watch.on_page_error)
        await page.goto(self.base_url)
        await expect(page.get_by_test_id("login-form")).to_be_visible()
        return page

    async def logged_in(self, user: ConsoleUser) -> Page:
        """A fresh page with ``user`` logged in and the stream's first snapshot drawn."""
        page = await self.open()
        await log_in(page, user)
        return page

    async def close_page(self, page: Page) -> None:
        """Close a page's context early (its console was watched until now)."""
        context = page.context
        if context in self.contexts:
            self.contexts.remove(context)
        await context.close()

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def log_in(page: Page, user: ConsoleUser, password: str | None = None) -> None:
    """Fill the login form and wait for the console, live, showing who is logged in."""
    await page.get_by_test_id("login-user").fill(user.name)
    await page.get_by_test_id("login-password").fill(password or user.password)
    await page.get_by_test_id("login-submit").click()
    # One wait on the whole condition, checked every frame (expect() backs off up to 1 s per retry).
    await page.wait_for_function(
        """(name) => {
            const text = (id) => document.querySelector(`[data-testid=${id}]`)?.textContent;
            return !document.querySelector("[data-testid=console]").hidden
                && text("user-name") === name && text("conn-status") === "LIVE";
        }""",
        arg=user.name, timeout=EXPECT_TIMEOUT_MS,
    )


@contextlib.asynccontextmanager
async def watched_pages(browser: Browser, base_url: str) -> AsyncIterator[Pages]:
    """Pages of the console at ``base_url``; on exit, fails if any logged an error (see ``PageWatch``)."""
    opened = Pages(browser, base_url)
    try:
        yield opened
    finally:
        await opened.close()
    problems = opened.watch.problems()
    assert not problems, "the console page logged:\n" + "\n".join(problems)
