"""The link's settings slice, built from ``VehicleLinkConfig``, and the signing key it may name.

Only this module turns configuration into link settings; the link itself takes
:class:`LinkSettings` and never reads a config file. Knows nothing of sockets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gcs.config import VehicleLinkConfig
from gcs.errors import ConfigError
from gcs.links.commands import CommandPolicy
from gcs.links.mission import MissionPolicy
from gcs.links.params import ParamPolicy
from gcs.links.rates import MessageRate, resolve_rate
from gcs.protocol.mavlink import SigningConfig

KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """How the flight-computer link behaves.

    Attributes:
        system_ids: the vehicles to serve; ``None`` serves every system that sends an identifying
            heartbeat (not a GCS).
        heartbeat_interval_s: the vehicles' heartbeat interval.
        heartbeats_missed_for_loss: intervals of silence before a link is lost.
        gcs_heartbeat_interval_s: our own heartbeat (1 Hz, as every GCS).
        timesync_interval_s: TIMESYNC requests for the RTT; ``None`` sends none.
        health_interval_s: how often ``VehicleLinkHealth`` is published.
        command, params, mission: timeouts and retries of each service.
        message_rates: SET_MESSAGE_INTERVAL requests sent when a vehicle is found or recovered.

    Raises:
        ValueError: non-positive intervals.
    """

    system_ids: frozenset[int] | None = None
    heartbeat_interval_s: float = 1.0
    heartbeats_missed_for_loss: int = 5
    gcs_heartbeat_interval_s: float = 1.0
    timesync_interval_s: float | None = 1.0
    health_interval_s: float = 1.0
    command: CommandPolicy = field(default_factory=CommandPolicy)
    params: ParamPolicy = field(default_factory=ParamPolicy)
    mission: MissionPolicy = field(default_factory=MissionPolicy)
    message_rates: tuple[MessageRate, ...] = ()

    def __post_init__(self) -> None:
        intervals = (self.heartbeat_interval_s, self.gcs_heartbeat_interval_s, self.health_interval_s)
        if not all(i > 0 for i in intervals) or self.heartbeats_missed_for_loss < 1:
            raise ValueError(f"LinkSettings needs positive intervals and counts, got {self!r}")
        if self.timesync_interval_s is not None and self.timesync_interval_s <= 0:
            raise ValueError("timesync_interval_s must be > 0 (or None for no TIMESYNC)")

    @property
    def loss_after_s(self) -> float:
        return self.heartbeat_interval_s * self.heartbeats_missed_for_loss

    @classmethod
    def from_config(cls, config: VehicleLinkConfig, *, more_system_ids: Iterable[int] = ()) -> LinkSettings:
        """Settings for the vehicle ``config`` describes (plus ``more_system_ids``, if any).

        Raises:
            ValueError: a message rate names a message the dialect does not have.
        """
        rates = []
        for index, rate in enumerate(config.message_rates):
            try:
                rates.append(resolve_rate(rate.message, rate.rate_hz))
            except ValueError as exc:
                raise ValueError(f"vehicle.message_rates[{index}]: {exc}") from None
        return cls(
            system_ids=frozenset({config.system_id, *more_system_ids}),
            heartbeat_interval_s=config.heartbeat_interval_s,
            heartbeats_missed_for_loss=config.heartbeats_missed_for_loss,
            timesync_interval_s=config.timesync_interval_s,
            command=CommandPolicy(
                config.command_timeout_s, config.command_retries, config.command_in_progress_timeout_s
            ),
            params=ParamPolicy(timeout_s=config.param_timeout_s, retries=config.param_retries),
            mission=MissionPolicy(config.mission_timeout_s, config.mission_retries),
            message_rates=tuple(rates),
        )


def read_signing_key(path: Path | str) -> bytes:
    """The 32-byte key in ``path``: 32 raw bytes, or 64 hexadecimal characters (whitespace allowed).

    Raises:
        ConfigError: the file is missing, unreadable or holds something else.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, "", f"a readable signing key file ({exc.strerror})") from exc
    if len(raw) == KEY_BYTES:
        return raw
    try:
        key = bytes.fromhex(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(path, "", "32 raw bytes or 64 hexadecimal characters")
    return key


def signing_from_config(config: VehicleLinkConfig, *, initial_timestamp: int = 0) -> SigningConfig | None:
    """The signing setup ``config`` asks for, or ``None`` for an unsigned link.

    Raises:
        ConfigError: the key file cannot be used.
    """
    if config.signing_key_file is None:
        return None
    key = read_signing_key(config.signing_key_file)
    return SigningConfig(key, link_id=config.signing_link_id, initial_timestamp=initial_timestamp)
