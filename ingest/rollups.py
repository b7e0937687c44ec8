"""Build the daily rollups (:mod:`semantic_layer.rollup`) inside a sync, before the swap.

Every sync drops and rebuilds every rollup from the warehouse's final rows, in the same
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

from ingest.sqlbuild import WAREHOUSE, ident, run
from semantic_layer.model import SemanticModel, load_model
from semantic_layer.rollup import DAY, PREFIX, PREPARED, REGISTRY, Rollup, model_rollups, registry_columns

log = logging.getLogger(__name__)


def _in_warehouse(e: exp.Expression) -> exp.Expression:
    """``e`` with every table read from the attached warehouse (``wh.main.<table>``)."""
    for t in e.find_all(exp.Table):
        if t.name.startswith(PREPARED):
            continue  # a temporary table of this build
        t.set("catalog", ident(WAREHOUSE))
        t.set("db", ident("main"))
    return e


def build_rollups(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    model: SemanticModel | None = None,
    on_built: Callable[[Rollup, int, float], None] | None = None,
) -> list[tuple[str, int]]:
    """Rebuild every rollup of ``model`` in the attached warehouse; returns (name, rows) each.

    Raises ModelError when ``rollups.yaml`` is invalid (the sync then fails and the old
    warehouse stays), and any DuckDB error of a build.
    """
    model = model or load_model()
    rollups = model_rollups(model)
    existing = [
        n
        for (n,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'main'",
            [WAREHOUSE],
        ).fetchall()
    ]
    for name in existing:
        if name.startswith(PREFIX) or name == REGISTRY:
            run(con, exp.Drop(this=_in_warehouse(exp.to_table(name)), kind="TABLE", exists=True))
    cols = ", ".join(f"{n} {t}" for n, t in registry_columns())
    con.execute(f"CREATE TABLE {WAREHOUSE}.main.{REGISTRY} ({cols})")
    built: list[tuple[str, int]] = []
    fact_rows: dict[str, int] = {}
    ready: set[str] = set()
    for r in rollups:
        started = time.perf_counter()
        for temp, q in r.prepared.items():
            if temp not in ready:
                run(con, exp.Create(this=exp.to_table(temp), kind="TABLE", expression=_in_warehouse(q.copy()), properties=exp.Properties(expressions=[exp.TemporaryProperty()])))
                ready.add(temp)
        select = _in_warehouse(r.select.copy()).order_by(exp.column(DAY), copy=False)
        create = exp.Create(this=_in_warehouse(exp.to_table(r.name)), kind="TABLE", expression=select)
        run(con, create)
        rows = int(con.execute(f'SELECT count(*) FROM {WAREHOUSE}.main."{r.name}"').fetchone()[0])
        if r.fact not in fact_rows:
            fact_rows[r.fact] = int(con.execute(f'SELECT count(*) FROM {WAREHOUSE}.main."{r.fact}"').fetchone()[0])
        con.execute(
            f"INSERT INTO {WAREHOUSE}.main.{REGISTRY} VALUES (?, ?, ?, ?, ?, ?)",
            [r.name, r.fact, r.digest, run_id, fact_rows[r.fact], rows],
        )
        seconds = time.perf_counter() - started
        log.info("rollup %s: %d rows in %.1f s", r.name, rows, seconds)
        if on_built is not None:
            on_built(r, rows, seconds)
        built.append((r.name, rows))
    for temp in ready:
        con.execute(f'DROP TABLE "{temp}"')
    return built
