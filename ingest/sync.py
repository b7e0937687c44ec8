"""``sync_export``: one atomic, incremental, de-identifying sync of a source export.

The source is an export folder (:class:`ingest.source.ExportFolder`) or a database URL
(:mod:`ingest.source_db`); both stage each table as text the same way, so everything
below is the same for either.

The run works on a copy of the warehouse file (``.<name>.<run>.building`` next to it) and
replaces the original with ``os.replace`` only when every table has loaded: any failure
leaves the warehouse byte-identical to before. Source rows are staged in memory (the
identifiers never touch the warehouse file), checked by set queries, de-identified and
upserted by primary key; bad rows go to ``quarantine``; an ``after_load`` step may add
derived tables from the final rows (the daily rollups); each run is recorded in
``sync_runs`` and ``sync_run_tables``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from ingest.deidentify import (
    SecretError,
    TextScrubber,
    build_scrub_map,
    extend_keymap,
    key_check,
    names_of_patients,
)
from ingest.load import (
    create_warehouse_tables,
    has_duplicate_keys,
    is_empty,
    last_key_check,
    record_run,
    upsert,
)
from ingest.quarantine import quarantine
from ingest.source import ExportFolder, Source, SourceTable
from ingest.source_db import open_database
from ingest.source_url import is_database_url
from ingest.sqlbuild import WAREHOUSE, drop, ident, run, table, template
from ingest.validate import bad_rows, checked_rows, clean_rows, duplicate_keys, passing, staged_rows

log = logging.getLogger(__name__)

Progress = Callable[[str, str, int, int], None]
"""``progress(table, step, done, total)``: called as each step of a table starts (``done`` steps
finished so far) and once more with step ``"done"`` when the table is finished."""
STEPS = ("read", "check", "load")
DONE = "done"
KEYMAP = "keymap"
ScrubberFactory = Callable[[Sequence[str]], TextScrubber]
AfterLoad = Callable[[duckdb.DuckDBPyConnection, str, str], None]  # (connection, warehouse catalog, run id)


@dataclass(frozen=True)
class TableReport:
    """What one sync did to one table."""

    table: str
    source_file: str
    rows_read: int
    inserted: int
    updated: int
    quarantined: int

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.table:<20} read {self.rows_read:>9,}  inserted {self.inserted:>9,}  "
            f"updated {self.updated:>9,}  quarantined {self.quarantined:>7,}"
        )


@dataclass(frozen=True)
class SyncReport:
    """The result of one sync: run id, source fingerprint and per-table counts."""

    run_id: str
    fingerprint: str
    started_at: dt.datetime
    ended_at: dt.datetime
    as_of: dt.date
    tables: tuple[TableReport, ...] = field(default=())

    def table(self, name: str) -> TableReport:
        """The report of table ``name``."""
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(name)

    @property
    def totals(self) -> TableReport:
        """Counts summed over all tables."""
        return TableReport(
            "total",
            "",
            sum(t.rows_read for t in self.tables),
            sum(t.inserted for t in self.tables),
            sum(t.updated for t in self.tables),
            sum(t.quarantined for t in self.tables),
        )

    @property
    def changed(self) -> bool:
        """True when the run inserted or updated any row."""
        return bool(self.totals.inserted or self.totals.updated)


def _default_scrubber(known_names: Sequence[str]) -> TextScrubber:
    from ingest.scrub import Scrubber  # another part of ingest; imported when a sync needs it

    return Scrubber(known_names=list(known_names))


def sync_export(
    source: Path | str,
    db_path: Path | str,
    *,
    secret: str | bytes,
    progress: Progress | None = None,
    as_of: dt.date | None = None,
    scrubber_factory: ScrubberFactory | None = None,
    after_load: AfterLoad | None = None,
) -> SyncReport:
    """Sync the export folder or database URL ``source`` into the warehouse ``db_path``, atomically.

    A database URL is a string (``sqlite:///file.db``, ``duckdb:///file.duckdb``,
    ``postgresql://user@host/db``); a :class:`~pathlib.Path` is always a folder.

    ``as_of`` is the sync date for the 90+ rule (default today); ``scrubber_factory`` builds
    the free-text scrubber from the export's patient names (default ``ingest.scrub.Scrubber``).
    ``after_load(con, catalog, run_id)`` runs once every table has loaded, before the run is
    recorded and the copy swapped in: tables it writes under ``catalog`` (the semantic
    layer's daily rollups) are published with the rows, and an error fails the sync.
    """
    started = dt.datetime.now().replace(microsecond=0)
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    as_of = as_of or dt.date.today()
    db = Path(db_path)
    with (
        open_source(source) as src,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="acuity-fingerprint") as pool,
        _building_copy(db, run_id) as work,
        tempfile.TemporaryDirectory(prefix="acuity-sync-") as spill,
    ):
        # hashlib releases the GIL: a folder's files are hashed while DuckDB loads
        fp_future = pool.submit(src.fingerprint) if src.fingerprint_ahead else None
        con = duckdb.connect(config={"temp_directory": spill})
        con.execute("SET enable_progress_bar = false")
        try:
            run(con, exp.Attach(this=exp.alias_(exp.Literal.string(str(work)), WAREHOUSE)))
            create_warehouse_tables(con)
            check = key_check(secret)
            previous = last_key_check(con)
            if previous is not None and previous != check:
                raise SecretError(
                    f"{db} was built with a different practice secret; refusing to re-key patients"
                )
            run(con, template("CREATE TABLE :t (patient_id VARCHAR, patient_key VARCHAR)", t=table(KEYMAP)))
            sync = _Run(con, run_id, as_of, secret, progress, scrubber_factory or _default_scrubber)
            reports = tuple(sync.table(st) for st in src.tables)
            if after_load is not None:
                after_load(con, WAREHOUSE, run_id)  # derived tables, from the final rows, in the same copy
            ended = dt.datetime.now().replace(microsecond=0)
            fp = fp_future.result() if fp_future is not None else src.fingerprint()
            report = SyncReport(run_id, fp, started, ended, as_of, reports)
            _record(con, report, src.label, check)
            con.execute("CHECKPOINT wh")  # "wh" is WAREHOUSE: fold the WAL into the file before the swap
            run(con, exp.Detach(this=ident(WAREHOUSE)))
        finally:
            con.close()
    for t in report.tables:
        log.info("%s", t.summary())
    return report


@dataclass
class _Run:
    """State shared by the tables of one run (connection, key map, scrubber)."""

    con: duckdb.DuckDBPyConnection
    run_id: str
    as_of: dt.date
    secret: str | bytes
    progress: Progress | None
    scrubber_factory: ScrubberFactory
    known_names: list[str] = field(default_factory=list)
    _scrubber: TextScrubber | None = None

    def _step(self, name: str, step: str) -> None:
        if self.progress is not None:
            done = len(STEPS) if step == DONE else STEPS.index(step)
            self.progress(name, step, done, len(STEPS))

    @property
    def scrubber(self) -> TextScrubber:
        if self._scrubber is None:
            self._scrubber = self.scrubber_factory(self.known_names)
        return self._scrubber

    def table(self, sf: SourceTable) -> TableReport:
        """Stage, check, quarantine and upsert one source table (a file or a database table)."""
        t, con = sf.table, self.con
        raw, bad = "raw_" + t.name, "bad_" + t.name
        self._step(t.name, "read")
        rows_read = sf.stage(con, raw)
        self._step(t.name, "check")
        keymap = None
        if "patient_id" in t.source_column_names:
            extend_keymap(con, KEYMAP, raw, self.secret)
            keymap = KEYMAP
        if t.name == "patients":
            self.known_names = names_of_patients(con, raw)
        scrubmaps = {}
        for column in t.free_text:
            scrubmaps[column] = "scrub_" + column
            build_scrub_map(con, raw, column, self.scrubber, scrubmaps[column])
        staged = staged_rows(t, raw, self.as_of, keymap=keymap, scrubmaps=scrubmaps)
        first_load = announced = is_empty(con, t)
        quarantined = inserted = updated = 0
        if first_load:  # one pass inserts the rows that pass; the bad ones are looked for only if any
            self._step(t.name, "load")
            loaded = self._first_load(sf, passing(t, checked_rows(t, staged.copy(), None)))
            first_load, inserted = loaded is not None, loaded or 0
        checked = checked_rows(t, staged.copy(), duplicate_keys(t, raw, self.as_of, keymap=keymap))
        if not first_load or inserted < rows_read:
            run(con, bad_rows(checked, bad))
            quarantined = quarantine(
                con, sf, raw, bad, run_id=self.run_id, as_of=self.as_of, keymap=keymap, scrubmaps=scrubmaps
            )
        if not first_load:
            if not announced:
                self._step(t.name, "load")
            inserted, updated = upsert(con, t, clean_rows(t, staged.copy(), bad if quarantined else None))
        for name in (raw, bad, *scrubmaps.values()):
            run(con, drop(name))
        self._step(t.name, DONE)
        return TableReport(t.name, sf.label, rows_read, inserted, updated, quarantined)

    def _first_load(self, sf: SourceTable, rows: exp.Select) -> int | None:
        """Insert ``rows`` into the empty table; rows inserted, or None (rolled back) on a duplicate key."""
        t, con = sf.table, self.con
        con.begin()
        try:
            inserted, _ = upsert(con, t, rows)
            if has_duplicate_keys(con, t):  # a key occurs twice in the file: check them all
                log.info("%s: duplicate keys in %s", t.name, sf.label)
                con.rollback()
                return None
        except BaseException:
            con.rollback()
            raise
        con.commit()
        return inserted


def open_source(source: Path | str) -> AbstractContextManager[Source]:
    """The export folder or (for a ``scheme://`` string) the database ``source``, opened and checked."""
    if is_database_url(source):
        return open_database(str(source))
    return nullcontext(ExportFolder.open(source))


def patient_names(source: Path | str) -> list[str]:
    """First and last names of the patients of ``source`` (folder or database URL), read as a
    sync reads them: for the document scrubber when the documents live elsewhere."""
    with open_source(source) as src:
        patients = next(t for t in src.tables if t.table.name == "patients")
        con = duckdb.connect()
        try:
            patients.stage(con, "raw_patients")
            return names_of_patients(con, "raw_patients")
        finally:
            con.close()


def _record(con: duckdb.DuckDBPyConnection, report: SyncReport, source: str, check: str) -> None:
    tot = report.totals
    run_row = (
        report.run_id,
        report.started_at,
        report.ended_at,
        source,
        report.fingerprint,
        report.as_of,
        check,
        tot.rows_read,
        tot.inserted,
        tot.updated,
        tot.quarantined,
    )
    table_rows = [
        (report.run_id, t.table, t.source_file, t.rows_read, t.inserted, t.updated, t.quarantined)
        for t in report.tables
    ]
    record_run(con, run_row, table_rows)


@contextmanager
def _building_copy(db: Path, run_id: str) -> Iterator[Path]:
    """A copy of ``db`` to build in; replaces ``db`` on success, is deleted on failure."""
    db.parent.mkdir(parents=True, exist_ok=True)
    work = db.with_name(f".{db.name}.{run_id}.building")
    wal, work_wal = Path(str(db) + ".wal"), Path(str(work) + ".wal")
    try:
        if db.exists():
            shutil.copyfile(db, work)
            if wal.exists():  # an unclean shutdown left a WAL: replay it into the copy, not the original
                shutil.copyfile(wal, work_wal)
        yield work
        if work_wal.exists():
            raise RuntimeError(f"{work} still has a write-ahead log after the checkpoint; not replacing {db}")
        with work.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(work, db)
        wal.unlink(missing_ok=True)  # already replayed into the new file
    finally:
        work.unlink(missing_ok=True)
        work_wal.unlink(missing_ok=True)
