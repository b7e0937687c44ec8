"""Build the whole demo practice and write it as a source export folder."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.contract import TABLES
from ingest.demo.billing import make_charges
from ingest.demo.calendar import make_calendar
from ingest.demo.campaigns import make_campaigns
from ingest.demo.config import DemoConfig
from ingest.demo.doc_facts import NEEDED
from ingest.demo.documents import write_documents
from ingest.demo.flow import make_flow
from ingest.demo.followup import make_recalls, make_surveys
from ingest.demo.inventory import make_movements
from ingest.demo.marketing import make_messages, make_spend
from ingest.demo.patients import make_patients
from ingest.demo.people import make_locations, make_staff
from ingest.demo.products import make_products
from ingest.demo.schedule import make_appointments
from ingest.demo.staffing import make_timeclock
from ingest.demo.writer import Table, prepare_out_dir, publish, write_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSummary:
    """What ``generate_demo`` wrote."""

    out_dir: Path
    seed: int
    start: dt.date
    end: dt.date
    locations: int
    rows: dict[str, int]
    documents: int
    seconds: float


def build_tables(cfg: DemoConfig) -> dict[str, Table]:
    """Every source table of the demo practice, in the contract's order."""
    locs = make_locations(cfg)
    staff = make_staff(cfg, locs)
    cal = make_calendar(cfg, locs, staff)
    camps = make_campaigns(cfg)
    appts, plan = make_appointments(cfg, cal, locs, staff, camps)
    patients = make_patients(cfg, locs, plan)
    patient_ids = patients.ids
    flow = make_flow(cfg, appts, staff)
    products = make_products(cfg)
    charges = make_charges(cfg, cal, locs, appts, flow, staff, patients, products)
    movements, kept = make_movements(cfg, cal, products, charges, locs.n)
    charges = charges.take(kept.nonzero()[0])
    messages = make_messages(cfg, camps, patients)
    tables = {
        "locations": locs.table(),
        "staff": staff.table(cfg.end),
        "patients": patients.table(),
        "campaigns": camps.table(),
        "appointments": appts.table(patient_ids),
        "patient_flow": flow.table(),
        "charges": charges.table(patient_ids, products, cfg.rng("payments")),
        "inventory_items": products.table(),
        "inventory_movements": movements.table(products),
        "timeclock": make_timeclock(cfg, cal, staff),
        "campaign_spend": make_spend(cfg, camps, messages),
        "campaign_messages": messages.table(patient_ids),
        "recalls": make_recalls(cfg, appts, patients),
        "surveys": make_surveys(cfg, appts, flow, staff, locs, patients),
    }
    return {t.name: tables[t.name] for t in TABLES}


def generate_demo(
    out_dir: Path,
    *,
    seed: int = 7,
    start: dt.date = dt.date(2023, 1, 1),
    end: dt.date | None = None,
    locations: int = 3,
) -> DemoSummary:
    """Write the demo practice (CSV per table + documents/) into the new folder ``out_dir``."""
    began = time.perf_counter()
    end = end or dt.date.today() - dt.timedelta(days=1)
    cfg = DemoConfig(seed=seed, start=start, end=end, locations=locations)
    out_dir = Path(out_dir)
    tmp = prepare_out_dir(out_dir)
    try:
        con = duckdb.connect()
        try:
            rows = write_tables(build_tables(cfg), tmp, con, keep=NEEDED)
            documents = write_documents(cfg, con, tmp / "documents")
        finally:
            con.close()
        publish(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - began
    log.info("demo practice: %d rows, %d documents in %.1f s", sum(rows.values()), documents, seconds)
    return DemoSummary(out_dir, seed, start, end, locations, rows, documents, seconds)
