"""``acuity search QUERY``: search the document index (reports, meeting notes, SOPs, notices)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from assistant.documents import answer_documents, cite
from assistant.settings import load_settings
from ingest.documents import DocumentIndexError, SearchFilters


def register(subparsers) -> None:
    """Add the ``search`` subcommand."""
    p = subparsers.add_parser(
        "search",
        help="search past reports and notes",
        description="Search the document index; prints the best passages with citations.",
    )
    p.add_argument("query", help="what to look for, in plain words")
    p.add_argument("--top", type=int, default=5, metavar="K", help="number of passages (default 5)")
    p.add_argument("--index", type=Path, default=None, help="document index folder (default $ACUITY_INDEX)")
    p.add_argument("--type", dest="doc_type", action="append", default=None, help="only this document type")
    p.add_argument(
        "--since", type=dt.date.fromisoformat, default=None, help="only documents dated on or after"
    )
    p.add_argument("--until", type=dt.date.fromisoformat, default=None, help="only documents dated before")
    p.add_argument("--role", default=None, help="only documents this role may read (staff, manager, owner)")
    p.add_argument("--json", action="store_true", help='print one JSON object {"hits": [...]}')
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one search and print the hits."""
    index = args.index or load_settings().index_path
    given = SearchFilters(
        doc_types=tuple(args.doc_type or ()), date_from=args.since, date_to=args.until, audience=args.role
    )
    if not (Path(index) / "chroma").is_dir():
        print(
            f"error: no document index at {index} (run `acuity ingest DIR --documents-only`)", file=sys.stderr
        )
        if args.json:
            print(json.dumps({"hits": []}))
        return 1
    try:
        answer = answer_documents(args.query, index, top_k=max(1, args.top), filters=given)
    except DocumentIndexError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.json:
            print(json.dumps({"hits": []}))
        return 1
    if args.json:
        keys = ("source", "title", "date", "page", "section", "doc_type", "score", "snippet", "highlights")
        print(json.dumps({"hits": [{k: h[k] for k in keys} for h in answer.hits]}, ensure_ascii=False))
        return 0
    print(answer.narrative)
    for n, hit in enumerate(answer.hits, start=1):
        print(f"\n[{n}] {cite(hit)}  ({hit['source']}, score {hit['score']})")
        print("    " + hit["snippet"].replace("\n", "\n    "))
    return 0
