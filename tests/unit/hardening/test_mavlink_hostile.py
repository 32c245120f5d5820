"""The MAVLink codec under hostile bytes: it never raises, and every byte fed is accounted for.

Two ledgers are checked, one per kind of link:

* An open (unsigned) link fed valid frames, garbage and random corruption: after ``flush`` every
  byte fed is either in an accepted frame (per-remote ``bytes_received``) or in ``bytes_skipped``,
  and the frames delivered are exactly the frames counted.
* A signed link fed the key holder's frames mixed with every signing attack (unsigned, MAVLink 1,
  another key, the far-future lock-out forgery, replays) and garbage: exactly the key holder's
  frames come out, in order, and each attack lands in its own counter.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig
from tests.unit.protocol.mavlink_samples import ALL_CLASSES, MAVLINK1_CLASSES, random_message

T0 = 1_800_000_000.0
KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
# Each property runs well under 10 s on the shared CI machine (see docs/reliability.md for figures).
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _unsigned_pool() -> list[bytes]:
    rng = random.Random(5)
    v2 = MavlinkCodec(1, 1)
    v1 = seaport.MAVLink(None, 3, 1)
    frames = [v2.encode(random_message(rng.choice(ALL_CLASSES), rng)) for _ in range(60)]
    frames += [random_message(rng.choice(MAVLINK1_CLASSES), rng).pack(v1, force_mavlink1=True)
               for _ in range(10)]
    return frames


UNSIGNED_POOL = _unsigned_pool()
# Garbage rich in magic bytes and plausible header bytes (lengths, ids, flags).
garbage_st = st.binary(max_size=48) | st.lists(
    st.sampled_from([0xFD, 0xFE, 0x00, 0x01, 0xFF, 0x1E, 0x21, 0x4C, 0x09]), max_size=48
).map(bytes)


def _feed_all(codec: MavlinkCodec, data: bytes, cuts: list[int]) -> list[Any]:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    out: list[Any] = []
    for start, stop in itertools.pairwise(bounds):
        out += codec.feed(data[start:stop])
    return out + codec.flush()


@HOSTILE
@given(
    pieces=st.lists(st.sampled_from(UNSIGNED_POOL) | garbage_st, max_size=20),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=12),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_open_link_accounts_for_every_byte(pieces: list[bytes], edits: list[tuple[int, int]],
                                           cuts: list[int]) -> None:
    stream = bytearray(b"".join(pieces))
    for position, value in edits if stream else []:
        stream[position % len(stream)] = value
    codec = MavlinkCodec(255, 190)
    messages = _feed_all(codec, bytes(stream), cuts)
    counters = codec.counters()
    remotes = codec.stats().values()
    assert codec.pending_bytes == 0
    assert counters.bytes_received == len(stream)
    assert counters.frames_received == len(messages) == sum(r.frames_received for r in remotes)
    assert sum(r.bytes_received for r in remotes) + counters.bytes_skipped == len(stream)
    assert sum(len(m.get_msgbuf()) for m in messages) == sum(r.bytes_received for r in remotes)


@HOSTILE
@given(data=st.binary(max_size=2000), keyed=st.booleans(),
       cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_arbitrary_bytes_never_raise_and_deliver_nothing_on_a_signed_link(
    data: bytes, keyed: bool, cuts: list[int]
) -> None:
    signing = SigningConfig(KEY) if keyed else None
    codec = MavlinkCodec(255, 190, signing=signing, unix_time_s=lambda: T0)
    messages = _feed_all(codec, data, cuts)
    counters = codec.counters()
    assert counters.bytes_received == len(data)
    assert counters.frames_received == len(messages)
    if keyed:  # random bytes cannot carry a signature made with the key
        assert messages == []


# --- a signed link under attack ---------------------------------------------------------------------


def _command(rng: random.Random) -> Any:
    return seaport.MAVLink_command_long_message(
        1, 1, rng.choice([seaport.MAV_CMD_COMPONENT_ARM_DISARM, seaport.MAV_CMD_REQUEST_MESSAGE]),
        0, rng.random(), 0, 0, 0, 0, 0, 0)


def _attack(kind: str, genuine: bytes, rng: random.Random) -> bytes:
    """One attack frame; ``genuine`` is a frame of the key holder the attacker has overheard."""
    if kind == "unsigned":
        return MavlinkCodec(255, 190).encode(_command(rng))
    if kind == "mavlink1":
        return _command(rng).pack(seaport.MAVLink(None, 255, 190), force_mavlink1=True)
    if kind == "wrong_key":
        intruder = MavlinkCodec(255, 190, signing=SigningConfig(OTHER_KEY), unix_time_s=lambda: T0 + 5)
        return intruder.encode(_command(rng))
    if kind == "far_future":  # the pymavlink 2.4.50 lock-out: valid CRC, timestamp 2**48-1, no key
        return genuine[:-12] + b"\xff" * 6 + rng.randbytes(6)
    if kind == "setup_signing":  # "here is a new key", signed with the attacker's own
        intruder = MavlinkCodec(255, 190, signing=SigningConfig(OTHER_KEY), unix_time_s=lambda: T0 + 5)
        return intruder.encode(seaport.MAVLink_setup_signing_message(1, 1, OTHER_KEY, 0))
    raise AssertionError(kind)


ATTACKS = ["unsigned", "mavlink1", "wrong_key", "far_future", "setup_signing"]
COUNTER_OF = {"unsigned": "rejected_unsigned", "mavlink1": "rejected_mavlink1"}  # the rest: bad_signatures


@HOSTILE
@given(
    plan=st.lists(st.sampled_from(["genuine", "replay", "garbage", *ATTACKS]), max_size=30),
    seed=st.integers(0, 2**16),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_signed_link_delivers_exactly_the_key_holders_frames_and_counts_each_attack(
    plan: list[str], seed: int, cuts: list[int]
) -> None:
    rng = random.Random(seed)
    times = iter(T0 + i * 0.01 for i in range(10_000))
    operator = MavlinkCodec(255, 190, signing=SigningConfig(KEY, link_id=3), unix_time_s=lambda: next(times))
    vehicle = MavlinkCodec(1, 1, signing=SigningConfig(KEY), unix_time_s=lambda: T0 + 1)
    genuine: list[bytes] = []
    stream = bytearray()
    expected = {"replays": 0, "rejected_unsigned": 0, "rejected_mavlink1": 0, "bad_signatures": 0}
    last = operator.encode(_command(rng))  # overheard before the plan starts; never fed itself
    for step in plan:
        if step == "genuine":
            last = operator.encode(_command(rng))
            genuine.append(last)
            stream += last
        elif step == "replay" and genuine:
            stream += rng.choice(genuine)
            expected["replays"] += 1
        elif step == "garbage":
            stream += rng.randbytes(rng.randrange(1, 40))
        elif step in ATTACKS:
            stream += _attack(step, last, rng)
            expected[COUNTER_OF.get(step, "bad_signatures")] += 1
    messages = _feed_all(vehicle, bytes(stream), cuts)
    assert [bytes(m.get_msgbuf()) for m in messages] == genuine
    assert all(m.get_signed() and m.get_link_id() == 3 for m in messages)
    counters = vehicle.counters()
    assert counters.replays == expected["replays"]
    assert counters.rejected_unsigned == expected["rejected_unsigned"]
    assert counters.rejected_mavlink1 == expected["rejected_mavlink1"]
    # Random garbage may hold extra candidates that fail their CRC, but never a valid signature.
    assert counters.bad_signatures >= expected["bad_signatures"]
    assert vehicle.signing_timestamp < 2**48 - 1
