"""Status words on appointments, "A per B" built from the numerator's own words, and a share
no metric defines. Found by probing phrasings outside every fixture set (2026-12-05)."""

from __future__ import annotations

import pytest

from tests.assistant.test_interpret import AS_OF, check, interp  # noqa: F401 - fixture


# 1. "appointments that were missed" are no-shows: the status word names the metric
@pytest.mark.parametrize(
    ("q", "metrics"),
    [
        ("how many appointments got missed in August", ["no_shows"]),
        ("number of appointments cancelled at Northside last week", ["cancellations"]),
        ("patients who cancelled their appointments in 2025 by location", ["cancellations"]),
        ("how many folks did not show up for their appointment yesterday", ["no_shows"]),
        ("count of patients that failed to show last quarter", ["no_shows"]),
        ("appointments by location last month", ["appointments"]),  # the noun alone stays
        ("no-show rate and appointments by provider in 2025", ["no_show_rate", "appointments"]),
    ],
)
def test_a_status_word_on_appointments_names_the_status_metric(interp, q, metrics):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"metrics": metrics})


# 2. a derived "A per B" answers to the numerator's other words
@pytest.mark.parametrize(
    ("q", "metric"),
    [
        ("billings per exam by doctor last year", "revenue_per_visit"),
        ("gross charges per visit in Q1 2026", "revenue_per_visit"),
        ("income per patient at each office this year", "revenue_per_visit"),
        ("ad spend per new patient by channel in 2025", "cost_per_new_patient"),
        ("marketing costs per new patient last quarter", "cost_per_new_patient"),
    ],
)
def test_the_numerators_words_compose_with_per(interp, q, metric):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert got.query.metrics == (metric,)


def test_verbs_of_a_metric_do_not_compose(interp):  # noqa: F811
    phrases = interp.lexicon.table
    assert "made per visit" not in phrases and "production per visit" in phrases


# 3. a share of counts that no metric defines asks instead of answering a count
@pytest.mark.parametrize(
    "q",
    [
        "what proportion of exams in 2025 were new patients",
        "what fraction of our visits last quarter were new patients",
    ],
)
def test_a_share_no_metric_defines_asks(interp, q):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify"
    assert "no metric for a share" in got.message
    assert got.choices and any(c.startswith("New patients") for c in got.choices)


@pytest.mark.parametrize(
    ("q", "choice"),
    [
        ("what fraction of 2025 collections came from vision plans", "Collections by payer type"),
        ("what percentage of new patients in 2026 came from google", "New patients by referral source"),
    ],
)
def test_a_share_of_a_member_offers_the_breakdown(interp, q, choice):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify"
    assert got.choices and got.choices[0].startswith(choice), got.choices


@pytest.mark.parametrize(
    ("q", "metrics"),
    [
        ("what proportion of appointments were cancellations last month", ["cancellation_rate"]),
        ("share of completed visits by office in 2025", ["completed_visits"]),  # the breakdown gives shares
        ("percentage of charges by payer type last year", ["revenue"]),
    ],
)
def test_shares_the_model_or_a_breakdown_answers_are_answered(interp, q, metrics):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"metrics": metrics})


@pytest.mark.parametrize(
    ("q", "metric"),
    [
        ("what did it cost to acquire new patients per campaign last year", "cost_per_new_patient"),
        ("cost of acquiring a new patient by channel this year", "cost_per_new_patient"),
        ("how long did patients spend in the office at Northside last month", "avg_visit_minutes"),
        ("average time spent at the office by provider in 2025", "avg_visit_minutes"),
    ],
)
def test_more_everyday_names_of_metrics(interp, q, metric):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert got.query.metrics == (metric,)
