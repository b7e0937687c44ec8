"""Quarantine rows: bad source rows, kept with their file, line, reason and de-identified content.

The content is the warehouse-shaped row as text (raw values for plain columns, so the
bad value can be seen) built by :func:`ingest.deidentify.content_exprs`: ``patient_key``
instead of ``patient_id``, birth year and ZIP3 instead of the date of birth and ZIP, the
scrubbed comment. Names, phone numbers, emails and addresses are not warehouse columns, so
they never appear.

Line numbers are those of the record in the CSV file (header = line 1), counting the
newlines inside quoted fields of earlier records; for Parquet files and database tables
they are row numbers (1-based).
"""

from __future__ import annotations

import datetime as dt

import duckdb
from sqlglot import exp

from ingest.contract import Table
from ingest.deidentify import RAW, content_exprs
from ingest.load import insert_quarantine
from ingest.source import SourceTable
from ingest.sqlbuild import col, drop, func, lit, or_all, run, table, template
from ingest.validate import REASON, ROW, is_bad, join_maps

_NEWLINES = "_newlines"
_CHECKED = "c"


def newline_table(con: duckdb.DuckDBPyConnection, t: Table, raw: str, out: str) -> None:
    """``out(_row, n)``: the newlines inside the fields of each multi-line record of ``raw``."""
    nl = func("CHR", lit(10))
    names = t.source_column_names
    counts = [
        func(
            "COALESCE",
            exp.Sub(
                this=exp.Length(this=col(c)),
                expression=exp.Length(this=func("REPLACE", col(c), nl.copy(), lit(""))),
            ),
            lit(0),
        )
        for c in names
    ]
    total = counts[0]
    for c in counts[1:]:
        total = exp.Add(this=total, expression=c)
    body = (
        exp.select(exp.alias_(exp.column("rowid"), ROW, copy=False), exp.alias_(total, "n", copy=False))
        .from_(table(raw), copy=False)
        .where(or_all([func("CONTAINS", col(c), nl.copy()) for c in names]), copy=False)
    )
    run(con, exp.Create(this=table(out), kind="TABLE", expression=body, replace=True))


def _line(sf: SourceTable, adjust: bool) -> exp.Expression:
    line: exp.Expression = exp.Add(this=col(ROW, _CHECKED), expression=lit(sf.first_data_line))
    if adjust:
        before = template(
            "COALESCE((SELECT SUM(n) FROM :nl AS nl WHERE nl._row < :row), 0)",
            nl=table(_NEWLINES),
            row=col(ROW, _CHECKED),
        )
        line = exp.Add(this=line, expression=before)
    return line


def quarantine(
    con: duckdb.DuckDBPyConnection,
    sf: SourceTable,
    raw: str,
    checked: str,
    *,
    run_id: str,
    as_of: dt.date,
    keymap: str | None,
    scrubmaps: dict[str, str],
) -> int:
    """Copy the rows listed in ``checked`` (_row, _reason) into the warehouse quarantine; returns how many."""
    count = run(
        con,
        exp.select(exp.Count(this=exp.Star()))
        .from_(exp.alias_(table(checked), _CHECKED, table=True, copy=False), copy=False)
        .where(is_bad(_CHECKED), copy=False),
    ).fetchone()[0]
    if not count:
        return 0
    adjust = sf.counts_newlines
    if adjust:
        newline_table(con, sf.table, raw, _NEWLINES)
    content = func(
        "JSON_OBJECT",
        *[e for name, expr in content_exprs(sf.table, as_of).items() for e in (lit(name), expr)],
    )
    rows = (
        exp.select(
            lit(run_id),
            lit(sf.table.name),
            lit(sf.label),
            _line(sf, adjust),
            col(REASON, _CHECKED),
            exp.cast(content, "VARCHAR"),
        )
        .from_(exp.alias_(table(checked), _CHECKED, table=True, copy=False), copy=False)
        .join(
            exp.alias_(table(raw), RAW, table=True, copy=False),
            on=exp.EQ(this=col(ROW, _CHECKED), expression=exp.column("rowid", RAW)),
            copy=False,
        )
        .where(is_bad(_CHECKED), copy=False)
    )
    rows = join_maps(rows, keymap=keymap, scrubmaps=scrubmaps)
    inserted = insert_quarantine(con, rows)
    if adjust:
        run(con, drop(_NEWLINES))
    return inserted
