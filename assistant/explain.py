"""A semantic query in plain words, for the "How I got this" panel and the audit page.

>>> describe_query({"metrics": ["no_show_rate"], "dimensions": ["location", "month"],
...                 "filters": [{"dimension": "provider", "op": "in", "values": ["Dr. Samuel Lee"]}],
...                 "time_range": {"start": "2025-01-01", "end": "2026-01-01"},
...                 "compare_range": None, "order_by": [], "limit": None})
'No show rate by location and month, where provider is Dr. Samuel Lee, from 2025-01-01 to 2025-12-31.'
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def _label(name: str) -> str:
    return name.replace("_", " ")


def _range(r: dict[str, Any] | None) -> str:
    if not r:
        return "over all data"
    end = dt.date.fromisoformat(r["end"]) - dt.timedelta(days=1)
    if not r.get("start"):
        return f"up to {end.isoformat()}"
    return f"from {r['start']} to {end.isoformat()}"


def describe_query(q: dict[str, Any] | None) -> str:
    """One sentence saying what a semantic query (its ``to_dict()`` form) computes."""
    if not q:
        return ""
    metrics = " and ".join(_label(m) for m in q.get("metrics", []))
    text = metrics[:1].upper() + metrics[1:]
    dims = q.get("dimensions") or []
    if dims:
        text += " by " + " and ".join(_label(d) for d in dims)
    filters = q.get("filters") or []
    if filters:
        parts = []
        for f in filters:
            op = {"in": "is", "=": "is", "!=": "is not", "not in": "is not"}.get(
                f.get("op", "in"), f.get("op")
            )
            parts.append(f"{_label(f['dimension'])} {op} {' or '.join(map(str, f['values']))}")
        text += ", where " + " and ".join(parts)
    text += ", " + _range(q.get("time_range"))
    if q.get("compare_range"):
        text += ", compared with " + _range(q["compare_range"]).replace("from ", "", 1)
    order = q.get("order_by") or []
    if order and q.get("limit"):
        first = order[0]
        text += f"; {'top' if first.get('descending', True) else 'bottom'} {q['limit']} by {_label(first['field'])}"
    return text + "."
