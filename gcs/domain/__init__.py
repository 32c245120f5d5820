"""Pure values and rules: vehicle and platform state, phases, roles, limits, impact point, corridor.

Every value here is frozen and carries its units in its names; every rule is a function of values
and of time passed in as an argument. Knows nothing of sockets, codecs, asyncio or configuration
files: the wire's enums are mirrored here (a test checks they agree), never imported.

Modules:
    phases      flight phase and countdown display state, mirrored from the dialect
    roles       who may do what: console roles and go/no-go stations
    geodesy     WGS-84 frames and great circles
    vehicle     the vehicle state snapshot the range-safety monitor works from
    platform    sea-platform sites and the deck state of a platform
    fields      the named telemetry values that limits and criteria refer to
    limits      comparators, limits and persistence, as values
    iip         instantaneous impact point in vacuum over the rotating WGS-84 Earth
    corridor    flight corridors and destruct lines on the ground
    landing     landing-deck readiness against limits
"""
