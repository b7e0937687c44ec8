"""The source export: find each table's file, check its structure, stage it as text.

This module also defines what every source offers the sync (:class:`SourceTable`,
:class:`Source`): an export folder here, a database in :mod:`ingest.source_db`.

A table's file is ``<table>.csv`` or ``<table>.parquet`` in the export folder. Staging reads
every expected source column as VARCHAR into an in-memory table (``raw_<table>``), so a bad
*value* never stops the run (validation quarantines the row); a broken *file* (missing
column, wrong delimiter, not a CSV, a row with too many or too few fields) raises
:class:`StructuralError` naming the file, line and column.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

from ingest.contract import TABLES, ColType, Table
from ingest.sqlbuild import render, table, template

HEADER_LINE = 1
_FOREIGN_DELIMITERS = (";", "\t", "|")
# Parquet (and DuckDB database) column types accepted for each contract type (anything converts to VARCHAR).
TYPES_OK: Mapping[ColType, tuple[str, ...]] = {
    ColType.VARCHAR: (),  # any
    ColType.INTEGER: (
        "VARCHAR",
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "DECIMAL",
        "DOUBLE",
        "FLOAT",
    ),
    ColType.DECIMAL: (
        "VARCHAR",
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "DECIMAL",
        "DOUBLE",
        "FLOAT",
    ),
    ColType.DOUBLE: ("VARCHAR", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DECIMAL", "DOUBLE", "FLOAT"),
    ColType.BOOLEAN: ("VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT"),
    ColType.DATE: ("VARCHAR", "DATE", "TIMESTAMP"),
    ColType.TIMESTAMP: ("VARCHAR", "DATE", "TIMESTAMP"),
}


class SourceError(Exception):
    """A problem with the source export as a whole (missing folder or file)."""


class StructuralError(SourceError):
    """A structurally broken source file or table: names the file (or database and table),
    the line and the column.

    ``label`` replaces the file name in the message (a database source passes its URL,
    password redacted, and ``table``).
    """

    def __init__(
        self,
        file: Path | str,
        line: int | None,
        column: str | None,
        problem: str,
        *,
        label: str | None = None,
        table: str | None = None,
    ) -> None:
        self.file = Path(file)
        self.line = line
        self.column = column
        self.problem = problem
        self.table = table
        where = [label or self.file.name]
        if table:
            where.append(f"table {table!r}")
        if line is not None:
            where.append(f"line {line}")
        if column:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {problem}")


class SourceTable(Protocol):
    """One contract table of a source, as the sync reads it."""

    @property
    def table(self) -> Table:
        """The contract table."""
        ...

    @property
    def label(self) -> str:
        """Where the rows come from, as recorded in ``quarantine`` and ``sync_run_tables``."""
        ...

    @property
    def first_data_line(self) -> int:
        """The line (or row) number of the first record; staged row ``rowid`` + this = its line."""
        ...

    @property
    def counts_newlines(self) -> bool:
        """True when a record's line also counts the newlines inside earlier records (CSV)."""
        ...

    def stage(self, con: duckdb.DuckDBPyConnection, name: str) -> int:
        """Read the rows as text into the in-memory table ``name``; returns how many were read."""
        ...


class Source(Protocol):
    """A whole source: its tables in load order, a label for ``sync_runs`` and a fingerprint."""

    @property
    def label(self) -> str:
        """What ``sync_runs.source`` records (never a password)."""
        ...

    @property
    def tables(self) -> Sequence[SourceTable]:
        """One entry per contract table, in load order."""
        ...

    @property
    def fingerprint_ahead(self) -> bool:
        """True when :meth:`fingerprint` may run (in a thread) before any table is staged."""
        ...

    def fingerprint(self) -> str:
        """SHA-256 of the source's content: equal for equal data, different otherwise."""
        ...


@dataclass(frozen=True)
class SourceFile:
    """One table's file in the export."""

    table: Table
    path: Path
    format: str  # "csv" or "parquet"

    @property
    def label(self) -> str:
        """The file's name."""
        return self.path.name

    @property
    def first_data_line(self) -> int:
        """Line (CSV, after the header) or row number (Parquet) of the first record."""
        return HEADER_LINE + 1 if self.format == "csv" else 1

    @property
    def counts_newlines(self) -> bool:
        """CSV line numbers count the newlines inside quoted fields."""
        return self.format == "csv"

    def stage(self, con: duckdb.DuckDBPyConnection, name: str) -> int:
        """See :func:`stage`."""
        return stage(con, self, name)


@dataclass(frozen=True)
class ExportFolder:
    """An export folder: one CSV or Parquet file per table (see :func:`find_source_files`)."""

    folder: Path
    tables: tuple[SourceFile, ...]
    fingerprint_ahead: bool = True  # hashing the files needs nothing staged

    @classmethod
    def open(cls, folder: Path | str) -> ExportFolder:
        """The export in ``folder``; raises when the folder or a table's file is missing."""
        return cls(Path(folder), tuple(find_source_files(folder)))

    @property
    def label(self) -> str:
        """The folder, as given."""
        return str(self.folder)

    def fingerprint(self) -> str:
        """SHA-256 over the table files' names and bytes."""
        return fingerprint(list(self.tables))


def find_source_files(source: Path | str) -> list[SourceFile]:
    """Each contract table's file in ``source``, in load order; raises when one is missing."""
    folder = Path(source)
    if not folder.is_dir():
        raise SourceError(f"source export folder not found: {folder}")
    found = []
    for t in TABLES:
        csv_path, pq_path = folder / f"{t.name}.csv", folder / f"{t.name}.parquet"
        if csv_path.is_file():
            found.append(SourceFile(t, csv_path, "csv"))
        elif pq_path.is_file():
            found.append(SourceFile(t, pq_path, "parquet"))
        else:
            raise StructuralError(
                csv_path, None, None, f"missing file for table {t.name!r} (.csv or .parquet)"
            )
    return found


def fingerprint(files: list[SourceFile]) -> str:
    """SHA-256 over the names and contents of the export's table files."""
    total = hashlib.sha256()
    for sf in files:
        with sf.path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        total.update(f"{sf.path.name}\0{digest}\n".encode())
    return total.hexdigest()


def csv_header(sf: SourceFile) -> list[str]:
    """Column names of a CSV file's header, after checking it has every expected column."""
    with sf.path.open("rb") as fh:
        raw = fh.readline(1 << 20)
    if not raw.strip():
        raise StructuralError(sf.path, HEADER_LINE, None, "empty file: expected a CSV header")
    if b"\0" in raw:
        raise StructuralError(sf.path, HEADER_LINE, None, "not a CSV file (binary content)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StructuralError(sf.path, HEADER_LINE, None, f"not a UTF-8 CSV file ({exc.reason})") from None
    names = [n.strip() for n in next(csv.reader([text.rstrip("\r\n")]))]
    _check_names(sf, names, text)
    return names


def _check_names(sf: SourceFile, names: list[str], header_text: str = "") -> None:
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise StructuralError(sf.path, HEADER_LINE, dupes[0], "column appears twice in the header")
    missing = [c for c in sf.table.source_column_names if c not in names]
    if not missing:
        return
    if len(names) == 1:
        for d in _FOREIGN_DELIMITERS:
            if d in header_text:
                raise StructuralError(
                    sf.path,
                    HEADER_LINE,
                    missing[0],
                    f"wrong delimiter: expected ',' but the header uses {d!r}",
                )
    raise StructuralError(sf.path, HEADER_LINE, missing[0], "missing column")


def stage(con: duckdb.DuckDBPyConnection, sf: SourceFile, name: str) -> int:
    """Read ``sf`` as text into the in-memory table ``name``; returns the number of rows read."""
    wanted = sf.table.source_column_names
    if sf.format == "csv":
        names = csv_header(sf)
        rejects = f"rejects_{name}"
        try:
            rel = con.read_csv(
                str(sf.path),
                header=True,
                sep=",",
                quotechar='"',
                escapechar='"',
                columns={n: "VARCHAR" for n in names},
                auto_detect=False,
                strict_mode=True,
                store_rejects=True,
                rejects_table=rejects,
                rejects_scan=f"rejects_scan_{name}",
            )
            rel.select(*[duckdb.ColumnExpression(c) for c in wanted]).create(name)
        except duckdb.Error as exc:
            raise StructuralError(sf.path, None, None, f"cannot read the CSV file: {exc}") from exc
        _raise_first_reject(con, sf, rejects)
    else:
        rel = _read_parquet(con, sf)
        varchar = duckdb.sqltype("VARCHAR")
        rel.select(*[duckdb.ColumnExpression(c).cast(varchar).alias(c) for c in wanted]).create(name)
    return int(con.table(name).aggregate("count(*)").fetchall()[0][0])


def _raise_first_reject(con: duckdb.DuckDBPyConnection, sf: SourceFile, rejects: str) -> None:
    query = template("SELECT line, column_name, error_type FROM :t ORDER BY line LIMIT 1", t=table(rejects))
    first = con.execute(render(query)).fetchone()
    if first is not None:
        line, column, error_type = first
        raise StructuralError(sf.path, int(line), column, str(error_type).lower().replace("_", " "))


def _read_parquet(con: duckdb.DuckDBPyConnection, sf: SourceFile) -> Any:
    try:
        rel = con.read_parquet(str(sf.path))
        types = dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))
    except duckdb.Error as exc:
        raise StructuralError(sf.path, None, None, f"not a readable Parquet file: {exc}") from exc
    _check_names(sf, list(types))
    for c in sf.table.source_columns:
        ok = TYPES_OK.get(c.type, ())
        base = types[c.name].split("(")[0]
        if ok and base not in ok:
            raise StructuralError(sf.path, None, c.name, f"type {types[c.name]} cannot hold {c.type.value}")
    return rel
