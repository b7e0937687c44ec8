"""Each validation rule on small hand-written models: one passing and failing case per rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from semantic_layer.errors import ModelError
from semantic_layer.model import load_model
from semantic_layer.model_yaml import build_model
from semantic_layer.validate import RULES, validate_model

TABLES = """
tables:
- name: shops
  description: Shops.
  primary_key: [shop_id]
  columns:
  - {name: shop_id, description: Key.}
  - {name: shop_name, description: Name.}
- name: people
  description: People.
  primary_key: [person_id]
  columns:
  - {name: person_id, description: Key.}
  - {name: person_name, description: Name.}
  - {name: shop_id, description: Home shop.}
  joins:
  - {name: shop, to: shops, "on": {shop_id: shop_id}}
- name: sales
  description: Sales.
  primary_key: [sale_id]
  columns:
  - {name: sale_id, description: Key.}
  - {name: shop_id, description: Shop.}
  - {name: person_id, description: Seller.}
  - {name: amount, description: Amount.}
  - {name: sold_at, description: When.}
  time_columns:
  - {name: sold_at, type: timestamp}
  joins:
  - {name: shop, to: shops, "on": {shop_id: shop_id}}
  - {name: seller, to: people, "on": {person_id: person_id}}
"""

METRICS = """
metrics:
- name: sales_total
  description: Sum of amounts.
  synonyms: [turnover]
  type: simple
  table: sales
  time_column: sold_at
  measure: {agg: sum, expr: amount}
  format: currency
- name: sale_count
  description: Number of sales.
  type: simple
  table: sales
  time_column: sold_at
  measure: {agg: count}
- name: avg_sale
  description: Average sale.
  type: derived
  expr: sales_total / sale_count
"""

DIMENSIONS = """
dimensions:
- name: shop
  description: The shop.
  synonyms: [store]
  table: shops
  expr: shop_name
- name: seller
  description: The seller.
  table: people
  expr: person_name
time_grains:
""" + "".join(
    f"- {{name: {g}, description: {g}.}}\n"
    for g in ("day", "week", "month", "quarter", "year", "day_of_week", "hour_of_day")
)


def _write(
    tmp_path: Path,
    tables: str = TABLES,
    metrics: str = METRICS,
    dimensions: str = DIMENSIONS,
    extra: str = "",
) -> Path:
    d = tmp_path / "m"
    d.mkdir(exist_ok=True)
    (d / "tables.yaml").write_text(textwrap.dedent(tables))
    (d / "metrics.yaml").write_text(textwrap.dedent(metrics))
    (d / "dimensions.yaml").write_text(dimensions)
    if extra:
        (d / "verified_queries.yaml").write_text(textwrap.dedent(extra))
    return d


def _run(tmp_path: Path, rule: str, **files: str) -> list[str]:
    model, structural = build_model(_write(tmp_path, **files))
    assert structural == []
    return [p.message for p in RULES[rule](model)]


def test_the_base_model_passes_every_rule(tmp_path):
    model, structural = build_model(_write(tmp_path))
    assert structural == [] and validate_model(model) == []
    assert load_model(tmp_path / "m").dimensions_for("avg_sale") == {"shop", "seller"}


def test_registry_holds_the_rules():
    assert {
        "expressions-parse",
        "no-aggregates-in-expressions",
        "tables-exist",
        "columns-exist",
        "time-columns",
        "unique-names",
        "unique-synonyms",
        "descriptions",
        "derived-references",
        "measure-shapes",
        "join-paths",
        "metric-time-dimensions",
        "verified-queries",
    } <= set(RULES)
    assert all(fn.__doc__ for fn in RULES.values())


def test_expressions_parse(tmp_path):
    bad = METRICS.replace("expr: amount}", "expr: 'amount +* ('}")
    assert any("cannot parse" in m for m in _run(tmp_path, "expressions-parse", metrics=bad))


def test_no_aggregates_in_expressions(tmp_path):
    bad = METRICS.replace("expr: amount}", "expr: sum(amount)}")
    assert any(
        "contains an aggregate" in m for m in _run(tmp_path, "no-aggregates-in-expressions", metrics=bad)
    )


def test_tables_exist(tmp_path):
    bad = METRICS.replace(
        "table: sales\n  time_column: sold_at\n  measure: {agg: count}",
        "table: refunds\n  time_column: sold_at\n  measure: {agg: count}",
    )
    assert _run(tmp_path, "tables-exist", metrics=bad) == ["metric 'sale_count' uses unknown table 'refunds'"]


def test_columns_exist_in_snippets_joins_and_keys(tmp_path):
    bad = METRICS.replace("expr: amount}", "expr: amount_usd}")
    assert _run(tmp_path, "columns-exist", metrics=bad) == [
        "metric 'sales_total' measure 1: no column 'amount_usd' in table 'sales'"
    ]
    bad_tables = TABLES.replace('"on": {person_id: person_id}', '"on": {seller_id: person_id}')
    assert any("no column 'seller_id'" in m for m in _run(tmp_path, "columns-exist", tables=bad_tables))
    qualified = METRICS.replace("expr: amount}", "expr: amount, filter: \"people.nickname = 'x'\"}")
    assert any(
        "no column 'nickname' in table 'people'" in m
        for m in _run(tmp_path, "columns-exist", metrics=qualified)
    )


def test_time_columns(tmp_path):
    bad = METRICS.replace(
        "time_column: sold_at\n  measure: {agg: count}", "time_column: amount\n  measure: {agg: count}"
    )
    assert _run(tmp_path, "time-columns", metrics=bad) == [
        "metric 'sale_count': 'amount' is not a time column of 'sales'"
    ]


def test_unique_names(tmp_path):
    bad = DIMENSIONS.replace("name: seller\n", "name: sale_count\n")
    assert _run(tmp_path, "unique-names", dimensions=bad) == ["dimension name 'sale_count' is also a metric"]


def test_unique_synonyms_across_metrics_and_dimensions(tmp_path):
    bad = DIMENSIONS.replace("synonyms: [store]", "synonyms: [store, turnover]")
    assert _run(tmp_path, "unique-synonyms", dimensions=bad) == [
        "'turnover' of 'shop' already means 'sales_total'"
    ]


def test_descriptions(tmp_path):
    bad = METRICS.replace("  description: Number of sales.\n", "")
    assert _run(tmp_path, "descriptions", metrics=bad) == ["'sale_count' has no description"]


def test_derived_references_and_cycles(tmp_path):
    unknown = METRICS.replace("sales_total / sale_count", "sales_total / visits")
    assert _run(tmp_path, "derived-references", metrics=unknown) == [
        "metric 'avg_sale' refers to unknown metric 'visits'"
    ]
    cyc = (
        METRICS
        + "- {name: loop_a, description: a., type: derived, expr: loop_b * 2}\n- {name: loop_b, description: b., type: derived, expr: loop_a / 2}\n"
    )
    assert any("cycle" in m for m in _run(tmp_path, "derived-references", metrics=cyc))


def test_measure_shapes(tmp_path):
    bad = METRICS.replace(
        "type: simple\n  table: sales\n  time_column: sold_at\n  measure: {agg: count}",
        "type: cumulative\n  table: sales\n  time_column: sold_at\n  measure: {agg: count}",
    )
    assert _run(tmp_path, "measure-shapes", metrics=bad) == [
        "cumulative metric 'sale_count' must use agg 'sum'"
    ]


def test_join_paths_ambiguity_and_pinned_paths(tmp_path):
    # sales reaches shops directly and through people: the shortest is unique, fine
    assert _run(tmp_path, "join-paths") == []
    # a second direct join to shops makes the path ambiguous
    ambiguous = TABLES.replace(
        '  - {name: seller, to: people, "on": {person_id: person_id}}',
        '  - {name: seller, to: people, "on": {person_id: person_id}}\n  - {name: shop_again, to: shops, "on": {shop_id: shop_id}}',
    )
    assert any("ambiguous path from 'sales'" in m for m in _run(tmp_path, "join-paths", tables=ambiguous))
    pinned = DIMENSIONS.replace(
        "  expr: shop_name\n", "  expr: shop_name\n  via:\n    sales: [sales.seller, people.shop]\n"
    )
    model, _ = build_model(_write(tmp_path, tables=ambiguous, dimensions=pinned))
    assert RULES["join-paths"](model) == []
    assert [j.qualified for j in model.dimension_path("shop", "sales")[1]] == ["sales.seller", "people.shop"]
    broken = DIMENSIONS.replace(
        "  expr: shop_name\n", "  expr: shop_name\n  via:\n    sales: [people.shop]\n"
    )
    assert any("is not a join from 'sales'" in m for m in _run(tmp_path, "join-paths", dimensions=broken))


def test_join_paths_claimed_dimensions(tmp_path):
    claims = METRICS.replace(
        "expr: sales_total / sale_count", "expr: sales_total / sale_count\n  dimensions: [shop, weather]"
    )
    assert _run(tmp_path, "join-paths", metrics=claims) == [
        "metric 'avg_sale' claims unknown dimension 'weather'"
    ]


def test_metric_time_dimensions_need_members(tmp_path):
    bad = DIMENSIONS.replace(
        "  expr: person_name\n",
        "  expr: \"CASE WHEN EXTRACT(YEAR FROM metric_time) > 2000 THEN 'new' ELSE 'old' END\"\n",
    )
    assert _run(tmp_path, "metric-time-dimensions", dimensions=bad) == [
        "dimension 'seller' uses metric_time and must list 'members'"
    ]


def test_verified_queries_must_compile(tmp_path):
    extra = """
    verified_queries:
    - question: Sales by shop
      query: {metrics: [sales_total], dimensions: [shop]}
    - question: Sales by planet
      query: {metrics: [sales_total], dimensions: [planet]}
    """
    messages = _run(tmp_path, "verified-queries", extra=extra)
    assert messages == ["verified query 'Sales by planet' does not compile: unknown dimension 'planet'"]


def test_structural_problems_name_file_and_line(tmp_path):
    bad = METRICS.replace("  format: currency\n", "  format: dollars\n  colour: red\n")
    d = _write(tmp_path, metrics=bad)
    with pytest.raises(ModelError) as info:
        load_model(d)
    found = {(p.file, p.rule, p.message) for p in info.value.problems}
    assert (
        "metrics.yaml",
        "structure",
        "metric 'sales_total' format 'dollars' is not one of: count, currency, percent, minutes, hours, ratio, score",
    ) in found
    assert ("metrics.yaml", "structure", "metric has unknown key 'colour'") in found
    lines = {p.message: p.line for p in info.value.problems}
    assert lines["metric has unknown key 'colour'"] == 3  # the `- name: sales_total` line (line 1 is blank)


def test_all_problems_are_reported_at_once(tmp_path):
    bad = METRICS.replace("expr: amount}", "expr: amount_usd}").replace(
        "sales_total / sale_count", "sales_total / visits"
    )
    bad_dims = DIMENSIONS.replace("synonyms: [store]", "synonyms: [turnover]")
    with pytest.raises(ModelError) as info:
        load_model(_write(tmp_path, metrics=bad, dimensions=bad_dims))
    rules = {p.rule for p in info.value.problems}
    assert {"columns-exist", "derived-references", "unique-synonyms"} <= rules
    assert all(p.line > 0 for p in info.value.problems)


def test_yaml_syntax_error_is_a_problem_with_line(tmp_path):
    d = _write(tmp_path)
    (d / "metrics.yaml").write_text("metrics:\n- name: x\n  type: [unclosed\n")
    with pytest.raises(ModelError) as info:
        load_model(d)
    p = info.value.problems[0]
    assert p.file == "metrics.yaml" and p.rule == "yaml" and p.line >= 3
