"""Dimensions marked group_by_key: each side groups by the fact's key, the label is looked up once."""

from __future__ import annotations

import re

import pytest

from semantic_layer.compile import compile_query, to_sql
from semantic_layer.errors import ModelError
from semantic_layer.model import clear_cache, load_model
from semantic_layer.query import SemanticQuery
from tests.semantic_layer import test_compile, test_model
from tests.semantic_layer.test_compile import Y2025, _rows

tiny = test_compile.tiny  # fixtures shared with the compiler and model tests
model_copy = test_model.model_copy


@pytest.fixture(scope="module")
def model():
    return load_model()


def _sql(model, **q) -> str:
    return to_sql(compile_query(model, SemanticQuery.from_dict(q)))


def test_sides_group_by_the_key_and_the_name_is_looked_up_once(model):
    sql = _sql(model, metrics=["revenue_per_visit"], dimensions=["provider"], time_range=Y2025)
    assert "GROUP BY charges.provider_id" in sql and "GROUP BY appointments.provider_id" in sql
    assert len(re.findall(r"JOIN staff\b", sql)) == 1
    assert "JOIN staff AS provider__staff ON provider__staff.staff_id = COALESCE(" in sql


def test_shared_labels_are_not_grouped_by_key(model):
    sql = _sql(model, metrics=["hours_worked"], dimensions=["staff_role"], time_range=Y2025)
    assert "__key" not in sql and "GROUP BY staff.role" in sql


def test_role_filter_applies_after_the_lookup(model, tiny):
    q = dict(
        metrics=["patients_per_hour"],
        dimensions=["provider"],
        filters=[{"dimension": "staff_role", "op": "in", "values": ["optometrist"]}],
        time_range=Y2025,
    )
    sql = _sql(model, **q)
    assert (
        sql.count("provider__staff.role IN ('optometrist')") == 1
        and "staff.role" not in sql.split("result AS")[0]
    )
    # Opt C (an optician with hours) is left out; Dr. B has a visit and no hours
    assert sorted(_rows(model, tiny, **q), key=str) == [("Dr. A", 0.2), ("Dr. B", None)]
    q["filters"][0]["op"] = "not in"
    assert _rows(model, tiny, **q) == [("Opt C", 0.0)]


def test_two_staff_with_one_name_stay_two_rows(model, tiny):
    tiny.execute("UPDATE staff SET staff_name = 'Dr. A' WHERE staff_id = 'S3'")
    rows = _rows(model, tiny, metrics=["patients_per_hour"], dimensions=["staff_member"], time_range=Y2025)
    assert sorted(rows, key=str) == [("Dr. A", 0.0), ("Dr. A", 0.2), ("Dr. B", None)]


def test_group_by_key_must_be_true_or_false(model_copy):
    path = model_copy / "dimensions.yaml"
    path.write_text(path.read_text().replace("\n  group_by_key: true\n", "\n  group_by_key: sometimes\n", 1))
    with pytest.raises(ModelError) as info:
        load_model(model_copy)
    assert re.search(
        r"dimensions\.yaml:\d+: .*group_by_key of dimension 'location' must be true or false", str(info.value)
    )
    clear_cache()


def test_side_without_groups_counts_with_count_if_and_no_or_filter(model, tiny):
    q = dict(metrics=["completed_visits", "no_shows", "no_show_rate"], time_range=Y2025)
    sql = _sql(model, **q)
    assert "COUNT_IF(appointments.status = 'no_show')" in sql and " OR " not in sql
    by_hand = tiny.execute(
        "SELECT count_if(status = 'completed'), count_if(status = 'no_show'), "
        "count_if(status = 'no_show') / nullif(count_if(status IN ('completed', 'no_show')), 0) "
        "FROM appointments WHERE scheduled_at >= DATE '2025-01-01' AND scheduled_at < DATE '2026-01-01'"
    ).fetchall()
    assert _rows(model, tiny, **q) == by_hand
    # a period with no rows: NULL, as before (DuckDB's COUNT_IF over no rows is NULL)
    empty = {"start": "2030-01-01", "end": "2031-01-01"}
    assert _rows(model, tiny, metrics=q["metrics"], time_range=empty) == [(None, None, None)]


def test_grouped_counts_keep_only_groups_with_a_row_by_having(model, tiny):
    q = dict(metrics=["completed_visits", "no_shows"], dimensions=["appointment_type"], time_range=Y2025)
    sql = _sql(model, **q)
    assert " OR " not in sql.split("GROUP BY")[0]
    assert (
        "HAVING COUNT_IF(appointments.status = 'completed') > 0 OR COUNT_IF(appointments.status = 'no_show') > 0"
        in sql
    )
    # a type with rows in the period but none completed or a no-show has no group, as with
    # the OR of the filters in WHERE
    tiny.execute(
        "UPDATE appointments SET appointment_type = 'contact_lens_fitting', status = 'cancelled' "
        "WHERE appointment_id = (SELECT min(appointment_id) FROM appointments "
        "WHERE scheduled_at >= DATE '2025-01-01' AND scheduled_at < DATE '2026-01-01')"
    )
    by_hand = tiny.execute(
        "SELECT appointment_type, count_if(status = 'completed'), count_if(status = 'no_show') "
        "FROM appointments WHERE scheduled_at >= DATE '2025-01-01' AND scheduled_at < DATE '2026-01-01' "
        "AND (status = 'completed' OR status = 'no_show') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert _rows(model, tiny, **q) == by_hand and by_hand


def test_grouped_side_with_other_filtered_aggregates_keeps_the_or_filter(model):
    sql = _sql(
        model, metrics=["optical_revenue", "contact_lens_revenue"], dimensions=["location"], time_range=Y2025
    )
    assert " OR charges.category = 'contact_lenses'" in sql and "HAVING" not in sql
