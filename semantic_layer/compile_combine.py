"""Stage 3 of the compiler: combine the fact sides per group, compute metrics, order, limit.

Sides are joined with FULL JOINs on the group keys (NULL-safe), so a group found on
either side is kept; ratios divide with NULLIF (NULL when the denominator is missing or
zero) and, inside a derived metric, a sum or count over no rows counts as 0. A query
with one plain side and nothing to look up needs no combining: it is that side's own
SELECT with the final columns, ordered and limited (one SELECT, as one would write it).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from semantic_layer.compile_defer import Deferred, LateFilter
from semantic_layer.compile_exprs import qualify, safe_div
from semantic_layer.compile_plan import CURRENT, PREVIOUS, Plan, Side
from semantic_layer.compile_side import is_windowed
from semantic_layer.errors import CompileError
from semantic_layer.model import Agg, Metric, MetricType, SemanticModel
from semantic_layer.query import TIME_GRAINS, FilterOp

RESULT = "result"


def _leaf(plan: Plan, m: Metric, period: str, in_derived: bool) -> exp.Expression:
    side = plan.leaf_side[(m.name, period)]
    if m.type is MetricType.RATIO:
        return safe_div(
            exp.column(f"{m.name}__num", table=side.name), exp.column(f"{m.name}__den", table=side.name)
        )
    col = exp.column(m.name, table=side.name)
    additive = m.measure is not None and (m.measure.additive or m.measure.agg is Agg.COUNT_DISTINCT)
    if in_derived and additive and m.type is not MetricType.CONVERSION:
        return exp.Coalesce(this=col, expressions=[exp.Literal.number(0)])
    return col


def metric_expr(
    model: SemanticModel, plan: Plan, m: Metric, period: str, in_derived: bool = False
) -> exp.Expression:
    """The final expression of metric ``m`` for ``period`` over the combined sides."""
    if m.type is not MetricType.DERIVED:
        return _leaf(plan, m, period, in_derived)

    def build(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return metric_expr(model, plan, model.metrics[node.name], period, True)
        if isinstance(node, exp.Div):
            return safe_div(build(node.this), build(node.expression))
        if isinstance(node, exp.Paren):
            return exp.paren(build(node.this), copy=False)
        if isinstance(node, exp.Neg):
            return exp.Neg(this=build(node.this))
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul)):
            return type(node)(this=build(node.this), expression=build(node.expression))
        if isinstance(node, exp.Literal):
            return node.copy()
        raise CompileError(
            f"derived metric '{m.name}' uses an unsupported operation {node.key}", metric=m.name
        )

    assert m.expr_tree is not None
    return build(m.expr_tree)


def _key(sides: list[Side], dim: str) -> exp.Expression:
    cols = [exp.column(dim, table=s.name) for s in sides]
    return cols[0] if len(cols) == 1 else exp.Coalesce(this=cols[0], expressions=cols[1:])


def _lookups(
    sides: list[Side], deferred: Mapping[str, Deferred], late: Mapping[int, LateFilter]
) -> tuple[list[exp.Join], list[exp.Expression]]:
    """One INNER JOIN per dimension grouped by key, and the filters applied after them."""
    joins = [
        exp.Join(
            this=exp.to_table(dim.table).as_(dim.alias, table=True),
            on=exp.column(dim.table_key, table=dim.alias).eq(_key(sides, dim.key_name)),
        )
        for dim in deferred.values()
    ]
    conds: list[exp.Expression] = []
    for _, lf in sorted(late.items()):
        target = qualify(lf.expr, lambda _t, a=lf.dim.alias: a)
        cond: exp.Expression = exp.In(
            this=target, expressions=[exp.Literal.string(v) for v in lf.filter.values]
        )
        conds.append(exp.Not(this=cond) if lf.filter.op in (FilterOp.NE, FilterOp.NOT_IN) else cond)
    return joins, conds


def combine(
    model: SemanticModel,
    plan: Plan,
    side_selects: dict[str, exp.Select],
    deferred: Mapping[str, Deferred] | None = None,
    late: Mapping[int, LateFilter] | None = None,
) -> exp.Select:
    """``WITH <sides>, result AS (<combined>) SELECT * FROM result ORDER BY ... LIMIT ...``.

    Dimensions in ``deferred`` are combined on their key and looked up once; the ``late``
    filters apply to the looked-up rows. With one side that is a plain aggregation and
    nothing deferred, the result is that side's SELECT itself (see :func:`_single_select`).
    """
    deferred, late = deferred or {}, late or {}
    sides = plan.sides
    keys = [deferred[d].key_name if d in deferred else d for d in plan.dimensions]
    combined = exp.Select().from_(exp.to_table(sides[0].name), copy=False)
    for i, side in enumerate(sides[1:], start=1):
        if keys:
            on = exp.and_(
                *(
                    exp.NullSafeEQ(this=_key(sides[:i], k), expression=exp.column(k, table=side.name))
                    for k in keys
                )
            )
            combined = combined.join(exp.to_table(side.name), on=on, join_type="FULL", copy=False)
        else:
            combined = combined.join(exp.to_table(side.name), join_type="CROSS", copy=False)
    lookups, late_conds = _lookups(sides, deferred, late)
    for j in lookups:
        combined = combined.join(j, copy=False)
    if late_conds:
        combined = combined.where(exp.and_(*late_conds, copy=False), copy=False)
    selects: list[exp.Expression] = [
        exp.alias_(
            qualify(deferred[d].expr, lambda _t, a=deferred[d].alias: a) if d in deferred else _key(sides, d),
            d,
            copy=False,
        )
        for d in plan.dimensions
    ]
    for m in plan.metrics:
        current = metric_expr(model, plan, m, CURRENT)
        selects.append(exp.alias_(current, m.name, copy=False))
        if PREVIOUS in plan.periods:
            previous = metric_expr(model, plan, m, PREVIOUS)
            selects.append(exp.alias_(previous, f"{m.name}_previous", copy=False))
            change = exp.Sub(
                this=exp.paren(current.copy(), copy=False), expression=exp.paren(previous.copy(), copy=False)
            )
            selects.append(exp.alias_(change, f"{m.name}_change", copy=False))
    if len(sides) == 1 and not deferred and not is_windowed(plan, sides[0]):
        single = _single_select(sides[0], side_selects[sides[0].name], selects)
        return _finish(plan, single, _bucket_order(single))
    combined = combined.select(*selects, copy=False)
    query = exp.Select(expressions=[exp.Star()]).from_(exp.to_table(RESULT), copy=False)
    for s in sides:
        query = query.with_(s.name, as_=side_selects[s.name], copy=False)
    query = query.with_(RESULT, as_=combined, copy=False)
    return _finish(plan, query)


def _single_select(side: Side, side_select: exp.Select, selects: list[exp.Expression]) -> exp.Select:
    """The side's own SELECT, its columns replaced by the output columns ``selects``.

    ``selects`` read the side's columns (``<side>.<column>``); each such reference becomes
    the side's expression for that column (an aggregate or a group key), so a ratio is
    ``CAST(COUNT_IF(..) AS DOUBLE) / NULLIF(COUNT_IF(..), 0)`` in place. The grouping,
    joins and WHERE are the side's, so the rows are the same as through the CTEs; ORDER BY
    then names the output columns, as it did on ``result``. ``side_select`` is reused (it
    is built for this query only).
    """
    columns = {e.alias: e.this for e in side_select.expressions}

    def inline(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table == side.name:
            return columns[node.name].copy()
        return node

    return side_select.select(
        *(exp.alias_(s.this.transform(inline, copy=False), s.alias, copy=False) for s in selects),
        append=False,
        copy=False,
    )


def _bucket_order(query: exp.Select) -> dict[str, exp.Expression]:
    """Output columns grouped by an inner expression (a calendar bucket, grouped by its
    truncation), mapped to that expression: ordering by it gives the same order, and an
    engine need not match the alias to the GROUP BY (BigQuery fails to: issue 162294746)."""
    group = query.args.get("group")
    grouped = set(group.expressions) if group else set()
    return {
        s.alias: s.this.this
        for s in query.selects
        if isinstance(s, exp.Alias)
        and isinstance(s.this, exp.Cast)
        and s.this not in grouped
        and s.this.this in grouped
    }


def _finish(
    plan: Plan, query: exp.Select, order_by: Mapping[str, exp.Expression] | None = None
) -> exp.Select:
    """``query`` with the result's ORDER BY (``order_by``: what to order a column by) and LIMIT."""
    order = _order(plan, order_by or {})
    if order:
        query = query.order_by(*order, copy=False)
    if plan.query.limit is not None:
        query = query.limit(plan.query.limit, copy=False)
    return query


def _order(plan: Plan, by: Mapping[str, exp.Expression]) -> list[exp.Ordered]:
    """Requested order first (NULLs last), then time grains and dimensions ascending."""

    def target(name: str) -> exp.Expression:
        return by[name].copy() if name in by else exp.column(name)

    out = [
        exp.Ordered(this=target(o.field), desc=o.descending, nulls_first=False) for o in plan.query.order_by
    ]
    used = {o.field for o in plan.query.order_by}
    rest = [d for d in plan.dimensions if d in TIME_GRAINS] + [
        d for d in plan.dimensions if d not in TIME_GRAINS
    ]
    out += [exp.Ordered(this=target(d), nulls_first=False) for d in rest if d not in used]
    return out
