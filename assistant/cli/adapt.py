"""``acuity adapt FORMAT SRC OUT_DIR``: turn a foreign export into a source export folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.adapters import ADAPTERS, AdapterError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``adapt`` subcommand."""
    p = subparsers.add_parser(
        "adapt",
        help="map a foreign export (e.g. the Kaggle no-show CSV) onto the data contract",
        description="Write a source export folder (one CSV per contract table) from a foreign "
        "file; rows that cannot be mapped go to adapter_rejects.csv in that folder, with reasons. "
        "Then run `acuity ingest OUT_DIR`.",
    )
    p.add_argument("format", choices=sorted(ADAPTERS), help="the foreign format")
    p.add_argument("source", type=Path, metavar="SRC", help="the foreign file")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder to write the export into")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the adapter and print what it wrote and what it could not map."""
    try:
        report = ADAPTERS[args.format](args.source, args.out_dir)
    except AdapterError as exc:
        print(f"acuity adapt: {exc}", file=sys.stderr)
        return 2
    print(f"Source export written to {report.out_dir} from {report.source.name}")
    print(f"  rows read        {report.rows_read:>10,}")
    print(f"  rows mapped      {report.rows_mapped:>10,}")
    print(f"  rows not mapped  {report.rows_rejected:>10,}  (see {report.rejects_path.name})")
    for reason, n in report.reasons.items():
        print(f"    {n:>8,}  {reason}")
    width = max(len(name) for name in report.tables)
    print("  tables written:")
    for name, rows in report.tables.items():
        print(f"    {name:<{width}}  {rows:>10,} rows")
    notes = {k: v for k, v in report.notes.items() if v}
    if notes:
        print("  notes (rows kept):")
        for note, n in notes.items():
            print(f"    {n:>8,}  {note}")
    return 0
