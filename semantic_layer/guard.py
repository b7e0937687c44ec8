"""The SQL guard: any statement, whoever wrote it, becomes a safe query or a typed rejection.

A pipeline of small stages over a sqlglot tree: parse (exactly one statement), the checks
of :mod:`semantic_layer.guard_rules` (statement kind, syntax and function allowlists,
tables), resolution of every column against the role's catalog (sqlglot ``qualify``,
which also expands ``SELECT *`` to the allowed columns), the patient-key rule, then the
rewrites: the role's location row filters and a row limit. What runs is the rewritten
tree rendered as DuckDB SQL, never the text that came in.

>>> cat = {"appointments": frozenset({"appointment_id", "status", "location_id", "patient_key"})}
>>> from semantic_layer.roles import access_for
>>> g = guard_sql("select status, count(*) as n from appointments group by 1",
...               catalog=cat, access=access_for("owner"), max_rows=100)
>>> g.sql
'SELECT "appointments"."status" AS "status", COUNT(*) AS "n" FROM "appointments" AS "appointments" GROUP BY "appointments"."status" LIMIT 101'
>>> guard_sql("select patient_key from appointments", catalog=cat, access=access_for("owner"),
...           max_rows=100)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
semantic_layer.guard_rules.GuardRejection: output column(s) patient_key would list patient keys
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import OptimizeError, ParseError, SchemaError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify_columns import qualify_columns, quote_identifiers, validate_qualify_columns
from sqlglot.optimizer.qualify_tables import qualify_tables
from sqlglot.optimizer.scope import Scope
from sqlglot.schema import MappingSchema

from semantic_layer.guard_rules import (
    RESOLVED_CHECKS,
    TEXT_CHECKS,
    TREE_CHECKS,
    Code,
    GuardContext,
    GuardRejection,
)
from semantic_layer.guard_tree import validate_built_tree
from semantic_layer.roles import Access, LocationRule, RoleBook, allowed_catalog, default_roles

__all__ = ["Code", "GuardRejection", "GuardedQuery", "guard_sql"]

log = logging.getLogger(__name__)
_SEAL = object()  # only this module creates GuardedQuery objects


@dataclass(frozen=True)
class GuardedQuery:
    """A statement the guard accepted: the rewritten tree, its DuckDB SQL and what was injected."""

    tree: exp.Expression = field(compare=False, repr=False)
    sql: str
    injected: tuple[str, ...]
    tables: frozenset[str]
    max_rows: int
    role: str
    _seal: object = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            raise TypeError("GuardedQuery objects come only from guard_sql()")


def guard_sql(
    sql: str | exp.Expression,
    *,
    catalog: Mapping[str, frozenset[str]],
    access: Access,
    max_rows: int,
    dialect: str = "duckdb",
    roles: RoleBook | None = None,
) -> GuardedQuery:
    """Check ``sql`` (text or a sqlglot tree) for ``access`` and return it rewritten, or raise
    :class:`GuardRejection` saying why it may not run."""
    ctx = GuardContext(catalog=allowed_catalog(catalog, access), full_catalog=catalog, access=access)
    try:
        if isinstance(sql, exp.Expression):
            ctx.tree = sql.copy()
            validate_built_tree(ctx.tree)
        else:
            ctx.text = sql
            for check in TEXT_CHECKS:
                check(ctx)
            ctx.tree = _parse_one(sql, dialect)
        # DuckDB resolves names case-insensitively, quoted or not: so do the checks
        ctx.tree = normalize_identifiers(ctx.tree, dialect="duckdb")
        for check in TREE_CHECKS:
            check(ctx)
        ctx.tree = _resolve(ctx)
        ctx.reset_scopes()
        for check in RESOLVED_CHECKS:
            check(ctx)
        injected = []
        if access.location_ids is not None:
            injected += _inject_location_filters(ctx, roles or default_roles())
        ctx.tree, limit_note = _apply_limit(ctx.tree, max_rows + 1)
        injected.append(limit_note)
    except GuardRejection as rej:
        rej.sql = sql if isinstance(sql, str) else _render_for_message(sql, dialect)
        log.info("guard rejected (%s): %s", rej.code.value, rej.reason)
        raise
    tables = frozenset(t.name for t in ctx.tree.find_all(exp.Table))
    # the tree is the guard's own copy: render it in place (sqlglot copies it again otherwise)
    text = _DUCKDB.generate(ctx.tree, copy=False, comments=False)
    return GuardedQuery(ctx.tree, text, tuple(injected), tables, max_rows, access.role, _SEAL)


def _render_for_message(tree: exp.Expression, dialect: str) -> str | None:
    """The rejected tree as SQL for the message; None when it cannot be written (malformed)."""
    try:
        return tree.sql(dialect)
    except Exception:  # a malformed tree may fail anywhere in sqlglot's generator
        return None


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        raise GuardRejection(
            Code.PARSE_ERROR, f"the statement could not be parsed: {_first_line(exc)}"
        ) from exc
    except RecursionError as exc:
        raise GuardRejection(Code.PARSE_ERROR, "the statement is nested too deeply") from exc
    if not statements:
        raise GuardRejection(Code.EMPTY, "there is no statement to run")
    if len(statements) > 1:
        raise GuardRejection(
            Code.MULTIPLE_STATEMENTS, f"exactly one statement may run; found {len(statements)}"
        )
    tree = statements[0]
    while isinstance(tree, exp.Subquery) and not tree.alias and isinstance(tree.this, exp.Query):
        tree = tree.this  # "(SELECT ...)" is the SELECT itself
    return tree


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_DUCKDB = Dialect.get_or_raise("duckdb")


@functools.lru_cache(maxsize=64)
def _schema(items: tuple[tuple[str, tuple[str, ...]], ...]) -> MappingSchema:
    """The role's catalog as a sqlglot schema, built once per catalog and role (it is costly)."""
    return MappingSchema({table: dict.fromkeys(cols, "UNKNOWN") for table, cols in items}, dialect=_DUCKDB)


def _name_outputs(tree: exp.Expression) -> None:
    """Name unnamed computed outputs by their SQL, as DuckDB would, not ``_col_1``."""
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.left
    if not isinstance(select, exp.Select):
        return
    for proj in select.expressions:
        if not isinstance(proj, exp.Alias | exp.Column | exp.Star):
            # lower-cased as DuckDB's case-insensitive names are (normalize_identifiers ran before)
            name = proj.sql("duckdb", normalize_functions="lower").lower()
            proj.replace(exp.alias_(proj, name, quoted=True))


def _resolve(ctx: GuardContext) -> exp.Expression:
    """Qualify every column against the role's catalog; ``*`` becomes its allowed columns."""
    _name_outputs(ctx.tree)
    schema = _schema(tuple(sorted((t, tuple(sorted(c))) for t, c in ctx.catalog.items())))
    try:
        # sqlglot's ``qualify`` minus its identifier normalisation, already done by guard_sql
        tree = qualify_tables(ctx.tree, dialect=_DUCKDB)
        tree = qualify_columns(tree, schema, expand_alias_refs=True, expand_stars=True)
        tree = quote_identifiers(tree, dialect=_DUCKDB, identify=True)
        return validate_qualify_columns(tree)
    except (OptimizeError, SchemaError, ValueError, KeyError) as exc:
        raise _explain_resolution_error(ctx, exc) from exc


def _explain_resolution_error(ctx: GuardContext, exc: Exception) -> GuardRejection:
    tables = {t.name for t in ctx.tree.find_all(exp.Table)}
    for col in ctx.tree.find_all(exp.Column):
        for table in tables:
            if col.name in ctx.full_catalog.get(table, ()) and col.name not in ctx.catalog.get(table, ()):
                return GuardRejection(
                    Code.FORBIDDEN_COLUMN,
                    f"{table}.{col.name} is not available to the {ctx.access.role} role",
                )
    return GuardRejection(Code.UNKNOWN_COLUMN, _first_line(exc))


def _location_condition(
    rules: tuple[LocationRule, ...], book: RoleBook, ids: list[exp.Literal]
) -> exp.Expression:
    parts: list[exp.Expression] = []
    for rule in rules:
        if rule.column:
            parts.append(exp.column(rule.column, quoted=True).isin(*ids))
        else:
            via_col = next(r.column for r in book.location_scope[rule.via] or () if r.column)
            inner = (
                exp.select(exp.column(rule.key, quoted=True))
                .from_(exp.to_table(rule.via, quoted=True))
                .where(exp.column(via_col, quoted=True).isin(*ids))
            )
            parts.append(exp.column(rule.key, quoted=True).isin(query=inner))
    return exp.or_(*parts) if len(parts) > 1 else parts[0]


def _inject_location_filters(ctx: GuardContext, book: RoleBook) -> list[str]:
    """Replace every base-table reference by a subquery holding only in-scope rows."""
    ids = [exp.Literal.string(i) for i in sorted(ctx.access.location_ids or ())]
    notes: dict[str, str] = {}
    targets: list[tuple[exp.Table, tuple[LocationRule, ...]]] = []
    for scope in ctx.scopes:
        for table in scope.tables:
            if isinstance(scope.sources.get(table.alias_or_name), Scope):
                continue  # a CTE: its own base tables are filtered inside it
            if table.name not in book.location_scope:
                raise GuardRejection(
                    Code.NOT_SCOPED, f"table {table.name} has no location rule; it cannot be read by location"
                )
            rules = book.location_scope[table.name]
            if rules:
                targets.append((table, rules))
    for table, rules in targets:
        cond = _location_condition(rules, book, ids)
        inner = exp.select("*").from_(exp.to_table(table.name, quoted=True)).where(cond)
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name, quoted=True))
        table.replace(exp.Subquery(this=inner, alias=alias.copy()))
        notes[table.name] = f"rows of {table.name} limited to locations {', '.join(i.this for i in ids)}"
    ctx.reset_scopes()
    return [notes[k] for k in sorted(notes)]


def _apply_limit(tree: exp.Expression, limit: int) -> tuple[exp.Expression, str]:
    """At most ``limit`` rows: set the LIMIT, or wrap the query when it has its own."""
    current = tree.args.get("limit")
    if current is None and not tree.args.get("offset"):
        tree.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
        return tree, f"limit {limit}"
    value = current.expression if isinstance(current, exp.Limit) else None
    if isinstance(value, exp.Literal) and value.is_int and not tree.args.get("offset"):
        if int(value.this) <= limit:
            return tree, f"limit {value.this} (the statement's own)"
        current.set("expression", exp.Literal.number(limit))
        return tree, f"limit {limit}"
    wrapped = exp.select("*").from_(tree.subquery("guarded", copy=False)).limit(limit)
    return wrapped, f"limit {limit} (outer)"
