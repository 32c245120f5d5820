"""MQTT 5 packets for a client that only publishes: bytes out, packets in. Sans-IO: no sockets, no asyncio.

What the bridge's main connection needs and nothing more: CONNECT (with a Will and credentials),
PUBLISH (QoS 0 or 1, retain, message expiry), PINGREQ and DISCONNECT out; CONNACK, PUBACK, PINGRESP
and DISCONNECT in. There is no SUBSCRIBE here at all: the bridge is read-only fan-out by construction.
Layouts are those of the MQTT 5.0 standard (OASIS, 2019), sections 2 (variable byte integers,
properties) and 3.1-3.14.

``Reader.feed(data)`` keeps a partial packet until the rest arrives and returns the packets
completed so far; a packet it cannot parse raises ``MalformedPacket`` (the connection is then
unusable). Knows nothing of the hub, routes, topics' meaning or asyncio.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Final

PROTOCOL_NAME: Final = b"\x00\x04MQTT"
PROTOCOL_LEVEL: Final = 5
MAX_PACKET_ID: Final = 0xFFFF
MAX_REMAINING_LENGTH: Final = 268_435_455
PINGREQ: Final = b"\xc0\x00"
DISCONNECT: Final = b"\xe0\x00"  # reason 0x00, normal disconnection: the broker drops the Will

_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")


class MalformedPacket(ValueError):
    """Bytes from the broker that are not the MQTT 5 this client expects."""


class PacketType(enum.IntEnum):
    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15


class Property(enum.IntEnum):
    """The property identifiers this client writes or reads (MQTT 5.0, section 2.2.2.2)."""

    MESSAGE_EXPIRY_INTERVAL = 0x02
    ASSIGNED_CLIENT_IDENTIFIER = 0x12
    SERVER_KEEP_ALIVE = 0x13
    REASON_STRING = 0x1F
    RECEIVE_MAXIMUM = 0x21
    TOPIC_ALIAS_MAXIMUM = 0x22
    MAXIMUM_QOS = 0x24
    RETAIN_AVAILABLE = 0x25
    MAXIMUM_PACKET_SIZE = 0x27


# Each property's encoding, by identifier (section 2.2.2.2), so unknown ones can be skipped.
_BYTE, _U16_KIND, _U32_KIND, _VARINT, _UTF8, _BINARY, _PAIR = range(7)
_PROPERTY_KINDS: Final = {
    0x01: _BYTE, 0x02: _U32_KIND, 0x03: _UTF8, 0x08: _UTF8, 0x09: _BINARY, 0x0B: _VARINT,
    0x11: _U32_KIND, 0x12: _UTF8, 0x13: _U16_KIND, 0x15: _UTF8, 0x16: _BINARY, 0x17: _BYTE,
    0x18: _U32_KIND, 0x19: _BYTE, 0x1A: _UTF8, 0x1C: _UTF8, 0x1F: _UTF8, 0x21: _U16_KIND,
    0x22: _U16_KIND, 0x23: _U16_KIND, 0x24: _BYTE, 0x25: _BYTE, 0x26: _PAIR, 0x27: _U32_KIND,
    0x28: _BYTE, 0x29: _BYTE, 0x2A: _BYTE,
}

REASONS: Final = {
    0x00: "Success", 0x04: "Disconnect with Will Message", 0x10: "No matching subscribers",
    0x80: "Unspecified error", 0x81: "Malformed Packet", 0x82: "Protocol Error",
    0x83: "Implementation specific error", 0x84: "Unsupported Protocol Version",
    0x85: "Client Identifier not valid", 0x86: "Bad User Name or Password", 0x87: "Not authorized",
    0x88: "Server unavailable", 0x89: "Server busy", 0x8A: "Banned", 0x8B: "Server shutting down",
    0x8C: "Bad authentication method", 0x8D: "Keep Alive timeout", 0x8E: "Session taken over",
    0x90: "Topic Name invalid", 0x93: "Receive Maximum exceeded", 0x94: "Topic Alias invalid",
    0x95: "Packet too large", 0x97: "Quota exceeded", 0x99: "Payload format invalid",
    0x9A: "Retain not supported", 0x9B: "QoS not supported", 0x9C: "Use another server",
    0x9D: "Server moved", 0x9F: "Connection rate exceeded",
}


def reason_text(code: int) -> str:
    """``"Not authorized (0x87)"`` for a reason code."""
    return f"{REASONS.get(code, 'Unknown reason')} (0x{code:02X})"


# -- encoding -----------------------------------------------------------------------------------


def varint(value: int) -> bytes:
    """A Variable Byte Integer (section 1.5.5): 7 bits a byte, least significant first.

    Raises:
        ValueError: ``value`` is negative or above 268,435,455.
    """
    if not 0 <= value <= MAX_REMAINING_LENGTH:
        raise ValueError(f"{value} does not fit a variable byte integer (0..{MAX_REMAINING_LENGTH})")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while True:
        digit, value = value & 0x7F, value >> 7
        out.append(digit | 0x80 if value else digit)
        if not value:
            return bytes(out)


def _string(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > 0xFFFF:
        raise ValueError(f"a string of {len(raw)} bytes is over MQTT's 65,535")
    return _U16.pack(len(raw)) + raw


def _packet(first_byte: int, body: bytes) -> bytes:
    return bytes((first_byte,)) + varint(len(body)) + body


def connect(
    client_id: str,
    *,
    keepalive_s: int,
    clean_start: bool = True,
    username: str | None = None,
    password: str | None = None,
    will_topic: str | None = None,
    will_payload: bytes = b"",
    will_qos: int = 1,
    will_retain: bool = True,
) -> bytes:
    """A CONNECT packet (section 3.1) with no connect properties (the broker's defaults).

    Raises:
        ValueError: a field out of range (keep-alive, QoS, a string over 65,535 bytes).
    """
    if not 0 <= keepalive_s <= 0xFFFF:
        raise ValueError(f"keepalive_s must be 0..65535, got {keepalive_s}")
    if will_qos not in (0, 1, 2):
        raise ValueError(f"will_qos must be 0, 1 or 2, got {will_qos}")
    flags = 0x02 if clean_start else 0
    payload = [_string(client_id)]
    if will_topic is not None:
        flags |= 0x04 | (will_qos << 3) | (0x20 if will_retain else 0)
        payload += [b"\x00", _string(will_topic), _string(will_payload)]  # no will properties
    if username is not None:
        flags |= 0x80
        payload.append(_string(username))
    if password is not None:
        flags |= 0x40
        payload.append(_string(password))
    header = PROTOCOL_NAME + bytes((PROTOCOL_LEVEL, flags)) + _U16.pack(keepalive_s) + b"\x00"
    return _packet(PacketType.CONNECT << 4, header + b"".join(payload))


def publish(
    topic: bytes,
    payload: bytes,
    *,
    qos: int,
    retain: bool,
    packet_id: int = 0,
    expiry_s: int | None = None,
) -> bytes:
    """A PUBLISH packet (section 3.3); ``topic`` already UTF-8; ``packet_id`` for QoS 1 only.

    Raises:
        ValueError: QoS other than 0 or 1, a packet id out of range, a topic over 65,535 bytes.
    """
    if qos == 1:
        if not 1 <= packet_id <= MAX_PACKET_ID:
            raise ValueError(f"a QoS 1 message needs a packet id 1..65535, got {packet_id}")
        ident = _U16.pack(packet_id)
    elif qos == 0:
        ident = b""
    else:
        raise ValueError(f"this client publishes QoS 0 or 1, not {qos}")
    properties = b"\x00" if expiry_s is None else b"\x05\x02" + _U32.pack(expiry_s)
    body = b"".join((_string(topic), ident, properties, payload))
    return _packet((PacketType.PUBLISH << 4) | (qos << 1) | (1 if retain else 0), body)


# -- decoding -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnAck:
    """The broker's answer to CONNECT; ``reason_code`` 0 is success."""

    session_present: bool
    reason_code: int
    receive_maximum: int = 65_535
    maximum_qos: int = 2
    retain_available: bool = True
    maximum_packet_size: int | None = None
    server_keepalive_s: int | None = None
    reason_string: str | None = None


@dataclass(frozen=True, slots=True)
class PubAck:
    """The broker took a QoS 1 message (``reason_code`` under 0x80) or refused it."""

    packet_id: int
    reason_code: int = 0


@dataclass(frozen=True, slots=True)
class PingResp:
    """The answer to PINGREQ."""


@dataclass(frozen=True, slots=True)
class Disconnect:
    """The broker is closing the connection, and why."""

    reason_code: int = 0
    reason_string: str | None = None


@dataclass(frozen=True, slots=True)
class Unexpected:
    """A packet a publish-only client never asked for (a PUBLISH, a SUBACK...)."""

    packet_type: int


Incoming = ConnAck | PubAck | PingResp | Disconnect | Unexpected


class Reader:
    """Packets from the broker's byte stream; partial packets wait for their rest."""

    def __init__(self, *, max_packet_bytes: int = 1 << 20) -> None:
        self._buffer = bytearray()
        self._max = max_packet_bytes

    def feed(self, data: bytes) -> list[Incoming]:
        """The packets ``data`` completes, in order.

        Raises:
            MalformedPacket: bytes that are not a packet this client can read.
        """
        buffer = self._buffer
        buffer += data
        out: list[Incoming] = []
        start = 0
        while (header := _fixed_header(buffer, start)) is not None:
            length, body_at = header
            if length > self._max:
                raise MalformedPacket(f"a packet of {length} bytes (more than {self._max})")
            if len(buffer) - body_at < length:
                break
            out.append(_decode(buffer[start], bytes(buffer[body_at:body_at + length])))
            start = body_at + length
        del buffer[:start]
        return out


def _fixed_header(buffer: bytearray, start: int) -> tuple[int, int] | None:
    """The remaining length of the packet at ``start`` and where its body begins; None if the
    header is not all there yet."""
    pos = start + 1
    length = 0
    for shift in (0, 7, 14, 21):
        if pos >= len(buffer):
            return None
        digit = buffer[pos]
        pos += 1
        length |= (digit & 0x7F) << shift
        if not digit & 0x80:
            return length, pos
    raise MalformedPacket("a remaining length of more than 4 bytes")


def _decode(first: int, body: bytes) -> Incoming:
    kind = first >> 4
    if kind == PacketType.PUBACK:
        if len(body) < 2:
            raise MalformedPacket(f"a PUBACK of {len(body)} bytes")
        return PubAck(_U16.unpack_from(body)[0], body[2] if len(body) > 2 else 0)
    if kind == PacketType.CONNACK:
        return _connack(body)
    if kind == PacketType.PINGRESP:
        return PingResp()
    if kind == PacketType.DISCONNECT:
        if not body:
            return Disconnect()
        props = _properties(body, 1) if len(body) > 1 else {}
        reason = props.get(Property.REASON_STRING)
        return Disconnect(body[0], reason if isinstance(reason, str) else None)
    return Unexpected(kind)


def _connack(body: bytes) -> ConnAck:
    if len(body) < 2:
        raise MalformedPacket(f"a CONNACK of {len(body)} bytes")
    props = _properties(body, 2) if len(body) > 2 else {}

    def number(key: Property) -> int | None:
        value = props.get(key)
        return value if isinstance(value, int) else None

    reason = props.get(Property.REASON_STRING)
    receive_maximum = number(Property.RECEIVE_MAXIMUM)
    maximum_qos = number(Property.MAXIMUM_QOS)
    retain = number(Property.RETAIN_AVAILABLE)
    return ConnAck(
        session_present=bool(body[0] & 0x01),
        reason_code=body[1],
        receive_maximum=65_535 if receive_maximum is None else receive_maximum,
        maximum_qos=2 if maximum_qos is None else maximum_qos,
        retain_available=retain is None or retain == 1,
        maximum_packet_size=number(Property.MAXIMUM_PACKET_SIZE),
        server_keepalive_s=number(Property.SERVER_KEEP_ALIVE),
        reason_string=reason if isinstance(reason, str) else None,
    )


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 28, 7):
        if pos >= len(data):
            raise MalformedPacket("a variable byte integer cut short")
        digit = data[pos]
        pos += 1
        value |= (digit & 0x7F) << shift
        if not digit & 0x80:
            return value, pos
    raise MalformedPacket("a variable byte integer of more than 4 bytes")


def _properties(data: bytes, pos: int) -> dict[int, int | str | bytes | tuple[str, str]]:
    """The properties at ``pos`` (length first); later values of a repeated one win."""
    length, pos = _read_varint(data, pos)
    end = pos + length
    if end > len(data):
        raise MalformedPacket(f"properties of {length} bytes in a packet that has {len(data) - pos}")
    out: dict[int, int | str | bytes | tuple[str, str]] = {}
    try:
        while pos < end:
            ident, pos = _read_varint(data, pos)
            kind = _PROPERTY_KINDS.get(ident)
            if kind is None:
                raise MalformedPacket(f"unknown property 0x{ident:02X}")
            value: int | str | bytes | tuple[str, str]
            if kind == _BYTE:
                value, pos = data[pos], pos + 1
            elif kind == _U16_KIND:
                value, pos = _U16.unpack_from(data, pos)[0], pos + 2
            elif kind == _U32_KIND:
                value, pos = _U32.unpack_from(data, pos)[0], pos + 4
            elif kind == _VARINT:
                value, pos = _read_varint(data, pos)
            elif kind == _PAIR:
                key, pos = _read_string(data, pos)
                val, pos = _read_string(data, pos)
                value = (key, val)
            else:
                (size,) = _U16.unpack_from(data, pos)
                raw = data[pos + 2:pos + 2 + size]
                pos += 2 + size
                value = raw.decode(errors="replace") if kind == _UTF8 else raw
            out[ident] = value
    except (IndexError, struct.error) as exc:
        raise MalformedPacket(f"properties cut short: {exc}") from None
    if pos != end:
        raise MalformedPacket("properties overrun their length")
    return out


def _read_string(data: bytes, pos: int) -> tuple[str, int]:
    (size,) = _U16.unpack_from(data, pos)
    return data[pos + 2:pos + 2 + size].decode(errors="replace"), pos + 2 + size
