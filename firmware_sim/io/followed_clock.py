"""A simulated clock that runs at ``speed`` x wall time but never ahead of a leader. Pure.

A platform's sensor box in accelerated SITL keeps its own time (wall time since start x speed).
When the vehicle is paced by a ground station that cannot keep up (``io.ground_pace``), the boxes
must slow down with it, or the station would get their sentences faster than its own time runs:
three times too many per simulated second, deck rates three times too large. So ``gcs sitl`` tells
each box the station's time as it goes (``follow``), and the box's clock runs at most ``lead_s``
past where the leader is, counted from when it was first heard (both clocks run at the same
speed; only their origins differ). Held, it stands; released, it goes on at ``speed`` from where it
stood, never racing to make up the wait. A leader silent for ``release_wall_s`` holds nothing.
"Where it stood" is where it was last read: read it when a word comes (and before the silence
ends) to have it stand until then.

Knows nothing of where the leader's time comes from, or of what the time is used for.
"""

from __future__ import annotations

import math


class FollowedClock:
    def __init__(self, speed: float, start_wall_s: float, *, lead_s: float = math.inf,
                 release_wall_s: float = 2.0) -> None:
        if not (speed > 0 and math.isfinite(speed)):
            raise ValueError(f"speed must be a finite number > 0, got {speed}")
        if not lead_s > 0:
            raise ValueError(f"lead_s must be > 0, got {lead_s}")
        self.speed = speed
        self.lead_s = lead_s
        self.release_wall_s = release_wall_s
        self._anchor_sim_s = 0.0
        self._anchor_wall_s = start_wall_s
        self._offset_s: float | None = None  # our time minus the leader's, when first heard
        self._leader_s = -math.inf
        self._heard_wall_s = -math.inf
        self._last_s = 0.0
        self.held_wall_s = 0.0
        """Wall seconds spent held (a measure of how far the leader lags the asked speed)."""
        self._held_since_wall_s: float | None = None

    def now_s(self, wall_s: float) -> float:
        free = self._anchor_sim_s + (wall_s - self._anchor_wall_s) * self.speed
        cap = self._cap(wall_s)
        if free > cap:
            # Held: stand at the cap, and count from there once released (no catch-up burst).
            self._anchor_sim_s, self._anchor_wall_s = max(cap, self._last_s), wall_s
            if self._held_since_wall_s is None:
                self._held_since_wall_s = wall_s
            free = self._anchor_sim_s
        elif self._held_since_wall_s is not None:
            self.held_wall_s += wall_s - self._held_since_wall_s
            self._held_since_wall_s = None
        self._last_s = max(self._last_s, free)
        return self._last_s

    @property
    def held(self) -> bool:
        """Whether it stood at the cap when last read: it moves on when the leader does (or falls silent)."""
        return self._held_since_wall_s is not None

    @property
    def released_at_wall_s(self) -> float:
        """When a leader silent from now on stops holding it (wall s; -inf before it is first heard)."""
        return self._heard_wall_s + self.release_wall_s

    def follow(self, leader_s: float, wall_s: float) -> None:
        """The leader's time is ``leader_s`` at ``wall_s``."""
        if not math.isfinite(leader_s):
            return
        if self._offset_s is None:
            self._offset_s = self.now_s(wall_s) - leader_s
        self._leader_s = max(self._leader_s, leader_s)
        self._heard_wall_s = wall_s

    def _cap(self, wall_s: float) -> float:
        if self._offset_s is None or wall_s - self._heard_wall_s > self.release_wall_s:
            return math.inf
        return self._leader_s + self._offset_s + self.lead_s
