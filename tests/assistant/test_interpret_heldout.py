"""The held-out failure categories, each with phrasings of our own (not the lead's sentences)."""

from __future__ import annotations

import pytest

from assistant.interpret.spelling import normalise
from assistant.router import route
from tests.assistant.test_interpret import AS_OF, check, interp  # noqa: F401 - fixture

Q3 = ["2026-07-01", "2026-10-01"]
SEP, AUG = ["2026-09-01", "2026-10-01"], ["2026-08-01", "2026-09-01"]


@pytest.mark.parametrize(
    ("q", "want"),
    [
        ("how many cancelations last quarter", {"metrics": ["cancellations"], "time": Q3}),
        ("cancelations by provider in 2025", {"metrics": ["cancellations"], "dims": ["provider"]}),
        ("canceled appointments at Northside last month", {"metrics": ["cancellations"], "time": SEP}),
        ("cancelation percentage by location", {"metrics": ["cancellation_rate"], "dims": ["location"]}),
        ("cancelations at Lakeview last month", {"metrics": ["cancellations"], "time": SEP}),
        ("labour hours by staff member last month", {"metrics": ["hours_worked"], "dims": ["staff_member"]}),
    ],
)
def test_spelling_variants_of_metric_words(interp, q, want):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, want)


def test_spelling_rules():
    assert [
        normalise(w) for w in ("cancelation", "cancelations", "canceling", "neighbourhood", "utilisation")
    ] == [
        "cancellation",
        "cancellations",
        "cancelling",
        "neighborhood",
        "utilization",
    ]
    assert normalise("cancel") == "cancel" and normalise("revenue") == "revenue"


@pytest.mark.parametrize(
    ("q", "member", "dim"),
    [
        ("contact lens exams per office in September", "contact_lens_exam", "location"),
        ("CL fittings by provider last quarter", "contact_lens_exam", "provider"),
        ("how many dry eye treatments did each location do last month", "dry_eye_treatment", "location"),
        ("medical visits across clinics in 2025", "medical_visit", "location"),
    ],
)
def test_appointment_type_member_with_a_breakdown(interp, q, member, dim):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(
        got.query, {"metrics": ["completed_visits"], "dims": [dim], "filters": {"appointment_type": [member]}}
    )


@pytest.mark.parametrize(
    ("q", "time", "compare"),
    [
        ("visits last month compared with the month before", SEP, AUG),
        ("new patients September versus August", SEP, AUG),
        ("revenue in Sept vs Aug", SEP, AUG),
        ("no-show rate last quarter against the previous quarter", Q3, ["2026-04-01", "2026-07-01"]),
        ("collections Q3 compared to Q2", Q3, ["2026-04-01", "2026-07-01"]),
    ],
)
def test_two_periods_compared(interp, q, time, compare):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query", got.message
    assert not check(got.query, {"time": time, "compare": compare})


@pytest.mark.parametrize(
    ("context", "q", "time"),
    [
        ("Revenue by location in Q2 2026", "same for last year", ["2025-04-01", "2025-07-01"]),
        ("No-show rate at Northside in Q1 2026", "and last year?", ["2025-01-01", "2025-04-01"]),
        (
            "New patients by provider in March 2026",
            "what about the previous year",
            ["2025-03-01", "2025-04-01"],
        ),
        ("Cancellations by location in Q2 2026", "same period last year", ["2025-04-01", "2025-07-01"]),
        ("Wait time at Lakeview in Q3 2026", "and the year before?", ["2025-07-01", "2025-10-01"]),
    ],
)
def test_same_for_last_year_moves_that_period(interp, context, q, time):  # noqa: F811
    prev = interp.interpret(context, AS_OF).query
    got = interp.interpret(q, AS_OF, prev)
    assert got.kind == "query" and got.followup
    assert not check(got.query, {"time": time, "metrics": list(prev.metrics), "dims": list(prev.dimensions)})
    assert got.query.filters == prev.filters


def test_last_year_after_a_whole_year_is_that_year(interp):  # noqa: F811
    prev = interp.interpret("Revenue in 2024", AS_OF).query
    got = interp.interpret("what about last year?", AS_OF, prev)
    assert not check(got.query, {"time": ["2025-01-01", "2026-01-01"]})


@pytest.mark.parametrize(
    "q",
    [
        "list all patients seen by Dr. Lee last week",
        "Give me a list of the patients Dr. Patel saw in September",
        "export every patient who came in last month",
        "show me all patients treated by Dr. Kim yesterday",
        "Show me the patients Dr. Lee saw last week",
        "can you pull the patients with no-shows yesterday",
    ],
)
def test_patient_lists_are_refused(q):
    assert route(q).kind == "refuse"


@pytest.mark.parametrize(
    "q",
    [
        "how many patients did Dr. Lee see last week",
        "list patient visits by location",
        "number of patients seen by Dr. Lee last week",
        "patients seen by location last month",
        "list the patients seen by provider last month",
        "show me new patients last month",
    ],
)
def test_patient_counts_are_answered(q):
    assert route(q).kind == "kpi"


@pytest.mark.parametrize(
    "q",
    [
        "revenue by neighbourhood",
        "completed visits by zodiac sign last month",
        "new patients by location and eye colour",
        "no-show rate for each hair color in 2025",
        "units sold by product",
        "patients seen by Smith last week",
    ],
)
def test_unknown_breakdown_is_not_dropped(interp, q):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify"
    assert "not a breakdown" in got.message and len(got.choices) >= 2
    assert all(" by " in c for c in got.choices)


def test_unknown_breakdown_in_a_followup(interp):  # noqa: F811
    prev = interp.interpret("Revenue by location in Q2 2026", AS_OF).query
    got = interp.interpret("and by star sign?", AS_OF, prev)
    assert got.kind == "clarify" and "not a breakdown" in got.message


@pytest.mark.parametrize(
    ("q", "dims"),
    [
        ("visits by gender and age group in 2025", ["gender", "age_band"]),
        ("no-show rate by location and provider last quarter", ["location", "provider"]),
        ("revenue by payer type and the location", ["payer_type", "location"]),
    ],
)
def test_second_breakdown_is_kept(interp, q, dims):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query" and list(got.query.dimensions) == dims


@pytest.mark.parametrize(
    ("q", "compare"),
    [
        ("revenue this quarter compared with the previous quarter", Q3),
        ("visits this month vs last month", SEP),
        ("new patients this month versus the month before", SEP),
    ],
)
def test_a_period_that_starts_today_is_compared_with_the_whole_previous_one(interp, q, compare):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query"
    assert not check(got.query, {"compare": compare})


@pytest.mark.parametrize(
    ("q", "dims"),
    [
        ("visits by the hour", ["hour_of_day"]),
        ("revenue by fiscal quarter", ["quarter"]),
        ("visits by the month in 2025", ["month"]),
        ("revenue by end of September", []),
    ],
)
def test_time_breakdowns_with_modifiers_are_kept(interp, q, dims):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "query" and list(got.query.dimensions) == dims
