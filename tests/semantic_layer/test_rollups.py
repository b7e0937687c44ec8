"""Daily rollups: a side read from a rollup gives the fact tables' answer, and only when it may.

The equivalence tests run every development question's semantic query and a few hundred
random ones (metrics, dimensions, grains, filters, periods, comparisons, order, limit)
both ways on the demo warehouse and compare every cell; they also check that the rollups
were actually used, so that a compiler that stopped reading them fails here too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from assistant.pipeline import answer_question, close_engines, get_engine
from assistant.warehouse import sync_warehouse
from semantic_layer.compile import compile_query, to_sql
from semantic_layer.errors import ModelError
from semantic_layer.guard import GuardRejection, guard_sql
from semantic_layer.model import load_model
from semantic_layer.query import Filter, FilterOp, OrderBy, SemanticQuery, TimeRange
from semantic_layer.roles import access_for
from semantic_layer.rollup import REGISTRY, available_rollups, define_rollups, model_rollups
from tests.conftest import SHARED, TEST_SECRET

DEV = SHARED / "eval" / "dev.yaml"
OWNER = access_for("owner")


def _same(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, (float, decimal.Decimal)) and isinstance(y, (float, decimal.Decimal)):
                fx, fy = float(x), float(y)
                if not (
                    math.isclose(fx, fy, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(fx) and math.isnan(fy))
                ):
                    return False
            elif x != y:
                return False
    return True


def _both(engine, q: SemanticQuery) -> tuple[str, list, list]:
    """(SQL with rollups, rows with rollups, rows from the fact tables) through the guard and executor."""
    rollups = tuple(r for r in engine.rollups if r.usable_by(OWNER))
    fast_tree = compile_query(engine.model, q, rollups=rollups)
    catalog = {**engine.catalog, **{r.name: r.catalog_columns(OWNER) for r in rollups}}
    fast = guard_sql(to_sql(fast_tree), catalog=catalog, access=OWNER, max_rows=5000)
    base = guard_sql(
        to_sql(compile_query(engine.model, q)), catalog=engine.catalog, access=OWNER, max_rows=5000
    )
    return fast.sql, engine.executor.run(fast).rows, engine.executor.run(base).rows


@pytest.fixture(scope="module")
def engine(demo_db):
    eng = get_engine(demo_db)
    assert len(eng.rollups) == len(model_rollups(eng.model))  # a fresh sync: every rollup is current
    return eng


def test_every_dev_question_gets_the_same_rows_from_the_rollups(engine, demo_db):
    spec = yaml.safe_load(DEV.read_text(encoding="utf-8"))
    used = compared = 0
    for case in spec["cases"]:
        ans = answer_question(
            case["question"], db_path=demo_db, context=case.get("context") or [], as_of=spec["as_of"]
        )
        if ans.kind != "answer" or not ans.semantic_query:
            continue
        q = SemanticQuery.from_dict(ans.semantic_query)
        sql, fast, base = _both(engine, q)
        assert _same(fast, base), (case["id"], sql)
        assert _same([list(r) for r in fast], [list(r) for r in ans.rows]), case[
            "id"
        ]  # what the answer showed
        compared += 1
        used += "rollup_" in sql
    assert compared >= 35
    assert used >= 25  # distinct counts, running totals and hours of day read the fact tables


def _members(engine, dim: str, fact: str) -> list[str]:
    q = SemanticQuery(metrics=(_metrics_of(engine, fact)[0],), dimensions=(dim,))
    _, _, rows = _both(engine, q)
    return [r[0] for r in rows if isinstance(r[0], str)]


def _metrics_of(engine, fact: str) -> list[str]:
    names = set()
    for r in engine.rollups:
        if r.fact == fact:
            names |= {a.metric for a in r.aggs.values()}
    return sorted(names)


def _random_query(rng: random.Random, engine, members: dict) -> SemanticQuery:
    r = rng.choice(engine.rollups)
    pool = _metrics_of(engine, r.fact)
    metrics = tuple(rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 2]))))
    dims = list(rng.sample(r.dimensions, k=min(len(r.dimensions), rng.choice([0, 1, 1, 2]))))
    if rng.random() < 0.4:
        dims.insert(
            rng.randrange(len(dims) + 1),
            rng.choice(["day", "week", "month", "quarter", "year", "day_of_week"]),
        )
    filters = []
    if rng.random() < 0.5:
        d = rng.choice(r.dimensions)
        vals = members[(d, r.fact)]
        if vals:
            op = rng.choice([FilterOp.IN, FilterOp.IN, FilterOp.NOT_IN])
            filters.append(Filter(d, tuple(rng.sample(vals, k=min(len(vals), rng.choice([1, 2])))), op))
    start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 1300))
    end = start + dt.timedelta(days=rng.choice([1, 7, 30, 31, 90, 365]))
    time_range = TimeRange(start, end) if rng.random() < 0.85 else None
    compare = None
    if time_range is not None and rng.random() < 0.35:
        span = end - start
        compare = TimeRange(start - span, start)
    order, limit = (), None
    if rng.random() < 0.3:
        order = (OrderBy(metrics[0], descending=rng.random() < 0.5),)
        limit = rng.choice([1, 3, 5])
    return SemanticQuery(
        metrics=metrics,
        dimensions=tuple(dims),
        filters=tuple(filters),
        time_range=time_range,
        compare_range=compare,
        order_by=order,
        limit=limit,
    )


def test_random_queries_get_the_same_rows_from_the_rollups(engine):
    rng = random.Random(20261202)
    members = {}
    for r in engine.rollups:
        for d in r.dimensions:
            if (d, r.fact) not in members:
                members[(d, r.fact)] = sorted(_members(engine, d, r.fact))[:12]
    used = total = 0
    for _ in range(250):
        q = _random_query(rng, engine, members)
        try:
            sql, fast, base = _both(engine, q)
        except Exception as exc:  # a query the compiler refuses must be refused both ways
            with pytest.raises(type(exc)):
                compile_query(engine.model, q)
            continue
        assert _same(fast, base), (q.to_dict(), sql)
        total += 1
        used += "rollup_" in sql
    assert total >= 200
    assert used >= 0.9 * total


def test_what_a_rollup_cannot_hold_reads_the_fact_table(engine):
    for q in (
        SemanticQuery(metrics=("active_patients",)),  # a distinct count
        SemanticQuery(metrics=("completed_visits",), dimensions=("hour_of_day",)),
        SemanticQuery(
            metrics=("completed_visits",), dimensions=("provider", "appointment_type")
        ),  # no such rollup
        SemanticQuery(
            metrics=("stock_on_hand",),
            dimensions=("month",),
            time_range=TimeRange(dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
        ),
    ):
        sql, fast, base = _both(engine, q)
        assert "rollup_" not in sql
        assert _same(fast, base)


def test_the_smallest_rollup_that_holds_the_side_is_read(engine):
    sql, _, _ = _both(engine, SemanticQuery(metrics=("no_show_rate",), dimensions=("provider",)))
    assert "rollup_appointments__location_provider" in sql
    sql, _, _ = _both(engine, SemanticQuery(metrics=("revenue",), dimensions=("payer_type",)))
    assert "rollup_charges__location_payer_type" in sql


def test_location_scoped_askers_read_the_fact_tables(demo_db):
    ans = answer_question(
        "no-show rate by provider last quarter", db_path=demo_db, role="manager", location_ids=["LOC1"],
        as_of=dt.date(2026, 10, 1),
    )  # fmt: skip
    assert ans.kind == "answer" and "rollup_" not in ans.sql
    owner = answer_question(
        "no-show rate by provider last quarter", db_path=demo_db, as_of=dt.date(2026, 10, 1)
    )
    assert "rollup_appointments" in owner.sql


def test_a_role_denied_a_column_never_reads_a_rollup_built_from_it(engine, demo_db):
    staff = access_for("staff")
    usable = [r.name for r in engine.rollups if r.usable_by(staff)]
    assert usable and not any(n.startswith("rollup_charges") for n in usable)  # money columns are denied
    ans = answer_question(
        "no-show rate by provider last quarter", db_path=demo_db, role="staff", as_of=dt.date(2026, 10, 1)
    )
    assert ans.kind == "answer" and "rollup_appointments" in ans.sql
    # a rollup's measure columns follow the role's metrics
    r = next(r for r in engine.rollups if r.name == "rollup_appointments__location_provider")
    assert "no_shows__v" in r.catalog_columns(staff)
    restricted = access_for("staff")
    assert all(
        restricted.allows_metric(m) for c, m in r.columns.items() if m and c in r.catalog_columns(restricted)
    )


def test_sql_written_by_anyone_else_cannot_name_a_rollup(engine):
    with pytest.raises(GuardRejection):
        guard_sql(
            "SELECT * FROM rollup_charges__location_provider",
            catalog=engine.catalog,
            access=OWNER,
            max_rows=10,
        )


@pytest.fixture()
def copy_db(demo_db, tmp_path) -> Path:
    close_engines()
    target = tmp_path / "wh.duckdb"
    shutil.copyfile(demo_db, target)
    return target


def _available(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r.name for r in available_rollups(load_model(), con)}
    finally:
        con.close()


def test_rows_written_outside_a_sync_leave_that_tables_rollups_unused(copy_db):
    before = _available(copy_db)
    con = duckdb.connect(str(copy_db))
    con.execute("INSERT INTO charges SELECT * REPLACE ('CH-extra' AS charge_id) FROM charges LIMIT 1")
    con.close()
    after = _available(copy_db)
    assert {n for n in before if n.startswith("rollup_charges")} and not {
        n for n in after if n.startswith("rollup_charges")
    }
    assert {n for n in after if n.startswith("rollup_appointments")} == {
        n for n in before if n.startswith("rollup_appointments")
    }


def test_a_rollup_of_another_definition_or_run_is_unused(copy_db):
    con = duckdb.connect(str(copy_db))
    con.execute(f"UPDATE {REGISTRY} SET digest = 'older' WHERE name = 'rollup_charges__location_provider'")
    con.close()
    assert "rollup_charges__location_provider" not in _available(copy_db)
    assert "rollup_charges__location_payer_type" in _available(copy_db)
    con = duckdb.connect(str(copy_db))
    con.execute(
        "INSERT INTO sync_runs SELECT * REPLACE ('later-run' AS run_id, started_at + INTERVAL 1 DAY AS started_at)"
        " FROM sync_runs ORDER BY started_at DESC LIMIT 1"
    )
    con.close()
    assert _available(copy_db) == set()  # a later run without rollups: none is current
    con = duckdb.connect(str(copy_db))
    con.execute(f"DROP TABLE {REGISTRY}")
    con.close()
    assert _available(copy_db) == set()  # a warehouse from before rollups


def test_a_second_sync_rebuilds_the_rollups_from_the_new_rows(demo_export, copy_db, tmp_path):
    src = tmp_path / "export"
    shutil.copytree(demo_export, src, ignore=shutil.ignore_patterns("documents"))
    lines = (src / "charges.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    amount = header.index("charge_amount")
    row = lines[-1].rstrip("\n").split(",")
    row[header.index("charge_id")] = "CH-LATE-1"
    row[amount] = "1234567.89"
    (src / "charges.csv").write_text("".join(lines) + ",".join(row) + "\n", encoding="utf-8")
    report = sync_warehouse(src, copy_db, secret=TEST_SECRET)
    assert report.changed
    con = duckdb.connect(str(copy_db), read_only=True)
    runs = {r for (r,) in con.execute(f"SELECT DISTINCT run_id FROM {REGISTRY}").fetchall()}
    con.close()
    assert runs == {report.run_id}
    assert len(_available(copy_db)) == len(model_rollups(load_model()))
    eng = get_engine(copy_db)
    q = SemanticQuery(metrics=("revenue",), dimensions=("location",))
    sql, fast, base = _both(eng, q)
    assert "rollup_charges" in sql and _same(fast, base)
    total = sum(float(r[1]) for r in fast)
    assert total > 1234567.89  # the new row is in the rollup
    close_engines()


def test_bad_rollup_definitions_are_named():
    model = load_model()
    with pytest.raises(ModelError, match="unknown dimension 'colour'"):
        define_rollups(model, [("appointments", ("location", "colour"))])
    with pytest.raises(ModelError, match="unknown table 'visits'"):
        define_rollups(model, [("visits", ("location",))])
    with pytest.raises(ModelError, match="cannot be reached from 'campaign_spend'"):
        define_rollups(model, [("campaign_spend", ("provider",))])
    with pytest.raises(ModelError, match="no metric a rollup can hold"):
        define_rollups(model, [("locations", ())])
    with pytest.raises(ModelError, match="defined twice"):
        define_rollups(model, [("charges", ("location",)), ("charges", ("location",))])


def test_every_bad_entry_of_a_rollups_file_is_reported_with_its_line(tmp_path):
    path = tmp_path / "rollups.yaml"
    path.write_text(
        "rollups:\n"
        "- {table: appointments, dimensions: [location, provider]}\n"
        "- {table: appointments, dimensions: [location, colour]}\n"
        "- {table: charges, dimensions: location}\n"
        "- {table: visits, dimensions: [location]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError) as raised:
        model_rollups(load_model(), path)
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (4, "rollup 3 (charges): `dimensions` must be a list of names")
    ]  # malformed entries stop before the model is consulted
    path.write_text(
        path.read_text(encoding="utf-8").replace("dimensions: location}", "dimensions: [location]}")
    )
    with pytest.raises(ModelError) as raised:
        model_rollups(load_model(), path)
    found = [(p.file, p.line, p.message) for p in raised.value.problems]
    assert found == [
        ("rollups.yaml", 3, "unknown dimension 'colour' (table appointments)"),
        ("rollups.yaml", 5, "unknown table 'visits'"),
    ]
    path.write_text("rollups: [\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid YAML"):
        model_rollups(load_model(), path)


def test_a_bad_rollups_file_fails_the_sync_and_leaves_the_warehouse_as_it_was(
    demo_export, copy_db, tmp_path, monkeypatch
):
    import semantic_layer.rollup as rollup

    bad = tmp_path / "rollups.yaml"
    bad.write_text("rollups:\n- {table: appointments, dimensions: [location, shoe_size]}\n", encoding="utf-8")
    monkeypatch.setattr(rollup, "ROLLUPS_FILE", bad)
    before = copy_db.read_bytes()
    with pytest.raises(ModelError, match="unknown dimension 'shoe_size'"):
        sync_warehouse(demo_export, copy_db, secret=TEST_SECRET)
    assert copy_db.read_bytes() == before
    assert not list(copy_db.parent.glob(".*.building"))  # no half-written copy stays behind
