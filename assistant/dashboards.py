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

from assistant.narrative import fmt_value
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


def _total(run: Runner, metric: str, rng: TimeRange, location: str | None) -> float | None:
    """``metric`` over one range (None for an empty range, e.g. "this month to date" on the 1st)."""
    if rng.start >= rng.end:
        return None
    cols, rows = run(SemanticQuery(metrics=(metric,), filters=_location_filter(location), time_range=rng))
    return _num(rows[0][cols.index(metric)]) if rows else None


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
        vals = [_total(run, metric, rng, location) for rng in (cur, prev)]
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


# How the selected period repeats: its unit, the unit's length in months, how many earlier
# periods make its usual range, and how few are too few to say.
PERIOD_UNITS: dict[str, tuple[str, int]] = {
    "last_month": ("month", 1),
    "month_to_date": ("month", 1),
    "last_quarter": ("quarter", 3),
    "quarter_to_date": ("quarter", 3),
    "last_year": ("year", 12),
    "year_to_date": ("year", 12),
}
HISTORY_PERIODS: dict[str, int] = {"month": 12, "quarter": 8, "year": 5}
MIN_HISTORY: dict[str, int] = {"month": 6, "quarter": 4, "year": 3}
PERIOD_PHRASES: dict[str, str] = {
    "last_month": "last month",
    "month_to_date": "this month to date",
    "last_quarter": "last quarter",
    "quarter_to_date": "this quarter to date",
    "year_to_date": "this year to date",
    "last_year": "last year",
}


def history_ranges(period: str, as_of: dt.date, n: int | None = None) -> list[TimeRange]:
    """The ``n`` periods of the same kind and length just before the selected one, oldest first.

    Whole periods (last month, quarter, year) step back one unit at a time; "to date"
    periods take the same span from the start of each earlier unit.

    >>> [r.start.isoformat() for r in history_ranges("last_quarter", dt.date(2026, 10, 1), 2)]
    ['2026-01-01', '2026-04-01']
    >>> r = history_ranges("month_to_date", dt.date(2026, 3, 15), 1)[0]
    >>> (r.start.isoformat(), r.end.isoformat())
    ('2026-02-01', '2026-02-15')
    """
    cur, _ = period_range(period, as_of)
    unit, months = PERIOD_UNITS[period]
    n = HISTORY_PERIODS[unit] if n is None else n
    span = cur.end - cur.start
    out = []
    for k in range(n, 0, -1):
        start = _add_months(cur.start, -months * k)
        nxt = _add_months(start, months)
        out.append(TimeRange(start, min(start + span, nxt) if period.endswith("_to_date") else nxt))
    return out


@dataclass(frozen=True)
class Callout:
    """A metric outside its usual range for the selected period, with the numbers that show it."""

    metric: str
    period: str  # the selected period's key (PERIODS)
    value: float
    low: float
    high: float
    mean: float
    history: int  # how many earlier periods the range is made of

    @property
    def direction(self) -> str:
        return "above" if self.value > self.high else "below"

    def explain(self, label: str, fmt: str) -> str:
        """The call-out in plain words, numbers formatted per the metric's format.

        >>> Callout("no_show_rate", "last_quarter", 0.142, 0.098, 0.121, 0.11, 8).explain("No-show rate", "percent")
        'No-show rate 14.2% last quarter is above its usual range (9.8%–12.1% over the previous 8 quarters).'
        """
        unit, _ = PERIOD_UNITS[self.period]
        earlier = f"the previous {self.history} {unit}s"
        if self.period.endswith("_to_date"):
            earlier = f"the same days of {earlier}"
        return (
            f"{label} {fmt_value(self.value, fmt)} {PERIOD_PHRASES[self.period]} is {self.direction} its usual "
            f"range ({fmt_value(self.low, fmt)}–{fmt_value(self.high, fmt)} over {earlier})."
        )


def find_anomaly(
    metric: str,
    series: Sequence[tuple[str, float | None]],
    *,
    period: str = "last_month",
    z: float = 2.0,
    min_history: int | None = None,
) -> Callout | None:
    """Is the last value of a series outside mean ± z·sd of the values before it?

    The series holds the earlier periods then the selected one. Periods before the data
    begins (leading missing or zero values) are left out; with fewer than ``min_history``
    earlier values (by default the period unit's MIN_HISTORY) there is too little to say.

    >>> s = [(f"2026-{m:02d}", 10.0 + (m % 2) * 0.5) for m in range(1, 9)] + [("2026-09", 20.0)]
    >>> find_anomaly("no_shows", s).direction
    'above'
    """
    values = _from_data_start(series)
    if not values or values[-1][1] is None:
        return None
    history = [v for _, v in values[:-1] if v is not None]
    needed = MIN_HISTORY[PERIOD_UNITS[period][0]] if min_history is None else min_history
    if len(history) < max(needed, 2):
        return None
    last = values[-1][1]
    mean = statistics.fmean(history)
    sd = statistics.pstdev(history)
    low, high = mean - z * sd, mean + z * sd
    if min(history) >= 0:
        low = max(low, 0.0)
    if sd == 0 or low <= last <= high:
        return None
    return Callout(metric, period, last, low, high, mean, len(history))


def period_series(
    run: Runner, metric: str, period: str, as_of: dt.date, *, location: str | None = None
) -> list[tuple[str, float | None]]:
    """``metric`` over the earlier periods and the selected one, oldest first, as (start, value)."""
    cur, _ = period_range(period, as_of)
    ranges = [*history_ranges(period, as_of), cur]
    unit, _ = PERIOD_UNITS[period]
    filters = _location_filter(location)
    if period.endswith("_to_date"):  # partial spans: one query each
        values = [_total(run, metric, rng, location) for rng in ranges]
    else:  # whole periods: one query by the period's grain
        q = SemanticQuery(
            metrics=(metric,),
            dimensions=(unit,),
            filters=filters,
            time_range=TimeRange(ranges[0].start, cur.end),
        )
        cols, rows = run(q)
        by_start = {str(r[cols.index(unit)])[:10]: _num(r[cols.index(metric)]) for r in rows}
        values = [by_start.get(rng.start.isoformat()) for rng in ranges]
    return [(rng.start.isoformat(), v) for rng, v in zip(ranges, values, strict=True)]


@dataclass(frozen=True)
class AnomalyCheck:
    """The call-outs for a period, and which metrics had too little history to judge."""

    period: str
    callouts: list[Callout]
    checked: list[str]
    too_short: list[str]


def anomalies(
    run: Runner,
    as_of: dt.date,
    period: str = "last_month",
    *,
    location: str | None = None,
    metrics: Sequence[str] = DASHBOARD_KPIS,
) -> AnomalyCheck:
    """Call-outs for every metric whose value for the selected period is outside its usual range."""
    found, checked, short = [], [], []
    for metric in metrics:
        series = period_series(run, metric, period, as_of, location=location)
        callout = find_anomaly(metric, series, period=period)
        if callout:
            found.append(callout)
        (checked if callout or _enough_history(series, period) else short).append(metric)
    return AnomalyCheck(period, found, checked, short)


def _from_data_start(series: Sequence[tuple[str, float | None]]) -> list[tuple[str, float | None]]:
    """The series without the periods before the data begins (leading missing or zero values)."""
    values = list(series)
    while values and not values[0][1]:
        values.pop(0)
    return values


def _enough_history(series: Sequence[tuple[str, float | None]], period: str) -> bool:
    values = _from_data_start(series)
    earlier = [v for _, v in values[:-1] if v is not None]
    return bool(values) and values[-1][1] is not None and len(earlier) >= MIN_HISTORY[PERIOD_UNITS[period][0]]
