"""Configuration: TOML files under ``configs/`` loaded into frozen dataclasses with units in names.

A bad file raises one ``ConfigError`` naming the file, the dotted key and what was expected; unknown
keys are errors too (a typo must not silently fall back to a default). Knows nothing of links,
sockets or codecs: connection strings stay strings here and are parsed by the transport layer.

Only ``gcs/app.py`` reads the whole ``GcsConfig``; everything else receives the slice it needs.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gcs.errors import ConfigError

T = TypeVar("T")

_MESSAGE_NAME = re.compile(r"[A-Z][A-Z0-9_]*|[0-9]{1,8}")


@dataclass(frozen=True, slots=True)
class StationConfig:
    """Who the ground station is on the MAVLink network."""

    name: str = "seaport-gcs"
    system_id: int = 255
    component_id: int = 190

    def __post_init__(self) -> None:
        _check_range("system_id", self.system_id, 1, 255)
        _check_range("component_id", self.component_id, 0, 255)


@dataclass(frozen=True, slots=True)
class MessageRateConfig:
    """One SET_MESSAGE_INTERVAL request sent whenever the vehicle is found (``[[vehicle.message_rates]]``).

    ``message`` is a MAVLink message name (``"ATTITUDE"``) or its numeric id (``"30"``); the link
    checks that the dialect knows it. ``rate_hz`` 0 asks the vehicle to stop sending the message.
    """

    message: str
    rate_hz: float

    def __post_init__(self) -> None:
        if not _MESSAGE_NAME.fullmatch(self.message):
            raise _Invalid("message", "a MAVLink message name such as ATTITUDE, or its id", self.message)
        if not 0 <= self.rate_hz <= 1000:
            raise _Invalid("rate_hz", "a rate from 0 (stop) to 1000 Hz", self.rate_hz)


@dataclass(frozen=True, slots=True)
class VehicleLinkConfig:
    """The link to one vehicle's flight computer.

    ``heartbeat_interval_s`` is the interval the *vehicle* is expected to send heartbeats at; the
    link is lost after ``heartbeats_missed_for_loss`` of them pass without any message. Commands,
    parameter and mission transfers wait ``*_timeout_s`` per attempt and try ``*_retries`` more times.
    """

    connection: str = "udpin:127.0.0.1:14550"
    system_id: int = 1
    heartbeat_interval_s: float = 1.0
    heartbeats_missed_for_loss: int = 5
    signing_key_file: str | None = None
    signing_link_id: int = 0
    command_timeout_s: float = 1.0
    command_retries: int = 3
    command_in_progress_timeout_s: float = 10.0
    param_timeout_s: float = 1.0
    param_retries: int = 5
    mission_timeout_s: float = 1.5
    mission_retries: int = 5
    timesync_interval_s: float = 1.0
    message_rates: tuple[MessageRateConfig, ...] = ()

    def __post_init__(self) -> None:
        _check_range("system_id", self.system_id, 1, 255)
        _check_positive("heartbeat_interval_s", self.heartbeat_interval_s)
        _check_range("heartbeats_missed_for_loss", self.heartbeats_missed_for_loss, 1, 100)
        _check_range("signing_link_id", self.signing_link_id, 0, 255)
        for name in ("command_timeout_s", "command_in_progress_timeout_s", "param_timeout_s",
                     "mission_timeout_s", "timesync_interval_s"):
            _check_positive(name, getattr(self, name))
        # COMMAND_LONG.confirmation is one byte, so a command can be sent at most 256 times.
        _check_range("command_retries", self.command_retries, 0, 255)
        _check_range("param_retries", self.param_retries, 0, 100)
        _check_range("mission_retries", self.mission_retries, 0, 100)


class MotionSource(enum.Enum):
    """Which sentences feed a platform's deck motion (``motion_source``)."""

    AUTO = "auto"  # every motion reference unit format decoded (PSXN,23, PHTRO+PHLIN, TSS1, PASHR), never XDR
    PSXN23 = "psxn23"
    PHTRO_PHLIN = "phtro+phlin"
    TSS1 = "tss1"
    PASHR = "pashr"
    XDR = "xdr"  # transducers named PITCH, ROLL, HEAVE, already in the internal sign convention


class WindTrueReference(enum.Enum):
    """What the angle of an MWV sentence with reference T is measured from (``mwv_true_reference``)."""

    BOW = "bow"  # NMEA 0183: "theoretical" wind, angle from the bow as if the vessel were stationary
    NORTH = "north"  # units that put the true direction (from true north) there instead


@dataclass(frozen=True, slots=True)
class PlatformStationConfig:
    """A platform's assigned station (``[platforms.station]``): station keeping error and on-station.

    On station means within ``on_station_radius_m`` and, if ``heading_true_deg`` is given, within
    ``heading_tolerance_deg`` of it.
    """

    latitude_deg: float
    longitude_deg: float
    on_station_radius_m: float = 5.0
    heading_true_deg: float | None = None
    heading_tolerance_deg: float = 5.0

    def __post_init__(self) -> None:
        if not -90.0 <= self.latitude_deg <= 90.0:
            raise _Invalid("latitude_deg", "degrees from -90 to 90", self.latitude_deg)
        if not -180.0 <= self.longitude_deg <= 180.0:
            raise _Invalid("longitude_deg", "degrees from -180 to 180", self.longitude_deg)
        if self.heading_true_deg is not None and not 0.0 <= self.heading_true_deg < 360.0:
            raise _Invalid("heading_true_deg", "degrees from 0 to below 360", self.heading_true_deg)
        _check_positive("on_station_radius_m", self.on_station_radius_m)
        if not 0.0 < self.heading_tolerance_deg <= 180.0:
            raise _Invalid("heading_tolerance_deg", "degrees > 0 and <= 180", self.heading_tolerance_deg)


@dataclass(frozen=True, slots=True)
class PlatformFeedRatesConfig:
    """How often a platform's sensors send each kind of value (``[platforms.expected_rates]``).

    A value older than ``stale_after_periods`` of its period is stale, and never one younger than
    ``stale_floor_s``: accelerated SITL sets it (``gcs sitl`` at 100x: 5 simulated seconds, 50 ms of
    wall time), since a simulated sensor box cannot send more often than the machine runs it. Defaults
    are the low end of common sensor rates: GNSS 1 Hz, gyro 10 Hz, motion reference unit 10 Hz,
    anemometer 1 Hz.
    """

    position_hz: float = 1.0
    velocity_hz: float = 1.0
    heading_hz: float = 10.0
    motion_hz: float = 10.0
    wind_hz: float = 1.0
    stale_after_periods: float = 3.0
    stale_floor_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("position_hz", "velocity_hz", "heading_hz", "motion_hz", "wind_hz"):
            if not 0.0 < getattr(self, name) <= 1000.0:
                raise _Invalid(name, "a rate > 0 and <= 1000 Hz", getattr(self, name))
        if not 1.0 <= self.stale_after_periods <= 1000.0:
            raise _Invalid("stale_after_periods", "a number from 1 to 1000", self.stale_after_periods)
        if not 0.0 <= self.stale_floor_s <= 3600.0:
            raise _Invalid("stale_floor_s", "seconds from 0 to 3600", self.stale_floor_s)


@dataclass(frozen=True, slots=True)
class PlatformLinkConfig:
    """The sensor feed (NMEA 0183 / TSS1) of one sea platform.

    ``require_checksum`` false accepts sentences without ``*HH`` (old gyros and anemometers; they
    are counted either way). ``invert_heave`` is for a unit whose heave sign differs from its
    format's documented one (docs/nmea.md, open points). ``maxima_min_window_s``: the deck state
    reports 10-minute maxima only once the motion data spans this long. ``publish_rate_hz`` caps
    how often deck motion and deck state are published. ``motion_rate_span_s``: deck rates are the
    least-squares slope of the motion samples over this span (longer for a slow unit, and in
    accelerated SITL). See docs/sea-platform.md.
    """

    name: str
    connection: str
    role: PlatformRole = field(default_factory=lambda: PlatformRole.LANDING)
    require_checksum: bool = True
    max_line_chars: int = 256
    motion_source: MotionSource = MotionSource.AUTO
    invert_heave: bool = False
    mwv_true_reference: WindTrueReference = WindTrueReference.BOW
    station: PlatformStationConfig | None = None
    expected_rates: PlatformFeedRatesConfig = field(default_factory=PlatformFeedRatesConfig)
    maxima_min_window_s: float = 60.0
    publish_rate_hz: float = 10.0
    motion_rate_span_s: float = 0.5

    def __post_init__(self) -> None:
        if not self.name:
            raise _Invalid("name", "a non-empty platform name", self.name)
        # 25: a TSS1 record; beyond 4096 a line is surely a lost line end, not a long sentence.
        _check_range("max_line_chars", self.max_line_chars, 25, 4096)
        if not 0.0 <= self.maxima_min_window_s <= 600.0:
            raise _Invalid("maxima_min_window_s", "seconds from 0 to 600", self.maxima_min_window_s)
        if not 0.0 < self.publish_rate_hz <= 1000.0:
            raise _Invalid("publish_rate_hz", "a rate > 0 and <= 1000 Hz", self.publish_rate_hz)
        if not 0.01 <= self.motion_rate_span_s <= 60.0:
            raise _Invalid("motion_rate_span_s", "seconds from 0.01 to 60", self.motion_rate_span_s)


class PlatformRole(enum.Enum):
    LAUNCH = "launch"
    LANDING = "landing"
    ALTERNATE = "alternate"


@dataclass(frozen=True, slots=True)
class RecorderConfig:
    out_dir: str = "sessions"
    # A kill -9 loses at most this much; the recorder refuses more than 0.25 s.
    flush_interval_s: float = 0.25
    tlog_segment_bytes: int | None = None
    max_backlog_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if not 0 < self.flush_interval_s <= 0.25:
            raise _Invalid("flush_interval_s", "a number of seconds > 0 and <= 0.25", self.flush_interval_s)
        if self.tlog_segment_bytes is not None and self.tlog_segment_bytes < 4096:
            raise _Invalid("tlog_segment_bytes", "at least 4096 bytes (or absent for one file)",
                           self.tlog_segment_bytes)
        _check_positive("max_backlog_bytes", self.max_backlog_bytes)


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """The operator console (``[console]``): where it listens, who may log in, how fast it streams.

    ``bind_host`` stays 127.0.0.1 unless the console must be reached from other machines (then
    give it ``tls_cert_file`` and ``tls_key_file``, both or neither). ``users_file`` holds the
    password hashes written by ``gcs users add`` (JSON, readable by its owner only). A session
    lasts ``session_ttl_s`` from login. Each browser gets at most ``max_update_hz`` update messages
    a second (changes in between coalesce, latest value per key), and one that cannot take a
    message for ``client_stall_s`` is disconnected. ``login_max_failures`` failed logins within
    ``login_window_s``, per user name and per address, lock further attempts for ``login_lockout_s``.
    """

    enabled: bool = True
    bind_host: str = "127.0.0.1"
    port: int = 8080
    users_file: str = "secrets/console-users.json"
    session_ttl_s: float = 12 * 3600.0
    max_update_hz: float = 60.0
    client_stall_s: float = 10.0
    max_clients: int = 32
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    login_max_failures: int = 5
    login_window_s: float = 60.0
    login_lockout_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.bind_host.strip():
            raise _Invalid("bind_host", "an address to listen on, e.g. 127.0.0.1", self.bind_host)
        _check_range("port", self.port, 0, 65535)
        if not self.users_file.strip():
            raise _Invalid("users_file", "the path of the console's user file", self.users_file)
        # A session shorter than a minute logs operators out mid-count; longer than a week is no expiry.
        if not 60.0 <= self.session_ttl_s <= 7 * 86400.0:
            raise _Invalid("session_ttl_s", "seconds from 60 to 604800 (a week)", self.session_ttl_s)
        if not 1.0 <= self.max_update_hz <= 100.0:
            raise _Invalid("max_update_hz", "a rate from 1 to 100 Hz", self.max_update_hz)
        if not 0.1 <= self.client_stall_s <= 600.0:
            raise _Invalid("client_stall_s", "seconds from 0.1 to 600", self.client_stall_s)
        _check_range("max_clients", self.max_clients, 1, 1000)
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise _Invalid("tls_key_file", "tls_cert_file and tls_key_file both set, or neither",
                           self.tls_key_file)
        _check_range("login_max_failures", self.login_max_failures, 1, 1000)
        for name in ("login_window_s", "login_lockout_s"):
            if not 0.0 < getattr(self, name) <= 86400.0:
                raise _Invalid(name, "seconds > 0 and <= 86400", getattr(self, name))

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None


_TOPIC_LEVEL = re.compile(r"[^/+#\x00]+")
_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _check_topic_levels(key: str, value: str, *, wildcards: bool) -> None:
    """``value`` is a relative MQTT topic (or, with ``wildcards``, a filter): levels joined by '/'."""
    expected = "MQTT topic levels joined by '/' (no empty level, no leading '$')"
    if wildcards:
        expected += "; '+' and '#' only as whole levels, '#' last"
    else:
        expected += ", no '+' or '#'"
    levels = value.split("/")
    ok = bool(value) and not value.startswith("$")
    for i, level in enumerate(levels):
        if wildcards and (level == "+" or (level == "#" and i == len(levels) - 1)):
            continue
        ok = ok and bool(_TOPIC_LEVEL.fullmatch(level))
    if not ok:
        raise _Invalid(key, expected, value)


@dataclass(frozen=True, slots=True)
class MqttRateConfig:
    """A publish rate limit for the topics matching ``topic`` (``[[mqtt.rates]]``).

    ``topic`` is an MQTT filter relative to the prefix (``"vehicle/+/tm/ATTITUDE"``, ``"platform/#"``);
    the first matching entry wins. ``max_rate_hz`` 0 keeps those topics off the broker. Applies to
    stream and state topics; events are never rate-limited.
    """

    topic: str
    max_rate_hz: float

    def __post_init__(self) -> None:
        _check_topic_levels("topic", self.topic, wildcards=True)
        if not 0 <= self.max_rate_hz <= 10_000:
            raise _Invalid("max_rate_hz", "a rate from 0 (never) to 10000 Hz", self.max_rate_hz)


@dataclass(frozen=True, slots=True)
class MqttTlsConfig:
    """TLS to the broker (``[mqtt.tls]``); an ``mqtts://`` URL switches it on too.

    ``ca_file`` None trusts the system's CAs. ``cert_file``/``key_file`` give a client certificate
    (both or neither); a key's passphrase, if any, comes from the secrets file, never from here.
    """

    enabled: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    check_hostname: bool = True

    def __post_init__(self) -> None:
        if (self.cert_file is None) != (self.key_file is None):
            raise _Invalid("key_file", "cert_file and key_file both set, or neither", self.key_file)


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """The MQTT fan-out (``[mqtt]``): which broker, which topic prefix, how much to send and keep.

    ``url`` is ``mqtt://HOST:PORT`` or ``mqtts://HOST:PORT`` (parsed by the bridge, like every
    connection string); a path in it (``/seaport/v1/range``) replaces ``prefix/env``. Username and
    password never live here: they come from ``secrets_file`` (TOML, readable by its owner only) or
    the environment (``SEAPORT_MQTT_USERNAME``, ``SEAPORT_MQTT_PASSWORD``).

    Rates: state topics go out at most ``state_max_rate_hz`` per topic (the newest value always goes
    out in the end), streams at most ``stream_max_rate_hz`` per topic (samples in between are skipped),
    unless an entry of ``rates`` says otherwise. Queues while the broker is away: up to
    ``max_queued_events`` events and alerts (never dropped before that) and ``max_queued_streams``
    stream samples (oldest dropped first). ``state_expiry_s`` is the MQTT 5 message expiry of retained
    state, so a dead station's state disappears rather than lingering as if current.
    """

    enabled: bool = False
    url: str = "mqtt://127.0.0.1:1883"
    prefix: str = "seaport/v1"
    env: str = "dev"
    client_id: str = "seaport-gcs"
    secrets_file: str | None = None
    keepalive_s: float = 10.0
    connect_timeout_s: float = 5.0
    publish_timeout_s: float = 10.0
    reconnect_base_s: float = 0.2
    reconnect_max_s: float = 10.0
    state_expiry_s: float = 600.0
    state_max_rate_hz: float = 1.0
    stream_max_rate_hz: float = 10.0
    rates: tuple[MqttRateConfig, ...] = ()
    max_queued_events: int = 10_000
    max_queued_streams: int = 2_000
    max_inflight: int = 20
    hub_queue: int = 4_096
    stats_interval_s: float = 5.0
    tls: MqttTlsConfig = field(default_factory=MqttTlsConfig)

    def __post_init__(self) -> None:
        _check_topic_levels("prefix", self.prefix, wildcards=False)
        if not _TOPIC_LEVEL.fullmatch(self.env) or self.env.startswith("$"):
            raise _Invalid("env", "one MQTT topic level (no '/', '+', '#')", self.env)
        if not _CLIENT_ID.fullmatch(self.client_id):
            raise _Invalid("client_id", "1 to 64 characters from A-Z a-z 0-9 . _ -", self.client_id)
        for name in ("keepalive_s", "connect_timeout_s", "publish_timeout_s", "reconnect_base_s",
                     "reconnect_max_s", "state_expiry_s", "stats_interval_s"):
            _check_positive(name, getattr(self, name))
        # The MQTT keepalive field is 16 bits of seconds; the expiry interval 32 bits.
        if self.keepalive_s > 65_535:
            raise _Invalid("keepalive_s", "at most 65535 s", self.keepalive_s)
        if self.state_expiry_s > 0xFFFF_FFFF:
            raise _Invalid("state_expiry_s", "at most 4294967295 s", self.state_expiry_s)
        for name in ("state_max_rate_hz", "stream_max_rate_hz"):
            if not 0 <= getattr(self, name) <= 10_000:
                raise _Invalid(name, "a rate from 0 (never) to 10000 Hz", getattr(self, name))
        _check_range("max_queued_events", self.max_queued_events, 1, 10_000_000)
        _check_range("max_queued_streams", self.max_queued_streams, 1, 10_000_000)
        # paho and Mosquitto count in-flight QoS 1 messages in 16 bits (the packet id).
        _check_range("max_inflight", self.max_inflight, 1, 65_535)
        _check_range("hub_queue", self.hub_queue, 1, 10_000_000)

    @property
    def topic_prefix(self) -> str:
        """``prefix/env``: the root of every topic the bridge publishes (unless the URL names another)."""
        return f"{self.prefix}/{self.env}"


@dataclass(frozen=True, slots=True)
class LaunchConfig:
    """The launch-control files of one mission (formats in docs/launch-control.md)."""

    enabled: bool = True
    countdown: str = "configs/countdowns/quick-hop.toml"
    commit_criteria: str = "configs/limits/commit-criteria.toml"
    red_lines: str = "configs/limits/red-lines.toml"
    range: str = "configs/range/cargo-hop.toml"
    landing: str = "configs/limits/landing.toml"
    tick_s: float = 0.1

    def __post_init__(self) -> None:
        if not 0 < self.tick_s <= 0.1:
            expected = "a number of seconds > 0 and <= 0.1 (range safety runs at 10 Hz or more)"
            raise _Invalid("tick_s", expected, self.tick_s)


@dataclass(frozen=True, slots=True)
class FleetConfig:
    """The fleet database this station writes each flight of its vehicle to (docs/fleet.md).

    ``vehicle_id`` is the airframe (tail number); ``vehicle_type`` names its limits in the ``limits``
    file (a vehicle config's ``name``). The database lives beside the session folders, not in one,
    so pruning sessions keeps the vehicle's history.
    """

    enabled: bool = False
    database: str = "fleet.sqlite"
    limits: str = "configs/limits/fleet.toml"
    vehicle_id: str = ""
    vehicle_type: str = ""
    refresh_s: float = 2.0
    """How often the station re-reads the vehicle's status (a clearance made with ``gcs fleet clear``)."""

    def __post_init__(self) -> None:
        if self.enabled:
            for key in ("vehicle_id", "vehicle_type"):
                if not getattr(self, key).strip():
                    raise _Invalid(key, "a name (the fleet is on: which vehicle does this station fly?)",
                                   getattr(self, key))
        _check_positive("refresh_s", self.refresh_s)


@dataclass(frozen=True, slots=True)
class CargoConfig:
    """This flight's cargo (docs/cargo.md): the manifest and the vehicle whose bay it must fit.

    With a manifest the count needs it within the bay's limits and its mass confirmed by the
    vehicle (two commit criteria), the red lines of its handling classes watch the bay, the
    recovery checklist gains "cargo unloaded", and the delivery is tracked and published.
    """

    manifest: str = ""
    """A manifest file (.csv or .json); empty: no cargo on this flight."""
    vehicle: str = "configs/vehicles/cargo-p2p.toml"
    """The vehicle config whose ``[cargo_bay]`` table holds the limits."""
    planned_flight_s: float = 3600.0
    """Liftoff to touchdown as planned: the ETA before liftoff counts it from T-0."""
    mass_tolerance_kg: float = 1.0
    """How far the vehicle's CARGO_MASS_KG may be from the manifest's mass and still confirm it."""

    def __post_init__(self) -> None:
        _check_positive("planned_flight_s", self.planned_flight_s)
        _check_positive("mass_tolerance_kg", self.mass_tolerance_kg)


@dataclass(frozen=True, slots=True)
class GcsConfig:
    """Everything ``gcs run`` needs, from ``configs/gcs.toml``."""

    station: StationConfig = field(default_factory=StationConfig)
    vehicle: VehicleLinkConfig = field(default_factory=VehicleLinkConfig)
    platforms: tuple[PlatformLinkConfig, ...] = ()
    recorder: RecorderConfig = field(default_factory=RecorderConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    launch: LaunchConfig = field(default_factory=LaunchConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    fleet: FleetConfig = field(default_factory=FleetConfig)
    cargo: CargoConfig = field(default_factory=CargoConfig)


class _Invalid(ValueError):
    """Raised by field checks; carries the dotted key so the loader can name it."""

    def __init__(self, key: str, expected: str, got: object) -> None:
        super().__init__(key)
        self.key = key
        self.expected = expected
        self.got = got


def _check_range(key: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise _Invalid(key, f"an integer from {low} to {high}", value)


def _check_positive(key: str, value: float) -> None:
    if not value > 0:
        raise _Invalid(key, "a number > 0", value)


def load_toml(path: Path | str) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a ``ConfigError`` that names the file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(path, "", "an existing file") from exc
    except IsADirectoryError as exc:
        raise ConfigError(path, "", "a file, not a directory") from exc
    except PermissionError as exc:
        raise ConfigError(path, "", "a readable file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", "UTF-8 text") from exc


def load_dataclass(cls: type[T], data: Mapping[str, Any], path: Path | str, key_prefix: str = "") -> T:
    """Build the frozen dataclass ``cls`` from a TOML table, checking every key and type.

    Raises:
        ConfigError: naming ``path``, the dotted key and what was expected.
    """
    try:
        return _build(cls, data, key_prefix)
    except _Invalid as exc:
        raise ConfigError(path, exc.key, exc.expected, exc.got) from None


def load_gcs_config(path: Path | str) -> GcsConfig:
    """Load ``configs/gcs.toml`` (or any file of that shape)."""
    return load_dataclass(GcsConfig, load_toml(path), path)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _build(cls: type[T], data: object, prefix: str) -> T:
    if not isinstance(data, Mapping):
        raise _Invalid(prefix or "(top level)", "a table", data)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _Invalid(_join(prefix, unknown[0]), "one of " + ", ".join(sorted(fields)), "unknown key")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        key = _join(prefix, name)
        if name in data:
            values[name] = _convert(hints[name], data[name], key)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _Invalid(key, "a value (this key is required)", None)
    try:
        return cls(**values)
    except _Invalid as exc:
        # Field checks name only their own field; the loader knows where the table sits.
        exc.key = _join(prefix, exc.key)
        raise


def _convert(hint: Any, value: object, key: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        if value is None and len(non_none) < len(args):
            return None
        if len(non_none) == 1:
            return _convert(non_none[0], value, key)
        raise _Invalid(key, f"a value of type {hint}", value)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Invalid(key, "an array", value)
        item_hint = args[0]
        return tuple(_convert(item_hint, item, f"{key}[{i}]") for i, item in enumerate(value))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, key)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        choices = [str(m.value) for m in hint]
        if not isinstance(value, str) or value not in choices:
            raise _Invalid(key, "one of " + ", ".join(choices), value)
        return hint(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise _Invalid(key, "true or false", value)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(key, "an integer", value)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(key, "a number", value)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _Invalid(key, "a string", value)
        return value
    raise _Invalid(key, f"a value of type {hint}", value)
