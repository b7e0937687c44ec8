"""The typed semantic model: tables, metrics, dimensions, time grains, verified queries.

``load_model()`` reads ``semantic_layer/models/*.yaml`` (``roles.yaml`` belongs to the
roles module and is skipped), builds these frozen dataclasses and validates them with
the rule registry of :mod:`semantic_layer.validate`; every problem is reported at once
in one :class:`~semantic_layer.errors.ModelError`, each naming its file and line.

>>> m = load_model()
>>> m.metrics["no_show_rate"].format.value
'percent'
>>> "provider" in m.dimensions_for("revenue_per_visit")
True
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from semantic_layer.errors import ModelError
from semantic_layer.model_types import (  # re-exported: import model elements from here
    METRIC_TIME,
    READ_DIALECT,
    Agg,
    Column,
    Conversion,
    Dimension,
    DimensionSource,
    Direction,
    Format,
    Join,
    Loc,
    Measure,
    Metric,
    MetricType,
    Relationship,
    Table,
    TimeGrain,
    TimeType,
    VerifiedQuery,
    parse_sql,
)

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"

__all__ = [
    "MODELS_DIR",
    "READ_DIALECT",
    "METRIC_TIME",
    "Format",
    "Direction",
    "MetricType",
    "Agg",
    "TimeType",
    "Relationship",
    "Loc",
    "parse_sql",
    "Column",
    "Join",
    "Table",
    "Measure",
    "Conversion",
    "Metric",
    "DimensionSource",
    "Dimension",
    "TimeGrain",
    "VerifiedQuery",
    "SemanticModel",
    "load_model",
    "clear_cache",
    "append_verified_query",
]


@dataclass(frozen=True)
class SemanticModel:
    """The whole model, validated. Lookups used by the compiler, guard and interpreter."""

    tables: dict[str, Table]
    metrics: dict[str, Metric]
    dimensions: dict[str, Dimension]
    time_grains: dict[str, TimeGrain]
    verified_queries: tuple[VerifiedQuery, ...]
    root: Path | None = None

    __hash__ = object.__hash__

    # -- joins -------------------------------------------------------------------------
    @cached_property
    def joins_by_name(self) -> dict[str, Join]:
        """Every join, keyed ``from_table.name``."""
        return {j.qualified: j for t in self.tables.values() for j in t.joins}

    def shortest_join_paths(self, start: str, target: str) -> list[tuple[Join, ...]]:
        """Every shortest path of joins from ``start`` to ``target`` (``[()]`` when equal)."""
        if start == target:
            return [()]
        found: list[tuple[Join, ...]] = []
        queue: deque[tuple[str, tuple[Join, ...]]] = deque([(start, ())])
        best: dict[str, int] = {start: 0}
        while queue:
            table, path = queue.popleft()
            if found and len(path) >= len(found[0]):
                break
            for j in self.tables[table].joins if table in self.tables else ():
                if j.to_table in {x.from_table for x in path} or j.to_table == start:
                    continue
                new = (*path, j)
                if j.to_table == target:
                    found.append(new)
                elif best.get(j.to_table, len(new)) >= len(new):
                    best[j.to_table] = len(new)
                    queue.append((j.to_table, new))
        return found

    @functools.cache  # noqa: B019 - models are immutable and cached for the process anyway
    def join_path(self, start: str, target: str) -> tuple[Join, ...] | None:
        """The shortest join path ``start -> target`` (first in YAML order), or None."""
        paths = self.shortest_join_paths(start, target)
        return paths[0] if paths else None

    @functools.cache  # noqa: B019
    def dimension_path(
        self, dimension: str, fact_table: str
    ) -> tuple[DimensionSource, tuple[Join, ...]] | None:
        """Which source of ``dimension`` a row of ``fact_table`` reaches, and the joins to it."""
        best: tuple[DimensionSource, tuple[Join, ...]] | None = None
        for src in self.dimensions[dimension].sources:
            if fact_table in src.via:
                path = tuple(self.joins_by_name[n] for n in src.via[fact_table] if n in self.joins_by_name)
                return src, path
            path = self.join_path(fact_table, src.table)
            if path is not None and (best is None or len(path) < len(best[1])):
                best = (src, path)
        return best

    # -- what can be asked -----------------------------------------------------------
    def metric_tables(self, metric: str) -> frozenset[str]:
        """The fact tables a metric aggregates (several for a derived metric)."""
        m = self.metrics[metric]
        if m.type is MetricType.DERIVED:
            return frozenset().union(*(self.metric_tables(c) for c in m.components if c in self.metrics))
        return frozenset({m.table}) if m.table else frozenset()

    def dimensions_for(self, metric: str) -> set[str]:
        """Dimensions ``metric`` can be grouped or filtered by (time grains not included)."""
        return set(self._dimensions_for(metric))

    @functools.cache  # noqa: B019
    def _dimensions_for(self, metric: str) -> frozenset[str]:
        m = self.metrics[metric]
        if m.type is MetricType.DERIVED:
            parts = [self.dimensions_for(c) for c in m.components if c in self.metrics]
            dims = set.intersection(*parts) if parts else set()
        else:
            dims = {d for d in self.dimensions if self.dimension_path(d, m.table) is not None}
        if m.claimed_dimensions is not None:
            dims &= set(m.claimed_dimensions)
        return frozenset(dims)

    def catalog(self) -> dict[str, frozenset[str]]:
        """Tables and the columns the model exposes (for the SQL guard)."""
        return {t.name: frozenset(t.columns) for t in self.tables.values()}

    def countable_only_columns(self) -> dict[str, frozenset[str]]:
        """Identifier columns per table that may be counted but never listed."""
        return {
            t.name: frozenset(c.name for c in t.columns.values() if c.countable_only)
            for t in self.tables.values()
        }


_CACHE: dict[Path, SemanticModel] = {}


def load_model(path: Path | None = None) -> SemanticModel:
    """Load and validate the model in ``path`` (default: the package's ``models/``); cached.

    Raises :class:`ModelError` listing every problem, each with its file and line.
    """
    root = Path(path or MODELS_DIR).resolve()
    if root in _CACHE:
        return _CACHE[root]
    from semantic_layer.model_yaml import build_model
    from semantic_layer.validate import validate_model

    model, problems = build_model(root)
    problems = [*problems, *validate_model(model)]
    if problems:
        raise ModelError(problems)
    log.debug(
        "loaded semantic model from %s: %d metrics, %d dimensions",
        root,
        len(model.metrics),
        len(model.dimensions),
    )
    _CACHE[root] = model
    return model


def clear_cache() -> None:
    """Forget loaded models (after the YAML changed, e.g. a verified query was appended)."""
    _CACHE.clear()


def append_verified_query(
    question: str,
    query: Any,
    path: Path | None = None,
    verified_by: str | None = None,
    verified_at: str | None = None,
) -> VerifiedQuery:
    """Append a question and its semantic query (a ``SemanticQuery`` or its dict) to the store.

    ``path`` is the YAML file (default: ``models/verified_queries.yaml``); the query is
    checked against the model of that folder first (CompileError if it does not compile),
    and the model cache is cleared so the next ``load_model`` sees it.
    """
    from semantic_layer.compile import compile_query
    from semantic_layer.query import SemanticQuery

    target = Path(path or MODELS_DIR / "verified_queries.yaml")
    sq = query if isinstance(query, SemanticQuery) else SemanticQuery.from_dict(query)
    compile_query(load_model(target.parent), sq)
    entry: dict[str, Any] = {"question": question, "query": sq.to_dict()}
    if verified_by:
        entry["verified_by"] = verified_by
    if verified_at:
        entry["verified_at"] = verified_at
    text = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, default_flow_style=None)
    if not target.exists():
        text = "verified_queries:\n" + text
    elif not target.read_bytes().endswith(b"\n"):
        text = "\n" + text
    with target.open("a", encoding="utf-8") as fh:
        fh.write(text)
    clear_cache()
    log.info("appended verified query %r to %s", question, target)
    return VerifiedQuery(question, sq.to_dict(), verified_by, verified_at)
