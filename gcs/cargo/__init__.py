"""Cargo: manifests read from files and checked against a vehicle's cargo bay, and ``gcs cargo``.

The rules (parsing, totals, limits) are pure and live in ``gcs.domain.manifest``; this package adds
only the files: a manifest file by its extension, and the ``[cargo_bay]`` table of a vehicle file.
Knows nothing of links, the countdown or the console.

Modules:
    files       load_manifest_file: a manifest file (.csv or .json) into a Manifest
    bay_limits  load_bay_limits: a vehicle file's [cargo_bay] table into BayLimits
    check       check_manifest_file: a file against BayLimits, everything found as one CargoCheck value
    summary     a CargoCheck as text lines or as a JSON object
    cli         ``gcs cargo load FILE --vehicle VEHICLE.toml [--json]``
"""
