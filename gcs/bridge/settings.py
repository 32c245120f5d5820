"""Where the bridge connects and as whom: the broker URL, credentials, TLS, and the resolved settings.

``parse_mqtt_url`` reads ``mqtt://[USER@]HOST[:PORT][/PREFIX]`` (``mqtts://`` for TLS), the form of
``--mqtt`` on ``gcs run`` and ``gcs sitl``. Passwords never travel in URLs or in the main config: they
come from a secrets file readable by its owner only, or from the environment. ``bridge_settings``
folds a ``MqttConfig``, an optional URL and the environment into one ``BridgeSettings``; every
mistake is a ``BridgeError`` raised here, before anything connects. Knows nothing of aiomqtt or of
the values the bridge carries.
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gcs.config import MqttConfig
from gcs.errors import BrokerCredentialsError, BrokerUrlError
from gcs.transport.link import Backoff

DEFAULT_PORT = 1883
DEFAULT_TLS_PORT = 8883
USERNAME_ENV = "SEAPORT_MQTT_USERNAME"
PASSWORD_ENV = "SEAPORT_MQTT_PASSWORD"  # the variable's name, not a password

_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")
_TOPIC_LEVEL = re.compile(r"[^/+#\x00]+")


@dataclass(frozen=True, slots=True)
class BrokerUrl:
    """A parsed ``mqtt://`` or ``mqtts://`` URL. ``prefix`` is None when the URL has no path."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    prefix: str | None = None

    def __str__(self) -> str:
        scheme = "mqtts" if self.tls else "mqtt"
        user = f"{self.username}@" if self.username else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        path = f"/{self.prefix}" if self.prefix else ""
        return f"{scheme}://{user}{host}:{self.port}{path}"


def parse_mqtt_url(url: str) -> BrokerUrl:
    """Parse ``mqtt://[USER@]HOST[:PORT][/PREFIX]`` (or ``mqtts://``, TLS, default port 8883).

    ``PREFIX`` is the topic root, levels joined by ``/`` (``seaport/v1/range``), with no wildcards.

    Raises:
        BrokerUrlError: naming the URL and what is wrong with it (scheme, host, port, a password in
            the URL, a prefix that is not a topic, a query or fragment).
    """
    if not isinstance(url, str) or not url.strip():
        raise BrokerUrlError(str(url), "empty; expected mqtt://[USER@]HOST[:PORT][/PREFIX]")
    text = url.strip()
    if "://" not in text:
        raise BrokerUrlError(url, "no scheme; expected mqtt://[USER@]HOST[:PORT][/PREFIX] or mqtts://...")
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unbalanced '[' around an IPv6 address
        raise BrokerUrlError(url, f"not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("mqtt", "mqtts"):
        raise BrokerUrlError(url, f"scheme {parts.scheme!r} is not mqtt or mqtts")
    if "#" in text:
        raise BrokerUrlError(url, "'#' has no place here (a topic prefix holds no wildcard)")
    if parts.query or text.endswith("?"):
        raise BrokerUrlError(url, "a query ('?...') has no meaning here")
    if parts.password is not None:
        raise BrokerUrlError(
            url, f"a password in the URL would end up in shell history and process lists; put it in "
            f"the secrets file or {PASSWORD_ENV}"
        )
    host = parts.hostname
    if not host:
        raise BrokerUrlError(url, "no host")
    if not _valid_host(host):
        raise BrokerUrlError(url, f"host {host!r} is neither a host name nor an IP address")
    try:
        port = parts.port
    except ValueError:
        raise BrokerUrlError(url, "the port must be a number from 1 to 65535") from None
    if port == 0:
        raise BrokerUrlError(url, "the port must be a number from 1 to 65535")
    tls = scheme == "mqtts"
    username = unquote(parts.username) if parts.username else None
    if parts.username is not None and not username:
        raise BrokerUrlError(url, "an empty user name before '@'")
    prefix = parts.path[1:] if parts.path.startswith("/") else parts.path
    if prefix.endswith("/"):
        prefix = prefix[:-1]
    if prefix:
        problem = topic_problem(prefix)
        if problem:
            raise BrokerUrlError(url, f"prefix {prefix!r}: {problem}")
    return BrokerUrl(
        host=host,
        port=port if port is not None else (DEFAULT_TLS_PORT if tls else DEFAULT_PORT),
        tls=tls,
        username=username,
        prefix=prefix or None,
    )


def topic_problem(topic: str) -> str | None:
    """What makes ``topic`` unusable as a topic to publish to, or None when it is fine."""
    if topic.startswith("$"):
        return "topics starting with '$' belong to the broker"
    for level in topic.split("/"):
        if not level:
            return "an empty topic level ('//', or '/' at an end)"
        if not _TOPIC_LEVEL.fullmatch(level):
            return f"level {level!r} holds '+', '#' or NUL"
    return None


def topic_matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches the MQTT filter ``topic_filter`` (``+`` one level, ``#`` the rest)."""
    want = topic_filter.split("/")
    have = topic.split("/")
    for i, level in enumerate(want):
        if level == "#":
            return True
        if i >= len(have) or (level != "+" and level != have[i]):
            return False
    return len(want) == len(have)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host))
    return True


@dataclass(frozen=True, slots=True)
class BrokerCredentials:
    """Who the bridge is to the broker. The password never shows in a repr or a log line."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    key_password: str | None = field(default=None, repr=False)
    """Passphrase of the TLS client key, if it has one."""


_SECRET_KEYS = frozenset({"username", "password", "tls_key_password"})


def load_credentials(
    secrets_file: Path | str | None,
    environ: Mapping[str, str],
    *,
    url_username: str | None = None,
) -> BrokerCredentials:
    """Gather the broker user name and password.

    The user name comes from the URL, else ``SEAPORT_MQTT_USERNAME``, else the secrets file; the
    password from ``SEAPORT_MQTT_PASSWORD``, else the secrets file. The file is TOML with
    ``username``, ``password`` and ``tls_key_password`` (all optional) and must be readable by its
    owner only, as ssh insists for private keys.

    Raises:
        BrokerCredentialsError: the file is missing, unreadable, not TOML, has other keys or
            non-string values, is open to group or others; or a password comes without a user name.
    """
    from_file: dict[str, str] = {}
    if secrets_file is not None:
        from_file = _read_secrets(Path(secrets_file))
    username = url_username or environ.get(USERNAME_ENV) or from_file.get("username")
    password = environ.get(PASSWORD_ENV) or from_file.get("password")
    if password and not username:
        source = PASSWORD_ENV if environ.get(PASSWORD_ENV) else str(secrets_file)
        raise BrokerCredentialsError(
            source, f"a password without a user name (give one in the URL, {USERNAME_ENV} or the file)"
        )
    return BrokerCredentials(username or None, password or None, from_file.get("tls_key_password"))


def _read_secrets(path: Path) -> dict[str, str]:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BrokerCredentialsError(path, "not a regular file")
        if info.st_mode & 0o077:
            raise BrokerCredentialsError(
                path, f"readable or writable by group or others (mode {stat.S_IMODE(info.st_mode):o}); "
                f"chmod 600 it"
            )
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise BrokerCredentialsError(path, "no such file") from None
    except PermissionError:
        raise BrokerCredentialsError(path, "not readable by this user") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BrokerCredentialsError(path, f"not valid TOML ({exc})") from None
    except IsADirectoryError:
        raise BrokerCredentialsError(path, "a directory, not a file") from None
    unknown = sorted(set(data) - _SECRET_KEYS)
    if unknown:
        raise BrokerCredentialsError(
            path, f"unknown key {unknown[0]!r}; expected {', '.join(sorted(_SECRET_KEYS))}"
        )
    for key, value in data.items():
        if not isinstance(value, str) or not value:
            raise BrokerCredentialsError(path, f"{key} must be a non-empty string")
    return dict(data)


@dataclass(frozen=True, slots=True)
class RateRule:
    """Topics matching ``topic_filter`` (absolute, with the prefix) go out at most ``max_rate_hz``."""

    topic_filter: str
    max_rate_hz: float


@dataclass(frozen=True, slots=True)
class BridgeSettings:
    """Everything the bridge needs, resolved and checked. Build it with ``bridge_settings``.

    ``tls`` is None for plain TCP. ``prefix`` is the topic root with no trailing '/'.
    """

    host: str
    port: int
    prefix: str
    client_id: str = "seaport-gcs"
    credentials: BrokerCredentials = field(default_factory=BrokerCredentials)
    tls: ssl.SSLContext | None = None
    keepalive_s: float = 10.0
    connect_timeout_s: float = 5.0
    publish_timeout_s: float = 10.0
    backoff: Backoff = field(default_factory=lambda: Backoff(base_s=0.2, factor=1.5, max_s=10.0))
    state_expiry_s: float = 600.0
    state_max_rate_hz: float = 1.0
    stream_max_rate_hz: float = 10.0
    rates: tuple[RateRule, ...] = ()
    max_queued_events: int = 10_000
    max_queued_streams: int = 2_000
    max_inflight: int = 20
    hub_queue: int = 4_096
    stats_interval_s: float = 5.0
    coalesce_s: float = 0.025
    """While the event loop is busy, a trickle of values on a subscribed type (events, unlimited
    streams: less than ``max_inflight`` since the last batch) is handed to the outbox, and written,
    at most this often: one wake-up, one write and one read of acknowledgements per batch, not per
    value. With time to spare, every value goes at once. 0 switches coalescing off."""

    @property
    def broker(self) -> str:
        """``host:port`` for logs and stats (never the user or the password)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def max_rate_hz(self, topic: str, *, stream: bool) -> float:
        """The rate limit of ``topic``: the first matching rule, else the class default (0 = never)."""
        for rule in self.rates:
            if topic_matches(rule.topic_filter, topic):
                return rule.max_rate_hz
        return self.stream_max_rate_hz if stream else self.state_max_rate_hz


def bridge_settings(
    config: MqttConfig,
    *,
    url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BridgeSettings:
    """Resolve ``config`` (and ``--mqtt URL``, which wins over ``config.url``) into settings.

    A path in the URL replaces ``config.prefix/config.env`` as the topic root; ``mqtts://`` or
    ``[mqtt.tls] enabled`` switches TLS on.

    Raises:
        BrokerUrlError: the URL cannot be parsed.
        BrokerCredentialsError: credentials or TLS files cannot be used.
    """
    parsed = parse_mqtt_url(url if url is not None else config.url)
    env = os.environ if environ is None else environ
    credentials = load_credentials(config.secrets_file, env, url_username=parsed.username)
    prefix = parsed.prefix or config.topic_prefix
    tls_on = parsed.tls or config.tls.enabled
    return BridgeSettings(
        host=parsed.host,
        port=parsed.port,
        prefix=prefix,
        client_id=config.client_id,
        credentials=credentials,
        tls=_tls_context(config, credentials) if tls_on else None,
        keepalive_s=config.keepalive_s,
        connect_timeout_s=config.connect_timeout_s,
        publish_timeout_s=config.publish_timeout_s,
        backoff=Backoff(base_s=config.reconnect_base_s, factor=1.5, max_s=config.reconnect_max_s),
        state_expiry_s=config.state_expiry_s,
        state_max_rate_hz=config.state_max_rate_hz,
        stream_max_rate_hz=config.stream_max_rate_hz,
        rates=tuple(RateRule(f"{prefix}/{rule.topic}", rule.max_rate_hz) for rule in config.rates),
        max_queued_events=config.max_queued_events,
        max_queued_streams=config.max_queued_streams,
        max_inflight=config.max_inflight,
        hub_queue=config.hub_queue,
        stats_interval_s=config.stats_interval_s,
    )


def _tls_context(config: MqttConfig, credentials: BrokerCredentials) -> ssl.SSLContext:
    tls = config.tls
    # ssl's own errors do not say which file they mean; check each first, so the message can.
    for name in (tls.ca_file, tls.cert_file, tls.key_file):
        if name is None:
            continue
        if not Path(name).is_file():
            raise BrokerCredentialsError(name, "no such file")
        if not os.access(name, os.R_OK):
            raise BrokerCredentialsError(name, "not readable by this user")
    try:
        context = ssl.create_default_context(cafile=tls.ca_file)
    except ssl.SSLError as exc:
        raise BrokerCredentialsError(tls.ca_file or "system CA store",
                                     f"not usable as CA certificates ({exc.reason or exc})") from None
    try:
        if tls.cert_file is not None and tls.key_file is not None:
            context.load_cert_chain(tls.cert_file, tls.key_file, password=credentials.key_password)
    except ssl.SSLError as exc:
        raise BrokerCredentialsError(f"{tls.cert_file} + {tls.key_file}",
                                     f"not a usable certificate and key ({exc.reason or exc})") from None
    context.check_hostname = tls.check_hostname
    if not tls.check_hostname:
        # Still verify the chain: a lab broker by IP address without a matching name, not no checks.
        context.verify_mode = ssl.CERT_REQUIRED
    return context
