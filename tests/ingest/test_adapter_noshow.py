"""The no-show adapter on the real Kaggle file: export, ingestion, reconciliation, answers.

The full file (110,527 rows) is adapted and ingested once per module; a slice of it with
hand-made broken rows appended checks the reject reasons and line numbers. Expected
figures are computed straight from the raw CSV with Python's csv module, independently
of the adapter's SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest

from assistant.cli import main as acuity
from assistant.pipeline import answer_question
from ingest.adapters import AdapterError, adapt_noshow, write_export
from ingest.adapters.noshow import REJECTS_FILE, location_id, location_name
from ingest.contract import TABLES
from ingest.deidentify import patient_keys
from ingest.sync import sync_export
from tests.conftest import SHARED, TEST_SECRET

RAW = SHARED / "data" / "noshow" / "noshow_KaggleV2-May-2016.csv"
RAW_ROWS = 110_527
ANSWER_AS_OF = dt.date(2016, 7, 1)


def _raw_rows(path: Path = RAW) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of every data row, straight from the csv module."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return [(reader.line_num, row) for row in reader]


def _expected_reasons(row: dict[str, str]) -> list[str]:
    """The quirks the adapter must reject, computed in Python from the raw text."""
    reasons = []
    if int(row["Age"]) < 0:
        reasons.append("negative Age")
    if row["AppointmentDay"][:10] < row["ScheduledDay"][:10]:
        reasons.append("AppointmentDay before the day it was booked (ScheduledDay)")
    return reasons


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def raw_rows() -> list[tuple[int, dict[str, str]]]:
    return _raw_rows()


@pytest.fixture(scope="module")
def mapped_raw(raw_rows) -> list[dict[str, str]]:
    """Raw rows the adapter should keep (no quirk)."""
    return [row for _, row in raw_rows if not _expected_reasons(row)]


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The full file adapted (report, folder) and ingested (warehouse path, sync report)."""
    root = tmp_path_factory.mktemp("noshow")
    report = adapt_noshow(RAW, root / "export")
    db = root / "warehouse.duckdb"
    sync = sync_export(report.out_dir, db, secret=TEST_SECRET, as_of=ANSWER_AS_OF)
    return report, db, sync


def _wh(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- the export ----------------------------------------------------------------------


def test_rows_reconcile_mapped_plus_rejected(full, raw_rows):
    report, _, _ = full
    assert len(raw_rows) == RAW_ROWS
    assert report.rows_read == RAW_ROWS
    assert report.rows_mapped + report.rows_rejected == RAW_ROWS
    assert len(_csv(report.out_dir / "appointments.csv")) == report.rows_mapped
    assert len(_csv(report.rejects_path)) == report.rows_rejected
    assert report.tables["locations"] == 81


def test_quirky_rows_rejected_with_reasons_and_source_lines(full, raw_rows):
    report, _, _ = full
    expected = {line: (row["AppointmentID"], _expected_reasons(row)) for line, row in raw_rows}
    expected = {line: v for line, v in expected.items() if v[1]}
    rejects = _csv(report.rejects_path)
    got = {int(r["line"]): (r["appointment_id"], r["reason"].split("; ")) for r in rejects}
    assert got == expected
    assert report.reasons == {
        "AppointmentDay before the day it was booked (ScheduledDay)": 5,
        "negative Age": 1,
    }
    lines = RAW.read_text(encoding="utf-8").splitlines()
    for line, (appointment_id, _) in got.items():  # the line number points at the raw row
        assert lines[line - 1].split(",")[1] == appointment_id


def test_every_contract_table_is_written_and_the_rest_are_header_only(full):
    report, _, _ = full
    for t in TABLES:
        with (report.out_dir / f"{t.name}.csv").open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
            rest = fh.read()
        assert header == list(t.source_column_names)
        assert bool(rest) == (t.name in ("locations", "patients", "appointments"))


def test_patient_ids_are_exact_even_in_exponent_notation(full, raw_rows):
    report, _, _ = full
    ids = {r["patient_id"] for r in _csv(report.out_dir / "patients.csv")}
    assert "93779.52927" in ids  # raw 9377952927E-5
    assert "29872499824296" in ids
    assert not any(re.search("[eE+]", i) for i in ids)
    raw_whole = {row["PatientId"] for _, row in raw_rows if row["PatientId"].isdigit()}
    assert {i for i in ids if i.isdigit()} <= raw_whole
    assert report.notes["PatientId not a whole number (kept exactly, without exponent)"] == 5


def test_appointment_mapping(full, mapped_raw):
    report, _, _ = full
    appts = {r["appointment_id"]: r for r in _csv(report.out_dir / "appointments.csv")}
    first = mapped_raw[0]
    a = appts[first["AppointmentID"]]
    assert a["patient_id"] == first["PatientId"]
    assert a["location_id"] == location_id(first["Neighbourhood"])
    assert a["booked_at"] == first["ScheduledDay"].replace("T", " ").rstrip("Z")
    assert a["scheduled_at"] == first["AppointmentDay"][:10] + " 00:00:00"
    assert a["appointment_type"] == "medical_visit"
    statuses = Counter(r["status"] for r in appts.values())
    assert statuses == {
        "no_show": sum(r["No-show"] == "Yes" for r in mapped_raw),
        "completed": sum(r["No-show"] == "No" for r in mapped_raw),
    }
    new = Counter(r["patient_id"] for r in appts.values() if r["is_new_patient"] == "true")
    assert set(new.values()) == {1}
    assert len(new) == report.tables["patients"]


def test_locations_and_birth_years(full, mapped_raw):
    report, _, _ = full
    names = {r["location_id"]: r["location_name"] for r in _csv(report.out_dir / "locations.csv")}
    assert names[location_id("JARDIM DA PENHA")] == "Jardim da Penha"
    assert location_name("ILHAS OCEÂNICAS DE TRINDADE") == "Ilhas Oceânicas de Trindade"
    assert len(set(names.values())) == 81
    dob = {r["patient_id"]: r["date_of_birth"] for r in _csv(report.out_dir / "patients.csv")}
    for row in mapped_raw[:5000]:
        if not row["PatientId"].isdigit():
            continue  # exponent notation: checked in test_patient_ids_are_exact...
        year = int(dob[row["PatientId"]][:4])
        # age a on day d: born in year(d) - a or the year before
        assert int(row["AppointmentDay"][:4]) - int(row["Age"]) - year in (0, 1)
        assert dob[row["PatientId"]].endswith("-01-01")


def test_adapter_refuses_a_file_that_is_not_a_noshow_export(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(AdapterError, match="missing column 'PatientId'"):
        adapt_noshow(other, tmp_path / "out")


def test_write_export_refuses_tables_off_the_contract(tmp_path):
    con = duckdb.connect()
    rel = con.sql("SELECT 'LOC-1' AS location_id")
    with pytest.raises(AdapterError, match="differ from the contract"):
        write_export(tmp_path, {"locations": rel})
    with pytest.raises(AdapterError, match="not a table of the data contract"):
        write_export(tmp_path, {"clinics": rel})
    con.close()


# --- hand-made broken rows on a slice of the real file ----------------------------------


BROKEN = [
    "1,2,F,2016-04-29T18:38:08Z,2016-04-29T00:00:00Z,62,CENTRO,0,0,0,0,0,0,No,extra",  # too many fields
    "123,9000001,F,yesterday,2016-04-29T00:00:00Z,30,CENTRO,0,0,0,0,0,0,No",
    "124,9000002,Q,2016-04-29T08:00:00Z,2016-04-29T00:00:00Z,30,CENTRO,0,0,0,0,0,0,Maybe",
    "125,9000003,F,2016-04-29T08:00:00Z,2016-04-29T00:00:00Z,30.5,,0,0,0,0,0,0,No",
    "126,9000004,M,2016-04-29T08:00:00Z,2016-05-02T00:00:00Z,30,CENTRO,0,0,0,0,0,0,Yes",
    "127,9000004,M,2016-04-29T08:00:00Z,2016-05-03T00:00:00Z,30,CENTRO,0,0,0,0,0,0,No",
    "x1,9000005,,2016-04-29T08:00:00Z,2016-05-03T00:00:00Z,30,CENTRO,0,0,0,0,0,0,No",
    "128,9000006,,2016-04-29T08:00:00Z,2016-05-03T00:00:00Z,40,Centro,0,0,0,0,0,0,No",
]


@pytest.fixture(scope="module")
def slice_file(tmp_path_factory) -> Path:
    """The first 2,000 rows of the real file plus the broken rows above."""
    lines = RAW.read_text(encoding="utf-8").splitlines()[:2001]
    path = tmp_path_factory.mktemp("slice") / "slice.csv"
    path.write_text("\n".join(lines + BROKEN) + "\n", encoding="utf-8")
    return path


def test_broken_rows_are_reported_with_line_and_every_reason(slice_file, tmp_path):
    report = adapt_noshow(slice_file, tmp_path / "out")
    got = {int(r["line"]): set(r["reason"].split("; ")) for r in _csv(report.rejects_path)}
    assert got == {
        2002: {"malformed CSV row: too many columns"},
        2003: {"missing or unparseable ScheduledDay"},
        2004: {"unknown Gender value", "unknown No-show value (expected Yes or No)"},
        2005: {"missing or unparseable Age", "missing Neighbourhood"},
        2006: {"duplicate AppointmentID"},
        2007: {"duplicate AppointmentID"},
        2008: {"missing or unparseable PatientId"},
    }
    assert report.rows_read == 2000 + len(BROKEN)
    assert report.rows_mapped == 2001  # the last broken row is fine: blank Gender is 'U'
    assert report.reasons["duplicate AppointmentID"] == 2
    patients = {r["patient_id"]: r for r in _csv(report.out_dir / "patients.csv")}
    assert patients["128"]["gender"] == "U"
    # neighbourhoods are matched case-insensitively: 'Centro' is the CENTRO location
    appts = {r["appointment_id"]: r for r in _csv(report.out_dir / "appointments.csv")}
    assert appts["9000006"]["location_id"] == location_id("CENTRO")
    locations = [r["location_id"] for r in _csv(report.out_dir / "locations.csv")]
    assert len(locations) == len(set(locations))


def test_adapting_twice_writes_the_same_bytes(slice_file, tmp_path):
    a = adapt_noshow(slice_file, tmp_path / "a")
    b = adapt_noshow(slice_file, tmp_path / "b")
    for name in [f"{t.name}.csv" for t in TABLES] + [REJECTS_FILE]:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name


def test_cli_prints_rows_written_and_rejects(slice_file, tmp_path, capsys):
    assert acuity(["adapt", "noshow", str(slice_file), str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"rows read\s+2,008", out)
    assert re.search(r"rows mapped\s+2,001", out)
    assert re.search(r"rows not mapped\s+7", out)
    assert "duplicate AppointmentID" in out and "adapter_rejects.csv" in out
    assert acuity(["adapt", "noshow", str(tmp_path / "missing.csv"), str(tmp_path / "o2")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_slice_export_ingests_without_quarantine(slice_file, tmp_path):
    report = adapt_noshow(slice_file, tmp_path / "out")
    sync = sync_export(report.out_dir, tmp_path / "wh.duckdb", secret=TEST_SECRET, as_of=ANSWER_AS_OF)
    assert sync.table("appointments").inserted == report.rows_mapped
    assert sync.totals.quarantined == 0


# --- the warehouse ---------------------------------------------------------------------


def test_export_ingests_fully_empty_tables_included(full):
    report, _, sync = full
    assert sync.totals.quarantined == 0
    for t in TABLES:
        assert sync.table(t.name).inserted == report.tables[t.name]
    assert sync.table("appointments").inserted == report.rows_mapped


def test_no_show_rate_matches_the_raw_file(full, raw_rows, mapped_raw):
    _, db, _ = full
    no_shows, total = _wh(
        db, "SELECT COUNT(*) FILTER (WHERE status = 'no_show'), COUNT(*) FROM appointments"
    )[0]
    assert no_shows == sum(r["No-show"] == "Yes" for r in mapped_raw)
    assert total == len(mapped_raw)
    raw_rate = sum(row["No-show"] == "Yes" for _, row in raw_rows) / RAW_ROWS
    assert abs(no_shows / total - raw_rate) < 0.0005
    assert 0.20 < raw_rate < 0.205


def test_patient_keys_are_hashes_and_raw_ids_never_reach_the_warehouse(full, mapped_raw):
    _, db, _ = full
    raw_ids = sorted({r["PatientId"] for r in mapped_raw if r["PatientId"].isdigit()})
    sample = raw_ids[:: len(raw_ids) // 200]
    keys = {k for (k,) in _wh(db, "SELECT patient_key FROM patients")}
    assert len(keys) == len({r["PatientId"] for r in mapped_raw})
    assert set(patient_keys(sample, TEST_SECRET)) <= keys
    assert all(re.fullmatch("[0-9a-f]{16}", k) for k in keys)
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema = 'main'"
        ).fetchall()
        con.execute(
            "CREATE TEMP TABLE ids AS SELECT DISTINCT PatientId FROM read_csv(?, all_varchar = true)",
            [str(RAW)],
        )
        ids = con.table("ids").set_alias("ids")
        for table_name, column_name in columns:
            rel = con.table(table_name).set_alias("t")
            on = duckdb.ColumnExpression("t", column_name) == duckdb.ColumnExpression("ids", "PatientId")
            found = rel.join(ids, on).aggregate("count(*)").fetchall()[0][0]
            assert found == 0, (table_name, column_name)
    finally:
        con.close()
    digit_runs = set(re.findall(rb"\d{7,}", db.read_bytes()))
    assert not digit_runs & {i.encode() for i in raw_ids}


# --- the assistant on it ---------------------------------------------------------------


def _direct_rates(rows: list[dict[str, str]], key) -> dict:
    counts: dict = defaultdict(lambda: [0, 0])
    for r in rows:
        c = counts[key(r)]
        c[0] += r["No-show"] == "Yes"
        c[1] += 1
    return {k: n / d for k, (n, d) in counts.items()}


def test_no_show_rate_by_location_answer(full, mapped_raw):
    _, db, _ = full
    ans = answer_question("no-show rate by location", db_path=db, as_of=ANSWER_AS_OF)
    assert ans.kind == "answer", ans.narrative
    assert ans.columns == ["location", "no_show_rate"]
    got = {loc: rate for loc, rate in ans.rows}
    expected = _direct_rates(mapped_raw, lambda r: location_name(r["Neighbourhood"]))
    assert got.keys() == expected.keys()
    for loc, rate in expected.items():
        assert got[loc] == pytest.approx(rate, abs=1e-12), loc


def test_no_show_rate_by_month_answer(full, mapped_raw):
    _, db, _ = full
    ans = answer_question("no-show rate by month", db_path=db, as_of=ANSWER_AS_OF)
    assert ans.kind == "answer", ans.narrative
    got = {str(month)[:7]: rate for month, rate in ans.rows}
    expected = _direct_rates(mapped_raw, lambda r: r["AppointmentDay"][:7])
    assert got == pytest.approx(expected, abs=1e-12)
    assert set(got) == {"2016-04", "2016-05", "2016-06"}


def test_overall_no_show_rate_answer(full, mapped_raw):
    _, db, _ = full
    ans = answer_question("what was our no-show rate?", db_path=db, as_of=ANSWER_AS_OF)
    assert ans.kind == "answer", ans.narrative
    expected = sum(r["No-show"] == "Yes" for r in mapped_raw) / len(mapped_raw)
    assert ans.rows[0][0] == pytest.approx(expected, abs=1e-12)
    assert "20.2%" in ans.narrative
