"""The compiler: dev-set proof against gold SQL, per-dialect golden SQL, semantics, typed errors."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from semantic_layer.compile import DIALECTS, compile_query, to_sql
from semantic_layer.errors import CompileError
from semantic_layer.model import load_model
from semantic_layer.query import SemanticQuery
from tests.conftest import AS_OF, SHARED
from tests.semantic_layer.fixtures.mini_warehouse import build_mini_warehouse, create_tables, insert_rows

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "golden"
DEV = yaml.safe_load((SHARED / "eval" / "dev.yaml").read_text())
DEV_CASES = [c for c in DEV["cases"] if c.get("expect", "answer") == "answer"]
DEV_QUERIES = yaml.safe_load((FIXTURES / "dev_queries.yaml").read_text())
GOLDEN_QUERIES = yaml.safe_load((FIXTURES / "golden_queries.yaml").read_text())


def _load_scorer():
    spec = importlib.util.spec_from_file_location("shared_eval_score", SHARED / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCORE = _load_scorer()


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def mini_db(tmp_path_factory) -> Path:
    return build_mini_warehouse(tmp_path_factory.mktemp("mini") / "warehouse.duckdb")


def _compiled_rows(model, con, query: dict):
    return con.execute(to_sql(compile_query(model, SemanticQuery.from_dict(query)))).fetchall()


def _check_case(model, con, case) -> None:
    gold = con.execute(case["sql"]).fetchall()
    assert gold, f"{case['id']}: the gold SQL returns no rows on this warehouse"
    ans = _compiled_rows(model, con, DEV_QUERIES[case["id"]])
    why = SCORE.compare(gold, ans, case.get("match", "rows"), case.get("ordered", False))
    assert why is None, f"{case['id']}: {why}\ngold={gold[:5]}\nans={ans[:5]}"


def test_every_answer_case_has_a_fixture():
    assert str(DEV["as_of"]) == AS_OF.isoformat()
    assert {c["id"] for c in DEV_CASES} == set(DEV_QUERIES)


@pytest.mark.parametrize("case", DEV_CASES, ids=lambda c: c["id"])
def test_dev_case_matches_gold_on_mini_warehouse(model, mini_db, case):
    con = duckdb.connect(str(mini_db), read_only=True)
    try:
        _check_case(model, con, case)
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_con(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


@pytest.mark.parametrize("case", DEV_CASES, ids=lambda c: c["id"])
def test_dev_case_matches_gold_on_demo_warehouse(model, demo_con, case):
    _check_case(model, demo_con, case)


# -- golden SQL per dialect -------------------------------------------------------------
@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(GOLDEN_QUERIES))
def test_golden_sql(model, name, dialect):
    sql = (
        to_sql(compile_query(model, SemanticQuery.from_dict(GOLDEN_QUERIES[name])), dialect, pretty=True)
        + "\n"
    )
    path = GOLDEN / dialect / f"{name}.sql"
    if os.environ.get("ACUITY_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    assert path.read_text() == sql, (
        f"compiled SQL changed; regenerate with ACUITY_UPDATE_GOLDEN=1 if intended: {path}"
    )
    assert "GROUP BY ALL" not in sql.upper()
    sqlglot.parse_one(sql, read=dialect)  # the engine's own dialect reads it back


@pytest.mark.parametrize("name", sorted(GOLDEN_QUERIES))
def test_golden_duckdb_sql_runs(mini_db, name):
    con = duckdb.connect(str(mini_db), read_only=True)
    try:
        con.execute((GOLDEN / "duckdb" / f"{name}.sql").read_text()).fetchall()
    finally:
        con.close()


def test_no_duckdb_only_functions_in_portable_output(model):
    for name, q in GOLDEN_QUERIES.items():
        sql = to_sql(compile_query(model, SemanticQuery.from_dict(q)), "postgres").upper()
        for fn in ("DAYNAME(", "COUNT_IF(", "EPOCH(", "ISODOW(", "DATE_DIFF(", "FILTER (WHERE"):
            assert fn not in sql, (name, fn)


# -- semantics on small hand-made tables ----------------------------------------------------
@pytest.fixture
def tiny(tmp_path):
    con = duckdb.connect(str(tmp_path / "tiny.duckdb"))
    create_tables(con)
    insert_rows(
        con, "locations", [("L1", "Downtown", "c", "s", None, 3), ("L2", "Northside", "c", "s", None, 3)]
    )
    insert_rows(
        con,
        "staff",
        [
            ("S1", "Dr. A", "optometrist", "L1", None, True),
            ("S2", "Dr. B", "optometrist", "L2", None, True),
            ("S3", "Opt C", "optician", "L1", None, True),
        ],
    )
    insert_rows(
        con,
        "patients",
        [
            (
                f"p{i}",
                1980 + i * 20,
                False,
                "F",
                "100",
                "L1",
                None,
                "google",
                "vision_plan",
                "VSP",
                "email",
                True,
            )
            for i in range(3)
        ],
    )

    def appt(i, day, status, prov="S1", loc="L1", pk="p0"):
        return (
            f"A{i}",
            pk,
            loc,
            prov,
            "comprehensive_exam",
            "phone",
            None,
            dt.datetime.combine(day, dt.time(9 + i % 8)),
            30,
            status,
            None,
            False,
            None,
        )

    insert_rows(
        con,
        "appointments",
        [
            appt(1, dt.date(2025, 1, 6), "completed"),  # Monday
            appt(2, dt.date(2025, 1, 7), "completed", prov="S2", loc="L2", pk="p1"),
            appt(3, dt.date(2025, 1, 7), "no_show"),
            appt(4, dt.date(2025, 2, 3), "completed", pk="p2"),
            appt(5, dt.date(2026, 1, 5), "completed"),
            appt(6, dt.date(2026, 2, 2), "cancelled"),
        ],
    )

    def charge(i, day, amount, prov="S1", loc="L1", cat="exam", appt_id=None):
        return (f"C{i}", appt_id, "p0", loc, prov, day, cat, None, 1, amount, 0, amount, 0, "self_pay")

    insert_rows(
        con,
        "charges",
        [
            charge(1, dt.date(2025, 1, 6), 100, appt_id="A1"),
            charge(2, dt.date(2025, 1, 20), 300, cat="frames", appt_id="A1"),
            charge(3, dt.date(2025, 2, 3), 50),
            charge(4, dt.date(2026, 1, 5), 70),
            charge(5, dt.date(2025, 3, 1), 999, prov=None),  # retail: no provider
        ],
    )

    def shift(i, s, day, hours):
        return (
            f"T{i}",
            s,
            "L1",
            day,
            8,
            dt.datetime.combine(day, dt.time(8)),
            dt.datetime.combine(day, dt.time(8)) + dt.timedelta(hours=hours),
            0,
        )

    insert_rows(
        con, "timeclock", [shift(1, "S1", dt.date(2025, 1, 6), 10), shift(2, "S3", dt.date(2025, 1, 6), 5)]
    )
    insert_rows(con, "inventory_items", [("K1", "frames", "Ray-Ban", "m", "s", 1, 2, 3, 4)])
    insert_rows(
        con,
        "inventory_movements",
        [
            ("M1", "K1", "L1", dt.date(2024, 12, 1), "receipt", 10),
            ("M2", "K1", "L1", dt.date(2025, 1, 10), "sale", -3),
            ("M3", "K1", "L1", dt.date(2025, 3, 10), "receipt", 5),
        ],
    )
    yield con
    con.close()


def _rows(model, con, **q):
    return con.execute(to_sql(compile_query(model, SemanticQuery.from_dict(q)))).fetchall()


Y2025 = {"start": "2025-01-01", "end": "2026-01-01"}


def test_derived_metric_keeps_groups_of_either_side(model, tiny):
    # S3 has hours but no visits: 0 visits (a count over no rows is 0) / 5 h = 0.0;
    # S2 has a visit but no hours: NULL (missing denominator)
    rows = _rows(model, tiny, metrics=["patients_per_hour"], dimensions=["staff_member"], time_range=Y2025)
    assert sorted(rows, key=str) == [("Dr. A", 0.2), ("Dr. B", None), ("Opt C", 0.0)]


def test_derived_metric_is_computed_per_side_not_row_to_row(model, tiny):
    rows = dict(_rows(model, tiny, metrics=["revenue_per_visit"], dimensions=["provider"], time_range=Y2025))
    assert rows == {"Dr. A": 225.0, "Dr. B": 0.0}  # (100 + 300 + 50) / 2 visits; retail has no provider
    [(total,)] = _rows(model, tiny, metrics=["revenue_per_visit"], time_range=Y2025)
    assert total == pytest.approx((100 + 300 + 50 + 999) / 3)


def test_conversion_window(model, tiny):
    [(rate,)] = _rows(model, tiny, metrics=["optical_capture_rate"], time_range=Y2025)
    assert rate == pytest.approx(1 / 3)  # only A1's patient bought frames within 30 days


def test_compare_range_aligns_months(model, tiny):
    rows = _rows(
        model,
        tiny,
        metrics=["revenue"],
        dimensions=["month"],
        time_range={"start": "2026-01-01", "end": "2026-03-01"},
        compare_range={"start": "2025-01-01", "end": "2025-03-01"},
    )
    assert rows == [(dt.date(2026, 1, 1), 70, 400, -330), (dt.date(2026, 2, 1), None, 50, None)]


def test_running_stock_by_month(model, tiny):
    rows = _rows(
        model,
        tiny,
        metrics=["stock_on_hand"],
        dimensions=["month"],
        time_range={"start": "2025-01-01", "end": "2025-04-01"},
    )
    assert rows == [(dt.date(2025, 1, 1), 7), (dt.date(2025, 3, 1), 12)]
    assert _rows(
        model, tiny, metrics=["stock_on_hand"], time_range={"start": "2025-03-01", "end": "2025-03-02"}
    ) == [(7,)]


def test_trailing_window(model, tiny):
    assert _rows(
        model, tiny, metrics=["active_patients"], time_range={"start": None, "end": "2025-02-01"}
    ) == [(2,)]
    assert _rows(
        model, tiny, metrics=["active_patients"], time_range={"start": None, "end": "2027-02-04"}
    ) == [(1,)]


def test_trailing_window_by_month(model, tiny):
    rows = _rows(
        model,
        tiny,
        metrics=["active_patients"],
        dimensions=["month"],
        time_range={"start": "2025-01-01", "end": "2025-03-15"},
    )
    # January's window ends 2025-02-01 (p0, p1), February's 2025-03-01 (+ p2), March's the period end
    assert rows == [(dt.date(2025, 1, 1), 2), (dt.date(2025, 2, 1), 3), (dt.date(2025, 3, 1), 3)]
    last12 = _rows(
        model,
        tiny,
        metrics=["active_patients"],
        dimensions=["quarter"],
        time_range={"start": None, "end": "2026-04-01"},
    )
    # no period start: the last 12 quarters (2023-Q2 .. 2026-Q1); quarters before the data have no rows
    assert [r[0] for r in last12] == [
        dt.date(2025, 1, 1),
        dt.date(2025, 4, 1),
        dt.date(2025, 7, 1),
        dt.date(2025, 10, 1),
        dt.date(2026, 1, 1),
    ]


def test_weekday_hour_and_week_labels(model, tiny):
    rows = _rows(model, tiny, metrics=["completed_visits"], dimensions=["day_of_week"], time_range=Y2025)
    assert dict(rows) == {"Monday": 2, "Tuesday": 1}
    got = dict(_rows(model, tiny, metrics=["appointments"], dimensions=["hour_of_day"], time_range=Y2025))
    assert got == {10: 1, 11: 1, 12: 1, 13: 1}
    weeks = _rows(model, tiny, metrics=["appointments"], dimensions=["week"], time_range=Y2025)
    assert weeks == [(dt.date(2025, 1, 6), 3), (dt.date(2025, 2, 3), 1)]


def test_filters_and_not_in(model, tiny):
    rows = _rows(
        model,
        tiny,
        metrics=["appointments"],
        filters=[{"dimension": "provider", "op": "not in", "values": ["Dr. A"]}],
    )
    assert rows == [(1,)]
    rows = _rows(
        model, tiny, metrics=["appointments"], filters=[{"dimension": "day_of_week", "values": ["tuesday"]}]
    )
    assert rows == [(2,)]


def test_order_and_limit(model, tiny):
    top = _rows(
        model,
        tiny,
        metrics=["revenue"],
        dimensions=["provider"],
        order_by=[{"field": "revenue", "descending": True}],
        limit=1,
    )
    assert top == [("Dr. A", 520)]
    bottom = _rows(
        model,
        tiny,
        metrics=["revenue"],
        dimensions=["provider"],
        order_by=[{"field": "revenue", "descending": False}],
        limit=1,
    )
    assert bottom == [("Dr. A", 520)]  # Dr. B has no charges: not a group of revenue


def test_age_band_from_birth_year_at_the_visit(model, tiny):
    rows = dict(_rows(model, tiny, metrics=["completed_visits"], dimensions=["age_band"]))
    assert rows == {"40-64": 2, "18-39": 1, "0-17": 1}


# -- typed errors -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"metrics": []}, "the query names no metric"),
        ({"metrics": ["profit"]}, "unknown metric 'profit'"),
        ({"metrics": ["revenue"], "dimensions": ["planet"]}, "unknown dimension 'planet'"),
        (
            {"metrics": ["revenue"], "dimensions": ["recall_type"]},
            "metric 'revenue' cannot be broken down or filtered by 'recall_type'",
        ),
        (
            {
                "metrics": ["revenue_per_visit"],
                "filters": [{"dimension": "payer_type", "values": ["self_pay"]}],
            },
            "metric 'revenue_per_visit' cannot be broken down or filtered by 'payer_type'",
        ),
        (
            {"metrics": ["revenue"], "order_by": [{"field": "no_shows"}]},
            "cannot order by 'no_shows': it is not a metric or dimension of the query",
        ),
        (
            {"metrics": ["revenue"], "dimensions": ["hour_of_day"]},
            "hour of day needs a timestamp, and this metric is dated by a date",
        ),
        (
            {"metrics": ["active_patients"], "dimensions": ["month"]},
            "'active_patients' split by month needs a period end",
        ),
        (
            {
                "metrics": ["active_patients"],
                "dimensions": ["day_of_week"],
                "time_range": {"start": None, "end": "2026-01-01"},
            },
            "'active_patients' is a trailing-window count: it can be split by one of day, week, month, quarter or year, without a comparison period",
        ),
        (
            {"metrics": ["stock_on_hand"], "dimensions": ["day_of_week"]},
            "'stock_on_hand' is a running total and can only be split by day, week, month, quarter or year",
        ),
        (
            {"metrics": ["revenue"], "compare_range": {"start": "2025-01-01", "end": "2025-02-01"}},
            "a comparison period needs a time range to compare with",
        ),
        ({"metrics": ["revenue"], "limit": 0}, "limit must be at least 1"),
        (
            {"metrics": ["revenue"], "time_range": {"start": "2025-02-01", "end": "2025-01-01"}},
            "empty time range 2025-02-01 .. 2025-01-01",
        ),
        (
            {"metrics": ["revenue"], "filters": [{"dimension": "location", "values": []}]},
            "filter on 'location' has no values",
        ),
        ({"metrics": ["revenue"], "dimensions": ["location", "location"]}, "a dimension is listed twice"),
    ],
)
def test_compile_errors_say_why(model, query, reason):
    with pytest.raises(CompileError) as info:
        compile_query(model, SemanticQuery.from_dict(query))
    assert info.value.reason == reason


def test_allowed_metrics_covers_parts_of_derived_metrics(model):
    operational = frozenset({"completed_visits", "hours_worked", "patients_per_hour", "no_show_rate"})
    compile_query(model, SemanticQuery(metrics=("patients_per_hour",)), allowed_metrics=operational)
    with pytest.raises(CompileError, match="not available to this role"):
        compile_query(model, SemanticQuery(metrics=("revenue",)), allowed_metrics=operational)
    with pytest.raises(CompileError) as info:
        compile_query(
            model,
            SemanticQuery(metrics=("revenue_per_visit",)),
            allowed_metrics=operational | {"revenue_per_visit"},
        )
    assert "needs revenue" in info.value.reason


# one plain side and nothing to look up: the side's own SELECT, no WITH
ONE_SELECT = {
    "simple_filtered",
    "trailing_active",
    "trailing_by_quarter",
    "weekday_and_hour",
    "weekly_minutes",
    "age_band_nps",
    "hours_overtime_by_role",
    "ratio_by_type_top2",
}


@pytest.mark.parametrize("name", sorted(GOLDEN_QUERIES))
def test_one_select_unless_sides_are_combined(model, name):
    tree = compile_query(model, SemanticQuery.from_dict(GOLDEN_QUERIES[name]))
    ctes = [c.alias for c in tree.find_all(exp.CTE)]
    if name in ONE_SELECT:
        # no side CTE, no side column names (a ratio is divided in place)
        assert ctes == [] and "_agg" not in to_sql(tree) and "__" not in to_sql(tree)
    else:
        # a dimension looked up by key, several sides, a comparison or a running total
        assert ctes[-1] == "result"


def test_one_select_orders_and_limits_like_the_combined_form(model, tiny):
    q = {
        "metrics": ["no_show_rate", "completed_visits"],
        "dimensions": ["appointment_type"],
        "time_range": Y2025,
        "order_by": [{"field": "no_show_rate", "descending": True}],
    }
    rows = _rows(model, tiny, **q)
    assert rows == sorted(rows, key=lambda r: (r[1] is None, -(r[1] or 0), r[0]))
    assert _rows(model, tiny, **q, limit=1) == rows[:1]


def test_compiling_is_pure_and_deterministic(model):
    q = SemanticQuery.from_dict(GOLDEN_QUERIES["compare_by_month"])
    assert to_sql(compile_query(model, q)) == to_sql(compile_query(model, q))


def test_output_columns_are_named_after_the_query(model, tiny):
    q = SemanticQuery.from_dict(
        {
            "metrics": ["revenue", "no_show_rate"],
            "dimensions": ["location", "year"],
            "time_range": Y2025,
            "compare_range": {"start": "2024-01-01", "end": "2025-01-01"},
        }
    )
    cur = tiny.execute(to_sql(compile_query(model, q)))
    names = [d[0] for d in cur.description]
    assert names == [
        "location",
        "year",
        "revenue",
        "revenue_previous",
        "revenue_change",
        "no_show_rate",
        "no_show_rate_previous",
        "no_show_rate_change",
    ]


# -- acuity explain ---------------------------------------------------------------------
def test_explain_prints_sql_per_dialect(capsys):
    from assistant.cli import main

    query = '{"metrics": ["no_show_rate"], "dimensions": ["location"], "time_range": {"start": "2025-01-01", "end": "2026-01-01"}}'
    assert main(["explain", query, "--dialect", "postgres", "--compact"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("WITH appointments_agg AS (SELECT appointments.location_id AS location__key")
    sqlglot.parse_one(out, read="postgres")


def test_explain_reports_why_it_cannot_compile(capsys):
    from assistant.cli import main

    assert main(["explain", '{"metrics": ["revenue"], "dimensions": ["recall_type"]}']) == 2
    assert "cannot be broken down or filtered by 'recall_type'" in capsys.readouterr().err
    assert main(["explain", "not json"]) == 2
    assert "not a semantic query" in capsys.readouterr().err


def test_a_comparison_can_be_ranked_by_its_change(model, demo_db):
    """ORDER BY <metric>_change ranks the groups by how much they moved, through the guard too."""
    from semantic_layer.guard import guard_sql
    from semantic_layer.query import OrderBy, TimeRange
    from semantic_layer.roles import access_for

    base = dict(
        metrics=("completed_visits",),
        dimensions=("location",),
        time_range=TimeRange(dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
        compare_range=TimeRange(dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
    )
    q = SemanticQuery(**base, order_by=(OrderBy("completed_visits_change", False),))
    guarded = guard_sql(to_sql(compile_query(model, q)), catalog=model.catalog(), access=access_for("owner"), max_rows=100)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        rows = con.execute(guarded.sql).fetchall()
    finally:
        con.close()
    changes = [r[3] for r in rows]
    assert changes == sorted(changes) and all(r[3] == r[1] - r[2] for r in rows)
    with pytest.raises(CompileError, match="nor a metric's _previous or _change"):
        compile_query(model, SemanticQuery(**base, order_by=(OrderBy("revenue_change", True),)))
    with pytest.raises(CompileError, match="not a metric or dimension of the query$"):
        compile_query(model, SemanticQuery(metrics=("completed_visits",), order_by=(OrderBy("completed_visits_change", True),)))
