"""The failure categories of the fresh held-out set (holdout_fresh.yaml), each with phrasings of
its own: none of these sentences is in that set, the dev set or the lead's set."""

from __future__ import annotations

import pytest
import yaml

from assistant.interpret.builtin import BuiltinInterpreter
from assistant.interpret.values import ValueIndex, spellings
from assistant.router import route
from semantic_layer.model import load_model
from tests.assistant.test_interpret import AS_OF, FIX, check, interp  # noqa: F401 - fixture

Q1, Q2 = ["2026-01-01", "2026-04-01"], ["2026-04-01", "2026-07-01"]


@pytest.fixture(scope="module")
def yearly() -> BuiltinInterpreter:
    """The test members plus campaigns that run every year under one name, as the demo's do."""
    members = yaml.safe_load((FIX / "members.yaml").read_text())
    members["campaign"] = [
        f"{name} {y}" for name in ("Spring Refill Texts", "Winter Search") for y in (2025, 2026)
    ]
    return BuiltinInterpreter(load_model(), ValueIndex.from_members(members))


# 1. "the previous quarter" after a named period is the one before it, not the one before today
@pytest.mark.parametrize(
    ("q", "time", "compare"),
    [
        ("visits in Q2 2026 versus the prior quarter", Q2, Q1),
        (
            "no-show rate for February against the preceding month",
            ["2026-02-01", "2026-03-01"],
            ["2026-01-01", "2026-02-01"],
        ),
        (
            "collections in March 2026 compared to the previous year",
            ["2026-03-01", "2026-04-01"],
            ["2025-03-01", "2025-04-01"],
        ),
        (
            "cancellations in 2025 vs the previous year",
            ["2025-01-01", "2026-01-01"],
            ["2024-01-01", "2025-01-01"],
        ),
    ],
)
def test_previous_period_refers_to_the_named_one(interp, q, time, compare):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"time": time, "compare": compare})


def test_last_quarter_still_means_before_today(interp):  # noqa: F811
    got = interp.interpret("revenue in Q1 2026 vs last quarter", AS_OF)
    assert not check(got.query, {"time": Q1, "compare": ["2026-07-01", "2026-10-01"]})


# 2. a year inside a member's full name names the member, not a period
@pytest.mark.parametrize(
    ("q", "metric", "member"),
    [
        ("click rate of Winter Search 2025", "click_rate", "Winter Search 2025"),
        (
            "how much did we spend on the Spring Refill Texts 2026 campaign",
            "marketing_spend",
            "Spring Refill Texts 2026",
        ),
    ],
)
def test_year_inside_a_campaign_name(yearly, q, metric, member):
    got = yearly.interpret(q, AS_OF)
    assert got.kind == "query", (got.message, got.choices)
    assert not check(
        got.query, {"metrics": [metric], "filters": {"campaign": [member]}, "time": [None, "2026-10-01"]}
    )


# 3. a yearly campaign named without its year, inside one calendar year: that year's campaign
def test_campaign_without_its_year_within_one_year(yearly):
    got = yearly.interpret("attributed revenue of the Winter Search campaign in 2026", AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"filters": {"campaign": ["Winter Search 2026"]}})
    # no single year: still asks which one
    got = yearly.interpret("open rate of Winter Search", AS_OF)
    assert got.kind == "clarify" and set(got.choices) == {"Winter Search 2025", "Winter Search 2026"}


# 4. a follow-up member that the previous metric's definition excludes: the unfiltered measure
@pytest.mark.parametrize(
    ("context", "q", "metric", "member"),
    [
        ("eyewear sales by provider in 2025", "what about contact lenses", "revenue", "contact_lenses"),
        ("contact lens revenue last month", "and frames?", "revenue", "frames"),
    ],
)
def test_followup_member_outside_the_metric_definition(interp, context, q, metric, member):  # noqa: F811
    prev = interp.interpret(context, AS_OF).query
    got = interp.interpret(q, AS_OF, prev)
    assert got.kind == "query" and got.followup
    assert not check(got.query, {"metrics": [metric], "filters": {"product_category": [member]}})
    assert got.query.dimensions == prev.dimensions and got.query.time_range == prev.time_range


def test_followup_member_inside_the_definition_keeps_the_metric(interp):  # noqa: F811
    prev = interp.interpret("no-shows by location in 2025", AS_OF).query
    got = interp.interpret("and for dry eye treatments?", AS_OF, prev)
    assert not check(
        got.query, {"metrics": ["no_shows"], "filters": {"appointment_type": ["dry_eye_treatment"]}}
    )


# 5. "shortest" / "longest" visits or exams ask for their length
@pytest.mark.parametrize(
    ("q", "desc"),
    [("which office has the quickest visits", False), ("who had the lengthiest exams in 2025", True)],
)
def test_duration_words(interp, q, desc):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"metrics": ["avg_visit_minutes"], "desc": desc})


# 6. a member name whose stem is an everyday word ("Dailies" -> "daily") is still that member
def test_member_spelled_as_written_is_kept(interp):  # noqa: F811
    assert spellings("brand", "Dailies") and not spellings("campaign_word", "other")
    got = interp.interpret("Dailies stock on hand at Northside", AS_OF)
    assert not check(got.query, {"metrics": ["stock_on_hand"], "filters": {"brand": ["Dailies"]}})
    got = interp.interpret("daily visits last week", AS_OF)
    assert not check(got.query, {"metrics": ["completed_visits"], "dims": ["day"]})


# 7. routing: two signs of a document beat a KPI word; a KPI verb beats a document lead
@pytest.mark.parametrize(
    "q",
    [
        "is there a procedure for no-show follow up calls?",
        "do we have a policy about late cancellations?",
        "give me a recap of the wait time huddle",
    ],
)
def test_document_questions_that_name_a_kpi(q):
    assert route(q).kind == "documents"


@pytest.mark.parametrize(
    "q",
    ["what did we collect in August", "what did Lakeview bill last quarter", "what did we sell at Downtown"],
)
def test_kpi_verbs_after_a_document_lead(q):
    assert route(q).kind == "kpi"


# 8. "who" with a ranking word ranks people: providers, or staff members for staff metrics
@pytest.mark.parametrize(
    ("q", "metric", "dim"),
    [
        ("who saw the most patients last month", "completed_visits", "provider"),
        ("who had the lowest NPS in 2025", "nps", "provider"),
        # on shifts, provider and staff member are the same grouping (timeclock.staff)
        ("who clocked the most overtime this year", "overtime_hours", "provider"),
    ],
)
def test_who_ranks_people(interp, q, metric, dim):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"metrics": [metric], "dims": [dim], "desc": "lowest" not in q})


# 9. a name the data does not know is asked about, never dropped (that would answer for everyone)
@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("cancellations at the Westbrook office in 2025", "Cancellations by location"),
        ("how many patients did Dr. Nguyen see last week", "Completed visits by provider"),
        ("collections for Humana patients last quarter", None),
        ("wait time at oakview this year", "Average wait by location"),
    ],
)
def test_unknown_names_ask(interp, q, first):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify" and "not a name in the data" in got.message, got
    assert first is None or got.choices[0] == first


def test_unknown_name_in_a_followup_asks(interp):  # noqa: F811
    prev = interp.interpret("wait time at Northside last month", AS_OF).query
    got = interp.interpret("and at Riverside?", AS_OF, prev)
    assert got.kind == "clarify" and "riverside" in got.message


@pytest.mark.parametrize(
    "q",
    ["hwo many visits last week", "whats the revenue at lakeveiw this year", "how long did patients wait"],
)
def test_typos_and_common_words_are_not_unknown_names(interp, q):  # noqa: F811
    assert interp.interpret(q, AS_OF).kind == "query"


# 10. period words the grammar does not define ask which period, instead of meaning "all data"
@pytest.mark.parametrize(
    "q", ["no-shows over the holidays", "new patients last fortnight", "revenue on weekends"]
)
def test_unread_period_words_ask(interp, q):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify" and "period" in got.message
    assert len(got.choices) == 4


def test_fall_as_a_verb_is_not_a_period(interp):  # noqa: F811
    assert interp.interpret("did visits fall last month", AS_OF).kind == "query"


# 11. "vs" between members is not a comparison of periods
@pytest.mark.parametrize(
    ("q", "time"),
    [
        ("wait time Downtown vs Lakeview last year", ["2025-01-01", "2026-01-01"]),
        ("cancellation rate for Dr. Patel versus Dr. Chen last month", ["2026-09-01", "2026-10-01"]),
    ],
)
def test_vs_between_members(interp, q, time):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"time": time}) and got.query.compare_range is None
    assert len(got.query.filters[0].values) == 2
