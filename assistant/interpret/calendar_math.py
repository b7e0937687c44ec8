"""Calendar arithmetic for the time grammar: units, shifts, the previous comparable period.

Weeks start on Monday; months, quarters and years are calendar ones. Ranges are
half-open ``[start, end)``.

>>> import datetime as dt
>>> shift(dt.date(2026, 3, 31), "month", -1)
datetime.date(2026, 2, 28)
>>> comparable_previous(TimeRange(dt.date(2026, 1, 1), dt.date(2026, 10, 1)))
TimeRange(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 10, 1))
"""

from __future__ import annotations

import datetime as dt

from semantic_layer.query import TimeRange


def add_months(d: dt.date, n: int) -> dt.date:
    """``d`` moved by ``n`` calendar months (day clipped to the month's length)."""
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise ValueError(d)


def unit_start(d: dt.date, unit: str) -> dt.date:
    """Start of the calendar day/week (Monday)/month/quarter/year holding ``d``."""
    if unit == "day":
        return d
    if unit == "week":
        return d - dt.timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    if unit == "quarter":
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return dt.date(d.year, 1, 1)


def shift(d: dt.date, unit: str, n: int) -> dt.date:
    """``d`` moved by ``n`` units."""
    if unit == "day":
        return d + dt.timedelta(days=n)
    if unit == "week":
        return d + dt.timedelta(days=7 * n)
    if unit == "month":
        return add_months(d, n)
    if unit == "quarter":
        return add_months(d, 3 * n)
    return add_months(d, 12 * n)


def shift_range(r: TimeRange, unit: str, n: int) -> TimeRange:
    """The same span moved by ``n`` units."""
    return TimeRange(shift(r.start, unit, n) if r.start else None, shift(r.end, unit, n))


def comparable_previous(r: TimeRange) -> TimeRange | None:
    """The previous comparable period: the previous month(s), quarter or year; the same span
    a year earlier for a part of a year (to date); one day: the same weekday a week earlier
    (a Monday is not compared with a Sunday); else the same length just before.

    >>> comparable_previous(TimeRange(dt.date(2026, 10, 1), dt.date(2026, 10, 2)))
    TimeRange(start=datetime.date(2026, 9, 24), end=datetime.date(2026, 9, 25))
    """
    s, e = r.start, r.end
    if s is None or e <= s:
        return None
    if (e - s).days == 1:
        return TimeRange(s - dt.timedelta(days=7), e - dt.timedelta(days=7))
    if s.day == 1 and e.day == 1:
        months = (e.year * 12 + e.month) - (s.year * 12 + s.month)
        if months in (1, 3, 12) or s.month != 1:
            return TimeRange(add_months(s, -months), s)
        return TimeRange(add_months(s, -12), add_months(e, -12))
    if s.day == 1 and s.month == 1:  # year to date
        return TimeRange(add_months(s, -12), add_months(e, -12))
    if s.day == 1:  # month to date
        return TimeRange(add_months(s, -1), add_months(e, -1))
    return TimeRange(s - (e - s), s)


def default_grain(r: TimeRange | None, as_of: dt.date) -> str:
    """Grain for a trend with none named: day up to 31 days, week up to ~4 months, else month."""
    if r is None or r.start is None:
        return "month"
    days = (r.end - r.start).days
    if days <= 31:
        return "day"
    if days <= 120:
        return "week"
    return "month"
