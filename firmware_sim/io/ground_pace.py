"""Ground-paced SITL: how far the simulation may run ahead of what the ground station has read. Pure.

In accelerated SITL the simulator owns time and the ground station follows it; on a machine that
cannot carry the asked speed, the station falls behind, its vehicle socket fills with seconds of
telemetry, and its clock, hearing nothing new for a while, takes the vehicle for lost. So the
simulated vehicle asks the ground, with TIMESYNC requests stamped with its own simulated time, how
far it has read: the ground answers a request when it reads it, in order with the telemetry around
it, so an answer to the request stamped ``t`` says the ground has read the vehicle up to ``t``. The
simulation then runs at most ``lead_s`` simulated seconds past the newest such ``t``: as fast as the
ground keeps up, never faster than asked. A ground that answers nothing for ``release_wall_s`` of
wall time (not started yet, restarted, a link blackout) holds nothing back: a flying vehicle does
not wait for its ground station. SITL only: a real flight computer never waits for anyone.

Knows nothing of sockets, MAVLink framing or the runner.
"""

from __future__ import annotations

import math

NS_PER_S = 1_000_000_000


class GroundPace:
    def __init__(self, lead_s: float, *, release_wall_s: float = 2.0) -> None:
        if not (math.isfinite(lead_s) and lead_s > 0):
            raise ValueError(f"lead_s must be > 0, got {lead_s}")
        if not release_wall_s > 0:
            raise ValueError(f"release_wall_s must be > 0, got {release_wall_s}")
        self.lead_s = lead_s
        self.release_wall_s = release_wall_s
        self._pending: dict[int, float] = {}  # ts1 sent -> its simulated time
        self._last_ts1 = -1
        self.ground_read_s: float | None = None
        """The newest simulated time the ground has answered for."""
        self._answered_wall_s: float | None = None

    def request_ts1(self, sim_s: float) -> int:
        """The ``ts1`` of a new TIMESYNC request at simulated time ``sim_s`` (unique, increasing)."""
        ts1 = max(int(sim_s * NS_PER_S), self._last_ts1 + 1)
        self._last_ts1 = ts1
        self._pending[ts1] = sim_s
        if len(self._pending) > 4096:  # a ground that never answers: forget the oldest
            del self._pending[next(iter(self._pending))]
        return ts1

    def answered(self, ts1: int, wall_s: float) -> bool:
        """An answer echoing ``ts1`` came at ``wall_s``; False if it was not one of our requests."""
        sim_s = self._pending.pop(ts1, None)
        if sim_s is None:
            return False
        # Answers come in order; drop the requests the ground skipped (lost on the way).
        for older in [t for t in self._pending if t < ts1]:
            del self._pending[older]
        self.ground_read_s = sim_s if self.ground_read_s is None else max(self.ground_read_s, sim_s)
        self._answered_wall_s = wall_s
        return True

    def limit_s(self, wall_s: float) -> float:
        """The simulated time the simulation may run to at ``wall_s`` (infinite: not held)."""
        if self.ground_read_s is None or self._answered_wall_s is None:
            return math.inf
        if wall_s - self._answered_wall_s > self.release_wall_s:
            return math.inf
        return self.ground_read_s + self.lead_s
