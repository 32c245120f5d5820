"""Connection strings as MAVProxy and pymavlink users write them, parsed into frozen values.

Knows nothing of sockets, ports being open, MAVLink or NMEA: it only reads and writes the strings.

Accepted forms (the scheme is case-insensitive)::

    udpin:HOST:PORT      listen for datagrams; replies go to the last peer that sent (``udp:`` is an alias)
    udpin::PORT          listen on every interface (canonical host 0.0.0.0)
    udpout:HOST:PORT     send datagrams to HOST:PORT
    tcp:HOST:PORT        connect to a TCP server
    tcpin:HOST:PORT      listen for TCP peers, one at a time (a newer peer waits: gcs.transport.peer_gate)
    serial:DEV:BAUD      a serial device, e.g. serial:/dev/ttyUSB0:921600
    serial:DEV,BAUD      the same, MAVProxy's spelling
    DEV[,BAUD]           a bare device path, e.g. /dev/ttyUSB0,921600 or /dev/ttyUSB0 (57600 baud)
    mem:NAME             one end of a named in-memory wire (tests)

IPv6 hosts go in brackets (``udpin:[::1]:14550``). Listeners may use port 0 for "any free port".
A serial device path may itself contain colons (``/dev/serial/by-path/pci-0000:00:14.0-usb-0:2``):
only an all-digit tail after the last ``:`` is read as the baud rate, so such a path needs an
explicit baud rate when its own last segment is all digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from gcs.errors import EndpointError

DEFAULT_BAUD = 57600  # MAVProxy's default for a serial master
"""Baud rate used when a serial endpoint names none."""

_ANY_HOST = "0.0.0.0"
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_IPV6 = re.compile(r"^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$")
_MEMORY_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_HOST_PORT = "HOST:PORT (e.g. 127.0.0.1:14550)"
_FORMS = (
    "udpin:HOST:PORT, udpout:HOST:PORT, udp:HOST:PORT, tcp:HOST:PORT, tcpin:HOST:PORT, "
    "serial:/dev/DEVICE:BAUD, /dev/DEVICE[,BAUD] or mem:NAME"
)


class EndpointKind(Enum):
    """What kind of byte stream an endpoint names; the value is its canonical scheme."""

    UDP_IN = "udpin"
    UDP_OUT = "udpout"
    TCP = "tcp"
    TCP_IN = "tcpin"
    SERIAL = "serial"
    MEMORY = "mem"

    @property
    def is_network(self) -> bool:
        return self in _NETWORK_KINDS

    @property
    def is_listener(self) -> bool:
        """True for kinds that bind a local port and wait for peers."""
        return self in (EndpointKind.UDP_IN, EndpointKind.TCP_IN)


_NETWORK_KINDS = frozenset({EndpointKind.UDP_IN, EndpointKind.UDP_OUT, EndpointKind.TCP, EndpointKind.TCP_IN})
_SCHEMES = {
    "udpin": EndpointKind.UDP_IN,
    "udp": EndpointKind.UDP_IN,  # MAVProxy's alias
    "udpout": EndpointKind.UDP_OUT,
    "tcp": EndpointKind.TCP,
    "tcpin": EndpointKind.TCP_IN,
    "serial": EndpointKind.SERIAL,
    "mem": EndpointKind.MEMORY,
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a byte stream goes. Only the fields of its kind are set; the others stay empty.

    Build one with :meth:`parse` or the named constructors; ``str(endpoint)`` gives the canonical
    connection string back, and ``Endpoint.parse(str(endpoint)) == endpoint``.

    Raises:
        EndpointError: the fields do not make a valid endpoint of this kind.
    """

    kind: EndpointKind
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = 0
    wire: str = ""

    def __post_init__(self) -> None:
        if self.kind.is_network:
            _check_host(self.host, str(self))
            _check_port(self.port, str(self), listener=self.kind.is_listener)
            stray = self.device or self.baud or self.wire
        elif self.kind is EndpointKind.SERIAL:
            _check_device(self.device, str(self))
            if self.baud <= 0:
                raise EndpointError(f"endpoint {str(self)!r}: baud rate must be a positive integer")
            stray = self.host or self.port or self.wire
        else:
            if not _MEMORY_NAME.match(self.wire):
                raise EndpointError(
                    f"endpoint {str(self)!r}: memory wire name must be letters, digits, '_', '.' or '-'"
                )
            stray = self.host or self.port or self.device or self.baud
        if stray:
            raise EndpointError(f"endpoint {str(self)!r}: fields of another kind are set")

    def __str__(self) -> str:
        scheme = self.kind.value
        if self.kind.is_network:
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"{scheme}:{host}:{self.port}"
        if self.kind is EndpointKind.SERIAL:
            return f"{scheme}:{self.device}:{self.baud}"
        return f"{scheme}:{self.wire}"

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        """Parse a connection string; see the module docstring for the accepted forms.

        Raises:
            EndpointError: naming the string and what was expected.
        """
        return parse_endpoint(text)

    @classmethod
    def udp_in(cls, host: str, port: int) -> Endpoint:
        return cls(EndpointKind.UDP_IN, host=host or _ANY_HOST, port=port)

    @classmethod
    def udp_out(cls, host: str, port: int) -> Endpoint:
        return cls(EndpointKind.UDP_OUT, host=host, port=port)

    @classmethod
    def tcp(cls, host: str, port: int) -> Endpoint:
        return cls(EndpointKind.TCP, host=host, port=port)

    @classmethod
    def tcp_in(cls, host: str, port: int) -> Endpoint:
        return cls(EndpointKind.TCP_IN, host=host or _ANY_HOST, port=port)

    @classmethod
    def serial(cls, device: str, baud: int = DEFAULT_BAUD) -> Endpoint:
        return cls(EndpointKind.SERIAL, device=device, baud=baud)

    @classmethod
    def memory(cls, wire: str) -> Endpoint:
        return cls(EndpointKind.MEMORY, wire=wire)

    def with_port(self, port: int) -> Endpoint:
        """The same network endpoint on another port (a listener's port once it is bound)."""
        return Endpoint(self.kind, host=self.host, port=port)


def parse_endpoint(text: str) -> Endpoint:
    """Parse a connection string such as ``udpin:127.0.0.1:14550`` or ``/dev/ttyUSB0,921600``.

    Raises:
        EndpointError: naming the string and what was expected.
    """
    if not isinstance(text, str):
        raise EndpointError(f"cannot parse endpoint {text!r}: expected a string, one of {_FORMS}")
    stripped = text.strip()
    if not stripped:
        raise EndpointError(f"cannot parse endpoint {text!r}: it is empty; expected one of {_FORMS}")
    if any(ch.isspace() for ch in stripped):
        raise EndpointError(
            f"cannot parse endpoint {text!r}: it contains whitespace; expected one of {_FORMS}"
        )
    if stripped.startswith("/"):
        return _parse_serial(text, stripped)
    scheme, sep, rest = stripped.partition(":")
    kind = _SCHEMES.get(scheme.lower()) if sep else None
    if kind is None:
        raise EndpointError(
            f"cannot parse endpoint {text!r}: unknown scheme {scheme!r}; expected one of {_FORMS}"
        )
    if kind is EndpointKind.SERIAL:
        return _parse_serial(text, rest)
    if kind is EndpointKind.MEMORY:
        if not _MEMORY_NAME.match(rest):
            raise EndpointError(
                f"cannot parse endpoint {text!r}: expected mem:NAME with letters, digits, '_', '.' or '-'"
            )
        return Endpoint.memory(rest)
    return _parse_network(text, kind, rest)


def _parse_network(text: str, kind: EndpointKind, rest: str) -> Endpoint:
    host, sep, port_text = rest.rpartition(":")
    if not sep:
        raise EndpointError(f"cannot parse endpoint {text!r}: expected {kind.value}:{_HOST_PORT}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise EndpointError(
            f"cannot parse endpoint {text!r}: IPv6 hosts go in brackets, e.g. {kind.value}:[::1]:14550"
        )
    if not port_text.isdigit():
        raise EndpointError(
            f"cannot parse endpoint {text!r}: port {port_text!r} is not a number; "
            f"expected {kind.value}:{_HOST_PORT}"
        )
    if not host:
        if not kind.is_listener:
            raise EndpointError(
                f"cannot parse endpoint {text!r}: {kind.value} needs a host to reach; "
                f"expected {kind.value}:{_HOST_PORT}"
            )
        host = _ANY_HOST
    try:
        return Endpoint(kind, host=host, port=int(port_text))
    except EndpointError as exc:
        raise EndpointError(f"cannot parse endpoint {text!r}: {exc}") from None


def _parse_serial(text: str, body: str) -> Endpoint:
    device, baud_text = body, ""
    if "," in body:
        device, _, baud_text = body.rpartition(",")
        if not baud_text.isdigit():
            raise EndpointError(
                f"cannot parse endpoint {text!r}: baud rate {baud_text!r} is not a number; "
                "expected /dev/DEVICE,BAUD such as /dev/ttyUSB0,921600"
            )
    else:
        head, sep, tail = body.rpartition(":")
        if sep and tail.isdigit():
            device, baud_text = head, tail
    try:
        return Endpoint.serial(device, int(baud_text) if baud_text else DEFAULT_BAUD)
    except EndpointError as exc:
        raise EndpointError(f"cannot parse endpoint {text!r}: {exc}") from None


def _check_host(host: str, text: str) -> None:
    if not host:
        raise EndpointError(f"endpoint {text!r}: a host is required")
    if ":" in host:
        if not _IPV6.match(host):
            raise EndpointError(f"endpoint {text!r}: {host!r} is not an IPv6 address")
    elif not _HOSTNAME.match(host):
        raise EndpointError(f"endpoint {text!r}: {host!r} is not a host name or IPv4 address")


def _check_port(port: int, text: str, *, listener: bool) -> None:
    lowest = 0 if listener else 1
    if not lowest <= port <= 65535:
        allowed = "0-65535 (0: any free port)" if listener else "1-65535"
        raise EndpointError(f"endpoint {text!r}: port {port} is outside {allowed}")


def _check_device(device: str, text: str) -> None:
    if not device.startswith("/") or device.endswith("/"):
        raise EndpointError(
            f"endpoint {text!r}: device {device!r} is not an absolute device path such as /dev/ttyUSB0"
        )
