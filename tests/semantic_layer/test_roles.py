"""Roles: definitions in roles.yaml, Access, and their enforcement by the guard on a real
warehouse (manager rows, staff money columns)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.contract import TABLES
from semantic_layer.execute import Executor
from semantic_layer.guard import Code, GuardRejection, guard_sql
from semantic_layer.roles import (
    Access,
    RoleError,
    UnknownRole,
    access_for,
    allowed_catalog,
    default_roles,
    load_roles,
    role_names,
)
from tests.conftest import SHARED
from tests.semantic_layer.guard_warehouse import CATALOG, build_small_warehouse

MONEY_METRICS = {
    "revenue",
    "collections",
    "revenue_per_visit",
    "optical_revenue",
    "contact_lens_revenue",
    "marketing_spend",
    "cost_per_new_patient",
    "campaign_revenue",
    "campaign_roi",
}
MONEY_COLUMNS = {
    ("charges", "charge_amount"),
    ("charges", "insurance_paid"),
    ("charges", "patient_paid"),
    ("charges", "adjustment_amount"),
    ("campaign_spend", "spend_amount"),
    ("campaigns", "budget"),
    ("inventory_items", "unit_cost"),
    ("inventory_items", "retail_price"),
}


def metrics_md_names() -> set[str]:
    text = (SHARED / "design" / "metrics.md").read_text(encoding="utf-8").split("## Dimensions")[0]
    return set(re.findall(r"^\| ([a-z_]+) \|", text, flags=re.M)) - {"metric"}


@pytest.fixture(scope="module")
def executor(tmp_path_factory):
    db = build_small_warehouse(tmp_path_factory.mktemp("roles") / "warehouse.duckdb")
    with Executor(db, max_rows=1000) as ex:
        yield ex


def run_as(executor, sql, role, locations=None):
    g = guard_sql(sql, catalog=CATALOG, access=access_for(role, locations), max_rows=1000)
    return executor.run(g)


# ------------------------------------------------------------------ definitions


def test_the_three_roles_exist():
    assert set(role_names()) == {"owner", "manager", "staff"}


def test_owner_sees_everything():
    a = access_for("owner")
    assert a == Access("owner")
    assert all(a.allows_metric(m) for m in metrics_md_names())
    assert allowed_catalog(CATALOG, a) == CATALOG


def test_manager_sees_every_metric_but_needs_locations():
    a = access_for("manager", ["LOC2", "LOC1"])
    assert a.location_ids == frozenset({"LOC1", "LOC2"}) and a.allowed_metrics is None
    with pytest.raises(RoleError, match="location"):
        access_for("manager")


def test_staff_metrics_are_operational_only():
    staff = access_for("staff")
    names = metrics_md_names()
    assert names >= MONEY_METRICS and len(names) >= 30
    assert staff.allowed_metrics <= names  # every listed name is a metric of metrics.md
    assert staff.allowed_metrics == names - MONEY_METRICS
    assert not any(staff.allows_metric(m) for m in MONEY_METRICS)


def test_staff_loses_the_money_columns():
    staff = access_for("staff")
    assert staff.denied_columns == MONEY_COLUMNS
    cat = allowed_catalog(CATALOG, staff)
    for table, col in MONEY_COLUMNS:
        assert col not in cat[table]
    assert "category" in cat["charges"]


def test_unknown_role_is_a_typed_error():
    with pytest.raises(UnknownRole) as info:
        access_for("admin")
    assert info.value.role == "admin" and "owner" in str(info.value)


def test_every_warehouse_table_has_a_location_rule():
    scope = default_roles().location_scope
    assert {t.name for t in TABLES} == set(scope)
    for table, rules in scope.items():
        for rule in rules or ():
            if rule.column:
                assert rule.column in CATALOG[table]
            else:
                assert rule.key in CATALOG[table] and rule.key in CATALOG[rule.via]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("roles: {boss: {metrics: 3}}", "roles.boss.metrics"),
        ("roles: {boss: {rows: some}}", "roles.boss.rows"),
        ("roles: {boss: {colour: red}}", "roles.boss"),
        ("roles: {a: {}}\nlocation_scope: {t: [{via: x}]}", "location_scope.t"),
        ("roles: {a: {}}\nlocation_scope: {t: [{via: u, key: k}], u: practice_wide}", "location_scope.t"),
        ("{}", "roles"),
    ],
)
def test_bad_role_files_name_the_file_and_key(tmp_path: Path, text, where):
    path = tmp_path / "roles.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RoleError) as info:
        load_roles(path)
    assert str(path) in str(info.value) and where in str(info.value)


# ------------------------------------------------------------------ enforcement


BY_LOCATION = "SELECT location_id, count(*) AS n FROM appointments GROUP BY 1 ORDER BY 1"


def test_manager_sees_only_own_location_rows(executor):
    owner = dict(run_as(executor, BY_LOCATION, "owner").rows)
    manager = dict(run_as(executor, BY_LOCATION, "manager", ["LOC1"]).rows)
    assert set(owner) == {"LOC1", "LOC2", "LOC3"}
    assert manager == {"LOC1": owner["LOC1"]}
    two = dict(run_as(executor, BY_LOCATION, "manager", ["LOC1", "LOC3"]).rows)
    assert two == {k: owner[k] for k in ("LOC1", "LOC3")}


def test_manager_filter_cannot_be_escaped_by_aliases_ctes_or_subqueries(executor):
    sqls = [
        "SELECT count(*) AS n FROM appointments AS x",
        "WITH a AS (SELECT * EXCLUDE (patient_key) FROM appointments) SELECT count(*) AS n FROM a",
        "SELECT count(*) AS n FROM (SELECT location_id FROM main.appointments) t",
        "SELECT (SELECT count(*) FROM appointments) AS n",
        "SELECT count(*) AS n FROM locations l JOIN appointments a ON a.location_id = l.location_id "
        "OR a.location_id <> l.location_id WHERE l.location_id = 'LOC1'",
    ]
    owner_loc1 = dict(run_as(executor, BY_LOCATION, "owner").rows)["LOC1"]
    for sql in sqls:
        (n,) = run_as(executor, sql, "manager", ["LOC1"]).rows[0]
        assert n == owner_loc1, sql


def test_patient_flow_is_scoped_through_appointments(executor):
    sql = (
        "SELECT a.location_id, count(*) AS n FROM patient_flow f JOIN appointments a "
        "ON a.appointment_id = f.appointment_id GROUP BY 1"
    )
    owner = dict(run_as(executor, sql, "owner").rows)
    (flow_only,) = run_as(executor, "SELECT count(*) AS n FROM patient_flow", "manager", ["LOC2"]).rows[0]
    assert flow_only == owner["LOC2"]


def test_patients_are_scoped_by_home_or_visit(executor):
    sql_owner = (
        "SELECT count(*) AS n FROM patients WHERE home_location_id = 'LOC3' OR patient_key IN "
        "(SELECT patient_key FROM appointments WHERE location_id = 'LOC3')"
    )
    (expected,) = run_as(executor, sql_owner, "owner").rows[0]
    (got,) = run_as(executor, "SELECT count(*) AS n FROM patients", "manager", ["LOC3"]).rows[0]
    assert got == expected and 0 < got < 120


def test_practice_wide_tables_are_not_filtered(executor):
    sql = "SELECT count(*) AS n FROM campaign_spend"
    assert run_as(executor, sql, "manager", ["LOC1"]).rows == run_as(executor, sql, "owner").rows


def test_injected_filters_are_reported():
    g = guard_sql(BY_LOCATION, catalog=CATALOG, access=access_for("manager", ["LOC1"]), max_rows=10)
    assert g.injected == ("rows of appointments limited to locations LOC1", "limit 11")
    assert g.role == "manager"


def test_staff_rejected_on_revenue_columns_with_a_clear_reason():
    with pytest.raises(GuardRejection) as info:
        guard_sql("SELECT sum(charge_amount) AS r FROM charges", catalog=CATALOG, access=access_for("staff"),
                  max_rows=10)  # fmt: skip
    assert info.value.code is Code.FORBIDDEN_COLUMN
    assert "charges.charge_amount" in info.value.reason and "staff" in info.value.reason


def test_staff_runs_operational_queries(executor):
    res = run_as(executor, "SELECT category, sum(quantity) AS units FROM charges GROUP BY 1", "staff")
    assert res.rows
    star = run_as(executor, "SELECT * FROM inventory_items", "staff")
    assert "unit_cost" not in star.columns and "brand" in star.columns


def test_owner_runs_revenue_queries(executor):
    assert run_as(executor, "SELECT sum(charge_amount) AS r FROM charges", "owner").rows[0][0] > 0
