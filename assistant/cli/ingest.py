"""``acuity ingest SOURCE [--db PATH] [--index PATH]``: sync a source export into the warehouse.

SOURCE is an export folder or a database URL (``sqlite:///file.db``, ``duckdb:///file.duckdb``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from assistant.settings import load_settings
from ingest.deidentify import SecretError, load_or_create_secret
from ingest.source import SourceError
from ingest.source_url import SUPPORTED, is_database_url
from ingest.sync import SyncReport, sync_export


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ingest`` subcommand."""
    p = subparsers.add_parser(
        "ingest",
        help="sync a source export (folder of CSV/Parquet, or a database URL) into the warehouse",
        description="De-identify, validate and load a source export into the DuckDB warehouse "
        "(incremental, idempotent, atomic). Bad rows go to the quarantine table. SOURCE is a "
        "folder of <table>.csv / <table>.parquet files or a database URL, read read-only: "
        f"{SUPPORTED} (three slashes then the path: four for an absolute path). Other databases "
        "(PostgreSQL, MySQL, SQL Server): export their tables to CSV or Parquet files first.",
    )
    p.add_argument(
        "source",
        help="export folder with <table>.csv or <table>.parquet files, or a database URL "
        "(sqlite:///file.db, duckdb:///file.duckdb) with one table per contract table",
    )
    p.add_argument("--db", type=Path, default=None, help="warehouse file (default: ACUITY_DB)")
    p.add_argument("--index", type=Path, default=None, help="document index folder (default: ACUITY_INDEX)")
    p.add_argument(
        "--documents-only",
        action="store_true",
        help="only index the documents (SOURCE itself or its documents/ folder); skip the warehouse; "
        "SOURCE must be a folder",
    )
    p.set_defaults(func=run)


class _Bars:
    """One tqdm bar per table: its postfix names the running step (read, check, load)."""

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


def index_documents(args: argparse.Namespace) -> int:
    """Index the documents of ``args.source`` into the document index; prints a summary."""
    from ingest.documents import DocumentIndexError, documents_root, index_folder

    index = args.index or load_settings().index_path
    bar = tqdm(desc=f"{'documents':<20}", unit="file", file=sys.stderr, leave=False)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        report = index_folder(args.source, index, progress=progress)  # patient names from patients.csv
    except DocumentIndexError as exc:
        print(f"acuity ingest: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    print(f"{report.summary()} ({documents_root(args.source)} -> {index})")
    for name, reason in report.failed:
        print(f"  could not read {name}: {reason}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``acuity ingest``."""
    database = is_database_url(args.source)
    if database and args.documents_only:
        print("acuity ingest: --documents-only needs a folder; a database has no documents", file=sys.stderr)
        return 1
    if not database:
        args.source = Path(args.source)
    if args.documents_only:
        if not args.source.is_dir():
            print(f"acuity ingest: {args.source} is not a folder", file=sys.stderr)
            return 1
        return index_documents(args)
    try:
        report = sync_warehouse(args)
    except (SourceError, SecretError) as exc:
        print(f"acuity ingest: {exc}", file=sys.stderr)
        return 1
    for t in report.tables:
        print(t.summary())
    print(report.totals.summary())
    print(f"run {report.run_id}  source fingerprint {report.fingerprint[:16]}")
    if database:
        print(
            "documents: skipped (a database source has no documents/ folder; index a folder of "
            "reports and notes with `acuity ingest FOLDER --documents-only`)"
        )
        return 0
    if (args.source / "documents").is_dir():
        return index_documents(args)
    return 0
