"""Validation rules of the semantic model: a registry of small functions.

Each rule takes the model and returns a list of :class:`Problem` (empty when fine);
``validate_model`` runs them all so that every problem is reported at once.
``validate_against_warehouse`` checks the model's tables and columns against a live
DuckDB warehouse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.errors import Problem
from semantic_layer.model import (
    METRIC_TIME,
    Agg,
    Loc,
    Metric,
    MetricType,
    SemanticModel,
    parse_sql,
)
from semantic_layer.query import TIME_GRAINS
from semantic_layer.validate_warehouse import validate_against_warehouse  # noqa: F401 - re-exported

Rule = Callable[[SemanticModel], list[Problem]]
RULES: dict[str, Rule] = {}


def rule(fn: Rule) -> Rule:
    """Register ``fn`` as a validation rule named after the function (``rule_`` stripped)."""
    RULES[fn.__name__.removeprefix("rule_").replace("_", "-")] = fn
    return fn


def _p(loc: Loc | None, name: str, message: str) -> Problem:
    return Problem(loc.file if loc else "?", loc.line if loc else 0, name, message)


def _snippets(model: SemanticModel) -> Iterator[tuple[Loc | None, str, str | None, str]]:
    """(location, what, base table, sql) for every SQL snippet of the model."""
    for m in model.metrics.values():
        for i, ms in enumerate(m.measures):
            for part in (ms.expr, ms.filter):
                if part:
                    yield m.loc, f"metric '{m.name}' measure {i + 1}", m.table, part
        if m.conversion and m.conversion.filter:
            yield m.loc, f"metric '{m.name}' conversion filter", m.conversion.table, m.conversion.filter
        if m.expr:
            yield m.loc, f"metric '{m.name}' expr", None, m.expr
    for d in model.dimensions.values():
        for s in d.sources:
            yield d.loc, f"dimension '{d.name}'", s.table, s.expr


def _parse(sql: str) -> exp.Expression | None:
    try:
        return parse_sql(sql)
    except (ParseError, ValueError):
        return None


@rule
def rule_expressions_parse(model: SemanticModel) -> list[Problem]:
    """Every SQL snippet parses with sqlglot."""
    return [
        _p(loc, "expressions-parse", f"{what}: cannot parse SQL {sql!r}")
        for loc, what, _, sql in _snippets(model)
        if _parse(sql) is None
    ]


@rule
def rule_no_aggregates_in_expressions(model: SemanticModel) -> list[Problem]:
    """Measure expressions are row-level: the aggregate is given by ``agg``."""
    out = []
    for loc, what, table, sql in _snippets(model):
        tree = _parse(sql)
        if table and tree is not None and tree.find(exp.AggFunc):
            out.append(
                _p(loc, "no-aggregates-in-expressions", f"{what}: {sql!r} contains an aggregate; use 'agg'")
            )
    return out


@rule
def rule_tables_exist(model: SemanticModel) -> list[Problem]:
    """Every table a metric, dimension or join names is a table of the model."""
    out = []
    known = model.tables
    for t in known.values():
        out += [
            _p(j.loc, "tables-exist", f"join '{j.qualified}' targets unknown table '{j.to_table}'")
            for j in t.joins
            if j.to_table not in known
        ]
    for m in model.metrics.values():
        for table in (m.table, m.conversion.table if m.conversion else None):
            if table and table not in known:
                out.append(_p(m.loc, "tables-exist", f"metric '{m.name}' uses unknown table '{table}'"))
    for d in model.dimensions.values():
        out += [
            _p(d.loc, "tables-exist", f"dimension '{d.name}' uses unknown table '{s.table}'")
            for s in d.sources
            if s.table not in known
        ]
    return out


def _column_refs(model: SemanticModel, base: str, tree: exp.Expression) -> Iterator[tuple[str, str]]:
    for c in tree.find_all(exp.Column):
        if c.name == METRIC_TIME and not c.table:
            continue
        yield (c.table or base), c.name


@rule
def rule_columns_exist(model: SemanticModel) -> list[Problem]:
    """Columns named in snippets, keys, joins and time columns exist in their tables."""
    out = []
    for t in model.tables.values():
        for col in (*t.primary_key, *t.time_columns):
            if col not in t.columns:
                out.append(_p(t.loc, "columns-exist", f"table '{t.name}': '{col}' is not one of its columns"))
        for j in t.joins:
            target = model.tables.get(j.to_table)
            for a, b in j.on:
                if a not in t.columns:
                    out.append(
                        _p(j.loc, "columns-exist", f"join '{j.qualified}': no column '{a}' in '{t.name}'")
                    )
                if target and b not in target.columns:
                    out.append(
                        _p(
                            j.loc,
                            "columns-exist",
                            f"join '{j.qualified}': no column '{b}' in '{target.name}'",
                        )
                    )
    for loc, what, base, sql in _snippets(model):
        tree = _parse(sql)
        if base is None or tree is None or base not in model.tables:
            continue
        for table, col in _column_refs(model, base, tree):
            if table not in model.tables:
                out.append(_p(loc, "columns-exist", f"{what}: unknown table '{table}' in {sql!r}"))
            elif col not in model.tables[table].columns:
                out.append(_p(loc, "columns-exist", f"{what}: no column '{col}' in table '{table}'"))
            elif table != base and model.join_path(base, table) is None:
                out.append(
                    _p(loc, "columns-exist", f"{what}: table '{table}' is not reachable from '{base}'")
                )
    for m in model.metrics.values():
        c = m.conversion
        if c and c.table in model.tables and m.table in model.tables:
            for table, col in ((c.table, c.entity), (m.table, c.entity), (c.table, c.time_column)):
                if col not in model.tables[table].columns:
                    out.append(
                        _p(
                            m.loc,
                            "columns-exist",
                            f"metric '{m.name}' conversion: no column '{col}' in '{table}'",
                        )
                    )
    return out


@rule
def rule_time_columns(model: SemanticModel) -> list[Problem]:
    """A non-derived metric is dated by one of its table's declared time columns."""
    out = []
    for m in model.metrics.values():
        if m.type is MetricType.DERIVED or m.table not in model.tables:
            continue
        if m.time_column not in model.tables[m.table].time_columns:
            out.append(
                _p(
                    m.loc,
                    "time-columns",
                    f"metric '{m.name}': '{m.time_column}' is not a time column of '{m.table}'",
                )
            )
        c = m.conversion
        if c and c.table in model.tables and c.time_column not in model.tables[c.table].time_columns:
            out.append(
                _p(
                    m.loc,
                    "time-columns",
                    f"metric '{m.name}': '{c.time_column}' is not a time column of '{c.table}'",
                )
            )
    return out


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


@rule
def rule_unique_names(model: SemanticModel) -> list[Problem]:
    """Metric, dimension and time grain names are distinct from each other."""
    seen: dict[str, str] = {}
    out = []
    items: list[Any] = [*model.metrics.values(), *model.dimensions.values(), *model.time_grains.values()]
    for it in items:
        kind = type(it).__name__.lower()
        if it.name in seen:
            out.append(_p(it.loc, "unique-names", f"{kind} name '{it.name}' is also a {seen[it.name]}"))
        seen[it.name] = kind
    for g in TIME_GRAINS:
        if g not in model.time_grains:
            out.append(_p(None, "unique-names", f"time grain '{g}' is not described in time_grains"))
    return out


@rule
def rule_unique_synonyms(model: SemanticModel) -> list[Problem]:
    """No phrase (name, label or synonym) means two different things."""
    owner: dict[str, str] = {}
    out = []
    items: list[Any] = [*model.metrics.values(), *model.dimensions.values(), *model.time_grains.values()]
    for it in items:
        for phrase in dict.fromkeys(_norm(p) for p in (it.name, it.label, *it.synonyms)):
            if phrase in owner and owner[phrase] != it.name:
                out.append(
                    _p(
                        it.loc,
                        "unique-synonyms",
                        f"'{phrase}' of '{it.name}' already means '{owner[phrase]}'",
                    )
                )
            owner.setdefault(phrase, it.name)
    return out


@rule
def rule_descriptions(model: SemanticModel) -> list[Problem]:
    """Every table, column, metric and dimension has a description."""
    out = []
    for t in model.tables.values():
        if not t.description:
            out.append(_p(t.loc, "descriptions", f"table '{t.name}' has no description"))
        out += [
            _p(c.loc, "descriptions", f"column '{t.name}.{c.name}' has no description")
            for c in t.columns.values()
            if not c.description
        ]
    items: list[Any] = [*model.metrics.values(), *model.dimensions.values(), *model.time_grains.values()]
    out += [
        _p(it.loc, "descriptions", f"'{it.name}' has no description") for it in items if not it.description
    ]
    return out


def _cycle(model: SemanticModel, name: str, stack: tuple[str, ...]) -> tuple[str, ...] | None:
    if name in stack:
        return (*stack, name)
    m = model.metrics.get(name)
    for c in m.components if m else ():
        found = _cycle(model, c, (*stack, name))
        if found:
            return found
    return None


@rule
def rule_derived_references(model: SemanticModel) -> list[Problem]:
    """Derived metrics refer to existing metrics, without cycles."""
    out = []
    for m in model.metrics.values():
        if m.type is not MetricType.DERIVED or _parse(m.expr or "") is None:
            continue
        for c in m.components:
            if c not in model.metrics:
                out.append(
                    _p(m.loc, "derived-references", f"metric '{m.name}' refers to unknown metric '{c}'")
                )
        cyc = _cycle(model, m.name, ())
        if cyc:
            out.append(
                _p(
                    m.loc,
                    "derived-references",
                    f"metric '{m.name}' is defined in a cycle: {' -> '.join(cyc)}",
                )
            )
    return out


@rule
def rule_measure_shapes(model: SemanticModel) -> list[Problem]:
    """Special metric kinds have the measure they need."""
    out = []
    for m in model.metrics.values():
        if m.type is MetricType.CUMULATIVE and m.measure and m.measure.agg is not Agg.SUM:
            out.append(_p(m.loc, "measure-shapes", f"cumulative metric '{m.name}' must use agg 'sum'"))
        if m.type is MetricType.CONVERSION and m.measure and m.measure.agg is not Agg.AVG:
            out.append(_p(m.loc, "measure-shapes", f"conversion metric '{m.name}' must use agg 'avg'"))
    return out


def _is_derived_broken(model: SemanticModel, m: Metric) -> bool:
    return m.type is MetricType.DERIVED and any(
        c not in model.metrics or _cycle(model, c, (m.name,)) for c in m.components
    )


@rule
def rule_join_paths(model: SemanticModel) -> list[Problem]:
    """Pinned paths chain up; default paths are unambiguous; claimed dimensions are reachable."""
    out = []
    for d in model.dimensions.values():
        for s in d.sources:
            for fact, names in s.via.items():
                at = fact
                for n in names:
                    j = model.joins_by_name.get(n)
                    if j is None or j.from_table != at:
                        out.append(
                            _p(
                                d.loc,
                                "join-paths",
                                f"dimension '{d.name}': via {fact}: '{n}' is not a join from '{at}'",
                            )
                        )
                        break
                    at = j.to_table
                else:
                    if at != s.table:
                        out.append(
                            _p(
                                d.loc,
                                "join-paths",
                                f"dimension '{d.name}': via {fact} ends at '{at}', not '{s.table}'",
                            )
                        )
            for fact in model.tables:
                if (
                    fact not in s.via
                    and s.table in model.tables
                    and len(model.shortest_join_paths(fact, s.table)) > 1
                ):
                    paths = [
                        " -> ".join(j.qualified for j in p) for p in model.shortest_join_paths(fact, s.table)
                    ]
                    out.append(
                        _p(
                            d.loc,
                            "join-paths",
                            f"dimension '{d.name}': ambiguous path from '{fact}': {paths}; pin one with 'via'",
                        )
                    )
    for m in model.metrics.values():
        if m.claimed_dimensions is None or _is_derived_broken(model, m):
            continue
        claimed_ok = model.dimensions_for(m.name)
        for dname in m.claimed_dimensions:
            if dname not in model.dimensions:
                out.append(_p(m.loc, "join-paths", f"metric '{m.name}' claims unknown dimension '{dname}'"))
            elif dname not in claimed_ok:
                out.append(
                    _p(
                        m.loc,
                        "join-paths",
                        f"metric '{m.name}' claims dimension '{dname}' but no join path reaches it",
                    )
                )
    return out


@rule
def rule_metric_time_dimensions(model: SemanticModel) -> list[Problem]:
    """A dimension computed from the metric's date lists its members (one query cannot list them)."""
    return [
        _p(
            d.loc,
            "metric-time-dimensions",
            f"dimension '{d.name}' uses {METRIC_TIME} and must list 'members'",
        )
        for d in model.dimensions.values()
        if any(s.uses_metric_time for s in d.sources if _parse(s.expr) is not None) and not d.members
    ]


@rule
def rule_verified_queries(model: SemanticModel) -> list[Problem]:
    """Every verified query is a valid semantic query that compiles."""
    from semantic_layer.compile import compile_query
    from semantic_layer.errors import CompileError
    from semantic_layer.query import SemanticQuery

    out = []
    for v in model.verified_queries:
        try:
            compile_query(model, SemanticQuery.from_dict(v.query))
        except (CompileError, KeyError, ValueError, TypeError) as exc:
            out.append(
                _p(v.loc, "verified-queries", f"verified query {v.question!r} does not compile: {exc}")
            )
    return out


def validate_model(model: SemanticModel) -> list[Problem]:
    """Run every registered rule; return all problems (a crashing rule is a problem too)."""
    problems: list[Problem] = []
    for name, fn in RULES.items():
        if name == "verified-queries" and problems:
            continue  # compiling against a broken model only repeats the problems above
        try:
            problems += fn(model)
        except Exception as exc:  # noqa: BLE001 - report, keep validating
            problems.append(Problem("?", 0, name, f"rule crashed: {type(exc).__name__}: {exc}"))
    return problems
