"""A manifest file into a ``Manifest``: the format from the extension, the text as UTF-8.

All the rules are ``gcs.domain.manifest``'s; this module only reads bytes and picks the parser.
"""

from __future__ import annotations

from pathlib import Path

from gcs.domain.manifest import Manifest, ManifestFormat, decode_manifest, parse_manifest
from gcs.errors import ManifestError, ManifestRowError

FORMATS = {".csv": ManifestFormat.CSV, ".json": ManifestFormat.JSON}
MAX_FILE_BYTES = 64 * 1024 * 1024
"""A manifest is a few hundred rows; anything this big is the wrong file."""


def manifest_format(path: Path | str) -> ManifestFormat:
    """The format a file's extension names (``.csv`` or ``.json``, any case).

    Raises:
        ManifestError: for any other extension.
    """
    try:
        return FORMATS[Path(path).suffix.lower()]
    except KeyError:
        why = f"unknown manifest format {Path(path).suffix or '(no extension)'!r}: expected .csv or .json"
        raise ManifestError(str(path), [ManifestRowError(0, "file", why)]) from None


def load_manifest_file(path: Path | str) -> Manifest:
    """Read and parse a manifest file; the manifest's ``source_name`` is ``str(path)``.

    Raises:
        ManifestError: the file cannot be read, is not UTF-8, or has bad rows (every one listed).
    """
    source = str(path)
    fmt = manifest_format(path)
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ManifestError(source, [ManifestRowError(0, "file", "no such file")]) from None
    except IsADirectoryError:
        raise ManifestError(source, [ManifestRowError(0, "file", "a directory, not a file")]) from None
    except OSError as exc:
        why = f"cannot be read ({exc.strerror})"
        raise ManifestError(source, [ManifestRowError(0, "file", why)]) from None
    if len(data) > MAX_FILE_BYTES:
        why = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a manifest"
        raise ManifestError(source, [ManifestRowError(0, "file", why)])
    return parse_manifest(decode_manifest(data, source), source, fmt)
