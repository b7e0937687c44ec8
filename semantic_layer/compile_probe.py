"""The last day with data for a metric: one cheap ``MAX`` per fact table it reads.

The narrative says that a period reaching past the data is partial; for that it needs the
last day, before today, on which the metric has rows. Computing the metric per day and
keeping the latest (what a semantic query can say) costs the whole aggregate (for a
conversion metric, a follow-up search per row); the rows that give the metric its data are
enough: ``SELECT MAX(CAST(time AS DATE)) FROM fact WHERE <period> AND <the measures'
filters, OR-ed>``. A day's group of that per-day query exists exactly when such a row
exists, so both give the same day.

Only leaves whose rows are the fact's own rows are handled (simple, ratio and conversion
metrics, and derived metrics made of them, whose filters use only their own table);
running totals and trailing windows have a value on days without rows, so
:func:`compile_last_day` returns None for them and the caller asks the metric itself.

>>> import datetime as dt
>>> from semantic_layer.model import load_model
>>> from semantic_layer.query import TimeRange
>>> [t.sql() for t in compile_last_day(load_model(), "no_shows", TimeRange(dt.date(2026, 1, 1), dt.date(2026, 2, 1)))]
["SELECT MAX(CAST(appointments.scheduled_at AS DATE)) AS day FROM appointments AS appointments WHERE appointments.scheduled_at >= CAST('2026-01-01' AS DATE) AND appointments.scheduled_at < CAST('2026-02-01' AS DATE) AND (appointments.status = 'no_show')"]
"""

from __future__ import annotations

from sqlglot import exp

from semantic_layer.compile_exprs import date_lit, qualify
from semantic_layer.compile_plan import leaves
from semantic_layer.model import MetricType, SemanticModel
from semantic_layer.query import TimeRange

DAY = "day"
_ROW_TYPES = (MetricType.SIMPLE, MetricType.RATIO, MetricType.CONVERSION)


def compile_last_day(model: SemanticModel, metric: str, time_range: TimeRange) -> list[exp.Select] | None:
    """One ``SELECT MAX(day)`` per fact table ``metric`` reads over ``time_range`` (the latest
    of their answers is the metric's last day with data), or None when the metric has values
    on days without rows (running totals, trailing windows) and must be asked itself."""
    filters: dict[tuple[str, str], list[exp.Expression | None]] = {}
    for leaf in leaves(model, model.metrics[metric]):
        if leaf.type not in _ROW_TYPES or leaf.table is None or leaf.time_column is None:
            return None
        for measure in leaf.measures:
            tree = measure.filter_tree
            if tree is not None and any(c.table and c.table != leaf.table for c in tree.find_all(exp.Column)):
                return None  # a filter on a joined table: the metric's own query knows the joins
            filters.setdefault((leaf.table, leaf.time_column), []).append(tree)
    return [_last_day(table, column, conds, time_range) for (table, column), conds in filters.items()]


def _last_day(
    table: str, column: str, conditions: list[exp.Expression | None], time_range: TimeRange
) -> exp.Select:
    t = exp.column(column, table=table)
    where: list[exp.Expression] = []
    if time_range.start is not None:
        where.append(exp.GTE(this=t.copy(), expression=date_lit(time_range.start)))
    if time_range.end is not None:
        where.append(exp.LT(this=t.copy(), expression=date_lit(time_range.end)))
    if all(c is not None for c in conditions):  # one unfiltered measure: every row counts
        own = [exp.paren(qualify(c, lambda _name: table), copy=False) for c in dict.fromkeys(conditions) if c]
        where.append(exp.or_(*own, copy=False) if len(own) > 1 else own[0])
    day = exp.Max(this=exp.cast(t.copy(), exp.DataType.Type.DATE))
    select = exp.select(exp.alias_(day, DAY)).from_(exp.to_table(table).as_(table, table=True))
    return select.where(exp.and_(*where, copy=False), copy=False) if where else select
