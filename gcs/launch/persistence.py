"""How long a limit has been breached: consecutive samples, or seconds since the breach began.

One small state machine per rule and level, shared by the commit criteria, the red lines and the
landing monitor. A sample within limits resets it at once: persistence filters glitches, it never
stretches a breach. Knows nothing of fields, phases or what a confirmed breach leads to.
"""

from __future__ import annotations

from gcs.domain.limits import Persistence


class PersistenceTracker:
    """Confirms a breach once it has lasted ``persistence``."""

    def __init__(self, persistence: Persistence) -> None:
        self.persistence = persistence
        self._count = 0
        self._since_s: float | None = None

    @property
    def breached(self) -> bool:
        """Whether the latest sample breached the limit."""
        return self._since_s is not None

    @property
    def since_s(self) -> float | None:
        """When the present breach began (its first sample), or None."""
        return self._since_s

    def update(self, breached: bool, t_s: float) -> None:
        """Record one sample, taken at ``t_s``."""
        if not breached:
            self.reset()
            return
        self._count += 1
        if self._since_s is None:
            self._since_s = t_s

    def reset(self) -> None:
        self._count = 0
        self._since_s = None

    def confirmed(self, now_s: float) -> bool:
        """Whether the breach has lasted long enough at ``now_s``.

        In seconds, the latest sample stands until the next one: a value that stays out of limits
        and simply is not resent is still out of limits (staleness is judged elsewhere).
        """
        if self._since_s is None:
            return False
        if self.persistence.seconds is not None:
            return now_s - self._since_s >= self.persistence.seconds
        assert self.persistence.samples is not None
        return self._count >= self.persistence.samples
