"""A small hand-made source export (all 14 tables, a few rows each) for ingestion tests.

``base_rows()`` returns fresh row dicts per table (source columns of ``ingest.contract``);
tests change them and ``write_export`` writes the CSV files. ``IDENTIFIERS`` lists every
identifier value of patients.csv that must never reach the warehouse.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.contract import TABLES_BY_NAME

PATIENTS = [
    # patient_id, first, last, dob, phone, email, street, city, zip
    (
        "CP-004512",
        "Marisol",
        "Alvarez",
        "1961-03-14",
        "(503) 555-0148",
        "marisol.alvarez@example.com",
        "1842 Larkspur Lane",
        "Portland",
        "97214",
    ),
    (
        "CP-004513",
        "Theodore",
        "Whitcombe",
        "1930-06-02",
        "503-555-0199",
        "ted.whitcombe@example.net",
        "77 Quarry Hill Road",
        "Acworth",
        "03601",
    ),  # 90+ and restricted ZIP3 036
    (
        "CP-004514",
        "Priyanka",
        "Raghunathan",
        "2012-11-30",
        "+1 971 555 0123",
        "priya.r@example.org",
        "9 Birchwood Court",
        "Beaverton",
        "97005",
    ),
    (
        "CP-004515",
        "Gunnar",
        "Lindqvist",
        "1936-10-01",
        "5035550177",
        "gunnar.lindqvist@example.com",
        "3310 SE Hawthorne Blvd",
        "Gresham",
        "97030",
    ),  # turns 90 on 2026-10-01
]
AS_OF = "2026-10-01"


def _patient(p: tuple[str, ...], location: str) -> dict[str, str]:
    pid, first, last, dob, phone, email, street, city, zip_ = p
    return {
        "patient_id": pid,
        "first_name": first,
        "last_name": last,
        "date_of_birth": dob,
        "phone": phone,
        "email": email,
        "street_address": street,
        "city": city,
        "zip": zip_,
        "gender": "F",
        "home_location_id": location,
        "first_visit_on": "2023-02-01",
        "referral_source": "google",
        "insurance_type": "vision_plan",
        "insurance_carrier": "VSP",
        "preferred_channel": "email",
        "marketing_opt_in": "true",
    }


def base_rows() -> dict[str, list[dict[str, str]]]:
    """Fresh rows of every table (values as CSV text)."""
    p = [x[0] for x in PATIENTS]
    rows: dict[str, list[dict[str, str]]] = {
        "locations": [
            {
                "location_id": "LOC1",
                "location_name": "Downtown",
                "city": "Portland",
                "state": "OR",
                "opened_on": "2010-05-01",
                "exam_rooms": "4",
            },
            {
                "location_id": "LOC2",
                "location_name": "Northside",
                "city": "Portland",
                "state": "OR",
                "opened_on": "2015-09-15",
                "exam_rooms": "3",
            },
        ],
        "staff": [
            {
                "staff_id": "S1",
                "staff_name": "Dr. Maya Patel",
                "role": "optometrist",
                "home_location_id": "LOC1",
                "hired_on": "2012-01-09",
                "is_active": "true",
            },
            {
                "staff_id": "S2",
                "staff_name": "Jo Brand",
                "role": "optician",
                "home_location_id": "LOC2",
                "hired_on": "2019-03-01",
                "is_active": "false",
            },
        ],
        "patients": [_patient(x, "LOC1" if i % 2 == 0 else "LOC2") for i, x in enumerate(PATIENTS)],
        "campaigns": [
            {
                "campaign_id": "C1",
                "campaign_name": "Back to school",
                "channel": "email",
                "service_line": "annual_exam_recall",
                "start_on": "2026-08-01",
                "end_on": "2026-08-31",
                "budget": "1500.00",
            },
        ],
        "appointments": [
            {
                "appointment_id": f"A{i}",
                "patient_id": p[i % len(p)],
                "location_id": "LOC1",
                "provider_id": "S1",
                "appointment_type": "comprehensive_exam",
                "booking_channel": "phone",
                "booked_at": "2026-08-01 09:00:00",
                "scheduled_at": f"2026-08-1{i} 10:00:00",
                "scheduled_minutes": "30",
                "status": "completed",
                "cancelled_at": "",
                "is_new_patient": "false",
                "campaign_id": "C1" if i == 0 else "",
            }
            for i in range(4)
        ],
        "patient_flow": [
            {
                "appointment_id": "A0",
                "checked_in_at": "2026-08-10 09:55:00",
                "pretest_started_at": "2026-08-10 10:02:00",
                "exam_started_at": "2026-08-10 10:10:00",
                "exam_ended_at": "2026-08-10 10:35:00",
                "optical_started_at": "",
                "checked_out_at": "2026-08-10 10:40:00",
            },
        ],
        "charges": [
            {
                "charge_id": f"CH{i}",
                "appointment_id": f"A{i}",
                "patient_id": p[i % len(p)],
                "location_id": "LOC1",
                "provider_id": "S1",
                "service_date": f"2026-08-1{i}",
                "category": "exam",
                "sku": "",
                "quantity": "1",
                "charge_amount": "125.00",
                "insurance_paid": "100.00",
                "patient_paid": "25.00",
                "adjustment_amount": "0.00",
                "payer_type": "vision_plan",
            }
            for i in range(4)
        ],
        "inventory_items": [
            {
                "sku": "FR-1",
                "product_category": "frames",
                "brand": "Ray-Ban",
                "model_name": "RB5154",
                "supplier": "Luxottica",
                "unit_cost": "60.00",
                "retail_price": "180.00",
                "lead_time_days": "10",
                "reorder_point": "5",
            },
        ],
        "inventory_movements": [
            {
                "movement_id": "M1",
                "sku": "FR-1",
                "location_id": "LOC1",
                "moved_on": "2026-08-02",
                "movement_type": "receipt",
                "quantity": "12",
            },
            {
                "movement_id": "M2",
                "sku": "FR-1",
                "location_id": "LOC1",
                "moved_on": "2026-08-12",
                "movement_type": "sale",
                "quantity": "-1",
            },
        ],
        "timeclock": [
            {
                "shift_id": "T1",
                "staff_id": "S1",
                "location_id": "LOC1",
                "work_date": "2026-08-10",
                "scheduled_hours": "8.00",
                "clock_in": "2026-08-10 08:00:00",
                "clock_out": "2026-08-10 16:30:00",
                "break_minutes": "30",
            },
        ],
        "campaign_spend": [
            {
                "campaign_id": "C1",
                "spend_on": "2026-08-01",
                "spend_amount": "50.00",
                "impressions": "1000",
                "clicks": "40",
            },
            {
                "campaign_id": "C1",
                "spend_on": "2026-08-02",
                "spend_amount": "55.50",
                "impressions": "1100",
                "clicks": "41",
            },
        ],
        "campaign_messages": [
            {
                "message_id": "MSG1",
                "campaign_id": "C1",
                "patient_id": p[0],
                "channel": "email",
                "sent_at": "2026-08-01 07:00:00",
                "opened": "true",
                "clicked": "false",
                "opted_out": "false",
            },
        ],
        "recalls": [
            {
                "recall_id": "R1",
                "patient_id": p[1],
                "location_id": "LOC1",
                "recall_type": "annual_exam",
                "due_on": "2026-09-01",
                "first_contacted_on": "2026-08-01",
                "appointment_id": "A1",
            },
        ],
        "surveys": [
            {
                "survey_id": "SV1",
                "appointment_id": "A0",
                "location_id": "LOC1",
                "submitted_at": "2026-08-10 12:00:00",
                "nps_score": "9",
                "comment": "Great visit. Call Marisol Alvarez back at (503) 555-0148 about her frames.",
            },
            {
                "survey_id": "SV2",
                "appointment_id": "A1",
                "location_id": "LOC1",
                "submitted_at": "2026-08-11 12:00:00",
                "nps_score": "6",
                "comment": "Mr. Whitcombe (MRN CP-004513) waited too long.\nSecond line: ted.whitcombe@example.net",
            },
            {
                "survey_id": "SV3",
                "appointment_id": "A2",
                "location_id": "LOC1",
                "submitted_at": "2026-08-12 12:00:00",
                "nps_score": "10",
                "comment": "",
            },
        ],
    }
    return rows


def write_export(folder: Path, rows: dict[str, list[dict[str, str]]]) -> Path:
    """Write each table's rows as ``<table>.csv`` (columns in contract order) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table_rows in rows.items():
        columns = list(TABLES_BY_NAME[name].source_column_names)
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(table_rows)
    return folder


def make_export(folder: Path) -> Path:
    """The base export written to ``folder``."""
    return write_export(folder, base_rows())


def identifiers() -> list[str]:
    """Every identifier of patients.csv: MRN, names, DOB, phone, email, street, city+zip."""
    out = []
    for pid, first, last, dob, phone, email, street, city, zip_ in PATIENTS:
        out += [pid, first, last, dob, phone, email, street, f"{city} {zip_}", zip_]
    return out


class FakeScrubber:
    """Replaces the export's names, the MRNs, phones and emails of PATIENTS (for tests only)."""

    def __init__(self, known_names: list[str] | tuple[str, ...] = ()) -> None:
        self.known_names = list(known_names)

    def scrub_many(self, texts: list[str]) -> list[str]:
        out = []
        for text in texts:
            for pid, _first, _last, _dob, phone, email, *_ in PATIENTS:
                text = text.replace(pid, "[MRN]").replace(phone, "[PHONE]").replace(email, "[EMAIL]")
            for name in self.known_names:
                text = text.replace(name, "[NAME]")
            out.append(text)
        return out


def check_one_changed_one_added(first, second, db) -> None:
    """After one appointment changed and A9 was added: one row updated, one inserted, statuses as expected."""
    import duckdb

    assert (second.table("appointments").inserted, second.table("appointments").updated) == (1, 1)
    assert second.totals.inserted == 1 and second.totals.updated == 1
    assert second.fingerprint != first.fingerprint
    wh = duckdb.connect(str(db), read_only=True)
    status = dict(wh.execute("SELECT appointment_id, status FROM appointments").fetchall())
    wh.close()
    assert status == {
        "A0": "completed",
        "A1": "no_show",
        "A2": "completed",
        "A3": "completed",
        "A9": "completed",
    }
