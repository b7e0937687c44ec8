"""``acuity eval FILE``: score the assistant on an evaluation set (rules: shared/eval/README.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from assistant.cli import closing_engines


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``eval`` subcommand."""
    p = sub.add_parser("eval", help="score the assistant on an evaluation set", description=__doc__)
    p.add_argument("file", help="evaluation set (YAML with as_of and cases)")
    p.add_argument("--db", help="warehouse file (default $ACUITY_DB)")
    p.add_argument("--role", default="owner", help="role to ask as (default owner)")
    p.add_argument("--only", metavar="ID", help="run one case")
    p.add_argument("--verbose-cases", action="store_true", help="print one line per case as it runs")
    p.set_defaults(func=run)


@closing_engines
def run(args: argparse.Namespace) -> int:
    """Run every case in-process and print the report; exit 1 when any case fails."""
    from assistant.evaluation import EvalSetError, load_set, run_set
    from assistant.pipeline import answer_question
    from assistant.settings import load_settings

    settings = load_settings()
    db = args.db or settings.db_path
    try:
        spec = load_set(args.file)
    except EvalSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def ask(question: str, context: list[str], as_of: dt.date) -> dict[str, Any]:
        return answer_question(
            question, db_path=db, context=context, as_of=as_of, role=args.role, settings=settings
        ).to_json()

    def show(res) -> None:
        if args.verbose_cases:
            mark = "ok  " if res.passed else "FAIL"
            print(
                f"{mark} {res.id}  ({res.elapsed_ms:.0f} ms){'' if res.passed else ': ' + str(res.reason)}",
                flush=True,
            )

    report = run_set(spec, db, ask, only=args.only, on_case=show, timeout_s=settings.query_timeout_s)
    print("\n".join(report.lines()))
    return 0 if report.failed == 0 else 1
