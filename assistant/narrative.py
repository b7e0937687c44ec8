"""The narrative: a few sentences written from the result's numbers, nothing else.

It states the value (and its change against the previous comparable period when one
period is asked), the highest and lowest groups of a breakdown with their share of the
total (for additive metrics), the peak and low of a trend, and both sides of a
comparison. Numbers are formatted per the metric's format (percent, currency, minutes,
hours, count, score).

>>> fmt_value(0.0842, "percent"), fmt_value(12345.6, "currency"), fmt_value(14.26, "minutes")
('8.4%', '$12,346', '14.3 min')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from semantic_layer.query import TIME_GRAINS, TimeRange


def fmt_value(v: Any, fmt: str) -> str:
    """One number as shown to a manager."""
    if v is None:
        return "n/a"
    x = float(v)
    if fmt == "percent":
        return f"{x * 100:.1f}%"
    if fmt == "currency":
        return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"
    if fmt == "minutes":
        return f"{x:.1f} min"
    if fmt == "hours":
        return f"{x:,.1f} h"
    if fmt == "count":
        return f"{x:,.0f}" if x == int(x) else f"{x:,.1f}"
    return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.1f}"


def fmt_change(cur: float, prev: float, fmt: str) -> str:
    """'up 12.0%' or, for percentages, 'up 1.2 points'; 'unchanged' when it rounds to zero.

    >>> fmt_change(0.5891, 0.58912, "percent"), fmt_change(110, 100, "count")
    ('unchanged', 'up 10.0%')
    """
    if fmt == "percent":
        diff = round((cur - prev) * 100, 1)
        unit = " points"
    elif prev == 0:
        return "up from zero" if cur else "unchanged"
    else:
        diff = round((cur - prev) / abs(prev) * 100, 1)
        unit = "%"
    if diff == 0:
        return "unchanged"
    return f"{'up' if diff > 0 else 'down'} {abs(diff):.1f}{unit}"


def fmt_period(r: TimeRange | None) -> str:
    """'in 2025', 'in Q3 2026', 'in September 2026', 'from 2026-08-03 to 2026-09-27', 'to date'."""
    if r is None:
        return "to date"
    s, e = r.start, r.end
    if s is None:
        return f"up to {(e - dt.timedelta(days=1)).isoformat()}"
    last = e - dt.timedelta(days=1)
    if s.day == 1 and s.month == 1 and e == dt.date(s.year + 1, 1, 1):
        return f"in {s.year}"
    if s.day == 1 and e.day == 1 and (e.year * 12 + e.month) - (s.year * 12 + s.month) == 1:
        return f"in {s.strftime('%B %Y')}"
    if (
        s.day == 1
        and e.day == 1
        and s.month % 3 == 1
        and (e.year * 12 + e.month) - (s.year * 12 + s.month) == 3
    ):
        return f"in Q{(s.month - 1) // 3 + 1} {s.year}"
    if s == last:
        return f"on {s.isoformat()}"
    return f"from {s.isoformat()} to {last.isoformat()}"


@dataclass(frozen=True)
class MetricInfo:
    """What the narrative needs to know of a metric."""

    name: str
    label: str
    fmt: str
    additive: bool = False  # a sum or count: groups add up to a total, so shares mean something


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


_NAMED_BY_DIMENSION = frozenset({"gender", "age_band", "zip3", "hour_of_day", "day", "week", "month", "quarter", "year"})


def scope(filters: Sequence[Any], dimensions: Sequence[str]) -> str:
    """The filters the answer's groups do not show, in words: "for contact lens exam",
    "excluding Downtown", "for age band 65+" (empty when every filter is a group of the result).

    >>> from semantic_layer.query import Filter, FilterOp
    >>> scope([Filter("appointment_type", ("contact_lens_exam",)), Filter("location", ("Downtown",), FilterOp.NOT_IN)], [])
    'for contact lens exam, excluding Downtown'
    >>> scope([Filter("product_category", ("frames", "sunglasses"), FilterOp.NOT_IN)], [])
    'excluding frames and sunglasses'
    >>> scope([Filter("location", ("Lakeview",))], ["location"])
    ''
    """
    kept, left_out = [], []
    for f in filters:
        negative = str(getattr(f.op, "value", f.op)) in ("!=", "not in")
        if f.dimension in dimensions and not negative:
            continue  # the groups show it
        values = (" and " if negative else " or ").join(_label_cell(v, f.dimension) for v in f.values)
        if f.dimension in _NAMED_BY_DIMENSION:
            values = f"{f.dimension.replace('_', ' ')} {values}"
        (left_out if negative else kept).append(values)
    parts = ([f"for {' and '.join(kept)}"] if kept else []) + [f"excluding {v}" for v in left_out]
    return ", ".join(parts)


def _label_cell(v: Any, dim: str) -> str:
    if isinstance(v, (dt.date, dt.datetime)):
        d = v.date() if isinstance(v, dt.datetime) else v
        if dim == "month":
            return d.strftime("%b %Y")
        if dim == "year":
            return str(d.year)
        if dim == "quarter":
            return f"Q{(d.month - 1) // 3 + 1} {d.year}"
        return d.isoformat()
    if (
        isinstance(v, str)
        and len(v) >= 10
        and v[4] == "-"
        and dim in ("month", "year", "quarter", "week", "day")
    ):
        try:
            return _label_cell(dt.date.fromisoformat(v[:10]), dim)
        except ValueError:
            return v
    return (
        str(v).replace("_", " ")
        if dim not in ("provider", "staff_member", "campaign", "location")
        else str(v)
    )


def write(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    metrics: Sequence[MetricInfo],
    dimensions: Sequence[str],
    time_range: TimeRange | None = None,
    compare_range: TimeRange | None = None,
    previous: Mapping[str, Any] | None = None,
    previous_range: TimeRange | None = None,
    truncated: bool = False,
    data_end: dt.date | None = None,
) -> str:
    """The narrative of one result (``previous``: metric -> value of the previous period, if run).

    ``data_end``: the last day with data; a period running past it is called partial and is
    not set against a full one as a change."""
    if not rows:
        return f"No data {fmt_period(time_range)} for that question."
    idx = {c: i for i, c in enumerate(columns)}
    m = metrics[0]
    if m.name not in idx:
        return f"{len(rows)} rows."
    mi = idx[m.name]
    out: list[str] = []
    cats = [d for d in dimensions if d in idx and d not in TIME_GRAINS]
    grains = [d for d in dimensions if d in idx and d in TIME_GRAINS]
    prev_col = f"{m.name}_previous"
    if not dimensions:
        for info in metrics:
            if info.name not in idx:
                continue
            v = rows[0][idx[info.name]]
            partial = _partial(time_range, data_end)
            note = f" (partial: data only up to {partial.isoformat()})" if partial else ""
            if partial and time_range is not None and time_range.start is None:
                note = f" (data up to {partial.isoformat()})"  # all the data: nothing is missing
            if (
                data_end
                and time_range
                and time_range.start
                and data_end < time_range.start
                and _num(v) in (None, 0)
            ):
                note = f" (no data yet: the data ends on {data_end.isoformat()})"
            s = f"{info.label} {fmt_period(time_range)}{note}: {fmt_value(v, info.fmt)}"
            pv = rows[0][idx[f"{info.name}_previous"]] if f"{info.name}_previous" in idx else None
            if pv is None and previous and previous.get(info.name) is not None:
                pv, cmp_r = previous[info.name], previous_range
            else:
                cmp_r = compare_range
            if pv is not None and _num(v) is not None and _num(pv) is not None and partial:
                s += f"; {fmt_period(cmp_r)} it was {fmt_value(pv, info.fmt)} (not compared: this period is partial)"
            elif pv is not None and _num(v) is not None and _num(pv) is not None:
                change = fmt_change(float(v), float(pv), info.fmt).removesuffix(" from zero")  # "up from 0 ..."
                s += f", {change} from {fmt_value(pv, info.fmt)} {fmt_period(cmp_r)}"
            out.append(s + ".")
        return " ".join(out)
    if grains and not cats:
        g = grains[0]
        series = [(r[idx[g]], _num(r[mi])) for r in rows if _num(r[mi]) is not None]
        if not series:
            return f"{m.label} has no values {fmt_period(time_range)}."
        chronological = all(str(a[0]) <= str(b[0]) for a, b in zip(series, series[1:], strict=False))
        if g in ("day_of_week", "hour_of_day") or len(dimensions) > 1 or not chronological:
            return _ranking(series, m, [g], additive=m.additive)
        cut = _series_cut(time_range, data_end)
        edge = series[-1] if cut and len(series) > 2 and _bucket_end(series[-1][0], g, cut) else None
        head = series[0] if len(series) > 3 and _starts_before(series[0][0], g, time_range) else None
        full = series[(1 if head else 0) : (-1 if edge else None)]
        hi = max(full, key=lambda t: t[1])
        lo = min(full, key=lambda t: t[1])
        first, last = full[0], full[-1]
        out.append(
            f"{m.label} by {g.replace('_', ' ')} {fmt_period(time_range)}: highest {fmt_value(hi[1], m.fmt)} in "
            f"{_label_cell(hi[0], g)}, lowest {fmt_value(lo[1], m.fmt)} in {_label_cell(lo[0], g)}"
            + (" (full periods)." if edge or head else ".")
        )
        if head:
            out.append(f"{_label_cell(head[0], g)} is only partly inside the range and is left out of that.")
        if edge:
            out.append(
                f"{_label_cell(edge[0], g)} is partial (data up to {(cut - dt.timedelta(days=1)).isoformat()}): "
                f"{fmt_value(edge[1], m.fmt)} so far."
            )
        if len(full) > 1:
            out.append(
                f"The latest, {_label_cell(last[0], g)}, was {fmt_value(last[1], m.fmt)} "
                f"({fmt_change(last[1], first[1], m.fmt).removesuffix(' from zero')} from {_label_cell(first[0], g)})."
            )
        return " ".join(out)
    d = cats[0]
    keys = cats + grains
    series = [(", ".join(_label_cell(r[idx[c]], c) for c in keys), _num(r[mi])) for r in rows]
    series = [s for s in series if s[1] is not None]
    if not series:
        return f"{m.label} has no values {fmt_period(time_range)}."
    if prev_col in idx and len(cats) == 1:
        parts = []
        for r in rows[:6]:
            cur, pv = _num(r[mi]), _num(r[idx[prev_col]])
            if cur is not None and pv is not None:
                parts.append(
                    f"{r[idx[d]]} {fmt_value(cur, m.fmt)} vs {fmt_value(pv, m.fmt)} ({fmt_change(cur, pv, m.fmt)})"
                )
        if parts:
            return (
                f"{m.label} {fmt_period(time_range)} vs {fmt_period(compare_range).removeprefix('in ')}: "
                + "; ".join(parts)
                + "."
            )
    text = _ranking(series, m, keys, additive=m.additive and len(keys) == 1)
    if time_range and time_range.start:
        text = f"{text[:-1]} {fmt_period(time_range)}."
    partial = _partial(time_range, data_end)
    if partial:
        text += f" The period is partial: data only up to {partial.isoformat()}."
    if truncated:
        text += " (The result was cut at the row limit.)"
    return text + _caution(m, len(series))


def _ranking(series: list[tuple[Any, float]], m: MetricInfo, dims: list[str], *, additive: bool) -> str:
    ranked = sorted(series, key=lambda t: t[1], reverse=True)
    hi, lo = ranked[0], ranked[-1]
    total = sum(v for _, v in series) if additive else None
    dim = dims[0]
    label = (lambda v: _label_cell(v, dim)) if len(dims) == 1 else str
    what = " and ".join(d.replace("_", " ") for d in dims)
    if len(ranked) == 1:
        return f"{m.label} for {label(hi[0])}: {fmt_value(hi[1], m.fmt)}."
    s = f"{m.label} by {what} ({len(ranked)} groups): highest {label(hi[0])} ({fmt_value(hi[1], m.fmt)}"
    if total:
        s += f", {hi[1] / total * 100:.1f}% of the total {fmt_value(total, m.fmt)}"
    s += f"), lowest {label(lo[0])} ({fmt_value(lo[1], m.fmt)}"
    if total:
        s += f", {lo[1] / total * 100:.1f}%"
    return s + ")."


def _caution(m: MetricInfo, n: int) -> str:
    """A rate over many groups: say that the extremes may rest on few rows."""
    if m.fmt == "percent" and n >= SMALL_GROUP_CAUTION:
        return f" Across {n} groups some rest on few appointments: the extremes may be chance."
    return ""


SMALL_GROUP_CAUTION = 8  # rates over this many groups: the highest and lowest are often small groups


def _partial(tr: TimeRange | None, data_end: dt.date | None) -> dt.date | None:
    """The last day of data when the period ``tr`` runs past it, else None."""
    if tr is None or data_end is None or tr.end is None:
        return None
    if data_end < tr.end - dt.timedelta(days=1) and (tr.start is None or data_end >= tr.start):
        return data_end
    return None


def _series_cut(tr: TimeRange | None, data_end: dt.date | None) -> dt.date | None:
    """Where a series' data stops: the end of the range or the day after the last data, whichever is first."""
    ends = [d for d in (tr.end if tr else None, data_end + dt.timedelta(days=1) if data_end else None) if d]
    return min(ends) if ends else None


def _starts_before(v: Any, grain: str, tr: TimeRange | None) -> bool:
    """True when the time bucket ``v`` starts before the range does (a partial first period)."""
    d = _as_date(v)
    return bool(tr and tr.start and d and grain in ("week", "month", "quarter", "year") and d < tr.start)


def _as_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return None
    return None


def _bucket_end(v: Any, grain: str, cut: dt.date) -> bool:
    """True when the time bucket starting at ``v`` ends after ``cut`` (a partial period at the edge)."""
    from assistant.interpret.calendar_math import shift, unit_start

    if grain not in ("day", "week", "month", "quarter", "year"):
        return False
    d = _as_date(v)
    return d is not None and shift(unit_start(d, grain), grain, 1) > cut
