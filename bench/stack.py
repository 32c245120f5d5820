"""``python -m bench stack``: real-time factor of the whole SITL stack, and what the tlog kept.

Runs a scenario (default ``cargo``, the intercontinental hop) exactly as ``gcs sitl --headless``
does: the vehicle and both platforms as ``firmware-sim`` processes on real links, the ground station
with its recorder, launch control and (with ``--console``) the console, the scripted launch team.
Prints simulated seconds per wall second for the whole run, the CPU each part used (each simulator
process read from ``/proc`` while it runs; per simulated second, and how much of it in the kernel),
and checks the recording: every frame the vehicle sent carries an 8-bit sequence number per
(system, component), so a gap in the tlog's sequence is a frame lost on the link or by the
recorder; the recorder's own count of dropped records says which. The peer is real time: the
ratio is simulated s per wall s.

    python -m bench stack [--scenario cargo] [--speed 50] [--console]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import resource
import sys
import tempfile
from collections import Counter
from pathlib import Path

from gcs.recorder.session import RecordedSession
from gcs.sitl.mission import RunOptions, RunResult, run_scenario
from gcs.sitl.scenario import find_scenario, load_scenario

REPO = Path(__file__).resolve().parent.parent
VEHICLE_SYSID = 1


class _Quiet:
    """Keeps the run's terminal lines (the verdict is printed at the end)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.lines.extend(line for line in text.splitlines() if line.strip())
        return len(text)

    def flush(self) -> None:
        pass


def sequence_gaps(frames: list[bytes], sysid: int) -> tuple[int, int]:
    """(frames from ``sysid``, frames missing by their sequence numbers) in tlog order."""
    last: dict[int, int] = {}
    seen = missing = 0
    for frame in frames:
        if len(frame) < 7:
            continue
        if frame[0] == 0xFD:
            seq, source, component = frame[4], frame[5], frame[6]
        elif frame[0] == 0xFE:
            seq, source, component = frame[2], frame[3], frame[4]
        else:
            continue
        if source != sysid:
            continue
        seen += 1
        before = last.get(component)
        if before is not None:
            missing += (seq - before - 1) % 256
        last[component] = seq
    return seen, missing


def _process_cpu_s(pid: int) -> tuple[float, float] | None:
    """(user, system) CPU seconds of a process so far, from ``/proc`` (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _process_name(pid: int) -> str:
    """``vehicle`` or ``platform NAME`` (its config's stem) from a simulator's command line."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return f"pid {pid}"
    role = next((a for a in argv if a in ("vehicle", "platform")), Path(argv[0]).name)
    if "--config" in argv[:-1]:
        role += f" {Path(argv[argv.index('--config') + 1]).stem}"
    return role


def _children_cpu_by_name() -> dict[str, tuple[float, float]]:
    """(user, system) CPU seconds of each of our child processes so far, by name."""
    out = {}
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids = [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
        for pid in pids:
            used = _process_cpu_s(pid)
            name = _process_name(pid)
            # An exited child not yet reaped has no command line: its figures were kept under its
            # name at the last sample, and an unnamed copy would count it twice.
            if used is not None and name:
                out[name] = used
    return out


async def _sample_children(cpu_s: dict[str, tuple[float, float]], every_s: float = 0.25) -> None:
    """Keep the latest (user, system) CPU seconds of each child process, by name, until cancelled.

    RUSAGE_CHILDREN only sums them once they are reaped; sampled, the last quarter second of each
    (its shutdown) is missing, which the sum below shows against the total.
    """
    while True:
        cpu_s.update(_children_cpu_by_name())  # a few small /proc reads: no need for a thread
        await asyncio.sleep(every_s)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _own_system_s() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


async def _run(args: argparse.Namespace, out_dir: Path) -> int:
    scenario = load_scenario(find_scenario(args.scenario))
    if args.time_limit_s is not None:
        scenario = dataclasses.replace(scenario, time_limit_s=args.time_limit_s)
    options = RunOptions(speed=args.speed, out_dir=out_dir, console=args.console,
                         console_port=0, status_every_s=1e9, linger=False)
    quiet = _Quiet()
    load_before = os.getloadavg()[0]
    own0, children0, own_system0 = _own_cpu_s(), _children_cpu_s(), _own_system_s()
    per_child_s: dict[str, tuple[float, float]] = {}
    sampler = asyncio.create_task(_sample_children(per_child_s), name="bench stack cpu sampler")
    try:
        result = await run_scenario(scenario, options, out=quiet)  # type: ignore[arg-type]
    finally:
        sampler.cancel()
    own_s, children_s = _own_cpu_s() - own0, _children_cpu_s() - children0
    own_system_s = _own_system_s() - own_system0
    session = RecordedSession.open(result.session_dir)
    frames = [record.frame for record in session.tlog_records()]
    seen, missing = sequence_gaps(frames, VEHICLE_SYSID)
    counts = json.loads((result.session_dir / "session.json").read_text()).get("counts", {})
    tlog = counts.get("flight.tlog", {})
    types = Counter(f[0] for f in frames)
    factor = result.simulated_s / max(result.wall_s, 1e-9)
    print(f"scenario {scenario.name} at --speed {args.speed:g}, console {'on' if args.console else 'off'}, "
          f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"  verdict: {'PASSED' if result.verdict.passed else 'FAILED'}")
    for line in result.verdict.lines():
        print(f"    {line}")
    print(f"  whole stack: {result.simulated_s:,.0f} simulated s in {result.wall_s:,.1f} wall s = "
          f"{factor:,.1f}x real time (asked {args.speed:g}x)")
    print("  by phase (simulated s / wall s = pace): " + "; ".join(
        f"{name} {sim_s:,.0f}/{wall_s:,.1f} = {sim_s / max(wall_s, 1e-9):,.0f}x"
        for name, sim_s, wall_s in _phase_paces(result)))
    print(f"  CPU: ground station {own_s:,.1f} s ({own_s / result.wall_s:.0%} of a core), simulator "
          f"processes {children_s:,.1f} s ({children_s / result.wall_s:.0%})")
    simulated_s = max(result.simulated_s, 1e-9)
    parts = [("ground station", (own_s - own_system_s, own_system_s)), *sorted(per_child_s.items())]
    print("  CPU per simulated second (start-up included; of it in the kernel): " + ", ".join(
        f"{name} {(user + system) / simulated_s:.4f} ({system / max(user + system, 1e-9):.0%})"
        for name, (user, system) in parts)
        + f"; all {(own_s + children_s) / simulated_s:.4f}")
    print(f"  tlog: {len(frames):,} records ({types.get(0xFD, 0):,} MAVLink 2); {seen:,} from the vehicle, "
          f"{missing:,} missing by sequence number ({missing / max(seen + missing, 1):.3%}); recorder "
          f"dropped {tlog.get('records_dropped', '?')}, write errors {tlog.get('write_errors', '?')}")
    return 0 if result.verdict.passed or args.ignore_verdict else 1


def _phase_paces(result: RunResult) -> list[tuple[str, float, float]]:
    """(phase, simulated s, wall s) of each stretch: start-up until the first phase was seen, then
    each phase the vehicle reported until the next (a phase seen twice counts once per stretch)."""
    marks = [("start-up", 0.0, result.start_wall_s)]
    marks += [(m.phase.config_name, m.simulated_s, m.wall_s) for m in result.phase_marks]
    ends = [(sim_s, wall_s) for _, sim_s, wall_s in marks[1:]]
    ends.append((result.simulated_s, result.start_wall_s + result.wall_s))
    return [(name, end_sim - sim_s, end_wall - wall_s)
            for (name, sim_s, wall_s), (end_sim, end_wall) in zip(marks, ends, strict=True)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="cargo", help="scenario name or file (default cargo)")
    parser.add_argument("--speed", type=float, default=50.0, help="simulated s per wall s asked (default 50)")
    parser.add_argument("--console", action="store_true", help="serve the console too (no browser)")
    parser.add_argument("--time-limit-s", type=float, help="override the scenario's time limit")
    parser.add_argument("--ignore-verdict", action="store_true",
                        help="exit 0 even if the scenario's expectations failed (the figures still count)")
    parser.add_argument("--keep", type=Path, help="keep the session folder here")
    args = parser.parse_args(argv)
    os.chdir(REPO)  # scenario files name configs relative to the repository
    if args.keep is not None:
        return asyncio.run(_run(args, args.keep))
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        return asyncio.run(_run(args, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
