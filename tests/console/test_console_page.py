"""The operator console in a real browser against a real station, vehicle process and landing barge.

Each test logs in through the page, acts through the page (buttons, confirmation dialogs) and
waits on what the page shows (``data-testid`` elements), never on fixed sleeps. Every test also
fails if a page logged a JavaScript error (the ``pages`` fixture).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from gcs.domain.roles import Role
from tests.console.pages import EXPECT_TIMEOUT_MS, Pages, log_in, watched_pages
from tests.integration.console.harness import console_server
from tests.support.console_station import ConsoleStation, ConsoleUser


async def confirm(page: Page, button_testid: str, *, reason: str | None = None) -> None:
    """Click a command button and confirm it in the dialog (a plain confirm, not hold-to-activate)."""
    await page.get_by_test_id(button_testid).click()
    dialog = page.get_by_test_id("confirm-dialog")
    await expect(dialog).to_be_visible()
    if reason is not None:
        await dialog.get_by_test_id("confirm-field-reason").fill(reason)
    await dialog.get_by_test_id("confirm-ok").click()


async def accepted(page: Page) -> None:
    """The last command was accepted by the server (dialog closed, result line green)."""
    await page.wait_for_function(
        """() => !document.querySelector("[data-testid=confirm-dialog]").open
            && document.querySelector("[data-testid=command-result]").dataset.ok === "true" """,
        timeout=EXPECT_TIMEOUT_MS,
    )


async def forged_post(page: Page, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    """A POST sent from the page's own context (its session cookie, its origin), past the page's UI."""
    result = await page.evaluate(
        """async ([path, body]) => {
            const r = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                         body: JSON.stringify(body)});
            return [r.status, await r.json()];
        }""",
        [path, body],
    )
    return int(result[0]), dict(result[1])


async def test_a_wrong_password_is_refused_and_the_right_one_logs_in(
    pages: Pages, station: ConsoleStation,
) -> None:
    director = station.by_role[Role.LAUNCH_DIRECTOR]
    page = await pages.open()
    pages.expect_http(401, "/api/v1/login")

    await page.get_by_test_id("login-user").fill(director.name)
    await page.get_by_test_id("login-password").fill("not the password")
    await page.get_by_test_id("login-submit").click()

    await expect(page.get_by_test_id("login-error")).not_to_be_empty()
    await expect(page.get_by_test_id("console")).to_be_hidden()

    await log_in(page, director)
    await expect(page.get_by_test_id("user-roles")).to_have_text("launch director")
    # The journal panel shows both attempts, with who.
    journal = page.get_by_test_id("journal-entry")
    await expect(journal.filter(has_text=director.name).first).to_be_visible()


async def test_the_launch_director_starts_a_count_that_every_console_watches(
    pages: Pages, station: ConsoleStation,
) -> None:
    director = await pages.logged_in(station.by_role[Role.LAUNCH_DIRECTOR])
    viewer = await pages.logged_in(station.by_role[Role.VIEWER])
    for page in (director, viewer):
        await expect(page.get_by_test_id("countdown-state")).to_have_text("IDLE")
        await expect(page.get_by_test_id("countdown-clock")).to_have_text("T-00:03:00")

    await confirm(director, "cmd-count-start")
    await accepted(director)

    for page in (director, viewer):
        # Counting, until a commit criterion without data (the barge's 10-minute maxima need
        # their ten minutes) holds the count automatically, a few seconds in or, on a busy
        # machine where a value goes stale at once, within the first second: the count moved.
        await expect(page.get_by_test_id("countdown-state")).to_have_text(re.compile(r"^(COUNTING|HOLD\b)"))
        clock = page.get_by_test_id("countdown-clock")
        await expect(clock).not_to_have_attribute("data-t-count-s", "-180.0")
        await expect(clock).to_have_text(re.compile(r"^T-00:0[0-3]:\d\d$"))
    # Telemetry moves too: the landing barge's deck pitch, from the real platform process.
    pitch = viewer.get_by_test_id("deck-pitch-now-value")
    await expect(viewer.get_by_test_id("deck-pitch-now")).to_have_attribute("data-fresh", "live")
    seen = await pitch.text_content()
    await expect(pitch).not_to_have_text(seen or "")
    await expect(viewer.get_by_test_id("journal-entry").filter(has_text="count/start").first).to_be_visible()


async def test_cutting_the_vehicle_link_turns_its_values_stale(pages: Pages, station: ConsoleStation) -> None:
    page = await pages.logged_in(station.by_role[Role.VIEWER])
    altitude = page.get_by_test_id("veh-altitude")
    await expect(altitude).to_have_attribute("data-fresh", "live")
    await expect(page.get_by_test_id("bay-temperature")).to_have_attribute("data-fresh", "live")
    await expect(page.get_by_test_id("deck-pitch-now")).to_have_attribute("data-fresh", "live")

    await station.cut_vehicle_link()

    await expect(altitude).to_have_attribute("data-stale", "true")
    await expect(page.get_by_test_id("veh-altitude-age")).to_have_text(re.compile(r"STALE \d"))
    await expect(page.get_by_test_id("chart-altitude")).to_have_attribute("data-stale", "true")
    await expect(page.get_by_test_id("bay-temperature")).to_have_attribute("data-stale", "true")
    await expect(page.get_by_test_id("bay-smoke")).to_have_text(re.compile(r"^STALE \d"))
    heartbeat = page.get_by_test_id("vehicle-armed")
    await expect(heartbeat).to_have_text(re.compile("HEARTBEAT STALE|NO HEARTBEAT"))
    # Only the vehicle's values: the landing barge's feed goes on and stays live.
    await expect(page.get_by_test_id("deck-pitch-now")).to_have_attribute("data-fresh", "live")

    await station.restore_vehicle_link()
    await expect(altitude).to_have_attribute("data-fresh", "live")


async def test_an_operator_acknowledges_a_latched_alert(pages: Pages, station: ConsoleStation) -> None:
    operator = station.by_role[Role.OPERATOR]
    page = await pages.logged_in(operator)
    # The barge's deck has no 10-minute maxima yet at start: the landing monitor raises alerts.
    waiting = page.locator("[data-testid=alert-row]:not([data-state=acknowledged])")
    await expect(waiting.first).to_be_visible()
    key = await waiting.first.get_attribute("data-key")
    assert key

    row = page.locator(f'[data-testid=alert-row][data-key="{key}"]')
    await row.get_by_test_id("alert-ack").click()
    await expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    await page.get_by_test_id("confirm-ok").click()
    await accepted(page)

    # Acknowledged stays on the board (if the condition holds) with who; a cleared one goes.
    await page.wait_for_function(
        """(key) => {
            const row = document.querySelector(`[data-testid=alert-row][data-key="${CSS.escape(key)}"]`);
            return row === null || row.dataset.state === "acknowledged";
        }""",
        arg=key,
    )
    if await row.count():
        await expect(row).to_contain_text(f"ack'd by {operator.name}")
        await expect(row.get_by_test_id("alert-ack")).to_be_hidden()
    await expect(page.get_by_test_id("journal-entry").filter(has_text="alerts/ack").first).to_be_visible()


async def _answer(pages: Pages, user: ConsoleUser, station_name: str, go: bool) -> None:
    """``user`` logs in on a browser of their own, answers for their station, and leaves."""
    page = await pages.logged_in(user)
    await expect(page.get_by_test_id("poll-state")).to_have_attribute("data-poll-state", "open")
    # A station's console offers the answer buttons of its own station only.
    await expect(page.locator("[data-testid^=poll-go-]:visible")).to_have_count(1)
    if go:
        await confirm(page, f"poll-go-{station_name}")
    else:
        await confirm(page, f"poll-nogo-{station_name}", reason="upper-level winds")
    await accepted(page)
    await pages.close_page(page)


async def test_a_poll_round_answered_by_each_station_from_its_own_console(
    pages: Pages, station: ConsoleStation,
) -> None:
    director = await pages.logged_in(station.by_role[Role.LAUNCH_DIRECTOR])
    await confirm(director, "cmd-poll-open")
    await accepted(director)
    await expect(director.get_by_test_id("poll-state")).to_have_attribute("data-poll-state", "open")

    rows = director.locator("[data-testid^=poll-row-]")
    names = [await rows.nth(i).get_attribute("data-station") for i in range(await rows.count())]
    roles = {"launch_director": Role.LAUNCH_DIRECTOR, "vehicle": Role.VEHICLE, "propulsion": Role.PROPULSION,
             "range": Role.RANGE_SAFETY, "landing_platform": Role.LANDING_PLATFORM, "weather": Role.WEATHER}
    assert sorted(n for n in names if n) == sorted(roles), names

    # Every station answers from its own browser; weather says no go, with a reason.
    answering = [(station.by_role[role], name, name != "weather") for name, role in roles.items()
                 if role is not Role.LAUNCH_DIRECTOR]
    for user, name, go in answering:
        await _answer(pages, user, name, go)
    await confirm(director, "poll-go-launch_director")
    await accepted(director)

    for user, name, go in answering:
        answer = director.get_by_test_id(f"poll-answer-{name}")
        await expect(answer).to_have_attribute("data-answer", "go" if go else "no_go")
        await expect(director.get_by_test_id(f"poll-who-{name}")).to_contain_text(user.name)
    director_answer = director.get_by_test_id("poll-answer-launch_director")
    await expect(director_answer).to_have_attribute("data-answer", "go")
    await expect(director.get_by_test_id("poll-who-weather")).to_contain_text("upper-level winds")
    await expect(director.get_by_test_id("gfl-chip")).to_have_text("NO GO")


async def test_a_command_without_the_role_is_refused_by_the_page_and_by_the_server(
    pages: Pages, station: ConsoleStation,
) -> None:
    viewer = await pages.logged_in(station.by_role[Role.VIEWER])
    start = viewer.get_by_test_id("cmd-count-start")
    await expect(start).to_be_disabled()
    await expect(start).to_have_attribute("title", re.compile("launch director"))
    await expect(viewer.get_by_test_id("cmd-fts-arm")).to_be_disabled()

    # The page's button is a convenience: a request forged from the same page is refused by the server.
    pages.expect_http(403, "/api/v1/commands/count/start")
    status, body = await forged_post(viewer, "/api/v1/commands/count/start", {})
    assert status == 403, body
    assert body.get("ok") is False
    assert "launch_director" in str(body.get("error", "")).replace(" ", "_"), body
    await expect(viewer.get_by_test_id("countdown-state")).to_have_text("IDLE")

    # A refusal the page cannot foresee (an operator may hold, but there is no count to hold) is
    # shown with the server's words.
    operator = await pages.logged_in(station.by_role[Role.OPERATOR])
    pages.expect_http(409, "/api/v1/commands/count/hold")
    await confirm(operator, "cmd-count-hold", reason="test hold")
    error = operator.get_by_test_id("confirm-error")
    await expect(error).to_contain_text("REFUSED (409)")
    await expect(operator.get_by_test_id("command-result")).to_have_attribute("data-ok", "false")
    await expect(operator.get_by_test_id("command-result")).to_contain_text("REFUSED (409)")


async def test_without_the_front_end_packages_the_page_works_and_says_so(
    browser: Browser, tmp_path: Path,
) -> None:
    async with console_server(tmp_path, node_modules=tmp_path / "no-node-modules") as console, \
            watched_pages(browser, console.url) as pages:
        page = await pages.logged_in(console.user("dana"))
        await expect(page.get_by_test_id("vendor-notice")).to_be_visible()
        await expect(page.get_by_test_id("vendor-notice")).to_contain_text("npm ci --prefix gcs/console/web")
        await expect(page.get_by_test_id("map-notice")).to_contain_text("No coastlines")
        await expect(page.get_by_test_id("map-site-landing")).to_be_visible()
        await expect(page.get_by_test_id("countdown-clock")).to_have_text("T-00:03:00")
