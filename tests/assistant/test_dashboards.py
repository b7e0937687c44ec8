"""Dashboard building blocks: periods, tiles' change, anomaly call-outs."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.dashboards import PERIODS, Tile, find_anomaly, kpi_tiles, period_range

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
    assert low is not None and low.direction == "below" and low.value == 50.0
    assert find_anomaly("revenue", [("2026-01", 1.0), ("2026-02", 99.0)]) is None
