"""Retrieval evaluation: recall@k and MRR of the document index on a set of staff questions.

    python -m ingest.documents.evaluate tests/fixtures/retrieval_eval.yaml --source EXPORT_DIR
    python -m ingest.documents.evaluate tests/fixtures/retrieval_eval.yaml --index INDEX_DIR

The YAML file holds ``queries``: each a ``query`` and the file names of its ``relevant``
documents (an empty list: the query must get no hits at all). Documents are ranked by
their best passage (one hit per document); recall@k is the share of a query's relevant
documents among the first k, averaged over queries; MRR averages 1/rank of the first
relevant document.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.documents.embed import load_embedder
from ingest.documents.filters import filters_from_text
from ingest.documents.search import DocumentIndex


@dataclass(frozen=True)
class EvalQuery:
    """One evaluation question and the documents that answer it."""

    query: str
    relevant: tuple[str, ...]


@dataclass
class EvalResult:
    """Scores of one evaluation run."""

    k: int
    recall_at_k: float
    mrr: float
    answered: int
    negatives: int
    negatives_passed: int
    misses: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready scores and the misses."""
        return {
            "k": self.k,
            f"recall@{self.k}": round(self.recall_at_k, 3),
            "mrr": round(self.mrr, 3),
            "queries": self.answered,
            "no_hit_queries": self.negatives,
            "no_hit_correct": self.negatives_passed,
            "misses": self.misses,
        }


def load_eval_set(path: Path) -> list[EvalQuery]:
    """Read an evaluation YAML file."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [EvalQuery(str(q["query"]), tuple(q.get("relevant") or ())) for q in data["queries"]]


def evaluate(index: DocumentIndex, queries: list[EvalQuery], k: int = 5) -> EvalResult:
    """Score ``index`` on ``queries``."""
    recalls: list[float] = []
    rr: list[float] = []
    negatives = negatives_passed = 0
    misses: list[dict] = []
    for q in queries:
        prefer = filters_from_text(q.query)  # as answers do: the question's own filter words
        ranked = [h.source for h in index.search(q.query, top_k=k, per_doc=1, prefer=prefer)]
        if not q.relevant:
            negatives += 1
            negatives_passed += not ranked
            if ranked:
                misses.append({"query": q.query, "expected": [], "got": ranked})
            continue
        found = [r for r in q.relevant if r in ranked]
        recalls.append(len(found) / len(q.relevant))
        first = next((i for i, s in enumerate(ranked, start=1) if s in q.relevant), None)
        rr.append(1.0 / first if first else 0.0)
        if len(found) < len(q.relevant) or first != 1:
            misses.append({"query": q.query, "expected": list(q.relevant), "got": ranked})
    n = max(len(recalls), 1)
    return EvalResult(k, sum(recalls) / n, sum(rr) / n, len(recalls), negatives, negatives_passed, misses)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the scores as JSON."""
    p = argparse.ArgumentParser(description="Recall@k and MRR of the document index.")
    p.add_argument("eval_file", type=Path)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", type=Path, help="an existing document index")
    where.add_argument("--source", type=Path, help="an export or documents folder to index first")
    p.add_argument("--embedder", default=None, help="static (default), minilm or hashing (with --source)")
    p.add_argument("-k", type=int, default=5)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    queries = load_eval_set(args.eval_file)
    if args.index:
        index = DocumentIndex.open(args.index)
        result = evaluate(index, queries, args.k)
    else:
        from ingest.documents.index import index_folder, known_names_from_export

        with tempfile.TemporaryDirectory(prefix="acuity-eval-") as tmp:
            embedder = load_embedder(args.embedder)
            index_folder(
                args.source, Path(tmp), known_names=known_names_from_export(args.source), embedder=embedder
            )
            result = evaluate(DocumentIndex.open(Path(tmp), embedder), queries, args.k)
    sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")  # the command's output
    return 0


if __name__ == "__main__":
    sys.exit(main())
