"""Named periods ("last quarter", "Q2 2025", "in March", "last 8 weeks") resolved against today.

``TimeParser.atom(i)`` reads one period starting at token ``i``; ``join`` makes a range of
two ("between May and July"). The grammar around them (ranges, comparisons, grains) is in
:mod:`assistant.interpret.timeexpr`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from assistant.interpret.calendar_math import add_months, shift, shift_range, unit_start
from assistant.interpret.timewords import (
    FILLER,
    LAST,
    LEAD,
    MONTHS,
    NUMBERS,
    ORDINALS,
    RANGE_TO,
    THIS,
    UNITS,
    VS,
    WEEKDAYS,
)
from semantic_layer.query import TimeRange


@dataclass(frozen=True)
class Period:
    """A resolved period and how it was named (``unit`` is its calendar unit, if any)."""

    start: dt.date | None
    end: dt.date
    unit: str = "range"
    to_date: bool = False
    explicit_year: bool = False
    relative: bool = False  # named relative to today ("last year"), not by its date

    @property
    def range(self) -> TimeRange:
        return TimeRange(self.start, self.end)


def previous_period(p: Period) -> TimeRange:
    """The period just before ``p``: the previous calendar unit, or the same length before it."""
    if p.unit in ("day", "week", "month", "quarter", "year"):
        return shift_range(p.range, p.unit, -1)
    if p.start is None:
        raise ValueError("an open period has no previous period")
    length = p.end - p.start
    return TimeRange(p.start - length, p.start)


# ---------------------------------------------------------------- the parser


class TimeParser:
    def __init__(self, toks: list[str], as_of: dt.date, forward: bool) -> None:
        self.t = toks
        self.as_of = as_of
        self.forward = forward

    def tok(self, i: int) -> str:
        return self.t[i] if 0 <= i < len(self.t) else ""

    def num(self, i: int) -> int | None:
        w = self.tok(i)
        if w.isdigit() and len(w) <= 3:
            return int(w)
        return NUMBERS.get(w)

    def day_number(self, i: int) -> int | None:
        """A day of the month: "14", "14th", "1st" (1 to 31)."""
        m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", self.tok(i))
        return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 31 else None

    def year(self, i: int) -> int | None:
        w = self.tok(i)
        if self.tok(i - 1) in ("than", "least", "exceeding", "exceeds", "above", "below"):
            return None  # "more than 2000 visits" is a number, not a year
        if len(w) == 4 and w.isdigit() and 1990 <= int(w) <= 2099:
            return int(w)
        if len(w) == 2 and w.isdigit() and self.tok(i - 1) in ("fy", "q1", "q2", "q3", "q4"):
            return 2000 + int(w)
        return None

    def year_after(self, j: int) -> tuple[int | None, int]:
        """The year that qualifies a month or quarter: '2025', 'of 2025', 'this year', 'of last year'."""
        k = j + 1 if self.tok(j) == "of" else j
        y = self.year(k)
        if y is not None:
            return y, k + 1
        if self.tok(k) in THIS | LAST | {"next"} and self.tok(k + 1) in ("year", "yr"):
            off = 0 if self.tok(k) in THIS else (1 if self.tok(k) == "next" else -1)
            return self.as_of.year + off, k + 2
        return None, j

    def cap(self, start: dt.date, end: dt.date, unit: str, explicit_year: bool = False) -> Period:
        """A calendar period; cut at today when it is under way (unless forward-looking)."""
        to_date = start <= self.as_of < end and not self.forward
        return Period(start, self.as_of if to_date else end, unit, to_date, explicit_year)

    # An atom is one named period. Returns (Period, index after it) or None.
    def atom(self, i: int) -> tuple[Period, int] | None:
        w, a = self.tok(i), self.as_of
        if w == "today":
            return Period(a, a + dt.timedelta(days=1), "day"), i + 1
        if w == "yesterday":
            return Period(a - dt.timedelta(days=1), a, "day"), i + 1
        if w == "tomorrow":
            return Period(a + dt.timedelta(days=1), a + dt.timedelta(days=2), "day"), i + 1
        if w in LAST | THIS | {"next", "coming"} and self.tok(i + 1) in WEEKDAYS:
            return self.weekday(w, WEEKDAYS[self.tok(i + 1)]), i + 2
        day = self.day_number(i)
        if day is not None and re.search(r"[a-z]", w):  # "14th of September", "1st March"
            k = i + 1 + (self.tok(i + 1) == "of")
            if self.tok(k) in MONTHS:
                return self.date(MONTHS[self.tok(k)], day, k + 1)
        if w == "week" and self.tok(i + 1) == "of":
            got = self.atom(i + 2)
            if got is not None and got[0].unit == "day" and got[0].start is not None:
                start = unit_start(got[0].start, "week")
                return self.cap(start, start + dt.timedelta(days=7), "week", got[0].explicit_year), got[1]
        if w in ("start", "beginning") and self.tok(i + 1) == "of":
            k = i + 2 + (self.tok(i + 2) in THIS | {"the"})
            if self.tok(k) in UNITS and UNITS[self.tok(k)] != "day":
                unit = UNITS[self.tok(k)]
                return Period(unit_start(a, unit), a, unit, True), k + 1  # "since the start of the year"
        if w in UNITS and self.tok(i + 1) == "before":
            got = self.before_last(UNITS[w], i + 2)
            if got is not None:
                return got
        for abbr, unit in (("ytd", "year"), ("mtd", "month"), ("qtd", "quarter"), ("wtd", "week")):
            if w == abbr:
                return Period(unit_start(a, unit), a, unit, True), i + 1
        if w in UNITS and self.tok(i + 1) == "to" and self.tok(i + 2) == "date":
            unit = UNITS[w]
            return Period(unit_start(a, unit), a, unit, True), i + 3
        if w == "so" and self.tok(i + 1) == "far":
            j = i + 2
            if self.tok(j) == "this" and self.tok(j + 1) in UNITS:
                unit = UNITS[self.tok(j + 1)]
                return Period(unit_start(a, unit), a, unit, True), j + 2
            return Period(unit_start(a, "year"), a, "year", True), j
        if w in ("ttm", "ltm"):
            start = shift(unit_start(a, "month"), "month", -12)
            return Period(start, unit_start(a, "month"), "range"), i + 1
        k = self.skip_filler(i + 1)
        if w in THIS and self.tok(k) in UNITS and UNITS[self.tok(k)] != "day":
            unit = UNITS[self.tok(k)]
            start = unit_start(a, unit)
            j = k + 1
            if self.tok(j) == "to" and self.tok(j + 1) == "date":
                j += 2
            return self.cap(start, shift(start, unit, 1), unit), j
        if w in LAST | {"next", "coming", "upcoming"}:
            return self.relative(i)
        if w in MONTHS and (w != "may" or self._may_is_month(i)) and (w != "mar" or self._may_is_month(i)):
            return self.month(i)
        if len(w) == 2 and w[0] == "q" and w[1] in "1234":
            return self.quarter(int(w[1]), i + 1)
        if w in ORDINALS and w != "last" and self.tok(i + 1) in ("quarter", "qtr"):
            return self.quarter(ORDINALS[w], i + 2)
        if w in ("h1", "h2"):
            return self.half(int(w[1]), i + 1)
        if w in ("first", "second") and self.tok(i + 1) == "half":
            return self.half(1 if w == "first" else 2, i + 2)
        y = self.year(i)
        if y is not None:
            if len(self.tok(i + 1)) == 2 and self.tok(i + 1)[0] == "q" and self.tok(i + 1)[1] in "1234":
                q = int(self.tok(i + 1)[1])
                start = dt.date(y, 3 * q - 2, 1)
                return self.cap(start, shift(start, "quarter", 1), "quarter", True), i + 2
            start = dt.date(y, 1, 1)
            return self.cap(start, dt.date(y + 1, 1, 1), "year", True), i + 1
        if w == "fy" and self.year(i + 1):
            return self.atom(i + 1)
        if len(w) == 10 and w[4] == "-" and w[7] == "-":
            try:
                d = dt.date.fromisoformat(w)
            except ValueError:
                return None
            return Period(d, d + dt.timedelta(days=1), "day"), i + 1
        return None

    def _may_is_month(self, i: int) -> bool:
        prev = self.tok(i - 1)
        return prev in LEAD | RANGE_TO | VS | {"since", "from", "between", "after", "before"} or bool(
            self.year(i + 1)
        )

    def weekday(self, w: str, wd: int) -> Period:
        """ "last Monday" (the latest one before today), "next Monday" (the first after
        today), "this Monday" (the one of this week)."""
        a = self.as_of
        if w in LAST:
            day = a - dt.timedelta(days=(a.weekday() - wd) % 7 or 7)
        elif w in THIS:
            day = unit_start(a, "week") + dt.timedelta(days=wd)
        else:
            day = a + dt.timedelta(days=(wd - a.weekday()) % 7 or 7)
        return Period(day, day + dt.timedelta(days=1), "day")

    def skip_filler(self, j: int) -> int:
        """The index after any filler words at ``j`` ("full", "calendar", ...)."""
        while self.tok(j) in FILLER:
            j += 1
        return j

    def before_last(self, unit: str, j: int) -> tuple[Period, int] | None:
        """ "the week before last", "the day before yesterday": two periods back."""
        a = self.as_of
        yesterday = unit == "day" and self.tok(j) == "yesterday"
        if not yesterday and (
            self.tok(j) not in LAST or self.tok(j + 1) in UNITS or self.num(j + 1) is not None
        ):
            return None  # "the week before last month" is not two weeks back
        if unit == "day":
            return Period(a - dt.timedelta(days=2), a - dt.timedelta(days=1), "day"), j + 1
        cur = unit_start(a, unit)
        return Period(shift(cur, unit, -2), shift(cur, unit, -1), unit, relative=True), j + 1

    def relative(self, i: int) -> tuple[Period, int] | None:
        a, w = self.as_of, self.tok(i)
        j = self.skip_filler(i + 1)
        n = self.num(j)
        if n is not None and self.tok(self.skip_filler(j + 1)) in UNITS:
            j = self.skip_filler(j + 1)
            unit, j = UNITS[self.tok(j)], j + 1
        elif self.tok(j) in UNITS:
            n, unit, j = None, UNITS[self.tok(j)], j + 1
        else:
            return None
        if w in ("next", "coming", "upcoming"):
            if unit == "day":
                return Period(a, a + dt.timedelta(days=n or 1), "range"), j
            start = shift(unit_start(a, unit), unit, 1)
            return Period(start, shift(start, unit, n or 1), unit if n is None else "range"), j
        if unit == "day":
            if n is None:
                return Period(a - dt.timedelta(days=1), a, "day"), j
            return Period(a - dt.timedelta(days=n), a, "range"), j
        cur = unit_start(a, unit)
        if n is None:
            return Period(shift(cur, unit, -1), cur, unit, relative=True), j
        return Period(shift(cur, unit, -n), cur, "range"), j

    def month(self, i: int) -> tuple[Period, int]:
        m = MONTHS[self.tok(i)]
        day = self.day_number(i + 1)
        if day is not None and self.year(i + 1) is None:
            return self.date(m, day, i + 2)  # "Sept 14", "March 3rd, 2026"
        y, j = self.year_after(i + 1)
        explicit = y is not None
        if y is None:
            y = self.as_of.year if m <= self.as_of.month else self.as_of.year - 1
        start = dt.date(y, m, 1)
        return self.cap(start, add_months(start, 1), "month", explicit), j

    def date(self, m: int, day: int, j: int) -> tuple[Period, int]:
        """One day: the month and day read, then an optional year (else the latest such day
        up to today, or the next one for forward-looking metrics)."""
        y, j = self.year_after(j)
        explicit = y is not None
        if y is None:
            y = self.as_of.year
            if dt.date(y, m, min(day, 28)) > self.as_of and not self.forward:
                y -= 1  # the latest such day up to today
        try:
            d = dt.date(y, m, day)
        except ValueError:
            d = dt.date(y, m, 28)  # "Feb 30": the month's last safe day
        return Period(d, d + dt.timedelta(days=1), "day", False, explicit), j

    def quarter(self, q: int, j: int) -> tuple[Period, int]:
        y, j = self.year_after(j)
        explicit = y is not None
        if y is None:
            cur = (self.as_of.month - 1) // 3 + 1
            y = self.as_of.year if q <= cur else self.as_of.year - 1
        start = dt.date(y, 3 * q - 2, 1)
        return self.cap(start, add_months(start, 3), "quarter", explicit), j

    def half(self, h: int, j: int) -> tuple[Period, int]:
        y, j = self.year_after(j)
        explicit = y is not None
        if y is None:
            y = self.as_of.year if (h == 1 or self.as_of.month > 6) else self.as_of.year - 1
        start = dt.date(y, 6 * h - 5, 1)
        return self.cap(start, add_months(start, 6), "range", explicit), j


def join(a: Period, b: Period, as_of: dt.date, forward: bool) -> Period:
    """``between a and b``: from a's start to b's end, a's year taken from b when unnamed."""
    start = a.start
    if (
        start is not None
        and b.explicit_year
        and not a.explicit_year
        and a.unit in ("month", "quarter", "day")
    ):
        start = start.replace(year=b.start.year if b.start else start.year)
        if start > (b.start or start):
            start = start.replace(year=start.year - 1)
    full_end = shift(unit_start(b.start, b.unit), b.unit, 1) if b.to_date and b.start else b.end
    end = min(full_end, as_of) if (not forward and (start or as_of) <= as_of < full_end) else full_end
    return Period(start, end, "range", end == as_of)
