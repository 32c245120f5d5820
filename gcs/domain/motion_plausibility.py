"""Plausibility of deck motion samples: a single-sample jump no hull can make is a corrupted value.

Some motion formats carry no checksum (TSS1 above all): a bit flipped in a digit on the serial line
turns a 0.02° pitch into 20.02° and the sentence still parses. Latched into a 10-minute maximum,
such a value would hold a count for ten minutes. ``MotionSpikeGate`` refuses a sample whose change
from the last accepted one needs a rate beyond what the platform can do (a barge does not pitch at
30°/s); a change that persists for ``accept_after`` samples in a row is real (an MRU re-levelled, a
platform that really moved) and becomes the new reference. A jump that is refused is counted by the
caller and named, never silently dropped.

Pure: takes times and values as arguments; knows nothing of sentences or links.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ANGULAR_RATE_DPS = 30.0
"""ASSUMPTION: a ship or barge pitches and rolls well under 30°/s, even in high seas."""
MAX_HEAVE_RATE_MPS = 10.0
"""ASSUMPTION: heave velocity stays under 10 m/s (a 10 m wave at 6 s is about 5 m/s)."""


@dataclass(frozen=True, slots=True)
class Jump:
    """Why a sample was refused: the first axis whose change needs too high a rate."""

    axis: str
    before: float
    after: float
    dt_s: float

    def describe(self) -> str:
        return f"implausible {self.axis} jump {self.before:g} -> {self.after:g} in {self.dt_s:.3f} s"


class MotionSpikeGate:
    """Refuses motion samples that jump faster than the platform can move (see the module docstring)."""

    def __init__(self, *, min_dt_s: float, max_angular_rate_dps: float = MAX_ANGULAR_RATE_DPS,
                 max_heave_rate_mps: float = MAX_HEAVE_RATE_MPS, accept_after: int = 3) -> None:
        """``min_dt_s``: the sensor's interval; samples closer in time (a burst) are judged at it."""
        self._min_dt_s = min_dt_s
        self._limits = {"pitch": max_angular_rate_dps, "roll": max_angular_rate_dps,
                        "heave": max_heave_rate_mps}
        self._accept_after = accept_after
        self._last_t_s: float | None = None
        self._last: dict[str, float] = {}
        """The latest accepted value of each axis (an axis a sentence lacks keeps its last)."""
        self._refused_in_a_row = 0

    def check(self, t_s: float, pitch_deg: float | None, roll_deg: float | None,
              heave_m: float | None) -> Jump | None:
        """None if the sample is plausible (it becomes the reference); else why it is not."""
        values = {k: v for k, v in (("pitch", pitch_deg), ("roll", roll_deg), ("heave", heave_m))
                  if v is not None}
        if self._last_t_s is not None and self._refused_in_a_row + 1 < self._accept_after:
            dt_s = max(t_s - self._last_t_s, self._min_dt_s)
            for axis, value in values.items():
                before = self._last.get(axis)
                if before is not None and abs(value - before) > self._limits[axis] * dt_s:
                    self._refused_in_a_row += 1
                    return Jump(axis, before, value, dt_s)
        self._last_t_s = t_s
        self._last.update(values)
        self._refused_in_a_row = 0
        return None
