"""Benchmark the document index: time to index N chunks, query latency p50/p95, size on disk.

    python bench/retrieval.py [--chunks 10000] [--queries 200] [--embedder static] [--keep DIR]

Writes synthetic practice documents (monthly reports, meeting notes, SOPs, vendor notices;
about 20 chunks each) into a temporary folder, indexes them with the real pipeline
(extract, scrub, chunk, embed, Chroma, BM25), then times hybrid searches. Prints one JSON
object. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This folder holds bench/ingest.py, which would shadow the ``ingest`` package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

TOPICS = {
    "no-shows": [
        "no-show rate",
        "missed appointments",
        "reminder texts",
        "confirmation calls",
        "late cancellations",
    ],
    "optical": [
        "optical capture",
        "frame sales",
        "lens upgrades",
        "anti-reflective coating",
        "eyewear orders",
    ],
    "contacts": [
        "contact lens fittings",
        "annual supply",
        "toric lenses",
        "daily disposables",
        "trial pairs",
    ],
    "billing": ["insurance claims", "vision plan eligibility", "copays", "claim denials", "collections"],
    "staffing": ["technician coverage", "front desk shifts", "optician hiring", "overtime", "training days"],
    "equipment": ["OCT scanner", "autorefractor", "visual field analyzer", "edger service", "retinal camera"],
    "vendors": ["frame supplier", "lab turnaround", "price increase", "backorder", "shipping delays"],
    "patients": ["wait times", "survey scores", "recall exams", "new patient visits", "online booking"],
}
VERBS = ["rose", "fell", "improved", "stayed flat", "was reviewed", "needs follow-up", "was discussed"]
PLACES = ["Downtown", "Northside", "Lakeview", "all locations"]
KINDS = [("monthly_report", "Monthly report"), ("meeting_notes", "Staff meeting notes"), ("sop", "SOP"),
         ("vendor_notice", "Vendor notice")]  # fmt: skip


def _sentence(rng: random.Random, topic: str) -> str:
    a, b = rng.sample(TOPICS[topic], 2)
    return (
        f"The {a} at {rng.choice(PLACES)} {rng.choice(VERBS)} in week {rng.randint(1, 5)}, "
        f"and the team linked it to {b} ({rng.randint(2, 40)}%)."
    )


def write_corpus(folder: Path, chunks: int, seed: int = 7) -> int:
    """Write Markdown documents totalling about ``chunks`` chunks; returns the number of files."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_doc, n_docs = 20, max(1, chunks // 20)
    for d in range(n_docs):
        kind, label = KINDS[d % len(KINDS)]
        year, month = 2023 + (d // 12) % 4, d % 12 + 1
        lines = [f"---\ntitle: {label} {d}\ndate: {year}-{month:02d}-15\ntype: {kind}\n---", f"# {label} {d}"]
        for s in range(per_doc):
            topic = rng.choice(list(TOPICS))
            lines.append(f"## {topic.title()} {s}")
            lines.append(" ".join(_sentence(rng, topic) for _ in range(6)))
        (folder / f"doc-{d:05d}.md").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return n_docs


def _queries(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    templates = [
        "why did the {a} change at {p}",
        "{a} and {b}",
        "notes about {a}",
        "what happened with {a} in week {w}",
    ]
    out = []
    for _ in range(n):
        topic = rng.choice(list(TOPICS))
        a, b = rng.sample(TOPICS[topic], 2)
        out.append(rng.choice(templates).format(a=a, b=b, p=rng.choice(PLACES), w=rng.randint(1, 5)))
    return out


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(chunks: int, queries: int, embedder_name: str, keep: Path | None) -> dict:
    """Build the corpus and the index, time the queries; returns the figures."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ingest.documents import DocumentIndex, index_folder, load_embedder

    work = Path(tempfile.mkdtemp(prefix="acuity-bench-"))
    try:
        docs, index = work / "docs", (keep or work / "index")
        if index.exists():
            shutil.rmtree(index)
        n_docs = write_corpus(docs, chunks)
        embedder = load_embedder(embedder_name)
        t0 = time.perf_counter()
        report = index_folder(docs, index, embedder=embedder)
        index_s = time.perf_counter() - t0
        ix = DocumentIndex.open(index)
        qs = _queries(queries)
        ix.search(qs[0])  # warm-up
        times = []
        for q in qs:
            t = time.perf_counter()
            ix.search(q, top_k=5)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return {
            "embedder": embedder.name,
            "documents": n_docs,
            "chunks": report.chunks_total,
            "index_seconds": round(index_s, 1),
            "chunks_per_second": round(report.chunks_total / index_s, 1),
            "queries": len(qs),
            "query_ms_p50": round(statistics.median(times), 1),
            "query_ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
            "index_mb": round(_size(index) / 1e6, 1),
            "cpus": os.cpu_count(),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=10_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--embedder", default="static", help="static (default), minilm or hashing")
    p.add_argument("--keep", type=Path, default=None, help="build the index here and keep it")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(args.chunks, args.queries, args.embedder, args.keep), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
