"""Build the whole demo practice and write it as a source export folder."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

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


def build_tables(cfg: DemoConfig) -> Iterator[tuple[str, Table]]:
    """Every source table of the demo practice, in the contract's order.

    Tables are built one at a time and large intermediates are released once written,
    which keeps memory bounded for many locations and years.
    """
    locs = make_locations(cfg)
    staff = make_staff(cfg, locs)
    cal = make_calendar(cfg, locs, staff)
    camps = make_campaigns(cfg)
    appts, plan = make_appointments(cfg, cal, locs, staff, camps)
    patients = make_patients(cfg, locs, plan)
    del plan
    patient_ids = patients.ids
    yield "locations", locs.table()
    yield "staff", staff.table(cfg.end)
    yield "patients", patients.table()
    yield "campaigns", camps.table()
    yield "appointments", appts.table(patient_ids)
    flow = make_flow(cfg, appts, staff)
    yield "patient_flow", flow.table()
    products = make_products(cfg)
    charges = make_charges(cfg, cal, locs, appts, flow, staff, patients, products)
    movements, kept = make_movements(cfg, cal, products, charges, locs.n)
    charges = charges.take(kept.nonzero()[0])
    del kept
    yield "charges", charges.table(patient_ids, products, cfg.rng("payments"))
    del charges
    yield "inventory_items", products.table()
    yield "inventory_movements", movements.table(products)
    del movements
    yield "timeclock", make_timeclock(cfg, cal, staff)
    messages = make_messages(cfg, camps, patients)
    yield "campaign_spend", make_spend(cfg, camps, messages)
    yield "campaign_messages", messages.table(patient_ids)
    del messages
    yield "recalls", make_recalls(cfg, appts, patients)
    yield "surveys", make_surveys(cfg, appts, flow, staff, locs, patients)


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
        con = duckdb.connect(
            config={"temp_directory": str(tmp.with_name(tmp.name + "-spill")), "memory_limit": "1GB"}
        )
        try:
            rows = write_tables(build_tables(cfg), tmp, con, keep=NEEDED)
            documents = write_documents(cfg, con, tmp / "documents")
        finally:
            con.close()
        publish(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tmp.with_name(tmp.name + "-spill"), ignore_errors=True)
    seconds = time.perf_counter() - began
    log.info("demo practice: %d rows, %d documents in %.1f s", sum(rows.values()), documents, seconds)
    return DemoSummary(out_dir, seed, start, end, locations, rows, documents, seconds)
