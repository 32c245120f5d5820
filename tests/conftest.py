"""Fixtures for the whole suite: leak checks on every test, and ``link_pair`` for every link kind.

- Every test fails if it leaves asyncio tasks pending or file descriptors open (the model is
  serialx's fd-leak fixture). Both checks allow one second for things that are already closing.
- ``link_pair`` runs a test once per link kind (udp, tcp, pty, memory); see
  ``tests/support/link_pairs.py``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests.support.link_pairs import LinkKind, LinkPairFactory
from tests.support.waits import WaitTimeout, wait_until

# CI must be repeatable: the same examples every run (HYPOTHESIS_PROFILE=explore searches anew),
# and no per-example deadline on a shared 2-core machine.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_FD_DIR = Path("/proc/self/fd")
GRACE_S = 1.0
"""How long leftovers get to finish closing (a transport closes its socket on the next loop turn)."""


def _open_fds() -> dict[int, str]:
    """Open fds of this process and what they point at (Linux; empty where /proc is missing)."""
    if not _FD_DIR.is_dir():
        return {}
    fds = {}
    for entry in os.listdir(_FD_DIR):  # listdir's own fd is gone again before we look it up
        try:
            fds[int(entry)] = os.readlink(_FD_DIR / entry)
        except OSError:
            continue
    return fds


def _pending_tasks() -> list[asyncio.Task[object]]:
    current = asyncio.current_task()
    return [task for task in asyncio.all_tasks() if task is not current and not task.done()]


@pytest.fixture(autouse=True)
async def _no_leaked_tasks_or_fds() -> AsyncIterator[None]:
    """Fail a test that leaves asyncio tasks pending or file descriptors open."""
    fds_before = _open_fds()
    yield

    def leaked_fds() -> dict[int, str]:
        return {fd: target for fd, target in _open_fds().items() if fds_before.get(fd) != target}

    if not await _eventually(lambda: not _pending_tasks()):
        names = sorted(f"{task.get_name()} ({task.get_coro()!r})" for task in _pending_tasks())
        pytest.fail(f"test left {len(names)} asyncio task(s) pending: {names}")
    if not await _eventually(lambda: not leaked_fds()):
        pytest.fail(f"test leaked file descriptors: {leaked_fds()}")


async def _eventually(predicate: Callable[[], bool]) -> bool:
    try:
        await wait_until(predicate, timeout_s=GRACE_S)
    except WaitTimeout:
        return False
    return True


@pytest.fixture(params=list(LinkKind), ids=lambda kind: kind.value)
def link_pair(request: pytest.FixtureRequest, tmp_path: Path) -> LinkPairFactory:
    """One link kind per test run; ``async with link_pair.open(faults) as pair:`` in the test body."""
    kind: LinkKind = request.param
    return LinkPairFactory(kind, tmp_path)
