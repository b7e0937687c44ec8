"""The time grammar: a table of expressions, as-of dates and the ranges they mean."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.interpret.text import tokens
from assistant.interpret.timeexpr import default_grain, parse_time
from semantic_layer.query import TimeRange

D = dt.date
THU = D(2026, 10, 1)  # the eval as-of date: a Thursday, first of a month and of a quarter
MID = D(2026, 5, 15)  # a Friday in mid-May
JAN = D(2027, 1, 1)  # first day of a year

# (as_of, words, expected start, expected end)
RANGES = [
    (THU, "today", D(2026, 10, 1), D(2026, 10, 2)),
    (THU, "yesterday", D(2026, 9, 30), D(2026, 10, 1)),
    (THU, "this week", D(2026, 9, 28), D(2026, 10, 1)),
    (THU, "last week", D(2026, 9, 21), D(2026, 9, 28)),
    (THU, "last month", D(2026, 9, 1), D(2026, 10, 1)),
    (THU, "previous month", D(2026, 9, 1), D(2026, 10, 1)),
    (THU, "last quarter", D(2026, 7, 1), D(2026, 10, 1)),
    (THU, "this year", D(2026, 1, 1), D(2026, 10, 1)),
    (THU, "last year", D(2025, 1, 1), D(2026, 1, 1)),
    (THU, "year to date", D(2026, 1, 1), D(2026, 10, 1)),
    (THU, "YTD", D(2026, 1, 1), D(2026, 10, 1)),
    (MID, "month to date", D(2026, 5, 1), D(2026, 5, 15)),
    (MID, "MTD", D(2026, 5, 1), D(2026, 5, 15)),
    (THU, "last 7 days", D(2026, 9, 24), D(2026, 10, 1)),
    (THU, "over the last 90 days", D(2026, 7, 3), D(2026, 10, 1)),
    (THU, "past 30 days", D(2026, 9, 1), D(2026, 10, 1)),
    (THU, "last 8 weeks", D(2026, 8, 3), D(2026, 9, 28)),
    (THU, "the last three months", D(2026, 7, 1), D(2026, 10, 1)),
    (MID, "last 2 months", D(2026, 3, 1), D(2026, 5, 1)),
    (THU, "last 12 months", D(2025, 10, 1), D(2026, 10, 1)),
    (THU, "next week", D(2026, 10, 5), D(2026, 10, 12)),
    (THU, "in March", D(2026, 3, 1), D(2026, 4, 1)),
    (THU, "in December", D(2025, 12, 1), D(2026, 1, 1)),
    (MID, "in May", D(2026, 5, 1), D(2026, 5, 15)),  # under way: up to today
    (MID, "in June", D(2025, 6, 1), D(2025, 7, 1)),
    (THU, "in 2025", D(2025, 1, 1), D(2026, 1, 1)),
    (THU, "in 2026", D(2026, 1, 1), D(2026, 10, 1)),
    (THU, "Q2 2025", D(2025, 4, 1), D(2025, 7, 1)),
    (THU, "2025 Q4", D(2025, 10, 1), D(2026, 1, 1)),
    (THU, "the second quarter of 2024", D(2024, 4, 1), D(2024, 7, 1)),
    (MID, "Q3", D(2025, 7, 1), D(2025, 10, 1)),
    (THU, "March 2025", D(2025, 3, 1), D(2025, 4, 1)),
    (THU, "H1 2025", D(2025, 1, 1), D(2025, 7, 1)),
    (THU, "March last year", D(2025, 3, 1), D(2025, 4, 1)),
    (THU, "in march of last year", D(2025, 3, 1), D(2025, 4, 1)),
    (THU, "Q4 this year", D(2026, 10, 1), D(2026, 10, 1)),
    (THU, "since June", D(2026, 6, 1), D(2026, 10, 1)),
    (THU, "since 2025", D(2025, 1, 1), D(2026, 10, 1)),
    (THU, "between May and July", D(2026, 5, 1), D(2026, 8, 1)),
    (THU, "between November and February", D(2025, 11, 1), D(2026, 3, 1)),
    (THU, "between May and July 2025", D(2025, 5, 1), D(2025, 8, 1)),
    (THU, "from January to March 2024", D(2024, 1, 1), D(2024, 4, 1)),
    (THU, "from 2025-01-15 to 2025-02-14", D(2025, 1, 15), D(2025, 2, 15)),
    (JAN, "this year", D(2027, 1, 1), D(2027, 1, 1)),
    (JAN, "last year", D(2026, 1, 1), D(2027, 1, 1)),
    (JAN, "last month", D(2026, 12, 1), D(2027, 1, 1)),
    (JAN, "in January", D(2027, 1, 1), D(2027, 1, 1)),
]


@pytest.mark.parametrize(("as_of", "words", "start", "end"), RANGES, ids=[f"{r[1]}@{r[0]}" for r in RANGES])
def test_range(as_of, words, start, end):
    p = parse_time(tokens(words), as_of)
    assert p.time_range == TimeRange(start, end)


# (words, time range, compare range) with the eval as-of date
COMPARISONS = [
    ("this year vs last year", (D(2026, 1, 1), D(2026, 10, 1)), (D(2025, 1, 1), D(2025, 10, 1))),
    ("year over year", (D(2026, 1, 1), D(2026, 10, 1)), (D(2025, 1, 1), D(2025, 10, 1))),
    (
        "YTD compared to the same period last year",
        (D(2026, 1, 1), D(2026, 10, 1)),
        (D(2025, 1, 1), D(2025, 10, 1)),
    ),
    ("last quarter vs last year", (D(2026, 7, 1), D(2026, 10, 1)), (D(2025, 7, 1), D(2025, 10, 1))),
    ("Q2 2026 vs Q2 2025", (D(2026, 4, 1), D(2026, 7, 1)), (D(2025, 4, 1), D(2025, 7, 1))),
    ("Q2 this year vs Q2 last year", (D(2026, 4, 1), D(2026, 7, 1)), (D(2025, 4, 1), D(2025, 7, 1))),
    ("2025 versus 2024", (D(2025, 1, 1), D(2026, 1, 1)), (D(2024, 1, 1), D(2025, 1, 1))),
    ("month over month", (D(2026, 9, 1), D(2026, 10, 1)), (D(2026, 8, 1), D(2026, 9, 1))),
    ("last month vs the previous month", (D(2026, 9, 1), D(2026, 10, 1)), (D(2026, 8, 1), D(2026, 9, 1))),
    ("March vs February", (D(2026, 3, 1), D(2026, 4, 1)), (D(2026, 2, 1), D(2026, 3, 1))),
    (
        "last quarter compared with the previous period",
        (D(2026, 7, 1), D(2026, 10, 1)),
        (D(2026, 4, 1), D(2026, 7, 1)),
    ),
]


@pytest.mark.parametrize(("words", "rng", "cmp"), COMPARISONS, ids=[c[0] for c in COMPARISONS])
def test_comparison(words, rng, cmp):
    p = parse_time(tokens(words), THU)
    assert p.time_range == TimeRange(*rng)
    assert p.compare_range == TimeRange(*cmp)


@pytest.mark.parametrize(
    ("words", "grain"),
    [
        ("monthly revenue", "month"),
        ("revenue by month", "month"),
        ("visits per week", "week"),
        ("weekly new patients", "week"),
        ("daily visits", "day"),
        ("revenue by quarter", "quarter"),
        ("revenue by location and year", "year"),
        ("busiest day of the week", "day_of_week"),
        ("no shows by weekday", "day_of_week"),
        ("wait time by hour of day", "hour_of_day"),
        ("which month had the most", "month"),
        ("patients per hour last month", None),
    ],
)
def test_grain(words, grain):
    assert parse_time(tokens(words), THU).grain == grain


def test_no_time_words_and_untouched_words():
    p = parse_time(tokens("may I see the revenue by location"), THU)
    assert p.time_range is None and p.compare_range is None
    assert "may" in [w for i, w in enumerate(tokens("may I see the revenue by location")) if i not in p.used]


def test_forward_periods_are_not_cut_at_today():
    p = parse_time(tokens("this month"), THU, forward=True)
    assert p.time_range == TimeRange(D(2026, 10, 1), D(2026, 11, 1))


def test_trend_default_grain_follows_length():
    assert default_grain(TimeRange(D(2026, 9, 1), D(2026, 10, 1)), THU) == "day"
    assert default_grain(TimeRange(D(2026, 7, 1), D(2026, 10, 1)), THU) == "week"
    assert default_grain(TimeRange(D(2025, 1, 1), D(2026, 1, 1)), THU) == "month"
    assert default_grain(None, THU) == "month"
