"""The SQL guard: hostile statements rejected with the right reason, analyst SQL accepted
and run, patient keys never listed, rewrites (row limit, location filters) correct."""

from __future__ import annotations

import contextlib
import hashlib
import statistics
import time
from pathlib import Path

import pytest
import sqlglot
import yaml

from semantic_layer import guard_rules
from semantic_layer.execute import Executor
from semantic_layer.guard import Code, GuardedQuery, GuardRejection, guard_sql
from semantic_layer.guard_rules import GuardContext
from semantic_layer.roles import access_for
from tests.conftest import SHARED
from tests.semantic_layer.guard_warehouse import CATALOG, build_small_warehouse

HERE = Path(__file__).parent
HOSTILE = yaml.safe_load((HERE / "hostile_sql.yaml").read_text(encoding="utf-8"))["cases"]
OWNER = access_for("owner")


def _access(case: dict):
    role = case.get("role", "owner")
    return access_for(role, case.get("locations", ["LOC1"]) if role == "manager" else None)


def _sql(case: dict) -> str:
    return " UNION ALL ".join([case["sql"]] * case.get("repeat", 1))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_small_warehouse(tmp_path_factory.mktemp("guard") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def executor(warehouse):
    with Executor(warehouse, timeout_s=10, max_rows=1000) as ex:
        yield ex


def guard(sql, access=OWNER, max_rows=1000, **kw):
    return guard_sql(sql, catalog=CATALOG, access=access, max_rows=max_rows, **kw)


# ------------------------------------------------------------------ the battery


def test_battery_is_large_and_covers_every_code():
    assert len(HOSTILE) >= 60
    assert len({c["id"] for c in HOSTILE}) == len(HOSTILE)
    used = {c["code"] for c in HOSTILE}
    # every rejection reason but not_scoped (tested with a custom role book below) has cases
    assert {c.value for c in Code} - used == {"not_scoped"}


@pytest.mark.parametrize("case", HOSTILE, ids=[c["id"] for c in HOSTILE])
def test_hostile_statement_rejected(case):
    with pytest.raises(GuardRejection) as info:
        guard(_sql(case), _access(case))
    assert info.value.code == Code(case["code"]), info.value.reason
    assert info.value.reason and info.value.sql is not None


def test_battery_leaves_the_warehouse_byte_identical(warehouse, executor):
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    executor.run(guard("SELECT count(*) AS n FROM appointments"))  # the executor is open
    accepted = []
    for case in HOSTILE:
        with contextlib.suppress(GuardRejection):
            accepted.append(executor.run(guard(_sql(case), _access(case))))
    assert accepted == []
    executor.close()
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before


# ------------------------------------------------------------------ legitimate SQL

LEGIT = {
    "join": "SELECT l.location_name, count(*) AS visits FROM appointments a JOIN locations l "
    "ON l.location_id = a.location_id WHERE a.status = 'completed' GROUP BY 1 ORDER BY 2 DESC",
    "using_join": "SELECT location_name, count(*) AS n FROM appointments JOIN locations USING (location_id) GROUP BY 1",
    "cte": "WITH m AS (SELECT date_trunc('month', scheduled_at) AS month, count_if(status = 'no_show') AS ns, "
    "count_if(status IN ('completed', 'no_show')) AS d FROM appointments GROUP BY 1) "
    "SELECT month, ns::DOUBLE / nullif(d, 0) AS no_show_rate FROM m ORDER BY month",
    "window": "SELECT provider_id, month, n, rank() OVER (PARTITION BY month ORDER BY n DESC) AS rk, "
    "sum(n) OVER (PARTITION BY provider_id ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum "
    "FROM (SELECT provider_id, date_trunc('month', scheduled_at) AS month, count(*) AS n FROM appointments GROUP BY 1, 2) t",
    "lag": "SELECT d, n, n - lag(n) OVER (ORDER BY d) AS delta FROM "
    "(SELECT scheduled_at::DATE AS d, count(*) AS n FROM appointments GROUP BY 1) x ORDER BY d",
    "epoch_minutes": "SELECT avg(epoch(exam_started_at - checked_in_at) / 60) AS avg_wait_minutes FROM patient_flow",
    "date_parts": "SELECT dayname(scheduled_at) AS dow, hour(scheduled_at) AS h, extract(year FROM scheduled_at) AS y, "
    "strftime(scheduled_at, '%Y-%m') AS ym, count(*) AS n FROM appointments GROUP BY ALL",
    "count_distinct_patients": "SELECT location_id, count(DISTINCT patient_key) AS patients FROM appointments GROUP BY 1",
    "patient_key_join_where": "SELECT p.gender, count(*) AS visits FROM appointments a JOIN patients p "
    "ON p.patient_key = a.patient_key WHERE a.patient_key <> 'x' GROUP BY 1",
    "patient_key_exists": "SELECT count(*) AS n FROM recalls r WHERE EXISTS "
    "(SELECT patient_key FROM appointments a WHERE a.patient_key = r.patient_key)",
    "patient_key_in": "SELECT count(*) AS n FROM charges WHERE patient_key IN (SELECT patient_key FROM patients WHERE gender = 'F')",
    "patient_key_partition": "SELECT status, count(*) OVER (PARTITION BY patient_key) AS per_patient FROM appointments",
    "patient_key_count_in_cte": "WITH x AS (SELECT location_id, count(DISTINCT patient_key) AS n FROM appointments "
    "GROUP BY 1) SELECT * FROM x",
    "exclude_star": "SELECT * EXCLUDE (patient_key) FROM appointments",
    "union": "SELECT location_id AS id FROM locations UNION SELECT staff_id FROM staff ORDER BY 1",
    "case_coalesce": "SELECT CASE WHEN nps_score >= 9 THEN 'promoter' WHEN nps_score <= 6 THEN 'detractor' "
    "ELSE 'passive' END AS kind, coalesce(count(*), 0) AS n FROM surveys GROUP BY 1",
    "nps": "SELECT 100 * (avg(CASE WHEN nps_score >= 9 THEN 1 ELSE 0 END) - avg(CASE WHEN nps_score <= 6 "
    "THEN 1 ELSE 0 END)) AS nps FROM surveys",
    "hours_worked": "SELECT sum(epoch(clock_out - clock_in) / 3600 - break_minutes / 60) AS hours, "
    "sum(greatest(0, epoch(clock_out - clock_in) / 3600 - scheduled_hours)) AS ot FROM timeclock",
    "intervals": "SELECT count(*) AS n FROM appointments WHERE scheduled_at >= DATE '2026-01-01' + INTERVAL 1 MONTH "
    "AND scheduled_at < DATE '2026-12-31' - INTERVAL '1 day'",
    "qualify": "SELECT provider_id, scheduled_at FROM appointments QUALIFY row_number() OVER "
    "(PARTITION BY provider_id ORDER BY scheduled_at DESC) = 1",
    "filter_clause": "SELECT count(*) FILTER (WHERE status = 'no_show') AS ns, median(scheduled_minutes) AS m FROM appointments",
    "string_funcs": "SELECT upper(left(staff_name, 3)) AS s, length(staff_name) AS l, "
    "regexp_replace(staff_name, 'Dr\\. ', '') AS n FROM staff WHERE staff_name ILIKE 'dr%'",
    "scalar_subquery": "SELECT location_name, (SELECT count(*) FROM appointments a WHERE a.location_id = l.location_id) "
    "AS n FROM locations l",
    "from_first": "FROM locations SELECT location_name",
    "values": "SELECT v.x FROM (VALUES (1), (2)) AS v(x)",
    "parenthesised": "(SELECT location_name FROM locations)",
    "semicolon": "SELECT location_name FROM locations;",
    "main_schema": "SELECT location_name FROM main.locations",
    "uppercase": "SELECT LOCATION_NAME FROM LOCATIONS",
    "cte_shadows_table": "WITH charges AS (SELECT category, quantity FROM charges) SELECT category, sum(quantity) AS q "
    "FROM charges GROUP BY 1",
    "limit_offset": "SELECT location_name FROM locations ORDER BY 1 LIMIT 2 OFFSET 1",
}


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_legitimate_query_accepted_and_runs(name, executor):
    g = guard(LEGIT[name])
    result = executor.run(g)
    assert result.columns and not result.truncated
    assert g.sql == sqlglot.parse_one(g.sql, read="duckdb").sql("duckdb")  # one clean statement


def _dev_cases():
    cases = yaml.safe_load((SHARED / "eval" / "dev.yaml").read_text(encoding="utf-8"))["cases"]
    return [c for c in cases if c.get("sql")]


@pytest.mark.parametrize("case", _dev_cases(), ids=lambda c: c["id"])
def test_every_gold_sql_of_the_dev_set_is_accepted_and_runs(case, executor):
    for access in (OWNER, access_for("manager", ["LOC2"])):
        executor.run(guard(case["sql"], access))


def test_guard_is_fast_on_the_dev_set():
    sqls = [c["sql"] for c in _dev_cases()]
    times = []
    for sql in sqls:
        t = time.perf_counter()
        guard(sql, access_for("manager", ["LOC1"]))
        times.append((time.perf_counter() - t) * 1000)
    assert statistics.median(times) < 25  # measured ~3 ms on the dev machine


# ------------------------------------------------------------------ outputs and stars


def test_star_expands_to_the_allowed_columns_only(executor):
    g = guard("SELECT * EXCLUDE (patient_key) FROM charges", access_for("staff"))
    cols = executor.run(g).columns
    assert "category" in cols and "charge_amount" not in cols and "insurance_paid" not in cols
    assert "charge_amount" not in g.sql


def test_unnamed_outputs_are_named_by_their_sql(executor):
    res = executor.run(
        guard("SELECT status, count(*), count(DISTINCT patient_key) FROM appointments GROUP BY 1")
    )
    assert res.columns == ("status", "count(*)", "count(distinct patient_key)")


def test_comments_are_stripped_from_the_sql_that_runs():
    g = guard("SELECT location_name /* */ FROM locations -- */ DROP TABLE patients; /*")
    assert "DROP" not in g.sql and "/*" not in g.sql and "--" not in g.sql


# ------------------------------------------------------------------ row limit


def test_limit_is_added_when_missing():
    assert guard("SELECT location_name FROM locations", max_rows=50).sql.endswith("LIMIT 51")


def test_own_smaller_limit_is_kept_and_larger_lowered():
    assert guard("SELECT location_name FROM locations LIMIT 2", max_rows=50).sql.endswith("LIMIT 2")
    assert guard("SELECT location_name FROM locations LIMIT 999", max_rows=50).sql.endswith("LIMIT 51")


def test_offset_is_wrapped_and_keeps_order(executor):
    g = guard(
        "SELECT appointment_id FROM appointments ORDER BY appointment_id DESC LIMIT 300 OFFSET 5", max_rows=10
    )
    assert g.injected[-1] == "limit 11 (outer)"
    rows = [r[0] for r in executor.run(g).rows]
    assert rows == sorted(rows, reverse=True) and rows[0] == "A0394"


def test_union_gets_a_limit():
    g = guard("SELECT location_id FROM locations UNION ALL SELECT staff_id FROM staff", max_rows=3)
    assert g.sql.endswith("LIMIT 4")


# ------------------------------------------------------------------ inputs and results


def test_a_sqlglot_tree_is_accepted_and_not_mutated():
    tree = sqlglot.parse_one("SELECT location_name FROM locations", read="duckdb")
    before = tree.sql()
    g = guard(tree, access_for("manager", ["LOC1"]))
    assert tree.sql() == before and "LOC1" in g.sql


def test_other_dialects_are_read_and_duckdb_is_written():
    g = guard("SELECT TOP 3 location_name FROM locations", dialect="tsql")
    assert g.sql.endswith("LIMIT 3")


def test_guarded_query_cannot_be_built_by_hand():
    with pytest.raises(TypeError):
        GuardedQuery(tree=sqlglot.parse_one("SELECT 1"), sql="SELECT 1", injected=(), tables=frozenset(),
                     max_rows=1, role="owner")  # fmt: skip


def test_rejection_is_an_exception_with_code_and_plain_reason():
    with pytest.raises(GuardRejection) as info:
        guard("SELECT * FROM read_csv('/etc/passwd')")
    assert info.value.code is Code.FILE_ACCESS
    assert "reads files" in info.value.reason and "read_csv" in info.value.reason


# ------------------------------------------------------------------ each check on its own


def _ctx(sql: str, access=OWNER) -> GuardContext:
    ctx = GuardContext(catalog=CATALOG, full_catalog=CATALOG, access=access, text=sql)
    ctx.tree = sqlglot.parse_one(sql, read="duckdb")
    return ctx


@pytest.mark.parametrize(
    ("check", "ok", "bad", "code"),
    [
        (guard_rules.check_length, "SELECT 1", "SELECT 1" + " " * guard_rules.MAX_SQL_CHARS, Code.TOO_LONG),
        (guard_rules.check_characters, "SELECT 'café'", "SELECT '\u2066x'", Code.BAD_CHARACTERS),
        (guard_rules.check_statement_kind, "SELECT 1 UNION SELECT 2", "DROP TABLE x", Code.WRITE),
        (guard_rules.check_syntax_nodes, "SELECT a FROM t WHERE b IN (1, 2)", "SELECT ? AS p", Code.PARAMETER),
        (guard_rules.check_tables, "WITH x AS (SELECT 1 AS a) SELECT a FROM x", "SELECT * FROM duckdb_tables()",
         Code.TABLE_FUNCTION),
        (guard_rules.check_functions, "SELECT round(avg(x), 2) AS r FROM t", "SELECT getenv('USER') AS u",
         Code.FORBIDDEN_FUNCTION),
    ],
)  # fmt: skip
def test_each_check_alone(check, ok, bad, code):
    check(_ctx(ok))
    with pytest.raises(GuardRejection) as info:
        check(_ctx(bad))
    assert info.value.code is code


def test_registry_stages_hold_every_check():
    names = {
        f.__name__ for f in guard_rules.TEXT_CHECKS + guard_rules.TREE_CHECKS + guard_rules.RESOLVED_CHECKS
    }
    assert names == {n for n in dir(guard_rules) if n.startswith("check_")}


def test_tainted_outputs_follow_ctes_and_set_operations():
    from sqlglot.optimizer.qualify import qualify
    from sqlglot.optimizer.scope import traverse_scope

    schema = {"p": {"patient_key": "VARCHAR", "g": "VARCHAR"}}
    tree = qualify(
        sqlglot.parse_one(
            "WITH x AS (SELECT patient_key AS k, g FROM p) SELECT g, k FROM x UNION SELECT g, g FROM p"
        ),
        schema=schema,
    )
    assert guard_rules.tainted_outputs(traverse_scope(tree))[id(tree)] == frozenset({1})


def test_location_filter_needs_a_rule_for_every_table():
    from semantic_layer.roles import RoleBook, default_roles

    book = default_roles()
    partial = RoleBook(book.roles, {k: v for k, v in book.location_scope.items() if k != "surveys"})
    access = access_for("manager", ["LOC1"])
    with pytest.raises(GuardRejection) as info:
        guard("SELECT avg(nps_score) AS s FROM surveys", access, roles=partial)
    assert info.value.code is Code.NOT_SCOPED
    guard("SELECT avg(nps_score) AS s FROM surveys", access)  # the real book has a rule


def test_every_rejection_code_and_setting_is_documented():
    doc = (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    for code in Code:
        assert f"`{code.value}`" in doc, code
    from semantic_layer.execute import connection_config

    for name in connection_config(1):
        assert f"`{name}`" in doc, name
