"""``acuity explain '<semantic query JSON>'``: print the SQL a semantic query compiles to, without running it.

Exit codes: 0 the SQL was printed, 2 the query is not valid JSON, not a semantic query,
or does not compile (the reason is printed to stderr).
"""

from __future__ import annotations

import argparse
import json
import sys

from semantic_layer.compile import DIALECTS, compile_query, to_sql
from semantic_layer.errors import CompileError, ModelError
from semantic_layer.model import load_model
from semantic_layer.query import SemanticQuery


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``explain`` subcommand."""
    p = subparsers.add_parser(
        "explain",
        help="show the SQL of a semantic query without running it",
        description="Compile a semantic query (JSON, as in `acuity ask --json`) to SQL and print it.",
    )
    p.add_argument(
        "query", help='semantic query JSON, e.g. \'{"metrics": ["revenue"], "dimensions": ["month"]}\''
    )
    p.add_argument(
        "--dialect",
        default="duckdb",
        help=f"SQL dialect to print (default duckdb; tested: {', '.join(DIALECTS)})",
    )
    p.add_argument("--role", help="compile as this role (metrics outside it are refused)")
    p.add_argument("--compact", action="store_true", help="print the SQL on one line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compile and print; returns the exit code."""
    try:
        raw = json.loads(args.query)
        if isinstance(raw, dict) and isinstance(raw.get("semantic_query"), dict):
            raw = raw["semantic_query"]  # accept a whole `acuity ask --json` answer
        query = SemanticQuery.from_dict(raw)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        print(f"not a semantic query: {exc}", file=sys.stderr)
        return 2
    allowed = None
    if args.role:
        from semantic_layer.roles import RoleError, access_for

        try:
            allowed = access_for(args.role).allowed_metrics
        except RoleError as exc:
            print(f"unknown role: {exc}", file=sys.stderr)
            return 2
    try:
        tree = compile_query(load_model(), query, allowed_metrics=allowed)
        sql = to_sql(tree, dialect=args.dialect, pretty=not args.compact)
    except (CompileError, ModelError) as exc:
        print(f"cannot compile: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # unknown dialect
        print(f"cannot render: {exc}", file=sys.stderr)
        return 2
    print(sql)
    return 0
