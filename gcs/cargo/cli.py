"""``gcs cargo load FILE``: check a manifest against a vehicle's cargo bay. Arguments in, report out.

Exit status: 0 the load fits; 1 the manifest has bad rows or breaks a limit (every one printed);
2 the vehicle file cannot be used (one ``gcs: error:`` line, from ``gcs.cli``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from gcs.cargo.bay_limits import load_bay_limits
from gcs.cargo.check import check_manifest_file
from gcs.cargo.summary import json_document, text_lines

DEFAULT_VEHICLE = "configs/vehicles/cargo-p2p.toml"
EXIT_REJECTED = 1


def add_parser(sub: Any) -> None:
    cargo = sub.add_parser("cargo", help="cargo manifests: load and check against a vehicle's cargo bay")
    cargo_sub = cargo.add_subparsers(dest="cargo_command", required=True, metavar="ACTION")
    load = cargo_sub.add_parser(
        "load", help="validate a manifest (.csv or .json): every bad row, totals, CG, limits",
        description="Read a cargo manifest, report every bad row (file:line: field: why), then check "
                    "its mass, volume and centre of gravity against the vehicle's [cargo_bay] limits.")
    load.add_argument("file", help="the manifest: .csv (header row first) or .json (see docs/cargo.md)")
    load.add_argument("--vehicle", default=DEFAULT_VEHICLE,
                      help=f"vehicle file whose [cargo_bay] gives the limits (default {DEFAULT_VEHICLE})")
    load.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    load.set_defaults(func=_load)


def _load(args: argparse.Namespace) -> int:
    limits = load_bay_limits(args.vehicle)  # a ConfigError here exits 2 through gcs.cli
    check = check_manifest_file(args.file, limits)
    if args.json:
        print(json.dumps(json_document(check, args.vehicle), indent=2, ensure_ascii=False))
    else:
        print("\n".join(text_lines(check, args.vehicle)))
    return 0 if check.ok else EXIT_REJECTED
