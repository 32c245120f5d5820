"""Messages as the vehicle receives them: packed by a ground codec and parsed by a stock one."""

from __future__ import annotations

from typing import Any

from gcs.protocol.dialect import seaport

GROUND = (255, 190)


def received(msg: Any, src: tuple[int, int] = GROUND) -> Any:
    """``msg`` after a trip over the wire (str ids, float32 values, source ids set)."""
    sender = seaport.MAVLink(None, srcSystem=src[0], srcComponent=src[1])
    receiver = seaport.MAVLink(None, srcSystem=1, srcComponent=1)
    (decoded,) = receiver.parse_buffer(bytes(msg.pack(sender)))
    return decoded


def names(msgs: list[Any]) -> list[str]:
    return [m.get_type() for m in msgs]


def text_of(msgs: list[Any]) -> str:
    """Every STATUSTEXT among ``msgs`` joined, as an operator would read them."""
    return " | ".join(
        (m.text.decode() if isinstance(m.text, bytes) else m.text).rstrip("\0")
        for m in msgs
        if m.get_type() == "STATUSTEXT"
    )
