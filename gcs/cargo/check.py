"""One manifest file checked against one vehicle's cargo bay, as a value that says everything found.

The station and ``gcs cargo load`` both use ``check_manifest_file``: bad rows come back as problems
(never raised), broken limits as violations, so one call reports all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gcs.cargo.files import load_manifest_file
from gcs.domain.manifest import BayLimits, LimitViolation, Manifest, check_against
from gcs.errors import ManifestError, ManifestRowError


@dataclass(frozen=True, slots=True)
class CargoCheck:
    """What checking a manifest found. ``manifest`` is None when it had bad rows (``problems``)."""

    source_name: str
    limits: BayLimits
    manifest: Manifest | None
    problems: tuple[ManifestRowError, ...] = ()
    violations: tuple[LimitViolation, ...] = ()

    @property
    def ok(self) -> bool:
        """The manifest parsed and the load is within every limit of the bay."""
        return self.manifest is not None and not self.problems and not self.violations


def check_manifest(manifest: Manifest, limits: BayLimits) -> CargoCheck:
    return CargoCheck(manifest.source_name, limits, manifest, violations=check_against(manifest, limits))


def check_manifest_file(path: Path | str, limits: BayLimits) -> CargoCheck:
    """Load ``path`` (``.csv`` or ``.json``) and check it against ``limits``.

    Never raises ``ManifestError``: an unreadable file or bad rows come back as ``problems``.
    """
    try:
        manifest = load_manifest_file(path)
    except ManifestError as exc:
        return CargoCheck(exc.source_name, limits, None, problems=exc.problems)
    return check_manifest(manifest, limits)
