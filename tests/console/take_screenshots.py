"""Screenshots of the operator console during a simulated cargo mission, for docs/console.md.

    .venv/bin/python -m tests.console.take_screenshots [--speed 4] [--out docs/img]

Flies the ``cargo`` scenario of configs/scenarios with ``gcs sitl``'s engine (simulator processes,
the ground station, its console; the scripted launch team runs the count) and opens the console in
Debian's Chromium at 1920x1080, logged in as the launch director. It saves, each when the page
shows it:

- ``console-count.png``: the count past T-01:00 (poll answered, go for launch given);
- ``console-flight.png``: the vehicle coasting, its track and impact point on the map;
- ``console-landed.png``: the vehicle down on the landing barge, recovery under way.

Users and passwords are made up for the run in a temporary folder (as in the browser tests), and
the session is recorded there too; nothing in the repository changes except the PNG files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from gcs.sitl.mission import RunOptions, RunResult, run_scenario
from gcs.sitl.scenario import find_scenario, load_scenario
from tests.console.pages import VIEWPORT, log_in
from tests.support.console_station import CHROMIUM, CHROMIUM_ARGS, REPO, USERS, write_users_file

DIRECTOR = USERS["dana"]


def _free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _station_config(folder: Path) -> Path:
    """configs/gcs.toml with the console's user file in ``folder`` (made up for this run)."""
    users = write_users_file(folder / "console-users.json")
    text = (REPO / "configs" / "gcs.toml").read_text()
    text = text.replace("[console]\n", f'[console]\nusers_file = "{users}"\n', 1)
    config = folder / "gcs.toml"
    config.write_text(text)
    return config


class _Output:
    """The run's terminal lines, echoed and kept (the console's URL is printed there)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        self._partial += text
        *done, self._partial = self._partial.split("\n")
        self.lines.extend(done)
        return len(text)

    def flush(self) -> None:
        sys.stdout.flush()

    def console_url(self) -> str | None:
        for line in self.lines:
            if "console on http" in line:
                return line.split("console on ", 1)[1].strip().rstrip("/")
        return None


@contextlib.contextmanager
def _working_in_repo() -> Iterator[None]:
    # The scenario's and the station's config files name their files relative to the repository.
    import os

    before = Path.cwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(before)


async def _shoot(page: Page, run: asyncio.Task[RunResult], condition: str, path: Path, what: str,
                 timeout_s: float) -> None:
    print(f"screenshots: waiting for {what}", flush=True)
    # A function, not an expression: the console's CSP allows no eval.
    waiting = asyncio.ensure_future(
        page.wait_for_function(f"() => ({condition})", timeout=timeout_s * 1000, polling=250))
    await asyncio.wait([waiting, run], return_when=asyncio.FIRST_COMPLETED)
    failed = path.with_name(f"{path.stem}-timed-out.png")
    if not waiting.done():
        # The mission ended (or failed) before the page showed what we wait for.
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
            await waiting
        await page.screenshot(path=str(failed))
        raise SystemExit(f"screenshots: the run ended before {what}; the page as it was: {failed}")
    try:
        waiting.result()
    except PlaywrightTimeout:
        await page.screenshot(path=str(failed))
        raise SystemExit(f"screenshots: gave up waiting for {what}; the page as it was: {failed}") from None
    # One more render of the page (it draws at most five times a second) before the picture.
    await page.wait_for_timeout(400)
    await page.screenshot(path=str(path))
    print(f"screenshots: {path}", flush=True)


_T_COUNT = "Number(document.querySelector('[data-testid=countdown-clock]').dataset.tCountS)"
_PHASE = "document.querySelector('[data-testid=phase-chip]').dataset.phase"


async def main(speed: float, out_dir: Path, scenario_name: str = "cargo") -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="console-shots-") as tmp, _working_in_repo():
        folder = Path(tmp)
        scenario = load_scenario(find_scenario(scenario_name))
        # The run must not end when the vehicle comes to rest (the station would go with it, and
        # the page would show the landing stale): an end phase a nominal flight never reaches.
        scenario = dataclasses.replace(
            scenario,
            station=dataclasses.replace(scenario.station, config=str(_station_config(folder))),
            expect=dataclasses.replace(scenario.expect, end_phase=("flight_termination",)))
        options = RunOptions(speed=speed, out_dir=folder / "sessions", console=True,
                             console_port=_free_tcp_port(), status_every_s=120.0)
        output = _Output()
        run = asyncio.create_task(run_scenario(scenario, options, out=output),  # type: ignore[arg-type]
                                  name=f"sitl {scenario.name} run")
        try:
            deadline = time.monotonic() + 60
            while (url := output.console_url()) is None:
                if run.done() or time.monotonic() > deadline:
                    print("screenshots: the station did not start its console", file=sys.stderr)
                    return 1
                await asyncio.sleep(0.2)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
                await page.goto(url)
                await log_in(page, DIRECTOR)
                minutes = 3600.0 / speed + 60
                await _shoot(page, run, f"{_T_COUNT} > -55 && {_T_COUNT} < 0",
                             out_dir / "console-count.png", "the count past T-00:00:55", minutes)
                # The cargo flight coasts for half an hour; a short hop is shown in its ascent.
                phase, after_s = ("COAST", 900) if scenario.name == "cargo" else ("ASCENT", 20)
                await _shoot(page, run, f"{_PHASE} === '{phase}' && {_T_COUNT} > {after_s}",
                             out_dir / "console-flight.png", f"{phase.lower()} well under way", minutes)
                # Down, and the recovery checklist under way (its first steps are automatic).
                down = (f"['TOUCHDOWN', 'SAFING', 'SAFE'].includes({_PHASE}) && {_T_COUNT} > 0"
                        " && document.querySelectorAll('[data-testid=recovery-row]').length > 0")
                await _shoot(page, run, down,
                             out_dir / "console-landed.png", "touchdown on the barge", minutes)
                await browser.close()
            # The mission's verdict is the SITL suite's business (gcs sitl); the pictures are taken.
            return 0
        finally:
            if not run.done():
                run.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await run


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", type=float, default=4.0,
                        help="simulated seconds per wall second (default 4; lower it on a busy machine)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img", help="folder for the PNG files")
    parser.add_argument("--scenario", default="cargo", help="scenario of configs/scenarios (default cargo)")
    args = parser.parse_args()
    return asyncio.run(main(args.speed, args.out.resolve(), args.scenario))


if __name__ == "__main__":
    sys.exit(cli())
