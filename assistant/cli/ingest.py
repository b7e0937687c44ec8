"""``acuity ingest SOURCE [--db PATH] [--index PATH]``: sync a source export into the warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from assistant.settings import load_settings
from ingest.deidentify import SecretError, load_or_create_secret
from ingest.source import SourceError
from ingest.sync import SyncReport, sync_export


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ingest`` subcommand."""
    p = subparsers.add_parser(
        "ingest",
        help="sync a source export (folder of CSV/Parquet) into the de-identified warehouse",
        description="De-identify, validate and load a source export into the DuckDB warehouse "
        "(incremental, idempotent, atomic). Bad rows go to the quarantine table.",
    )
    p.add_argument("source", type=Path, help="export folder with <table>.csv or <table>.parquet files")
    p.add_argument("--db", type=Path, default=None, help="warehouse file (default: ACUITY_DB)")
    p.add_argument("--index", type=Path, default=None, help="document index folder (default: ACUITY_INDEX)")
    p.set_defaults(func=run)


class _Bars:
    """One tqdm bar per table, advanced after each step (read, check, load)."""

    def __init__(self) -> None:
        self.bars: dict[str, tqdm] = {}

    def __call__(self, table: str, step: str, done: int, total: int) -> None:
        bar = self.bars.get(table)
        if bar is None:
            bar = self.bars[table] = tqdm(
                total=total, desc=f"{table:<20}", unit="step", file=sys.stderr, leave=False
            )
        bar.set_postfix_str(step)
        bar.update(done - bar.n)
        if done == total:
            bar.close()


def sync_warehouse(args: argparse.Namespace) -> SyncReport:
    """Run the warehouse sync of ``args.source`` with progress bars; returns its report."""
    settings = load_settings()
    secret = load_or_create_secret(settings.secret, settings.key_file)
    return sync_export(args.source, args.db or settings.db_path, secret=secret, progress=_Bars())


def run(args: argparse.Namespace) -> int:
    """Entry point of ``acuity ingest``."""
    try:
        report = sync_warehouse(args)
    except (SourceError, SecretError) as exc:
        print(f"acuity ingest: {exc}", file=sys.stderr)
        return 1
    for t in report.tables:
        print(t.summary())
    print(report.totals.summary())
    print(f"run {report.run_id}  source fingerprint {report.fingerprint[:16]}")
    return 0
