"""Row validation as set queries: each rule is a small function that yields (condition, reason).

*Row rules* look at one raw (all-VARCHAR) source row: missing values, unparseable dates or
numbers, unknown category values, malformed ZIP codes. *Set rules* look at the typed,
de-identified rows of the whole file and the warehouse: duplicate keys and orphan foreign
keys. :func:`bad_rows` materialises only the failing rows' numbers with their ``_reason``
(every problem joined by ``"; "``; reasons never contain values); :func:`clean_rows` is
the query of the others, typed and de-identified, which the upsert reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlglot import exp

from ingest.contract import ColType, Table
from ingest.deidentify import KEYS, RAW, scrub_alias, warehouse_exprs, zip_valid_expr
from ingest.sqlbuild import and_all, cast, col, func, isin, lit, table

REASON, ROW = "_reason", "_row"
_TYPE_WORDS = {
    ColType.INTEGER: "integer",
    ColType.DECIMAL: "number",
    ColType.DOUBLE: "number",
    ColType.BOOLEAN: "boolean",
    ColType.DATE: "date",
    ColType.TIMESTAMP: "timestamp",
}


@dataclass(frozen=True)
class Check:
    """A bad-row condition (TRUE when the row is bad) and the reason recorded for it."""

    condition: exp.Expression
    reason: str


RowRule = Callable[[Table], Iterator[Check]]


def _raw(name: str) -> exp.Column:
    return col(name, RAW)


def missing_values(t: Table) -> Iterator[Check]:
    """A required column (key or NOT NULL) is empty."""
    keys = set(t.primary_key) | ({"patient_id"} if "patient_key" in t.primary_key else set())
    for c in t.source_columns:
        if not c.nullable:
            blank = exp.EQ(this=exp.Trim(this=_raw(c.name)), expression=lit(""))
            what = "missing key" if c.name in keys else "missing value in"
            yield Check(exp.or_(exp.Is(this=_raw(c.name), expression=exp.Null()), blank), f"{what} {c.name}")


def unparseable_values(t: Table) -> Iterator[Check]:
    """A date, timestamp, number or boolean that does not parse (integers must be whole)."""
    for c in t.source_columns:
        if c.type is ColType.VARCHAR:
            continue
        typed = cast(_raw(c.name), c.type.value, try_=True)
        bad: exp.Expression = exp.Is(this=typed, expression=exp.Null())
        if c.type is ColType.INTEGER:
            whole = exp.NEQ(this=cast(_raw(c.name), "DOUBLE", try_=True), expression=typed.copy())
            bad = exp.or_(bad, whole)
        present = exp.Not(this=exp.Is(this=_raw(c.name), expression=exp.Null()))
        yield Check(exp.and_(present, exp.paren(bad)), f"unparseable {_TYPE_WORDS[c.type]} in {c.name}")


def unknown_categories(t: Table) -> Iterator[Check]:
    """A value outside a closed vocabulary of schema.md."""
    for c in t.source_columns:
        if c.categories:
            outside = exp.Not(this=isin(_raw(c.name), c.categories))
            present = exp.Not(this=exp.Is(this=_raw(c.name), expression=exp.Null()))
            yield Check(exp.and_(present, outside), f"unknown {c.name} value")


def malformed_zip(t: Table) -> Iterator[Check]:
    """A patient ZIP code that is not 5 digits (or ZIP+4)."""
    if "zip" in t.source_column_names:
        present = exp.Not(this=exp.Is(this=_raw("zip"), expression=exp.Null()))
        yield Check(exp.and_(present, exp.Not(this=zip_valid_expr(_raw("zip")))), "malformed zip")


ROW_RULES: tuple[RowRule, ...] = (missing_values, unparseable_values, unknown_categories, malformed_zip)


def _reasons(checks: list[Check], *first: exp.Expression) -> exp.Expression:
    """``CONCAT_WS('; ', first..., CASE WHEN cond THEN reason END, ...)``: '' when nothing fires."""
    cases = [exp.Case(ifs=[exp.If(this=c.condition, true=lit(c.reason))]) for c in checks]
    return func("CONCAT_WS", lit("; "), *first, *cases) if cases or first else lit("")


def row_reason(t: Table) -> exp.Expression:
    """The row rules' reasons for one raw row of ``t``."""
    return _reasons([check for rule in ROW_RULES for check in rule(t)])


def set_checks(t: Table, typed: str, dups: str) -> list[Check]:
    """Duplicate keys (within the file) and orphan foreign keys (against the warehouse)."""
    first_key = t.primary_key[0]
    checks = [Check(exp.Not(this=exp.Is(this=col(first_key, dups), expression=exp.Null())), "duplicate key")]
    for fk in t.foreign_keys:
        ref = exp.alias_(table(fk.ref_table, warehouse=True), "x", table=True, copy=False)
        found = exp.Exists(
            this=exp.select("1")
            .from_(ref, copy=False)
            .where(exp.EQ(this=col(fk.ref_column, "x"), expression=col(fk.column, typed)), copy=False)
        )
        present = exp.Not(this=exp.Is(this=col(fk.column, typed), expression=exp.Null()))
        checks.append(
            Check(exp.and_(present, exp.Not(this=found)), f"orphan {fk.column}: not in {fk.ref_table}")
        )
    return checks


def staged_rows(
    t: Table, raw: str, as_of: dt.date, *, keymap: str | None, scrubmaps: dict[str, str]
) -> exp.Select:
    """Raw rows joined to the key and scrub maps: row number, warehouse columns, row reasons."""
    select = exp.select(
        exp.alias_(exp.column("rowid", RAW), ROW, copy=False),
        *[exp.alias_(e, c, copy=False) for c, e in warehouse_exprs(t, as_of).items()],
        exp.alias_(row_reason(t), REASON, copy=False),
    ).from_(exp.alias_(table(raw), RAW, table=True, copy=False), copy=False)
    return join_maps(select, keymap=keymap, scrubmaps=scrubmaps)


def duplicate_keys(t: Table, raw: str, as_of: dt.date, *, keymap: str | None) -> exp.Select:
    """The primary keys (typed, de-identified) that occur on more than one row of ``raw``."""
    exprs = warehouse_exprs(t, as_of)
    keys = [exprs[k] for k in t.primary_key]
    select = (
        exp.select(*[exp.alias_(e.copy(), k, copy=False) for k, e in zip(t.primary_key, keys, strict=True)])
        .from_(exp.alias_(table(raw), RAW, table=True, copy=False), copy=False)
        .where(
            and_all([exp.Not(this=exp.Is(this=e.copy(), expression=exp.Null())) for e in keys]), copy=False
        )
        .group_by(*[e.copy() for e in keys], copy=False)
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=lit(1)), copy=False)
    )
    return join_maps(select, keymap=keymap, scrubmaps={})


def join_maps(select: exp.Select, *, keymap: str | None, scrubmaps: dict[str, str]) -> exp.Select:
    """LEFT JOIN the key map on ``patient_id`` and each scrub map on its free-text column."""
    if keymap:
        on = exp.EQ(this=col("patient_id", KEYS), expression=_raw("patient_id"))
        select = select.join(
            exp.alias_(table(keymap), KEYS, table=True, copy=False), on=on, join_type="left", copy=False
        )
    for column, name in scrubmaps.items():
        alias = scrub_alias(column)
        on = exp.EQ(this=col("original", alias), expression=_raw(column))
        select = select.join(
            exp.alias_(table(name), alias, table=True, copy=False), on=on, join_type="left", copy=False
        )
    return select


def checked_rows(t: Table, staged: exp.Select, dup_keys: exp.Select | None) -> exp.Select:
    """The staged rows (``_row``, warehouse columns) with ``_reason`` from every row and set rule.

    Without ``dup_keys`` the duplicate-key rule is left to the table's primary key (a first
    load relies on the INSERT failing, then checks again with it).
    """
    typed, dups = "typed", "dups"
    row_reasons = exp.Nullif(this=col(REASON, typed), expression=lit(""))
    checks = set_checks(t, typed, dups)
    if dup_keys is None:
        checks = checks[1:]
    reason = _reasons(checks, row_reasons)
    select = exp.select(
        *[col(c, typed) for c in (ROW, *t.column_names)], exp.alias_(reason, REASON, copy=False)
    ).from_(staged.subquery(typed, copy=False), copy=False)
    if dup_keys is None:
        return select
    on = and_all([exp.EQ(this=col(k, typed), expression=col(k, dups)) for k in t.primary_key])
    return select.join(dup_keys.subquery(dups, copy=False), on=on, join_type="left", copy=False)


def passing(t: Table, checked: exp.Select) -> exp.Select:
    """The warehouse columns of the checked rows that pass every rule (one pass, for a first load)."""
    return (
        exp.select(*[col(c) for c in t.column_names])
        .from_(checked.subquery("checked", copy=False), copy=False)
        .where(exp.EQ(this=col(REASON), expression=lit("")), copy=False)
    )


def bad_rows(checked: exp.Select, out: str) -> exp.Create:
    """``CREATE TABLE out(_row, _reason)``: the checked rows that fail a rule, with why."""
    body = exp.select(col(ROW), col(REASON)).from_(checked.subquery("checked", copy=False), copy=False)
    body = body.where(exp.NEQ(this=col(REASON), expression=lit("")), copy=False)
    return exp.Create(this=table(out), kind="TABLE", expression=body, replace=True)


def clean_rows(t: Table, staged: exp.Select, bad: str | None) -> exp.Select:
    """The warehouse columns of the staged rows that are not in the ``bad`` table (if any)."""
    select = exp.select(*[col(c, "s") for c in t.column_names]).from_(
        staged.subquery("s", copy=False), copy=False
    )
    if bad is None:
        return select
    found = exp.Exists(
        this=exp.select("1")
        .from_(exp.alias_(table(bad), "b", table=True, copy=False), copy=False)
        .where(exp.EQ(this=col(ROW, "b"), expression=col(ROW, "s")), copy=False)
    )
    return select.where(exp.Not(this=found), copy=False)


def is_bad(alias: str) -> exp.Expression:
    """TRUE for a quarantined row of a checked table aliased ``alias``."""
    return exp.NEQ(this=col(REASON, alias), expression=lit(""))
