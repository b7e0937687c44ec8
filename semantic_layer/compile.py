"""Compile a :class:`SemanticQuery` into a sqlglot tree, and render it for an engine.

A pipeline of small pure stages: ``plan_query`` (check and lay out fact sides) ->
``deferred_dimensions`` (dimensions grouped by key and looked up once) -> ``build_side``
(one aggregation per fact table and period) -> ``combine`` (FULL JOIN on the group keys,
dimension lookups, metric expressions, order, limit). No I/O; SQL text only in ``to_sql``.

>>> from semantic_layer.model import load_model
>>> from semantic_layer.query import SemanticQuery
>>> tree = compile_query(load_model(), SemanticQuery(metrics=("completed_visits",)))
>>> "status = 'completed'" in to_sql(tree)
True
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from semantic_layer.compile_combine import combine
from semantic_layer.compile_defer import deferred_dimensions, late_filters
from semantic_layer.compile_plan import plan_query
from semantic_layer.compile_rollup import rollup_side
from semantic_layer.compile_side import build_side
from semantic_layer.errors import CompileError
from semantic_layer.model import SemanticModel
from semantic_layer.query import SemanticQuery
from semantic_layer.rollup import Rollup

DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "spark")

__all__ = ["DIALECTS", "CompileError", "compile_query", "to_sql"]


def compile_query(
    model: SemanticModel,
    query: SemanticQuery,
    allowed_metrics: frozenset[str] | None = None,
    rollups: Sequence[Rollup] = (),
) -> exp.Select:
    """The SQL tree answering ``query``; raises :class:`CompileError` saying why it cannot.

    ``allowed_metrics`` (the asker's role) rejects any metric, or derived metric part, outside it.
    ``rollups`` are the up-to-date rollup tables the asker may read: a side one of them
    answers exactly is read from the smallest such (:mod:`semantic_layer.rollup`).
    Output columns are named after the dimensions and metrics; with a ``compare_range``,
    each metric also has ``<metric>_previous`` and ``<metric>_change``.
    """
    plan = plan_query(model, query, allowed_metrics)
    deferred = deferred_dimensions(model, plan)
    late = late_filters(model, plan, deferred)
    sides = {
        s.name: rollup_side(model, plan, s, deferred, late, rollups) or build_side(model, plan, s, deferred, late)
        for s in plan.sides
    }
    return combine(model, plan, sides, deferred, late)


def to_sql(tree: exp.Expression, dialect: str = "duckdb", pretty: bool = False) -> str:
    """Render a compiled tree as SQL text for ``dialect`` (any dialect sqlglot writes)."""
    return tree.sql(dialect=dialect, pretty=pretty)
