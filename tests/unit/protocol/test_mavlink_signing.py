"""Signed links: verify first, then commit the timestamp; refuse unsigned, MAVLink 1 and replays."""

from __future__ import annotations

from typing import Any

import pytest

from gcs.errors import SigningError
from gcs.protocol.dialect import seaport
from gcs.protocol.mavlink import (
    SIGNING_EPOCH_UNIX_S,
    MavlinkCodec,
    SigningConfig,
    signing_timestamp_from_unix_s,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
T0 = 1_800_000_000.0


class FakeClock:
    def __init__(self, unix_s: float = T0) -> None:
        self.unix_s = unix_s

    def __call__(self) -> float:
        return self.unix_s


def command() -> Any:
    return seaport.MAVLink_command_long_message(1, 1, seaport.MAV_CMD_HOLD_COUNT, 0, 3, 0, 0, 0, 0, 0, 0)


def heartbeat() -> Any:
    return seaport.MAVLink_heartbeat_message(6, 8, 0, 0, 4, 3)


def signed_pair(
    *, link_id: int = 0, allow: frozenset[int] = frozenset()
) -> tuple[MavlinkCodec, MavlinkCodec, FakeClock]:
    clock = FakeClock()
    gcs = MavlinkCodec(255, 190, signing=SigningConfig(KEY, link_id=link_id), unix_time_s=clock)
    vehicle = MavlinkCodec(1, 1, signing=SigningConfig(KEY, allow_unsigned_msg_ids=allow), unix_time_s=clock)
    return gcs, vehicle, clock


def timestamp_of(frame: bytes) -> int:
    return int.from_bytes(frame[-12:-6], "little")


def forged_far_future(genuine: bytes) -> bytes:
    """The pymavlink 2.4.50 lock-out frame: a genuine header and payload (so the CRC is valid),
    the sender's link id, timestamp 2**48-1 and a signature of garbage."""
    return genuine[:-12] + b"\xff" * 6 + b"\xde\xad\xbe\xef\x00\x01"


def test_signed_frames_from_the_key_holder_are_accepted() -> None:
    gcs, vehicle, _ = signed_pair(link_id=7)
    frames = [gcs.encode(command()) for _ in range(5)]
    got = [m for f in frames for m in vehicle.feed(f)]
    assert len(got) == 5
    assert all(m.get_signed() and m.get_link_id() == 7 for m in got)
    assert all(f[2] == 0x01 and len(f) == 12 + f[1] + 13 for f in frames)  # incompat flag + 13-byte trailer


def test_frames_signed_with_another_key_are_refused() -> None:
    clock = FakeClock()
    intruder = MavlinkCodec(255, 190, signing=SigningConfig(OTHER_KEY), unix_time_s=clock)
    _, vehicle, _ = signed_pair()
    assert vehicle.feed(intruder.encode(command())) == []
    assert vehicle.counters().bad_signatures == 1
    assert vehicle.stats()[(255, 190)].signature_failures == 1
    assert vehicle.stats()[(255, 190)].frames_received == 0


def test_unsigned_frames_are_refused_on_a_signed_link() -> None:
    _, vehicle, _ = signed_pair()
    assert vehicle.feed(MavlinkCodec(255, 190).encode(command())) == []
    assert vehicle.counters().rejected_unsigned == 1
    assert vehicle.stats()[(255, 190)].rejected_unsigned == 1


def test_allow_list_admits_only_its_ids_unsigned_and_never_a_bad_signature() -> None:
    radio_status = seaport.MAVLink_radio_status_message(200, 190, 80, 40, 40, 0, 0)
    _, vehicle, _ = signed_pair(allow=frozenset({seaport.MAVLINK_MSG_ID_RADIO_STATUS}))
    radio = MavlinkCodec(51, 68)
    (msg,) = vehicle.feed(radio.encode(radio_status))
    assert msg.get_type() == "RADIO_STATUS"
    assert msg.get_signed() is False
    assert vehicle.feed(radio.encode(command())) == []
    intruder = MavlinkCodec(51, 68, signing=SigningConfig(OTHER_KEY), unix_time_s=FakeClock())
    assert vehicle.feed(intruder.encode(radio_status)) == []
    counters = vehicle.counters()
    assert (counters.accepted_unsigned, counters.rejected_unsigned, counters.bad_signatures) == (1, 1, 1)


def test_a_replayed_frame_is_refused() -> None:
    gcs, vehicle, _ = signed_pair()
    first, second = gcs.encode(command()), gcs.encode(command())
    assert len(vehicle.feed(first + second)) == 2
    assert vehicle.feed(first) == []
    assert vehicle.feed(second) == []
    assert vehicle.counters().replays == 2
    assert len(vehicle.feed(gcs.encode(command()))) == 1


def test_a_new_stream_more_than_a_minute_behind_our_clock_is_refused() -> None:
    gcs, vehicle, clock = signed_pair()
    stale = gcs.encode(command())  # stamped at T0
    clock.unix_s = T0 + 61
    assert vehicle.feed(stale) == []
    assert vehicle.counters().replays == 1
    clock.unix_s = T0 + 120
    gcs2 = MavlinkCodec(255, 190, signing=SigningConfig(KEY, link_id=1), unix_time_s=FakeClock(T0 + 100))
    assert len(vehicle.feed(gcs2.encode(command()))) == 1  # 20 s behind: within the minute


def test_mavlink1_is_refused_on_a_signed_link_downgrade_attempt() -> None:
    _, vehicle, _ = signed_pair()
    v1 = command().pack(seaport.MAVLink(None, 255, 190), force_mavlink1=True)
    assert v1[0] == 0xFE
    assert vehicle.feed(v1) == []
    assert vehicle.counters().rejected_mavlink1 == 1
    assert vehicle.counters().crc_errors == 0  # it was a valid frame, refused on purpose
    with pytest.raises(SigningError, match="MAVLink 1"):
        MavlinkCodec(1, 1, signing=SigningConfig(KEY), accept_mavlink1=True)
    open_link = MavlinkCodec(1, 1)
    assert len(open_link.feed(v1)) == 1
    assert MavlinkCodec(1, 1, accept_mavlink1=False).feed(v1) == []


def test_far_future_forgery_cannot_lock_out_the_real_sender() -> None:
    """Regression: pymavlink 2.4.50 commits the stream timestamp before checking the signature."""
    gcs, vehicle, _ = signed_pair(link_id=2)
    genuine = [gcs.encode(command()) for _ in range(4)]
    forged = forged_far_future(genuine[0])
    assert timestamp_of(forged) == 2**48 - 1

    # Ours: the forgery is counted and changes nothing; the real sender keeps working.
    assert len(vehicle.feed(genuine[0])) == 1
    assert vehicle.feed(forged) == []
    assert vehicle.counters().bad_signatures == 1
    assert [m.get_signed() for f in genuine[1:] for m in vehicle.feed(f)] == [True, True, True]
    assert vehicle.signing_timestamp < 2**48 - 1

    # Stock pymavlink 2.4.50, same bytes: after the forgery every genuine frame is refused.
    stock = seaport.MAVLink(None, 1, 1)
    stock.robust_parsing = True
    stock.signing.secret_key = KEY
    assert stock.parse_buffer(genuine[0])[0].get_type() == "COMMAND_LONG"
    assert stock.parse_buffer(forged)[0].get_type() == "BAD_DATA"
    after = [stock.parse_buffer(f)[0].get_type() for f in genuine[1:]]
    assert after == ["BAD_DATA"] * 3, "stock pymavlink no longer locks out: the upstream bug may be fixed"


def test_forgery_on_a_stream_never_seen_before_does_not_claim_it() -> None:
    gcs, vehicle, _ = signed_pair(link_id=9)
    genuine = gcs.encode(command())
    assert vehicle.feed(forged_far_future(genuine)) == []
    assert len(vehicle.feed(genuine)) == 1


def test_outgoing_timestamps_follow_the_clock_and_strictly_increase() -> None:
    clock = FakeClock()
    codec = MavlinkCodec(1, 1, signing=SigningConfig(KEY), unix_time_s=clock)
    stamps = [timestamp_of(codec.encode(heartbeat())) for _ in range(3)]
    base = signing_timestamp_from_unix_s(T0)
    assert stamps == [base, base + 1, base + 2]  # the clock stood still: still strictly increasing
    clock.unix_s = T0 + 1
    assert timestamp_of(codec.encode(heartbeat())) == base + 100_000  # 10 µs units
    clock.unix_s = T0 - 3600  # the wall clock steps back: timestamps do not
    assert timestamp_of(codec.encode(heartbeat())) == base + 100_001
    assert codec.signing_timestamp == base + 100_001


def test_timestamp_restarts_above_the_persisted_one() -> None:
    persisted = signing_timestamp_from_unix_s(T0 + 500)
    codec = MavlinkCodec(
        1, 1, signing=SigningConfig(KEY, initial_timestamp=persisted), unix_time_s=FakeClock()
    )
    assert timestamp_of(codec.encode(heartbeat())) == persisted + 1


def test_a_peers_clock_never_moves_our_timestamps() -> None:
    """A peer's clock may follow spoofed GNSS time; our stamps follow our clock alone."""
    ahead = MavlinkCodec(255, 190, signing=SigningConfig(KEY), unix_time_s=FakeClock(T0 + 3600))
    _, vehicle, _ = signed_pair()
    assert len(vehicle.feed(ahead.encode(command()))) == 1
    assert timestamp_of(vehicle.encode(heartbeat())) == signing_timestamp_from_unix_s(T0)


def test_an_exhausted_timestamp_refuses_to_sign() -> None:
    codec = MavlinkCodec(
        1, 1, signing=SigningConfig(KEY, initial_timestamp=2**48 - 1), unix_time_s=FakeClock()
    )
    with pytest.raises(SigningError, match="exhausted"):
        codec.encode(heartbeat())


def test_signing_epoch_is_2015() -> None:
    assert SIGNING_EPOCH_UNIX_S == 1_420_070_400
    assert signing_timestamp_from_unix_s(SIGNING_EPOCH_UNIX_S + 2.5) == 250_000


def test_an_unsigning_codec_can_still_require_signatures() -> None:
    clock = FakeClock()
    listener = MavlinkCodec(255, 190, signing=SigningConfig(KEY, sign_outgoing=False), unix_time_s=clock)
    frame = listener.encode(heartbeat())
    assert frame[2] == 0
    assert len(frame) == 12 + frame[1]
    assert listener.feed(MavlinkCodec(1, 1).encode(heartbeat())) == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"secret_key": b"short"}, "32-byte"),
        ({"secret_key": KEY, "link_id": 256}, "link id"),
        ({"secret_key": KEY, "initial_timestamp": 2**48}, "48 bits"),
        ({"secret_key": KEY, "new_stream_max_lag_s": -1.0}, "must not be negative"),
    ],
)
def test_signing_config_is_checked(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(SigningError, match=match):
        SigningConfig(**kwargs)


def test_signing_config_never_shows_its_key() -> None:
    assert KEY.hex() not in repr(SigningConfig(KEY))
    assert repr(KEY) not in repr(SigningConfig(KEY))
