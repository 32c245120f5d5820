"""The vehicle side of MAVLink's parameter protocol over a ``ParamStore``. Pure: messages in, messages out.

- PARAM_REQUEST_LIST: every parameter as PARAM_VALUE, in index order, each with the true
  ``param_count`` and its own ``param_index`` (the shell paces the stream: ``list_all``).
- PARAM_REQUEST_READ: by ``param_index``, or by ``param_id`` when the index is -1. An unknown id
  or index gets no answer, as ArduPilot and PX4 do, so the ground station's timeout reports it.
- PARAM_SET: a value the parameter accepts is stored and echoed in PARAM_VALUE (which every
  listener sees); a refused one (out of range, not an integer for an INT32, not finite, or refused
  by the vehicle's state) is explained in a STATUSTEXT and answered with the unchanged value, so
  the ground station sees at once that its set did not take. Integers travel cast to float
  (``MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST``), exact up to 2^24.

Knows nothing of sockets, asyncio or the flight software.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from firmware_sim.firmware.params import ParamError, ParamStore
from firmware_sim.io.statustext import Severity, StatusTexts
from gcs.protocol.dialect import seaport

SetVeto = Callable[[str, float], str]
"""Asked before a set: why the vehicle will not take this value now (``""`` to allow it)."""


def _no_veto(name: str, value: float) -> str:
    return ""


class ParamProtocol:
    def __init__(self, store: ParamStore, texts: StatusTexts, *, veto: SetVeto = _no_veto) -> None:
        self._store = store
        self._texts = texts
        self._veto = veto

    def value_message(self, index: int) -> Any:
        entry = self._store.entry(index)
        return seaport.MAVLink_param_value_message(
            entry.name.encode("ascii"), self._store.value_at(index), int(entry.kind), len(self._store), index
        )

    def list_all(self) -> Iterator[Any]:
        """PARAM_VALUE for every parameter, index 0 first (the answer to PARAM_REQUEST_LIST)."""
        for index in range(len(self._store)):
            yield self.value_message(index)

    def on_request_read(self, msg: Any) -> list[Any]:
        index = self._find(msg.param_id) if msg.param_index < 0 else int(msg.param_index)
        if index is None or not 0 <= index < len(self._store):
            return []
        return [self.value_message(index)]

    def on_set(self, msg: Any) -> list[Any]:
        index = self._find(msg.param_id)
        if index is None:
            return self._texts(Severity.WARNING, f"Param {msg.param_id}: no such parameter")
        name = self._store.entry(index).name
        value = float(msg.param_value)
        reason = self._veto(name, value) if math.isfinite(value) else ""
        if not reason:
            try:
                self._store.set(name, value)
            except ParamError as exc:
                reason = str(exc)
            except OSError as exc:
                # The value took (the flight software uses it) but will not survive a restart.
                return [*self._texts(Severity.ERROR, f"Param {name}: not saved: {exc.strerror}"),
                        self.value_message(index)]
        if reason:
            return [*self._texts(Severity.WARNING, f"Param refused: {reason}"), self.value_message(index)]
        return [self.value_message(index)]

    def _find(self, param_id: str | bytes) -> int | None:
        name = param_id.decode("ascii", "replace") if isinstance(param_id, bytes) else param_id
        name = name.split("\0", 1)[0]
        return self._store.index_of(name) if name in self._store else None
