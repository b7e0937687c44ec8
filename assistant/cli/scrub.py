"""``acuity scrub FILE``: print a file's text with patient identifiers replaced by placeholders.

``FILE`` is a text or Markdown file, ``-`` for standard input, or a PDF/DOCX/HTML document
(its text is extracted first). Known patient names come from ``--names`` (a file with one
name a line) and ``--export`` (a source export folder: its ``patients.csv``). Exit codes:
0 printed, 1 the file could not be read.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from pathlib import Path

from ingest.scrub import Scrubber

log = logging.getLogger(__name__)

_EXTRACTED = (".pdf", ".docx", ".html", ".htm")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scrub`` subcommand."""
    p = subparsers.add_parser(
        "scrub",
        help="print a file's text with patient identifiers removed",
        description="Replace names, phones, e-mails, MRNs, SSNs, dates of birth and street addresses "
        "with placeholders such as [NAME] and print the result.",
    )
    p.add_argument("file", help="text, Markdown, PDF, DOCX or HTML file; '-' reads standard input")
    p.add_argument(
        "--names", type=Path, action="append", default=[], help="file of known patient names, one a line"
    )
    p.add_argument(
        "--export", type=Path, help="source export folder whose patients.csv gives the known names"
    )
    p.set_defaults(func=run)


def known_names(names_files: list[Path], export: Path | None) -> list[str]:
    """Patient names from name files and an export's ``patients.csv``."""
    names: list[str] = []
    for path in names_files:
        names.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if export is not None:
        with (export / "patients.csv").open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                names.extend(v for v in (row.get("first_name"), row.get("last_name")) if v)
    return names


def read_input(file: str) -> str:
    """The text to scrub: stdin, an extracted document, or a text file."""
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if path.suffix.lower() in _EXTRACTED:
        from ingest.documents.errors import ExtractionError  # only documents need the extractors
        from ingest.documents.extract import extract

        try:
            return extract(path).text
        except ExtractionError as exc:
            raise ValueError(str(exc)) from exc
    return path.read_text(encoding="utf-8", errors="replace")


def run(args: argparse.Namespace) -> int:
    """Scrub the file and print it."""
    try:
        names = known_names(args.names, args.export)
        text = read_input(args.file)
    except (OSError, ValueError) as exc:
        print(f"acuity scrub: cannot read input: {exc}", file=sys.stderr)
        return 1
    log.debug("scrubbing %d characters with %d known names", len(text), len(names))
    sys.stdout.write(Scrubber(names).scrub(text))
    if text and not text.endswith("\n"):
        sys.stdout.write("\n")
    return 0
