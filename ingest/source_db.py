"""A database as the source: each contract table read, read-only, into the same text staging.

``sqlite:///file.db`` is read with the standard library's ``sqlite3`` (``mode=ro``),
``duckdb:///file.duckdb`` with a read-only DuckDB connection and ``postgresql://...`` with
psycopg in a read-only transaction (:mod:`ingest.source_pg`); nothing is ever written to the
source database. Each source table (named as the export's file, e.g. ``patients``) is read
in a deterministic order (``rowid``; a view by its columns; in PostgreSQL by the contract
key) inside one read transaction per sync, so every table comes from the same snapshot.
Its rows are staged as VARCHAR into ``raw_<table>`` exactly like a file's (empty strings
become NULL, as in a CSV file), so validation, de-identification, quarantine and the upsert
run unchanged. A quarantined row's line is its 1-based row position, and its source is
``<url>#<table>``.

The structure is checked when the source is opened, before anything is staged: a missing
table or column raises :class:`~ingest.source.StructuralError` naming both. Table and
column names match case-insensitively.

The fingerprint is computed from the staged text (row position and values of every
contract column), so it changes when the data does and stays equal when it does not.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import pyarrow as pa
from sqlglot import exp

from ingest.contract import TABLES, Table
from ingest.source import TYPES_OK, SourceError, StructuralError
from ingest.source_url import DatabaseURL, parse_url
from ingest.sqlbuild import cast, col, func, ident, lit, render, run, table, template

BATCH_ROWS = 50_000
VIEW = "view"


class _Reader(Protocol):
    """What the stager needs from one database engine."""

    dialect: str
    typed: bool  # the engine's column types are checked against the contract's
    errors: tuple[type[BaseException], ...]  # what the driver raises

    def relations(self) -> dict[str, tuple[str, str]]:
        """Lower-cased name -> (name as stored, "table" or "view")."""
        ...

    def columns(self, name: str) -> list[tuple[str, str]]:
        """(column name, declared type) of a table or view, in order."""
        ...

    def relation(self, name: str) -> exp.Table:
        """The table or view ``name`` as a FROM clause."""
        ...

    def order(self, kind: str, columns: Sequence[str], key: Sequence[int]) -> list[exp.Expression]:
        """A deterministic ORDER BY for ``columns`` (``key``: positions of the contract key)."""
        ...

    def batches(self, select: exp.Select, names: Sequence[str]) -> pa.RecordBatchReader:
        """The rows of ``select`` as Arrow batches of string columns ``names``."""
        ...

    def close(self) -> None: ...


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value) if isinstance(value, float) else str(value)


class _FileReader:
    """What SQLite and DuckDB files share: tables in ``rowid`` order, views by their columns."""

    def relation(self, name: str) -> exp.Table:
        return table(name)

    def order(self, kind: str, columns: Sequence[str], key: Sequence[int]) -> list[exp.Expression]:
        return [exp.column("rowid")] if kind != VIEW else [col(c) for c in columns]


class _SqliteReader(_FileReader):
    """A ``sqlite3`` connection opened read-only (``mode=ro``), in one read transaction."""

    dialect = "sqlite"
    typed = False  # SQLite holds any value in any column
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    def __init__(self, url: DatabaseURL) -> None:
        uri = url.path.resolve().as_uri() + "?mode=ro"
        # DuckDB pulls the batches from its own threads, one at a time
        self.con = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            self.con.execute("BEGIN")  # deferred: the snapshot is taken by the first read
        except sqlite3.Error:
            self.con.close()
            raise

    def relations(self) -> dict[str, tuple[str, str]]:
        q = template("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        rows = self.con.execute(render(q, self.dialect)).fetchall()
        return {str(n).lower(): (str(n), str(k)) for n, k in rows if not str(n).startswith("sqlite_")}

    def columns(self, name: str) -> list[tuple[str, str]]:
        q = template("SELECT name, type FROM pragma_table_info(:t)", t=lit(name))
        return [(str(n), str(t)) for n, t in self.con.execute(render(q, self.dialect)).fetchall()]

    def batches(self, select: exp.Select, names: Sequence[str]) -> pa.RecordBatchReader:
        cur = self.con.execute(render(select, self.dialect))
        schema = pa.schema([(n, pa.string()) for n in names])

        def gen() -> Iterator[pa.RecordBatch]:
            while rows := cur.fetchmany(BATCH_ROWS):
                arrays = [string_array(values) for values in zip(*rows, strict=True)]
                yield pa.RecordBatch.from_arrays(arrays, schema=schema)

        return pa.RecordBatchReader.from_batches(schema, gen())

    def close(self) -> None:
        self.con.close()


def string_array(values: Sequence[Any]) -> pa.Array:
    """``values`` as an Arrow string array (numbers and blobs as their text)."""
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers, blobs: their text, as a CSV export has
        return pa.array([_text(v) for v in values], type=pa.string())


class _DuckDBReader(_FileReader):
    """A read-only DuckDB connection to the source file, in one transaction."""

    dialect = "duckdb"
    typed = True
    errors: tuple[type[BaseException], ...] = (duckdb.Error,)

    def __init__(self, url: DatabaseURL) -> None:
        self.con = duckdb.connect(str(url.path), read_only=True)
        self.con.execute("BEGIN TRANSACTION")

    def relations(self) -> dict[str, tuple[str, str]]:
        q = template(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = current_database() AND table_schema = 'main'"
        )
        rows = run(self.con, q).fetchall()
        return {str(n).lower(): (str(n), VIEW if "VIEW" in str(k) else "table") for n, k in rows}

    def columns(self, name: str) -> list[tuple[str, str]]:
        q = template(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = "
            "current_database() AND table_schema = 'main' AND table_name = :t ORDER BY ordinal_position",
            t=lit(name),
        )
        return [(str(n), str(t)) for n, t in run(self.con, q).fetchall()]

    def batches(self, select: exp.Select, names: Sequence[str]) -> pa.RecordBatchReader:
        return self.con.sql(render(select)).to_arrow_reader(BATCH_ROWS)

    def close(self) -> None:
        self.con.close()


def _postgres(url: DatabaseURL) -> _Reader:
    from ingest.source_pg import PostgresReader  # psycopg is imported only for a PostgreSQL source

    return PostgresReader(url)


_READERS: dict[str, Callable[[DatabaseURL], _Reader]] = {
    "sqlite": _SqliteReader,
    "duckdb": _DuckDBReader,
    "postgresql": _postgres,
}


@dataclass
class DatabaseTable:
    """One contract table of a database source: its name there and its columns' names there."""

    table: Table
    source: DatabaseSource
    name: str
    kind: str
    columns: tuple[str, ...]  # the database's spelling of each source column, in contract order
    first_data_line: int = 1
    counts_newlines: bool = False

    @property
    def label(self) -> str:
        """``<url>#<table>`` (password redacted)."""
        return f"{self.source.url.shown}#{self.table.name}"

    def select(self) -> exp.Select:
        """Every source column as text, named as in the contract, in a deterministic order."""
        names = self.table.source_column_names
        reader = self.source.reader
        texts = [cast(col(c), "VARCHAR") for c in self.columns]
        key = [names.index(_source_key(k)) for k in self.table.primary_key]
        return (
            exp.select(*[exp.alias_(t, ident(n), copy=False) for t, n in zip(texts, names, strict=True)])
            .from_(reader.relation(self.name), copy=False)
            .order_by(*reader.order(self.kind, self.columns, key), copy=False)
        )

    def stage(self, con: duckdb.DuckDBPyConnection, name: str) -> int:
        """Read the table as text into the in-memory table ``name``; returns the number of rows."""
        names = self.table.source_column_names
        try:
            reader = self.source.reader.batches(self.select(), names)
            rel = con.from_arrow(reader)
            blank = duckdb.ConstantExpression("")
            rel.select(
                *[
                    duckdb.FunctionExpression("nullif", duckdb.ColumnExpression(c), blank).alias(c)
                    for c in names
                ]
            ).create(name)
        except (*self.source.reader.errors, duckdb.Error, pa.ArrowException) as exc:
            raise StructuralError(
                self.source.url.path,
                None,
                None,
                f"cannot read the table: {self.source.url.hide(str(exc))}",
                label=self.source.url.shown,
                table=self.table.name,
            ) from exc
        count, digest = _digest(con, name, names)
        self.source.digests[self.table.name] = f"{self.table.name}\0{count}\0{digest}\n"
        return count


def _source_key(column: str) -> str:
    """The source column of a warehouse key column (``patient_key`` is ``patient_id`` there)."""
    return "patient_id" if column == "patient_key" else column


def _digest(con: duckdb.DuckDBPyConnection, name: str, names: Sequence[str]) -> tuple[int, str]:
    """Row count and an order-aware digest of the staged text (XOR of per-row MD5s with positions)."""
    row = func("LIST_VALUE", cast(exp.column("rowid"), "VARCHAR"), *[col(c) for c in names])
    q = exp.select(
        exp.Count(this=exp.Star()), func("BIT_XOR", func("MD5_NUMBER", func("TO_JSON", row)))
    ).from_(table(name), copy=False)
    count, digest = run(con, q).fetchone()
    return int(count), str(digest)


@dataclass
class DatabaseSource:
    """An open database source; use as a context manager (closes the read-only connection)."""

    url: DatabaseURL
    reader: _Reader
    tables: list[DatabaseTable] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    fingerprint_ahead: bool = False  # hashes what the tables staged

    @property
    def label(self) -> str:
        """The URL, password redacted."""
        return self.url.shown

    def fingerprint(self) -> str:
        """SHA-256 over each table's row count and digest; call after every table is staged."""
        missing = [t.table.name for t in self.tables if t.table.name not in self.digests]
        if missing:
            raise RuntimeError(f"fingerprint before staging {', '.join(missing)}")
        total = hashlib.sha256()
        for t in self.tables:
            total.update(self.digests[t.table.name].encode())
        return total.hexdigest()

    def close(self) -> None:
        """Close the connection to the source database."""
        self.reader.close()

    def __enter__(self) -> DatabaseSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(url: str) -> DatabaseSource:
    """Open the database ``url`` read-only and check every contract table and column in it."""
    parsed = parse_url(url)
    if parsed.is_file and not parsed.path.is_file():
        raise SourceError(f"database file not found: {parsed.path} ({parsed.shown})")
    try:
        reader = _READERS[parsed.scheme](parsed)  # a server's reader raises its own typed error
    except (sqlite3.Error, duckdb.Error) as exc:
        raise SourceError(f"cannot open {parsed.shown} read-only: {exc}") from exc
    source = DatabaseSource(parsed, reader)
    try:
        relations = reader.relations()
        source.tables = [_find_table(source, t, relations) for t in TABLES]
    except reader.errors as exc:
        source.close()
        raise SourceError(f"cannot read {parsed.shown}: {parsed.hide(str(exc))}") from None
    except BaseException:
        source.close()
        raise
    return source


def _find_table(source: DatabaseSource, t: Table, relations: dict[str, tuple[str, str]]) -> DatabaseTable:
    url = source.url

    def problem(column: str | None, text: str) -> StructuralError:
        return StructuralError(url.path, None, column, text, label=url.shown, table=t.name)

    found = relations.get(t.name.lower())
    if found is None:
        raise problem(None, f"missing table {t.name!r}")
    name, kind = found
    have = {c.lower(): (c, typ) for c, typ in source.reader.columns(name)}
    columns = []
    for c in t.source_columns:
        if c.name.lower() not in have:
            raise problem(c.name, "missing column")
        actual, typ = have[c.name.lower()]
        ok = TYPES_OK.get(c.type, ())
        if source.reader.typed and ok and typ.split("(")[0] not in ok:
            raise problem(c.name, f"type {typ} cannot hold {c.type.value}")
        columns.append(actual)
    return DatabaseTable(t, source, name, kind, tuple(columns))
