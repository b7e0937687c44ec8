"""Warehouse side of a sync: table definitions, upsert by primary key, quarantine, sync_runs.

Every statement targets the warehouse attached as ``wh`` (see :mod:`ingest.sqlbuild`); the
upsert reads the clean-rows query built by :func:`ingest.validate.clean_rows`.

The contract tables carry no index-backed ``PRIMARY KEY`` constraint (building the index
cost more than the whole rest of a first load): their keys are kept unique by validation,
which quarantines every copy of a key that occurs twice in a file, and by the upsert, which
inserts only keys the table does not hold yet. The bookkeeping tables keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
from sqlglot import exp

from ingest.contract import TABLES, ColType, Column, Table
from ingest.sqlbuild import and_all, col, drop, ident, or_all, render, run, table, template


@dataclass(frozen=True)
class AuxTable:
    """A bookkeeping table of the warehouse (not part of the data contract)."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()


_COUNT = ColType.INTEGER  # row counts of one sync (up to 2^31 rows per table)
SYNC_RUNS = AuxTable(
    "sync_runs",
    (
        Column("run_id", ColType.VARCHAR, False),
        Column("started_at", ColType.TIMESTAMP, False),
        Column("ended_at", ColType.TIMESTAMP, False),
        Column("source", ColType.VARCHAR),
        Column("source_fingerprint", ColType.VARCHAR, False),
        Column("as_of", ColType.DATE, False),
        Column("key_check", ColType.VARCHAR, False),
        Column("rows_read", _COUNT),
        Column("rows_inserted", _COUNT),
        Column("rows_updated", _COUNT),
        Column("rows_quarantined", _COUNT),
    ),
    ("run_id",),
)
SYNC_RUN_TABLES = AuxTable(
    "sync_run_tables",
    (
        Column("run_id", ColType.VARCHAR, False),
        Column("table_name", ColType.VARCHAR, False),
        Column("source_file", ColType.VARCHAR),
        Column("rows_read", _COUNT),
        Column("rows_inserted", _COUNT),
        Column("rows_updated", _COUNT),
        Column("rows_quarantined", _COUNT),
    ),
    ("run_id", "table_name"),
)
QUARANTINE = AuxTable(
    "quarantine",
    (
        Column("run_id", ColType.VARCHAR, False),
        Column("table_name", ColType.VARCHAR, False),
        Column("source_file", ColType.VARCHAR, False),
        Column("line", ColType.INTEGER),
        Column("reason", ColType.VARCHAR, False),
        Column("row_content", ColType.VARCHAR),
    ),
)


def create_statement(t: Table | AuxTable, *, primary_key: bool = True) -> exp.Create:
    """``CREATE TABLE IF NOT EXISTS`` for a warehouse table, with types, NOT NULL and (optionally) primary key."""
    defs: list[exp.Expression] = []
    for c in t.columns:
        constraints = [] if c.nullable else [exp.ColumnConstraint(kind=exp.NotNullColumnConstraint())]
        defs.append(
            exp.ColumnDef(
                this=ident(c.name),
                kind=exp.DataType.build(c.type.value, dialect="duckdb"),
                constraints=constraints,
            )
        )
    if primary_key and t.primary_key:
        defs.append(exp.PrimaryKey(expressions=[ident(k) for k in t.primary_key]))
    return exp.Create(
        this=exp.Schema(this=table(t.name, warehouse=True), expressions=defs), kind="TABLE", exists=True
    )


def create_warehouse_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every contract table and the bookkeeping tables when missing."""
    for t in TABLES:  # keys enforced by validation and the upsert, not by an index (see above)
        run(con, create_statement(t, primary_key=False))
    for aux in (SYNC_RUNS, SYNC_RUN_TABLES, QUARANTINE):
        run(con, create_statement(aux))


def last_key_check(con: duckdb.DuckDBPyConnection) -> str | None:
    """The key check value of the latest sync, or None for a new warehouse."""
    q = template(
        "SELECT key_check FROM :t ORDER BY started_at DESC LIMIT 1", t=table("sync_runs", warehouse=True)
    )
    row = run(con, q).fetchone()
    return None if row is None else str(row[0])


def _pk_match(t: Table, left: str, right: str) -> exp.Expression:
    return and_all([exp.EQ(this=col(k, left), expression=col(k, right)) for k in t.primary_key])


def is_empty(con: duckdb.DuckDBPyConnection, t: Table) -> bool:
    """True when the warehouse table ``t`` has no rows yet."""
    query = exp.select("1").from_(table(t.name, warehouse=True), copy=False).limit(1, copy=False)
    return run(con, query).fetchone() is None


def has_duplicate_keys(con: duckdb.DuckDBPyConnection, t: Table) -> bool:
    """True when some primary key of ``t`` occurs on more than one row of the warehouse table."""
    keys = [col(k) for k in t.primary_key]
    query = (
        exp.select("1")
        .from_(table(t.name, warehouse=True), copy=False)
        .group_by(*keys, copy=False)
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)), copy=False)
        .limit(1, copy=False)
    )
    return run(con, query).fetchone() is not None


def upsert(con: duckdb.DuckDBPyConnection, t: Table, clean: exp.Select) -> tuple[int, int]:
    """Insert new rows of ``clean`` and update changed ones by primary key; returns (inserted, updated)."""
    target = table(t.name, warehouse=True)
    cols = list(t.column_names)
    has_rows = not is_empty(con, t)
    updated = 0
    if has_rows:
        others = [c for c in cols if c not in t.primary_key]
        changed = or_all([exp.NullSafeNEQ(this=col(c, "c"), expression=col(c, "w")) for c in others])
        changes = (
            exp.select(*[col(c, "c") for c in cols])
            .from_(clean.subquery("c"), copy=False)
            .join(
                exp.alias_(target.copy(), "w", table=True, copy=False), on=_pk_match(t, "c", "w"), copy=False
            )
            .where(changed, copy=False)
        )
        run(con, exp.Create(this=table("_changes"), kind="TABLE", expression=changes, replace=True))
        if others:
            update = exp.Update(
                this=target.copy(),
                expressions=[exp.EQ(this=col(c), expression=col(c, "_changes")) for c in others],
                from_=exp.From(this=table("_changes")),
                where=exp.Where(
                    this=and_all(
                        [exp.EQ(this=col(k, t.name), expression=col(k, "_changes")) for k in t.primary_key]
                    )
                ),
            )
            updated = int(run(con, update).fetchone()[0])
        run(con, drop("_changes"))
    new_rows = exp.select(*[col(c, "c") for c in cols]).from_(clean.subquery("c"), copy=False)
    if has_rows:
        exists = exp.Exists(
            this=exp.select("1")
            .from_(exp.alias_(target.copy(), "w", table=True, copy=False), copy=False)
            .where(_pk_match(t, "c", "w"), copy=False)
        )
        new_rows = new_rows.where(exp.Not(this=exists), copy=False)
    insert = exp.Insert(
        this=exp.Schema(this=target.copy(), expressions=[ident(c) for c in cols]), expression=new_rows
    )
    inserted = int(run(con, insert).fetchone()[0])
    return inserted, updated


def insert_quarantine(con: duckdb.DuckDBPyConnection, rows: exp.Select) -> int:
    """Append ``rows`` (run_id, table_name, source_file, line, reason, row_content) to the quarantine."""
    cols = [ident(c.name) for c in QUARANTINE.columns]
    insert = exp.Insert(
        this=exp.Schema(this=table(QUARANTINE.name, warehouse=True), expressions=cols), expression=rows
    )
    return int(run(con, insert).fetchone()[0])


def record_run(
    con: duckdb.DuckDBPyConnection, run_row: Sequence[object], table_rows: Sequence[Sequence[object]]
) -> None:
    """Write one sync_runs row and its per-table rows (values in column order)."""
    for aux, rows in ((SYNC_RUNS, [run_row]), (SYNC_RUN_TABLES, table_rows)):
        values = exp.Tuple(expressions=[exp.Placeholder() for _ in aux.columns])
        insert = exp.Insert(this=table(aux.name, warehouse=True), expression=exp.Values(expressions=[values]))
        sql = render(insert)
        for row in rows:
            con.execute(sql, list(row))
