"""Member names found by probing (2026-12-05): a campaign named by its first words, and
phrases that overlap (the reading that covers the most words wins)."""

from __future__ import annotations

import pytest
import yaml

from assistant.interpret.builtin import BuiltinInterpreter
from assistant.interpret.values import ValueIndex
from semantic_layer.model import load_model
from tests.assistant.test_interpret import AS_OF, FIX, interp, query_of  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def yearly() -> BuiltinInterpreter:
    """Campaigns that run every year under one name, and another starting with the same words."""
    members = yaml.safe_load((FIX / "members.yaml").read_text())
    members["campaign"] = [f"Summer Sunglass Sale {y}" for y in (2024, 2025)] + ["Summer Sunglass Clinic Day 2025"]
    return BuiltinInterpreter(load_model(), ValueIndex.from_members(members))


def test_a_campaigns_first_words_name_it(interp):  # noqa: F811
    got = interp.interpret("click rate for the dry eye relief campaign", AS_OF)
    assert got.kind == "query", got.message
    assert got.query.filters[0].values == ("Dry Eye Relief Spring 2026",)


def test_first_words_shared_by_several_campaigns_ask_which(yearly):
    got = yearly.interpret("open rate of the summer sunglass campaign", AS_OF)
    assert got.kind == "clarify"
    assert set(got.choices) == {
        "Summer Sunglass Sale 2024", "Summer Sunglass Sale 2025", "Summer Sunglass Clinic Day 2025"
    }  # fmt: skip


def test_a_year_picks_among_them(yearly):
    got = yearly.interpret("open rate of the summer sunglass sale campaign in 2024", AS_OF)
    assert got.kind == "query", got.message
    assert got.query.filters[0].values == ("Summer Sunglass Sale 2024",)


@pytest.mark.parametrize(
    ("q", "metric", "member"),
    [
        ("annual exam recall compliance in 2025", "recall_compliance_rate", ("recall_type", "annual_exam")),
        ("contact lens renewal recall rate last year", "recall_compliance_rate", ("recall_type", "contact_lens_renewal")),
    ],
)
def test_the_reading_that_covers_the_most_words_wins(interp, q, metric, member):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.metrics == (metric,)
    assert (sq.filters[0].dimension, sq.filters[0].values) == (member[0], (member[1],))


@pytest.mark.parametrize(("q", "zip3"), [("visits from zip 021 last year", "021"), ("no-show rate for ZIP code 10025", "100")])
def test_a_zip_number_is_a_zip3_filter(interp, q, zip3):  # noqa: F811
    sq = query_of(interp, q)
    assert [(f.dimension, f.values) for f in sq.filters] == [("zip3", (zip3,))]


@pytest.mark.parametrize(
    ("q", "source"),
    [
        ("how many patients came to us from word of mouth in 2025", "word_of_mouth"),
        ("patients referred by other doctors last quarter", "physician_referral"),
        ("how many referrals from physicians did Lakeview get this year", "physician_referral"),
    ],
)
def test_patients_from_a_referral_source_are_new_patients(interp, q, source):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.metrics == ("new_patients",)
    assert ("referral_source", (source,)) in [(f.dimension, f.values) for f in sq.filters]


@pytest.mark.parametrize(
    ("q", "metric", "category"),
    [
        ("how many eyeglasses did we sell in August", "units_sold", ("frames",)),
        ("pairs of glasses sold by location last quarter", "units_sold", ("frames",)),
        ("spectacle sales at Downtown this year", "optical_revenue", None),
    ],
)
def test_glasses_are_frames_and_their_sales_optical_revenue(interp, q, metric, category):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.metrics == (metric,)
    got = [f.values for f in sq.filters if f.dimension == "product_category"]
    assert got == ([category] if category else [])
