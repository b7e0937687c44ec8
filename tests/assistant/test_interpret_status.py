"""Status words on appointments, "A per B" built from the numerator's own words, and a share
no metric defines. Found by probing phrasings outside every fixture set (2026-12-05)."""

from __future__ import annotations

import pytest

from tests.assistant.test_interpret import AS_OF, check, interp, query_of  # noqa: F401 - fixture


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
    sq = query_of(interp, q)
    assert not check(sq, {"metrics": metrics})


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
    sq = query_of(interp, q)
    assert sq.metrics == (metric,)


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
    sq = query_of(interp, q)
    assert not check(sq, {"metrics": metrics})


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
    sq = query_of(interp, q)
    assert sq.metrics == (metric,)


@pytest.mark.parametrize(
    ("q", "field", "desc"),
    [
        ("which office grew collections the most in Q3 2026", "collections_change", True),
        ("which providers saw the biggest decline in visits last month", "completed_visits_change", False),
        ("which location improved its cancellation rate the most this year", "cancellation_rate_change", False),
        ("top 2 doctors by increase in revenue in 2025", "revenue_change", True),
    ],
)
def test_a_change_word_with_a_ranking_ranks_by_the_change(interp, q, field, desc):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.compare_range is not None
    assert [(o.field, o.descending) for o in sq.order_by] == [(field, desc)]


def test_a_change_ranking_with_no_period_compares_this_year_to_date(interp):  # noqa: F811
    got = interp.interpret("which location grew new patients the most", AS_OF)
    assert not check(got.query, {"time": ["2026-01-01", "2026-10-01"], "compare": ["2025-01-01", "2025-10-01"]})


@pytest.mark.parametrize(
    "q",
    [
        "providers who did more than 1500 visits in 2025",
        "which locations had a no-show rate above 6 percent last year",
        "campaigns with at least 50 new patients this year",
    ],
)
def test_a_value_threshold_asks_and_offers_the_ranking(interp, q):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify" and "cannot be filtered by a value" in got.message
    assert " by " in got.choices[0]


def test_a_number_after_than_is_not_a_year(interp):  # noqa: F811
    got = interp.interpret("providers with fewer than 2020 visits", AS_OF)
    assert got.kind == "clarify"  # not "visits in 2020"


@pytest.mark.parametrize(
    "q", ["median visit length last month", "90th percentile wait time this year", "longest wait at Lakeview last week"]
)
def test_a_statistic_no_metric_defines_asks(interp, q):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify" and "is not a measure here" in got.message


def test_the_longest_wait_by_location_is_a_ranking(interp):  # noqa: F811
    got = interp.interpret("which location has the longest wait", AS_OF)
    assert got.kind == "query" and got.query.dimensions == ("location",)


@pytest.mark.parametrize(
    "q",
    [
        "how much did insurers pay us in 2025",
        "patient payments at Lakeview last month",
        "what is our collection rate",
        "how much did Aetna pay us last year",
    ],
)
def test_a_part_or_a_rate_of_collections_asks(interp, q):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify"
    assert any(c.startswith("Collections") for c in got.choices)


def test_collections_of_patients_seen_is_not_the_patients_share(interp):  # noqa: F811
    assert interp.interpret("collections for VSP patients last year", AS_OF).kind == "query"


def test_a_share_of_patients_offers_the_breakdowns(interp):  # noqa: F811
    got = interp.interpret("what percentage of patients are under 18", AS_OF)
    assert got.kind == "clarify"
    assert list(got.choices) == ["Completed visits by age band", "Active patients by age band"]


@pytest.mark.parametrize(
    ("q", "dims"),
    [("how many kids did we see in August", ()), ("which carrier has the most patients", ("insurance_carrier",))],
)
def test_people_words_count_visits(interp, q, dims):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.metrics == ("completed_visits",) and sq.dimensions == dims


@pytest.mark.parametrize(("q", "first"), [("the average by office", "Average wait"), ("what is the ratio by doctor", "No-show rate")])
def test_an_average_or_a_ratio_alone_asks_which(interp, q, first):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify" and got.choices[0].startswith(first)


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("how many eye exams led to a glasses purchase last month", "Optical capture rate last month"),
        ("exams where the patient did not buy eyewear in 2025", "Optical capture rate in 2025"),
        ("how many detractors did we have last quarter", "NPS last quarter"),
        ("optical revenue per comprehensive exam in 2025", "Optical revenue in 2025"),
    ],
)
def test_counts_and_ratios_no_metric_defines_ask(interp, q, first):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify", got
    assert got.choices[0] == first


@pytest.mark.parametrize(
    ("q", "metric"),
    [("net promoter score by provider", "nps"), ("revenue per visit per location", "revenue_per_visit"), ("no-shows per doctor", "no_shows")],
)
def test_per_a_breakdown_and_net_promoter_score_are_answered(interp, q, metric):  # noqa: F811
    assert query_of(interp, q).metrics == (metric,)
