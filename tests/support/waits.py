"""Waiting on conditions in tests, with a time limit and a failure that says what was awaited.

Tests never sleep a fixed time to "let things settle": they wait for the condition they need, and
if it does not come the failure names the predicate (and the last value seen, when asked for).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

POLL_S = 0.002
"""How often a predicate is evaluated; small, since a wait ends as soon as it holds."""


class WaitTimeout(AssertionError):
    """A condition did not come true in time. An AssertionError, so pytest shows it as a failure."""


async def wait_until(
    predicate: Callable[[], object],
    *,
    timeout_s: float = 5.0,
    what: str | None = None,
    show: Callable[[], object] | None = None,
) -> None:
    """Return as soon as ``predicate()`` is truthy; fail after ``timeout_s`` seconds of wall time.

    Args:
        predicate: evaluated every ``POLL_S`` (and once more at the deadline).
        timeout_s: the time limit.
        what: how to name the condition in the failure; by default the predicate's source text.
        show: called at the deadline to add the state that matters to the failure message.

    Raises:
        WaitTimeout: the predicate stayed false for ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() >= deadline:
            if predicate():
                return
            message = f"timed out after {timeout_s} s waiting for: {what or describe(predicate)}"
            if show is not None:
                message += f"; last seen: {show()!r}"
            raise WaitTimeout(message)
        await asyncio.sleep(POLL_S)


async def within(awaitable: Awaitable[T], *, timeout_s: float = 5.0, what: str) -> T:
    """Await ``awaitable``, failing with a message naming ``what`` if it takes over ``timeout_s``.

    Raises:
        WaitTimeout: it did not finish in time (it is cancelled).
    """
    try:
        async with asyncio.timeout(timeout_s):
            return await awaitable
    except TimeoutError:
        raise WaitTimeout(f"timed out after {timeout_s} s waiting for: {what}") from None


def describe(predicate: Callable[..., object]) -> str:
    """The source text of a lambda, or the name of a function, for failure messages."""
    name = getattr(predicate, "__qualname__", repr(predicate))
    if not name.endswith("<lambda>"):
        return name
    try:
        source = inspect.getsource(predicate).strip()
    except (OSError, TypeError):
        return name
    start = source.find("lambda")
    return source[start:].rstrip(",)") if start >= 0 else source
