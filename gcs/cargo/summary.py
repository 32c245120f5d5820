"""A ``CargoCheck`` as text for people (compiler-style problem lines) or as JSON for programs.

Formatting only: knows nothing of files or of how the check was made.
"""

from __future__ import annotations

from typing import Any

from gcs.cargo.check import CargoCheck
from gcs.domain.manifest import BayLimits, LimitViolation, ManifestTotals

JSON_SCHEMA_VERSION = 1


def text_lines(check: CargoCheck, vehicle_file: str) -> list[str]:
    """The report ``gcs cargo load`` prints: a summary, then every problem or violation."""
    source = check.source_name
    if check.manifest is None:
        lines = [f"{source}: manifest rejected, {len(check.problems)} problem(s)"]
        return lines + [p.located(source) for p in check.problems]
    totals, limits = check.manifest.totals, check.limits
    lines = [f"{source}: {totals.parcel_count} parcels, checked against {vehicle_file} [cargo_bay]"]
    lines += _totals_lines(totals, limits)
    if check.ok:
        lines.append("OK: the load is within every limit of the cargo bay")
    else:
        lines.append(f"NOT OK: {len(check.violations)} limit(s) broken")
        lines += [_violation_line(source, v) for v in check.violations]
    return lines


def _percent(value: float, limit: float) -> str:
    return f"({100.0 * value / limit:.1f} %)"


def _totals_lines(totals: ManifestTotals, limits: BayLimits) -> list[str]:
    cg, heaviest = totals.cg, totals.heaviest
    lines = [
        f"  mass        {totals.mass_kg:>12,.1f} kg   limit {limits.max_mass_kg:,.1f} kg "
        f"{_percent(totals.mass_kg, limits.max_mass_kg)}",
        f"  volume      {totals.volume_m3:>12,.2f} m³   limit {limits.volume_m3:,.2f} m³ "
        f"{_percent(totals.volume_m3, limits.volume_m3)}",
        f"  CG axial    {cg.axial_m:>12.3f} m    envelope {limits.cg_axial_min_m:.3f}-"
        f"{limits.cg_axial_max_m:.3f} m above the bay floor",
        f"  CG lateral  {cg.lateral_m:>12.3f} m    limit {limits.cg_lateral_max_m:.3f} m off the axis "
        f"(x {cg.x_m:+.3f} m, y {cg.y_m:+.3f} m)",
        f"  heaviest    {heaviest.mass_kg:>12,.1f} kg   limit {limits.max_parcel_mass_kg:,.1f} kg per parcel "
        f"({heaviest.parcel_id})",
        "  by handling class:",
    ]
    allowed = set(limits.handling_classes)
    for entry in totals.by_class:
        note = "" if entry.handling_class in allowed else "   not allowed on this vehicle"
        lines.append(f"    {entry.handling_class.value:<18} {entry.parcel_count:>5} parcel(s) "
                     f"{entry.mass_kg:>12,.1f} kg{note}")
    return lines


def _violation_line(source: str, violation: LimitViolation) -> str:
    if violation.line is None:
        return f"{source}: {violation.kind.value}: {violation.message}"
    return f"{source}:{violation.line}: {violation.field}: {violation.message}"


def json_document(check: CargoCheck, vehicle_file: str) -> dict[str, Any]:
    """The report as one JSON object (``schema`` is bumped on any incompatible change)."""
    totals = check.manifest.totals if check.manifest is not None else None
    return {
        "schema": JSON_SCHEMA_VERSION,
        "manifest": check.source_name,
        "vehicle_file": vehicle_file,
        "ok": check.ok,
        "problems": [{"line": p.line, "field": p.field, "why": p.why} for p in check.problems],
        "totals": None if totals is None else _totals_json(totals),
        "limits": _limits_json(check.limits),
        "violations": [_violation_json(v) for v in check.violations],
    }


def _totals_json(totals: ManifestTotals) -> dict[str, Any]:
    cg = totals.cg
    return {
        "parcel_count": totals.parcel_count,
        "mass_kg": totals.mass_kg,
        "volume_m3": totals.volume_m3,
        "cg_m": {"x_m": cg.x_m, "y_m": cg.y_m, "z_m": cg.z_m},
        "cg_axial_m": cg.axial_m,
        "cg_lateral_m": cg.lateral_m,
        "heaviest": {"parcel_id": totals.heaviest.parcel_id, "mass_kg": totals.heaviest.mass_kg},
        "by_class": {
            c.handling_class.value: {"parcel_count": c.parcel_count, "mass_kg": c.mass_kg}
            for c in totals.by_class
        },
    }


def _limits_json(limits: BayLimits) -> dict[str, Any]:
    return {
        "inner_diameter_m": limits.inner_diameter_m,
        "height_m": limits.height_m,
        "volume_m3": limits.volume_m3,
        "max_mass_kg": limits.max_mass_kg,
        "max_parcel_mass_kg": limits.max_parcel_mass_kg,
        "cg_axial_min_m": limits.cg_axial_min_m,
        "cg_axial_max_m": limits.cg_axial_max_m,
        "cg_lateral_max_m": limits.cg_lateral_max_m,
        "handling_classes": [c.value for c in limits.handling_classes],
    }


def _violation_json(violation: LimitViolation) -> dict[str, Any]:
    return {
        "kind": violation.kind.value,
        "message": violation.message,
        "value": violation.value,
        "limit": violation.limit,
        "parcel_id": violation.parcel_id,
        "line": violation.line,
        "field": violation.field,
    }
