"""MAVLink codec, sans-IO: bytes in, messages out; message in, bytes out. Knows nothing of sockets or rockets.

``MavlinkCodec`` parses and builds frames of the generated seaport dialect
(``gcs.protocol.dialect.seaport``, which includes common.xml) without pymavlink's ``MAVLink`` class
and never through ``pymavlink.mavutil``. Decoded messages are instances of the generated message
classes with the attributes stock decoding gives them (field values, header, CRC, signed flag, link
id), so ``msg.get_srcSystem()``, ``msg.get_seq()``, ``msg.get_signed()``, ``msg.to_dict()`` and ``==``
work as usual. The codec does no I/O, no waiting and no logging; it reads the time only through the
``unix_time_s`` callable it is given, and only for signing.

Where it differs from stock ``MAVLink.parse_buffer`` (pymavlink 2.4.50), on purpose:

* **Resynchronisation.** A candidate frame that fails a check (impossible length for its message id,
  unknown incompatibility flags, bad CRC) costs one byte: the search for the next magic byte
  (0xFD or 0xFE) restarts one byte past the candidate's start, so a stray 0xFD or a torn frame loses
  only the frames it overlaps. Stock parsing skips the whole length the bad header claims.
* **Unknown message ids** are skipped the same way (one byte) and counted, never delivered. Their
  CRC cannot be checked (the CRC_EXTRA is unknown), so a header of garbage that happens to name an
  unknown id would otherwise be taken at its word and swallow the intact frames inside its claimed
  length; stock parsing returns a ``MAVLink_unknown`` and does exactly that.
* **Signature trailers.** The CRC does not cover the 13-byte signature, so a frame whose trailer
  was torn still passes its CRC. With the key, a frame whose signature fails is skipped one byte,
  like any bad candidate. Without a key nothing can be verified: the frame's CRC-checked content is
  delivered (unsigned in ``get_signed()``) and parsing resumes right after its CRC, so a torn
  trailer cannot swallow the next frame either.
* **Signing that cannot be blinded.** The signature is verified first; only a frame that carries a
  valid signature may advance its stream's replay timestamp. Stock 2.4.50 stores the timestamp
  first, so one forged frame with timestamp 2**48-1 locks the real sender out.
* **On a signed link** MAVLink 1 frames and unsigned frames are refused (except message ids in
  ``SigningConfig.allow_unsigned_msg_ids``), and a frame that carries a bad signature is refused
  even if its id is on that list.
* **Statistics** per remote (system id, component id) and for the whole codec, as frozen snapshots.

Candidates are judged only once all their bytes are here, so any chunking of a stream decodes
identically; ``flush()`` judges what is left when a stream ends. Everything that goes wrong in
``feed`` is counted, never raised.
"""

from __future__ import annotations

import hashlib
import hmac
import keyword
import operator
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from fastcrc.crc16 import mcrf4xx

from gcs.errors import FrameError, SigningError
from gcs.protocol.dialect import seaport

__all__ = [
    "SIGNING_EPOCH_UNIX_S",
    "CodecCounters",
    "LinkStats",
    "MavlinkCodec",
    "MavlinkMessage",
    "SigningConfig",
    "signing_timestamp_from_unix_s",
]

#: A message of the generated dialect (any subclass of ``seaport.MAVLink_message``).
MavlinkMessage: TypeAlias = Any

#: Signing timestamps count 10 µs units from 2015-01-01 00:00:00 UTC.
SIGNING_EPOCH_UNIX_S: Final = 1_420_070_400
_TICKS_PER_S: Final = 100_000
_MAX_TIMESTAMP: Final = (1 << 48) - 1

_MAGIC_V2: Final = 0xFD
_MAGIC_V1: Final = 0xFE
_HEADER_LEN_V2: Final = 10
_HEADER_LEN_V1: Final = 6
_SIGNATURE_LEN: Final = 13
_IFLAG_SIGNED: Final = 0x01

# magic, length, incompat flags, compat flags, seq, sysid, compid, msgid low 16 bits, msgid high 8 bits
_V2_HEADER: Final = struct.Struct("<BBBBBBBHB")
_V2_HEADER_TAIL: Final = struct.Struct("<BBBBBBHB")  # the same without the magic, read at pos + 1
_V1_HEADER_TAIL: Final = struct.Struct("<BBBBB")  # len, seq, sys, comp, id
_MAGIC: Final = re.compile(b"[\xfd\xfe]")
_ZEROS: Final = bytes(256)

_new_object = object.__new__

# What to do with a candidate frame (and what _check_signature answers).
_ACCEPT = 0  # deliver it
_REFUSE = 1  # an intact frame refused on purpose (unsigned, MAVLink 1, replayed): consume it whole
_BAD_CANDIDATE = 2  # not a frame after all (or a forged/torn signature): skip one byte
_BAD_SIGNATURE = _BAD_CANDIDATE

# Why a candidate failed (indexes into the failure counts of _parse).
_R_NONE, _R_BAD_HEADER, _R_UNKNOWN, _R_CRC = 0, 1, 2, 3


def signing_timestamp_from_unix_s(unix_time_s: float) -> int:
    """Signing timestamp (10 µs units since 2015-01-01 UTC) of a Unix time in seconds."""
    return int((unix_time_s - SIGNING_EPOCH_UNIX_S) * _TICKS_PER_S)


@dataclass(frozen=True, slots=True)
class SigningConfig:
    """How one link signs and checks MAVLink 2 frames.

    Attributes:
        secret_key: the shared 32-byte key.
        link_id: our link id, written into every frame we sign (0-255).
        sign_outgoing: sign the frames ``encode`` builds.
        allow_unsigned_msg_ids: message ids accepted unsigned (e.g. RADIO_STATUS from a radio that
            cannot sign); keep it empty unless a device really needs it.
        initial_timestamp: the last timestamp persisted before a restart (10 µs units since
            2015-01-01); outgoing timestamps start above max(this, the clock), so a reboot cannot
            reopen the replay window.
        new_stream_max_lag_s: a stream never seen before is accepted only if its timestamp is at
            most this far behind our clock (the MAVLink spec says one minute).

    Raises:
        SigningError: a key that is not 32 bytes, a link id outside 0-255, a negative timestamp.
    """

    secret_key: bytes = field(repr=False)  # never printed or logged
    link_id: int = 0
    sign_outgoing: bool = True
    allow_unsigned_msg_ids: frozenset[int] = frozenset()
    initial_timestamp: int = 0
    new_stream_max_lag_s: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.secret_key, bytes) or len(self.secret_key) != 32:
            raise SigningError("MAVLink signing needs a 32-byte secret key")
        if not 0 <= self.link_id <= 255:
            raise SigningError(f"signing link id must be 0-255, got {self.link_id}")
        if not 0 <= self.initial_timestamp <= _MAX_TIMESTAMP:
            raise SigningError(f"signing timestamp must fit in 48 bits, got {self.initial_timestamp}")
        if self.new_stream_max_lag_s < 0:
            raise SigningError("new_stream_max_lag_s must not be negative")


@dataclass(frozen=True, slots=True)
class LinkStats:
    """What one codec saw from one remote (system id, component id); a snapshot.

    Sequence gaps count as lost frames the way MAVProxy counts them (a jump of n means n - 1
    frames lost, modulo 256); a repeated sequence number counts as a duplicate, not a loss.
    Only accepted frames move the sequence tracking, so forged or refused frames cannot distort it.

    Attributes:
        frames_received: frames accepted and delivered.
        bytes_received: bytes of those frames.
        frames_lost: frames missing according to sequence gaps.
        duplicates: frames that repeated the previous sequence number.
        signature_failures: frames refused for a bad signature or a replayed or stale timestamp.
        rejected_unsigned: frames refused for being unsigned or MAVLink 1 on a signed link.
        last_seq: sequence number of the last accepted frame (-1 before the first).
    """

    frames_received: int
    bytes_received: int
    frames_lost: int
    duplicates: int
    signature_failures: int
    rejected_unsigned: int
    last_seq: int

    @property
    def loss_pct(self) -> float:
        """Lost frames as a percentage of the frames the remote sent (received + lost)."""
        sent = self.frames_received + self.frames_lost
        return 100.0 * self.frames_lost / sent if sent else 0.0


@dataclass(frozen=True, slots=True)
class CodecCounters:
    """Codec-wide counters; a snapshot.

    Attributes:
        bytes_received: every byte given to ``feed``.
        frames_received: frames accepted and delivered.
        bytes_skipped: bytes that belonged to no accepted or refused frame (garbage, broken frames).
        crc_errors: candidate frames whose CRC did not match.
        bad_headers: candidates with unknown incompatibility flags or a length impossible for
            their message id.
        unknown_msg_ids: candidates naming a message id outside the dialect; a real frame of
            another dialect and garbage that looks like a header cannot be told apart, because the
            CRC of an unknown id cannot be checked, so both are skipped one byte at a time.
        rejected_mavlink1: valid MAVLink 1 frames refused (signed link, or MAVLink 1 turned off).
        rejected_unsigned: valid unsigned MAVLink 2 frames refused on a signed link.
        accepted_unsigned: unsigned frames accepted on a signed link through the allow-list.
        bad_signatures: signed frames whose signature did not verify (wrong key or forged).
        replays: correctly signed frames refused for their timestamp: not newer than the last one
            of their stream, or a new stream more than a minute behind our clock.
        frames_sent: frames built by ``encode``.
        bytes_sent: bytes of those frames.
    """

    bytes_received: int
    frames_received: int
    bytes_skipped: int
    crc_errors: int
    bad_headers: int
    unknown_msg_ids: int
    rejected_mavlink1: int
    rejected_unsigned: int
    accepted_unsigned: int
    bad_signatures: int
    replays: int
    frames_sent: int
    bytes_sent: int


# --- per-message tables, built once from the generated dialect ------------------------------------

#: build(values, header, payload, msgbuf, crc, signed, link_id) -> message
_Builder: TypeAlias = Callable[[tuple[Any, ...], Any, bytes, bytes, int, bool, int | None], Any]


def _compile_builder(cls: Any) -> _Builder:
    """Compile a function that makes a ``cls`` message from its unpacked wire-order values.

    The result has exactly the attributes (and attribute order) that stock ``decode`` gives a
    message through ``MAVLink_message.__init__`` and the generated ``__init__``: arrays as lists,
    ``char`` fields as NUL-stripped bytes in ``_<name>_raw`` plus an ASCII ``str`` in ``<name>``.
    It is compiled from source, as ``dataclasses`` and ``namedtuple`` do, because straight-line
    attribute stores cost a tenth of a generic loop or of calling the generated ``__init__``.
    Only names from the generated dialect go into the source, each checked to be an identifier
    (a keyword, which ``m.<name>`` cannot spell, is stored through ``setattr``).
    """
    types = dict(zip(cls.fieldnames, cls.fieldtypes, strict=True))
    wire_start: dict[str, tuple[int, int]] = {}
    start = 0
    for name, count in zip(cls.ordered_fieldnames, cls.lengths, strict=True):
        wire_start[name] = (start, count)
        start += count
    lines = [
        "def build(v, header, payload, msgbuf, crc, signed, link_id):",
        "    m = new(cls)",
        "    m._header = header",
        "    m._payload = payload",
        "    m._msgbuf = msgbuf",
        "    m._crc = crc",
        "    m._fieldnames = fieldnames",
        "    m._type = msgname",
        "    m._signed = signed",
        "    m._link_id = link_id",
        "    m._instances = None",
        "    m._instance_field = instance_field",
        "    m._instance_offset = instance_offset",
    ]

    def store(name: str, value: str) -> str:
        if not name.isidentifier():
            raise ValueError(f"{cls.msgname}: field name {name!r} is not an identifier")
        return f"    setattr(m, {name!r}, {value})" if keyword.iskeyword(name) else f"    m.{name} = {value}"

    for name in cls.fieldnames:
        index, count = wire_start[name]
        if types[name] == "char":
            lines.append(f"    raw = v[{index}].rstrip(b'\\x00')")
            lines.append(store(f"_{name}_raw", "raw"))
            lines.append(store(name, "raw.split(b'\\x00', 1)[0].decode('ascii', errors='replace')"))
        elif count > 1:
            lines.append(store(name, f"list(v[{index}:{index + count}])"))
        else:
            lines.append(store(name, f"v[{index}]"))
    lines.append("    return m")
    namespace: dict[str, Any] = {
        "new": _new_object,
        "cls": cls,
        "fieldnames": cls.fieldnames,
        "msgname": cls.msgname,
        "instance_field": cls.instance_field,
        "instance_offset": cls.instance_offset,
    }
    exec("\n".join(lines), namespace)  # source built above from the dialect's own names only
    builder: _Builder = namespace["build"]
    return builder


class _Decoder:
    """How to check and unpack one message id: the generated class's metadata, precomputed."""

    __slots__ = ("build", "cls", "crc_extra", "max_len", "unpacker")

    def __init__(self, cls: Any) -> None:
        self.cls = cls
        self.crc_extra = bytes((cls.crc_extra,))
        self.unpacker: struct.Struct = cls.unpacker
        # A payload is at most the full size (MAVLink 2 may cut trailing zeros); anything longer
        # cannot be this message, so the candidate is rejected before its CRC is even read.
        self.max_len: int = cls.unpacker.size
        self.build = _compile_builder(cls)


class _Encoder:
    """How to pack one message class's fields in wire order, as its generated ``pack`` does."""

    __slots__ = ("array_lengths", "crc_extra", "getter", "msg_id", "single", "unpacker")

    def __init__(self, cls: Any) -> None:
        self.msg_id: int = cls.id
        self.crc_extra = bytes((cls.crc_extra,))
        self.unpacker: struct.Struct = cls.unpacker
        types = dict(zip(cls.fieldnames, cls.fieldtypes, strict=True))
        attrs = [f"_{n}_raw" if types[n] == "char" else n for n in cls.ordered_fieldnames]
        self.getter = operator.attrgetter(*attrs)
        self.single = len(attrs) == 1  # attrgetter of one name returns the value, not a tuple
        lengths = [
            0 if types[name] == "char" else count
            for name, count in zip(cls.ordered_fieldnames, cls.array_lengths, strict=True)
        ]
        self.array_lengths: tuple[int, ...] | None = tuple(lengths) if any(lengths) else None

    def payload(self, msg: Any) -> bytes:
        values = self.getter(msg)
        if self.single:
            values = (values,)
        if self.array_lengths is None:
            return self.unpacker.pack(*values)
        flat: list[Any] = []
        for value, count in zip(values, self.array_lengths, strict=True):
            if count:
                flat.extend(value[i] for i in range(count))
            else:
                flat.append(value)
        return self.unpacker.pack(*flat)


def _build_tables() -> tuple[dict[int, _Decoder], dict[int, _Encoder]]:
    decoders: dict[int, _Decoder] = {}
    encoders: dict[int, _Encoder] = {}
    for msg_id, cls in seaport.mavlink_map.items():
        decoders[msg_id] = _Decoder(cls)
        encoders[msg_id] = _Encoder(cls)
    return decoders, encoders


# Derived from the generated dialect only, never mutated: shared by every codec.
_DECODERS, _ENCODERS = _build_tables()
_HEADER_CLASS: Final = seaport.MAVLink_header


class _Remote:
    """Mutable counters behind one ``LinkStats`` snapshot."""

    __slots__ = (
        "bytes",
        "duplicates",
        "frames",
        "last_seq",
        "lost",
        "rejected_unsigned",
        "signature_failures",
    )

    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self.lost = 0
        self.duplicates = 0
        self.signature_failures = 0
        self.rejected_unsigned = 0
        self.last_seq = -1

    def snapshot(self) -> LinkStats:
        return LinkStats(
            frames_received=self.frames,
            bytes_received=self.bytes,
            frames_lost=self.lost,
            duplicates=self.duplicates,
            signature_failures=self.signature_failures,
            rejected_unsigned=self.rejected_unsigned,
            last_seq=self.last_seq,
        )


class MavlinkCodec:
    """One MAVLink 2 endpoint's framing, signing and link statistics; hold one per link.

    Args:
        system_id: our MAVLink system id, written into every frame we build (1-255).
        component_id: our component id (0-255).
        signing: sign outgoing frames and require signed incoming ones; ``None`` for an open link.
        unix_time_s: the wall clock, read only to stamp signed frames and to judge new streams
            (pass ``clock.unix_time_s``). Never feed it GNSS time: a spoofed receiver would then
            move the replay window.
        accept_mavlink1: accept MAVLink 1 frames; ``None`` means yes on an open link, no on a
            signed one.

    Raises:
        SigningError: MAVLink 1 asked for on a signed link (MAVLink 1 cannot carry a signature).
        ValueError: a system or component id out of range.
    """

    def __init__(
        self,
        system_id: int,
        component_id: int,
        *,
        signing: SigningConfig | None = None,
        unix_time_s: Callable[[], float] = time.time,
        accept_mavlink1: bool | None = None,
    ) -> None:
        if not 1 <= system_id <= 255:
            raise ValueError(f"system id must be 1-255, got {system_id}")
        if not 0 <= component_id <= 255:
            raise ValueError(f"component id must be 0-255, got {component_id}")
        if signing is not None and accept_mavlink1:
            raise SigningError("a signed link refuses MAVLink 1: it cannot carry a signature")
        self._system_id = system_id
        self._component_id = component_id
        self._signing = signing
        self._unix_time_s = unix_time_s
        self._accept_v1 = signing is None if accept_mavlink1 is None else accept_mavlink1
        self._seq = 0
        self._pending = b""
        self._trailer_end = 0  # see _parse: end of an unverified signature trailer within _pending
        self._remotes: dict[int, _Remote] = {}
        # Signing state. _key_hash is SHA-256 already fed with the key, copied per frame.
        self._key_hash = hashlib.sha256(signing.secret_key) if signing is not None else None
        self._sign_outgoing = signing is not None and signing.sign_outgoing
        self._link_id = signing.link_id if signing is not None else 0
        self._allow_unsigned = signing.allow_unsigned_msg_ids if signing is not None else frozenset()
        self._timestamp = signing.initial_timestamp if signing is not None else 0
        self._stream_timestamps: dict[tuple[int, int, int], int] = {}
        # Codec-wide counters (snapshotted by counters()).
        self._bytes_received = 0
        self._frames_received = 0
        self._bytes_skipped = 0
        self._crc_errors = 0
        self._bad_headers = 0
        self._unknown_msg_ids = 0
        self._rejected_mavlink1 = 0
        self._rejected_unsigned = 0
        self._accepted_unsigned = 0
        self._bad_signatures = 0
        self._replays = 0
        self._frames_sent = 0
        self._bytes_sent = 0

    # --- properties ------------------------------------------------------------------------------

    @property
    def system_id(self) -> int:
        return self._system_id

    @property
    def component_id(self) -> int:
        return self._component_id

    @property
    def signing(self) -> SigningConfig | None:
        return self._signing

    @property
    def signing_timestamp(self) -> int:
        """The last signing timestamp we sent (10 µs units since 2015-01-01), or the initial one.

        Persist it at least once a minute and pass it back as ``SigningConfig.initial_timestamp``
        after a restart.
        """
        return self._timestamp

    @property
    def pending_bytes(self) -> int:
        """Bytes buffered while waiting for the rest of a frame."""
        return len(self._pending)

    # --- statistics ------------------------------------------------------------------------------

    def stats(self) -> dict[tuple[int, int], LinkStats]:
        """Per-remote statistics keyed by (system id, component id), as snapshots."""
        return {(key >> 8, key & 0xFF): remote.snapshot() for key, remote in self._remotes.items()}

    def counters(self) -> CodecCounters:
        """Codec-wide counters, as a snapshot."""
        return CodecCounters(
            bytes_received=self._bytes_received,
            frames_received=self._frames_received,
            bytes_skipped=self._bytes_skipped,
            crc_errors=self._crc_errors,
            bad_headers=self._bad_headers,
            unknown_msg_ids=self._unknown_msg_ids,
            rejected_mavlink1=self._rejected_mavlink1,
            rejected_unsigned=self._rejected_unsigned,
            accepted_unsigned=self._accepted_unsigned,
            bad_signatures=self._bad_signatures,
            replays=self._replays,
            frames_sent=self._frames_sent,
            bytes_sent=self._bytes_sent,
        )

    # --- encoding --------------------------------------------------------------------------------

    def encode(self, msg: MavlinkMessage) -> bytes:
        """Build the MAVLink 2 frame of ``msg`` with our ids and next sequence number; sign it if set up.

        The message object is left as it is (stock ``pack`` stamps header and buffer on it), so one
        message can be encoded by several codecs; the returned bytes are the frame.

        Raises:
            FrameError: the message is not of the dialect or a field does not fit its wire type.
            SigningError: the signing timestamp would pass 2**48 - 1 (a clock far in the future).
        """
        # The id lives on the class: some messages (STATUSTEXT, ...) have a field called ``id``.
        encoder = _ENCODERS.get(getattr(type(msg), "id", None))  # type: ignore[arg-type]
        if encoder is None:
            raise FrameError(f"cannot encode {type(msg).__name__}: not a message of the seaport dialect")
        try:
            payload = encoder.payload(msg)
        except (struct.error, TypeError, AttributeError, IndexError, ValueError) as exc:
            raise FrameError(f"cannot encode {msg.msgname}: {exc}") from exc
        # MAVLink 2 cuts trailing zero bytes off the payload but always keeps the first byte.
        body = payload.rstrip(b"\x00") or payload[:1]
        seq = self._seq
        self._seq = (seq + 1) & 0xFF
        msg_id = encoder.msg_id
        sign = self._sign_outgoing
        frame = (
            _V2_HEADER.pack(
                _MAGIC_V2,
                len(body),
                _IFLAG_SIGNED if sign else 0,
                0,
                seq,
                self._system_id,
                self._component_id,
                msg_id & 0xFFFF,
                msg_id >> 16,
            )
            + body
        )
        crc = mcrf4xx(encoder.crc_extra, mcrf4xx(frame[1:]))
        frame += crc.to_bytes(2, "little")
        if sign:
            assert self._key_hash is not None  # sign_outgoing implies a key
            frame += (self._link_id | self._next_timestamp() << 8).to_bytes(7, "little")
            digest = self._key_hash.copy()
            digest.update(frame)
            frame += digest.digest()[:6]
        self._frames_sent += 1
        self._bytes_sent += len(frame)
        return frame

    def _next_timestamp(self) -> int:
        # Strictly increasing, and never behind the clock: max(clock, last + 1).
        now = signing_timestamp_from_unix_s(self._unix_time_s())
        timestamp = max(now, self._timestamp + 1)
        if timestamp > _MAX_TIMESTAMP:
            raise SigningError(
                "the 48-bit signing timestamp is exhausted: the clock or the persisted value is wrong"
            )
        self._timestamp = timestamp
        return timestamp

    # --- decoding --------------------------------------------------------------------------------

    def feed(self, data: bytes | bytearray | memoryview) -> list[MavlinkMessage]:
        """Parse ``data`` (any chunk of the byte stream) and return the messages it completes.

        A partial frame at the end is kept for the next call, and a candidate frame is judged
        only once all its bytes are here, so how the stream is cut into chunks never changes
        the result. Bad bytes are counted and skipped; this never raises on any input.
        """
        self._bytes_received += len(data)
        return self._parse(self._pending + bytes(data) if self._pending else bytes(data), final=False)

    def flush(self) -> list[MavlinkMessage]:
        """The stream has ended: judge the buffered bytes now and return the messages among them.

        A candidate still waiting for bytes (a torn frame, or a stray magic byte whose claimed
        length runs past the end) is skipped one byte at a time like any bad candidate, so
        frames after it are delivered. Call it when a link closes or a log file ends.
        """
        return self._parse(self._pending, final=True) if self._pending else []

    def _parse(self, buf: bytes, *, final: bool) -> list[MavlinkMessage]:
        # One immutable bytes object per call: slicing it is cheap and messages keep the slices.
        n = len(buf)
        out: list[MavlinkMessage] = []
        pos = 0
        decoders = _DECODERS
        unpack_v2 = _V2_HEADER_TAIL.unpack_from
        unpack_v1 = _V1_HEADER_TAIL.unpack_from
        remotes = self._remotes
        signing = self._signing
        accept_v1 = self._accept_v1
        new = _new_object
        header_class = _HEADER_CLASS
        skipped = accepted = 0
        reason = _R_NONE  # why the candidate at pos failed; counted when it is skipped
        failures = [0, 0, 0, 0]  # by reason
        trailer_end = self._trailer_end  # bytes before this are an unverified signature trailer

        while pos < n:
            magic = buf[pos]
            if magic == _MAGIC_V2:
                if n - pos < _HEADER_LEN_V2:
                    if not final:
                        break  # wait for the whole header
                else:
                    plen, iflags, cflags, seq, sysid, compid, id_lo, id_hi = unpack_v2(buf, pos + 1)
                    msg_id = id_lo | id_hi << 16
                    decoder = decoders.get(msg_id)
                    flen = _HEADER_LEN_V2 + plen + 2 + (_SIGNATURE_LEN if iflags else 0)
                    verdict = _BAD_CANDIDATE
                    if iflags & ~_IFLAG_SIGNED or (decoder is not None and plen > decoder.max_len):
                        reason = _R_BAD_HEADER
                    elif decoder is None:
                        reason = _R_UNKNOWN
                    elif n - pos < flen and not (
                        # At the end of the stream, an unverifiable trailer may be missing (below).
                        final and signing is None and iflags and n - pos >= flen - _SIGNATURE_LEN
                    ):
                        if not final:
                            break  # judge a candidate only once all of it is here
                    else:
                        payload_at = pos + _HEADER_LEN_V2
                        crc_at = payload_at + plen
                        crc = buf[crc_at] | buf[crc_at + 1] << 8
                        if mcrf4xx(decoder.crc_extra, mcrf4xx(buf[pos + 1 : crc_at])) != crc:
                            reason = _R_CRC
                        elif signing is None:
                            verdict = _ACCEPT
                        elif iflags:
                            verdict = self._check_signature(buf, pos, flen, sysid, compid)
                        elif msg_id in self._allow_unsigned:
                            self._accepted_unsigned += 1
                            verdict = _ACCEPT
                        else:
                            self._rejected_unsigned += 1
                            self._remote(sysid, compid).rejected_unsigned += 1
                            verdict = _REFUSE
                    if verdict == _ACCEPT and decoder is not None:  # (decoder: for mypy)
                        # Build the message as stock decode would, without its generic unpacking
                        # loop and the generated __init__ (see _compile_builder).
                        max_len = decoder.max_len
                        if plen == max_len:
                            values = decoder.unpacker.unpack_from(buf, payload_at)
                        else:  # MAVLink 2 cut the trailing zeros off the payload: put them back
                            values = decoder.unpacker.unpack(
                                buf[payload_at:crc_at] + _ZEROS[: max_len - plen]
                            )
                        header = new(header_class)
                        header.mlen = plen
                        header.seq = seq
                        header.srcSystem = sysid
                        header.srcComponent = compid
                        header.msgId = msg_id
                        header.incompat_flags = iflags
                        header.compat_flags = cflags
                        verified = iflags != 0 and signing is not None
                        out.append(
                            decoder.build(
                                values,
                                header,
                                buf[payload_at:crc_at],
                                buf[pos : pos + flen],
                                crc,
                                verified,
                                buf[crc_at + 2] if verified else None,
                            )
                        )
                        accepted += 1
                        # Per-remote statistics, inline because this runs for every frame.
                        key = sysid << 8 | compid
                        remote = remotes.get(key)
                        if remote is None:
                            remote = remotes[key] = _Remote()
                        elif remote.last_seq >= 0 and (gap := (seq - remote.last_seq - 1) & 0xFF):
                            if gap == 0xFF:
                                remote.duplicates += 1
                            else:
                                remote.lost += gap
                        remote.last_seq = seq
                        remote.frames += 1
                        remote.bytes += flen
                        if iflags and signing is None:
                            # Without the key the signature trailer is not proof of anything, not
                            # even of where the frame ends: go on right after the CRC, so that a
                            # torn trailer cannot swallow the start of the next frame.
                            pos = crc_at + 2
                            trailer_end = pos + _SIGNATURE_LEN
                        else:
                            pos += flen
                        continue
                    if verdict == _REFUSE:
                        pos += flen  # an intact frame, refused on purpose: consumed whole
                        continue
                    # _BAD_CANDIDATE, and _BAD_SIGNATURE too: the CRC does not cover the trailer,
                    # so a frame whose trailer was torn fails its signature; skipping one byte
                    # keeps the frame after it.
            elif magic == _MAGIC_V1:
                if n - pos < _HEADER_LEN_V1:
                    if not final:
                        break
                else:
                    plen, seq, sysid, compid, msg_id = unpack_v1(buf, pos + 1)
                    decoder = decoders.get(msg_id)
                    flen = _HEADER_LEN_V1 + plen + 2
                    if decoder is None:
                        reason = _R_UNKNOWN
                    elif plen > decoder.max_len:
                        reason = _R_BAD_HEADER
                    elif n - pos < flen:
                        if not final:
                            break
                    else:
                        crc_at = pos + _HEADER_LEN_V1 + plen
                        crc = buf[crc_at] | buf[crc_at + 1] << 8
                        if mcrf4xx(decoder.crc_extra, mcrf4xx(buf[pos + 1 : crc_at])) != crc:
                            reason = _R_CRC
                        elif not accept_v1:
                            self._rejected_mavlink1 += 1
                            self._remote(sysid, compid).rejected_unsigned += 1
                            pos += flen
                            continue
                        else:
                            out.append(self._build_v1(buf, pos, decoder, crc))
                            accepted += 1
                            self._count_frame(sysid, compid, seq, flen)
                            pos += flen
                            continue
            # No frame starts here: go on at the next magic byte after this position, so a bad
            # candidate costs one byte and never the intact frames inside its claimed length.
            found = _MAGIC.search(buf, pos + 1)
            nxt = found.start() if found is not None else n
            if pos >= trailer_end:
                skipped += nxt - pos
                failures[reason] += 1
            else:  # inside an unverified signature trailer: its bytes are no garbage, nor its "magic"
                skipped += max(0, nxt - trailer_end)
            reason = _R_NONE
            pos = nxt

        self._pending = buf[pos:] if pos < n else b""
        self._trailer_end = max(0, trailer_end - pos) if self._pending else 0
        self._bytes_skipped += skipped
        self._crc_errors += failures[_R_CRC]
        self._bad_headers += failures[_R_BAD_HEADER]
        self._unknown_msg_ids += failures[_R_UNKNOWN]
        self._frames_received += accepted
        return out

    @staticmethod
    def _build_v1(buf: bytes, pos: int, decoder: _Decoder, crc: int) -> MavlinkMessage:
        # MAVLink 1 is rare (and refused on signed links), so it gets the plain, unhurried path.
        plen, seq, sysid, compid, msg_id = _V1_HEADER_TAIL.unpack_from(buf, pos + 1)
        payload = buf[pos + _HEADER_LEN_V1 : pos + _HEADER_LEN_V1 + plen]
        values = decoder.unpacker.unpack(payload + _ZEROS[: decoder.max_len - plen])
        header = seaport.MAVLink_header(msg_id, 0, 0, plen, seq, sysid, compid)
        frame = buf[pos : pos + _HEADER_LEN_V1 + plen + 2]
        return decoder.build(values, header, payload, frame, crc, False, None)

    def _remote(self, sysid: int, compid: int) -> _Remote:
        key = sysid << 8 | compid
        remote = self._remotes.get(key)
        if remote is None:
            remote = self._remotes[key] = _Remote()
        return remote

    def _count_frame(self, sysid: int, compid: int, seq: int, flen: int) -> None:
        # The same bookkeeping as the inlined MAVLink 2 path in feed().
        remote = self._remote(sysid, compid)
        if remote.last_seq >= 0 and (gap := (seq - remote.last_seq - 1) & 0xFF) != 0:
            if gap == 0xFF:
                remote.duplicates += 1
            else:
                remote.lost += gap
        remote.last_seq = seq
        remote.frames += 1
        remote.bytes += flen

    def _check_signature(self, buf: bytes, pos: int, flen: int, sysid: int, compid: int) -> int:
        """Verify the signature of the frame at ``pos``, then check and commit its stream timestamp.

        Returns ``_ACCEPT``, ``_BAD_SIGNATURE`` or ``_REFUSE`` (a replayed or stale timestamp).

        The order is the point: a frame that does not verify never touches the replay state, so
        a forged far-future timestamp cannot lock the real sender out.
        """
        assert self._key_hash is not None
        assert self._signing is not None
        end = pos + flen
        digest = self._key_hash.copy()
        digest.update(buf[pos : end - 6])
        if not hmac.compare_digest(digest.digest()[:6], buf[end - 6 : end]):
            self._bad_signatures += 1
            self._remote(sysid, compid).signature_failures += 1
            return _BAD_SIGNATURE
        link_id = buf[end - 13]
        timestamp = int.from_bytes(buf[end - 12 : end - 6], "little")
        stream = (link_id, sysid, compid)
        last = self._stream_timestamps.get(stream)
        if last is None:
            now = max(self._timestamp, signing_timestamp_from_unix_s(self._unix_time_s()))
            fresh = timestamp + int(self._signing.new_stream_max_lag_s * _TICKS_PER_S) >= now
        else:
            fresh = timestamp > last
        if not fresh:
            self._replays += 1
            self._remote(sysid, compid).signature_failures += 1
            return _REFUSE
        self._stream_timestamps[stream] = timestamp
        # Unlike the C library, we do not move our own timestamp up to a peer's: a peer's clock
        # may follow GNSS time (spoofable, ArduPilot issue 13860), and one at 2**48-1 would
        # exhaust ours. Our stamps come from our clock alone.
        return _ACCEPT
