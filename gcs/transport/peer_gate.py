"""Who may hold a ``tcpin`` listener's one peer slot, and what each change is called. Pure.

A listener serves one peer. A newer connection must be able to replace a *dead* one: a vehicle
that reconnects after a cable pull leaves a half-open connection behind that TCP notices only
minutes later. It must not take the link from a *live* peer: any host that can reach the port
would otherwise cut the vehicle off by connecting. So a newcomer waits (unread, as in the listen
backlog pymavlink's ``tcpin`` leaves it in) and then:

* takes the slot as soon as it is free: no holder, or the holder closed its side (CONNECTED, or
  REPLACED if the holder's connection was still open);
* replaces the holder once the holder has been silent for ``silence_s`` (REPLACED);
* is turned away, its connection closed, if the holder stayed live for the ``silence_s`` it
  waited (REFUSED). One newcomer waits at a time: a newer one refuses the one waiting before it.

Waiting rather than refusing at once lets a peer that reconnects before its old connection's FIN
has arrived (a restarted router or proxy) in without a refusal. "Silent" means no bytes from the
holder, until the layer above vouches for a peer for the first time (a MAVLink frame with a valid
signature came from it): from then on only vouched-for traffic counts, so on a signed link a
stranger without the key can neither take the slot from the vehicle nor keep one it took while
the vehicle was away (the vehicle's reconnection replaces it). A newcomer counts as heard when it
takes the slot, so it has ``silence_s`` to speak (or be vouched for) before it can be replaced.

Refusals are counted one by one but reported at most once per ``report_interval_s`` (each report
says how many went unreported before it): a flood of connections must not flood the journal.
Time is an argument. Knows nothing of sockets, clocks or what the bytes mean.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

PEER_SILENCE_FOR_TAKEOVER_S = 3.0
"""A holder silent this long may be replaced. Shorter than the 5 s (5 x 1 Hz heartbeats) after which
the vehicle link is lost by default, so a vehicle reconnecting after a cable pull is back before
the operator loses it for long; longer than any gap in the traffic of a live vehicle (heartbeats at
1 Hz at least, telemetry faster)."""

REFUSAL_REPORT_INTERVAL_S = 60.0
"""At most one refusal is reported per this interval; the others are counted."""


class PeerEventKind(enum.Enum):
    """What happened at the listener; the values are the journal's ``event`` strings."""

    CONNECTED = "peer_connected"
    """A peer took the free slot."""
    REPLACED = "peer_replaced"
    """A newer peer took the slot from a silent or closed holder."""
    REFUSED = "peer_refused"
    """A newer peer was turned away: the holder is live."""
    LEFT = "peer_left"
    """The holder closed its connection or it failed."""


class Admission(enum.Enum):
    """The gate's answer for a waiting newcomer."""

    TAKE = "take"
    REPLACE = "replace"
    WAIT = "wait"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class PeerCounts:
    """Peers that took a free slot, replaced a holder, and were refused, since the gate was made."""

    peers_connected: int = 0
    peers_replaced: int = 0
    peers_refused: int = 0


class PeerGate:
    """The slot rule of the module docstring for one listener.

    Args:
        silence_s: how long a holder must have been silent before a newcomer replaces it, and
            how long a newcomer waits for the slot before it is refused.
        report_interval_s: the least time between two reported refusals.

    Raises:
        ValueError: a negative or non-finite interval.
    """

    def __init__(
        self,
        silence_s: float = PEER_SILENCE_FOR_TAKEOVER_S,
        report_interval_s: float = REFUSAL_REPORT_INTERVAL_S,
    ) -> None:
        if not (silence_s >= 0 and report_interval_s >= 0 and math.isfinite(silence_s + report_interval_s)):
            raise ValueError(f"need finite intervals >= 0, got {silence_s!r}, {report_interval_s!r}")
        self.silence_s = silence_s
        self.report_interval_s = report_interval_s
        self.vouching = False
        """Some peer has been vouched for: only vouched-for traffic keeps a holder live from now on."""
        self._heard_s: float | None = None  # when the holder last counted as live; None: no holder
        self._reported_s: float | None = None  # when a refusal was last reported
        self._unreported = 0
        self._counts = {"peers_connected": 0, "peers_replaced": 0, "peers_refused": 0}

    @property
    def counts(self) -> PeerCounts:
        return PeerCounts(**self._counts)

    def silent_s(self, now_s: float) -> float | None:
        """How long the holder has been silent (``None``: no holder)."""
        return None if self._heard_s is None else max(0.0, now_s - self._heard_s)

    def admit(self, now_s: float, *, waiting_since_s: float, holder_closed: bool = False) -> Admission:
        """The answer at ``now_s`` for a newcomer waiting since ``waiting_since_s``.

        TAKE and REPLACE give it the slot (and count it); REFUSE must be followed by
        :meth:`refuse`; after WAIT, ask again at :meth:`next_check_s` or when the holder leaves.
        """
        silent_s = self.silent_s(now_s)
        if silent_s is None:
            answer = Admission.TAKE
        elif holder_closed or silent_s >= self.silence_s:
            answer = Admission.REPLACE
        elif now_s - waiting_since_s >= self.silence_s:
            return Admission.REFUSE
        else:
            return Admission.WAIT
        self._counts["peers_connected" if answer is Admission.TAKE else "peers_replaced"] += 1
        self._heard_s = now_s  # the newcomer's grace: silence_s to speak before it can be replaced
        return answer

    def next_check_s(self, waiting_since_s: float) -> float:
        """When a newcomer waiting since ``waiting_since_s`` is next due an answer (if nothing is heard)."""
        # The earlier of: the holder silent for silence_s, the newcomer waiting for silence_s.
        heard_s = waiting_since_s if self._heard_s is None else min(self._heard_s, waiting_since_s)
        return heard_s + self.silence_s

    def refuse(self, now_s: float) -> int | None:
        """Count a refused newcomer: ``None`` if it goes unreported, else how many went unreported first."""
        self._counts["peers_refused"] += 1
        if self._reported_s is not None and now_s - self._reported_s < self.report_interval_s:
            self._unreported += 1
            return None
        unreported, self._unreported = self._unreported, 0
        self._reported_s = now_s
        return unreported

    def heard(self, now_s: float) -> None:
        """The holder sent bytes at ``now_s`` (keeps it live only until some peer has been vouched for)."""
        if not self.vouching and self._heard_s is not None:
            self._heard_s = max(self._heard_s, now_s)

    def vouched(self, now_s: float) -> None:
        """The layer above vouches for the holder's traffic at ``now_s`` (a verified signature)."""
        self.vouching = True
        if self._heard_s is not None:
            self._heard_s = max(self._heard_s, now_s)

    def left(self) -> None:
        """The holder is gone: the slot is free."""
        self._heard_s = None
