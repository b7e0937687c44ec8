"""Dashboard building blocks: periods, tiles' change, anomaly call-outs."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.dashboards import (
    PERIODS,
    Callout,
    Tile,
    anomalies,
    find_anomaly,
    history_ranges,
    kpi_tiles,
    period_range,
)

AS_OF = dt.date(2026, 10, 1)


@pytest.mark.parametrize(
    "period, cur, prev",
    [
        ("last_month", ("2026-09-01", "2026-10-01"), ("2026-08-01", "2026-09-01")),
        ("last_quarter", ("2026-07-01", "2026-10-01"), ("2026-04-01", "2026-07-01")),
        ("last_year", ("2025-01-01", "2026-01-01"), ("2024-01-01", "2025-01-01")),
        ("year_to_date", ("2026-01-01", "2026-10-01"), ("2025-01-01", "2025-10-01")),
        ("quarter_to_date", ("2026-10-01", "2026-10-01"), ("2026-07-01", "2026-07-01")),
    ],
)
def test_period_ranges(period, cur, prev):
    c, p = period_range(period, AS_OF)
    assert (c.start.isoformat(), c.end.isoformat()) == cur
    assert (p.start.isoformat(), p.end.isoformat()) == prev


def test_month_to_date_compares_same_span():
    c, p = period_range("month_to_date", dt.date(2026, 3, 15))
    assert (c.start, c.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 15))
    assert (p.start, p.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 15))


def test_every_period_resolves_and_unknown_is_named():
    for key in PERIODS:
        period_range(key, AS_OF)
    with pytest.raises(ValueError, match="fortnight"):
        period_range("fortnight", AS_OF)


def test_tile_change():
    t = Tile("revenue", 120.0, 100.0)
    assert t.change == 20.0 and t.pct_change == pytest.approx(0.2)
    assert Tile("revenue", 1.0, None).change is None and Tile("revenue", 1.0, 0.0).pct_change is None


def test_kpi_tiles_query_each_period():
    seen = []

    def run(q):
        seen.append(q)
        return [q.metrics[0]], [[10.0 if q.time_range.start == dt.date(2026, 9, 1) else 8.0]]

    tiles = kpi_tiles(run, AS_OF, "last_month", location="Northside", metrics=("no_shows",))
    assert tiles == [Tile("no_shows", 10.0, 8.0)]
    assert all(q.filters[0].values == ("Northside",) for q in seen)


def test_anomaly_needs_history_and_flags_outliers():
    normal = [(f"2025-{m:02d}", 100.0 + (m % 3)) for m in range(1, 13)]
    assert find_anomaly("revenue", normal) is None
    low = find_anomaly("revenue", normal + [("2026-01", 50.0)])
    assert low is not None and low.direction == "below" and low.value == 50.0 and low.history == 12
    assert find_anomaly("revenue", [("2026-01", 1.0), ("2026-02", 99.0)]) is None


def test_anomaly_ignores_periods_before_the_data_begins():
    series = [("2022-Q1", 0.0), ("2022-Q2", None)] + [(f"q{i}", 100.0 + i % 2) for i in range(4)]
    assert find_anomaly("revenue", series + [("now", 200.0)], period="last_quarter").history == 4
    assert find_anomaly("revenue", series[:4] + [("now", 200.0)], period="last_quarter") is None  # 2 < 4


@pytest.mark.parametrize(
    "period, n, first, last",
    [
        ("last_month", 12, ("2025-09-01", "2025-10-01"), ("2026-08-01", "2026-09-01")),
        ("last_quarter", 8, ("2024-07-01", "2024-10-01"), ("2026-04-01", "2026-07-01")),
        ("last_year", 5, ("2020-01-01", "2021-01-01"), ("2024-01-01", "2025-01-01")),
        ("year_to_date", 5, ("2021-01-01", "2021-10-01"), ("2025-01-01", "2025-10-01")),
    ],
)
def test_history_is_the_same_kind_of_period_before_the_selected_one(period, n, first, last):
    ranges = history_ranges(period, AS_OF)
    assert len(ranges) == n
    assert (ranges[0].start.isoformat(), ranges[0].end.isoformat()) == first
    assert (ranges[-1].start.isoformat(), ranges[-1].end.isoformat()) == last
    assert ranges[-1].end <= period_range(period, AS_OF)[0].start


def _fake_warehouse(values: dict[str, float]):
    """A runner answering by-quarter and single-range queries from {period start: value}."""
    seen = []

    def run(q):
        seen.append(q)
        metric = q.metrics[0]
        if q.dimensions:
            rows = [
                [dt.date.fromisoformat(k), v]
                for k, v in values.items()
                if q.time_range.start.isoformat() <= k < q.time_range.end.isoformat()
            ]
            return [q.dimensions[0], metric], rows
        return [metric], [[values.get(q.time_range.start.isoformat())]]

    return run, seen


def test_anomalies_follow_the_selected_period_and_explain_with_its_numbers():
    quarters = {"2024-07-01": 0.10, "2024-10-01": 0.11, "2025-01-01": 0.10, "2025-04-01": 0.11}
    quarters |= {"2025-07-01": 0.10, "2025-10-01": 0.11, "2026-01-01": 0.10, "2026-04-01": 0.11}
    quarters["2026-07-01"] = 0.142  # last quarter, as of 2026-10-01
    run, seen = _fake_warehouse(quarters)
    check = anomalies(run, AS_OF, "last_quarter", location="Northside", metrics=("no_show_rate",))
    (c,) = check.callouts
    assert (c.period, c.value, c.history, c.direction) == ("last_quarter", 0.142, 8, "above")
    assert c.mean == pytest.approx(0.105) and c.high == pytest.approx(0.115)
    assert c.explain("No-show rate", "percent") == (
        "No-show rate 14.2% last quarter is above its usual range (9.5%–11.5% over the previous 8 quarters)."
    )
    assert all(q.filters[0].values == ("Northside",) for q in seen)
    assert seen[0].dimensions == ("quarter",)
    # the same data seen month by month has no last whole month: nothing to call out
    assert anomalies(run, AS_OF, "last_month", metrics=("no_show_rate",)).callouts == []


def test_anomalies_for_to_date_periods_compare_the_same_days_and_say_so():
    run, seen = _fake_warehouse(
        {f"{y}-01-01": 100.0 + y % 2 for y in range(2021, 2026)} | {"2026-01-01": 150.0}
    )
    check = anomalies(run, AS_OF, "year_to_date", metrics=("revenue",))
    (c,) = check.callouts
    assert [(q.time_range.start.isoformat(), q.time_range.end.isoformat()) for q in seen][:2] == [
        ("2021-01-01", "2021-10-01"),
        ("2022-01-01", "2022-10-01"),
    ]
    assert "over the same days of the previous 5 years" in c.explain("Revenue", "currency")


def test_too_little_history_is_reported_not_called_out():
    run, _ = _fake_warehouse({"2024-01-01": 1.0, "2025-01-01": 9.0})
    check = anomalies(run, AS_OF, "last_year", metrics=("revenue",))
    assert check.callouts == [] and check.too_short == ["revenue"] and check.checked == []


def test_callout_wording_per_period():
    c = Callout("nps", "last_month", 39.86, 40.69, 49.29, 45.0, 12)
    assert c.explain("NPS", "score") == (
        "NPS 39.86 last month is below its usual range (40.69–49.29 over the previous 12 months)."
    )
