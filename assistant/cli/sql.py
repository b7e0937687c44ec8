"""``acuity sql "SELECT ..."``: run analyst SQL through the guard and the safe executor.

Exit codes: 0 the result was printed, 2 the guard rejected the statement (or the role
is unknown), 1 the query failed or timed out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.settings import load_settings
from semantic_layer.execute import ExecutionError, Executor, Result
from semantic_layer.guard import GuardRejection, guard_sql
from semantic_layer.roles import RoleError, access_for, role_names
from semantic_layer.suppress import integer_columns, is_demographic, suppress_small_cells

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sql`` subcommand."""
    p = subparsers.add_parser(
        "sql",
        help="run a read-only SQL query through the guard",
        description="Run one SELECT on the warehouse, checked by the SQL guard for the given role.",
    )
    p.add_argument("sql", help="one SELECT statement (DuckDB dialect)")
    p.add_argument("--db", type=Path, help="warehouse file (default: ACUITY_DB)")
    p.add_argument(
        "--role", default="owner", help=f"role to run as (default owner; one of {', '.join(role_names())})"
    )
    p.add_argument(
        "--location",
        action="append",
        dest="locations",
        metavar="ID",
        help="location id the role may see (repeat)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--max-rows", type=int, help="row cap (default: ACUITY_MAX_ROWS)")
    p.add_argument("--timeout", type=float, help="time limit in seconds (default: ACUITY_QUERY_TIMEOUT_S)")
    p.set_defaults(func=run)


def model_catalog(executor: Executor) -> Mapping[str, frozenset[str]]:
    """The semantic model's catalog, or the warehouse's own tables until the model exists."""
    try:
        from semantic_layer.model import load_model
    except ModuleNotFoundError as exc:
        if exc.name != "semantic_layer.model":
            raise
        return executor.warehouse_catalog()
    return load_model().catalog()


def run(args: argparse.Namespace) -> int:
    """Guard, run and print one statement; returns the exit code."""
    settings = load_settings()
    max_rows = args.max_rows or settings.max_rows
    executor = Executor(
        args.db or settings.db_path, timeout_s=args.timeout or settings.query_timeout_s, max_rows=max_rows
    )
    try:
        access = access_for(args.role, args.locations)
        guarded = guard_sql(args.sql, catalog=model_catalog(executor), access=access, max_rows=max_rows)
        result = executor.run(guarded)
    except (GuardRejection, RoleError) as exc:
        return _fail(args, "rejected", exc, getattr(exc, "code", None), 2)
    except ExecutionError as exc:
        return _fail(args, "failed", exc, type(exc).__name__, 1)
    finally:
        executor.close()
    rows = _suppressed(result, settings.small_cell_suppression)
    if args.json:
        print(json.dumps(_as_json(result, rows), default=_json_value))
    else:
        print(format_table(result.columns, rows))
        note = f"{len(rows)} row(s) in {result.elapsed_ms:.0f} ms"
        if result.truncated:
            note += f"; truncated at {max_rows} rows"
        print(note)
    return 0


def _suppressed(result: Result, enabled: bool) -> list[tuple[Any, ...]]:
    groups = {c for c in result.columns if is_demographic(c)}
    counts = integer_columns(result.columns, result.rows) - groups
    return suppress_small_cells(
        result.columns, result.rows, group_columns=groups, count_columns=counts, enabled=enabled
    )


def _fail(args: argparse.Namespace, status: str, exc: Exception, code: object, exit_code: int) -> int:
    reason = getattr(exc, "reason", None) or str(exc)
    code_text = getattr(code, "value", code)
    if args.json:
        print(json.dumps({"status": status, "code": code_text, "reason": reason}))
    else:
        print(f"{status}: {reason}" + (f" [{code_text}]" if code_text else ""), file=sys.stderr)
    return exit_code


def _as_json(result: Result, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {
        "status": "ok",
        "sql": result.sql,
        "columns": list(result.columns),
        "rows": [list(r) for r in rows],
        "truncated": result.truncated,
        "elapsed_ms": round(result.elapsed_ms, 1),
    }


def _json_value(v: Any) -> Any:
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return str(v)


def _cell(v: Any) -> str:
    return "NULL" if v is None else str(v)


def format_table(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """Rows as an aligned text table with a header line."""
    cells = [[_cell(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)
