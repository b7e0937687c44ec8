"""Adapter for the "Medical Appointment No Shows" export (Kaggle, Vitória 2016).

One row per appointment: PatientId, AppointmentID, Gender, ScheduledDay, AppointmentDay,
Age, Neighbourhood, Scholarship, Hipertension, Diabetes, Alcoholism, Handcap,
SMS_received, No-show. :func:`adapt_noshow` turns it into a source export (the data
contract): ``locations`` (one per neighbourhood), ``patients`` and ``appointments``;
every other table is written header-only. Rows it cannot map go, with their line and
reasons, to ``adapter_rejects.csv`` beside the tables; nothing is dropped silently.
The whole file is mapped by set queries in DuckDB (no Python loop over rows).
``docs/foreign-data.md`` explains each choice.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlglot import exp

from ingest.adapters.export import AdapterError, write_export, write_relation
from ingest.contract import APPOINTMENTS, LOCATIONS, PATIENTS, Table
from ingest.sqlbuild import col, render, table

log = logging.getLogger(__name__)

COLUMNS = (
    "PatientId",
    "AppointmentID",
    "Gender",
    "ScheduledDay",
    "AppointmentDay",
    "Age",
    "Neighbourhood",
    "Scholarship",
    "Hipertension",
    "Diabetes",
    "Alcoholism",
    "Handcap",
    "SMS_received",
    "No-show",
)
REJECTS_FILE = "adapter_rejects.csv"
APPOINTMENT_TYPE = "medical_visit"  # the source has no type; the contract requires one
_LOWER_WORDS = frozenset({"da", "das", "de", "do", "dos", "e"})

# Constant SQL with bound parameters only: nothing is pasted into these statements.
_NUMBERED = """
CREATE TABLE numbered AS
WITH good_lines AS (
    SELECT r.range AS line, ROW_NUMBER() OVER (ORDER BY r.range) - 1 AS idx
    FROM range(2, ?) AS r
    WHERE r.range NOT IN (SELECT line FROM csv_rejects)
)
SELECT g.line, s.*
FROM (SELECT rowid AS idx, * FROM raw) AS s JOIN good_lines AS g USING (idx)
"""

_PARSED = """
CREATE TABLE parsed AS
SELECT
    line,
    "AppointmentID" AS appointment_raw,
    TRY_CAST(TRIM("PatientId") AS DECIMAL(38, 10)) AS pid,
    TRY_CAST(TRIM("AppointmentID") AS DECIMAL(38, 10)) AS aid,
    COALESCE(UPPER(TRIM("Gender")), '') AS gender,
    TRY_CAST(TRIM("ScheduledDay") AS TIMESTAMP) AS booked_at,
    TRY_CAST(TRIM("AppointmentDay") AS TIMESTAMP) AS scheduled_at,
    TRY_CAST(TRIM("Age") AS DOUBLE) AS age_num,
    COALESCE(TRIM("No-show"), '') AS no_show,
    NULLIF(REGEXP_REPLACE(UPPER(TRIM("Neighbourhood")), '\\s+', ' ', 'g'), '') AS neighbourhood
FROM numbered
"""

_CHECKED = """
CREATE TABLE checked AS
WITH rows AS (
    SELECT *,
        CASE WHEN pid = TRUNC(pid) THEN CAST(CAST(pid AS HUGEINT) AS VARCHAR)
             ELSE RTRIM(CAST(pid AS VARCHAR), '0') END AS patient_id,
        CASE WHEN aid = TRUNC(aid) THEN CAST(CAST(aid AS HUGEINT) AS VARCHAR)
             ELSE RTRIM(CAST(aid AS VARCHAR), '0') END AS appointment_id,
        CONCAT_WS('; ',
            CASE WHEN pid IS NULL THEN 'missing or unparseable PatientId' END,
            CASE WHEN aid IS NULL THEN 'missing or unparseable AppointmentID' END,
            CASE WHEN gender NOT IN ('F', 'M', '') THEN 'unknown Gender value' END,
            CASE WHEN booked_at IS NULL THEN 'missing or unparseable ScheduledDay' END,
            CASE WHEN scheduled_at IS NULL THEN 'missing or unparseable AppointmentDay' END,
            CASE WHEN age_num IS NULL OR age_num <> FLOOR(age_num) THEN 'missing or unparseable Age' END,
            CASE WHEN age_num < 0 THEN 'negative Age' END,
            CASE WHEN CAST(scheduled_at AS DATE) < CAST(booked_at AS DATE)
                THEN 'AppointmentDay before the day it was booked (ScheduledDay)' END,
            CASE WHEN no_show NOT IN ('Yes', 'No') THEN 'unknown No-show value (expected Yes or No)' END,
            CASE WHEN neighbourhood IS NULL THEN 'missing Neighbourhood' END
        ) AS row_reason
    FROM parsed
),
dups AS (
    SELECT appointment_id FROM rows WHERE appointment_id IS NOT NULL
    GROUP BY appointment_id HAVING COUNT(*) > 1
)
SELECT r.*,
    CONCAT_WS('; ', NULLIF(r.row_reason, ''),
        CASE WHEN d.appointment_id IS NOT NULL THEN 'duplicate AppointmentID' END) AS reason
FROM rows AS r LEFT JOIN dups AS d USING (appointment_id)
"""

_APPTS = """
CREATE TABLE appts AS
SELECT
    c.line, c.appointment_id, c.patient_id, m.location_id, c.booked_at, c.scheduled_at,
    CASE WHEN c.gender = '' THEN 'U' ELSE c.gender END AS gender,
    CAST(c.age_num AS INTEGER) AS age,
    CASE WHEN c.no_show = 'Yes' THEN 'no_show' ELSE 'completed' END AS status,
    ROW_NUMBER() OVER (
        PARTITION BY c.patient_id ORDER BY c.scheduled_at, c.booked_at, c.appointment_id
    ) = 1 AS is_first
FROM checked AS c JOIN locmap AS m USING (neighbourhood)
WHERE c.reason = ''
"""

# Birth date window of each row: age a on day d means d - (a+1) years < birth <= d - a years.
# Intersect a patient's windows; take the year of the midpoint (the first row's if they clash).
_PATS = """
CREATE TABLE pats AS
WITH w AS (
    SELECT patient_id, is_first, gender, location_id, scheduled_at, status,
        CAST(CAST(scheduled_at AS DATE) - TO_YEARS(age + 1) + INTERVAL 1 DAY AS DATE) AS lo,
        CAST(CAST(scheduled_at AS DATE) - TO_YEARS(age) AS DATE) AS hi
    FROM appts
),
b AS (
    SELECT patient_id, MAX(lo) AS lo, MIN(hi) AS hi,
        MIN(CAST(scheduled_at AS DATE)) FILTER (WHERE status = 'completed') AS first_visit_on
    FROM w GROUP BY patient_id
)
SELECT f.patient_id, f.gender, f.location_id AS home_location_id, b.first_visit_on,
    MAKE_DATE(YEAR(CASE WHEN b.lo <= b.hi THEN b.lo + CAST((b.hi - b.lo) // 2 AS INTEGER)
                        ELSE f.lo + CAST((f.hi - f.lo) // 2 AS INTEGER) END), 1, 1) AS date_of_birth,
    b.lo > b.hi AS ages_clash
FROM w AS f JOIN b USING (patient_id)
WHERE f.is_first
"""

_REJECTS = """
SELECT line, appointment_id, reason FROM (
    SELECT line, appointment_raw AS appointment_id, reason FROM checked WHERE reason <> ''
    UNION ALL
    SELECT line, NULL AS appointment_id,
        CONCAT('malformed CSV row: ', LOWER(REPLACE(STRING_AGG(DISTINCT error_type, ', '), '_', ' ')))
    FROM csv_rejects GROUP BY line
) ORDER BY line
"""

_REASON_COUNTS = """
SELECT reason, COUNT(*) FROM (SELECT UNNEST(STRING_SPLIT(reason, '; ')) AS reason FROM rejects)
GROUP BY reason ORDER BY COUNT(*) DESC, reason
"""

_NOTES = """
SELECT
    COUNT(*) FILTER (WHERE pid <> TRUNC(pid)) AS fractional_ids,
    COUNT(*) FILTER (WHERE age_num > 100) AS over_100,
    COUNT(*) FILTER (WHERE CAST(scheduled_at AS DATE) = CAST(booked_at AS DATE)) AS same_day
FROM checked WHERE reason = ''
"""


@dataclass(frozen=True)
class AdaptReport:
    """What one adapter run wrote: rows read, mapped and rejected (with reasons), per table."""

    source: Path
    out_dir: Path
    rows_read: int
    rows_mapped: int
    rows_rejected: int
    reasons: dict[str, int] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def rejects_path(self) -> Path:
        """The ``adapter_rejects.csv`` file beside the export's tables."""
        return self.out_dir / REJECTS_FILE


def location_name(neighbourhood: str) -> str:
    """A neighbourhood title-cased, Portuguese particles in lower case.

    >>> location_name("ILHA DE SANTA MARIA")
    'Ilha de Santa Maria'
    """
    words = neighbourhood.strip().lower().split()
    return " ".join(w if i and w in _LOWER_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))


def location_id(neighbourhood: str) -> str:
    """A stable id from the neighbourhood's name: ``LOC-`` and 8 hex digits of its MD5."""
    return "LOC-" + hashlib.md5(neighbourhood.strip().upper().encode("utf-8")).hexdigest()[:8].upper()


def adapt_noshow(source: Path | str, out_dir: Path | str) -> AdaptReport:
    """Map the no-show CSV ``source`` into a source export in ``out_dir`` (plus its rejects)."""
    src, out = Path(source), Path(out_dir)
    _check_header(src)
    con = duckdb.connect()
    try:
        read = _read(con, src)
        con.execute(_NUMBERED, [read + 2])
        con.execute(_PARSED)
        con.execute(_CHECKED)
        _location_map(con, src)
        con.execute(_APPTS)
        con.execute(_PATS)
        clash = con.execute("SELECT COUNT(*) FROM pats WHERE ages_clash").fetchall()[0][0]
        tables = write_export(
            out,
            {
                "locations": _project(
                    con, LOCATIONS, "locmap", ("location_id", "location_name"), "location_id"
                ),
                "patients": _project(
                    con,
                    PATIENTS,
                    "pats",
                    ("patient_id", "date_of_birth", "gender", "home_location_id", "first_visit_on"),
                    "patient_id",
                ),
                "appointments": _project(
                    con,
                    APPOINTMENTS,
                    "appts",
                    ("appointment_id", "patient_id", "location_id", "booked_at", "scheduled_at", "status"),
                    "appointment_id",
                    extra={
                        "appointment_type": exp.Literal.string(APPOINTMENT_TYPE),
                        "is_new_patient": col("is_first"),
                    },
                ),
            },
        )
        con.sql(_REJECTS).create("rejects")
        write_relation(con.table("rejects"), out / REJECTS_FILE)
        rejected = int(con.execute("SELECT COUNT(*) FROM rejects").fetchall()[0][0])
        reasons = {str(r): int(n) for r, n in con.execute(_REASON_COUNTS).fetchall()}
        fractional, over_100, same_day = con.execute(_NOTES).fetchall()[0]
    finally:
        con.close()
    notes = {
        "PatientId not a whole number (kept exactly, without exponent)": int(fractional),
        "Age over 100 (kept)": int(over_100),
        "booked on the appointment day (AppointmentDay has no time: scheduled_at is midnight)": int(same_day),
        "patients whose ages disagree across appointments (birth year from the first)": int(clash),
    }
    report = AdaptReport(src, out, read, tables["appointments"], rejected, reasons, tables, notes)
    if report.rows_mapped + report.rows_rejected != report.rows_read:
        raise AdapterError(src, f"{read} rows read but {report.rows_mapped} mapped + {rejected} rejected")
    log.info("adapted %s: %d rows, %d mapped, %d rejected", src.name, read, report.rows_mapped, rejected)
    return report


def _check_header(src: Path) -> None:
    if not src.is_file():
        raise AdapterError(src, "file not found")
    with src.open("r", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader([fh.readline()]), [])
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise AdapterError(src, f"not a no-show export: missing column {missing[0]!r} in the header")


def _read(con: duckdb.DuckDBPyConnection, src: Path) -> int:
    """Stage every field as text in ``raw``; malformed rows go to ``csv_rejects``. Rows read."""
    with src.open("r", encoding="utf-8-sig", newline="") as fh:
        names = [h.strip() for h in next(csv.reader([fh.readline()]))]
    try:
        con.read_csv(
            str(src),
            header=True,
            sep=",",
            quotechar='"',
            escapechar='"',
            columns={n: "VARCHAR" for n in names},
            auto_detect=False,
            strict_mode=True,
            store_rejects=True,
            rejects_table="csv_rejects",
            rejects_scan="csv_rejects_scan",
        ).create("raw")
    except duckdb.Error as exc:
        raise AdapterError(src, f"cannot read the CSV file: {exc}") from exc
    good = con.execute("SELECT COUNT(*) FROM raw").fetchall()[0][0]
    bad = con.execute("SELECT COUNT(DISTINCT line) FROM csv_rejects").fetchall()[0][0]
    return int(good) + int(bad)


def _location_map(con: duckdb.DuckDBPyConnection, src: Path) -> None:
    """``locmap``: one row per neighbourhood of a mappable row (81 in the 2016 file)."""
    names = [r[0] for r in con.execute(_DISTINCT_NEIGHBOURHOODS).fetchall()]
    rows = [(n, location_id(n), location_name(n)) for n in names]
    if len({r[1] for r in rows}) != len(rows):
        raise AdapterError(src, "two neighbourhoods hash to the same location_id")
    con.execute("CREATE TABLE locmap (neighbourhood VARCHAR, location_id VARCHAR, location_name VARCHAR)")
    if rows:
        con.executemany("INSERT INTO locmap VALUES (?, ?, ?)", rows)


_DISTINCT_NEIGHBOURHOODS = "SELECT DISTINCT neighbourhood FROM checked WHERE reason = '' ORDER BY 1"


def _project(
    con: duckdb.DuckDBPyConnection,
    t: Table,
    source: str,
    same: tuple[str, ...],
    order: str,
    extra: dict[str, exp.Expression] | None = None,
) -> duckdb.DuckDBPyRelation:
    """``t``'s source columns from ``source``: ``same`` by name, ``extra`` as given, NULL otherwise."""
    given = {c: col(c) for c in same} | (extra or {})
    select = exp.select(
        *[
            exp.alias_(given[c.name] if c.name in given else exp.cast(exp.Null(), c.type.value), c.name)
            for c in t.source_columns
        ]
    ).from_(table(source))
    return con.sql(render(select.order_by(col(order))))
