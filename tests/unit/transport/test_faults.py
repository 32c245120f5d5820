"""The pure fault model: determinism for a seed, rates within tolerance, and what each knob means."""

from __future__ import annotations

import itertools
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from gcs.transport.faults import PERFECT_LINK, Delivery, FaultCounters, FaultInjector, FaultSpec


def numbered(count: int, size: int = 16) -> list[bytes]:
    """Chunks that carry their own index, so reordering can be seen."""
    return [struct.pack(">I", index) + bytes(size - 4) for index in range(count)]


def index_of(chunk: bytes) -> int:
    return int(struct.unpack(">I", chunk[:4])[0])


def run(spec: FaultSpec, chunks: list[bytes], seed: int | str = 1, step_s: float = 0.01) -> list[Delivery]:
    """Feed chunks one per ``step_s`` and release whatever is still held at the end."""
    injector = FaultInjector(spec, seed)
    out: list[Delivery] = []
    for index, chunk in enumerate(chunks):
        out += injector.apply(chunk, index * step_s)
    out += injector.release_due(math.inf)
    return out


def within(value: int, expected: float, sigmas: float = 4.0) -> bool:
    """``value`` is within ``sigmas`` binomial standard deviations of ``expected`` (np with n large)."""
    return abs(value - expected) <= sigmas * math.sqrt(expected) + 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("loss_probability", -0.1),
        ("loss_probability", 1.5),
        ("bit_flip_probability", 2.0),
        ("duplicate_probability", -1.0),
        ("reorder_probability", 1.01),
        ("reorder_depth", 0),
        ("delay_s", -0.001),
        ("jitter_s", math.inf),
        ("reorder_max_hold_s", -1.0),
        ("blackout_windows_s", ((-1.0, 1.0),)),
        ("blackout_windows_s", ((1.0, 0.0),)),
    ],
)
def test_a_spec_out_of_range_is_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        FaultSpec(**{field: value})  # type: ignore[arg-type]


def test_a_perfect_link_delivers_every_chunk_at_once_untouched() -> None:
    chunks = numbered(100)
    injector = FaultInjector(PERFECT_LINK, seed=1)
    for index, chunk in enumerate(chunks):
        assert injector.apply(chunk, now_s=index * 0.5) == [Delivery(index * 0.5, chunk)]
    assert PERFECT_LINK.is_perfect
    assert not FaultSpec(delay_s=0.1).is_perfect
    assert injector.counters == FaultCounters(chunks_in=100, bytes_in=1600, chunks_out=100, bytes_out=1600)


NASTY = FaultSpec(
    loss_probability=0.05,
    bit_flip_probability=0.01,
    duplicate_probability=0.05,
    reorder_probability=0.05,
    reorder_depth=3,
    delay_s=0.02,
    jitter_s=0.01,
    blackout_windows_s=((2.0, 0.5),),
)


def test_the_same_seed_gives_the_same_deliveries_and_another_seed_does_not() -> None:
    chunks = numbered(2000)
    first, again, other = run(NASTY, chunks, seed=7), run(NASTY, chunks, seed=7), run(NASTY, chunks, seed=8)
    assert first == again
    assert first != other


def test_string_seeds_give_the_same_result_in_every_process() -> None:
    # A proxy seeds each direction with a string; str hashing is salted per process, so make sure
    # the injector does not depend on it.
    script = (
        "from gcs.transport.faults import FaultInjector, FaultSpec\n"
        "injector = FaultInjector(FaultSpec(loss_probability=0.5), seed='7:up')\n"
        "print([bool(injector.apply(bytes([i]), 0.0)) for i in range(64)])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={
                **os.environ,
                "PYTHONHASHSEED": hash_seed,
                "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_loss_of_ten_percent_over_ten_thousand_chunks_is_within_tolerance() -> None:
    chunks = numbered(10_000)
    injector = FaultInjector(FaultSpec(loss_probability=0.1), seed=2024)
    delivered = [d for index, chunk in enumerate(chunks) for d in injector.apply(chunk, index * 0.001)]
    dropped = injector.counters.dropped
    assert within(dropped, 1000.0), dropped
    assert len(delivered) == 10_000 - dropped
    # The survivors arrive in order and untouched.
    survivors = {d.data for d in delivered}
    assert [d.data for d in delivered] == [c for c in chunks if c in survivors]


def test_bit_flips_hit_the_configured_share_of_bytes_one_bit_each() -> None:
    chunks = [bytes(1000)] * 1000
    injector = FaultInjector(FaultSpec(bit_flip_probability=0.001), seed=5)
    delivered = [d for chunk in chunks for d in injector.apply(chunk, 0.0)]
    flipped_bits = sum(bin(byte).count("1") for d in delivered for byte in d.data)
    corrupted_bytes = sum(1 for d in delivered for byte in d.data if byte)
    assert flipped_bits == corrupted_bytes == injector.counters.bits_flipped
    assert within(flipped_bits, 1000.0), flipped_bits


def test_bit_flips_do_not_depend_on_how_the_stream_is_cut_into_chunks() -> None:
    stream = bytes(range(256)) * 40
    spec = FaultSpec(bit_flip_probability=0.01)

    def corrupt(cut: int) -> bytes:
        injector = FaultInjector(spec, seed=3)
        pieces = [stream[i : i + cut] for i in range(0, len(stream), cut)]
        return b"".join(d.data for piece in pieces for d in injector.apply(piece, 0.0))

    assert corrupt(1) == corrupt(7) == corrupt(1000) == corrupt(len(stream))
    assert corrupt(7) != stream


def test_blackouts_drop_everything_inside_the_windows_and_nothing_outside() -> None:
    spec = FaultSpec(blackout_windows_s=((1.0, 0.5), (3.0, 1.0)))
    injector = FaultInjector(spec, seed=1, start_s=100.0)
    times = [100.0 + 0.01 * i for i in range(500)]
    passed = {t for t in times if injector.apply(b"x", t)}

    def inside(t: float) -> bool:
        elapsed = t - 100.0
        return 1.0 <= elapsed < 1.5 or 3.0 <= elapsed < 4.0

    assert passed == {t for t in times if not inside(t)}
    assert injector.counters.blacked_out == sum(inside(t) for t in times) > 0


def test_a_duplicate_arrives_twice_back_to_back_at_the_same_time() -> None:
    chunks = numbered(50)
    injector = FaultInjector(FaultSpec(duplicate_probability=1.0, delay_s=0.1), seed=1)
    for index, chunk in enumerate(chunks):
        assert injector.apply(chunk, index * 1.0) == [Delivery(index + 0.1, chunk)] * 2
    assert injector.counters.duplicated == 50
    assert injector.counters.chunks_out == 100


def test_reordered_chunks_arrive_late_by_at_most_the_depth_and_nothing_is_lost() -> None:
    depth = 3
    chunks = numbered(3000)
    injector = FaultInjector(FaultSpec(reorder_probability=0.1, reorder_depth=depth), seed=11)
    out: list[Delivery] = []
    for index, chunk in enumerate(chunks):
        out += injector.apply(chunk, index * 0.001)
    out += injector.release_due(math.inf)
    order = [index_of(d.data) for d in out]

    assert sorted(order) == list(range(3000))  # a permutation: nothing lost or doubled
    # A chunk is late if some higher-numbered chunk got ahead of it. Only held chunks can be late,
    # and every held chunk is, so the late ones are exactly the reordered ones.
    late = {index for position, index in enumerate(order) if position and index < max(order[:position])}
    assert len(late) == injector.counters.reordered
    assert within(len(late), 300.0)
    # A held chunk waits for at most `depth` chunks sent after it (held ones released with it aside).
    for position, index in enumerate(order):
        if index in late:
            overtaken_by = [o for o in order[:position] if o > index and o not in late]
            assert len(overtaken_by) <= depth, (index, overtaken_by)


def test_a_held_chunk_is_released_after_its_maximum_hold_time() -> None:
    injector = FaultInjector(FaultSpec(reorder_probability=1.0, reorder_max_hold_s=0.5, delay_s=0.1), seed=1)
    assert injector.apply(b"first", 10.0) == []
    assert injector.apply(b"second", 10.2) == []
    assert injector.held_chunks == 2
    assert injector.next_release_s() == 10.5
    assert injector.release_due(10.49) == []
    assert injector.release_due(10.5) == [Delivery(10.6, b"first")]
    assert injector.release_due(11.0) == [Delivery(11.1, b"second")]
    assert injector.next_release_s() is None
    assert injector.counters.released_by_timeout == 2


def test_delay_and_jitter_stay_within_bounds_and_never_reorder() -> None:
    spec = FaultSpec(delay_s=0.05, jitter_s=0.02)
    injector = FaultInjector(spec, seed=9)
    last = -math.inf
    for index, chunk in enumerate(numbered(1000)):
        now_s = index * 0.001  # faster than the jitter, so the FIFO rule matters
        (delivery,) = injector.apply(chunk, now_s)
        assert delivery.at_s >= now_s + 0.05
        assert delivery.at_s <= max(last, now_s + 0.07)
        assert delivery.at_s >= last
        last = delivery.at_s


def test_the_counters_account_for_every_chunk() -> None:
    chunks = numbered(5000)
    injector = FaultInjector(NASTY, seed=4)
    out: list[Delivery] = []
    for index, chunk in enumerate(chunks):
        out += injector.apply(chunk, index * 0.001)
    out += injector.release_due(math.inf)
    counts = injector.counters
    assert (counts.chunks_in, counts.bytes_in) == (5000, 5000 * 16)
    assert counts.blacked_out == 500  # 2.0 s to 2.5 s at one chunk per ms
    assert (
        counts.chunks_out
        == len(out)
        == counts.chunks_in - counts.blacked_out - counts.dropped + counts.duplicated
    )
    assert counts.bytes_out == sum(len(d.data) for d in out)
    assert all(earlier.at_s <= later.at_s for earlier, later in itertools.pairwise(out))
    assert min(counts.dropped, counts.bits_flipped, counts.duplicated, counts.reordered) > 0


def test_counters_add_up_field_by_field() -> None:
    a = FaultCounters(chunks_in=1, dropped=2, bits_flipped=3)
    b = FaultCounters(chunks_in=10, dropped=20, reordered=5)
    assert a + b == FaultCounters(chunks_in=11, dropped=22, bits_flipped=3, reordered=5)


def test_windows_wait_for_their_origin_when_it_is_not_yet_known() -> None:
    injector = FaultInjector(FaultSpec(blackout_windows_s=((2.0, 1.0),)), seed=1, start_s=None)
    assert injector.apply(b"a", 2.5) == [Delivery(2.5, b"a")]  # no origin yet: no blackout
    injector.count_windows_from(10.0)  # e.g. liftoff seen at 10 s
    assert injector.apply(b"b", 11.0) == [Delivery(11.0, b"b")]
    assert injector.apply(b"c", 12.5) == []
    assert injector.apply(b"d", 13.0) == [Delivery(13.0, b"d")]
    assert injector.counters.blacked_out == 1
