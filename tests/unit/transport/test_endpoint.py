"""Connection strings as MAVProxy users write them: good ones as a table, bad ones as a table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gcs.errors import EndpointError
from gcs.transport.endpoint import DEFAULT_BAUD, Endpoint, EndpointKind, parse_endpoint

GOOD = [
    # text, expected endpoint, canonical string
    ("udpin:127.0.0.1:14550", Endpoint.udp_in("127.0.0.1", 14550), "udpin:127.0.0.1:14550"),
    ("udp:127.0.0.1:14550", Endpoint.udp_in("127.0.0.1", 14550), "udpin:127.0.0.1:14550"),
    ("udpin::14550", Endpoint.udp_in("0.0.0.0", 14550), "udpin:0.0.0.0:14550"),
    ("udpin:0.0.0.0:0", Endpoint.udp_in("0.0.0.0", 0), "udpin:0.0.0.0:0"),
    ("UDPIN:localhost:14550", Endpoint.udp_in("localhost", 14550), "udpin:localhost:14550"),
    ("udpout:10.0.0.5:14550", Endpoint.udp_out("10.0.0.5", 14550), "udpout:10.0.0.5:14550"),
    ("udpout:vehicle.local:14555", Endpoint.udp_out("vehicle.local", 14555), "udpout:vehicle.local:14555"),
    ("udpin:[::1]:14550", Endpoint.udp_in("::1", 14550), "udpin:[::1]:14550"),
    ("tcp:127.0.0.1:5760", Endpoint.tcp("127.0.0.1", 5760), "tcp:127.0.0.1:5760"),
    ("tcpin:0.0.0.0:5760", Endpoint.tcp_in("0.0.0.0", 5760), "tcpin:0.0.0.0:5760"),
    ("tcpin::5760", Endpoint.tcp_in("0.0.0.0", 5760), "tcpin:0.0.0.0:5760"),
    (" tcp:[fe80::1%eth0]:5760 ", Endpoint.tcp("fe80::1%eth0", 5760), "tcp:[fe80::1%eth0]:5760"),
    ("serial:/dev/ttyUSB0:921600", Endpoint.serial("/dev/ttyUSB0", 921600), "serial:/dev/ttyUSB0:921600"),
    ("serial:/dev/ttyUSB0,921600", Endpoint.serial("/dev/ttyUSB0", 921600), "serial:/dev/ttyUSB0:921600"),
    ("serial:/dev/ttyACM0", Endpoint.serial("/dev/ttyACM0", DEFAULT_BAUD), "serial:/dev/ttyACM0:57600"),
    ("/dev/ttyUSB0,921600", Endpoint.serial("/dev/ttyUSB0", 921600), "serial:/dev/ttyUSB0:921600"),
    ("/dev/ttyUSB0", Endpoint.serial("/dev/ttyUSB0", 57600), "serial:/dev/ttyUSB0:57600"),
    ("/dev/ttyUSB0:115200", Endpoint.serial("/dev/ttyUSB0", 115200), "serial:/dev/ttyUSB0:115200"),
    (
        "serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:921600",
        Endpoint.serial("/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0", 921600),
        "serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:921600",
    ),
    (
        "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0",
        Endpoint.serial("/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0", 57600),
        "serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:57600",
    ),
    ("mem:vehicle-1", Endpoint.memory("vehicle-1"), "mem:vehicle-1"),
]


@pytest.mark.parametrize(("text", "expected", "canonical"), GOOD, ids=[row[0].strip() for row in GOOD])
def test_a_good_string_parses_and_prints_canonically(text: str, expected: Endpoint, canonical: str) -> None:
    endpoint = parse_endpoint(text)
    assert endpoint == expected
    assert str(endpoint) == canonical
    assert Endpoint.parse(canonical) == endpoint


BAD = [
    # text, a fragment the message must contain (besides the string itself)
    ("", "empty"),
    ("   ", "empty"),
    ("udpin:127.0.0.1", "expected udpin:HOST:PORT"),
    ("udpin:127.0.0.1:", "not a number"),
    ("udpin:127.0.0.1:port", "not a number"),
    ("udpin:127.0.0.1:70000", "outside 0-65535"),
    ("udpout:127.0.0.1:0", "outside 1-65535"),
    ("udpout::14550", "needs a host"),
    ("tcp::5760", "needs a host"),
    ("tcp:5760", "expected tcp:HOST:PORT"),
    ("tcp:::1:5760", "IPv6 hosts go in brackets"),
    ("tcp:[zz::1]:5760", "not an IPv6 address"),
    ("tcp:bad_host!:5760", "not a host name"),
    ("udpbcast:255.255.255.255:14550", "unknown scheme 'udpbcast'"),
    ("http://example.com", "unknown scheme 'http'"),
    ("127.0.0.1:14550", "unknown scheme '127.0.0.1'"),
    ("COM3", "unknown scheme 'COM3'"),
    ("ttyUSB0,57600", "unknown scheme"),
    ("serial:ttyUSB0:57600", "absolute device path"),
    ("serial:", "absolute device path"),
    ("serial:/dev/ttyUSB0,fast", "not a number"),
    ("serial:/dev/ttyUSB0:0", "positive"),
    ("/dev/ttyUSB0,", "not a number"),
    ("/dev/", "absolute device path"),
    ("mem:", "mem:NAME"),
    ("mem:two words", "whitespace"),
    ("mem:a/b", "mem:NAME"),
    ("udpin:127.0.0.1:14550 extra", "whitespace"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD, ids=[repr(row[0]) for row in BAD])
def test_a_bad_string_is_refused_naming_the_string_and_what_was_expected(text: str, fragment: str) -> None:
    with pytest.raises(EndpointError) as caught:
        parse_endpoint(text)
    message = str(caught.value)
    assert repr(text) in message
    assert fragment in message


def test_a_non_string_is_refused() -> None:
    with pytest.raises(EndpointError, match="expected a string"):
        parse_endpoint(14550)  # type: ignore[arg-type]


def test_fields_of_another_kind_are_refused() -> None:
    with pytest.raises(EndpointError, match="fields of another kind"):
        Endpoint(EndpointKind.TCP, host="127.0.0.1", port=5760, baud=57600)


def test_listener_kinds_and_port_replacement() -> None:
    listeners = {kind for kind in EndpointKind if kind.is_listener}
    assert listeners == {EndpointKind.UDP_IN, EndpointKind.TCP_IN}
    assert str(Endpoint.parse("udpin:127.0.0.1:0").with_port(40000)) == "udpin:127.0.0.1:40000"


_hosts = st.one_of(
    st.from_regex(r"\A[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9]{0,5}){0,2}\Z"),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
)
_network = st.builds(
    lambda kind, host, port: Endpoint(kind, host=host, port=port),
    st.sampled_from([EndpointKind.UDP_IN, EndpointKind.UDP_OUT, EndpointKind.TCP, EndpointKind.TCP_IN]),
    _hosts,
    st.integers(1, 65535),
)
_serial = st.builds(
    Endpoint.serial,
    st.from_regex(r"\A(/[A-Za-z0-9_.:-]{1,12}){1,4}\Z").filter(lambda p: not p.rsplit(":", 1)[-1].isdigit()),
    st.integers(1, 4_000_000),
)


@given(st.one_of(_network, _serial, st.from_regex(r"\A[A-Za-z0-9_.-]{1,20}\Z").map(Endpoint.memory)))
def test_every_endpoint_survives_a_round_trip_through_its_string(endpoint: Endpoint) -> None:
    assert parse_endpoint(str(endpoint)) == endpoint
