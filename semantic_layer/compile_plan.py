"""Stage 1 of the compiler: check a SemanticQuery against the model and plan its fact sides.

A *side* is one aggregation over one fact table for one period: every leaf metric
(simple, ratio, conversion, cumulative, trailing) lands on the side of its table and
window kind; derived metrics are expanded into their leaves. Nothing here builds SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from semantic_layer.compile_exprs import add_months
from semantic_layer.errors import CompileError
from semantic_layer.model import Measure, Metric, MetricType, SemanticModel
from semantic_layer.query import TIME_GRAINS, SemanticQuery, TimeRange

CURRENT, PREVIOUS = "current", "previous"
CALENDAR_GRAINS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class AggColumn:
    """One aggregate column of a side: ``name`` computed from ``measure`` of ``metric``."""

    name: str
    metric: Metric
    measure: Measure


@dataclass(frozen=True)
class Shift:
    """How far the previous period's dates move to line up with the current period's buckets."""

    amount: int
    unit: str  # "MONTH" or "DAY"


@dataclass
class Side:
    """One aggregation CTE: a fact table, its date column, a window kind and a period."""

    name: str
    table: str
    time_column: str
    window: MetricType  # SIMPLE for [start, end); CUMULATIVE; TRAILING
    period: str
    time_range: TimeRange | None
    shift: Shift | None = None
    window_months: int | None = None
    aggs: list[AggColumn] = field(default_factory=list)


@dataclass
class Plan:
    """The checked query: output dimensions, requested metrics and the sides to aggregate."""

    query: SemanticQuery
    metrics: tuple[Metric, ...]
    dimensions: tuple[str, ...]
    sides: list[Side]
    leaf_side: dict[tuple[str, str], Side]  # (leaf metric name, period) -> side
    periods: tuple[str, ...]

    def grains(self) -> tuple[str, ...]:
        """The time grains among the output dimensions."""
        return tuple(d for d in self.dimensions if d in TIME_GRAINS)


def leaves(model: SemanticModel, metric: Metric) -> list[Metric]:
    """The non-derived metrics ``metric`` is computed from (itself when not derived)."""
    if metric.type is not MetricType.DERIVED:
        return [metric]
    out: list[Metric] = []
    for c in metric.components:
        for leaf in leaves(model, model.metrics[c]):
            if leaf not in out:
                out.append(leaf)
    return out


def _all_names(model: SemanticModel, metric: Metric) -> set[str]:
    names = {metric.name}
    for c in metric.components:
        names |= _all_names(model, model.metrics[c])
    return names


def _check(model: SemanticModel, q: SemanticQuery, allowed: frozenset[str] | None) -> tuple[Metric, ...]:
    if not q.metrics:
        raise CompileError("the query names no metric")
    metrics = []
    for name in dict.fromkeys(q.metrics):
        if name not in model.metrics:
            raise CompileError(f"unknown metric '{name}'", metric=name)
        m = model.metrics[name]
        if allowed is not None:
            denied = sorted(_all_names(model, m) - allowed)
            if denied:
                raise CompileError(
                    f"metric '{name}' is not available to this role (needs {', '.join(denied)})", metric=name
                )
        metrics.append(m)
    wanted = [*q.dimensions, *(f.dimension for f in q.filters)]
    for d in wanted:
        if d not in model.dimensions and d not in TIME_GRAINS:
            raise CompileError(f"unknown dimension '{d}'", dimension=d)
    if len(set(q.dimensions)) != len(q.dimensions):
        raise CompileError("a dimension is listed twice", dimensions=list(q.dimensions))
    for m in metrics:
        reachable = model.dimensions_for(m.name)
        for d in wanted:
            if d not in TIME_GRAINS and d not in reachable:
                raise CompileError(
                    f"metric '{m.name}' cannot be broken down or filtered by '{d}'",
                    metric=m.name,
                    dimension=d,
                )
    outputs = {*q.dimensions, *(m.name for m in metrics)}
    if q.compare_range:  # "which location grew the most": ranked by the change
        outputs |= {f"{m.name}{suffix}" for m in metrics for suffix in ("_previous", "_change")}
    for o in q.order_by:
        if o.field not in outputs:
            extra = " (nor a metric's _previous or _change)" if q.compare_range else ""
            raise CompileError(
                f"cannot order by '{o.field}': it is not a metric or dimension of the query{extra}", field=o.field
            )
    if q.limit is not None and q.limit < 1:
        raise CompileError("limit must be at least 1", limit=q.limit)
    if q.compare_range and not q.time_range:
        raise CompileError("a comparison period needs a time range to compare with")
    for r in (q.time_range, q.compare_range):
        if r and r.start and r.start >= r.end:
            raise CompileError(f"empty time range {r.start} .. {r.end}", time_range=r.to_dict())
    return tuple(metrics)


def _shift(q: SemanticQuery, grains: tuple[str, ...]) -> Shift | None:
    """Offset that maps the compare period's calendar buckets onto the current period's."""
    cur, cmp_ = q.time_range, q.compare_range
    if not cur or not cmp_ or not any(g in CALENDAR_GRAINS for g in grains):
        return None
    a, b = cur.start or cur.end, cmp_.start or cmp_.end
    if a.day == b.day and not ({"day", "week"} & set(grains)):
        return Shift((a.year - b.year) * 12 + a.month - b.month, "MONTH")
    days = (a - b).days
    if "week" in grains:
        days = round(days / 7) * 7
    return Shift(days, "DAY")


def window_of(m: Metric) -> MetricType:
    return m.type if m.type in (MetricType.CUMULATIVE, MetricType.TRAILING) else MetricType.SIMPLE


def plan_query(model: SemanticModel, q: SemanticQuery, allowed_metrics: frozenset[str] | None = None) -> Plan:
    """Check ``q`` against ``model`` and lay out the sides to aggregate; raises CompileError."""
    metrics = _check(model, q, allowed_metrics)
    grains = tuple(d for d in q.dimensions if d in TIME_GRAINS)
    periods = (CURRENT, PREVIOUS) if q.compare_range else (CURRENT,)
    sides: dict[tuple, Side] = {}
    leaf_side: dict[tuple[str, str], Side] = {}
    all_leaves: list[Metric] = []
    for m in metrics:
        all_leaves += [x for x in leaves(model, m) if x not in all_leaves]
    for leaf in all_leaves:
        window = window_of(leaf)
        if window is MetricType.TRAILING and grains:
            if len(grains) > 1 or grains[0] not in CALENDAR_GRAINS or q.compare_range:
                raise CompileError(
                    f"'{leaf.name}' is a trailing-window count: it can be split by one of day, week, month,"
                    " quarter or year, without a comparison period",
                    metric=leaf.name,
                )
            if q.time_range is None:
                raise CompileError(f"'{leaf.name}' split by {grains[0]} needs a period end", metric=leaf.name)
        if window is MetricType.CUMULATIVE and set(grains) - set(CALENDAR_GRAINS):
            raise CompileError(
                f"'{leaf.name}' is a running total and can only be split by day, week, month, quarter or year",
                metric=leaf.name,
            )
        for period in periods:
            key = (leaf.table, leaf.time_column, window, leaf.window_months, period)
            if key not in sides:
                suffix = {
                    MetricType.SIMPLE: "",
                    MetricType.CUMULATIVE: "_running",
                    MetricType.TRAILING: "_trailing",
                }[window]
                name = f"{leaf.table}{suffix}_agg{'_previous' if period == PREVIOUS else ''}"  # never a table name
                sides[key] = Side(
                    name=name,
                    table=leaf.table,
                    time_column=leaf.time_column,
                    window=window,
                    period=period,
                    time_range=q.time_range if period == CURRENT else q.compare_range,
                    shift=_shift(q, grains) if period == PREVIOUS else None,
                    window_months=leaf.window_months,
                )
            side = sides[key]
            if leaf.type is MetricType.RATIO:
                side.aggs += [
                    AggColumn(f"{leaf.name}__num", leaf, leaf.numerator),
                    AggColumn(f"{leaf.name}__den", leaf, leaf.denominator),
                ]
            else:
                side.aggs.append(AggColumn(leaf.name, leaf, leaf.measure))
            leaf_side[(leaf.name, period)] = side
    return Plan(q, metrics, tuple(q.dimensions), list(sides.values()), leaf_side, periods)


def trailing_start(end: dt.date, months: int) -> dt.date:
    """First day of a trailing window of ``months`` ending (exclusive) at ``end``."""
    return add_months(end, -months)
