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

from assistant.interpret.calendar_math import (  # noqa: F401 - re-exported for callers
    add_months,
    comparable_previous,
    default_grain,
    shift,
    shift_range,
    unit_start,
)
from assistant.interpret.timeatoms import Period, TimeParser, join, previous_period  # noqa: F401
from assistant.interpret.timewords import (  # noqa: F401 - re-exported for callers
    GRAIN_ADJ,
    GRAIN_NOUN,
    LAST,
    LEAD,
    MONTHS,
    NUMBERS,
    ORDINALS,
    RANGE_TO,
    THIS,
    TIME_WORDS,
    TREND_WORDS,
    UNITS,
    VS,
    WEEKDAYS,
)
from semantic_layer.query import TimeRange


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


_COMPARE_SHIFT = {  # "X over X" and the unit the comparison shifts by
    "year": "year", "yoy": "year", "month": "month", "mom": "month", "quarter": "quarter",
    "qoq": "quarter", "week": "week", "wow": "week",
}  # fmt: skip


_UNIT_ORDER = ("day", "week", "month", "quarter", "year")


# Words that name a period relative to the one already named ("Q2 2026 vs the previous quarter"),
# where "last" names one relative to today ("Q2 2026 vs last quarter").
_ANAPHORIC = {"previous", "prior", "preceding"}


def _second_period(main: Period, other: Period, anaphoric: bool = False, last_named: bool = False) -> TimeRange:
    """The comparison range when a question names two periods ("X vs Y")."""
    if other.range == main.range and last_named and other.unit in ("month", "quarter"):
        return shift_range(main.range, "year", -1)  # "September vs last September": a year before
    if other.range == main.range:
        return previous_period(main)  # "last month vs the previous month"
    if anaphoric and not main.relative and other.unit in _UNIT_ORDER and main.start is not None:
        # "Q2 2026 compared with the previous quarter", "March vs the prior year": before the named one
        return previous_period(main) if other.unit == main.unit else shift_range(main.range, other.unit, -1)
    if other.relative and other.unit in _UNIT_ORDER:
        same_unit = main.unit == other.unit and main.to_date
        smaller = main.unit in _UNIT_ORDER and _UNIT_ORDER.index(main.unit) < _UNIT_ORDER.index(other.unit)
        if same_unit or smaller or main.unit == "range":
            return shift_range(main.range, other.unit, -1)  # "this year vs last year": the same span
    return other.range


def _compare_marker(p: TimeParser, i: int) -> tuple[str, int] | None:
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
        if p.tok(i + 2) == "before" and p.before_last(UNITS[p.tok(i + 1)], i + 3) is not None:
            return None  # "the week before last" is a period, not "vs the week before"
        return UNITS[p.tok(i + 1)], i + 3
    return None


def _period_follows(p: TimeParser, i: int) -> bool:
    """True when a period (or a comparison phrase) starts at token ``i``, after lead words."""
    while p.tok(i) in LEAD:
        i += 1
    return bool(p.tok(i)) and (p.atom(i) is not None or _compare_marker(p, i) is not None)


def parse_time(toks: list[str], as_of: dt.date, *, forward: bool = False) -> TimeParse:
    """Find the time words in ``toks`` and resolve them against ``as_of``."""
    p = TimeParser(toks, as_of, forward)
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
            if w in VS and not _period_follows(p, i + 1):
                i += 1  # "Dr. Kim vs Dr. Lee last year": members compared, not periods
                continue
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
                    if second is None and a.unit == "day" and a.start is not None and p.tok(j + 1) in WEEKDAYS:
                        # "from last Monday to Friday": the first such weekday from the start on
                        ahead = (WEEKDAYS[p.tok(j + 1)] - a.start.weekday()) % 7
                        day = a.start + dt.timedelta(days=ahead)
                        second = (Period(day, day + dt.timedelta(days=1), "day"), j + 2)
                if second and w in ("from", "between", "since", "starting"):
                    b, j = second
                    per = join(a, b, as_of, forward)
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
                    per, j = join(per, second[0], as_of, forward), second[1]
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
            other, at = periods[1]
            last_named = at > 0 and toks[at - 1] in ("last", "previous", "prior")
            out.compare_range = _second_period(main, other, toks[at] in _ANAPHORIC, last_named)
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
    _whole_previous_when_empty(out)
    return out


def _whole_previous_when_empty(out: TimeParse) -> None:
    """'this quarter vs last quarter' on the quarter's first day: the same (empty) span says nothing,
    so the comparison is the whole previous period (the answer says the current one has no data yet)."""
    per, cmp = out.period, out.compare_range
    if per is None or cmp is None or not per.to_date or per.start is None or per.start < per.end:
        return
    if cmp.start is not None and cmp.start == cmp.end and per.unit in _UNIT_ORDER:
        out.compare_range = TimeRange(cmp.start, shift(cmp.start, per.unit, 1))


def _grains(p: TimeParser, out: TimeParse) -> None:
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
        elif w == "hour" and (
            p.tok(i - 1) in ("by", "which", "what", "each", "busiest")
            or (p.tok(i - 1) == "the" and p.tok(i - 2) in ("by", "per"))
        ):
            out.grain = "hour_of_day"
            out.used.add(i)
        elif w == "annual" and nxt.startswith(("exam", "eye", "recall", "check", "physical", "visit")):
            continue  # "annual exams" are a recall type, not a grain
        elif w in GRAIN_ADJ:
            out.grain = out.grain or GRAIN_ADJ[w]
            out.used.add(i)
        elif w in UNITS and UNITS[w] in GRAIN_NOUN and w not in ("days",):
            prev = p.tok(i - 1)
            if prev in ("the", "fiscal", "calendar") and p.tok(i - 2) in ("by", "per", "each", "every"):
                prev = p.tok(i - 2)  # "by the month", "by fiscal quarter"
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
