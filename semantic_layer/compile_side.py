"""Stage 2 of the compiler: one aggregation SELECT per fact side.

``FROM fact JOIN <dimension tables along the model's join paths> WHERE <period> AND
<dimension filters> AND <metric filters> GROUP BY <dimension expressions>``; a running
total (cumulative metric) split by a time grain is wrapped in a window sum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from sqlglot import exp

from semantic_layer.compile_defer import Deferred
from semantic_layer.compile_exprs import (
    add_months,
    aggregate,
    date_lit,
    grain_expr,
    grain_literal,
    qualify,
    truncate_date,
)
from semantic_layer.compile_plan import AggColumn, Plan, Side, trailing_start
from semantic_layer.errors import CompileError
from semantic_layer.model import Agg, Join, MetricType, SemanticModel
from semantic_layer.query import TIME_GRAINS, FilterOp


class Joins:
    """Aliases and JOIN clauses of one side, one per distinct join path from the fact table.

    Paths used by a dimension are INNER joins (a row without the dimension's value has no
    group, as in the gold SQL); paths used only by a metric's own filter or expression are
    LEFT joins, so that they never drop rows of the other metrics on the same side.
    """

    def __init__(self, model: SemanticModel, fact: str):
        self.model, self.fact = model, fact
        self.aliases: dict[tuple[str, ...], str] = {(): fact}
        self.steps: dict[tuple[str, ...], tuple[Join, str, str]] = {}  # path -> (join, parent alias, alias)
        self.inner: set[tuple[str, ...]] = set()

    def alias_of_path(self, path: tuple[Join, ...], inner: bool = True) -> str:
        key: tuple[str, ...] = ()
        for j in path:
            parent = self.aliases[key]
            key = (*key, j.qualified)
            if key not in self.aliases:
                alias = (
                    j.to_table
                    if j.to_table not in self.aliases.values()
                    else f"{j.to_table}_{len(self.aliases)}"
                )
                self.aliases[key] = alias
                self.steps[key] = (j, parent, alias)
            if inner:
                self.inner.add(key)
        return self.aliases[key]

    @property
    def clauses(self) -> list[exp.Join]:
        """JOIN clauses in the order the paths were first used."""
        out = []
        for key, (j, parent, alias) in self.steps.items():
            cond = exp.and_(
                *(exp.column(b, table=alias).eq(exp.column(a, table=parent)) for a, b in j.on), copy=False
            )
            side = None if key in self.inner else "LEFT"
            out.append(exp.Join(this=exp.to_table(j.to_table).as_(alias, table=True), on=cond, side=side))
        return out

    def alias_of_table(self, base: str, base_alias: str, table: str | None) -> str:
        """Alias of ``table`` reached from ``base`` (itself when None)."""
        if table is None or table == base:
            return base_alias
        if base != self.fact:
            raise CompileError(f"expression on '{base}' refers to another table '{table}'")
        path = self.model.join_path(base, table)
        if path is None:
            raise CompileError(f"no join path from '{base}' to '{table}'", table=table)
        return self.alias_of_path(path, inner=False)


def shifted(side: Side, t: exp.Expression) -> exp.Expression:
    """The side's date expression ``t``, moved by the comparison shift for the previous period."""
    if side.shift:
        t = exp.DateAdd(
            this=t, expression=exp.Literal.number(side.shift.amount), unit=exp.var(side.shift.unit)
        )
    return t


def dimension_expr(model: SemanticModel, joins: Joins, side: Side, name: str) -> exp.Expression:
    table = model.tables[side.table]
    if name in TIME_GRAINS:
        return grain_expr(
            name, shifted(side, exp.column(side.time_column, table=side.table)), table.time_columns[side.time_column]
        )
    found = model.dimension_path(name, side.table)
    if found is None:
        raise CompileError(f"dimension '{name}' cannot be reached from table '{side.table}'", dimension=name)
    src, path = found
    alias = joins.alias_of_path(path)
    metric_time = exp.column(side.time_column, table=side.table)
    return qualify(src.tree, lambda t: joins.alias_of_table(src.table, alias, t), metric_time)


def period_filter(side: Side, t: exp.Expression) -> list[exp.Expression]:
    r = side.time_range
    if side.window is MetricType.TRAILING:
        if r is None:
            end: exp.Expression = exp.CurrentDate()
            start: exp.Expression = exp.DateAdd(
                this=exp.CurrentDate(),
                expression=exp.Literal.number(-(side.window_months or 0)),
                unit=exp.var("MONTH"),
            )
        else:
            end, start = date_lit(r.end), date_lit(trailing_start(r.end, side.window_months or 0))
        return [t >= start, t < end]
    if r is None:
        return []
    out = [t < date_lit(r.end)]
    if r.start and side.window is not MetricType.CUMULATIVE:
        out.insert(0, t >= date_lit(r.start))
    return out


def agg_value(model: SemanticModel, joins: Joins, side: Side, agg: AggColumn) -> exp.Expression | None:
    """Row-level value of an aggregate (for a conversion: 1.0 when the follow-up exists)."""
    m, base = agg.metric, side.table
    if m.type is MetricType.CONVERSION and m.conversion is not None:
        c = m.conversion
        sub_alias = f"{c.table}_followup"
        day = exp.cast(exp.column(side.time_column, table=base), exp.DataType.Type.DATE)
        when = exp.column(c.time_column, table=sub_alias)
        conds = [
            exp.column(c.entity, table=sub_alias).eq(exp.column(c.entity, table=base)),
            when >= day,
            when
            <= exp.DateAdd(
                this=day.copy(), expression=exp.Literal.number(c.window_days), unit=exp.var("DAY")
            ),
        ]
        if c.filter_tree is not None:
            conds.insert(1, qualify(c.filter_tree, lambda _t: sub_alias))
        sub = (
            exp.Select(expressions=[exp.Literal.number(1)])
            .from_(exp.to_table(c.table).as_(sub_alias, table=True), copy=False)
            .where(exp.and_(*conds, copy=False), copy=False)
        )
        exists = exp.Exists(this=sub)
        return exp.Case(
            ifs=[exp.If(this=exists, true=exp.Literal.number("1.0"))], default=exp.Literal.number("0.0")
        )
    tree = agg.measure.expr_tree
    return None if tree is None else qualify(tree, lambda t: joins.alias_of_table(base, base, t))


def _filter_expr(
    model: SemanticModel, joins: Joins, side: Side, dim: str, op: FilterOp, values: tuple[str, ...]
) -> exp.Expression:
    target = dimension_expr(model, joins, side, dim)
    if dim in TIME_GRAINS:
        lits = [grain_literal(dim, v) for v in values]
    else:
        lits = [exp.Literal.string(v) for v in values]
    if not lits:
        raise CompileError(f"filter on '{dim}' has no values", dimension=dim)
    cond: exp.Expression = exp.In(this=target, expressions=lits)
    return exp.Not(this=cond) if op in (FilterOp.NE, FilterOp.NOT_IN) else cond


def build_side(
    model: SemanticModel,
    plan: Plan,
    side: Side,
    deferred: Mapping[str, Deferred] | None = None,
    late: Collection[int] = (),
) -> exp.Select:
    """The aggregation SELECT of ``side``, its output columns named after dimensions and aggregates.

    A ``deferred`` dimension is grouped by the fact's key column (output ``<dimension>__key``)
    and the filters at positions ``late`` are left to the combining SELECT.
    """
    deferred = deferred or {}
    base = side.table
    joins = Joins(model, base)
    buckets, lowest = (
        _trailing_buckets(plan, side)
        if side.window is MetricType.TRAILING and plan.grains()
        else (None, None)
    )
    keys = [
        (deferred[d].key_name, exp.column(deferred[d].fact_keys[side.name], table=base))
        if d in deferred
        else (
            d,
            exp.column(d, table=BUCKETS)
            if buckets is not None and d in TIME_GRAINS
            else dimension_expr(model, joins, side, d),
        )
        for d in plan.dimensions
    ]
    t = exp.column(side.time_column, table=base)
    if buckets is not None and lowest is not None and side.time_range is not None:
        where = [t >= date_lit(lowest), t < date_lit(side.time_range.end)]
    else:
        where = period_filter(side, t)
    where += [
        _filter_expr(model, joins, side, f.dimension, f.op, f.values)
        for i, f in enumerate(plan.query.filters)
        if i not in late
    ]
    conditions = [
        qualify(a.measure.filter_tree, lambda t: joins.alias_of_table(base, base, t))
        if a.measure.filter_tree
        else None
        for a in side.aggs
    ]
    unique = list(dict.fromkeys(c for c in conditions if c is not None))  # expressions hash by structure
    shared = None
    having = None
    if unique and all(c is not None for c in conditions):
        if len(unique) == 1:
            shared = unique[0]
            where.append(shared.copy())
        elif (keys or buckets is not None) and all(_counts_rows(a) for a in side.aggs):
            # grouped conditional counts: a group has a row for some aggregate when one of
            # its counts is above 0, which the aggregation computes anyway (the same groups
            # as the OR in WHERE, without evaluating it on every row: ~20% of the run time)
            having = exp.or_(
                *(exp.GT(this=exp.CountIf(this=c.copy()), expression=exp.Literal.number(0)) for c in unique),
                copy=False,
            )
        elif keys or buckets is not None:
            # grouped: the OR keeps groups with no row for any aggregate out, as before
            where.append(exp.or_(*(c.copy() for c in unique), copy=False))
        # without groups the OR would only prune rows, and costs more than it saves when the
        # filters are not selective; the one difference: when rows of the period exist but
        # none matches any filter, counts are 0 (as a single count metric's) instead of NULL
    selects = [exp.alias_(e, name, copy=False) for name, e in keys]
    for a, cond in zip(side.aggs, conditions, strict=True):
        value = agg_value(model, joins, side, a)
        selects.append(
            exp.alias_(
                aggregate(a.measure.agg, value, None if shared is not None else cond), a.name, copy=False
            )
        )
    query = exp.Select(expressions=selects).from_(exp.to_table(base).as_(base, table=True), copy=False)
    if buckets is not None:
        query = query.join(buckets, copy=False)
    for j in joins.clauses:
        query = query.join(j, copy=False)
    if where:
        query = query.where(exp.and_(*where, copy=False), copy=False)
    if keys:
        query = query.group_by(*(group_expr(e).copy() for _, e in keys), copy=False)
    if having is not None:
        query = query.having(having, copy=False)
    if is_windowed(plan, side):
        return _running(plan, side, query)
    return query


def group_expr(key: exp.Expression) -> exp.Expression:
    """What a group key is grouped by: a calendar bucket ``CAST(<truncation> AS DATE)`` by
    the truncation itself (the same groups: a truncation is at midnight), so that the cast
    is computed once per group rather than once per row (~20% of a month-by-month sum)."""
    if (
        isinstance(key, exp.Cast)
        and key.to.is_type(exp.DataType.Type.DATE)
        and isinstance(key.this, (exp.DateTrunc, exp.TimestampTrunc))
    ):
        return key.this
    return key


def _counts_rows(agg: AggColumn) -> bool:
    """Whether ``agg`` counts the rows where its filter holds (``COUNT_IF``)."""
    return (
        agg.measure.agg is Agg.COUNT and agg.measure.expr_tree is None and agg.measure.filter_tree is not None
    )


def is_windowed(plan: Plan, side: Side) -> bool:
    """Whether the side's SELECT wraps its aggregation in a window (a running total by grain)."""
    return side.window is MetricType.CUMULATIVE and bool(plan.grains())


BUCKETS = "buckets"
DEFAULT_TRAILING_BUCKETS = 12


def _step(grain: str, d: dt.date) -> dt.date:
    if grain == "day":
        return d + dt.timedelta(days=1)
    if grain == "week":
        return d + dt.timedelta(days=7)
    return add_months(d, {"month": 1, "quarter": 3, "year": 12}[grain])


def _trailing_buckets(plan: Plan, side: Side) -> tuple[exp.Join, dt.date]:
    """JOIN of the fact rows to the buckets whose trailing window holds them.

    Each bucket of the period is labelled by its first day; its window is the
    ``window_months`` before its end (the next bucket's start, or the period's end). Without
    a period start the last 12 buckets are shown.
    """
    grain, r = plan.grains()[0], side.time_range
    assert r is not None
    first = truncate_date(grain, r.start) if r.start else None
    if first is None:
        first = truncate_date(grain, r.end - dt.timedelta(days=1))
        for _ in range(DEFAULT_TRAILING_BUCKETS - 1):
            first = _back(grain, first)
    rows = []
    label = first
    lowest = trailing_start(min(_step(grain, first), r.end), side.window_months or 0)
    while label < r.end:
        end = min(_step(grain, label), r.end)
        rows.append((date_lit(label), date_lit(trailing_start(end, side.window_months or 0)), date_lit(end)))
        label = _step(grain, label)
    values = exp.values(rows, alias=BUCKETS, columns=[grain, "window_start", "window_end"])
    t = exp.column(side.time_column, table=side.table)
    on = exp.and_(
        t >= exp.column("window_start", table=BUCKETS),
        t < exp.column("window_end", table=BUCKETS),
        copy=False,
    )
    return exp.Join(this=values, on=on), lowest


def _back(grain: str, d: dt.date) -> dt.date:
    if grain in ("day", "week"):
        return d - dt.timedelta(days=1 if grain == "day" else 7)
    return add_months(d, -{"month": 1, "quarter": 3, "year": 12}[grain])


def _running(plan: Plan, side: Side, inner: exp.Select) -> exp.Select:
    """Running totals over the grain buckets, kept from the period's first bucket on."""
    grain = plan.grains()[0]
    others = [d for d in plan.dimensions if d != grain]
    window_cols = []
    for a in side.aggs:
        over = exp.Window(
            this=exp.Sum(this=exp.column(a.name)),
            partition_by=[exp.column(d) for d in others] or None,
            order=exp.Order(expressions=[exp.Ordered(this=exp.column(grain))]),
            spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
        )
        window_cols.append(exp.alias_(over, a.name))
    running = exp.select(*(exp.column(d) for d in plan.dimensions), *window_cols).from_(
        inner.subquery("buckets")
    )
    start = plan.query.time_range.start if plan.query.time_range else None  # previous buckets are shifted
    if start:
        first = truncate_date(grain, start)
        return exp.select("*").from_(running.subquery("running")).where(exp.column(grain) >= date_lit(first))
    return running
