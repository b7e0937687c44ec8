"""``acuity demo``: write the demo practice as a source export folder."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ingest.demo import DemoError, generate_demo


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="write the demo practice (CSV tables with identifiers + documents/)",
        description="Generate the seeded demo eye-care practice as a source export folder.",
    )
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="new (or empty) folder to create")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--start", type=_date, default=dt.date(2023, 1, 1), help="first day of data (default 2023-01-01)"
    )
    p.add_argument("--end", type=_date, default=None, help="last day of data (default yesterday)")
    p.add_argument("--locations", type=int, default=3, help="number of locations (default 3)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the demo and print a short summary."""
    try:
        summary = generate_demo(
            args.out_dir, seed=args.seed, start=args.start, end=args.end, locations=args.locations
        )
    except DemoError as exc:
        print(f"acuity demo: {exc}", file=sys.stderr)
        return 2
    print(
        f"Demo practice written to {summary.out_dir} "
        f"({summary.locations} locations, {summary.start} to {summary.end}, seed {summary.seed}, "
        f"{summary.seconds:.1f} s)"
    )
    width = max(len(name) for name in summary.rows)
    for name, rows in summary.rows.items():
        print(f"  {name:<{width}}  {rows:>10,} rows")
    print(f"  {'documents':<{width}}  {summary.documents:>10,} files")
    return 0
