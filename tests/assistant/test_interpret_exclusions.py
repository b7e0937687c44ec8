"""Members a question leaves out ("excluding Downtown", "all offices except Lakeview and
Northside") are NOT IN filters: answering for the named member instead would be the
opposite number."""

from __future__ import annotations

import pytest

from semantic_layer.query import FilterOp
from tests.assistant.test_interpret import AS_OF, interp, query_of  # noqa: F401 - fixture


@pytest.mark.parametrize(
    ("q", "dimension", "values"),
    [
        ("no-show rate by office this year excluding Downtown", "location", ("Downtown",)),
        ("total visits in 2025 except at Lakeview", "location", ("Lakeview",)),
        ("collections last quarter other than Northside", "location", ("Northside",)),
        ("visits at every clinic apart from Lakeview and Northside in August", "location", ("Lakeview", "Northside")),
        ("revenue without sunglasses last month", "product_category", ("sunglasses",)),
        ("cancellation rate by doctor in 2025 leaving out Dr. Patel", "provider", ("Dr. Maya Patel",)),
        ("wait time last month, but not at the Downtown office", "location", ("Downtown",)),
    ],
)
def test_an_excluded_member_is_a_not_in_filter(interp, q, dimension, values):  # noqa: F811
    sq = query_of(interp, q)
    (f,) = [f for f in sq.filters if f.dimension == dimension]
    assert f.op is FilterOp.NOT_IN and tuple(sorted(f.values)) == tuple(sorted(values))


def test_named_members_beside_an_excluded_one_are_the_filter(interp):  # noqa: F811
    got = interp.interpret("revenue at Lakeview and Northside, not Downtown, last month", AS_OF)
    (f,) = got.query.filters
    assert f.op is FilterOp.IN and sorted(f.values) == ["Lakeview", "Northside"]


@pytest.mark.parametrize(
    "q",
    [
        "how many patients did not show up at Northside last month",
        "no-show rate at Downtown in 2025",
        "visits for Dr. Patel in August",
    ],
)
def test_other_words_do_not_exclude(interp, q):  # noqa: F811
    sq = query_of(interp, q)
    assert all(f.op is FilterOp.IN for f in sq.filters)


def test_an_exclusion_follows_up(interp):  # noqa: F811
    first = interp.interpret("revenue by location last year", AS_OF)
    got = interp.interpret("and without Northside?", AS_OF, first.query)
    assert got.query.dimensions == ("location",)
    (f,) = got.query.filters
    assert f.op is FilterOp.NOT_IN and f.values == ("Northside",)
