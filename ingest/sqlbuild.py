"""Small sqlglot helpers for ingestion: SQL is built as expression trees, rendered at the edge.

Templates use ``:name`` placeholders that are replaced by expression nodes (never by text),
so no value or identifier is ever pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

DIALECT = "duckdb"
WAREHOUSE = "wh"  # catalog name the warehouse file is attached under during a sync


def ident(name: str) -> exp.Identifier:
    """A quoted identifier."""
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    """A (qualified) column reference."""
    return exp.column(ident(name), ident(table) if table else None)


def table(name: str, *, warehouse: bool = False) -> exp.Table:
    """A staging table (in memory) or, with ``warehouse``, a table of the attached warehouse."""
    if warehouse:
        return exp.Table(this=ident(name), db=ident("main"), catalog=ident(WAREHOUSE))
    return exp.Table(this=ident(name))


def drop(name: str) -> exp.Drop:
    """``DROP TABLE IF EXISTS`` of a staging table."""
    return exp.Drop(tables=[table(name)], kind="TABLE", exists=True)


def lit(value: Any) -> exp.Expression:
    """A literal for a Python value (str, int, float, bool, None)."""
    return exp.convert(value)


def isin(e: exp.Expression, values: Iterable[str]) -> exp.In:
    """``e IN ('a', 'b', ...)``."""
    return exp.In(this=e, expressions=[exp.Literal.string(v) for v in values])


def cast(e: exp.Expression, type_sql: str, *, try_: bool = False) -> exp.Expression:
    """``CAST``/``TRY_CAST`` of ``e`` to a DuckDB type name."""
    to = exp.DataType.build(type_sql, dialect=DIALECT)
    return exp.TryCast(this=e, to=to) if try_ else exp.Cast(this=e, to=to)


def func(name: str, *args: exp.Expression) -> exp.Expression:
    """A function call by name (rendered as is)."""
    return exp.Anonymous(this=name, expressions=list(args))


def template(sql: str, **nodes: exp.Expression | str | int) -> exp.Expression:
    """Parse ``sql`` (generic dialect) and replace its ``:name`` placeholders by ``nodes``."""
    values = {k: v if isinstance(v, exp.Expression) else lit(v) for k, v in nodes.items()}

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in values:
            return values[node.name].copy()  # a fresh copy per use: nodes are never shared
        return node

    return sqlglot.parse_one(sql).transform(swap)


def and_all(conds: Sequence[exp.Expression]) -> exp.Expression:
    """Conjunction of ``conds`` (TRUE when empty)."""
    return exp.and_(*conds) if conds else exp.true()


def or_all(conds: Sequence[exp.Expression]) -> exp.Expression:
    """Disjunction of ``conds`` (FALSE when empty)."""
    return exp.or_(*conds) if conds else exp.false()


def render(e: exp.Expression, dialect: str = DIALECT) -> str:
    """SQL text of ``e`` in DuckDB's dialect (or ``dialect``, e.g. ``"sqlite"`` for a source database)."""
    return e.sql(dialect=dialect)


def run(con: Any, e: exp.Expression, params: Sequence[Any] | None = None) -> Any:
    """Execute the expression on a DuckDB connection and return the connection's cursor."""
    return con.execute(render(e), params) if params is not None else con.execute(render(e))
