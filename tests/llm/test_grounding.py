"""Grounding: every number in a rewritten narrative must come from the result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assistant.llm.grounding import Grounding, extract_numbers, ungrounded_numbers

TREND = [[dt.date(2026, 8, 1), 1180, 0.0812], [dt.date(2026, 9, 1), 1234, 0.0843]]
BREAKDOWN = [["Northside", Decimal("48210.55")], ["Lakeview", Decimal("39004.10")], ["Downtown", 12345.67]]
BUILTIN = "Completed visits were 1,234 in September 2026, up 4.6% from 1,180 in August."


@pytest.mark.parametrize(
    "text",
    [
        "Visits reached 1,234 in September.",  # a value
        "The no-show rate was 8.4%.",  # a fraction shown as a percent
        "The no-show rate was 8.43%, up from 8.12%.",  # more precision is fine when it rounds right
        "That is 54 more visits than in August.",  # a difference
        "Visits grew 4.6% month over month.",  # a percent change
        "Visits grew about 5%.",  # rounder
        "The no-show rate rose 0.3 percentage points.",  # difference of two ratios, in points
        "In 2026-09 visits were 1.2k.",  # date parts of a date cell; a scaled number
        "Visits fell 4.4% from September back to August levels.",  # the change measured from the later value
        "In September 2026 visits were 1,234.",  # a year from the trusted built-in narrative
        "It was the 2nd month running that visits rose.",  # ordinals are ranks, not data
    ],
)
def test_grounded_texts(text):
    assert ungrounded_numbers(text, TREND, [BUILTIN]) == []


@pytest.mark.parametrize(
    "text, bad",
    [
        ("Visits reached 1,250 in September.", ["1,250"]),  # invented
        ("The no-show rate was 9.4%.", ["9.4%"]),
        ("Visits grew 12% month over month.", ["12%"]),
        ("About 300 patients were new.", ["300"]),
        ("Visits were 1,234 and 40 were new.", ["40"]),
        ("Revenue was $2.5M.", ["$2.5M"]),
    ],
)
def test_ungrounded_texts(text, bad):
    assert ungrounded_numbers(text, TREND, [BUILTIN]) == bad


def test_currency_and_decimal_cells():
    g = Grounding(BREAKDOWN)
    assert (
        g.ungrounded("Northside led with $48,211, ahead of Lakeview at $39,004 and Downtown at $12.3k.") == []
    )
    assert g.ungrounded("Northside led by $9,206 over Lakeview.") == []  # 48210.55 - 39004.10
    assert g.ungrounded("Northside led with $48,300.") == ["$48,300"]


def test_rounding_tolerance_follows_the_written_precision():
    (n,) = extract_numbers("8.4%")
    assert n.percent and n.matches(0.0843) and n.matches(0.08449) and not n.matches(0.0846)
    (m,) = extract_numbers("$12,346")
    assert m.matches(12345.67) and not m.matches(12344.9)


def test_without_trusted_text_the_year_must_be_in_the_result():
    assert ungrounded_numbers("In 2026 visits were 1,234.", TREND) == []  # the year of a date cell
    assert ungrounded_numbers("In 2019 visits were 1,234.", TREND) == ["2019"]


def test_nulls_and_booleans_are_ignored():
    assert ungrounded_numbers("Visits were 3.", [[None, True, 3]]) == []
