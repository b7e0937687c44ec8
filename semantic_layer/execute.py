"""Safe execution of guarded queries on the DuckDB warehouse.

Safety in layers, so that a statement that slipped past the guard still cannot harm:
the database is opened read-only with external access off (no files, network,
extensions or replacement scans), the configuration is locked (no ``SET`` can undo
that), DuckDB's own parser must see exactly one SELECT, a timer interrupts a query that
runs longer than the time limit (DuckDB's ``max_execution_time`` is a second stop), and
at most ``max_rows`` rows are returned, with truncation reported.

Results are cached by (SQL, data version). The data version is the latest ``sync_runs``
run (or the file's modification time when there is none); a sync that replaces the file
is seen on the next call, which reopens the database.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from semantic_layer.guard import GuardedQuery

log = logging.getLogger(__name__)

# Tables of the warehouse that are bookkeeping, never analysis data.
INTERNAL_TABLES = frozenset({"quarantine"})
INTERNAL_PREFIXES = ("audit", "sync_", "rollup_")  # rollups: read only by compiled queries
_RUN_ID_COLUMNS = ("run_id", "sync_run_id", "id")


def connection_config(timeout_s: float) -> dict[str, Any]:
    """The DuckDB settings of a guarded connection (read-only is passed separately)."""
    return {
        "enable_external_access": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_persistent_secrets": False,
        "python_enable_replacements": False,
        # a second stop behind the interrupting timer
        "max_execution_time": int(timeout_s * 2000) + 1000,
        "lock_configuration": True,
    }


class ExecutionError(Exception):
    """A guarded query could not produce a result."""

    def __init__(self, message: str, sql: str | None = None):
        self.sql = sql
        super().__init__(message)


class QueryTimeout(ExecutionError):
    """The query ran longer than the time limit and was interrupted."""

    def __init__(self, timeout_s: float, sql: str):
        self.timeout_s = timeout_s
        super().__init__(f"the query ran longer than {timeout_s:g} s and was stopped", sql)


class QueryFailed(ExecutionError):
    """DuckDB refused or failed the query; ``cause`` is its message."""

    def __init__(self, cause: str, sql: str | None = None):
        self.cause = cause
        super().__init__(f"the query failed: {cause}", sql)


class WarehouseUnavailable(ExecutionError):
    """The warehouse file is missing or cannot be opened."""


@dataclass(frozen=True)
class Result:
    """Rows of one query (at most the row cap), whether more existed, and how long it took."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    elapsed_ms: float
    sql: str
    cached: bool = False
    data_version: str = ""


@dataclass(frozen=True)
class CacheInfo:
    """Result cache counters."""

    hits: int
    misses: int
    size: int
    max_size: int


class Executor:
    """Runs :class:`GuardedQuery` objects on a read-only warehouse; safe to share across threads."""

    def __init__(
        self, db_path: str | Path, *, timeout_s: float = 10, max_rows: int = 5000, cache_size: int = 256
    ):
        self.db_path = Path(db_path)
        self.timeout_s = float(timeout_s)
        self.max_rows = int(max_rows)
        self.cache_size = int(cache_size)
        self._cond = threading.Condition()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None
        self._version = ""
        self._active = 0
        self._cache: OrderedDict[tuple[str, str], Result] = OrderedDict()
        self._hits = self._misses = 0

    # ------------------------------------------------------------ connection

    def _stat_identity(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.db_path)
        except OSError as exc:
            raise WarehouseUnavailable(f"no warehouse at {self.db_path}: {exc.strerror}") from exc
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _refresh_locked(self) -> None:
        """Open the database, or reopen it when the file changed (a sync replaced it)."""
        identity = self._stat_identity()
        if self._conn is not None and identity == self._identity:
            return
        while self._active:  # let running queries finish on the old file
            self._cond.wait()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        try:
            conn = duckdb.connect(str(self.db_path), read_only=True, config=connection_config(self.timeout_s))
        except duckdb.Error as exc:
            raise WarehouseUnavailable(f"cannot open the warehouse {self.db_path}: {exc}") from exc
        self._conn, self._identity = conn, identity
        self._version = self._read_version(conn, identity)
        log.debug("opened %s read-only, data version %s", self.db_path, self._version)

    @staticmethod
    def _read_version(conn: duckdb.DuckDBPyConnection, identity: tuple[int, int, int]) -> str:
        cols = {c for (c,) in conn.execute(_columns_query("sync_runs")).fetchall()}
        if not cols:
            return f"mtime:{identity[1]}"
        run_col = next((c for c in _RUN_ID_COLUMNS if c in cols), None)
        if run_col is None:
            q = exp.select(exp.func("count", exp.Star())).from_("sync_runs")
        else:  # the run that started last
            order = [exp.column(c).desc() for c in ("started_at", run_col) if c in cols]
            q = exp.select(exp.column(run_col)).from_("sync_runs").order_by(*order).limit(1)
        row = conn.execute(q.sql("duckdb")).fetchone()
        return f"sync:{row[0] if row else 0}"

    def data_version(self) -> str:
        """The current data version (latest sync run, or the file's mtime)."""
        with self._cond:
            self._refresh_locked()
            return self._version

    def close(self) -> None:
        """Close the database (call before a sync rewrites the file in place)."""
        with self._cond:
            while self._active:
                self._cond.wait()
            if self._conn is not None:
                self._conn.close()
            self._conn, self._identity = None, None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ queries

    def run(self, guarded: GuardedQuery) -> Result:
        """Run a guarded query; raises QueryTimeout, QueryFailed or WarehouseUnavailable."""
        if not isinstance(guarded, GuardedQuery):
            raise TypeError("Executor.run() takes only GuardedQuery objects from guard_sql()")
        with self._cond:
            self._refresh_locked()
            key = (guarded.sql, self._version)
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self._hits += 1
                return replace(hit, cached=True)
            self._misses += 1
            conn, version = self._conn, self._version
            self._active += 1
        try:
            result = self._execute(conn, guarded.sql, version)
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()
        with self._cond:
            self._cache[key] = result
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return result

    def _execute(self, conn: duckdb.DuckDBPyConnection, sql: str, version: str) -> Result:
        cur = conn.cursor()
        timer = threading.Timer(self.timeout_s, cur.interrupt)
        timer.daemon = True
        start = time.perf_counter()
        try:
            _require_single_select(cur, sql)
            timer.start()
            cur.execute(sql)
            rows = cur.fetchmany(self.max_rows + 1)
            columns = tuple(d[0] for d in cur.description or ())
        except duckdb.InterruptException as exc:
            raise QueryTimeout(self.timeout_s, sql) from exc
        except duckdb.Error as exc:
            raise QueryFailed(str(exc).strip().splitlines()[0], sql) from exc
        finally:
            timer.cancel()
            cur.close()
        elapsed = (time.perf_counter() - start) * 1000
        truncated = len(rows) > self.max_rows
        rows = rows[: self.max_rows]
        log.debug("ran in %.1f ms, %d rows%s", elapsed, len(rows), " (truncated)" if truncated else "")
        return Result(columns, tuple(tuple(r) for r in rows), truncated, elapsed, sql, False, version)

    def cache_info(self) -> CacheInfo:
        """Hits, misses and size of the result cache."""
        with self._cond:
            return CacheInfo(self._hits, self._misses, len(self._cache), self.cache_size)

    # ------------------------------------------------------------ catalog

    def warehouse_catalog(self) -> dict[str, frozenset[str]]:
        """The warehouse's analysis tables and their columns (bookkeeping tables left out)."""
        with self._cond:
            self._refresh_locked()
            cur = self._conn.cursor()
        try:
            rows = cur.execute(_columns_query(None)).fetchall()
        finally:
            cur.close()
        out: dict[str, set[str]] = {}
        for table, column in rows:
            if table in INTERNAL_TABLES or table.startswith(INTERNAL_PREFIXES):
                continue
            out.setdefault(table, set()).add(column)
        return {t: frozenset(c) for t, c in out.items()}


def _columns_query(table: str | None) -> str:
    """information_schema query for the columns of ``table`` (or table, column of all)."""
    cols: Iterable[str] = ("column_name",) if table else ("table_name", "column_name")
    cond = exp.column("table_schema").eq(exp.Literal.string("main"))
    if table:
        cond = cond.and_(exp.column("table_name").eq(exp.Literal.string(table)))
    q = (
        exp.select(*cols)
        .from_("information_schema.columns")
        .where(cond)
        .order_by("table_name", "ordinal_position")
    )
    return q.sql("duckdb")


def _require_single_select(cur: duckdb.DuckDBPyConnection, sql: str) -> None:
    """DuckDB's own parser must see exactly one SELECT statement."""
    statements = cur.extract_statements(sql)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        kinds = ", ".join(str(s.type) for s in statements)
        raise QueryFailed(f"refused: expected one SELECT statement, got [{kinds}]", sql)
