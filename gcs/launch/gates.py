"""Go/no-go inputs as values: what the poll, go for launch and the commit criteria say right now.

The count reads these, never the cores that make them, so its table tests pass any combination.
Knows nothing of where a gate's verdict comes from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Gate:
    """One go/no-go input: ``reason`` says why not, or what made it go."""

    go: bool
    reason: str


GO = Gate(True, "go")


@dataclass(frozen=True, slots=True)
class Gates:
    """The state of the other launch cores, as the count needs it at one instant."""

    poll: Gate = GO
    go_for_launch: Gate = GO
    criteria: Gate = GO
