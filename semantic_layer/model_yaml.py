"""Reading the model's YAML files into the typed model, remembering file and line.

Structural problems (a missing key, a value outside a closed vocabulary, a key that is
not part of the format) are collected, not raised, so that ``load_model`` reports them
together with the rule problems of :mod:`semantic_layer.validate`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from semantic_layer.errors import Problem
from semantic_layer.model import (
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
    SemanticModel,
    Table,
    TimeGrain,
    TimeType,
    VerifiedQuery,
)

SKIPPED_FILES = ("roles.yaml", "rollups.yaml")  # owned by semantic_layer.roles and .rollup
TOP_LEVEL_KEYS = ("tables", "metrics", "dimensions", "time_grains", "verified_queries")
E = TypeVar("E", bound=Enum)


class LineDict(dict):
    """A YAML mapping that knows the line it starts on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are :class:`LineDict` with their 1-based line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; mappings come back as :class:`LineDict`."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass


class _Builder:
    """Turns raw YAML mappings into model objects, collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.file = ""

    def problem(self, line: int, message: str, rule: str = "structure") -> None:
        self.problems.append(Problem(self.file, line, rule, message))

    def loc(self, d: LineDict) -> Loc:
        return Loc(self.file, getattr(d, "line", 0))

    def keys(
        self, d: Any, required: tuple[str, ...], optional: tuple[str, ...], what: str, line: int
    ) -> bool:
        if not isinstance(d, dict):
            self.problem(line, f"{what} must be a mapping, got {type(d).__name__}")
            return False
        ln = getattr(d, "line", line)
        ok = True
        for k in required:
            if d.get(k) in (None, ""):
                self.problem(ln, f"{what} is missing '{k}'")
                ok = False
        for k in d:
            if k not in required and k not in optional:
                self.problem(ln, f"{what} has unknown key '{k}'")
        return ok

    def enum(self, cls: type[E], value: Any, line: int, what: str) -> E | None:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(e.value for e in cls)
            self.problem(line, f"{what} '{value}' is not one of: {allowed}")
            return None

    def strs(self, value: Any, line: int, what: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(line, f"{what} must be a list of strings")
            return ()
        return tuple(value)

    def flag(self, d: LineDict, key: str, what: str) -> bool:
        value = d.get(key, False)
        if not isinstance(value, bool):
            self.problem(d.line, f"{key} of {what} must be true or false")
            return False
        return value

    # -- tables --------------------------------------------------------------------
    def table(self, d: LineDict) -> Table | None:
        opt = ("description", "primary_key", "columns", "time_columns", "joins")
        if not self.keys(d, ("name",), opt, "table", 0):
            return None
        name, ln = d["name"], d.line
        columns: dict[str, Column] = {}
        for c in d.get("columns") or []:
            if self.keys(c, ("name",), ("description", "countable_only"), f"column of table '{name}'", ln):
                if c["name"] in columns:
                    self.problem(
                        c.line, f"column '{c['name']}' listed twice in table '{name}'", "duplicate-name"
                    )
                columns[c["name"]] = Column(
                    c["name"], c.get("description", ""), bool(c.get("countable_only")), self.loc(c)
                )
        times: dict[str, TimeType] = {}
        for t in d.get("time_columns") or []:
            if self.keys(t, ("name", "type"), (), f"time column of table '{name}'", ln):
                typ = self.enum(TimeType, t["type"], t.line, "time column type")
                if typ:
                    times[t["name"]] = typ
        joins = []
        for j in d.get("joins") or []:
            if isinstance(j, dict) and True in j and "on" not in j:  # YAML 1.1 reads a bare `on:` key as True
                j["on"] = j.pop(True)
            if not self.keys(
                j, ("name", "to", "on"), ("relationship", "description"), f"join of '{name}'", ln
            ):
                continue
            rel = self.enum(Relationship, j.get("relationship", "many_to_one"), j.line, "relationship")
            on = j["on"]
            if not isinstance(on, dict) or not on:
                self.problem(
                    j.line, f"join '{name}.{j['name']}' needs 'on' as a mapping of local: remote columns"
                )
                continue
            joins.append(
                Join(
                    j["name"],
                    name,
                    j["to"],
                    tuple((str(a), str(b)) for a, b in on.items()),
                    rel or Relationship.MANY_TO_ONE,
                    self.loc(j),
                )
            )
        pk = self.strs(d.get("primary_key"), ln, f"primary_key of '{name}'")
        return Table(name, d.get("description", ""), pk, columns, times, tuple(joins), self.loc(d))

    # -- metrics -------------------------------------------------------------------
    def measure(self, d: Any, line: int, what: str) -> Measure | None:
        if not self.keys(d, ("agg",), ("expr", "filter"), what, line):
            return None
        agg = self.enum(Agg, d["agg"], d.line, "agg")
        if agg is None:
            return None
        if agg is not Agg.COUNT and not d.get("expr"):
            self.problem(d.line, f"{what}: agg '{agg.value}' needs an 'expr'")
            return None
        return Measure(agg, d.get("expr"), d.get("filter"))

    def metric(self, d: LineDict) -> Metric | None:
        opt = (
            "label", "description", "synonyms", "format", "good_direction", "table", "time_column",
            "measure", "numerator", "denominator", "expr", "conversion", "window_months", "dimensions",
        )  # fmt: skip
        if not self.keys(d, ("name", "type"), opt, "metric", 0):
            return None
        ln, name = d.line, d["name"]
        typ = self.enum(MetricType, d["type"], ln, f"metric '{name}' type")
        fmt = self.enum(Format, d.get("format", "count"), ln, f"metric '{name}' format")
        direction = self.enum(Direction, d.get("good_direction", "up"), ln, f"metric '{name}' good_direction")
        if typ is None or fmt is None or direction is None:
            return None
        fields: dict[str, Any] = {}
        if typ is MetricType.DERIVED:
            if not d.get("expr"):
                self.problem(ln, f"derived metric '{name}' needs 'expr'")
                return None
            fields["expr"] = str(d["expr"])
        else:
            for key in ("table", "time_column"):
                if not d.get(key):
                    self.problem(ln, f"metric '{name}' needs '{key}'")
                    return None
            if typ is MetricType.RATIO:
                fields["numerator"] = self.measure(d.get("numerator"), ln, f"metric '{name}' numerator")
                fields["denominator"] = self.measure(d.get("denominator"), ln, f"metric '{name}' denominator")
                if not fields["numerator"] or not fields["denominator"]:
                    return None
            else:
                fields["measure"] = self.measure(d.get("measure"), ln, f"metric '{name}' measure")
                if not fields["measure"]:
                    return None
            if typ is MetricType.CONVERSION:
                c = d.get("conversion")
                if not self.keys(
                    c,
                    ("table", "entity", "time_column", "window_days"),
                    ("filter",),
                    f"metric '{name}' conversion",
                    ln,
                ):
                    return None
                fields["conversion"] = Conversion(
                    c["table"], c["entity"], c["time_column"], int(c["window_days"]), c.get("filter")
                )
            if typ is MetricType.TRAILING:
                if not isinstance(d.get("window_months"), int):
                    self.problem(ln, f"trailing metric '{name}' needs an integer 'window_months'")
                    return None
                fields["window_months"] = d["window_months"]
        claimed = d.get("dimensions")
        return Metric(
            name=name,
            label=d.get("label") or name.replace("_", " ").capitalize(),
            description=d.get("description", ""),
            synonyms=self.strs(d.get("synonyms"), ln, f"synonyms of '{name}'"),
            type=typ,
            format=fmt,
            good_direction=direction,
            table=d.get("table"),
            time_column=d.get("time_column"),
            claimed_dimensions=self.strs(claimed, ln, f"dimensions of '{name}'")
            if claimed is not None
            else None,
            loc=self.loc(d),
            **fields,
        )

    # -- dimensions ----------------------------------------------------------------
    def dimension(self, d: LineDict) -> Dimension | None:
        opt = (
            "label",
            "description",
            "synonyms",
            "table",
            "expr",
            "via",
            "sources",
            "members",
            "group_by_key",
        )
        if not self.keys(d, ("name",), opt, "dimension", 0):
            return None
        ln, name = d.line, d["name"]
        raw = d.get("sources") or ([{"table": d.get("table"), "expr": d.get("expr"), "via": d.get("via")}])
        sources = []
        for s in raw:
            if not self.keys(s, ("table", "expr"), ("via",), f"source of dimension '{name}'", ln):
                continue
            via = {str(k): self.strs(v, ln, f"via of '{name}'") for k, v in (s.get("via") or {}).items()}
            sources.append(DimensionSource(s["table"], str(s["expr"]), via))
        if not sources:
            return None
        return Dimension(
            name=name,
            label=d.get("label") or name.replace("_", " ").capitalize(),
            description=d.get("description", ""),
            synonyms=self.strs(d.get("synonyms"), ln, f"synonyms of '{name}'"),
            sources=tuple(sources),
            members=tuple(str(m) for m in d.get("members") or ()),
            group_by_key=self.flag(d, "group_by_key", f"dimension '{name}'"),
            loc=self.loc(d),
        )

    def time_grain(self, d: LineDict) -> TimeGrain | None:
        if not self.keys(d, ("name",), ("label", "description", "synonyms"), "time grain", 0):
            return None
        name = d["name"]
        return TimeGrain(
            name,
            d.get("label") or name.replace("_", " ").capitalize(),
            d.get("description", ""),
            self.strs(d.get("synonyms"), d.line, f"synonyms of '{name}'"),
            self.loc(d),
        )

    def verified(self, d: LineDict) -> VerifiedQuery | None:
        if not self.keys(d, ("question", "query"), ("verified_by", "verified_at"), "verified query", 0):
            return None
        if not isinstance(d["query"], dict):
            self.problem(d.line, "verified query 'query' must be a mapping")
            return None
        vat = d.get("verified_at")
        return VerifiedQuery(
            str(d["question"]),
            _plain(d["query"]),
            d.get("verified_by"),
            str(vat) if vat else None,
            self.loc(d),
        )


def _plain(value: Any) -> Any:
    """Strip :class:`LineDict` (and dates to ISO strings) so a query dict is plain JSON data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def build_model(root: Path) -> tuple[SemanticModel, list[Problem]]:
    """Read every model YAML file under ``root``; return the model and structural problems."""
    b = _Builder()
    sections: dict[str, list[tuple[str, Any]]] = {k: [] for k in TOP_LEVEL_KEYS}
    files = sorted(p for p in root.glob("*.yaml") if p.name not in SKIPPED_FILES)
    if not files:
        b.problems.append(Problem(str(root), 0, "structure", "no model YAML files found"))
    for path in files:
        b.file = path.name
        try:
            data = read_yaml(path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            b.problem(mark.line + 1 if mark else 0, f"YAML syntax: {exc}", "yaml")
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            b.problem(1, "a model file must be a mapping of sections")
            continue
        for key, items in data.items():
            if key not in sections:
                b.problem(
                    getattr(data, "line", 1),
                    f"unknown section '{key}' (expected one of {', '.join(TOP_LEVEL_KEYS)})",
                )
                continue
            if not isinstance(items, list):
                b.problem(getattr(data, "line", 1), f"section '{key}' must be a list")
                continue
            sections[key].extend((path.name, it) for it in items)

    def build(key: str, fn: Any) -> list[Any]:
        out = []
        for file, raw in sections[key]:
            b.file = file
            obj = (
                fn(raw) if isinstance(raw, dict) else b.problem(0, f"each item of '{key}' must be a mapping")
            )
            if obj is not None:
                out.append(obj)
        return out

    def by_name(items: list[Any], what: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for it in items:
            if it.name in out:
                b.problems.append(
                    Problem(
                        it.loc.file, it.loc.line, "duplicate-name", f"{what} '{it.name}' is defined twice"
                    )
                )
            out[it.name] = it
        return out

    model = SemanticModel(
        tables=by_name(build("tables", b.table), "table"),
        metrics=by_name(build("metrics", b.metric), "metric"),
        dimensions=by_name(build("dimensions", b.dimension), "dimension"),
        time_grains=by_name(build("time_grains", b.time_grain), "time grain"),
        verified_queries=tuple(build("verified_queries", b.verified)),
        root=root,
    )
    return model, b.problems
