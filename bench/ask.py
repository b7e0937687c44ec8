"""Benchmark answering the dev-set questions with the built-in interpreter.

In-process: the one-off engine start (semantic model, value index, interpreter,
executor), then p50/p95 of answering every dev question (route, interpret, compile,
guard, execute, narrative, chart) on a cold result cache (first pass) and a warm one
(later passes). Also the wall time of the `acuity ask --json` command line (a fresh
process each time: imports, model, value index, one answer). Target: in-process p95
under 150 ms.

usage: python bench/ask.py --db WAREHOUSE.duckdb [--repeat 3] [--cli 3]
Build a large warehouse with `acuity demo --locations 50 --end 2026-09-30 DIR && acuity ingest DIR --db DB`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.pipeline import answer_question, get_engine  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s)) - 1))]


def main() -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--eval", default=str(DEV))
    ap.add_argument("--repeat", type=int, default=3, help="passes over the questions (the first is cold)")
    ap.add_argument("--cli", type=int, default=3, help="command-line runs to time (0: skip)")
    a = ap.parse_args()
    with open(a.eval, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    as_of = spec["as_of"] if isinstance(spec["as_of"], dt.date) else dt.date.fromisoformat(str(spec["as_of"]))
    cases = spec["cases"]

    t0 = time.perf_counter()
    engine = get_engine(a.db)
    start_ms = (time.perf_counter() - t0) * 1000
    print(f"engine start (model, value index, executor, rollup registry): {start_ms:.0f} ms")
    print(f"daily rollups in use: {len(engine.rollups)} (docs/rollups.md; 0 = every answer reads the fact tables)")

    passes: list[list[float]] = []
    slowest: list[tuple[float, str]] = []
    for n in range(a.repeat):
        times = []
        for case in cases:
            t = time.perf_counter()
            answer_question(case["question"], db_path=a.db, context=case.get("context") or [], as_of=as_of)
            ms = (time.perf_counter() - t) * 1000
            times.append(ms)
            if n == 0:
                slowest.append((ms, case["id"]))
        passes.append(times)
    cold = passes[0]
    warm = [t for p in passes[1:] for t in p]
    print(
        f"{len(cases)} questions, cold cache: p50 {pct(cold, 50):.0f} ms, p95 {pct(cold, 95):.0f} ms, max {max(cold):.0f} ms"
    )
    if warm:
        print(f"warm cache ({a.repeat - 1} passes): p50 {pct(warm, 50):.0f} ms, p95 {pct(warm, 95):.0f} ms")
    print("slowest (cold):", ", ".join(f"{cid} {ms:.0f} ms" for ms, cid in sorted(slowest, reverse=True)[:5]))

    if a.cli:
        walls = []
        for _ in range(a.cli):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "assistant", "ask", "--json", "--as-of", as_of.isoformat(), "--db", a.db,
                 "No-show rate by location last quarter"],
                check=True, capture_output=True, cwd=ROOT,
            )  # fmt: skip
            walls.append((time.perf_counter() - t) * 1000)
        print(
            f"acuity ask --json wall time: median {statistics.median(walls):.0f} ms (min {min(walls):.0f}, {a.cli} runs)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
