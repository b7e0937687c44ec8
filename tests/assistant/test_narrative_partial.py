"""Narratives at the edge of the data: partial periods are said to be partial, many small groups get a caution."""

from __future__ import annotations

import datetime as dt

from assistant.narrative import MetricInfo, write
from semantic_layer.query import TimeRange

REV = MetricInfo("revenue", "Revenue", "currency", additive=True)
RATE = MetricInfo("no_show_rate", "No-show rate", "percent")


def test_single_period_past_the_data_is_partial_and_not_compared():
    text = write(
        ["revenue"], [(1200.0,)], metrics=[REV], dimensions=[],
        time_range=TimeRange(dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
        previous={"revenue": 3600.0}, previous_range=TimeRange(dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
        data_end=dt.date(2026, 10, 10),
    )  # fmt: skip
    assert "partial" in text and "2026-10-10" in text
    assert "down" not in text and "$3,600" in text


def test_full_period_keeps_its_change():
    text = write(
        ["revenue"], [(1200.0,)], metrics=[REV], dimensions=[],
        time_range=TimeRange(dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
        previous={"revenue": 3600.0}, previous_range=TimeRange(dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
        data_end=dt.date(2026, 9, 30),
    )  # fmt: skip
    assert "down 66.7%" in text and "partial" not in text


def test_trend_with_a_partial_last_bucket():
    rows = [(dt.date(2026, 7, 1), 300.0), (dt.date(2026, 8, 1), 320.0), (dt.date(2026, 9, 1), 100.0)]
    text = write(
        ["month", "revenue"], rows, metrics=[REV], dimensions=["month"],
        time_range=TimeRange(dt.date(2026, 7, 1), dt.date(2026, 9, 11)), data_end=dt.date(2026, 9, 10),
    )  # fmt: skip
    assert "Sep 2026 is partial" in text and "lowest $300" in text
    assert "The latest, Aug 2026" in text


def test_rate_over_many_groups_is_cautioned():
    rows = [(f"g{i}", 0.05 + i / 100) for i in range(10)]
    text = write(["location", "no_show_rate"], rows, metrics=[RATE], dimensions=["location"])
    assert "10 groups" in text and "chance" in text
    few = write(["location", "no_show_rate"], rows[:3], metrics=[RATE], dimensions=["location"])
    assert "chance" not in few


def test_grouped_comparison_shows_both_values():
    rows = [("Downtown", 0.066, 0.057), ("Lakeview", 0.048, 0.047)]
    text = write(
        ["location", "no_show_rate", "no_show_rate_previous"], rows, metrics=[RATE], dimensions=["location"],
        time_range=TimeRange(dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
        compare_range=TimeRange(dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
    )  # fmt: skip
    assert "Downtown 6.6% vs 5.7% (up 0.9 points)" in text
    assert "in September 2026 vs August 2026" in text


def test_trend_with_a_partial_first_bucket():
    rows = [(dt.date(2026, 8, 3), 900.0)] + [
        (dt.date(2026, 8, 10) + dt.timedelta(weeks=k), 2000.0 + k) for k in range(4)
    ]
    text = write(
        ["week", "revenue"], rows, metrics=[REV], dimensions=["week"],
        time_range=TimeRange(dt.date(2026, 8, 4), dt.date(2026, 9, 7)),
    )  # fmt: skip
    assert "2026-08-03 is only partly inside the range" in text and "lowest $2,000" in text
