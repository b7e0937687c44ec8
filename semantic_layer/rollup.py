"""Daily rollups: exact pre-aggregations of the fact tables, built by a sync, read by the compiler.

A rollup (``models/rollups.yaml``) is one table per (fact table, dimension list): a row
per day and combination of the dimensions' values, with every additive measure of the
fact's metrics decomposed so that any period of whole days re-aggregates exactly:

- ``<day>``: the metrics' date column as a date;
- ``<dimension>``: the dimension's value; ``<dimension>__key``: the fact's key column
  for a dimension the compiler groups by key (location, provider, campaign);
  ``<dimension>__matched``: whether the dimension's joins found a row (a fact side
  joins a dimension INNER, so a row without it has no group and passes no filter);
- per aggregate column of a side (``revenue``, ``no_show_rate__num``, ...):
  ``<agg>__v`` its count or sum (of the average's values for an average or a
  conversion), ``<agg>__n`` the count of those values (averages), ``<agg>__f`` the rows
  where the measure's own filter holds (a grouped side keeps a group only when some
  row passes a filter, as the WHERE of the fact side does).

Tables are LEFT joined while building, so no row is lost to a dimension it is not asked
for; each measure is computed by the same expressions as the fact side
(:mod:`semantic_layer.compile_side`), which is what makes the two agree.

:func:`semantic_layer.compile_rollup.rollup_side` is the compiler's other way to build a
side: it returns None unless one rollup holds every dimension, filter and measure the
side needs (calendar grains and weekdays only; no distinct counts, running totals or
trailing windows). The compiler stays pure: which rollups exist is the caller's (:func:`available_rollups`
reads the registry a sync writes, and keeps a rollup only when its definition is the
current model's and it was built by the warehouse's latest sync over the same rows).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from sqlglot import exp

from semantic_layer.compile_defer import one_step
from semantic_layer.compile_exprs import aggregate, qualify
from semantic_layer.compile_plan import CURRENT, plan_query, window_of
from semantic_layer.compile_side import Joins, agg_value, dimension_expr
from semantic_layer.errors import ModelError, Problem
from semantic_layer.model import Agg, MetricType, SemanticModel
from semantic_layer.model_yaml import read_yaml
from semantic_layer.query import SemanticQuery

log = logging.getLogger(__name__)

ROLLUPS_FILE = Path(__file__).with_name("models") / "rollups.yaml"
PREFIX = "rollup_"
PREPARED = "_rollup_rows_"  # temporary tables of a build: a costly per-row value, computed once
ROW = "__row"
REGISTRY = "sync_rollups"  # a bookkeeping table ("sync_" tables are never in a catalog)
LAYOUT = "1"  # part of every digest: bump when the table layout changes
DAY = "day"
GRAINS = frozenset({"day", "week", "month", "quarter", "year", "day_of_week"})  # whole days
_DECOMPOSABLE = (Agg.COUNT, Agg.SUM, Agg.AVG)


@dataclass(frozen=True)
class RollupAgg:
    """How one aggregate column of a side is kept: ``kind`` count | sum | avg."""

    kind: str
    metric: str
    filtered: bool
    flag_is_value: bool = False  # a filtered row count: its ``__v`` is the ``__f`` too

    def flag(self, name: str) -> str:
        """The column counting the rows where the measure's filter holds."""
        return f"{name}__v" if self.flag_is_value else f"{name}__f"


@dataclass(frozen=True)
class Rollup:
    """One rollup table: its definition, the SELECT that builds it and (once built) its size."""

    name: str
    fact: str
    time_column: str
    dimensions: tuple[str, ...]
    keys: Mapping[str, str]  # dimension grouped by key -> fact column
    matched: frozenset[str]  # dimensions with a ``__matched`` column
    aggs: Mapping[str, RollupAgg]
    select: exp.Select = field(repr=False, compare=False)
    prepared: Mapping[str, exp.Select] = field(default_factory=dict, repr=False, compare=False)
    digest: str = ""
    sources: frozenset[tuple[str, str]] = frozenset()  # (table, column) read to build it
    rows: int = 0

    @property
    def columns(self) -> dict[str, str | None]:
        """Every column, mapped to the metric whose measure it holds (None: a group column)."""
        out: dict[str, str | None] = {DAY: None}
        for d in self.dimensions:
            out[d] = None
            if d in self.keys:
                out[f"{d}__key"] = None
            if d in self.matched:
                out[f"{d}__matched"] = None
        for name, a in self.aggs.items():
            out[f"{name}__v"] = a.metric
            if a.kind == "avg":
                out[f"{name}__n"] = a.metric
            if a.filtered and not a.flag_is_value:
                out[f"{name}__f"] = a.metric
        return out

    def usable_by(self, access: Any) -> bool:
        """Whether ``access`` may read this rollup: every location (a location-scoped query
        filters each table it reads, the follow-up table of a conversion too, which a
        rollup built over all rows cannot do) and no denied column among those it sums."""
        if getattr(access, "location_ids", None) is not None:
            return False
        return not (self.sources & frozenset(getattr(access, "denied_columns", frozenset())))

    def catalog_columns(self, access: Any) -> frozenset[str]:
        """The columns ``access`` may read: group columns and the measures of its metrics."""
        allows = getattr(access, "allows_metric", lambda _m: True)
        return frozenset(c for c, m in self.columns.items() if m is None or allows(m))


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class RollupSpec:
    """One entry of ``rollups.yaml``: a fact table, the dimensions to keep, its line."""

    table: str
    dimensions: tuple[str, ...]
    line: int = 0


def _problem(line: int, message: str, path: Path | None = None) -> Problem:
    return Problem((path or ROLLUPS_FILE).name, line, "rollups", message)


def load_specs(path: Path | None = None) -> list[RollupSpec]:
    """The entries of ``rollups.yaml``; raises ModelError listing every malformed one with its line."""
    p = path or ROLLUPS_FILE
    if not p.is_file():
        return []
    try:
        data = read_yaml(p) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ModelError([_problem(mark.line + 1 if mark else 0, f"not valid YAML: {exc}", p)]) from exc
    entries = data.get("rollups") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ModelError([_problem(getattr(data, "line", 1), "needs a `rollups:` list", p)])
    out: list[RollupSpec] = []
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        line = getattr(entry, "line", 0)
        if not isinstance(entry, dict) or not isinstance(entry.get("table"), str):
            problems.append(_problem(line, f"rollup {i + 1} needs a `table`", p))
            continue
        dims = entry.get("dimensions") or []
        if not isinstance(dims, list) or not all(isinstance(d, str) for d in dims):
            problems.append(
                _problem(line, f"rollup {i + 1} ({entry['table']}): `dimensions` must be a list of names", p)
            )
            continue
        out.append(RollupSpec(entry["table"], tuple(dims), line))
    if problems:
        raise ModelError(problems)
    return out


def define_rollups(
    model: SemanticModel, specs: Iterable[RollupSpec | tuple[str, Sequence[str]]]
) -> list[Rollup]:
    """The rollups of ``specs`` over ``model``; raises ModelError naming every bad entry and its line."""
    out: list[Rollup] = []
    problems: list[Problem] = []
    for spec in specs:
        if not isinstance(spec, RollupSpec):
            spec = RollupSpec(spec[0], tuple(spec[1]))
        bad = _spec_problems(model, spec)
        if bad:
            problems += [_problem(spec.line, m) for m in bad]
            continue
        made = _define(model, spec.table, spec.dimensions)
        if not made:
            problems.append(_problem(spec.line, f"table '{spec.table}' has no metric a rollup can hold"))
        out += made
    names = [r.name for r in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        problems.append(_problem(0, f"rollups defined twice: {', '.join(dup)}"))
    if problems:
        raise ModelError(problems)
    return out


def model_rollups(model: SemanticModel, path: Path | None = None) -> list[Rollup]:
    """The rollups ``rollups.yaml`` defines over ``model``."""
    return define_rollups(model, load_specs(path))


def _spec_problems(model: SemanticModel, spec: RollupSpec) -> list[str]:
    """What is wrong with one entry: an unknown table, or a dimension unknown or out of reach."""
    if spec.table not in model.tables:
        return [f"unknown table '{spec.table}'"]
    out = []
    for d in spec.dimensions:
        if d not in model.dimensions:
            out.append(f"unknown dimension '{d}' (table {spec.table})")
        elif model.dimension_path(d, spec.table) is None:
            out.append(f"dimension '{d}' cannot be reached from '{spec.table}'")
    return out


def _define(model: SemanticModel, fact: str, dims: tuple[str, ...]) -> list[Rollup]:
    by_time: dict[str, list[str]] = {}
    for m in model.metrics.values():
        if m.table == fact and window_of(m) is MetricType.SIMPLE and m.time_column:
            measures = [m.numerator, m.denominator] if m.type is MetricType.RATIO else [m.measure]
            if all(x is not None and x.agg in _DECOMPOSABLE for x in measures):
                by_time.setdefault(m.time_column, []).append(m.name)
    out = []
    for time_column, metrics in by_time.items():
        suffix = "" if len(by_time) == 1 else f"__{time_column}"
        name = f"{PREFIX}{fact}__{'_'.join(dims) or 'all'}{suffix}"
        out.append(_build_definition(model, name, fact, time_column, dims, metrics))
    return out


def _build_definition(
    model: SemanticModel, name: str, fact: str, time_column: str, dims: tuple[str, ...], metrics: list[str]
) -> Rollup:
    plan = plan_query(model, SemanticQuery(metrics=tuple(metrics)))
    (side,) = [s for s in plan.sides if s.window is MetricType.SIMPLE and s.period == CURRENT]
    joins = Joins(model, fact)
    base = exp.column(time_column, table=fact)
    groups: list[tuple[str, exp.Expression]] = [(DAY, exp.cast(base, exp.DataType.Type.DATE))]
    keys: dict[str, str] = {}
    matched: set[str] = set()
    extra_joins: list[exp.Join] = []
    for d in dims:
        found = model.dimension_path(d, fact)
        assert found is not None
        groups.append((d, dimension_expr(model, joins, side, d)))
        step = one_step(model, d, fact) if model.dimensions[d].group_by_key else None
        if step is not None:
            keys[d] = step[0].on[0][0]
            groups.append((f"{d}__key", exp.column(keys[d], table=fact)))
        path = found[1]
        if path:
            alias = joins.alias_of_path(path)
            target = exp.column(path[-1].on[0][1], table=alias)
            groups.append((f"{d}__matched", exp.Is(this=target, expression=exp.Not(this=exp.Null()))))
            matched.add(d)
    measures: list[tuple[str, exp.Expression]] = []
    aggs: dict[str, RollupAgg] = {}
    prepared: dict[str, exp.Select] = {}
    for a in side.aggs:
        cond = (
            qualify(a.measure.filter_tree, lambda t: joins.alias_of_table(fact, fact, t))
            if a.measure.filter_tree is not None
            else None
        )
        value = agg_value(model, joins, side, a)
        if a.metric.type is MetricType.CONVERSION and value is not None:
            # the follow-up lookup is the costly part: one table of (row, value) for the
            # rows the measure counts, shared by every rollup of the fact
            value, prepared[f"{PREPARED}{fact}__{a.name}"] = _prepared(fact, a.name, value, cond)
            alias = f"{PREPARED}{a.name}"
            joins_extra = exp.Join(
                this=exp.to_table(f"{PREPARED}{fact}__{a.name}").as_(alias, table=True),
                on=exp.column(ROW, table=alias).eq(exp.column("rowid", table=fact)),
                side="LEFT",
            )
            value = exp.column(f"{a.name}__x", table=alias)
            extra_joins.append(joins_extra)
        if a.measure.agg is Agg.COUNT:
            kind, v = "count", aggregate(Agg.COUNT, value, cond)
        elif a.measure.agg is Agg.SUM:
            kind, v = "sum", aggregate(Agg.SUM, value, cond)
        else:
            kind, v = "avg", aggregate(Agg.SUM, value, cond)
            measures.append((f"{a.name}__n", aggregate(Agg.COUNT, value, cond)))
        measures.append((f"{a.name}__v", v))
        counts_rows = kind == "count" and value is None
        if cond is not None and not counts_rows:
            measures.append((f"{a.name}__f", exp.CountIf(this=cond.copy())))
        aggs[a.name] = RollupAgg(kind, a.metric.name, cond is not None, cond is not None and counts_rows)
    joins.inner.clear()  # LEFT: a row lacking one dimension still counts for the others
    select = exp.Select(expressions=[exp.alias_(e, n, copy=False) for n, e in (*groups, *measures)]).from_(
        exp.to_table(fact).as_(fact, table=True), copy=False
    )
    for j in [*joins.clauses, *extra_joins]:
        select = select.join(j, copy=False)
    select = select.group_by(*(e.copy() for _, e in groups), copy=False)
    text = "\n".join(q.sql(dialect="duckdb") for q in (*prepared.values(), select))
    digest = hashlib.sha256(f"{LAYOUT}\n{name}\n{text}".encode()).hexdigest()[:16]
    sources = frozenset(c for q in (select, *prepared.values()) for c in _read_columns(q))
    return Rollup(
        name, fact, time_column, dims, keys, frozenset(matched), aggs, select, prepared, digest, sources
    )


def _read_columns(q: exp.Select) -> set[tuple[str, str]]:
    """The (table, column) pairs ``q`` reads (aliases resolved; temporary tables left out)."""
    tables = {t.alias_or_name: t.name for t in q.find_all(exp.Table)}
    return {
        (tables[c.table], c.name)
        for c in q.find_all(exp.Column)
        if c.table in tables and not tables[c.table].startswith(PREPARED)
    }


def _prepared(
    fact: str, name: str, value: exp.Expression, cond: exp.Expression | None
) -> tuple[exp.Expression, exp.Select]:
    """``SELECT rowid AS __row, <value> AS <name>__x FROM fact [WHERE cond]``: the rows the
    measure aggregates, with their value (the fact side computes the same per row)."""
    q = exp.select(exp.alias_(exp.column("rowid", table=fact), ROW), exp.alias_(value, f"{name}__x")).from_(
        exp.to_table(fact).as_(fact, table=True)
    )
    if cond is not None:
        q = q.where(cond.copy())
    return value, q


# ---------------------------------------------------------------- which rollups a warehouse has


def registry_columns() -> tuple[tuple[str, str], ...]:
    """The registry table's columns and their DuckDB types."""
    return (
        ("name", "VARCHAR"),
        ("fact_table", "VARCHAR"),
        ("digest", "VARCHAR"),
        ("run_id", "VARCHAR"),
        ("fact_rows", "BIGINT"),
        ("rollup_rows", "BIGINT"),
    )


def available_rollups(model: SemanticModel, conn: Any, path: Path | None = None) -> list[Rollup]:
    """The rollups of ``model`` that ``conn``'s warehouse holds up to date, with their sizes.

    A rollup is kept when the registry row has the current definition's digest, the
    warehouse's latest sync run, and the fact table still has the row count it was built
    from; anything else (an older Acuity, an edited model, rows written outside a sync)
    leaves that rollup unused and the fact table answers.
    """
    try:
        defined = {r.name: r for r in model_rollups(model, path)}
    except ModelError as exc:
        log.warning("rollups not used: %s", exc)
        return []
    tables = {n for (n,) in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if REGISTRY not in tables or "sync_runs" not in tables:
        return []
    latest = conn.execute(
        "SELECT run_id FROM sync_runs ORDER BY started_at DESC, run_id DESC LIMIT 1"
    ).fetchone()
    if latest is None:
        return []
    out = []
    counts: dict[str, int] = {}
    listing = exp.select(*(n for n, _ in registry_columns())).from_(REGISTRY).sql(dialect="duckdb")
    for name, fact, digest, run_id, fact_rows, rows in conn.execute(listing).fetchall():
        r = defined.get(name)
        if r is None or r.digest != digest or run_id != latest[0] or name not in tables or fact not in tables:
            continue
        if fact not in counts:
            count = exp.select(exp.Count(this=exp.Star())).from_(exp.to_table(fact, quoted=True))
            counts[fact] = int(conn.execute(count.sql(dialect="duckdb")).fetchone()[0])
        if counts[fact] != fact_rows:
            log.warning("rollup %s not used: %s changed outside a sync", name, fact)
            continue
        out.append(replace(r, rows=int(rows)))
    return out
