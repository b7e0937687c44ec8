"""The catalog and the prompt: what the model is told, and what it never is."""

from __future__ import annotations

import pytest

from assistant.llm.prompt import (
    MAX_VALUES_PER_DIMENSION,
    VerifiedExample,
    catalog_from_model,
    safe_member_values,
    similar_examples,
)
from semantic_layer.model import load_model


@pytest.mark.parametrize(
    "dimension, values, kept",
    [
        ("location", ["Northside", "Lakeview", "Northside", ""], ("Northside", "Lakeview")),
        (
            "campaign",
            ["Spring 2025 dry eye", "jane@example.com", "Call 617-555-0142"],
            ("Spring 2025 dry eye",),
        ),
        ("brand", ["Ray-Ban", "MRN 0012345", "https://x.test"], ("Ray-Ban",)),
        ("age_band", ["0-17", "18-39", "40-64", "65+"], ("0-17", "18-39", "40-64", "65+")),
        ("zip3", ["021", "100"], ()),
        ("patient_key", ["a1b2c3"], ()),
        ("home_address", ["12 Elm St"], ()),
        ("insurance_carrier", ["021", "VSP"], ("VSP",)),  # a bare 3-digit value looks like a ZIP3
    ],
)
def test_safe_member_values(dimension, values, kept):
    assert safe_member_values(dimension, values) == kept


def test_member_values_are_capped():
    many = [f"Campaign {chr(65 + i)}" for i in range(20)]
    assert len(safe_member_values("campaign", many)) == MAX_VALUES_PER_DIMENSION


def test_similar_examples_rank_by_shared_words():
    examples = [
        VerifiedExample("Monthly revenue trend for 2025", {}),
        VerifiedExample("No-show rate by location", {}),
        VerifiedExample("No-show rate by provider last month", {}),
    ]
    got = similar_examples("What was the no-show rate by provider?", examples, k=2)
    assert [e.question for e in got] == ["No-show rate by provider last month", "No-show rate by location"]
    assert similar_examples("completely unrelated words", examples) == []


def test_catalog_of_the_real_model():
    model = load_model()
    catalog = catalog_from_model(model, {"location": ["Northside"], "zip3": ["021"]})
    assert set(catalog.metric_names) == set(model.metrics)
    assert {"location", "provider", "month", "day_of_week"} <= set(catalog.dimension_names)
    text = catalog.render()
    assert "- no_show_rate: " in text and "DNA rate".lower() in text.lower()
    assert "e.g. Northside" in text and "021" not in text
    assert "patient_key (count only)" in text  # a column name for counting, never values
    assert "only by: campaign, marketing_channel, service_line" in text
