"""Small-cell suppression of demographic breakdowns."""

from __future__ import annotations

import pytest

from semantic_layer.suppress import SUPPRESSED, integer_columns, is_demographic, suppress_small_cells

COLUMNS = ("gender", "visits", "no_show_rate")
ROWS = [("F", 250, 0.08), ("M", 10, 0.1), ("X", 1, 0.0), ("U", 0, None), ("F2", 11, 0.2)]


def test_counts_from_1_to_10_become_less_than_11():
    out = suppress_small_cells(COLUMNS, ROWS, group_columns={"gender"}, count_columns={"visits"})
    assert [r[1] for r in out] == [250, SUPPRESSED, SUPPRESSED, 0, 11]
    assert [r[2] for r in out] == [0.08, 0.1, 0.0, None, 0.2]  # rates are not counts
    assert [r[0] for r in out] == ["F", "M", "X", "U", "F2"]


@pytest.mark.parametrize("group", ["gender", "age_band", "zip3", "patient_zip3", "AGE_BAND"])
def test_every_demographic_key_triggers_it(group):
    out = suppress_small_cells((group, "n"), [("a", 3)], group_columns={group}, count_columns={"n"})
    assert out == [("a", SUPPRESSED)]


def test_other_breakdowns_are_left_alone():
    rows = [("Downtown", 3)]
    assert (
        suppress_small_cells(("location", "n"), rows, group_columns={"location"}, count_columns={"n"}) == rows
    )
    assert not is_demographic("location_name") and is_demographic("gender")


def test_it_can_be_turned_off():
    out = suppress_small_cells(
        COLUMNS, ROWS, group_columns={"gender"}, count_columns={"visits"}, enabled=False
    )
    assert out == ROWS


def test_integer_columns_finds_counts_of_a_raw_result():
    assert integer_columns(COLUMNS, ROWS) == {"visits"}
    assert integer_columns(("flag",), [(True,)]) == set()
