"""The semantic model: every metric and dimension of metrics.md, typed, with lookups others use."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.contract import TABLES_BY_NAME
from semantic_layer.errors import CompileError, ModelError
from semantic_layer.model import (
    MODELS_DIR,
    Agg,
    Direction,
    Format,
    MetricType,
    append_verified_query,
    clear_cache,
    load_model,
)
from semantic_layer.query import TIME_GRAINS, SemanticQuery
from semantic_layer.validate import validate_against_warehouse
from tests.conftest import SHARED

METRICS_MD = SHARED / "design" / "metrics.md"


def _glossary_rows(section: str) -> list[list[str]]:
    text = METRICS_MD.read_text()
    part = text.split(section, 1)[1]
    rows = []
    for line in part.splitlines()[2:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] not in ("metric", "dimension") and not set(cells[0]) <= {"-", " "}:
            rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_every_glossary_metric_is_defined_with_its_synonyms(model):
    rows = _glossary_rows("| metric | definition |")
    assert len(rows) == 31
    for name, _definition, _dated, synonyms in rows:
        assert name in model.metrics, name
        m = model.metrics[name]
        assert m.description and m.label
        wanted = {s.strip().lower() for s in synonyms.split(",") if s.strip()}
        assert wanted <= {s.lower() for s in m.synonyms}, (name, wanted - set(m.synonyms))


def test_metric_dating_matches_the_glossary(model):
    for name, _definition, dated, _syn in _glossary_rows("| metric | definition |"):
        m = model.metrics[name]
        if m.type is MetricType.DERIVED:
            assert m.time_column is None and len(m.components) >= 2
        else:
            assert m.time_column == dated, name


def test_every_glossary_dimension_exists_with_synonyms(model):
    names = {
        "location": "location",
        "provider": "provider",
        "staff member": "staff_member",
        "staff role": "staff_role",
        "appointment type": "appointment_type",
        "booking channel": "booking_channel",
        "product category": "product_category",
        "brand": "brand",
        "payer type": "payer_type",
        "insurance carrier": "insurance_carrier",
        "referral source": "referral_source",
        "campaign": "campaign",
        "marketing channel": "marketing_channel",
        "service line": "service_line",
        "recall type": "recall_type",
    }
    for label, _column, synonyms in _glossary_rows("| dimension | column |"):
        if label.startswith(("gender", "time")):
            continue
        d = model.dimensions[names[label]]
        wanted = {s.strip().lower() for s in synonyms.split(",") if s.strip()}
        assert wanted <= {s.lower() for s in d.synonyms}, label
    assert {"gender", "age_band"} <= set(model.dimensions)
    assert set(TIME_GRAINS) == set(model.time_grains)


def test_types_are_enums_and_formats_fit(model):
    m = model.metrics
    assert m["no_show_rate"].format is Format.PERCENT and m["no_show_rate"].good_direction is Direction.DOWN
    assert m["revenue"].format is Format.CURRENCY and m["revenue"].measure.agg is Agg.SUM
    assert m["avg_wait_minutes"].format is Format.MINUTES
    assert m["hours_worked"].format is Format.HOURS
    assert m["nps"].format is Format.SCORE
    assert m["optical_capture_rate"].type is MetricType.CONVERSION
    assert m["stock_on_hand"].type is MetricType.CUMULATIVE
    assert m["active_patients"].type is MetricType.TRAILING and m["active_patients"].window_months == 24
    assert m["revenue_per_visit"].components == ("revenue", "completed_visits")


def test_dimensions_for_follows_join_paths(model):
    assert {
        "location",
        "provider",
        "payer_type",
        "product_category",
        "brand",
        "campaign",
    } <= model.dimensions_for("revenue")
    assert "recall_type" not in model.dimensions_for("revenue")
    # a derived metric only offers what every part reaches
    assert "payer_type" not in model.dimensions_for("revenue_per_visit")
    assert {"provider", "location"} <= model.dimensions_for("revenue_per_visit")
    assert model.dimensions_for("campaign_roi") == {"campaign", "marketing_channel", "service_line"}
    assert "location" in model.dimensions_for("avg_wait_minutes")  # patient_flow via appointments
    assert {"provider", "staff_member", "staff_role"} <= model.dimensions_for("hours_worked")
    assert "message_channel" in model.dimensions_for("open_rate")


def test_dimension_paths_pick_the_meant_join(model):
    src, path = model.dimension_path("provider", "timeclock")
    assert src.expr == "staff_name" and [j.qualified for j in path] == ["timeclock.staff"]
    src, path = model.dimension_path("location", "patient_flow")
    assert [j.qualified for j in path] == ["patient_flow.appointment", "appointments.location"]
    src, path = model.dimension_path("product_category", "inventory_movements")
    assert src.table == "inventory_items" and [j.qualified for j in path] == ["inventory_movements.item"]
    src, path = model.dimension_path("product_category", "charges")
    assert src.table == "charges" and path == ()


def test_catalog_exposes_contract_columns_only(model):
    cat = model.catalog()
    assert set(cat) == set(TABLES_BY_NAME)
    for table, cols in cat.items():
        assert cols <= set(TABLES_BY_NAME[table].column_names), table
    assert "patient_key" in model.countable_only_columns()["appointments"]
    assert "first_name" not in cat["patients"]


def test_member_queries_list_values(model, tmp_path):
    from tests.semantic_layer.fixtures.mini_warehouse import build_mini_warehouse

    db = build_mini_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(db), read_only=True)

    def values(d):
        return sorted(r[0] for r in con.execute(model.dimensions[d].member_query().sql("duckdb")).fetchall())

    assert values("location") == ["Downtown", "Lakeview", "Northside"]
    assert "Dr. Samuel Lee" in values("provider")
    assert set(values("product_category")) >= {"frames", "contact_lenses", "exam", "spectacle_lenses"}
    assert values("age_band") == ["0-17", "18-39", "40-64", "65+"]
    assert validate_against_warehouse(model, con) == []
    con.close()


def test_validate_against_warehouse_reports_missing_columns(model, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE locations (location_id VARCHAR, location_name VARCHAR)")
    problems = validate_against_warehouse(model, con)
    messages = [p.message for p in problems]
    assert "table 'charges' is not in the warehouse" in messages
    assert "column 'locations.exam_rooms' is not in the warehouse" in messages
    assert all(p.file.endswith(".yaml") and p.line > 0 for p in problems)


def test_model_is_cached_and_reloadable():
    assert load_model() is load_model()
    assert load_model(MODELS_DIR) is load_model()


@pytest.fixture
def model_copy(tmp_path) -> Path:
    dst = tmp_path / "models"
    shutil.copytree(MODELS_DIR, dst, ignore=shutil.ignore_patterns("roles.yaml"))
    yield dst
    clear_cache()


def test_append_verified_query_round_trips(model_copy):
    before = len(load_model(model_copy).verified_queries)
    q = SemanticQuery.from_dict(
        {
            "metrics": ["no_shows"],
            "dimensions": ["provider"],
            "time_range": {"start": "2025-01-01", "end": "2026-01-01"},
        }
    )
    append_verified_query(
        "No-shows by doctor in 2025", q, path=model_copy / "verified_queries.yaml", verified_by="manager1"
    )
    again = load_model(model_copy)
    assert len(again.verified_queries) == before + 1
    last = again.verified_queries[-1]
    assert last.question == "No-shows by doctor in 2025" and last.verified_by == "manager1"
    assert SemanticQuery.from_dict(last.query) == q
    assert last.loc.line > 1


def test_append_verified_query_refuses_what_does_not_compile(model_copy):
    target = model_copy / "verified_queries.yaml"
    before = target.read_text()
    with pytest.raises(CompileError):
        append_verified_query("nonsense", {"metrics": ["no_such_metric"]}, path=target)
    assert target.read_text() == before


def test_the_shipped_model_loads_without_problems():
    clear_cache()
    model = load_model()
    assert len(model.metrics) == 31 and len(model.dimensions) >= 17


def test_yaml_mentions_no_sql_outside_snippets():
    # snippets are parsed by sqlglot; no statement keywords anywhere in the model files
    for path in MODELS_DIR.glob("*.yaml"):
        if path.name == "roles.yaml":
            continue
        assert not re.search(r"\b(DROP|DELETE|INSERT|UPDATE|ATTACH|COPY)\b", path.read_text()), path


def test_model_error_lists_everything_with_file_and_line(model_copy):
    (model_copy / "metrics.yaml").write_text(
        (model_copy / "metrics.yaml").read_text().replace("expr: charge_amount}", "expr: charge_amt}", 1)
    )
    (model_copy / "dimensions.yaml").write_text(
        (model_copy / "dimensions.yaml").read_text().replace("expr: location_name", "expr: location_nam")
    )
    with pytest.raises(ModelError) as info:
        load_model(model_copy)
    text = str(info.value)
    assert re.search(r"metrics\.yaml:\d+: \[columns-exist\] .*'charge_amt'", text)
    assert re.search(r"dimensions\.yaml:\d+: \[columns-exist\] .*'location_nam'", text)
    assert len(info.value.problems) >= 2


def test_demo_warehouse_has_every_table_and_column_of_the_model(model, demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        assert validate_against_warehouse(model, con) == []
    finally:
        con.close()
