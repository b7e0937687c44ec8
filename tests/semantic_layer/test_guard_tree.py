"""The guard takes the compiler's sqlglot tree as it is: same checks, same SQL, same rows as text.

Also: a tree built in code may not smuggle raw SQL text past the checks.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from semantic_layer.compile import compile_query, to_sql
from semantic_layer.guard import Code, GuardRejection, guard_sql
from semantic_layer.model import load_model
from semantic_layer.query import SemanticQuery
from semantic_layer.roles import access_for

FIXTURES = Path(__file__).parent / "fixtures"
DEV_QUERIES = yaml.safe_load((FIXTURES / "dev_queries.yaml").read_text())
# the golden-SQL shapes too (running totals, trailing windows, comparisons, dialect-specific grains)
QUERIES = {
    **DEV_QUERIES,
    **{f"golden:{k}": v for k, v in yaml.safe_load((FIXTURES / "golden_queries.yaml").read_text()).items()},
}


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def demo_con(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def accesses(demo_con):
    first = demo_con.execute("SELECT min(location_id) FROM locations").fetchone()[0]
    return {"owner": access_for("owner"), "manager": access_for("manager", [first])}


def _canonical(sql: str) -> str:
    return sqlglot.transpile(sql, read="duckdb", write="duckdb")[0]


@pytest.mark.parametrize("role", ["owner", "manager"])
@pytest.mark.parametrize("case", sorted(QUERIES))
def test_dev_query_guards_from_tree_as_from_text(model, demo_con, accesses, case, role):
    access = accesses[role]
    tree = compile_query(model, SemanticQuery.from_dict(QUERIES[case]))
    before = to_sql(tree)
    aliases = [n.args.get("alias") for n in tree.find_all(exp.Table, exp.Subquery)]
    assert all(a is None or isinstance(a, exp.TableAlias) for a in aliases), "compiler built a bare alias"
    cat = model.catalog()
    from_tree = guard_sql(tree, catalog=cat, access=access, max_rows=1000)
    from_text = guard_sql(before, catalog=cat, access=access, max_rows=1000)
    assert to_sql(tree) == before, "the guard changed the caller's tree"
    # the same statement, read back by sqlglot (a built tree may write a number where parsed
    # text has a string: INTERVAL 30 DAY against INTERVAL '30' DAY)
    assert _canonical(from_tree.sql) == _canonical(from_text.sql)
    assert (from_tree.injected, from_tree.tables) == (from_text.injected, from_text.tables)
    assert _rows(demo_con, from_tree.sql) == _rows(demo_con, from_text.sql)


def _rows(con, sql: str) -> list[str]:
    """Rows in a stable order, floats to 6 places (DuckDB's parallel sums vary in the last bits)."""
    rows = con.execute(sql).fetchall()
    return sorted(repr(tuple(round(v, 6) if isinstance(v, float) else v for v in r)) for r in rows)


def _select_with(node: exp.Expression) -> exp.Select:
    return exp.select(exp.alias_(node, "x")).from_("appointments")


@pytest.mark.parametrize(
    "tree",
    [
        _select_with(exp.Var(this="1 FROM read_csv('/etc/passwd') --")),
        _select_with(exp.Literal(this="1; DROP TABLE appointments", is_string=False)),
        _select_with(exp.Column(this="status FROM duckdb_settings()")),
        exp.select("status")
        .from_("appointments")
        .join("locations", on="TRUE", join_type="LEFT")
        .transform(
            lambda n: (n.set("side", "CROSS JOIN read_text('x') LEFT") or n) if isinstance(n, exp.Join) else n
        ),
        _select_with(exp.Literal(this=7, is_string=False)),
    ],
    ids=["var", "number", "column-text", "join-side", "not-a-string"],
)
def test_built_tree_with_raw_text_is_rejected(model, tree):
    with pytest.raises(GuardRejection) as info:
        guard_sql(tree, catalog=model.catalog(), access=access_for("owner"), max_rows=10)
    assert info.value.code is Code.FORBIDDEN_SYNTAX
    assert "malformed query tree" in info.value.reason


def test_table_alias_given_as_identifier_is_read_as_a_table_alias(model):
    cat, owner = model.catalog(), access_for("owner")
    built = exp.select("a.status").from_(
        exp.Table(this=exp.to_identifier("appointments"), alias=exp.to_identifier("a"))
    )
    parsed = "SELECT a.status FROM appointments AS a"
    assert (
        guard_sql(built, catalog=cat, access=owner, max_rows=5).sql
        == guard_sql(parsed, catalog=cat, access=owner, max_rows=5).sql
    )


def test_week_start_is_allowed_only_as_a_truncation_unit(model):
    cat, owner = model.catalog(), access_for("owner")
    col = exp.column("scheduled_at")
    unit = exp.WeekStart(this=exp.var("MONDAY"))
    ok = exp.select(exp.alias_(exp.TimestampTrunc(this=col, unit=unit), "w")).from_("appointments")
    assert "DATE_TRUNC('WEEK'" in guard_sql(ok, catalog=cat, access=owner, max_rows=5).sql
    bad = _select_with(exp.WeekStart(this=exp.var("MONDAY")))
    with pytest.raises(GuardRejection) as info:
        guard_sql(bad, catalog=cat, access=owner, max_rows=5)
    assert info.value.code is Code.FORBIDDEN_FUNCTION
