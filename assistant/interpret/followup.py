"""Follow-ups: keep the previous semantic query and change only what the new turn names.

"and by provider?" replaces the breakdown; "what about 2024?" the period; "and Lakeview?"
the location filter; "break that down by appointment type" adds a breakdown; "same for
last year" moves the period; "what about the cancellation rate?" swaps the metric.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from semantic_layer.query import TIME_GRAINS, OrderBy, SemanticQuery

if TYPE_CHECKING:
    from assistant.interpret.builtin import BuiltinInterpreter, Interpretation, Parsed
    from assistant.interpret.readings import Readings

LEADS = (
    "and",
    "what",
    "how",
    "same",
    "now",
    "also",
    "ok",
    "okay",
    "then",
    "only",
    "just",
    "instead",
    "but",
    "break",
    "split",
    "drill",
    "show",
    "for",
    "at",
    "in",
    "by",
    "compare",
    "versus",
    "vs",
)
# Edits of the previous answer: "drop the breakdown", "remove the filter", "and the other locations?"
DROP_WORDS = ("drop", "remove", "without", "no", "lose", "clear", "hide", "ditch", "undo", "forget", "take")
BREAKDOWN_WORDS = ("breakdown", "breakdowns", "grouping", "groupings", "split", "groups", "dimension", "dimensions")
FILTER_WORDS = ("filter", "filters", "condition", "conditions")
COMPARE_WORDS = ("comparison", "comparisons")
OTHER_WORDS = ("other", "others", "rest")
VIEW_WORDS = frozenset(BREAKDOWN_WORDS + FILTER_WORDS + COMPARE_WORDS + ("sort", "sorting", "order", "limit", "chart"))
REFERS = ("that", "this", "it", "those", "these", "same", "instead", "also", "too", "again", "them")
ADD_WORDS = ("break", "split", "drill", "further", "also")


def edits(p: Parsed) -> set[str]:
    """What a turn asks to change in the previous answer without naming a new value:
    ``no_breakdown``, ``no_filter``, ``no_compare`` ("drop the breakdown") and ``others``
    ("and the other locations?": the members the previous filter left out)."""
    words = p.words
    out: set[str] = set()
    if any(w in DROP_WORDS for w in words):
        if any(w in BREAKDOWN_WORDS for w in words):
            out.add("no_breakdown")
        if any(w in FILTER_WORDS for w in words):
            out.add("no_filter")
        if any(w in COMPARE_WORDS for w in words):
            out.add("no_compare")
    if any(w in OTHER_WORDS for w in words):
        out.add("others")
    return out


def is_followup(p: Parsed, r: Readings) -> bool:
    """True when the turn leans on the previous one (no metric of its own, or words that point back)."""
    words = p.words
    if not words:
        return False
    if not r.named_metric:
        return bool(
            edits(p)
            or r.named_dims
            or r.named_grain
            or r.named_filter_dims
            or r.named_time
            or r.named_order
            or r.compare_range
            or r.compare_unit
            or r.unknown
            or (r.mentioned_dims and any(w in ("all", "every", "overall", "total", "across") for w in words))
        )
    starts = words[0] in ("and", "also", "now", "then", "same", "instead", "but", "only", "just") or words[
        :2
    ] in (
        ["what", "about"],
        ["how", "about"],
    )
    return starts or any(w in REFERS for w in words)


def merge(
    interp: BuiltinInterpreter, prev: SemanticQuery, p: Parsed, r: Readings, as_of: dt.date
) -> Interpretation:
    """The previous query with what this turn names replaced (or added)."""
    from assistant.interpret.builtin import Interpretation

    metrics = tuple(r.metrics) if r.named_metric and r.metrics else prev.metrics
    if r.unknown and not r.clarify and metrics:
        from assistant.interpret.readings import clarify_breakdown

        r.metrics = list(metrics)
        clarify_breakdown(interp, r)
    if r.clarify and r.choices:
        return Interpretation("clarify", message=r.clarify, choices=tuple(r.choices), followup=True)
    prev_grains = [d for d in prev.dimensions if d in TIME_GRAINS]
    prev_dims = [d for d in prev.dimensions if d not in TIME_GRAINS]
    new_dims = [d for d in r.named_dims if d not in TIME_GRAINS]
    adding = any(w in ADD_WORDS for w in p.words)
    if new_dims or r.named_grain:
        if adding:
            dims = prev_dims + [d for d in new_dims if d not in prev_dims]
            grains = [r.named_grain] if r.named_grain else prev_grains
        else:
            dims = new_dims
            grains = [r.named_grain] if r.named_grain else []
    else:
        dims, grains = prev_dims, prev_grains
    # filters: the ones this turn names replace those on the same dimension
    filters = [f for f in prev.filters if f.dimension not in r.named_filter_dims]
    filters += [f for f in r.filters if f not in filters]
    if not r.named_metric:
        metrics = tuple(_unfiltered(interp, m, r.named_filter_dims) for m in metrics)
    if any(w in ("all", "every", "overall", "total", "across") for w in p.words) and not r.named_filter_dims:
        named = set(r.named_dims) | set(r.mentioned_dims)
        filters = [f for f in filters if f.dimension not in named]  # "now for all locations"
    # multi-member filters on a dimension add it as a breakdown (as in a fresh question)
    for d in r.dimensions:
        if d not in dims and d not in TIME_GRAINS and d in r.named_filter_dims:
            dims.append(d)
    time_range, compare = prev.time_range, prev.compare_range
    year_back = _year_back(p, prev, as_of)
    if year_back is not None:
        time_range, compare = year_back  # "same for last year" after "... in Q2 2026": Q2 2025
    elif r.named_time:
        time_range, compare = r.time_range, r.compare_range
    elif r.compare_unit and time_range is not None and time_range.start is not None:
        from assistant.interpret.timeexpr import comparable_previous, shift_range

        if r.compare_unit == "prev":
            earlier = comparable_previous(time_range)
        else:
            earlier = shift_range(time_range, r.compare_unit, -1)
        if any(w in ("compare", "compared", "comparing", "vs", "versus", "against") for w in p.words):
            compare = earlier  # "compare that to last year"
        else:
            time_range, compare = earlier, None  # "what about the year before?"
    elif r.compare_range is not None:
        compare = r.compare_range
    changes = edits(p)
    if "no_breakdown" in changes and not new_dims:
        dims = []
    if "no_filter" in changes and not r.named_filter_dims:
        filters = []
    if "no_compare" in changes:
        compare = None
    if "others" in changes and not r.named_filter_dims:
        dims, filters = _the_others(prev, r, dims, filters)
    avail = interp.dims_for(metrics[0]) if metrics and metrics[0] in interp.model.metrics else set()
    dims = [d for d in dims if d in avail or not avail]
    dimensions = tuple(dims + [g for g in grains if g])
    if r.named_order:
        order_by = (OrderBy(metrics[0], r.order_desc),)
        limit = r.limit if r.limit is not None else (prev.limit if dimensions else None)
    else:
        keep = set(metrics) | set(dimensions)
        order_by = tuple(
            OrderBy(metrics[0] if o.field in prev.metrics else o.field, o.descending) for o in prev.order_by
        )
        order_by = tuple(o for o in order_by if o.field in keep)
        limit = prev.limit if dimensions else None
        if not order_by and grains and grains[0] not in ("day_of_week", "hour_of_day"):
            order_by = (OrderBy(grains[0], False),)
    q = SemanticQuery(
        metrics=metrics,
        dimensions=dimensions,
        filters=tuple(filters),
        time_range=time_range,
        compare_range=compare,
        order_by=order_by,
        limit=limit,
    )
    return Interpretation("query", q, followup=True, notes=list(r.notes))


def _the_others(prev: SemanticQuery, r: Readings, dims: list[str], filters: list) -> tuple[list[str], list]:
    """"and the other locations?": the members the previous turn's filter left out, one row each."""
    from semantic_layer.query import Filter, FilterOp

    named = [d for d in (*r.named_dims, *r.mentioned_dims) if d not in TIME_GRAINS]
    kept = [f for f in filters if f.op in (FilterOp.IN, FilterOp.EQ) and (not named or f.dimension in named)]
    if len(kept) != 1:
        return dims, filters
    f = kept[0]
    out = [x for x in filters if x is not f] + [Filter(f.dimension, f.values, FilterOp.NOT_IN)]
    return dims + ([f.dimension] if f.dimension not in dims else []), out


def _unfiltered(interp: BuiltinInterpreter, metric: str, dims) -> str:
    """A metric whose definition filters the column a follow-up now filters ("optical revenue by
    location" then "and for contact lenses?") gives way to the same measure without that filter
    (revenue), so the new member is not ANDed with the definition's own members (no rows)."""
    from sqlglot import exp

    m = interp.model.metrics.get(metric)
    meas = getattr(m, "measure", None)
    if m is None or meas is None or meas.filter_tree is None or m.numerator is not None:
        return metric
    own = {c.name for c in meas.filter_tree.find_all(exp.Column)}
    hit = False
    for d in dims:
        dim = interp.model.dimensions.get(d)
        for src in getattr(dim, "sources", ()):
            if src.table == m.table and {c.name for c in src.tree.find_all(exp.Column)} & own:
                hit = True
    if not hit:
        return metric
    for other in interp.model.metrics.values():
        om = other.measure
        if (
            other.type == m.type
            and other.table == m.table
            and other.time_column == m.time_column
            and om is not None
            and om.filter is None
            and om.agg == meas.agg
            and om.expr == meas.expr
            and other.numerator is None
        ):
            return other.name
    return metric


def _year_back(p: Parsed, prev: SemanticQuery, as_of: dt.date):
    """'same for last year', 'last year?' after a period shorter than a year: that period a year earlier.

    Only the relative "last year" (or "the previous / prior year") qualifies, and only when the
    previous period is a dated span shorter than a calendar year (a quarter, a month). A period
    that reads as one named relative to today ("last month", "this quarter") is replaced by
    "last year" like any relative word, and "what about last year?" after "in 2024" means 2025."""
    per = p.time.period
    if per is None or not per.relative or per.unit != "year" or p.time.compare_range is not None:
        return None
    tr = prev.time_range
    if tr is None or tr.start is None:
        return None
    from assistant.interpret.timeexpr import shift_range

    if shift_range(tr, "year", 1).start == tr.end:
        return None  # a whole year: "last year" names its own period
    if _relative_to_today(tr, as_of):
        return None
    cmp = (
        shift_range(prev.compare_range, "year", -1)
        if prev.compare_range and prev.compare_range.start
        else None
    )
    return shift_range(tr, "year", -1), cmp


def _relative_to_today(tr, as_of: dt.date) -> bool:
    """True when ``tr`` is the current or the previous week, month or quarter as of ``as_of``."""
    from assistant.interpret.calendar_math import shift, unit_start

    for unit in ("week", "month", "quarter"):
        cur = unit_start(as_of, unit)
        if (tr.start, tr.end) in ((shift(cur, unit, -1), cur), (cur, as_of), (cur, shift(cur, unit, 1))):
            return True
    return False
