"""Small-cell suppression for breakdowns by patient demographics.

A count of 1 to 10 patients (or visits, charges...) in a group defined by gender, age
band or ZIP3 could point at a person, so it is shown as ``"<11"``. Zero stays zero (it
points at nobody) and counts of 11 or more are shown as they are. On by default
(setting ``ACUITY_SMALL_CELL``); breakdowns by anything else are left alone.

>>> suppress_small_cells(("gender", "visits"), [("F", 120), ("X", 4), ("U", 0)],
...                      group_columns={"gender"}, count_columns={"visits"})
[('F', 120), ('X', '<11'), ('U', 0)]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

SUPPRESSED = "<11"
MIN_CELL = 11
# Column names (or name endings) of patient-demographic group keys.
DEMOGRAPHIC_COLUMNS = frozenset({"gender", "sex", "age_band", "age_group", "zip3", "birth_year"})


def is_demographic(column: str) -> bool:
    """True when ``column`` names a patient-demographic group key (gender, age band, ZIP3)."""
    name = column.lower()
    return name in DEMOGRAPHIC_COLUMNS or name.endswith(tuple("_" + d for d in DEMOGRAPHIC_COLUMNS))


def suppress_small_cells(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    group_columns: Collection[str],
    count_columns: Collection[str],
    enabled: bool = True,
    min_cell: int = MIN_CELL,
) -> list[tuple[Any, ...]]:
    """``rows`` with counts from 1 to ``min_cell - 1`` in ``count_columns`` replaced by
    ``"<11"``, when any of ``group_columns`` is a demographic key (and ``enabled``)."""
    rows = [tuple(r) for r in rows]
    if not enabled or not any(is_demographic(c) for c in group_columns):
        return rows
    positions = [i for i, c in enumerate(columns) if c in count_columns]
    label = f"<{min_cell}"
    out = []
    for row in rows:
        cells = list(row)
        for i in positions:
            v = cells[i]
            if isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < min_cell:
                cells[i] = label
        out.append(tuple(cells))
    return out


def integer_columns(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> set[str]:
    """Columns whose non-NULL values are all integers: the counts of a raw SQL result."""
    out = set()
    for i, c in enumerate(columns):
        vals = [r[i] for r in rows if r[i] is not None]
        if vals and all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            out.add(c)
    return out
