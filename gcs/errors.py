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
    ├── ServiceError
    │   └── TimeoutError_           a request got no answer in time (named so as not to shadow builtins)
    └── RecorderError               a session file could not be created, written or read (names the file)
        ├── RecorderWriteError      disk full, no permission, I/O error (errno kept; the data stays queued)
        ├── RecorderDataLostError   records dropped because a file stayed unwritable (counted per file)
        └── LogReadError            a recorded file that cannot be opened or read in its format
"""

from __future__ import annotations

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
