"""``acuity ingest SOURCE [--db PATH] [--index PATH] [--documents DIR]``: sync a source into the warehouse.

SOURCE is an export folder or a database URL (``sqlite:///file.db``, ``duckdb:///file.duckdb``,
``postgresql://user@host:port/dbname``). A database has no documents: ``--documents DIR``
indexes a folder of reports and notes after the sync, scrubbing the patient names read
from the source's ``patients`` table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from assistant.settings import load_settings
from assistant.warehouse import sync_warehouse as sync_with_rollups
from ingest.deidentify import SecretError, load_or_create_secret
from ingest.source import SourceError
from ingest.source_url import SUPPORTED, is_database_url
from ingest.sync import SyncReport, patient_names
from semantic_layer.errors import ModelError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ingest`` subcommand."""
    p = subparsers.add_parser(
        "ingest",
        help="sync a source export (folder of CSV/Parquet, or a database URL) into the warehouse",
        description="De-identify, validate and load a source export into the DuckDB warehouse "
        "(incremental, idempotent, atomic). Bad rows go to the quarantine table. SOURCE is a "
        "folder of <table>.csv / <table>.parquet files or a database URL, read read-only: "
        f"{SUPPORTED} (a file URL: three slashes then the path, four for an absolute path). "
        "Other databases (MySQL, SQL Server): export their tables to CSV or Parquet files first.",
    )
    p.add_argument(
        "source",
        help="export folder with <table>.csv or <table>.parquet files, or a database URL "
        "(sqlite:///file.db, duckdb:///file.duckdb, postgresql://user@host:port/dbname) "
        "with one table per contract table",
    )
    p.add_argument("--db", type=Path, default=None, help="warehouse file (default: ACUITY_DB)")
    p.add_argument("--index", type=Path, default=None, help="document index folder (default: ACUITY_INDEX)")
    p.add_argument(
        "--documents",
        type=Path,
        default=None,
        metavar="DIR",
        help="after the sync, index the documents in DIR, scrubbing the patient names of SOURCE's "
        "patients table (for a database URL, which has no documents/ folder)",
    )
    p.add_argument(
        "--documents-only",
        action="store_true",
        help="only index the documents (SOURCE itself or its documents/ folder, or --documents DIR "
        "with SOURCE's patient names); skip the warehouse",
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


class _RollupBar:
    """One tqdm bar over the daily rollups a sync rebuilds; remembers rows and seconds."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None
        self.rows = 0
        self.seconds = 0.0
        self.count = 0

    def __call__(self, rollup: object, rows: int, seconds: float) -> None:
        if self.bar is None:
            self.bar = tqdm(desc=f"{'rollups':<20}", unit="table", file=sys.stderr, leave=False)
        self.bar.update(1)
        self.rows += rows
        self.seconds += seconds
        self.count += 1

    def summary(self) -> str:
        """One line: how many rollup tables, their rows and the time they took."""
        if self.bar is not None:
            self.bar.close()
        return f"rollups: {self.count} tables rebuilt, {self.rows:,} rows, {self.seconds:.1f} s"


def sync_warehouse(args: argparse.Namespace, rollups: _RollupBar | None = None) -> SyncReport:
    """Run the warehouse sync of ``args.source`` with progress bars; returns its report."""
    settings = load_settings()
    secret = load_or_create_secret(settings.secret, settings.key_file)
    return sync_with_rollups(
        args.source, args.db or settings.db_path, secret=secret, progress=_Bars(), on_rollup=rollups
    )


def index_documents(folder: Path, index: Path | None, known_names: Sequence[str] | None = None) -> int:
    """Index the documents of ``folder`` into the document index; prints a summary.

    ``known_names`` None: the patient names come from the folder's own patients.csv.
    """
    from ingest.documents import DocumentIndexError, documents_root, index_folder

    index = index or load_settings().index_path
    bar = tqdm(desc=f"{'documents':<20}", unit="file", file=sys.stderr, leave=False)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        report = index_folder(folder, index, known_names=known_names, progress=progress)
    except DocumentIndexError as exc:
        print(f"acuity ingest: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    print(f"{report.summary()} ({documents_root(folder)} -> {index})")
    for name, reason in report.failed:
        print(f"  could not read {name}: {reason}")
    return 0


def _index_elsewhere(args: argparse.Namespace) -> int:
    """Index ``--documents DIR`` with the patient names of SOURCE's patients table."""
    try:
        names = patient_names(args.source)
    except SourceError as exc:
        print(f"acuity ingest: {exc}", file=sys.stderr)
        return 1
    return index_documents(args.documents, args.index, known_names=names)


def _check(args: argparse.Namespace, database: bool) -> str | None:
    """What is wrong with the arguments, if anything."""
    if args.documents is not None and not args.documents.is_dir():
        return f"--documents {args.documents} is not a folder"
    if database and args.documents_only and args.documents is None:
        return "--documents-only needs a folder, or --documents DIR with a database (which has no documents)"
    if not database and args.documents_only and args.documents is None and not args.source.is_dir():
        return f"{args.source} is not a folder"
    return None


def run(args: argparse.Namespace) -> int:
    """Entry point of ``acuity ingest``."""
    database = is_database_url(args.source)
    if not database:
        args.source = Path(args.source)
    problem = _check(args, database)
    if problem:
        print(f"acuity ingest: {problem}", file=sys.stderr)
        return 1
    if args.documents_only:
        return (
            _index_elsewhere(args) if args.documents is not None else index_documents(args.source, args.index)
        )
    rollups = _RollupBar()
    try:
        report = sync_warehouse(args, rollups)
    except (SourceError, SecretError, ModelError) as exc:
        print(f"acuity ingest: {exc}", file=sys.stderr)
        return 1
    for t in report.tables:
        print(t.summary())
    print(report.totals.summary())
    print(rollups.summary())
    print(f"run {report.run_id}  source fingerprint {report.fingerprint[:16]}")
    if args.documents is not None:
        return _index_elsewhere(args)
    if database:
        print(
            "documents: skipped (a database source has no documents/ folder; index a folder of "
            "reports and notes with `acuity ingest URL --documents DIR`)"
        )
        return 0
    if (args.source / "documents").is_dir():
        return index_documents(args.source, args.index)
    return 0
