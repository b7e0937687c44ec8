"""Build the daily rollups (:mod:`semantic_layer.rollup`) inside a sync, before the swap.

``ingest.sync.sync_export(..., after_load=build_rollups)`` calls it with the sync's
connection, the attached warehouse's catalog name and the run id (ingestion knows
nothing of the semantic model; ``assistant.warehouse.sync_warehouse`` passes it). Every sync drops and rebuilds every rollup from the warehouse's final rows, in the same
building copy as the facts, so a rollup is never older or newer than the rows it sums:
the swap publishes both or neither. ``sync_rollups`` records, per rollup, its
definition digest, the run that built it and the fact table's row count, which is what
the engine checks before it reads one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import duckdb
from sqlglot import exp

from semantic_layer.model import SemanticModel, load_model
from semantic_layer.rollup import DAY, PREFIX, PREPARED, REGISTRY, Rollup, model_rollups, registry_columns

log = logging.getLogger(__name__)


def _in(e: exp.Expression, catalog: str) -> exp.Expression:
    """``e`` with every table read from the attached warehouse (``<catalog>.main.<table>``)."""
    for t in e.find_all(exp.Table):
        if t.name.startswith(PREPARED):
            continue  # a temporary table of this build
        t.set("catalog", exp.to_identifier(catalog, quoted=True))
        t.set("db", exp.to_identifier("main", quoted=True))
    return e


def _sql(e: exp.Expression) -> str:
    return e.sql(dialect="duckdb")


def _table(catalog: str, name: str) -> exp.Table:
    """``<catalog>.main.<name>``, every part quoted."""
    return exp.table_(name, db="main", catalog=catalog, quoted=True)


def _count(con: duckdb.DuckDBPyConnection, table: exp.Table) -> int:
    """The number of rows of ``table``."""
    return int(con.execute(_sql(exp.select(exp.Count(this=exp.Star())).from_(table))).fetchone()[0])


def build_rollups(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    run_id: str,
    model: SemanticModel | None = None,
    on_built: Callable[[Rollup, int, float], None] | None = None,
) -> list[tuple[str, int]]:
    """Rebuild every rollup of ``model`` in the warehouse attached as ``catalog``; returns (name, rows) each.

    Raises ModelError when ``rollups.yaml`` is invalid (the sync then fails and the old
    warehouse stays), and any DuckDB error of a build.
    """
    model = model or load_model()
    rollups = model_rollups(model)
    existing = [
        n
        for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main'",
            [catalog],
        ).fetchall()
    ]
    for name in existing:
        if name.startswith(PREFIX) or name == REGISTRY:
            con.execute(_sql(exp.Drop(tables=[_table(catalog, name)], kind="TABLE")))
    schema = exp.Schema(
        this=_table(catalog, REGISTRY),
        expressions=[
            exp.ColumnDef(this=exp.to_identifier(n), kind=exp.DataType.build(t))
            for n, t in registry_columns()
        ],
    )
    con.execute(_sql(exp.Create(this=schema, kind="TABLE")))
    insert = _sql(
        exp.insert(
            exp.values([tuple(exp.Placeholder() for _ in registry_columns())]), _table(catalog, REGISTRY)
        )
    )
    built: list[tuple[str, int]] = []
    fact_rows: dict[str, int] = {}
    ready: set[str] = set()
    for r in rollups:
        started = time.perf_counter()
        for temp, q in r.prepared.items():
            if temp not in ready:
                temporary = exp.Properties(expressions=[exp.TemporaryProperty()])
                create = exp.Create(
                    this=exp.to_table(temp),
                    kind="TABLE",
                    expression=_in(q.copy(), catalog),
                    properties=temporary,
                )
                con.execute(_sql(create))
                ready.add(temp)
        select = _in(r.select.copy(), catalog).order_by(exp.column(DAY), copy=False)
        con.execute(
            _sql(exp.Create(this=_in(exp.to_table(r.name), catalog), kind="TABLE", expression=select))
        )
        rows = _count(con, _table(catalog, r.name))
        if r.fact not in fact_rows:
            fact_rows[r.fact] = _count(con, _table(catalog, r.fact))
        con.execute(insert, [r.name, r.fact, r.digest, run_id, fact_rows[r.fact], rows])
        seconds = time.perf_counter() - started
        log.info("rollup %s: %d rows in %.1f s", r.name, rows, seconds)
        if on_built is not None:
            on_built(r, rows, seconds)
        built.append((r.name, rows))
    for temp in ready:
        con.execute(_sql(exp.Drop(tables=[exp.to_table(temp)], kind="TABLE")))
    return built
