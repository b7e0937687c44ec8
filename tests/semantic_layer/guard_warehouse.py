"""A small, deterministic warehouse for the guard, executor and role tests.

Tables and columns come from ``ingest.contract`` (warehouse side); a few hundred rows
over three locations, plus the bookkeeping tables (``sync_runs``, ``quarantine``,
``audit_log``) that must never be exposed.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import random
import shutil
import tempfile
from pathlib import Path

import duckdb
from sqlglot import exp

from ingest.contract import TABLES

LOCATIONS = ("LOC1", "LOC2", "LOC3")
CATALOG: dict[str, frozenset[str]] = {t.name: frozenset(t.column_names) for t in TABLES}


def _create(name: str, columns: list[tuple[str, str]]) -> str:
    defs = [
        exp.ColumnDef(this=exp.to_identifier(c), kind=exp.DataType.build(t, dialect="duckdb"))
        for c, t in columns
    ]
    return exp.Create(this=exp.Schema(this=exp.to_table(name), expressions=defs), kind="TABLE").sql("duckdb")


def _insert(name: str, rows: list[tuple]) -> str:
    return exp.insert(exp.values(rows), name).sql("duckdb")


def _rows(rng: random.Random) -> dict[str, list[tuple]]:
    day0 = dt.datetime(2026, 1, 5, 8, 0)
    rows: dict[str, list[tuple]] = {}
    rows["locations"] = [
        (loc, name, "Springfield", "IL", dt.date(2015, 1, 1), 4)
        for loc, name in zip(LOCATIONS, ("Downtown", "Northside", "Lakeview"), strict=True)
    ]
    staff = [
        ("S1", "Dr. Maya Patel", "optometrist", "LOC1"),
        ("S2", "Dr. Samuel Lee", "optometrist", "LOC2"),
        ("S3", "Dr. Aisha Okafor", "optometrist", "LOC3"),
        ("S4", "Pat Front", "front_desk", "LOC1"),
        ("S5", "Sam Tech", "technician", "LOC2"),
    ]
    rows["staff"] = [(*s, dt.date(2020, 1, 1), True) for s in staff]
    patients = [f"pk{i:04d}" for i in range(120)]
    rows["patients"] = [
        (
            pk,
            rng.randint(1940, 2015),
            False,
            rng.choice("FMXU"),
            rng.choice(("606", "607", "000")),
            rng.choice(LOCATIONS),
            dt.date(2024, 1, 1),
            rng.choice(("google", "walk_in", "campaign")),
            rng.choice(("vision_plan", "self_pay")),
            rng.choice(("VSP", "EyeMed", "None")),
            rng.choice(("email", "sms")),
            rng.random() < 0.5,
        )
        for pk in patients
    ]
    rows["campaigns"] = [
        (
            "C1",
            "Spring recall",
            "email",
            "annual_exam_recall",
            dt.date(2026, 1, 1),
            dt.date(2026, 3, 31),
            1000,
        ),
        ("C2", "Search ads", "google_ads", "new_patient", dt.date(2026, 1, 1), dt.date(2026, 6, 30), 5000),
    ]
    appts, flow, charges = [], [], []
    for i in range(400):
        loc = LOCATIONS[i % 3]
        at = day0 + dt.timedelta(days=i // 4, hours=i % 8)
        status = rng.choice(("completed", "completed", "completed", "no_show", "cancelled"))
        aid = f"A{i:04d}"
        pk = rng.choice(patients)
        appts.append(
            (aid, pk, loc, f"S{i % 3 + 1}", "comprehensive_exam", "phone", at - dt.timedelta(days=7), at, 30,
             status, at - dt.timedelta(days=1) if status == "cancelled" else None, i % 10 == 0,
             "C2" if i % 20 == 0 else None)
        )  # fmt: skip
        if status == "completed":
            flow.append((aid, at, at + dt.timedelta(minutes=5), at + dt.timedelta(minutes=12),
                         at + dt.timedelta(minutes=40), None, at + dt.timedelta(minutes=50)))  # fmt: skip
            charges.append((f"CH{i:04d}", aid, pk, loc, f"S{i % 3 + 1}", at.date(), "exam", None, 1,
                            150, 100, 50, 0, "vision_plan"))  # fmt: skip
    rows["appointments"], rows["patient_flow"], rows["charges"] = appts, flow, charges
    rows["inventory_items"] = [
        (f"SKU{i}", "frames", f"Brand{i % 3}", f"M{i}", "Acme", 40, 120, 14, 5) for i in range(10)
    ]
    rows["inventory_movements"] = [
        (f"MV{i}", f"SKU{i % 10}", LOCATIONS[i % 3], dt.date(2026, 2, 1 + i % 28), "sale", -1)
        for i in range(90)
    ]
    rows["timeclock"] = [
        (f"SH{i}", f"S{i % 5 + 1}", LOCATIONS[i % 3], dt.date(2026, 2, 1 + i % 28), 8,
         dt.datetime(2026, 2, 1 + i % 28, 8), dt.datetime(2026, 2, 1 + i % 28, 17), 30)
        for i in range(60)
    ]  # fmt: skip
    rows["campaign_spend"] = [
        (c, dt.date(2026, 1, 1 + d), 50, 1000, 30) for c in ("C1", "C2") for d in range(20)
    ]
    rows["campaign_messages"] = [
        (f"MSG{i}", "C1", patients[i], "email", dt.datetime(2026, 1, 2, 9), i % 2 == 0, i % 5 == 0, False)
        for i in range(60)
    ]
    rows["recalls"] = [
        (f"R{i}", patients[i], LOCATIONS[i % 3], "annual_exam", dt.date(2026, 3, 1 + i % 28), None,
         f"A{i:04d}" if i % 2 else None)
        for i in range(60)
    ]  # fmt: skip
    rows["surveys"] = [
        (f"SV{i}", f"A{i:04d}", LOCATIONS[i % 3], day0 + dt.timedelta(days=i), i % 11, "ok")
        for i in range(50)
    ]
    return rows


def build_small_warehouse(path: Path, *, run_id: int | None = 1, seed: int = 3) -> Path:
    """Create the small warehouse at ``path`` (deterministic for a seed); returns ``path``."""
    shutil.copyfile(_template(run_id, seed), path)
    return path


@functools.cache
def _template(run_id: int | None, seed: int) -> Path:
    """Built once per test session, then copied."""
    folder = tempfile.mkdtemp(prefix="acuity-guard-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "warehouse.duckdb"
    rng = random.Random(seed)
    data = _rows(rng)
    con = duckdb.connect(str(path))
    try:
        for table in TABLES:
            con.execute(_create(table.name, [(c.name, c.type.value) for c in table.columns]))
            if data.get(table.name):
                con.execute(_insert(table.name, data[table.name]))
        con.execute(_create("quarantine", [("table_name", "VARCHAR"), ("reason", "VARCHAR")]))
        con.execute(_create("audit_log", [("question", "VARCHAR")]))
        if run_id is not None:
            con.execute(_create("sync_runs", [("run_id", "INTEGER"), ("started_at", "TIMESTAMP")]))
            con.execute(_insert("sync_runs", [(i, dt.datetime(2026, 1, 1)) for i in range(1, run_id + 1)]))
    finally:
        con.close()
    return path
