"""Console sessions (random token -> user name, with an expiry) and the login brute-force limiter.

A session token is 32 random bytes (``secrets.token_urlsafe``), sent back as the ``seaport_session``
cookie and accepted as a ``Bearer`` token; it lasts ``ttl_s`` from login, whatever is done with it
(a console left logged in does not stay logged in forever). The store keeps the user's name only:
the server looks the roles up in the user file on every request, so a removed user is out at once.

``LoginLimiter`` counts failed logins per user name and per remote address: ``max_failures``
within ``window_s`` lock that name or address for ``lockout_s``. A success clears the name's and
the address's failures. Pure: time is the ``now_s`` argument, on a monotonic clock.

Knows nothing of HTTP, cookies, passwords or the user file.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass, field

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user: str
    created_s: float
    expires_s: float


class SessionStore:
    """Live sessions by token. ``now_s`` is monotonic time, passed in by the caller."""

    def __init__(self, ttl_s: float, *, max_sessions: int = 10_000) -> None:
        if not ttl_s > 0:
            raise ValueError(f"ttl_s must be > 0, got {ttl_s}")
        self.ttl_s = ttl_s
        self.max_sessions = max_sessions
        self._sessions: dict[str, Session] = {}

    def create(self, user: str, now_s: float) -> Session:
        """A new session for ``user``; the oldest session goes if there are ``max_sessions`` already."""
        self._expire(now_s)
        while len(self._sessions) >= self.max_sessions:
            del self._sessions[next(iter(self._sessions))]
        session = Session(secrets.token_urlsafe(TOKEN_BYTES), user, now_s, now_s + self.ttl_s)
        self._sessions[session.token] = session
        return session

    def get(self, token: str, now_s: float) -> Session | None:
        """The live session of ``token``, or None (unknown or expired: an expired one is removed)."""
        session = self._sessions.get(token)
        if session is None:
            return None
        if now_s >= session.expires_s:
            del self._sessions[token]
            return None
        return session

    def end(self, token: str) -> Session | None:
        return self._sessions.pop(token, None)

    def end_user(self, user: str) -> int:
        """End every session of ``user``; returns how many there were."""
        tokens = [t for t, s in self._sessions.items() if s.user == user]
        for token in tokens:
            del self._sessions[token]
        return len(tokens)

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self, now_s: float) -> None:
        for token in [t for t, s in self._sessions.items() if now_s >= s.expires_s]:
            del self._sessions[token]


@dataclass(slots=True)
class _Failures:
    times_s: deque[float] = field(default_factory=deque)
    locked_until_s: float = float("-inf")
    lock_reported: bool = False


@dataclass(frozen=True, slots=True)
class Lockout:
    """A login that may not be tried now: which key is locked and for how long yet."""

    key: str
    retry_after_s: float
    first_refusal: bool
    """True for the first refusal of this lockout (the server journals that one, counts the rest)."""


class LoginLimiter:
    """Failed logins per user name and per address; see the module docstring."""

    def __init__(
        self, max_failures: int, window_s: float, lockout_s: float, *, max_keys: int = 100_000
    ) -> None:
        if max_failures < 1 or not window_s > 0 or not lockout_s > 0:
            raise ValueError("max_failures must be >= 1 and window_s, lockout_s > 0")
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.max_keys = max_keys
        self._keys: dict[str, _Failures] = {}

    @staticmethod
    def keys(user: str, address: str) -> tuple[str, str]:
        return (f"user:{user}", f"address:{address}")

    def check(self, user: str, address: str, now_s: float) -> Lockout | None:
        """A ``Lockout`` if the name or the address is locked at ``now_s``, else None."""
        for key in self.keys(user, address):
            entry = self._keys.get(key)
            if entry is not None and now_s < entry.locked_until_s:
                first = not entry.lock_reported
                entry.lock_reported = True
                return Lockout(key, entry.locked_until_s - now_s, first)
        return None

    def failed(self, user: str, address: str, now_s: float) -> None:
        """Count a failed login; locks a key that reaches ``max_failures`` within ``window_s``."""
        for key in self.keys(user, address):
            entry = self._keys.get(key)
            if entry is None:
                if len(self._keys) >= self.max_keys:
                    self._forget(now_s)
                entry = self._keys[key] = _Failures()
            times = entry.times_s
            times.append(now_s)
            while times and times[0] <= now_s - self.window_s:
                times.popleft()
            if len(times) >= self.max_failures:
                entry.locked_until_s = now_s + self.lockout_s
                entry.lock_reported = False
                times.clear()

    def succeeded(self, user: str, address: str) -> None:
        for key in self.keys(user, address):
            self._keys.pop(key, None)

    def _forget(self, now_s: float) -> None:
        # Keep memory bounded under a spray of names: drop keys that are neither locked nor recent.
        stale = [k for k, e in self._keys.items()
                 if now_s >= e.locked_until_s and (not e.times_s or e.times_s[-1] <= now_s - self.window_s)]
        for key in stale:
            del self._keys[key]
        while len(self._keys) >= self.max_keys:
            del self._keys[next(iter(self._keys))]


class RefusalLog:
    """Counts refused requests by reason and says which to journal, so a flood cannot flood the journal.

    The first refusal of each (reason, request, address) within ``window_s`` is to be journaled;
    the rest are only counted. Pure: time is the ``now_s`` argument, on a monotonic clock.
    """

    def __init__(self, window_s: float = 60.0, *, max_keys: int = 10_000) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.window_s = window_s
        self.max_keys = max_keys
        self.counts: dict[str, int] = {}
        self._journaled_s: dict[tuple[str, str, str], float] = {}

    def refused(self, reason: str, request: str, address: str, now_s: float) -> bool:
        """Count one refusal; True if it is the first of its kind in the window (journal it)."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        key = (reason, request, address)
        last_s = self._journaled_s.get(key)
        if last_s is not None and now_s - last_s < self.window_s:
            return False
        if last_s is None and len(self._journaled_s) >= self.max_keys:
            # Bounded under a spray of addresses or paths: forget the oldest.
            del self._journaled_s[next(iter(self._journaled_s))]
        self._journaled_s.pop(key, None)
        self._journaled_s[key] = now_s
        return True
