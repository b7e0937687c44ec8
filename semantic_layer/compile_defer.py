"""Which dimensions the compiler groups by their key and looks up once, after combining.

A dimension read from a dimension table one join away (``provider`` = ``staff.staff_name``
through ``appointments.provider_id -> staff.staff_id``) need not be joined on every fact
side: each side groups by the fact's own key column (``provider_id``), the sides are
combined on the key, and the dimension table is joined once to label the groups, as a
hand-written query would. That is only done for a dimension the model marks
``group_by_key`` (its groups are the rows of its table: location, provider, campaign; not
brand or role, which many rows share), and when it gives the same rows:

- every fact side is a plain aggregation (no running total, whose window partitions by name);
- on every side the dimension is reached by one join whose target column is the dimension
  table's whole primary key (so the lookup never multiplies rows), and its expression reads
  only that table;
- the side joins INNER for a dimension, so a fact row without a match has no group either way.

A group is then one key, not one label: two staff members with the same name stay two rows
(as in the gold SQL). Filters on the same dimension table, through the same join, are
applied after the lookup too, since they are a function of the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from semantic_layer.compile_plan import Plan
from semantic_layer.model import Join, MetricType, SemanticModel
from semantic_layer.query import TIME_GRAINS, Filter


@dataclass(frozen=True)
class Deferred:
    """A dimension grouped by key: ``key_column`` of each side's fact table, looked up in ``table``."""

    name: str
    table: str
    table_key: str  # the dimension table's primary key column
    expr: exp.Expression  # the dimension's expression over ``table`` (columns unqualified)
    fact_keys: dict[str, str]  # side name -> fact column holding the key
    joins: dict[str, Join]  # side name -> the join used

    @property
    def key_name(self) -> str:
        """Output column of each side holding the key."""
        return f"{self.name}__key"

    @property
    def alias(self) -> str:
        """Alias of the dimension table in the combining SELECT (never a table or side name)."""
        return f"{self.name}__{self.table}"


def one_step(model: SemanticModel, dimension: str, fact: str) -> tuple[Join, exp.Expression] | None:
    found = model.dimension_path(dimension, fact)
    if found is None:
        return None
    src, path = found
    if len(path) != 1 or src.uses_metric_time or src.table != path[0].to_table:
        return None
    join = path[0]
    target = model.tables[join.to_table]
    if len(join.on) != 1 or (join.on[0][1],) != tuple(target.primary_key):
        return None
    if any(c.table not in ("", src.table) for c in src.tree.find_all(exp.Column)):
        return None
    return join, src.tree


def deferred_dimensions(model: SemanticModel, plan: Plan) -> dict[str, Deferred]:
    """The output dimensions of ``plan`` grouped by key, by name (empty when none can be)."""
    if any(s.window is not MetricType.SIMPLE for s in plan.sides):
        return {}
    out: dict[str, Deferred] = {}
    for d in plan.dimensions:
        if d in TIME_GRAINS or not model.dimensions[d].group_by_key:
            continue
        steps = {s.name: one_step(model, d, s.table) for s in plan.sides}
        if any(v is None for v in steps.values()):
            continue
        tables = {j.to_table for j, _ in steps.values()}  # type: ignore[misc]
        if len(tables) != 1:
            continue
        (table,) = tables
        first = next(iter(steps.values()))
        assert first is not None
        if any(v[1] != first[1] for v in steps.values()):  # type: ignore[index]
            continue
        out[d] = Deferred(
            name=d,
            table=table,
            table_key=first[0].on[0][1],
            expr=first[1],
            fact_keys={s: j.on[0][0] for s, (j, _) in steps.items()},  # type: ignore[misc]
            joins={s: j for s, (j, _) in steps.items()},  # type: ignore[misc]
        )
    return out


@dataclass(frozen=True)
class LateFilter:
    """A filter applied after the lookup of ``dim``: ``expr`` over the dimension table."""

    filter: Filter
    dim: Deferred
    expr: exp.Expression


def late_filters(model: SemanticModel, plan: Plan, deferred: dict[str, Deferred]) -> dict[int, LateFilter]:
    """The query's filters (by position) that can be applied after a dimension lookup.

    A filter qualifies when its dimension is on the same table, reached through the same
    join on every side, as a dimension the query groups by key: it then holds or fails for
    whole groups.
    """
    out: dict[int, LateFilter] = {}
    for i, f in enumerate(plan.query.filters):
        if f.dimension in TIME_GRAINS:
            continue
        steps = [one_step(model, f.dimension, s.table) for s in plan.sides]
        if any(st is None for st in steps) or any(st[1] != steps[0][1] for st in steps):  # type: ignore[index]
            continue
        for dim in deferred.values():
            if all(st[0] == dim.joins[s.name] for st, s in zip(steps, plan.sides, strict=True)):  # type: ignore[index]
                out[i] = LateFilter(f, dim, steps[0][1])  # type: ignore[index]
                break
    return out
