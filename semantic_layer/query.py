"""``SemanticQuery``: the one intermediate form between a question and SQL.

Both interpreters (built-in and LLM) produce it; the compiler turns it into a sqlglot
tree. It names only things of the semantic model (metric and dimension names), never
tables or columns, and holds resolved dates (the interpreter resolves "last quarter"
against an as-of date), so compiling is a pure function of (model, query, role).

Time grains are dimensions too: ``day``, ``week``, ``month``, ``quarter``, ``year``,
``day_of_week`` and ``hour_of_day`` each bucket the *metric's own* date column.

>>> q = SemanticQuery(metrics=("no_show_rate",), dimensions=("location",))
>>> q.to_dict()["metrics"]
['no_show_rate']
>>> SemanticQuery.from_dict(q.to_dict()) == q
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

TIME_GRAINS = ("day", "week", "month", "quarter", "year", "day_of_week", "hour_of_day")


class FilterOp(StrEnum):
    """Comparison operators a filter may use."""

    EQ = "="
    NE = "!="
    IN = "in"
    NOT_IN = "not in"


@dataclass(frozen=True)
class Filter:
    """``dimension op values``: e.g. location in ('Northside',)."""

    dimension: str
    values: tuple[str, ...]
    op: FilterOp = FilterOp.IN

    def to_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "op": self.op.value, "values": list(self.values)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Filter:
        vals = d.get("values", d.get("value"))
        if isinstance(vals, (str, int, float)):
            vals = [vals]
        return cls(str(d["dimension"]), tuple(str(v) for v in vals or ()), FilterOp(d.get("op", "in")))


@dataclass(frozen=True)
class TimeRange:
    """Half-open date range ``[start, end)``; ``start=None`` means from the beginning."""

    start: dt.date | None
    end: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat() if self.start else None, "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TimeRange:
        start = d.get("start")
        return cls(dt.date.fromisoformat(start) if start else None, dt.date.fromisoformat(d["end"]))

    def shifted_years(self, years: int) -> TimeRange:
        """The same calendar span ``years`` earlier (negative) or later."""
        return TimeRange(_add_years(self.start, years) if self.start else None, _add_years(self.end, years))


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class OrderBy:
    """Sort by a metric or dimension name."""

    field: str
    descending: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "descending": self.descending}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OrderBy:
        return cls(str(d["field"]), bool(d.get("descending", True)))


@dataclass(frozen=True)
class SemanticQuery:
    """What to compute.

    - ``metrics``: metric names of the model (at least one).
    - ``dimensions``: dimension names and/or time grains to group by.
    - ``filters``: dimension filters, ANDed.
    - ``time_range``: the period, filtering each metric's own date column.
    - ``compare_range``: an earlier period to compare with (previous period, same period
      last year); the result then holds each metric for both periods.
    - ``order_by`` / ``limit``: ranking ("top 3", "which ... highest").
    """

    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    time_range: TimeRange | None = None
    compare_range: TimeRange | None = None
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as printed by ``acuity ask --json``)."""
        return {
            "metrics": list(self.metrics),
            "dimensions": list(self.dimensions),
            "filters": [f.to_dict() for f in self.filters],
            "time_range": self.time_range.to_dict() if self.time_range else None,
            "compare_range": self.compare_range.to_dict() if self.compare_range else None,
            "order_by": [o.to_dict() for o in self.order_by],
            "limit": self.limit,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SemanticQuery:
        """Inverse of :meth:`to_dict`; raises ``KeyError``/``ValueError`` on bad input."""
        tr, cr = d.get("time_range"), d.get("compare_range")
        return cls(
            metrics=tuple(str(m) for m in d["metrics"]),
            dimensions=tuple(str(x) for x in d.get("dimensions") or ()),
            filters=tuple(Filter.from_dict(f) for f in d.get("filters") or ()),
            time_range=TimeRange.from_dict(tr) if tr else None,
            compare_range=TimeRange.from_dict(cr) if cr else None,
            order_by=tuple(OrderBy.from_dict(o) for o in d.get("order_by") or ()),
            limit=int(d["limit"]) if d.get("limit") is not None else None,
        )

    def replace(self, **changes: Any) -> SemanticQuery:
        """A copy with some fields changed (follow-ups use this)."""
        return replace(self, **changes)
