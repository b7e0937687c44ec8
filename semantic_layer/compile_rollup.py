"""Compile one fact side from a daily rollup (:mod:`semantic_layer.rollup`) instead of the fact table.

:func:`rollup_side` returns None unless one rollup holds every dimension, filter and
measure the side needs (calendar grains and weekdays only; no distinct counts, running
totals or trailing windows); the compiler then builds the side from the fact table.
Counts and sums re-aggregate as sums, averages and conversion rates as the sum of their
values over the sum of their counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from semantic_layer.compile_defer import Deferred, LateFilter
from semantic_layer.compile_exprs import grain_expr, grain_literal, safe_div
from semantic_layer.compile_plan import Plan, Side
from semantic_layer.compile_side import group_expr, period_filter, shifted
from semantic_layer.model import MetricType, SemanticModel, TimeType
from semantic_layer.query import TIME_GRAINS, FilterOp
from semantic_layer.rollup import DAY, GRAINS, Rollup


def rollup_side(
    model: SemanticModel,
    plan: Plan,
    side: Side,
    deferred: Mapping[str, Deferred],
    late: Mapping[int, LateFilter] | Sequence[int],
    rollups: Sequence[Rollup],
) -> exp.Select | None:
    """The side's SELECT over the smallest rollup that answers it exactly, or None."""
    if side.window is not MetricType.SIMPLE or not rollups:
        return None
    grouped: set[str] = set()
    by_key: set[str] = set()
    for d in plan.dimensions:
        if d in TIME_GRAINS:
            if d not in GRAINS:
                return None
        elif d in deferred:
            by_key.add(d)
        else:
            grouped.add(d)
    filters = [(i, f) for i, f in enumerate(plan.query.filters) if i not in late]
    for _, f in filters:
        if f.dimension in TIME_GRAINS and f.dimension not in GRAINS:
            return None
    needed = grouped | {f.dimension for _, f in filters if f.dimension not in TIME_GRAINS}
    fits = [
        r
        for r in rollups
        if r.fact == side.table
        and r.time_column == side.time_column
        and needed <= set(r.dimensions)
        and all(r.keys.get(d) == deferred[d].fact_keys.get(side.name) for d in by_key)
        and all(a.name in r.aggs for a in side.aggs)
    ]
    if not fits:
        return None
    r = min(fits, key=lambda x: (x.rows, x.name))
    return _select(plan, side, r, deferred, grouped | by_key, needed, filters)


def _select(
    plan: Plan,
    side: Side,
    r: Rollup,
    deferred: Mapping[str, Deferred],
    grouped: set[str],
    needed: set[str],
    filters: list[tuple[int, Any]],
) -> exp.Select:
    day = exp.column(DAY, table=r.name)
    t = shifted(side, day)
    keys: list[tuple[str, exp.Expression]] = []
    for d in plan.dimensions:
        if d in TIME_GRAINS:
            keys.append((d, grain_expr(d, t, TimeType.DATE)))
        elif d in deferred:
            keys.append((deferred[d].key_name, exp.column(f"{d}__key", table=r.name)))
        else:
            keys.append((d, exp.column(d, table=r.name)))
    where = period_filter(side, day)
    where += [exp.column(f"{d}__matched", table=r.name) for d in sorted(needed & r.matched)]
    for _, f in filters:
        if f.dimension in TIME_GRAINS:
            target: exp.Expression = grain_expr(f.dimension, t.copy(), TimeType.DATE)
            lits = [grain_literal(f.dimension, v) for v in f.values]
        else:
            target = exp.column(f.dimension, table=r.name)
            lits = [exp.Literal.string(v) for v in f.values]
        cond: exp.Expression = exp.In(this=target, expressions=lits)
        where.append(exp.Not(this=cond) if f.op in (FilterOp.NE, FilterOp.NOT_IN) else cond)
    selects = [exp.alias_(e, n, copy=False) for n, e in keys]
    for a in side.aggs:
        kept = r.aggs[a.name]
        v = exp.Sum(this=exp.column(f"{a.name}__v", table=r.name))
        if kept.kind == "count":
            value: exp.Expression = exp.cast(
                exp.Coalesce(this=v, expressions=[exp.Literal.number(0)]), exp.DataType.Type.BIGINT
            )
        elif kept.kind == "sum":
            value = v
        else:
            value = safe_div(v, exp.Sum(this=exp.column(f"{a.name}__n", table=r.name)))
        selects.append(exp.alias_(value, a.name, copy=False))
    query = exp.Select(expressions=selects).from_(exp.to_table(r.name).as_(r.name, table=True), copy=False)
    if where:
        query = query.where(exp.and_(*where, copy=False), copy=False)
    if keys:
        query = query.group_by(*(group_expr(e).copy() for _, e in keys), copy=False)
        if all(r.aggs[a.name].filtered for a in side.aggs):
            # the fact side's WHERE keeps only rows passing a measure filter: a group
            # exists when one of its rows passes one
            query = query.having(
                exp.or_(
                    *(
                        exp.GT(
                            this=exp.Sum(this=exp.column(r.aggs[a.name].flag(a.name), table=r.name)),
                            expression=exp.Literal.number(0),
                        )
                        for a in side.aggs
                    ),
                    copy=False,
                ),
                copy=False,
            )
    return query
