"""The owner dashboard, generated from the semantic model: tiles, trends, breakdowns, call-outs.

Everything here is a pure function of an as-of date, a period choice and a *runner*
(``SemanticQuery -> (columns, rows)``), so the page only arranges calls and tests drive
it on a real warehouse. Queries go through the same compile -> guard -> execute path as
chat answers (the runner is the pipeline's), so roles and row filters hold here too.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from semantic_layer.query import Filter, OrderBy, SemanticQuery, TimeRange

Runner = Callable[[SemanticQuery], tuple[list[str], list[list]]]

# The tiles an owner sees first, in order.
DASHBOARD_KPIS: tuple[str, ...] = (
    "completed_visits",
    "no_show_rate",
    "revenue",
    "collections",
    "revenue_per_visit",
    "optical_capture_rate",
    "nps",
    "new_patients",
)

PERIODS: dict[str, str] = {
    "last_month": "Last month",
    "month_to_date": "This month to date",
    "last_quarter": "Last quarter",
    "quarter_to_date": "This quarter to date",
    "year_to_date": "Year to date",
    "last_year": "Last year",
}


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def _quarter_start(d: dt.date) -> dt.date:
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def period_range(period: str, as_of: dt.date) -> tuple[TimeRange, TimeRange]:
    """The chosen period and the previous comparable one (same length, just before it).

    Periods "to date" end at the as-of date (excluded) and compare with the same span
    of the previous month, quarter or year.

    >>> cur, prev = period_range("last_month", dt.date(2026, 10, 1))
    >>> (cur.start.isoformat(), cur.end.isoformat(), prev.start.isoformat())
    ('2026-09-01', '2026-10-01', '2026-08-01')
    """
    if period == "last_month":
        end = _month_start(as_of)
        return TimeRange(_add_months(end, -1), end), TimeRange(_add_months(end, -2), _add_months(end, -1))
    if period == "last_quarter":
        end = _quarter_start(as_of)
        return TimeRange(_add_months(end, -3), end), TimeRange(_add_months(end, -6), _add_months(end, -3))
    if period == "last_year":
        end = dt.date(as_of.year, 1, 1)
        return TimeRange(dt.date(end.year - 1, 1, 1), end), TimeRange(
            dt.date(end.year - 2, 1, 1), dt.date(end.year - 1, 1, 1)
        )
    starts = {
        "month_to_date": (_month_start(as_of), 1),
        "quarter_to_date": (_quarter_start(as_of), 3),
        "year_to_date": (dt.date(as_of.year, 1, 1), 12),
    }
    if period not in starts:
        raise ValueError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    start, months = starts[period]
    prev_start = _add_months(start, -months)
    span = as_of - start
    return TimeRange(start, as_of), TimeRange(prev_start, min(prev_start + span, start))


@dataclass(frozen=True)
class Tile:
    """One KPI tile: the value for the period, the previous period's, and the change."""

    metric: str
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Absolute change (value - previous), None when either is missing."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def pct_change(self) -> float | None:
        """Relative change as a fraction, None when undefined."""
        if self.change is None or not self.previous:
            return None
        return self.change / abs(self.previous)


def _location_filter(location: str | None) -> tuple[Filter, ...]:
    return (Filter("location", (location,)),) if location else ()


def _num(v: object) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)  # Decimal, int, float
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def kpi_tiles(
    run: Runner,
    as_of: dt.date,
    period: str,
    *,
    location: str | None = None,
    metrics: Sequence[str] = DASHBOARD_KPIS,
) -> list[Tile]:
    """Tiles for ``metrics`` over the period, each with the previous period's value."""
    cur, prev = period_range(period, as_of)
    tiles = []
    for metric in metrics:  # one query per metric: a failing metric must not blank the rest
        vals = []
        for rng in (cur, prev):
            cols, rows = run(
                SemanticQuery(metrics=(metric,), filters=_location_filter(location), time_range=rng)
            )
            vals.append(_num(rows[0][cols.index(metric)]) if rows else None)
        tiles.append(Tile(metric, vals[0], vals[1]))
    return tiles


def trend_query(
    metric: str, as_of: dt.date, *, months: int = 13, location: str | None = None
) -> SemanticQuery:
    """Monthly series of ``metric`` for the ``months`` whole months before the as-of month."""
    end = _month_start(as_of)
    return SemanticQuery(
        metrics=(metric,),
        dimensions=("month",),
        filters=_location_filter(location),
        time_range=TimeRange(_add_months(end, -months), end),
    )


def breakdown_query(
    metric: str, dimension: str, as_of: dt.date, period: str, *, location: str | None = None
) -> SemanticQuery:
    """``metric`` by ``dimension`` over the period, largest first."""
    cur, _ = period_range(period, as_of)
    return SemanticQuery(
        metrics=(metric,),
        dimensions=(dimension,),
        filters=_location_filter(location),
        time_range=cur,
        order_by=(OrderBy(metric, True),),
    )


@dataclass(frozen=True)
class Callout:
    """A metric outside its usual range, with the numbers that show it."""

    metric: str
    month: str
    value: float
    low: float
    high: float
    mean: float

    @property
    def direction(self) -> str:
        return "above" if self.value > self.high else "below"


def find_anomaly(
    metric: str, series: Sequence[tuple[str, float | None]], *, z: float = 2.0
) -> Callout | None:
    """Is the last value of a monthly series outside mean ± z·sd of the months before it?

    Needs at least six earlier months with values; returns None when the last month is
    within range or the history is too short to say.

    >>> s = [(f"2026-{m:02d}", 10.0 + (m % 2) * 0.5) for m in range(1, 9)] + [("2026-09", 20.0)]
    >>> find_anomaly("no_shows", s).direction
    'above'
    """
    values = [(label, v) for label, v in series if v is not None]
    if len(values) < 7:
        return None
    history = [v for _, v in values[:-1]]
    label, last = values[-1]
    mean = statistics.fmean(history)
    sd = statistics.pstdev(history)
    low, high = mean - z * sd, mean + z * sd
    if sd == 0 or low <= last <= high:
        return None
    return Callout(metric, label, last, low, high, mean)


def anomalies(
    run: Runner, as_of: dt.date, *, location: str | None = None, metrics: Sequence[str] = DASHBOARD_KPIS
) -> list[Callout]:
    """Call-outs for every dashboard metric whose last whole month is outside its usual range."""
    found = []
    for metric in metrics:
        cols, rows = run(trend_query(metric, as_of, location=location))
        mi, vi = cols.index("month"), cols.index(metric)
        series = sorted((str(r[mi])[:7], _num(r[vi])) for r in rows)
        callout = find_anomaly(metric, series)
        if callout:
            found.append(callout)
    return found
