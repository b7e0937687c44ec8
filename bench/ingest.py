"""Benchmark: ``acuity ingest`` against DuckDB's own ``read_csv`` of the same files.

    python bench/ingest.py [--locations 50] [--start 2023-01-01] [--end 2026-09-30] [--export DIR]

Generates the demo export (unless ``--export`` names an existing one), then measures, each
in a fresh process so that peak memory is its own:

- *raw load*: ``CREATE TABLE <t> AS SELECT * FROM read_csv(<t>.csv)`` (auto-detected
  types) for every table into a new DuckDB file;
- *read_csv + keys*: the same ``read_csv`` inserted into tables created first with the
  contract's types and primary keys (what any keyed load costs, before validation);
- *ingest*: ``ingest.sync.sync_export`` (structure checks, typed validation, quarantine,
  keyed hashing, ZIP3/birth-year rules, comment scrubbing, upsert by key);
- *ingest + rollups*: ``assistant.warehouse.sync_warehouse``, what ``acuity ingest`` runs:
  the same sync plus the daily rollups rebuilt before the swap (docs/rollups.md); the
  rollups' own seconds are printed too.

Prints rows, seconds, rows/s and peak memory of each, and the ratios of ingest to both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.contract import TABLES  # noqa: E402


def _raw_load(export: Path, db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    rows = 0
    for t in TABLES:
        con.read_csv(str(export / f"{t.name}.csv")).create(t.name)
        rows += int(con.table(t.name).aggregate("count(*)").fetchall()[0][0])
    con.execute("CHECKPOINT")
    con.close()
    return rows


def _keyed_load(export: Path, db: Path) -> int:
    """DuckDB's read_csv into tables created first with the contract's types and primary keys."""
    import duckdb
    from sqlglot import exp

    from ingest.load import AuxTable, create_statement
    from ingest.sqlbuild import WAREHOUSE, run

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    run(con, exp.Attach(this=exp.alias_(exp.Literal.string(str(db)), WAREHOUSE)))
    rows = 0
    for t in TABLES:
        pk = tuple("patient_id" if k == "patient_key" else k for k in t.primary_key)
        run(con, create_statement(AuxTable(t.name, t.source_columns, pk)))
        rel = con.read_csv(str(export / f"{t.name}.csv"))
        rel.select(*[duckdb.ColumnExpression(c) for c in t.source_column_names]).insert_into(
            f"{WAREHOUSE}.{t.name}"
        )
        rows += int(con.table(f"{WAREHOUSE}.{t.name}").aggregate("count(*)").fetchall()[0][0])
    con.execute("CHECKPOINT wh")
    con.close()
    return rows


def _ingest(export: Path, db: Path) -> int:
    from ingest.sync import sync_export

    report = sync_export(export, db, secret="bench-secret", as_of=dt.date(2026, 10, 1))
    return report.totals.rows_read


_ROLLUP_SECONDS: list[float] = []


def _ingest_with_rollups(export: Path, db: Path) -> int:
    from assistant.warehouse import sync_warehouse

    report = sync_warehouse(
        export,
        db,
        secret="bench-secret",
        as_of=dt.date(2026, 10, 1),
        on_rollup=lambda _r, _rows, seconds: _ROLLUP_SECONDS.append(seconds),
    )
    return report.totals.rows_read


def _child(kind: str, export: Path, db: Path) -> None:
    """Run one measurement in this process and write its figures as JSON to stdout."""
    began = time.perf_counter()
    loads = {"raw": _raw_load, "keyed": _keyed_load, "ingest": _ingest, "product": _ingest_with_rollups}
    rows = loads[kind](export, db)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"rows": rows, "seconds": seconds, "peak_mb": peak_mb, "rollup_seconds": sum(_ROLLUP_SECONDS)}
    sys.stdout.write(json.dumps(figures) + "\n")


def _warm(export: Path) -> None:
    """Read every CSV file once, so that no measurement pays for a cold page cache alone."""
    for f in sorted(export.glob("*.csv")):
        with f.open("rb") as fh:
            while fh.read(1 << 24):
                pass


def _measure(kind: str, export: Path, workdir: Path) -> dict[str, float]:
    db = workdir / f"{kind}.duckdb"
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--export", str(export), "--db", str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["file_mb"] = db.stat().st_size / 2**20
    return result


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the export, measure both loads, print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--locations", type=int, default=50)
    p.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2023, 1, 1))
    p.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 9, 30))
    p.add_argument(
        "--export", type=Path, default=None, help="existing export folder to reuse, or where to write it"
    )
    p.add_argument("--child", choices=("raw", "keyed", "ingest", "product"), help=argparse.SUPPRESS)
    p.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child, args.export, args.db)
        return 0
    with tempfile.TemporaryDirectory(prefix="acuity-bench-") as tmp:
        work = Path(tmp)
        export = args.export or work / "export"
        if not (export / "patients.csv").exists():
            from ingest.demo import generate_demo

            began = time.perf_counter()
            generate_demo(export, seed=7, start=args.start, end=args.end, locations=args.locations)
            print(f"generated the --locations {args.locations} export in {time.perf_counter() - began:.1f} s")
        size_mb = sum(f.stat().st_size for f in export.glob("*.csv")) / 2**20
        _warm(export)
        raw = _measure("raw", export, work)
        keyed = _measure("keyed", export, work)
        ours = _measure("ingest", export, work)
        product = _measure("product", export, work)
    print(f"export: {export}  ({size_mb:,.0f} MB of CSV, {raw['rows']:,} rows)")
    runs = (
        ("duckdb read_csv", raw),
        ("read_csv + keys", keyed),
        ("acuity ingest", ours),
        ("+ rollups", product),
    )
    for name, r in runs:
        print(
            f"{name:<16} {r['seconds']:8.1f} s  {r['rows'] / r['seconds']:>12,.0f} rows/s  "
            f"peak {r['peak_mb']:>8,.0f} MB  file {r['file_mb']:>7,.0f} MB"
        )
    print(f"ratio ingest / raw load: {ours['seconds'] / raw['seconds']:.2f}x (target <= 2x)")
    print(f"ratio ingest / read_csv into keyed tables: {ours['seconds'] / keyed['seconds']:.2f}x")
    print(
        f"ratio ingest + rollups / raw load: {product['seconds'] / raw['seconds']:.2f}x "
        f"(rollups {product['rollup_seconds']:.1f} s of {product['seconds']:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
