"""The safe executor: read-only layers, time limit, row cap, cache and its invalidation,
threads, the warehouse catalog."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import duckdb
import pytest
import sqlglot

from semantic_layer import guard as guard_module
from semantic_layer.execute import (
    Executor,
    QueryFailed,
    QueryTimeout,
    WarehouseUnavailable,
    connection_config,
)
from semantic_layer.guard import GuardedQuery, guard_sql
from semantic_layer.roles import access_for
from tests.semantic_layer.guard_warehouse import CATALOG, build_small_warehouse

OWNER = access_for("owner")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_small_warehouse(tmp_path_factory.mktemp("exec") / "warehouse.duckdb")


@pytest.fixture
def executor(warehouse):
    with Executor(warehouse, timeout_s=5, max_rows=100) as ex:
        yield ex


def guard(sql: str, max_rows: int = 100):
    return guard_sql(sql, catalog=CATALOG, access=OWNER, max_rows=max_rows)


def unguarded(sql: str) -> GuardedQuery:
    """A GuardedQuery that skipped the guard: only tests may do this, to prove the later layers."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return GuardedQuery(tree, sql, (), frozenset(), 100, "test", guard_module._SEAL)


def test_runs_a_query_and_reports_columns_rows_and_time(executor):
    res = executor.run(guard("SELECT location_id, count(*) AS n FROM appointments GROUP BY 1 ORDER BY 1"))
    assert res.columns == ("location_id", "n")
    assert res.rows == (("LOC1", 134), ("LOC2", 133), ("LOC3", 133))
    assert not res.truncated and not res.cached and res.elapsed_ms > 0
    assert res.data_version == "sync:1"


def test_row_cap_reports_truncation(warehouse):
    with Executor(warehouse, max_rows=5) as ex:
        res = ex.run(guard("SELECT appointment_id FROM appointments ORDER BY 1", max_rows=5))
        assert res.truncated and len(res.rows) == 5 and res.rows[0] == ("A0000",)
        exact = ex.run(guard("SELECT location_id FROM locations", max_rows=5))
        assert not exact.truncated and len(exact.rows) == 3


def test_row_cap_holds_even_when_the_sql_has_no_limit(warehouse):
    with Executor(warehouse, max_rows=7) as ex:
        res = ex.run(unguarded("SELECT appointment_id FROM appointments"))
        assert res.truncated and len(res.rows) == 7


def test_a_slow_guarded_query_is_interrupted(warehouse):
    slow = guard(
        "SELECT count(*) AS n FROM appointments a, appointments b, appointments c "
        "WHERE a.appointment_id || b.appointment_id || c.appointment_id LIKE '%zz%'"
    )
    with Executor(warehouse, timeout_s=0.3) as ex:
        start = time.perf_counter()
        with pytest.raises(QueryTimeout) as info:
            ex.run(slow)
        assert time.perf_counter() - start < 3
        assert info.value.timeout_s == 0.3 and info.value.sql == slow.sql
        # the executor is usable afterwards
        assert ex.run(guard("SELECT count(*) AS n FROM locations")).rows == ((3,),)


def test_timer_interrupts_a_raw_cross_join_on_range(warehouse):
    # range() is rejected by the guard; handed over directly, the timer still stops it
    tree = sqlglot.parse_one("SELECT sum(a.range * b.range) AS s FROM range(100000000) a, range(100000) b")
    with Executor(warehouse, timeout_s=0.3) as ex:
        start = time.perf_counter()
        with pytest.raises(QueryTimeout):
            ex.run(unguarded(tree.sql("duckdb")))
        assert time.perf_counter() - start < 3


def test_run_accepts_only_guarded_queries(executor):
    with pytest.raises(TypeError):
        executor.run("SELECT 1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; DROP TABLE patients",
        "DROP TABLE patients",
        "INSERT INTO locations VALUES ('X', 'x', 'x', 'x', NULL, 1)",
    ],
)
def test_duckdb_parser_must_see_one_select(executor, warehouse, sql):
    before = warehouse.read_bytes()
    with pytest.raises(QueryFailed) as info:
        executor.run(unguarded(sql))
    assert "refused" in info.value.cause
    executor.close()
    assert warehouse.read_bytes() == before


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("INSERT INTO locations VALUES ('X', 'x', 'x', 'x', NULL, 1)", "read-only"),
        ("DELETE FROM sync_runs", "read-only"),
        ("CREATE TABLE x AS SELECT 1", "read-only"),
        ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
        ("SELECT * FROM read_text('/etc/hostname')", "disabled by configuration"),
        ("COPY locations TO '/tmp/acuity-leak.csv'", "disabled by configuration"),
        ("ATTACH '/tmp/acuity-other.duckdb' AS o", "disabled by configuration"),
        ("INSTALL httpfs", "disabled by configuration"),
        ("SET enable_external_access = true", "locked"),
        ("SET lock_configuration = false", "locked"),
        ("RESET enable_external_access", "locked"),
    ],
)
def test_layered_defence_on_the_connection_itself(executor, warehouse, sql, needle):
    """Even a statement that reached the connection cannot write or read outside."""
    before = warehouse.read_bytes()
    executor.data_version()  # opens the connection
    with pytest.raises(duckdb.Error) as info:
        executor._conn.execute(sql)
    assert needle in str(info.value)
    executor.close()
    assert warehouse.read_bytes() == before
    assert not Path("/tmp/acuity-leak.csv").exists()


def test_settings_are_locked_as_configured(executor):
    executor.data_version()
    cur = executor._conn.cursor()
    values = dict(cur.execute("SELECT name, value FROM duckdb_settings()").fetchall())
    assert values["enable_external_access"] == "false"
    assert values["lock_configuration"] == "true"
    assert values["autoload_known_extensions"] == "false"
    assert values["autoinstall_known_extensions"] == "false"
    assert values["allow_community_extensions"] == "false"
    assert values["access_mode"] == "read_only"
    assert set(connection_config(1)) <= set(values)


def test_cache_hit_then_invalidated_by_a_new_sync_run(tmp_path):
    db = build_small_warehouse(tmp_path / "w.duckdb", run_id=1)
    q = guard("SELECT count(*) AS n FROM locations")
    with Executor(db) as ex:
        first = ex.run(q)
        second = ex.run(q)
        assert not first.cached and second.cached and second.rows == first.rows == ((3,),)
        assert ex.cache_info().hits == 1 and ex.cache_info().misses == 1
        # a sync builds a new file and swaps it in, with one more run and one more location
        new = tmp_path / "w.new.duckdb"
        shutil.copy(db, new)
        con = duckdb.connect(str(new))
        con.execute("INSERT INTO sync_runs VALUES (2, TIMESTAMP '2026-02-01 00:00:00')")
        con.execute("INSERT INTO locations VALUES ('LOC4', 'Uptown', 'x', 'y', NULL, 2)")
        con.close()
        os.replace(new, db)
        third = ex.run(q)
        assert not third.cached and third.rows == ((4,),) and third.data_version == "sync:2"
        assert ex.run(q).cached


def test_version_is_the_file_mtime_without_sync_runs(tmp_path):
    db = build_small_warehouse(tmp_path / "w.duckdb", run_id=None)
    with Executor(db) as ex:
        assert ex.data_version() == f"mtime:{os.stat(db).st_mtime_ns}"


def test_cache_is_bounded(warehouse):
    with Executor(warehouse, cache_size=3) as ex:
        for n in range(6):
            ex.run(guard("SELECT location_id FROM locations", max_rows=n + 1))
        assert ex.cache_info().size == 3


def test_many_threads_share_one_executor(executor):
    queries = {
        loc: guard_sql(
            "SELECT count(*) AS n FROM appointments",
            catalog=CATALOG,
            access=access_for("manager", [loc]),
            max_rows=10,
        )
        for loc in ("LOC1", "LOC2", "LOC3")
    }
    expected = {"LOC1": 134, "LOC2": 133, "LOC3": 133}
    errors, results = [], []

    def work(loc: str) -> None:
        try:
            for _ in range(5):
                results.append((loc, executor.run(queries[loc]).rows[0][0]))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(loc,)) for loc in expected for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 45 and all(n == expected[loc] for loc, n in results)


def test_query_errors_are_typed_with_context(executor):
    bad = guard("SELECT CAST(location_name AS INTEGER) AS x FROM locations")
    with pytest.raises(QueryFailed) as info:
        executor.run(bad)
    assert "Conversion" in info.value.cause and info.value.sql == bad.sql


def test_missing_warehouse_is_a_typed_error(tmp_path):
    with pytest.raises(WarehouseUnavailable):
        Executor(tmp_path / "nope.duckdb").run(guard("SELECT 1 AS x"))


def test_warehouse_catalog_leaves_out_bookkeeping_tables(executor):
    cat = executor.warehouse_catalog()
    assert cat == CATALOG
    assert not {"sync_runs", "quarantine", "audit_log"} & set(cat)
