"""Narrative and chart from a result's shape: numbers from the result only, chart type by shape."""

from __future__ import annotations

import datetime as dt
import re

import plotly.graph_objects as go
import pytest

from assistant.charts import build_chart, chart_type
from assistant.narrative import MetricInfo, fmt_change, fmt_period, fmt_value, write
from semantic_layer.query import TimeRange

RATE = MetricInfo("no_show_rate", "No-show rate", "percent")
REV = MetricInfo("revenue", "Revenue", "currency", additive=True)
Q3 = TimeRange(dt.date(2026, 7, 1), dt.date(2026, 10, 1))
Q2 = TimeRange(dt.date(2026, 4, 1), dt.date(2026, 7, 1))


def numbers(text: str) -> list[str]:
    return [n.rstrip(",") for n in re.findall(r"\$?\d[\d,]*(?:\.\d+)?%?", text)]


def test_formats():
    assert fmt_value(0.0842, "percent") == "8.4%"
    assert fmt_value(1234567.8, "currency") == "$1,234,568"
    assert fmt_value(42.5, "currency") == "$42.50"
    assert fmt_value(12.345, "minutes") == "12.3 min"
    assert fmt_value(1520.25, "hours") == "1,520.2 h"
    assert fmt_value(1520, "count") == "1,520"
    assert fmt_change(0.06, 0.05, "percent") == "up 1.0 points"
    assert fmt_change(90, 100, "currency") == "down 10.0%"
    assert fmt_period(Q3) == "in Q3 2026"
    assert fmt_period(TimeRange(dt.date(2025, 1, 1), dt.date(2026, 1, 1))) == "in 2025"
    assert fmt_period(TimeRange(dt.date(2026, 9, 1), dt.date(2026, 10, 1))) == "in September 2026"


def test_single_value_with_previous_period():
    text = write(["no_show_rate"], [(0.0552,)], metrics=[RATE], dimensions=[], time_range=Q3,
                 previous={"no_show_rate": 0.058}, previous_range=Q2)  # fmt: skip
    assert text == "No-show rate in Q3 2026: 5.5%, down 0.3 points from 5.8% in Q2 2026."


def test_breakdown_names_highest_and_lowest_with_shares():
    rows = [("Downtown", 500.0), ("Northside", 300.0), ("Lakeview", 200.0)]
    text = write(["location", "revenue"], rows, metrics=[REV], dimensions=["location"], time_range=Q3)
    assert "highest Downtown ($500, 50.0% of the total $1,000)" in text
    assert "lowest Lakeview ($200, 20.0%)" in text
    # every number is a cell, the total, a share or a year of the period
    allowed = {"$500", "$300", "$200", "$1,000", "50.0%", "20.0%", "3", "2026"}
    assert set(numbers(text)) <= allowed


def test_rates_get_no_shares():
    rows = [("Downtown", 0.064), ("Lakeview", 0.046)]
    text = write(["location", "no_show_rate"], rows, metrics=[RATE], dimensions=["location"])
    assert "of the total" not in text and "6.4%" in text and "4.6%" in text


def test_trend_peak_low_latest():
    rows = [(dt.date(2025, m, 1), float(100 * m)) for m in range(1, 13)]
    text = write(["month", "revenue"], rows, metrics=[REV], dimensions=["month"],
                 time_range=TimeRange(dt.date(2025, 1, 1), dt.date(2026, 1, 1)))  # fmt: skip
    assert "highest $1,200 in Dec 2025" in text and "lowest $100 in Jan 2025" in text


def test_comparison_columns():
    text = write(["revenue", "revenue_previous"], [(120.0, 100.0)], metrics=[REV], dimensions=[], time_range=Q3,
                 compare_range=Q2)  # fmt: skip
    assert "up 20.0% from $100 in Q2 2026" in text


def test_empty_result():
    assert write(["revenue"], [], metrics=[REV], dimensions=[], time_range=Q3).startswith("No data")


SHAPES = [
    (["revenue"], [[1.0]], ["revenue"], [], "indicator"),
    (["revenue", "revenue_previous"], [[1.0, 2.0]], ["revenue"], [], "indicator"),
    (["month", "revenue"], [["2025-01-01", 1.0]], ["revenue"], ["month"], "line"),
    (
        ["location", "month", "revenue"],
        [["A", "2025-01-01", 1.0]],
        ["revenue"],
        ["location", "month"],
        "line",
    ),
    (["location", "revenue"], [["A", 1.0]], ["revenue"], ["location"], "bar"),
    (["day_of_week", "completed_visits"], [["Monday", 1]], ["completed_visits"], ["day_of_week"], "bar"),
    (
        ["location", "revenue", "revenue_previous"],
        [["A", 1.0, 2.0]],
        ["revenue"],
        ["location"],
        "grouped_bar",
    ),
    (
        ["location", "provider", "revenue"],
        [["A", "B", 1.0]],
        ["revenue"],
        ["location", "provider"],
        "grouped_bar",
    ),
    (["revenue", "collections"], [[1.0, 2.0]], ["revenue", "collections"], [], "grouped_bar"),
    (["revenue"], [], ["revenue"], [], "none"),
]


@pytest.mark.parametrize(("cols", "rows", "metrics", "dims", "kind"), SHAPES)
def test_chart_type_by_shape(cols, rows, metrics, dims, kind):
    assert chart_type(cols, rows, metrics, dims) == kind
    fig = build_chart(cols, rows, metrics=metrics, dims=dims, labels={}, formats={"revenue": "currency"})
    if kind == "none":
        assert fig is None
        return
    go.Figure(fig)  # a valid plotly figure (raises on an unknown property)
    trace = fig["data"][0]["type"]
    assert trace == {"indicator": "indicator", "line": "scatter"}.get(kind, "bar")


def test_breakdown_bar_is_sorted_and_weekdays_in_order():
    fig = build_chart(["location", "revenue"], [["A", 1.0], ["B", 3.0], ["C", 2.0]], metrics=["revenue"],
                      dims=["location"], labels={}, formats={})  # fmt: skip
    assert fig["data"][0]["x"] == ["B", "C", "A"]
    fig = build_chart(["day_of_week", "n"], [["Friday", 1], ["Monday", 5]], metrics=["n"], dims=["day_of_week"],
                      labels={}, formats={})  # fmt: skip
    assert fig["data"][0]["x"] == ["Monday", "Friday"]


def test_indicator_delta_uses_reference():
    fig = build_chart(
        ["revenue"], [[120.0]], metrics=["revenue"], dims=[], labels={}, formats={}, reference=100.0
    )
    assert fig["data"][0]["delta"]["reference"] == 100.0
