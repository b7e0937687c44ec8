"""Elements of the semantic model: closed vocabularies (enums) and frozen dataclasses.

:class:`~semantic_layer.model.SemanticModel` holds them; ``semantic_layer.model`` re-exports
every name here, so callers import from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import sqlglot
from sqlglot import exp

READ_DIALECT = "duckdb"  # dialect of the SQL snippets written in the YAML files
METRIC_TIME = "metric_time"  # placeholder column in dimension expressions: the metric's date


class Format(StrEnum):
    """How a metric's value is shown."""

    COUNT = "count"
    CURRENCY = "currency"
    PERCENT = "percent"
    MINUTES = "minutes"
    HOURS = "hours"
    RATIO = "ratio"
    SCORE = "score"


class Direction(StrEnum):
    """Which way is good for a metric."""

    UP = "up"
    DOWN = "down"
    NEUTRAL = "neutral"


class MetricType(StrEnum):
    """How a metric is computed (see docs/semantic-model.md)."""

    SIMPLE = "simple"  # one aggregate over one table, optional filter
    RATIO = "ratio"  # numerator aggregate / denominator aggregate over one table
    DERIVED = "derived"  # expression over other metrics, each aggregated per group on its own
    CONVERSION = "conversion"  # share of base rows followed by a matching row within a window
    CUMULATIVE = "cumulative"  # aggregate of every row up to the end of the period
    TRAILING = "trailing"  # aggregate over a window of months before the end of the period


class Agg(StrEnum):
    """Aggregate functions a measure may use."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    COUNT_DISTINCT = "count_distinct"
    MIN = "min"
    MAX = "max"


class TimeType(StrEnum):
    """Type of a time column."""

    DATE = "date"
    TIMESTAMP = "timestamp"


class Relationship(StrEnum):
    """Cardinality of a join, from the joining table's side."""

    MANY_TO_ONE = "many_to_one"
    ONE_TO_ONE = "one_to_one"


@dataclass(frozen=True)
class Loc:
    """Where something is defined: YAML file name and line (1-based)."""

    file: str
    line: int


def parse_sql(text: str) -> exp.Expression:
    """Parse one SQL expression snippet of the model (DuckDB spelling)."""
    return sqlglot.parse_one(text, read=READ_DIALECT)


@dataclass(frozen=True)
class Column:
    """A warehouse column the model exposes."""

    name: str
    description: str
    countable_only: bool = False  # identifiers (patient_key): may be counted, never listed
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Join:
    """A many-to-one (or one-to-one) relationship ``from_table -> to_table``; named ``from_table.name``."""

    name: str
    from_table: str
    to_table: str
    on: tuple[tuple[str, str], ...]  # (column of from_table, column of to_table)
    relationship: Relationship = Relationship.MANY_TO_ONE
    loc: Loc | None = field(default=None, compare=False)

    @property
    def qualified(self) -> str:
        """``from_table.name``: how dimension ``via`` paths refer to this join."""
        return f"{self.from_table}.{self.name}"


@dataclass(frozen=True)
class Table:
    """A warehouse table of the model."""

    name: str
    description: str
    primary_key: tuple[str, ...]
    columns: dict[str, Column]
    time_columns: dict[str, TimeType]
    joins: tuple[Join, ...] = ()
    loc: Loc | None = field(default=None, compare=False)

    __hash__ = object.__hash__


@dataclass(frozen=True)
class Measure:
    """``agg(expr)`` over the rows where ``filter`` holds; ``expr`` None means count rows."""

    agg: Agg
    expr: str | None = None
    filter: str | None = None

    @cached_property
    def expr_tree(self) -> exp.Expression | None:
        """Parsed ``expr`` (None for a row count)."""
        return parse_sql(self.expr) if self.expr else None

    @cached_property
    def filter_tree(self) -> exp.Expression | None:
        """Parsed ``filter``."""
        return parse_sql(self.filter) if self.filter else None

    @property
    def additive(self) -> bool:
        """A sum or count: over no rows it counts as 0 inside a derived metric."""
        return self.agg in (Agg.SUM, Agg.COUNT)


@dataclass(frozen=True)
class Conversion:
    """The follow-up a conversion metric looks for: a row of ``table`` sharing ``entity``
    whose ``time_column`` falls from the base date through ``window_days`` after it."""

    table: str
    entity: str
    time_column: str
    window_days: int
    filter: str | None = None

    @cached_property
    def filter_tree(self) -> exp.Expression | None:
        """Parsed ``filter``."""
        return parse_sql(self.filter) if self.filter else None


@dataclass(frozen=True)
class Metric:
    """A KPI: see :class:`MetricType` for the kinds and which fields each uses."""

    name: str
    label: str
    description: str
    synonyms: tuple[str, ...]
    type: MetricType
    format: Format
    good_direction: Direction
    table: str | None  # None for derived metrics
    time_column: str | None  # None for derived metrics (each side uses its own)
    measure: Measure | None = None  # simple, conversion (base rows), cumulative, trailing
    numerator: Measure | None = None  # ratio
    denominator: Measure | None = None  # ratio
    expr: str | None = None  # derived: expression over metric names
    conversion: Conversion | None = None
    window_months: int | None = None  # trailing
    claimed_dimensions: tuple[str, ...] | None = None  # restricts dimensions_for when given
    loc: Loc | None = field(default=None, compare=False)

    __hash__ = object.__hash__

    @cached_property
    def expr_tree(self) -> exp.Expression | None:
        """Parsed derived expression."""
        return parse_sql(self.expr) if self.expr else None

    @cached_property
    def components(self) -> tuple[str, ...]:
        """Metric names a derived metric refers to (in order of first use)."""
        if self.expr_tree is None:
            return ()
        return tuple(dict.fromkeys(c.name for c in self.expr_tree.find_all(exp.Column)))

    @property
    def measures(self) -> tuple[Measure, ...]:
        """The measures of this metric (empty for derived)."""
        return tuple(m for m in (self.measure, self.numerator, self.denominator) if m is not None)


@dataclass(frozen=True)
class DimensionSource:
    """Where a dimension's value comes from: ``expr`` over ``table``; ``via`` pins the join
    path (list of ``table.join`` names) from a given fact table when the shortest is not meant."""

    table: str
    expr: str
    via: dict[str, tuple[str, ...]] = field(default_factory=dict)

    __hash__ = object.__hash__

    @cached_property
    def tree(self) -> exp.Expression:
        """Parsed ``expr``."""
        return parse_sql(self.expr)

    @property
    def uses_metric_time(self) -> bool:
        """True when the value depends on the metric's date (e.g. age at the visit)."""
        return any(c.name == METRIC_TIME and not c.table for c in self.tree.find_all(exp.Column))


@dataclass(frozen=True)
class Dimension:
    """A way to slice metrics (location, provider, ...)."""

    name: str
    label: str
    description: str
    synonyms: tuple[str, ...]
    sources: tuple[DimensionSource, ...]
    members: tuple[str, ...] = ()  # fixed member values, for computed dimensions
    # groups are the rows (keys) of its table, labelled by expr: the compiler may group by the
    # fact's key and look the label up once (two rows with the same label stay two groups)
    group_by_key: bool = False
    loc: Loc | None = field(default=None, compare=False)

    __hash__ = object.__hash__

    @property
    def table(self) -> str:
        """Table of the first source."""
        return self.sources[0].table

    @property
    def column(self) -> str:
        """Expression (usually a column name) of the first source."""
        return self.sources[0].expr

    def member_query(self) -> exp.Query:
        """One query listing the dimension's distinct values (column named after the dimension)."""
        if self.members:
            values = exp.values([(m,) for m in self.members], alias="m", columns=[self.name])
            return exp.select(exp.column(self.name)).from_(values).distinct()
        selects = []
        for src in self.sources:
            if src.uses_metric_time:
                continue
            value = src.tree.copy()
            for c in value.find_all(exp.Column):
                if not c.table:
                    c.set("table", exp.to_identifier(src.table))
            selects.append(
                exp.select(exp.alias_(value, self.name))
                .distinct()
                .from_(exp.to_table(src.table))
                .where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
            )
        query: exp.Query = selects[0]
        for other in selects[1:]:
            query = exp.union(query, other, distinct=True)
        return query


@dataclass(frozen=True)
class TimeGrain:
    """A built-in time dimension (month, day_of_week, ...) with the words people use for it."""

    name: str
    label: str
    description: str
    synonyms: tuple[str, ...]
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VerifiedQuery:
    """A question with the semantic query known to answer it (``SemanticQuery.to_dict()`` form)."""

    question: str
    query: dict[str, Any]
    verified_by: str | None = None
    verified_at: str | None = None
    loc: Loc | None = field(default=None, compare=False)

    __hash__ = object.__hash__
