"""The last day with data (for the narrative's partial-period note) is the metric's own last day.

The cheap probe (one MAX per fact table, see ``semantic_layer.compile_probe``) must give the
same day as asking the metric itself per day and keeping the latest, for every metric, role
and anchor: a data end that is off would call a full period partial (or miss a partial one).
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.pipeline import get_engine
from assistant.pipeline_steps import _execute, data_end
from semantic_layer.compile_probe import compile_last_day
from semantic_layer.query import OrderBy, SemanticQuery, TimeRange
from semantic_layer.roles import access_for

ANCHORS = (dt.date(2026, 10, 1), dt.date(2025, 7, 16), dt.date(2023, 1, 3))


def _per_day(engine, metric: str, window: TimeRange, access) -> dt.date | None:
    probe = SemanticQuery(
        metrics=(metric,), dimensions=("day",), time_range=window, order_by=(OrderBy("day", True),), limit=1
    )
    _, cols, rows, _ = _execute(engine, probe, access)
    if not rows:
        return None
    v = rows[0][cols.index("day")]
    return v.date() if isinstance(v, dt.datetime) else v


@pytest.mark.parametrize("who", [("owner", None), ("manager", ["LOC2"])], ids=["owner", "manager"])
def test_cheap_data_end_equals_the_metric_per_day(demo_db, who):
    engine = get_engine(demo_db)
    access = access_for(who[0], who[1])
    checked = 0
    for name in engine.model.metrics:
        if not access.allows_metric(name):
            continue
        for anchor in ANCHORS:
            window = TimeRange(anchor - dt.timedelta(days=400), anchor)
            if compile_last_day(engine.model, name, window) is None:
                continue
            engine.data_ends.clear()
            got = data_end(engine, name, TimeRange(anchor - dt.timedelta(days=30), anchor), access, anchor)
            assert got == _per_day(engine, name, window, access), (name, anchor, who)
            checked += 1
    assert checked >= 40  # most metrics take the cheap road


def test_running_totals_and_trailing_windows_ask_the_metric(demo_db):
    engine = get_engine(demo_db)
    window = TimeRange(dt.date(2025, 9, 1), dt.date(2026, 10, 1))
    assert compile_last_day(engine.model, "stock_on_hand", window) is None
    assert compile_last_day(engine.model, "active_patients", window) is None
    # a derived metric over two tables: one MAX per table
    assert len(compile_last_day(engine.model, "revenue_per_visit", window)) == 2
