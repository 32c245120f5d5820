"""``gcs sitl``: one command for a whole simulated mission, judged by its scenario.

With no arguments it flies the nominal hop (the ``hop`` scenario: count, flight, landing on the
barge, safing) with the console open, and keeps the console up after the verdict until Ctrl-C
(``make demo``);
``--headless --speed N`` is the same run for CI; ``--scenario NAME|FILE`` picks another scenario
from configs/scenarios; ``--out DIR`` keeps the session folder there. Exit status 0 only if every
expectation of the scenario held; 1 if one did not; 2 for a bad scenario or config.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from gcs.sitl.mission import ConsoleHold, RunOptions, run_scenario
from gcs.sitl.scenario import find_scenario, load_scenario

CONSOLE_SPEED = 10.0
"""Default speed with the console open: a count and a cargo flight in a few minutes, still watchable."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "sitl", help="fly a simulated mission end to end (simulator processes, ground station, console)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # The default is the hop, not the cargo flight: the cargo vehicle's touchdown is not yet within
    # limits (docs/sitl.md), and the main command must show a whole mission that ends well.
    parser.add_argument("--scenario", default="hop", metavar="NAME|FILE",
                        help="a scenario of configs/scenarios (hop, cargo, ...) or a scenario file "
                             "(default hop)")
    parser.add_argument("--headless", action="store_true", help="no console: for CI and scripts")
    parser.add_argument("--speed", type=float, metavar="N",
                        help="simulated seconds per wall second (default: the scenario's when headless, "
                             f"at most {CONSOLE_SPEED:g} with the console)")
    parser.add_argument("--out", default="sessions", metavar="DIR",
                        help="folder for the session (default sessions/)")
    parser.add_argument("--console-port", type=int, default=8080, metavar="PORT",
                        help="console port on 127.0.0.1 (default 8080)")
    parser.add_argument("--mqtt", metavar="URL",
                        help="fan telemetry out to a broker, as gcs run does: mqtt://[USER@]HOST:PORT[/PREFIX]")
    parser.add_argument("--no-linger", dest="linger", action="store_false",
                        help="with the console: end the run at the verdict instead of keeping the "
                             "console open until Ctrl-C")
    parser.add_argument("--fleet-db", type=Path, metavar="FILE",
                        help="fleet database the flight is recorded in (default OUT/fleet.sqlite: runs "
                             "into the same folder fly the same airframe again)")
    parser.add_argument("--status-every", type=float, default=30.0, metavar="S",
                        help="simulated seconds between status lines")
    parser.set_defaults(func=_cli)


def _cli(args: argparse.Namespace) -> int:
    scenario = load_scenario(find_scenario(args.scenario))
    speed = args.speed or (scenario.speed if args.headless else min(scenario.speed, CONSOLE_SPEED))
    options = RunOptions(speed=speed, out_dir=Path(args.out), console=not args.headless,
                         console_port=args.console_port, status_every_s=args.status_every,
                         linger=args.linger, mqtt_url=args.mqtt, fleet_db=args.fleet_db)
    hold = ConsoleHold()

    async def main() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        def interrupted() -> None:
            # A judged run kept open for the console ends normally, with its verdict; before that,
            # cancelling the run stops the station and then every simulator process, in order.
            if hold.open.is_set():
                hold.leave.set()
            elif task is not None:
                task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, interrupted)
        result = await run_scenario(scenario, options, hold=hold)
        for line in result.verdict.lines():
            print(f"  {line}")
        verdict = "PASSED" if result.verdict.passed else "FAILED"
        pace = result.simulated_s / max(result.wall_s, 1e-9)
        print(f"sitl: {scenario.name} {verdict}: {result.simulated_s:.0f} simulated s in "
              f"{result.wall_s:.0f} s ({pace:.1f}x); session {result.session_dir}")
        return 0 if result.verdict.passed else 1

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        print("sitl: stopped; every simulator process was stopped with it", file=sys.stderr)
        return 130
