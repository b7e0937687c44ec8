"""The guard with the semantic model: its catalog, compiled queries for every role, and
guarded results on the demo warehouse equal to the unguarded ones."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from semantic_layer.compile import compile_query, to_sql
from semantic_layer.execute import Executor
from semantic_layer.guard import Code, GuardRejection, guard_sql
from semantic_layer.guard_rules import PATIENT_KEY_COLUMNS
from semantic_layer.model import load_model
from semantic_layer.query import SemanticQuery
from semantic_layer.roles import access_for, allowed_catalog, default_roles
from tests.semantic_layer.guard_warehouse import CATALOG

DEV_QUERIES = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "dev_queries.yaml").read_text(encoding="utf-8")
)
OWNER = access_for("owner")
STAFF = access_for("staff")


@pytest.fixture(scope="module")
def model():
    return load_model()


def _compiled(model, name: str, access=OWNER) -> str:
    return to_sql(compile_query(model, SemanticQuery.from_dict(DEV_QUERIES[name]), access.allowed_metrics))


def test_model_catalog_matches_the_warehouse_tables_and_roles(model):
    cat = model.catalog()
    assert cat.keys() == CATALOG.keys() == set(default_roles().location_scope)
    for table, cols in cat.items():
        assert cols <= CATALOG[table]
    for table, col in STAFF.denied_columns:
        assert col in cat[table], (table, col)


def test_every_countable_only_column_is_protected_by_the_guard(model):
    for cols in model.countable_only_columns().values():
        assert cols <= PATIENT_KEY_COLUMNS


def test_staff_metrics_use_no_denied_column(model):
    """Every metric staff may see compiles to SQL the guard accepts for staff."""
    cat = model.catalog()
    for name in sorted(STAFF.allowed_metrics):
        sql = to_sql(compile_query(model, SemanticQuery(metrics=(name,)), STAFF.allowed_metrics))
        guard_sql(sql, catalog=cat, access=STAFF, max_rows=10)


@pytest.mark.parametrize("name", sorted(DEV_QUERIES))
def test_compiled_dev_queries_pass_the_guard_for_every_role(model, name):
    cat = model.catalog()
    sql = _compiled(model, name)
    guard_sql(sql, catalog=cat, access=OWNER, max_rows=5000)
    guard_sql(sql, catalog=cat, access=access_for("manager", ["LOC2"]), max_rows=5000)
    metrics = set(DEV_QUERIES[name]["metrics"])
    if metrics <= STAFF.allowed_metrics:
        guard_sql(_compiled(model, name, STAFF), catalog=cat, access=STAFF, max_rows=5000)
    else:
        # money SQL written by hand (e.g. by an LLM) is refused to staff by the guard too
        with pytest.raises(GuardRejection) as info:
            guard_sql(sql, catalog=cat, access=STAFF, max_rows=5000)
        assert info.value.code is Code.FORBIDDEN_COLUMN
        assert not allowed_catalog(cat, STAFF).keys() - cat.keys()


# ------------------------------------------------------------------ on the demo warehouse


def _normal(rows) -> list[str]:
    """Rows as sortable text, floats rounded (parallel sums differ in the last bits)."""
    return sorted(repr(tuple(round(v, 6) if isinstance(v, float) else v for v in r)) for r in rows)


@pytest.fixture(scope="module")
def demo_executor(demo_db):
    with Executor(demo_db, timeout_s=30, max_rows=5000) as ex:
        yield ex


@pytest.fixture(scope="module")
def demo_results(model, demo_db):
    """Unguarded results of the compiled dev queries, on a connection closed afterwards."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        return {n: _normal(con.execute(_compiled(model, n)).fetchall()) for n in DEV_QUERIES}
    finally:
        con.close()


def test_guarded_results_equal_unguarded_ones_on_the_demo(model, demo_results, demo_executor):
    cat = model.catalog()
    for name in sorted(DEV_QUERIES):
        res = demo_executor.run(guard_sql(_compiled(model, name), catalog=cat, access=OWNER, max_rows=5000))
        assert not res.truncated
        assert _normal(res.rows) == demo_results[name], name


def test_manager_gets_their_location_row_of_the_owner_breakdown(model, demo_executor):
    cat = model.catalog()
    sql = _compiled(model, "no_show_rate_by_location_2025")
    owner = dict(demo_executor.run(guard_sql(sql, catalog=cat, access=OWNER, max_rows=100)).rows)
    manager = demo_executor.run(
        guard_sql(sql, catalog=cat, access=access_for("manager", ["LOC2"]), max_rows=100)
    )
    assert len(owner) == 3
    assert dict(manager.rows) == {"Northside": owner["Northside"]}


def test_demo_warehouse_catalog_and_data_version(demo_executor, model):
    assert demo_executor.warehouse_catalog().keys() == model.catalog().keys()
    assert demo_executor.data_version().startswith(("sync:", "mtime:"))
