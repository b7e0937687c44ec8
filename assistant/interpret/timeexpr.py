"""The time grammar of metrics.md, resolved against an as-of date ("today").

Input is the question's token list (see ``text.tokens``); output says which period the
question covers, which period it compares with, which time grain it asks for, and which
tokens were time words (so the rest of the interpreter ignores them). Ranges are
half-open ``[start, end)``; a period under way ends at the as-of date (the as-of date
itself excluded) unless ``forward`` is set (metrics about booked, future appointments).

>>> import datetime as dt
>>> p = parse_time("no show rate last quarter".split(), dt.date(2026, 10, 1))
>>> p.time_range.to_dict()
{'start': '2026-07-01', 'end': '2026-10-01'}
>>> p = parse_time("revenue this year vs last year".split(), dt.date(2026, 10, 1))
>>> p.compare_range.to_dict()
{'start': '2025-01-01', 'end': '2025-10-01'}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from semantic_layer.query import TimeRange

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "eighteen": 18,
    "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90, "a": 1,
}  # fmt: skip
UNITS = {
    "day": "day", "days": "day", "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month", "mo": "month", "mos": "month", "quarter": "quarter",
    "quarters": "quarter", "qtr": "quarter", "qtrs": "quarter", "year": "year", "years": "year",
    "yr": "year", "yrs": "year",
}  # fmt: skip
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "last": 4,
}
THIS = {"this", "current", "present"}
LAST = {"last", "previous", "prior", "past", "preceding", "trailing", "rolling"}
LEAD = {"in", "for", "during", "of", "over", "within", "on", "at", "the"}
RANGE_TO = {"to", "through", "thru", "until", "till", "and"}
VS = {"vs", "v", "versus", "against", "than"}
# Words that make a trend: the grain is then chosen from the period's length.
TREND_WORDS = {"trend", "trends", "trending", "trended", "history", "historical", "timeline", "evolution"}
# Grain words and the grain they ask for, also after "by", "per", "each", "every", "and".
GRAIN_ADJ = {
    "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year",
    "annually": "year", "annual": "year", "hourly": "hour_of_day",
}  # fmt: skip
# Every word the grammar reads (the spelling corrector must know them).
TIME_WORDS = {
    "today", "yesterday", "tomorrow", "ytd", "mtd", "qtd", "wtd", "date", "so", "far", "ttm", "ltm", "this",
    "current", "present", "next", "coming", "upcoming", "since", "from", "after", "starting", "before", "until",
    "between", "through", "thru", "till", "ago", "earlier", "over", "same", "period", "span", "yoy", "mom", "qoq",
    "wow", "weekday", "weekdays", "hour", "hours", "time", "half", "h1", "h2", "fy", "versus", "against",
    "compared", "compare", "comparing", "relative", "trend", "trends", "trending", "history", "historical",
    "timeline", "daily", "weekly", "monthly", "quarterly", "yearly", "annually", "hourly", "busiest",
}  # fmt: skip
GRAIN_NOUN = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}


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


@dataclass
class TimeParse:
    """What the time words of a question say."""

    time_range: TimeRange | None = None
    compare_range: TimeRange | None = None
    grain: str | None = None
    trend: bool = False
    used: set[int] = field(default_factory=set)
    period: Period | None = None
    compare_unit: str | None = None  # "vs last year", "month over month": shift the period by this unit
    main_defaulted: bool = False  # no period named: the comparison chose one (year to date, ...)


# ---------------------------------------------------------------- calendar arithmetic


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


def previous_period(p: Period) -> TimeRange:
    """The period just before ``p``: the previous calendar unit, or the same length before it."""
    if p.unit in ("day", "week", "month", "quarter", "year"):
        return shift_range(p.range, p.unit, -1)
    if p.start is None:
        raise ValueError("an open period has no previous period")
    length = p.end - p.start
    return TimeRange(p.start - length, p.start)


# ---------------------------------------------------------------- the parser


class _Parser:
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

    def year(self, i: int) -> int | None:
        w = self.tok(i)
        if len(w) == 4 and w.isdigit() and 1990 <= int(w) <= 2099:
            return int(w)
        if len(w) == 2 and w.isdigit() and self.tok(i - 1) in ("fy", "q1", "q2", "q3", "q4"):
            return 2000 + int(w)
        return None

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
        if w in THIS and self.tok(i + 1) in UNITS and UNITS[self.tok(i + 1)] != "day":
            unit = UNITS[self.tok(i + 1)]
            start = unit_start(a, unit)
            j = i + 2
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

    def relative(self, i: int) -> tuple[Period, int] | None:
        a, w = self.as_of, self.tok(i)
        j = i + 1
        n = self.num(j)
        if n is not None and self.tok(j + 1) in UNITS:
            unit, j = UNITS[self.tok(j + 1)], j + 2
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
        j = i + 1
        if self.tok(j) == "of" and self.year(j + 1):
            j += 1
        y = self.year(j)
        explicit = y is not None
        if y is None:
            y = self.as_of.year if m <= self.as_of.month else self.as_of.year - 1
        else:
            j += 1
        start = dt.date(y, m, 1)
        return self.cap(start, add_months(start, 1), "month", explicit), j

    def quarter(self, q: int, j: int) -> tuple[Period, int]:
        if self.tok(j) == "of" and self.year(j + 1):
            j += 1
        y = self.year(j)
        explicit = y is not None
        if y is None:
            cur = (self.as_of.month - 1) // 3 + 1
            y = self.as_of.year if q <= cur else self.as_of.year - 1
        else:
            j += 1
        start = dt.date(y, 3 * q - 2, 1)
        return self.cap(start, add_months(start, 3), "quarter", explicit), j

    def half(self, h: int, j: int) -> tuple[Period, int]:
        if self.tok(j) == "of" and self.year(j + 1):
            j += 1
        y = self.year(j)
        explicit = y is not None
        if y is None:
            y = self.as_of.year if (h == 1 or self.as_of.month > 6) else self.as_of.year - 1
        else:
            j += 1
        start = dt.date(y, 6 * h - 5, 1)
        return self.cap(start, add_months(start, 6), "range", explicit), j


def _join(a: Period, b: Period, as_of: dt.date, forward: bool) -> Period:
    """``between a and b``: from a's start to b's end, a's year taken from b when unnamed."""
    start = a.start
    if start is not None and b.explicit_year and not a.explicit_year and a.unit in ("month", "quarter"):
        start = start.replace(year=b.start.year if b.start else start.year)
        if start > (b.start or start):
            start = start.replace(year=start.year - 1)
    full_end = shift(unit_start(b.start, b.unit), b.unit, 1) if b.to_date and b.start else b.end
    end = min(full_end, as_of) if (not forward and (start or as_of) <= as_of < full_end) else full_end
    return Period(start, end, "range", end == as_of)


_COMPARE_SHIFT = {  # "X over X" and the unit the comparison shifts by
    "year": "year", "yoy": "year", "month": "month", "mom": "month", "quarter": "quarter",
    "qoq": "quarter", "week": "week", "wow": "week",
}  # fmt: skip


_UNIT_ORDER = ("day", "week", "month", "quarter", "year")


def _second_period(main: Period, other: Period) -> TimeRange:
    """The comparison range when a question names two periods ("X vs Y")."""
    if other.range == main.range:
        return previous_period(main)  # "last month vs the previous month"
    if other.relative and other.unit in _UNIT_ORDER:
        same_unit = main.unit == other.unit and main.to_date
        smaller = main.unit in _UNIT_ORDER and _UNIT_ORDER.index(main.unit) < _UNIT_ORDER.index(other.unit)
        if same_unit or smaller or main.unit == "range":
            return shift_range(main.range, other.unit, -1)  # "this year vs last year": the same span
    return other.range


def _compare_marker(p: _Parser, i: int) -> tuple[str, int] | None:
    """Comparison phrases that name no period of their own: returns (shift unit or 'prev', next index)."""
    w = p.tok(i)
    if w in ("yoy", "mom", "qoq", "wow"):
        return _COMPARE_SHIFT[w], i + 1
    if w in UNITS and p.tok(i + 1) in ("over", "on") and p.tok(i + 2) == w:
        return UNITS[w], i + 3
    if (
        w == "same"
        and p.tok(i + 1) in ("period", "time", "span", "months", "month", "days")
        and p.tok(i + 2)
        in (
            "last",
            "a",
            "previous",
            "prior",
            "the",
        )
    ):
        j = i + 3 if p.tok(i + 2) != "the" else i + 4
        if p.tok(j) in ("year", "yr"):
            return "year", j + 1
        if p.tok(j) == "year" or (p.tok(j - 1) == "a" and p.tok(j) == "year"):
            return "year", j + 1
        if p.tok(j) in UNITS:
            return UNITS[p.tok(j)], j + 1
    if (
        w in ("a", "one")
        and p.tok(i + 1) in ("year", "month")
        and p.tok(i + 2) in ("ago", "before", "earlier")
    ):
        return UNITS[p.tok(i + 1)], i + 3
    if w in ("previous", "prior", "preceding", "last") and p.tok(i + 1) == "period":
        return "prev", i + 2
    if w == "the" and p.tok(i + 1) in UNITS and p.tok(i + 2) in ("before", "prior", "earlier"):
        return UNITS[p.tok(i + 1)], i + 3
    return None


def parse_time(toks: list[str], as_of: dt.date, *, forward: bool = False) -> TimeParse:
    """Find the time words in ``toks`` and resolve them against ``as_of``."""
    p = _Parser(toks, as_of, forward)
    out = TimeParse()
    periods: list[tuple[Period, int]] = []  # (period, token index)
    compare_unit: str | None = None
    vs_at = -1
    i = 0
    while i < len(toks):
        w = toks[i]
        marker = _compare_marker(p, i)
        if marker:
            compare_unit = marker[0]
            out.used.update(range(i, marker[1]))
            i = marker[1]
            continue
        if w in VS or w in ("compared", "compare", "comparing", "relative"):
            vs_at = len(periods)
            out.used.add(i)
            if toks[i + 1 : i + 2] and toks[i + 1] in ("to", "with", "against"):
                out.used.add(i + 1)
                i += 1
            i += 1
            continue
        if w in ("since", "from", "after", "starting", "before", "until", "between"):
            first = p.atom(i + 1 + (toks[i + 1 : i + 2] == ["the"]))
            if first:
                a, j = first
                second = None
                if p.tok(j) in RANGE_TO and (w in ("from", "between") or p.tok(j) != "and"):
                    second = p.atom(j + 1 + (p.tok(j + 1) == "the"))
                if second and w in ("from", "between", "since", "starting"):
                    b, j = second
                    per = _join(a, b, as_of, forward)
                elif w in ("before", "until"):
                    per = Period(None, a.start or a.end, "range")
                elif w == "after":
                    per = Period(a.end, as_of if not forward else a.end + dt.timedelta(days=3650), "range")
                elif w == "between" and not second:
                    per = a
                else:
                    per = Period(
                        a.start, as_of if not forward else as_of + dt.timedelta(days=3650), "range", True
                    )
                periods.append((per, i))
                out.used.update(range(i, j))
                i = j
                continue
        got = p.atom(i)
        if got:
            per, j = got
            if p.tok(j) in ("to", "through", "thru", "until", "till") and per.unit in (
                "month",
                "quarter",
                "year",
            ):
                second = p.atom(j + 1)
                if second:
                    per, j = _join(per, second[0], as_of, forward), second[1]
            start_i = i
            while start_i > 0 and toks[start_i - 1] in LEAD and start_i - 1 not in out.used:
                start_i -= 1
            periods.append((per, i))
            out.used.update(range(start_i, j))
            i = j
            continue
        i += 1
    _grains(p, out)
    if len(periods) == 1 and vs_at == 0 and periods[0][0].relative:
        compare_unit = periods[0][0].unit  # "compared to last year": no period of its own
        periods = []
    if periods:
        main = periods[0][0]
        out.period = main
        out.time_range = main.range
        if len(periods) > 1:
            out.compare_range = _second_period(main, periods[1][0])
    if compare_unit and out.compare_range is None:
        if out.period is None:
            unit = "year" if compare_unit == "prev" else compare_unit
            start = unit_start(as_of, unit)
            main = (
                Period(start, as_of, unit, True)
                if start < as_of
                else Period(shift(start, unit, -1), start, unit)
            )
            out.period, out.time_range, out.main_defaulted = main, main.range, True
        out.compare_unit = compare_unit
        if compare_unit == "prev":
            out.compare_range = previous_period(out.period)
        else:
            out.compare_range = shift_range(out.period.range, compare_unit, -1)
    return out


def _grains(p: _Parser, out: TimeParse) -> None:
    """Grain words: 'monthly', 'by month', 'per week', 'day of week', 'by hour', 'trend'."""
    t = p.t
    for i, w in enumerate(t):
        if i in out.used:
            continue
        nxt, nxt2 = p.tok(i + 1), p.tok(i + 2)
        if w in ("day", "days") and nxt == "of" and nxt2 in ("week", "the"):
            out.grain = "day_of_week"
            out.used.update(range(i, i + (4 if nxt2 == "the" else 3)))
        elif w in ("weekday", "weekdays"):
            out.grain = "day_of_week"
            out.used.add(i)
        elif w in ("hour", "hours") and nxt == "of" and nxt2 in ("day", "the"):
            out.grain = "hour_of_day"
            out.used.update(range(i, i + (4 if nxt2 == "the" else 3)))
        elif w == "time" and nxt == "of" and nxt2 == "day":
            out.grain = "hour_of_day"
            out.used.update(range(i, i + 3))
        elif w == "hour" and p.tok(i - 1) in ("by", "which", "what", "each", "busiest"):
            out.grain = "hour_of_day"
            out.used.add(i)
        elif w == "annual" and nxt.startswith(("exam", "eye", "recall", "check", "physical", "visit")):
            continue  # "annual exams" are a recall type, not a grain
        elif w in GRAIN_ADJ:
            out.grain = out.grain or GRAIN_ADJ[w]
            out.used.add(i)
        elif w in UNITS and UNITS[w] in GRAIN_NOUN and w not in ("days",):
            prev = p.tok(i - 1)
            if prev in ("by", "per", "each", "every", "which", "what", "and") or (
                prev == "by" or (w == nxt2 and nxt == "by")
            ):
                out.grain = UNITS[w]
                out.used.add(i)
                if nxt == "by" and nxt2 == w:
                    out.used.update((i + 1, i + 2))
        elif w in TREND_WORDS or (w == "over" and nxt == "time"):
            out.trend = True
            out.used.update((i, i + 1) if w == "over" else (i,))


def comparable_previous(r: TimeRange) -> TimeRange | None:
    """The previous comparable period: the previous month(s), quarter or year; the same span
    a year earlier for a part of a year (to date); else the same length just before."""
    s, e = r.start, r.end
    if s is None or e <= s:
        return None
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
