"""``acuity sql``: analyst SQL through the guard and the executor, from the command line."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from tests.semantic_layer.guard_warehouse import build_small_warehouse


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_small_warehouse(tmp_path_factory.mktemp("cli") / "warehouse.duckdb")


def test_prints_a_table(db, capsys):
    code = main(
        ["sql", "SELECT location_id, count(*) AS n FROM appointments GROUP BY 1 ORDER BY 1", "--db", str(db)]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].split() == ["location_id", "n"]
    assert "LOC1" in out and "134" in out and "3 row(s)" in out


def test_json_output_and_manager_rows(db, capsys):
    code = main(["sql", "SELECT location_id, count(*) AS n FROM appointments GROUP BY 1", "--db", str(db),
                 "--role", "manager", "--location", "LOC2", "--json"])  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["status"] == "ok"
    assert doc["columns"] == ["location_id", "n"] and doc["rows"] == [["LOC2", 133]]
    assert "LOC2" in doc["sql"] and doc["truncated"] is False


def test_rejection_exits_2_with_the_reason(db, capsys):
    code = main(["sql", "SELECT * FROM read_csv('/etc/passwd')", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and "reads files" in err and "file_access" in err


def test_rejection_as_json(db, capsys):
    code = main(
        ["sql", "SELECT sum(charge_amount) AS r FROM charges", "--db", str(db), "--role", "staff", "--json"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 2 and doc == {
        "status": "rejected",
        "code": "forbidden_column",
        "reason": "charges.charge_amount is not available to the staff role",
    }


def test_unknown_role_exits_2(db, capsys):
    assert main(["sql", "SELECT 1 AS x", "--db", str(db), "--role", "admin"]) == 2
    assert "unknown role" in capsys.readouterr().err


def test_truncation_is_said(db, capsys):
    assert main(["sql", "SELECT appointment_id FROM appointments", "--db", str(db), "--max-rows", "4"]) == 0
    assert "truncated at 4 rows" in capsys.readouterr().out


def test_demographic_breakdowns_are_suppressed(db, capsys):
    sql = "SELECT gender, count(*) AS n FROM patients WHERE birth_year < 1945 GROUP BY 1 ORDER BY 1"
    assert main(["sql", sql, "--db", str(db), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows and all(n == "<11" or n == 0 or n >= 11 for _, n in rows)
    assert any(n == "<11" for _, n in rows)


def test_query_failure_exits_1(db, capsys):
    assert main(["sql", "SELECT CAST(location_name AS INTEGER) AS x FROM locations", "--db", str(db)]) == 1
    assert "failed" in capsys.readouterr().err
