"""Regenerate ``seaport.py`` from ``seaport.xml`` with pymavlink's mavgen. Knows nothing of links or rockets.

Run ``python -m gcs.protocol.dialect.generate`` after editing the XML, and commit both files.
``python -m gcs.protocol.dialect.generate --check`` exits 1 when the committed module differs from a
fresh generation (CI runs it to catch drift), 0 when they match.

The output must be byte-for-byte reproducible: mavgen runs in a temporary directory on copies of the
XML files, so no absolute path of this machine can leak into the module, and ``_normalise`` removes
anything that would vary between machines or runs should a later mavgen start writing it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIALECT_XML = HERE / "seaport.xml"
GENERATED_MODULE = HERE / "seaport.py"
# The XML files mavgen reads: ours and the includes it pulls in (copied from the pymavlink wheel).
XML_FILES = ("seaport.xml", "common.xml", "standard.xml", "minimal.xml")
WIRE_PROTOCOL = "2.0"
LANGUAGE = "Python3"

# Lines a generator could stamp with the moment or the place of generation.
_VOLATILE = re.compile(r"^(?P<key>\s*(?:#\s*)?(?:Generated on|Generation date|Date)\s*:).*$", re.MULTILINE)


def _normalise(text: str, workdir: Path) -> str:
    """Strip machine- and time-dependent details from mavgen's output."""
    text = text.replace(str(workdir) + "/", "").replace(str(workdir), ".")
    text = _VOLATILE.sub(r"\g<key> (removed for reproducibility)", text)
    return text if text.endswith("\n") else text + "\n"


def render(source_dir: Path = HERE) -> str:
    """Run mavgen on the dialect XML in ``source_dir`` and return the generated module's text.

    Raises:
        RuntimeError: mavgen rejected the XML (its messages are in the exception text).
    """
    # Imported here: only this tool needs the generator (and lxml, for validation against the schema).
    from pymavlink.generator import mavgen

    with tempfile.TemporaryDirectory(prefix="seaport-mavgen-") as tmp:
        workdir = Path(tmp)
        for name in XML_FILES:
            shutil.copyfile(source_dir / name, workdir / name)
        output = workdir / "seaport.py"
        opts = mavgen.Opts(str(output), wire_protocol=WIRE_PROTOCOL, language=LANGUAGE, validate=True)
        chatter = io.StringIO()
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            ok = mavgen.mavgen(opts, [str(workdir / XML_FILES[0])])
        if not ok or not output.exists():
            raise RuntimeError("mavgen failed:\n" + chatter.getvalue())
        return _normalise(output.read_text(encoding="utf-8"), workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gcs.protocol.dialect.generate", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed module differs from a fresh generation"
    )
    parser.add_argument("--output", type=Path, default=GENERATED_MODULE, help="module to write or check")
    args = parser.parse_args(argv)

    fresh = render()
    if args.check:
        committed = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if committed != fresh:
            print(f"{args.output} is stale: run python -m gcs.protocol.dialect.generate", file=sys.stderr)
            return 1
        print(f"{args.output} matches {DIALECT_XML.name}")
        return 0
    args.output.write_text(fresh, encoding="utf-8")
    print(f"wrote {args.output} ({len(fresh)} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
