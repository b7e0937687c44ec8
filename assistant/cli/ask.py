"""``acuity ask QUESTION``: answer one question (``--json``: exactly one JSON object)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from assistant.cli import closing_engines


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``ask`` subcommand."""
    p = sub.add_parser("ask", help="answer one question about the practice", description=__doc__)
    p.add_argument("question", help="the question, in plain words")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object (architecture.md)")
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        help="today's date for relative periods (YYYY-MM-DD; default $ACUITY_AS_OF, else today)",
    )
    p.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="Q",
        help="an earlier question of the conversation (repeatable, in order)",
    )
    p.add_argument("--role", default="owner", help="the asker's role (owner, manager, staff)")
    p.add_argument(
        "--location", action="append", default=None, metavar="ID", help="location id(s) a manager sees"
    )
    p.add_argument("--db", help="warehouse file (default $ACUITY_DB)")
    p.add_argument("--index", help="document index folder (default $ACUITY_INDEX)")
    p.set_defaults(func=run)


@closing_engines
def run(args: argparse.Namespace) -> int:
    """Answer and print."""
    from assistant.pipeline import answer_question
    from assistant.settings import load_settings

    settings = load_settings()
    try:
        ans = answer_question(
            args.question,
            db_path=args.db or settings.db_path,
            context=args.context,
            as_of=args.as_of or settings.today(),
            role=args.role,
            location_ids=args.location,
            settings=settings,
            index_path=args.index or settings.index_path,
        )
    except Exception as exc:  # a missing warehouse, a broken model: say so, in the asked format
        if args.json:
            print(json.dumps(_error_json(args.question, exc)))
        else:
            print(f"error: {exc}", file=sys.stderr)
        return 1
    data = ans.to_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(render_text(data))
    return 0


def _error_json(question: str, exc: Exception) -> dict[str, Any]:
    return {
        "kind": "refuse", "question": question, "semantic_query": None, "sql": None, "columns": [], "rows": [],
        "narrative": f"Acuity could not answer: {exc}", "chart": None, "choices": [], "citations": [],
        "interpreter": "builtin", "elapsed_ms": 0,
    }  # fmt: skip


def render_text(data: dict[str, Any], max_rows: int = 25) -> str:
    """A readable terminal answer: narrative, table, choices, citations, SQL."""
    out = [data.get("narrative") or ""]
    cols, rows = data.get("columns") or [], data.get("rows") or []
    if cols and rows:
        cells = [[_cell(v) for v in r] for r in rows[:max_rows]]
        widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
        out.append("")
        out.append("  ".join(str(c).ljust(w) for c, w in zip(cols, widths, strict=True)))
        out.append("  ".join("-" * w for w in widths))
        out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        if len(rows) > max_rows:
            out.append(f"... {len(rows) - max_rows} more rows")
    for i, c in enumerate(data.get("choices") or [], 1):
        out.append(f"  {i}. {c}")
    for c in data.get("citations") or []:
        out.append(
            f"  [{c.get('title')}, {c.get('date') or ''}{', p. ' + str(c['page']) if c.get('page') else ''}]"
        )
    if data.get("sql"):
        out += ["", "SQL: " + data["sql"]]
    out.append(f"({data.get('kind')}, {data.get('elapsed_ms')} ms)")
    return "\n".join(out)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4f}".rstrip("0").rstrip(".")
    return "" if v is None else str(v)
