"""A SITL scenario as data: what to start, how fast, and what must have happened by the end.

``configs/scenarios/NAME.toml`` names the vehicle and its flight software, the platforms (each a
separate simulator process talking NMEA over a serial pair), the ground station's launch files
(countdown, range), the simulation speed and time limit, and the expectations that decide the run:
phases reached in order, the phase it must end in, the platform it must land on, holds and alerts
that must (or must not) occur. Every mistake names the file, the key and what was expected.

Knows nothing of processes, sockets or the ground station's internals: ``gcs.sitl.mission`` runs
a scenario, ``gcs.sitl.verdict`` judges it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from gcs.config import load_toml
from gcs.domain.phases import FlightPhase
from gcs.errors import ConfigError
from gcs.launch._files import InvalidValue, load_array, load_table, without

SCENARIO_DIR = Path("configs/scenarios")


class PlatformRole(enum.Enum):
    LAUNCH = "launch"
    LANDING = "landing"
    ALTERNATE = "alternate"


class MotionFormat(enum.Enum):
    """The motion reference unit's sentence format (``firmware-sim platform --mru``)."""

    PSXN23 = "psxn23"
    PHTRO_PHLIN = "phtro+phlin"
    TSS1 = "tss1"
    PASHR = "pashr"


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    config: str
    """Vehicle physics config (configs/vehicles/...)."""
    flight_software: str | None = None
    """Default: the simulator's own choice for the vehicle."""
    seed: int = 1
    telemetry_hz: float = 10.0
    target_apogee_m: float = 0.0
    """For the flight plan: 0 lets guidance pick."""
    tail: str = ""
    """The airframe's id in the fleet database (default: ``SIM-`` and the vehicle config's name)."""

    def __post_init__(self) -> None:
        if not self.telemetry_hz > 0:
            raise InvalidValue("telemetry_hz", "a number > 0", self.telemetry_hz)
        if not self.target_apogee_m >= 0:
            raise InvalidValue("target_apogee_m", "a number >= 0", self.target_apogee_m)


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    name: str
    """As the range file names the site (the ground station's platform link carries this name)."""
    config: str
    """Platform physics config (configs/platforms/...)."""
    role: PlatformRole
    sysid: int
    mru: MotionFormat = MotionFormat.PSXN23
    seed: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.sysid <= 254:
            raise InvalidValue("sysid", "a MAVLink system id from 1 to 254 (not the vehicle's)", self.sysid)


@dataclass(frozen=True, slots=True)
class StationSpec:
    """The ground station's side: its base config and the launch files that replace its [launch] ones."""

    config: str = "configs/gcs.toml"
    countdown: str = "configs/countdowns/quick-hop.toml"
    range: str = "configs/range/hop.toml"
    commit_criteria: str | None = None
    red_lines: str | None = None
    landing: str | None = None
    manifest: str | None = None
    """The cargo manifest the flight carries (checked against the vehicle config's bay)."""
    planned_flight_s: float = 130.0
    """Liftoff to touchdown as planned, for the delivery ETA before liftoff (the hop: about 125 s)."""
    restart_after_liftoff_s: float | None = None
    """Kill the ground station this long (simulated s) after the liftoff it sees, and start a new
    one ``restart_down_s`` later: it must take the flight over from the vehicle."""
    restart_down_s: float = 10.0

    def __post_init__(self) -> None:
        if not self.planned_flight_s > 0:
            raise InvalidValue("planned_flight_s", "a number of seconds > 0", self.planned_flight_s)
        if self.restart_after_liftoff_s is not None and not self.restart_after_liftoff_s >= 0:
            raise InvalidValue("restart_after_liftoff_s", "a number of seconds >= 0",
                               self.restart_after_liftoff_s)
        if not self.restart_down_s > 0:
            raise InvalidValue("restart_down_s", "a number of seconds > 0", self.restart_down_s)


class LinkDirection(enum.Enum):
    TO_GROUND = "to_ground"
    """Telemetry and sentences on their way to the ground station."""
    FROM_GROUND = "from_ground"
    """Commands and replies on their way to the vehicle or platform."""
    BOTH = "both"


class BlackoutOrigin(enum.Enum):
    """What a link fault's blackout windows count from."""

    RUN = "run"
    """The start of the run (the fault proxy's start)."""
    LIFTOFF = "liftoff"
    """The liftoff the ground station sees: for faults that must fall in a phase of the flight,
    whatever the count and the machine's load made of the time before it."""


@dataclass(frozen=True, slots=True)
class LinkFault:
    """What the fault proxy in the middle of one link does to it (``[[link_faults]]``).

    ``link`` is ``"vehicle"`` or a platform's name; ``blackouts`` are ``[start_s, duration_s]``
    pairs in simulated seconds from ``blackouts_from`` (the start of the run, or liftoff), during
    which nothing gets through.
    """

    link: str
    direction: LinkDirection = LinkDirection.BOTH
    loss_probability: float = 0.0
    bit_flip_probability: float = 0.0
    """Per byte."""
    duplicate_probability: float = 0.0
    blackouts: tuple[tuple[float, float], ...] = ()
    blackouts_from: BlackoutOrigin = BlackoutOrigin.RUN

    def __post_init__(self) -> None:
        for name in ("loss_probability", "bit_flip_probability", "duplicate_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise InvalidValue(name, "a probability from 0 to 1", getattr(self, name))
        for window in self.blackouts:
            if len(window) != 2 or not (window[0] >= 0 and window[1] > 0):
                raise InvalidValue("blackouts", "[start_s, duration_s] pairs, start >= 0 and duration > 0",
                                   list(window))


@dataclass(frozen=True, slots=True)
class TeamScript:
    """How the scripted launch team departs from a nominal count (``[team]``)."""

    no_go: tuple[str, ...] = ()
    """Poll stations that answer no-go (in every round), so go for launch cannot be given."""
    insist_on_go: bool = False
    """The launch director asks for go for launch even while a station is no-go (it must be refused)."""
    recycle_at_t_s: float | None = None
    """Once the count passes this count time (e.g. -60), the director holds and recycles it..."""
    recycle_to: str | None = None
    """...to this recycle point of the countdown file (e.g. "T-2"), and picks the count up again there."""
    scrub_after_hold_s: float | None = None
    """The director scrubs the count when an automatic hold has lasted this long (simulated s)."""
    divert_at_t_s: float | None = None
    """The launch director orders a divert to the alternate platform at this count time (in flight)."""
    terminate_at_t_s: float | None = None
    """Range safety arms and confirms flight termination at this count time."""
    terminate_on_recommendation: bool = False
    """Range safety arms and confirms flight termination once range safety recommends it (IIP out of
    the corridor, a destruct line crossed, data lost)."""

    def __post_init__(self) -> None:
        if (self.recycle_at_t_s is None) != (self.recycle_to is None):
            raise InvalidValue("recycle_to", "recycle_at_t_s and recycle_to both set, or neither",
                               self.recycle_to)
        if self.scrub_after_hold_s is not None and not self.scrub_after_hold_s > 0:
            raise InvalidValue("scrub_after_hold_s", "a number of seconds > 0", self.scrub_after_hold_s)


@dataclass(frozen=True, slots=True)
class Expectations:
    """What must have happened for the run to pass."""

    phases: tuple[str, ...] = ()
    """Flight phases the vehicle must report, in this order (others may come between)."""
    end_phase: tuple[str, ...] = ("SAFE",)
    """The run ends when the vehicle is in one of these phases; it passes only if it ends there."""
    landed_on: str | None = None
    """The platform the vehicle must stand on at the end (None: no landing expected)."""
    max_touchdown_speed_mps: float = 3.0
    holds: tuple[str, ...] = ()
    """Words each of which some automatic hold's reason must contain."""
    alerts: tuple[str, ...] = ()
    """Alert keys that must have been raised (``criterion:...``, ``range:...``)."""
    no_holds: bool = False
    """No automatic hold may happen (a nominal count)."""
    scrubbed: bool = False
    """The count must end scrubbed (the run ends when it is), not with a flight."""
    refused: tuple[str, ...] = ()
    """Words each of which some refused request's reason must contain (e.g. "no-go")."""
    bad_input_counted: tuple[str, ...] = ()
    """Platforms whose feed must have counted (and skipped) bad input: lines lost to checksums,
    framing or parsing, or motion values refused as implausible."""
    divert_in: tuple[str, ...] = ()
    """The flight must be diverted, and in one of these phases (e.g. ``["coast"]``)."""
    station_restarts: int = 0
    """The ground station must have been restarted this often, and the last one must have taken
    the flight over from the vehicle (``[station] restart_after_liftoff_s``)."""

    def __post_init__(self) -> None:
        named = (("phases", self.phases), ("end_phase", self.end_phase), ("divert_in", self.divert_in))
        for key, names in named:
            for name in names:
                try:
                    FlightPhase.from_name(name)
                except ValueError:
                    raise InvalidValue(
                        key, "flight phase names: " + ", ".join(p.config_name for p in FlightPhase), name
                    ) from None
        if not self.end_phase:
            raise InvalidValue("end_phase", "at least one phase (how else would the run end?)", [])
        if not self.max_touchdown_speed_mps > 0:
            raise InvalidValue("max_touchdown_speed_mps", "a number > 0", self.max_touchdown_speed_mps)

    @property
    def phase_values(self) -> tuple[FlightPhase, ...]:
        return tuple(FlightPhase.from_name(n) for n in self.phases)

    @property
    def divert_in_values(self) -> tuple[FlightPhase, ...]:
        return tuple(FlightPhase.from_name(n) for n in self.divert_in)

    @property
    def end_phase_values(self) -> frozenset[FlightPhase]:
        return frozenset(FlightPhase.from_name(n) for n in self.end_phase)


@dataclass(frozen=True, slots=True)
class _Head:
    name: str
    description: str = ""
    speed: float = 20.0
    """Simulated seconds per wall second with ``--headless`` (the console run is at 1 unless asked)."""
    time_limit_s: float = 1800.0
    """Simulated seconds from start to the end phase before the run is judged a failure."""

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise InvalidValue("speed", "a number > 0", self.speed)
        if not self.time_limit_s > 0:
            raise InvalidValue("time_limit_s", "a number > 0", self.time_limit_s)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    speed: float
    time_limit_s: float
    vehicle: VehicleSpec
    platforms: tuple[PlatformSpec, ...]
    station: StationSpec
    expect: Expectations
    path: Path = field(default=Path("."))
    link_faults: tuple[LinkFault, ...] = ()
    team: TeamScript = field(default_factory=TeamScript)
    simulator_faults: bool = False
    """The file has a ``[faults]`` table for the simulator processes (``firmware-sim --faults``),
    which read and check it themselves (docs/sitl.md, "Fault schedules")."""

    def windows_from_liftoff(self, link: str) -> bool:
        """Whether the blackouts on ``link`` count from liftoff (else from the start of the run)."""
        return any(f.link == link and f.blackouts_from is BlackoutOrigin.LIFTOFF for f in self.link_faults)

    def platform(self, role: PlatformRole) -> PlatformSpec | None:
        return next((p for p in self.platforms if p.role is role), None)


def find_scenario(name_or_path: str, scenario_dir: Path = SCENARIO_DIR) -> Path:
    """A scenario file from its name (``hop``) or its path.

    Raises:
        ConfigError: neither a file nor the name of one in ``scenario_dir`` (the message lists them).
    """
    as_path = Path(name_or_path)
    if as_path.suffix == ".toml" or as_path.exists():
        return as_path
    candidate = scenario_dir / f"{name_or_path}.toml"
    if candidate.exists():
        return candidate
    known = ", ".join(sorted(p.stem for p in scenario_dir.glob("*.toml"))) or "none"
    raise ConfigError(candidate, "", f"a scenario name ({known}) or a scenario file", name_or_path)


def load_scenario(path: Path | str) -> Scenario:
    """Load one scenario file.

    Raises:
        ConfigError: naming the file, the dotted key and what was expected.
    """
    path = Path(path)
    data = load_toml(path)
    head = load_table(_Head, without(data, "vehicle", "platforms", "station", "expect", "faults",
                                     "link_faults", "team"), path, "")
    vehicle = load_table(VehicleSpec, data.get("vehicle"), path, "vehicle")
    platforms = load_array(PlatformSpec, data, "platforms", path)
    station = load_table(StationSpec, data.get("station", {}), path, "station")
    expect = load_table(Expectations, data.get("expect", {}), path, "expect")
    link_faults = load_array(LinkFault, data, "link_faults", path, required=False)
    team = load_table(TeamScript, data.get("team", {}), path, "team")
    faults = data.get("faults")
    if faults is not None and not isinstance(faults, dict):
        raise ConfigError(path, "faults", "a table with vehicle and platform arrays (docs/sitl.md)", faults)
    names = [p.name for p in platforms]
    sysids = [p.sysid for p in platforms]
    for i, platform in enumerate(platforms):
        if names.index(platform.name) != i:
            raise ConfigError(path, f"platforms[{i}].name", "a name used once", platform.name)
        if sysids.index(platform.sysid) != i:
            raise ConfigError(path, f"platforms[{i}].sysid", "a system id used once", platform.sysid)
    roles = [p.role for p in platforms]
    for role in (PlatformRole.LAUNCH, PlatformRole.LANDING):
        if roles.count(role) != 1:
            raise ConfigError(path, "platforms", f"exactly one platform with role = {role.value!r}",
                              [r.value for r in roles])
    for i, fault in enumerate(link_faults):
        if fault.link != "vehicle" and fault.link not in names:
            raise ConfigError(path, f"link_faults[{i}].link",
                              "\"vehicle\" or a platform's name: " + ", ".join(names), fault.link)
        # One proxy per link: its windows have one origin.
        first = next(f for f in link_faults if f.link == fault.link)
        if fault.blackouts_from is not first.blackouts_from:
            raise ConfigError(path, f"link_faults[{i}].blackouts_from",
                              f"the same origin as the other faults on {fault.link}",
                              fault.blackouts_from.value)
    for name in expect.bad_input_counted:
        if name not in names:
            raise ConfigError(path, "expect.bad_input_counted", "names of the platforms: " + ", ".join(names),
                              name)
    if expect.station_restarts != (1 if station.restart_after_liftoff_s is not None else 0):
        raise ConfigError(path, "expect.station_restarts",
                          "1 with [station] restart_after_liftoff_s, else 0 (one restart per run)",
                          expect.station_restarts)
    if expect.landed_on is not None and expect.landed_on not in names:
        raise ConfigError(path, "expect.landed_on", "the name of one of the platforms: " + ", ".join(names),
                          expect.landed_on)
    return Scenario(
        name=head.name, description=head.description, speed=head.speed, time_limit_s=head.time_limit_s,
        vehicle=vehicle, platforms=platforms, station=station, expect=expect, path=path,
        link_faults=link_faults, team=team, simulator_faults=faults is not None,
    )
