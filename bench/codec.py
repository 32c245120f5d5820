"""MAVLink codec benchmark: our ``MavlinkCodec`` against stock pymavlink on one mixed stream.

``python -m bench codec [--frames N] [--seed S] [--chunk BYTES] [--repeat R]``

Builds one MAVLink 2 stream of N frames (default 200,000) with the traffic mix a ground station
receives during a flight: vehicle telemetry from common.xml, our dialect's engine, tank, countdown,
impact-point and cargo messages, and the landing platform's deck motion and status from a second
system. Then, in the same run:

1. decode throughput (frames/s and MB/s) of ``MavlinkCodec.feed`` and of stock
   ``MAVLink.parse_buffer`` with ``robust_parsing=True`` (as mavutil sets it on every connection), fed
   the same chunks; the decoded messages are checked to be equal;
2. encode throughput of ``MavlinkCodec.encode`` against stock ``msg.pack(mav)`` on the same messages;
3. decode of the first part of the stream signed, each parser verifying signatures with the key;
4. 0.1 % of the stream's bytes corrupted at seeded random positions: how many of the intact frames
   (frames none of whose bytes were touched) each parser recovers.

Timings are the best of ``--repeat`` runs, ours and stock taking turns; timed decodes count each
message and drop it, as a ground station does once it has dispatched it. Nothing here asserts on
speed; it prints ratios.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import MavlinkCodec, SigningConfig

VEHICLE = (1, 1)
PLATFORM = (2, 1)
KEY = bytes(range(32))
T0_UNIX_S = 1_800_000_000.0

# Messages per second on the downlink, roughly as a flight computer and a platform would stream them.
# (name, rate_hz, source, factory(rng, t_s) -> message)
Factory = Callable[[random.Random, float], Any]


def _vehicle_mix() -> list[tuple[str, float, tuple[int, int], Factory]]:
    s = seaport

    def ms(t: float) -> int:
        return int(t * 1000) & 0xFFFFFFFF

    def us(t: float) -> int:
        return int(t * 1e6)

    return [
        ("HEARTBEAT", 1, VEHICLE, lambda r, t: s.MAVLink_heartbeat_message(9, 0, 217, 4, 4, 3)),
        ("HEARTBEAT", 1, PLATFORM, lambda r, t: s.MAVLink_heartbeat_message(11, 8, 0, 0, 4, 3)),
        (
            "SYS_STATUS",
            2,
            VEHICLE,
            lambda r, t: s.MAVLink_sys_status_message(
                0x3FF, 0x3FF, 0x3FF, r.randrange(1000), 28000, 1200, 87, 0, 0, 0, 0, 0, 0
            ),
        ),
        (
            "ATTITUDE_QUATERNION",
            50,
            VEHICLE,
            lambda r, t: s.MAVLink_attitude_quaternion_message(
                ms(t),
                0.7071,
                r.gauss(0, 0.01),
                0.7071,
                r.gauss(0, 0.01),
                *(r.gauss(0, 0.05) for _ in range(3)),
            ),
        ),
        (
            "HIGHRES_IMU",
            50,
            VEHICLE,
            lambda r, t: s.MAVLink_highres_imu_message(
                us(t), *(r.gauss(0, 1) for _ in range(9)), 1013.2, 0.0, r.uniform(0, 9e4), 12.5, 0x1FFF
            ),
        ),
        (
            "GLOBAL_POSITION_INT",
            10,
            VEHICLE,
            lambda r, t: s.MAVLink_global_position_int_message(
                ms(t),
                int(1.2e8 + t * 100),
                int(-7.5e8 - t * 300),
                int(t * 2000),
                int(t * 2000),
                r.randrange(-3000, 3000),
                r.randrange(-3000, 3000),
                r.randrange(-9000, 0),
                r.randrange(36000),
            ),
        ),
        (
            "GPS_RAW_INT",
            5,
            VEHICLE,
            lambda r, t: s.MAVLink_gps_raw_int_message(
                us(t),
                3,
                int(1.2e8),
                int(-7.5e8),
                int(t * 2000),
                80,
                120,
                r.randrange(60000),
                r.randrange(36000),
                21,
            ),
        ),
        (
            "ALTITUDE",
            5,
            VEHICLE,
            lambda r, t: s.MAVLink_altitude_message(
                us(t), *(r.uniform(0, 9e4) for _ in range(5)), r.uniform(0, 500)
            ),
        ),
        (
            "ODOMETRY",
            10,
            VEHICLE,
            lambda r, t: s.MAVLink_odometry_message(
                us(t),
                1,
                8,
                *(r.gauss(0, 100) for _ in range(3)),
                [1.0, 0.0, 0.0, 0.0],
                *(r.gauss(0, 10) for _ in range(6)),
                [r.uniform(0, 1) for _ in range(21)],
                [math.nan] + [0.0] * 20,
            ),
        ),
        (
            "ESTIMATOR_STATUS",
            2,
            VEHICLE,
            lambda r, t: s.MAVLink_estimator_status_message(
                us(t), 0x3FF, *(r.uniform(0, 1) for _ in range(8))
            ),
        ),
        (
            "VFR_HUD",
            4,
            VEHICLE,
            lambda r, t: s.MAVLink_vfr_hud_message(
                r.uniform(0, 900),
                r.uniform(0, 900),
                r.randrange(360),
                80,
                r.uniform(0, 9e4),
                r.uniform(-50, 900),
            ),
        ),
        ("EXTENDED_SYS_STATE", 1, VEHICLE, lambda r, t: s.MAVLink_extended_sys_state_message(0, 2)),
        ("TIMESYNC", 1, VEHICLE, lambda r, t: s.MAVLink_timesync_message(0, us(t) * 1000)),
        (
            "STATUSTEXT",
            0.5,
            VEHICLE,
            lambda r, t: s.MAVLink_statustext_message(6, f"T+{t:.1f} nominal".encode(), 0, 0),
        ),
        (
            "PARAM_VALUE",
            0.5,
            VEHICLE,
            lambda r, t: s.MAVLink_param_value_message(
                b"ENG_THR_MAX", r.uniform(0, 1), 9, 412, r.randrange(412)
            ),
        ),
        (
            "ENGINE_STATUS",
            20,
            VEHICLE,
            lambda r, t: s.MAVLink_engine_status_message(
                ms(t),
                r.randrange(3),
                3,
                r.gauss(1.0e7, 1e5),
                r.gauss(2.3e6, 1e4),
                r.uniform(40, 100),
                r.gauss(0, 1),
                r.gauss(0, 1),
                r.gauss(3.6, 0.01),
                1,
            ),
        ),
        (
            "TANK_STATUS",
            5,
            VEHICLE,
            lambda r, t: s.MAVLink_tank_status_message(
                ms(t), 3.0e5 - t * 100, 8.0e4 - t * 30, 3.0e5, 3.0e5, 90.5, 111.2, 0
            ),
        ),
        (
            "COUNTDOWN",
            2,
            VEHICLE,
            lambda r, t: s.MAVLink_countdown_message(ms(t), t - 600.0, 1, 0.0, 1_800_003_600),
        ),
        (
            "IMPACT_POINT",
            5,
            VEHICLE,
            lambda r, t: s.MAVLink_impact_point_message(
                ms(t), int(1.3e8), int(-7.0e8), r.uniform(0, 600), 5e3, 1e3, r.uniform(0, 360), 1
            ),
        ),
        (
            "CARGO_BAY",
            1,
            VEHICLE,
            lambda r, t: s.MAVLink_cargo_bay_message(
                ms(t), 18.0, 40.0, 1e5, r.uniform(0, 5), r.uniform(0, 2), 0
            ),
        ),
        (
            "DECK_MOTION",
            10,
            PLATFORM,
            lambda r, t: s.MAVLink_deck_motion_message(
                ms(t), 2, *(r.gauss(0, 2) for _ in range(6)), 4.0, 6.0, 1.5
            ),
        ),
        (
            "PLATFORM_STATUS",
            1,
            PLATFORM,
            lambda r, t: s.MAVLink_platform_status_message(
                ms(t),
                2,
                int(1.3e8),
                int(-7.0e8),
                r.uniform(0, 360),
                r.uniform(0, 3),
                r.uniform(0, 20),
                r.uniform(0, 360),
                7,
            ),
        ),
    ]


def build_traffic(frames: int, seed: int) -> list[tuple[tuple[int, int], Any]]:
    """``frames`` (source, message) pairs in the order a ground station would receive them."""
    rng = random.Random(seed)
    mix = _vehicle_mix()
    weights = [rate for _, rate, _, _ in mix]
    total_hz = sum(weights)
    out: list[tuple[tuple[int, int], Any]] = []
    for i, (_, _, source, factory) in enumerate(rng.choices(mix, weights=weights, k=frames)):
        out.append((source, factory(rng, i / total_hz)))
    return out


def encode_stream(
    traffic: Sequence[tuple[tuple[int, int], Any]], signing: SigningConfig | None = None
) -> tuple[bytes, list[int]]:
    """The byte stream of ``traffic`` (one codec per source) and the offset where each frame starts."""
    clock = iter(range(10**12))
    codecs = {
        source: MavlinkCodec(*source, signing=signing, unix_time_s=lambda: T0_UNIX_S + next(clock) * 1e-5)
        for source in {src for src, _ in traffic}
    }
    frames = [codecs[source].encode(msg) for source, msg in traffic]
    offsets = []
    at = 0
    for frame in frames:
        offsets.append(at)
        at += len(frame)
    return b"".join(frames), offsets


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def is_message(msg: Any) -> bool:
    """A real decoded message, not stock's BAD_DATA / UNKNOWN placeholders."""
    return not isinstance(msg, seaport.MAVLink_bad_data | seaport.MAVLink_unknown)


def decode_ours(chunks: Iterable[bytes], signing: SigningConfig | None = None) -> list[Any]:
    codec = MavlinkCodec(255, 190, signing=signing, unix_time_s=lambda: T0_UNIX_S)
    out: list[Any] = []
    for chunk in chunks:
        out.extend(codec.feed(chunk))
    return out


def decode_stock(chunks: Iterable[bytes], signing: SigningConfig | None = None) -> list[Any]:
    mav = seaport.MAVLink(None, 255, 190)
    mav.robust_parsing = True
    if signing is not None:
        mav.signing.secret_key = signing.secret_key
    out: list[Any] = []
    for chunk in chunks:
        got = mav.parse_buffer(chunk)
        if got:
            out.extend(m for m in got if is_message(m))
    return out


def count_ours(chunks: Iterable[bytes], signing: SigningConfig | None = None) -> int:
    """Decode and drop each message after counting it, as a ground station does once it has
    dispatched it (keeping them all would mostly time the garbage collector's full-heap passes)."""
    codec = MavlinkCodec(255, 190, signing=signing, unix_time_s=lambda: T0_UNIX_S)
    return sum(len(codec.feed(chunk)) for chunk in chunks)


def count_stock(chunks: Iterable[bytes], signing: SigningConfig | None = None) -> int:
    mav = seaport.MAVLink(None, 255, 190)
    mav.robust_parsing = True
    if signing is not None:
        mav.signing.secret_key = signing.secret_key
    count = 0
    for chunk in chunks:
        got = mav.parse_buffer(chunk)
        if got:
            count += sum(1 for m in got if is_message(m))
    return count


def best_times(
    ours: Callable[[], Any], stock: Callable[[], Any], repeat: int
) -> tuple[float, Any, float, Any]:
    """Best wall time (and result) of each function over ``repeat`` runs, alternating the two so
    that a change of load on the machine hits both alike."""
    best = [math.inf, math.inf]
    results: list[Any] = [None, None]
    for _ in range(repeat):
        for i, fn in enumerate((ours, stock)):
            gc.collect()
            start = time.perf_counter()
            results[i] = fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best[0], results[0], best[1], results[1]


def corrupt(data: bytes, rate: float, seed: int) -> tuple[bytes, list[int]]:
    """Flip ``rate`` of the bytes to another value at seeded random positions; return them sorted."""
    rng = random.Random(seed)
    positions = sorted(rng.sample(range(len(data)), k=round(len(data) * rate)))
    out = bytearray(data)
    for at in positions:
        out[at] ^= rng.randrange(1, 256)
    return bytes(out), positions


def same_message(a: Any, b: Any) -> bool:
    """Equal as stock ``==`` judges, except that NaN equals NaN (covariances start with NaN)."""
    return (
        a.get_type() == b.get_type()
        and a.get_header().__dict__ == b.get_header().__dict__
        and a.get_crc() == b.get_crc()
        and str(a) == str(b)
    )


def frame_bytes(msg: Any) -> bytes:
    return bytes(msg.get_msgbuf())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench codec", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--frames", type=int, default=200_000, help="frames in the stream (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the traffic and the corruption")
    parser.add_argument("--chunk", type=int, default=4096, help="bytes per feed / parse_buffer call")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best counts")
    parser.add_argument("--signed-frames", type=int, default=50_000, help="frames in the signed-decode run")
    parser.add_argument("--corrupt-rate", type=float, default=0.001, help="fraction of bytes corrupted")
    args = parser.parse_args(argv)

    print(f"building {args.frames:,} frames (seed {args.seed}) ...", flush=True)
    traffic = build_traffic(args.frames, args.seed)
    stream, offsets = encode_stream(traffic)
    chunks = chunked(stream, args.chunk)
    mb = len(stream) / 1e6
    kinds = Counter(msg.get_type() for _, msg in traffic)
    print(
        f"stream: {len(traffic):,} frames, {len(stream):,} bytes, {len(kinds)} message types "
        f"({', '.join(f'{k} {v / len(traffic):.0%}' for k, v in kinds.most_common(6))}, ...); "
        f"fed in {args.chunk}-byte chunks; best of {args.repeat}"
    )

    # 1. decode
    t_ours, n_ours, t_stock, n_stock = best_times(
        lambda: count_ours(chunks), lambda: count_stock(chunks), args.repeat
    )
    ours, stock = decode_ours(chunks), decode_stock(chunks)
    same = len(ours) == len(stock) == len(traffic) and all(map(same_message, ours, stock))
    del ours, stock
    print("\ndecode (clean stream)")
    print(f"  ours : {n_ours / t_ours:>10,.0f} frames/s  {mb / t_ours:6.2f} MB/s")
    print(f"  stock: {n_stock / t_stock:>10,.0f} frames/s  {mb / t_stock:6.2f} MB/s  (parse_buffer)")
    print(f"  ratio ours/stock: {t_stock / t_ours:.2f}x   decoded messages equal: {'yes' if same else 'NO'}")

    # 2. encode
    sources = {src: MavlinkCodec(*src, unix_time_s=lambda: T0_UNIX_S) for src in (VEHICLE, PLATFORM)}
    mavs = {src: seaport.MAVLink(None, *src) for src in (VEHICLE, PLATFORM)}

    def encode_ours() -> int:
        total = 0
        for src, msg in traffic:
            total += len(sources[src].encode(msg))
        return total

    def encode_stock() -> int:
        total = 0
        for src, msg in traffic:
            total += len(msg.pack(mavs[src]))
        return total

    e_ours, _, e_stock, _ = best_times(encode_ours, encode_stock, args.repeat)
    print("\nencode")
    print(f"  ours : {len(traffic) / e_ours:>10,.0f} frames/s  {mb / e_ours:6.2f} MB/s")
    print(f"  stock: {len(traffic) / e_stock:>10,.0f} frames/s  {mb / e_stock:6.2f} MB/s  (msg.pack)")
    print(f"  ratio ours/stock: {e_stock / e_ours:.2f}x")

    # 3. signed decode, both verifying
    signing = SigningConfig(KEY, link_id=1)
    signed_traffic = traffic[: args.signed_frames]
    signed_stream, _ = encode_stream(signed_traffic, signing)
    signed_chunks = chunked(signed_stream, args.chunk)
    s_ours, n_ours_signed, s_stock, n_stock_signed = best_times(
        lambda: count_ours(signed_chunks, signing), lambda: count_stock(signed_chunks, signing), args.repeat
    )
    print(f"\ndecode signed ({len(signed_traffic):,} frames, both verifying every signature)")
    print(f"  ours : {n_ours_signed / s_ours:>10,.0f} frames/s  accepted {n_ours_signed:,}")
    print(f"  stock: {n_stock_signed / s_stock:>10,.0f} frames/s  accepted {n_stock_signed:,}")
    print(f"  ratio ours/stock: {s_stock / s_ours:.2f}x")

    # 4. corruption
    damaged, positions = corrupt(stream, args.corrupt_rate, args.seed)
    touched = {bisect_right(offsets, at) - 1 for at in positions}
    originals = [stream[a:b] for a, b in zip(offsets, [*offsets[1:], len(stream)], strict=True)]
    intact = Counter(originals[i] for i in range(len(originals)) if i not in touched)
    all_frames = Counter(originals)
    damaged_chunks = chunked(damaged, args.chunk)
    intact_total = sum(intact.values())
    print(
        f"\ncorruption: {len(positions):,} bytes changed ({args.corrupt_rate:.1%}), "
        f"{len(touched):,} frames touched, {intact_total:,} intact"
    )
    for name, decode in (("ours", decode_ours), ("stock", decode_stock)):
        got = Counter(frame_bytes(m) for m in decode(damaged_chunks))
        recovered = sum(min(n, intact[frame]) for frame, n in got.items())
        spurious = sum(n for frame, n in got.items() if frame not in all_frames)
        print(
            f"  {name:5}: recovered {recovered:,} of {intact_total:,} intact frames "
            f"({100 * recovered / intact_total:.3f} %), lost {intact_total - recovered:,}, "
            f"spurious frames accepted {spurious}"
        )
    return 0
