"""Benchmark the semantic layer on the dev-set cases.

For every `answer` case of shared/eval/dev.yaml with a hand-written semantic query
(tests/semantic_layer/fixtures/dev_queries.yaml):
- compile time (SemanticQuery -> sqlglot tree -> DuckDB SQL) and guard time, median of
  several runs (target: median compile + guard under 5 ms); the guard is timed on the SQL
  text (as analyst SQL arrives) and on the compiler's tree (as the pipeline can pass it);
- run time of the compiled SQL against the gold SQL on the same warehouse, best of
  several runs each, the two interleaved so that a burst of load on a shared machine
  slows both (target: at most 1.2x);
- the same with the warehouse's daily rollups (docs/rollups.md), as the pipeline compiles
  for an owner: compile time with the rollup search, run time and ratio against gold.

usage: python bench/semantic.py --db WAREHOUSE.duckdb [--repeat 5] [--only CASE]
Build a large warehouse with `acuity demo --locations 50 --end 2026-09-30 DIR && acuity ingest DIR --db DB`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from semantic_layer.compile import compile_query, to_sql  # noqa: E402
from semantic_layer.model import load_model  # noqa: E402
from semantic_layer.query import SemanticQuery  # noqa: E402
from semantic_layer.rollup import available_rollups  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev.yaml"
FIXTURES = ROOT / "tests" / "semantic_layer" / "fixtures" / "dev_queries.yaml"


def _best(con: duckdb.DuckDBPyConnection, sqls: list[str], repeat: int) -> list[float]:
    """Best wall time in ms of each statement over ``repeat`` interleaved rounds (after a warm-up)."""
    for sql in sqls:
        con.execute(sql).fetchall()
    best = [float("inf")] * len(sqls)
    for _ in range(repeat):
        for i, sql in enumerate(sqls):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            best[i] = min(best[i], (time.perf_counter() - t0) * 1000)
    return best


def _guard():
    """The SQL guard (owner role) if it is installed, else None."""
    try:
        from semantic_layer.guard import guard_sql
        from semantic_layer.roles import access_for
    except ImportError:
        return None
    catalog, access = load_model().catalog(), access_for("owner")
    return lambda sql: guard_sql(sql, catalog=catalog, access=access, max_rows=10_000)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per case plus a summary."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, type=Path, help="warehouse file")
    ap.add_argument("--repeat", type=int, default=5, help="runs per query (best is kept)")
    ap.add_argument("--only", help="one case id")
    args = ap.parse_args(argv)

    model = load_model()
    guard = _guard()
    cases = [c for c in yaml.safe_load(DEV.read_text())["cases"] if c.get("expect", "answer") == "answer"]
    queries = yaml.safe_load(FIXTURES.read_text())
    con = duckdb.connect(str(args.db), read_only=True)
    n_appts = con.table("appointments").count("*").fetchall()[0][0]
    rollups = available_rollups(model, con)
    print(f"warehouse {args.db} ({n_appts:,} appointments, {len(rollups)} rollups); repeat {args.repeat}")
    print(
        f"{'case':42s} {'compile ms':>10s} {'guard ms':>9s} {'tree ms':>8s} {'gold ms':>9s} {'ours ms':>9s} {'ratio':>6s}"
        f" {'+rollup ms':>10s} {'rollup ms':>9s} {'ratio':>6s}"
    )
    compile_ms, guard_ms, tree_ms, ratios = [], [], [], []
    rollup_compile_ms, rollup_ratios, used = [], [], 0
    for case in cases:
        if args.only and case["id"] != args.only:
            continue
        q = SemanticQuery.from_dict(queries[case["id"]])
        tree = compile_query(model, q)
        samples = []
        for _ in range(max(args.repeat, 5)):
            t0 = time.perf_counter()
            sql = to_sql(compile_query(model, q))
            samples.append((time.perf_counter() - t0) * 1000)
        c_ms = statistics.median(samples)
        g_ms = t_ms = float("nan")
        if guard:
            g = []
            for _ in range(max(args.repeat, 5)):
                t0 = time.perf_counter()
                guard(sql)
                g.append((time.perf_counter() - t0) * 1000)
            g_ms = statistics.median(g)
            guard_ms.append(g_ms)
            g = []
            for _ in range(max(args.repeat, 5)):
                t0 = time.perf_counter()
                guard(tree)
                g.append((time.perf_counter() - t0) * 1000)
            t_ms = statistics.median(g)
            tree_ms.append(t_ms)
        samples = []
        for _ in range(max(args.repeat, 5)):
            t0 = time.perf_counter()
            fast = to_sql(compile_query(model, q, rollups=rollups))
            samples.append((time.perf_counter() - t0) * 1000)
        rc_ms = statistics.median(samples)
        used += "rollup_" in fast
        gold, ours, ours_r = _best(con, [case["sql"], sql, fast], args.repeat)
        ratio = ours / gold if gold > 0 else float("nan")
        ratio_r = ours_r / gold if gold > 0 else float("nan")
        compile_ms.append(c_ms)
        ratios.append(ratio)
        rollup_compile_ms.append(rc_ms)
        rollup_ratios.append(ratio_r)
        flag = "" if ratio <= 1.2 else "  > 1.2x"
        print(
            f"{case['id']:42s} {c_ms:10.2f} {g_ms:9.2f} {t_ms:8.2f} {gold:9.1f} {ours:9.1f} {ratio:6.2f}"
            f" {rc_ms:10.2f} {ours_r:9.1f} {ratio_r:6.2f}{flag}"
        )
    con.close()
    if not compile_ms:
        return 1
    print()
    print(
        f"compile: median {statistics.median(compile_ms):.2f} ms, max {max(compile_ms):.2f} ms (target: median < 5 ms)"
    )
    if guard_ms:
        both = [a + b for a, b in zip(compile_ms, guard_ms, strict=True)]
        print(f"compile + guard (text): median {statistics.median(both):.2f} ms, max {max(both):.2f} ms")
        both = [a + b for a, b in zip(compile_ms, tree_ms, strict=True)]
        print(f"compile + guard (tree): median {statistics.median(both):.2f} ms, max {max(both):.2f} ms")
    over = sum(r > 1.2 for r in ratios)
    print(
        f"run time vs gold: median {statistics.median(ratios):.2f}x, geometric mean "
        f"{statistics.geometric_mean(ratios):.2f}x, max {max(ratios):.2f}x; {over} of {len(ratios)} over 1.2x"
    )
    print(
        f"rollups: {used} of {len(rollup_ratios)} cases read one; compile median "
        f"{statistics.median(rollup_compile_ms):.2f} ms; run time vs gold: median "
        f"{statistics.median(rollup_ratios):.2f}x, geometric mean {statistics.geometric_mean(rollup_ratios):.2f}x, "
        f"max {max(rollup_ratios):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
