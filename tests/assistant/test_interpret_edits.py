"""Follow-ups that edit the previous answer without naming a new value, and period words
found by probing: "the week before last", "the last full month" (2026-12-05)."""

from __future__ import annotations

import pytest

from assistant.router import route
from semantic_layer.query import FilterOp
from tests.assistant.test_interpret import AS_OF, check, interp, query_of  # noqa: F401 - fixture


def _follow(interp, first: str, then: str):  # noqa: F811
    prev = interp.interpret(first, AS_OF)
    assert prev.kind == "query", prev.message
    got = interp.interpret(then, AS_OF, prev.query)
    assert got.kind == "query", got.message
    return prev.query, got.query


def test_removing_the_breakdown_keeps_the_rest(interp):  # noqa: F811
    prev, q = _follow(interp, "completed visits by provider at Lakeview in August", "now without the breakdown")
    assert q.dimensions == () and q.filters == prev.filters and q.time_range == prev.time_range


def test_removing_the_filter_keeps_the_rest(interp):  # noqa: F811
    prev, q = _follow(interp, "cancellations by month at Downtown in 2025", "clear the filters")
    assert q.filters == () and q.dimensions == prev.dimensions and q.metrics == prev.metrics


def test_removing_the_comparison(interp):  # noqa: F811
    prev, q = _follow(interp, "revenue this quarter vs the same quarter last year", "drop the comparison")
    assert prev.compare_range is not None and q.compare_range is None and q.time_range == prev.time_range


@pytest.mark.parametrize("then", ["how about the other offices?", "and the others"])
def test_the_others_are_the_members_the_filter_left_out(interp, then):  # noqa: F811
    _, q = _follow(interp, "no-show rate at Lakeview last quarter", then)
    assert q.dimensions == ("location",)
    (f,) = q.filters
    assert f.op is FilterOp.NOT_IN and f.values == ("Lakeview",)


@pytest.mark.parametrize(("then", "desc"), [("sort it ascending", False), ("descending please", True)])
def test_a_sort_word_reorders_the_previous_answer(interp, then, desc):  # noqa: F811
    prev, q = _follow(interp, "nps by provider this year", then)
    assert q.order_by and q.order_by[0].field == "nps" and q.order_by[0].descending is desc
    assert q.dimensions == prev.dimensions


@pytest.mark.parametrize("q", ["drop the breakdown", "remove the location filter", "hide the comparison"])
def test_editing_the_view_is_not_a_write(q):
    assert route(q).kind != "refuse"


@pytest.mark.parametrize("q", ["drop the appointments table", "remove all no-shows from the records"])
def test_writes_are_still_refused(q):
    assert route(q).kind == "refuse"


@pytest.mark.parametrize(
    ("q", "time"),
    [
        ("completed visits the week before last", ["2026-09-14", "2026-09-21"]),
        ("collections the month before last", ["2026-08-01", "2026-09-01"]),
        ("new patients the quarter before last", ["2026-04-01", "2026-07-01"]),
        ("revenue the day before yesterday", ["2026-09-29", "2026-09-30"]),
        ("no-shows in the last complete month", ["2026-09-01", "2026-10-01"]),
        ("revenue over the past 2 full quarters", ["2026-04-01", "2026-10-01"]),
        ("visits this calendar year", ["2026-01-01", "2026-10-01"]),
    ],
)
def test_before_last_and_filler_words(interp, q, time):  # noqa: F811
    sq = query_of(interp, q)
    assert not check(sq, {"time": time}) and sq.compare_range is None


def test_the_month_before_still_compares(interp):  # noqa: F811
    got = interp.interpret("revenue last month vs the month before", AS_OF)
    assert not check(got.query, {"time": ["2026-09-01", "2026-10-01"], "compare": ["2026-08-01", "2026-09-01"]})


@pytest.mark.parametrize(
    "q", ["how many patients are scheduled for next Monday", "number of visits booked for next month"]
)
def test_visits_in_the_future_are_booked_appointments(interp, q):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.metrics == ("upcoming_appointments",)


@pytest.mark.parametrize(
    ("q", "day"),
    [
        ("completed visits last Tuesday", "2026-09-29"),  # as of Thursday 2026-10-01
        ("no-shows last Thursday", "2026-09-24"),  # not today
        ("appointments booked for next Friday", "2026-10-02"),
        ("revenue this Monday", "2026-09-28"),
    ],
)
def test_last_next_this_weekday_is_one_day(interp, q, day):  # noqa: F811
    sq = query_of(interp, q)
    tr = sq.time_range
    assert tr.start.isoformat() == day and (tr.end - tr.start).days == 1
    assert not sq.filters  # not every Tuesday


def test_on_a_weekday_is_still_every_such_day(interp):  # noqa: F811
    got = interp.interpret("no-shows on Mondays in 2025", AS_OF)
    assert got.query.filters[0].dimension == "day_of_week"


@pytest.mark.parametrize("q", ["is the cancellation rate at Lakeview improving?", "are our collections declining"])
def test_getting_better_or_worse_is_a_trend(interp, q):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.dimensions and sq.dimensions[-1] in ("day", "week", "month")


def test_a_count_as_the_population_of_a_rate_asks(interp):  # noqa: F811
    got = interp.interpret("cancellation rate among new patients in 2025", AS_OF)
    assert got.kind == "clarify" and "cannot be split" in got.message
    assert [c.split()[0] for c in got.choices] == ["Cancellation", "New"]
    both = interp.interpret("cancellation rate and new patients in 2025", AS_OF)
    assert both.kind == "query" and both.query.metrics == ("cancellation_rate", "new_patients")


@pytest.mark.parametrize(
    ("q", "time"),
    [
        ("visits on June 3rd 2025", ["2025-06-03", "2025-06-04"]),
        ("revenue on the 2nd of September", ["2026-09-02", "2026-09-03"]),
        ("no-shows from Aug 10 to Aug 20", ["2026-08-10", "2026-08-21"]),
        ("revenue between Feb 1 and Apr 30 2026", ["2026-02-01", "2026-05-01"]),
        ("collections in the week of August 12", ["2026-08-10", "2026-08-17"]),
        ("new patients since the beginning of the year", ["2026-01-01", "2026-10-01"]),
        ("cancellations since the start of this quarter", ["2026-10-01", "2026-10-01"]),
    ],
)
def test_day_dates_and_the_start_of_a_period(interp, q, time):  # noqa: F811
    sq = query_of(interp, q)
    assert not check(sq, {"time": time})


@pytest.mark.parametrize(
    ("q", "offered"),
    [
        ("no-show rate in early August", "No-show rate in august"),
        ("revenue for the second week of July", "Revenue in july"),
        ("visits at the end of 2025", "Completed visits in 2025"),
    ],
)
def test_a_part_of_a_period_the_grammar_does_not_cut_asks(interp, q, offered):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify" and "not a period I can read" in got.message
    assert got.choices[0] == offered


def test_a_deadline_is_not_a_part_of_a_period(interp):  # noqa: F811
    assert interp.interpret("revenue by end of September", AS_OF).kind == "query"


@pytest.mark.parametrize("q", ["are no-shows worse on Saturdays", "do we see more patients on Tuesdays than other days"])
def test_a_weekday_against_the_rest_is_the_weekday_breakdown(interp, q):  # noqa: F811
    sq = query_of(interp, q)
    assert sq.dimensions == ("day_of_week",) and not sq.filters


def test_a_count_as_the_population_of_an_average_asks(interp):  # noqa: F811
    got = interp.interpret("average visit length for new patients last month", AS_OF)
    assert got.kind == "clarify" and "cannot be split" in got.message


@pytest.mark.parametrize(
    ("q", "suffix"),
    [("how did the practice do in Q2 2025", " q2 2025"), ("give me the numbers for last quarter", " last quarter")],
)
def test_a_which_number_choice_keeps_the_period_asked(interp, q, suffix):  # noqa: F811
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify"
    assert got.choices and all(c.endswith(suffix) for c in got.choices), got.choices
    again = interp.interpret(got.choices[0], AS_OF)  # a choice reads as a complete question
    assert again.kind == "query" and again.query.time_range is not None and again.query.time_range.start is not None


def test_the_end_of_a_period_is_that_period_for_a_level(interp):  # noqa: F811
    sq = query_of(interp, "stock on hand by brand at the end of March")
    assert not check(sq, {"time": ["2026-03-01", "2026-04-01"]})
    assert interp.interpret("units sold at the end of March", AS_OF).kind == "clarify"  # a flow: a part of March


@pytest.mark.parametrize(
    ("q", "compare"),
    [
        ("collections in August compared to last August", ["2025-08-01", "2025-09-01"]),
        ("Q2 new patients vs last Q2", ["2025-04-01", "2025-07-01"]),
    ],
)
def test_a_named_period_against_its_last_namesake_is_a_year_before(interp, q, compare):  # noqa: F811
    assert not check(query_of(interp, q), {"compare": compare})


def test_this_month_on_its_first_day_stays_the_month_under_way(interp):  # noqa: F811
    sq = query_of(interp, "completed visits this month vs last month")
    assert sq.metrics == ("completed_visits",)


@pytest.mark.parametrize(
    ("q", "time"),
    [
        ("no-shows from Sept 14 to Friday", ["2026-09-14", "2026-09-19"]),
        ("visits between last Monday and Wednesday", ["2026-09-28", "2026-10-01"]),
    ],
)
def test_a_range_may_end_on_a_bare_weekday(interp, q, time):  # noqa: F811
    sq = query_of(interp, q)
    assert not check(sq, {"time": time}) and not sq.filters  # not a weekday filter
