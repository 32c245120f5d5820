"""The one exception tree of the ground station. Knows nothing of sockets, codecs or rockets' state.

Foreign errors (``OSError``, serial errors, ``tomllib.TOMLDecodeError``) are translated at the
boundary that meets them, with ``raise ... from exc``, so callers catch only these::

    GcsError
    ├── ConfigError                 a config file is missing, unreadable or wrong (file, key, expected)
    ├── TransportError
    │   ├── EndpointError           a connection string that cannot be parsed
    │   └── LinkDownError           the byte stream is closed or its device is gone
    ├── ProtocolError
    │   ├── FrameError              bytes that are not a valid frame (counted, never raised by feed())
    │   └── SigningError            a signing setup that cannot work (bad key length, ...)
    ├── ServiceError                a request to a vehicle (command, parameters, mission) failed
    │   ├── TimeoutError_           a request got no answer in time (named so as not to shadow builtins)
    │   │   ├── CommandTimeoutError     no COMMAND_ACK after every retry (command, attempts)
    │   │   ├── ParameterTimeoutError   also a ParameterError: values still missing after every retry
    │   │   └── MissionTimeoutError     also a MissionError: the transfer stalled past its retries
    │   ├── CommandRejectedError    a COMMAND_ACK other than ACCEPTED (command, result, vehicle's reason)
    │   ├── ParameterError          a parameter transfer failed or the vehicle kept another value (name)
    │   └── MissionError            a mission transfer refused, cut short or inconsistent (result)
    ├── BridgeError                 the MQTT fan-out cannot start as set up (never raised once it runs)
    │   ├── BrokerUrlError          a broker URL that cannot be parsed (names the URL and what is wrong)
    │   ├── BrokerCredentialsError  secrets or TLS files missing, unreadable, malformed or too open
    │   └── RouteError              a topic route that cannot work (bad template, topic routed twice)
    ├── RecorderError               a session file could not be created, written or read (names the file)
    │   ├── RecorderWriteError      disk full, no permission, I/O error (errno kept; the data stays queued)
    │   ├── RecorderDataLostError   records dropped because a file stayed unwritable (counted per file)
    │   └── LogReadError            a recorded file that cannot be opened or read in its format
    ├── FleetError                  the fleet database unusable, or a fleet request wrong (names the file)
    ├── LaunchControlError          a launch-control request that was not carried out (always with a reason)
    │   ├── TransitionRefused       the count, poll, FTS, divert or checklist refused it in its present state
    │   └── RoleDenied              the user does not hold a role the request needs
    └── ManifestError               a cargo manifest with bad rows, each as (line, field, why), none dropped

The launch cores return refusals as values (so they reach the journal); a caller that prefers an
exception converts one with ``gcs.launch.actions.raise_if_refused``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class GcsError(Exception):
    """Root of every error the ground station raises on purpose."""


class ConfigError(GcsError):
    """A configuration file that cannot be used, with the file, the key and what was expected."""

    def __init__(self, path: Path | str, key: str, expected: str, got: object = None) -> None:
        self.path = Path(path)
        self.key = key
        self.expected = expected
        self.got = got
        where = f"{self.path}" + (f": {key}" if key else "")
        detail = f"expected {expected}"
        if got is not None:
            detail += f", got {got!r}"
        super().__init__(f"{where}: {detail}")


class TransportError(GcsError):
    """Something went wrong below the protocol: ports, sockets, devices."""


class EndpointError(TransportError):
    """A connection string that cannot be parsed (``udpin:HOST:PORT``, ``serial:DEV:BAUD``, ...)."""


class LinkDownError(TransportError):
    """The byte stream is closed, its peer went away or its device disappeared."""


class ProtocolError(GcsError):
    """Bytes or messages that break the wire protocol."""


class FrameError(ProtocolError):
    """A frame that fails its checks; codecs count these rather than raise them from ``feed``."""


class SigningError(ProtocolError):
    """A MAVLink signing configuration that cannot work."""


class ServiceError(GcsError):
    """A request/response service (commands, parameters, missions) failed."""


class TimeoutError_(ServiceError):  # noqa: N801 - trailing underscore keeps the builtin visible
    """No answer within the allowed time and retries."""


def _label(code: int, name: str | None) -> str:
    # IntEnum members (MAV_RESULT, MAV_MISSION_RESULT as the links define them) name themselves.
    shown = name or getattr(code, "name", None)
    return f"{shown} ({int(code)})" if shown else str(int(code))


class CommandTimeoutError(TimeoutError_):
    """A command got no final COMMAND_ACK within its timeout, after every retry.

    Attributes:
        command: the MAV_CMD number.
        attempts: how many times it was sent.
        waited_s: how long the whole exchange lasted.
        command_name: the MAV_CMD name, if known.
    """

    def __init__(
        self, command: int, attempts: int, waited_s: float, *, command_name: str | None = None
    ) -> None:
        self.command = command
        self.attempts = attempts
        self.waited_s = waited_s
        self.command_name = command_name
        super().__init__(
            f"{_label(command, command_name)}: no final COMMAND_ACK after {attempts} attempt(s) "
            f"in {waited_s:.2f} s"
        )


class CommandRejectedError(ServiceError):
    """The vehicle answered a command with a result other than ACCEPTED.

    Attributes:
        command: the MAV_CMD number.
        result: the MAV_RESULT (an ``IntEnum`` member where the caller has one).
        reason: the most recent STATUSTEXT the vehicle sent while the command was open, if any
            (autopilots explain refusals there, e.g. ``PreArm: ...``).
        command_name: the MAV_CMD name, if known.
        result_param2: the ACK's ``result_param2`` (command-specific detail).
    """

    def __init__(
        self,
        command: int,
        result: int,
        reason: str | None,
        *,
        command_name: str | None = None,
        result_param2: int = 0,
    ) -> None:
        self.command = command
        self.result = result
        self.reason = reason
        self.command_name = command_name
        self.result_param2 = result_param2
        because = f": {reason}" if reason else ""
        super().__init__(f"{_label(command, command_name)}: {_label(result, None)}{because}")


class ParameterError(ServiceError):
    """A parameter could not be read, downloaded or set as asked.

    Attributes:
        name: the parameter concerned, or ``None`` for a whole-list download.
        detail: what went wrong.
    """

    def __init__(self, detail: str, *, name: str | None = None) -> None:
        self.name = name
        self.detail = detail
        super().__init__(f"parameter {name}: {detail}" if name else f"parameters: {detail}")


class ParameterTimeoutError(ParameterError, TimeoutError_):
    """Parameter values still missing (or a set still unanswered) after every retry."""


class MissionError(ServiceError):
    """A mission (flight plan, fence, rally points) transfer failed or was refused.

    Attributes:
        detail: what went wrong.
        result: the MAV_MISSION_RESULT that ended it (the vehicle's or ours), if any.
        mission_type: the MAV_MISSION_TYPE of the transfer.
    """

    def __init__(self, detail: str, *, result: int | None = None, mission_type: int = 0) -> None:
        self.detail = detail
        self.result = result
        self.mission_type = mission_type
        shown = f" [{_label(result, None)}]" if result is not None else ""
        super().__init__(f"mission transfer (type {mission_type}): {detail}{shown}")


class MissionTimeoutError(MissionError, TimeoutError_):
    """A mission transfer stalled: no answer to a step within its timeout, after every retry."""


class RecorderError(GcsError):
    """A session file could not be created, written or read. Always names the file."""

    def __init__(self, path: Path | str, detail: str, errno: int | None = None) -> None:
        self.path = Path(path)
        self.detail = detail
        self.errno = errno
        super().__init__(f"{self.path}: {detail}")


class RecorderWriteError(RecorderError):
    """Creating, writing or syncing a recording file failed (ENOSPC, EACCES, EIO, ...).

    The recorder keeps the records it could not write in its bounded backlog and retries them.
    """


class RecorderDataLostError(RecorderError):
    """Records were dropped because their file stayed unwritable longer than the backlog could hold."""

    def __init__(self, path: Path | str, detail: str, records_dropped: int) -> None:
        super().__init__(path, detail)
        self.records_dropped = records_dropped


class LogReadError(RecorderError):
    """A recorded file that cannot be opened, or that is not in the format its name promises."""


class FleetError(GcsError):
    """The fleet database cannot be opened, read or written, or a fleet request cannot be carried out."""

    def __init__(self, path: Path | str, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(f"{self.path}: {detail}")


class LaunchControlError(GcsError):
    """A launch-control request that was not carried out. ``reason`` says why, in words for the console."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class TransitionRefused(LaunchControlError):
    """Refused in the present state: a hold past the hand-off, go for launch with a station no-go, ..."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.code = code


class RoleDenied(LaunchControlError):
    """The user does not hold any role that the request accepts."""

    def __init__(self, reason: str, user: str) -> None:
        super().__init__(reason)
        self.user = user


class BridgeError(GcsError):
    """The MQTT fan-out cannot start as set up. Broker trouble once it runs is reported, never raised."""


class BrokerUrlError(BridgeError, ValueError):
    """A broker URL (``mqtt://[USER@]HOST[:PORT][/PREFIX]``) that cannot be parsed.

    Attributes:
        url: the URL as given.
        problem: what is wrong with it.
    """

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"broker URL {url!r}: {problem}")


class BrokerCredentialsError(BridgeError):
    """Broker credentials or TLS files that cannot be used: missing, unreadable, malformed, too open.

    Attributes:
        source: the file or environment variable concerned.
        detail: what is wrong.
    """

    def __init__(self, source: Path | str, detail: str) -> None:
        self.source = str(source)
        self.detail = detail
        super().__init__(f"{self.source}: {detail}")


class RouteError(BridgeError):
    """A route from hub values to MQTT topics that cannot work (bad template, topic routed twice)."""


@dataclass(frozen=True, slots=True)
class ManifestRowError:
    """One problem of a cargo manifest: a value carried by ``ManifestError``, never raised itself.

    ``line`` is 1-based in the file; 0 means the file as a whole (unreadable, unknown format).
    """

    line: int
    field: str
    why: str

    def located(self, source_name: str) -> str:
        """``source:line: field: why`` as compilers print it (``source: field: why`` for line 0)."""
        where = source_name if self.line <= 0 else f"{source_name}:{self.line}"
        return f"{where}: {self.field}: {self.why}"


class ManifestError(GcsError):
    """A cargo manifest that cannot be used. ``problems`` lists every bad row, sorted by line.

    Attributes:
        source_name: the file (or other source) the manifest came from.
        problems: each problem as (line, field, why); the message has one ``source:line: field: why``
            line per problem, as compilers print them.
    """

    def __init__(self, source_name: str, problems: Sequence[ManifestRowError]) -> None:
        self.source_name = source_name
        self.problems = tuple(sorted(problems, key=lambda p: p.line))
        lines = [f"{source_name}: manifest rejected, {len(self.problems)} problem(s)"]
        lines += [p.located(source_name) for p in self.problems]
        super().__init__("\n".join(lines))
