"""Sessions expire; the login limiter locks a name and an address, as tables with injected time."""

from __future__ import annotations

import pytest

from gcs.console.sessions import LoginLimiter, SessionStore


def test_a_session_lasts_its_ttl_from_login_and_ends_on_logout() -> None:
    store = SessionStore(ttl_s=100.0)
    session = store.create("dana", now_s=10.0)
    assert len(session.token) >= 40  # 32 random bytes, URL-safe
    assert store.get(session.token, 109.9) == session
    assert store.get(session.token, 110.0) is None  # expired, and forgotten
    assert len(store) == 0
    other = store.create("dana", 200.0)
    assert other.token != session.token
    assert store.end(other.token) == other
    assert store.get(other.token, 201.0) is None


def test_ending_a_users_sessions_and_the_cap_on_sessions() -> None:
    store = SessionStore(ttl_s=100.0, max_sessions=3)
    tokens = [store.create(name, 0.0).token for name in ("a", "b", "a")]
    assert store.end_user("a") == 2
    assert store.get(tokens[1], 1.0) is not None
    for name in ("c", "d", "e"):
        store.create(name, 1.0)
    assert len(store) == 3
    assert store.get(tokens[1], 1.0) is None  # the oldest went first


# (event, user, address, now_s, expected lockout key or None)
LIMITER_TABLE = [
    ("fail", "dana", "10.0.0.1", 0.0, None),
    ("fail", "dana", "10.0.0.1", 1.0, None),
    ("check", "dana", "10.0.0.1", 1.5, None),
    ("fail", "dana", "10.0.0.2", 2.0, None),  # third failure of the name: locked until 32
    ("check", "dana", "10.0.0.9", 3.0, "user:dana"),
    ("check", "vic", "10.0.0.1", 3.0, None),  # the address has two failures only
    ("check", "dana", "10.0.0.9", 31.9, "user:dana"),
    ("check", "dana", "10.0.0.9", 32.0, None),  # lockout over
    ("fail", "x", "10.0.0.5", 40.0, None),
    ("fail", "y", "10.0.0.5", 41.0, None),
    ("fail", "z", "10.0.0.5", 42.0, None),  # a spray of names from one address locks the address
    ("check", "w", "10.0.0.5", 43.0, "address:10.0.0.5"),
    ("check", "w", "10.0.0.6", 43.0, None),
]


def test_the_limiter_locks_names_and_addresses() -> None:
    limiter = LoginLimiter(max_failures=3, window_s=60.0, lockout_s=30.0)
    for event, user, address, now_s, expected in LIMITER_TABLE:
        if event == "fail":
            limiter.failed(user, address, now_s)
            continue
        lockout = limiter.check(user, address, now_s)
        assert (lockout.key if lockout else None) == expected, (event, user, address, now_s)


def test_failures_outside_the_window_do_not_add_up_and_a_success_clears() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=10.0, lockout_s=30.0)
    limiter.failed("dana", "a", 0.0)
    limiter.failed("dana", "b", 10.0)  # the first fell out of the window
    assert limiter.check("dana", "c", 11.0) is None
    limiter.succeeded("dana", "b")
    limiter.failed("dana", "d", 12.0)
    assert limiter.check("dana", "e", 13.0) is None


def test_only_the_first_refusal_of_a_lockout_is_marked_first() -> None:
    limiter = LoginLimiter(max_failures=1, window_s=10.0, lockout_s=30.0)
    limiter.failed("dana", "a", 0.0)
    first = limiter.check("dana", "a", 1.0)
    again = limiter.check("dana", "a", 2.0)
    assert first is not None
    assert again is not None
    assert first.first_refusal
    assert not again.first_refusal
    assert first.retry_after_s == pytest.approx(29.0)


def test_memory_stays_bounded_under_a_spray_of_names() -> None:
    limiter = LoginLimiter(max_failures=5, window_s=1.0, lockout_s=1.0, max_keys=100)
    for i in range(1000):
        limiter.failed(f"user{i}", f"10.0.{i // 250}.{i % 250}", float(i))
    assert len(limiter._keys) <= 100
