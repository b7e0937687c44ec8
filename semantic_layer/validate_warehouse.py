"""Check the semantic model against a live warehouse: its tables, columns and time column types."""

from __future__ import annotations

from typing import Any

from semantic_layer.errors import Problem
from semantic_layer.model import Loc, SemanticModel, TimeType


def _p(loc: Loc | None, message: str) -> Problem:
    return Problem(loc.file if loc else "?", loc.line if loc else 0, "warehouse", message)


def validate_against_warehouse(model: SemanticModel, con: Any) -> list[Problem]:
    """Problems where the model's tables, columns or time column types differ from the live warehouse."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    live: dict[str, dict[str, str]] = {}
    for table, column, dtype in rows:
        live.setdefault(table, {})[column] = str(dtype).upper()
    out = []
    for t in model.tables.values():
        if t.name not in live:
            out.append(_p(t.loc, f"table '{t.name}' is not in the warehouse"))
            continue
        for c in t.columns.values():
            if c.name not in live[t.name]:
                out.append(_p(c.loc or t.loc, f"column '{t.name}.{c.name}' is not in the warehouse"))
        for col, typ in t.time_columns.items():
            actual = live[t.name].get(col, "")
            want = "DATE" if typ is TimeType.DATE else "TIMESTAMP"
            if actual and not actual.startswith(want):
                out.append(
                    _p(
                        t.loc,
                        f"time column '{t.name}.{col}' is {actual}, model says {typ.value}",
                    )
                )
    return out
