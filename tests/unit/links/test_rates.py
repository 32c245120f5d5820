"""Message-rate requests from config: names and ids resolved, intervals in microseconds, 0 Hz stops."""

from __future__ import annotations

import pytest

from gcs.links.rates import STOP_INTERVAL_US, resolve_rate
from gcs.protocol.dialect import seaport


@pytest.mark.parametrize(
    ("message", "rate_hz", "msg_id", "interval_us"),
    [
        ("ATTITUDE", 10.0, 30, 100_000),
        ("30", 4.0, 30, 250_000),
        ("ENGINE_STATUS", 50.0, 52500, 20_000),
        ("GLOBAL_POSITION_INT", 0.0, 33, STOP_INTERVAL_US),
    ],
)
def test_rates_become_set_message_interval(
    message: str, rate_hz: float, msg_id: int, interval_us: int
) -> None:
    rate = resolve_rate(message, rate_hz)
    assert (rate.msg_id, rate.interval_us) == (msg_id, interval_us)
    command = rate.command()
    assert command.command == seaport.MAV_CMD_SET_MESSAGE_INTERVAL
    assert command.params == (float(msg_id), float(interval_us))


@pytest.mark.parametrize(("message", "rate_hz"), [("NOT_A_MESSAGE", 1.0), ("99999", 1.0), ("ATTITUDE", -1.0)])
def test_unknown_messages_and_negative_rates_are_refused(message: str, rate_hz: float) -> None:
    with pytest.raises(ValueError):
        resolve_rate(message, rate_hz)
