"""Validation: bad rows are quarantined with file, line and reason; broken files stop the run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from ingest.deidentify import patient_key
from ingest.source import StructuralError
from ingest.sync import sync_export
from tests.ingest.handmade import FakeScrubber, base_rows, make_export, write_export

SECRET = "validate-secret"
AS_OF = dt.date(2026, 10, 1)


def _sync(src: Path, db: Path):
    return sync_export(src, db, secret=SECRET, as_of=AS_OF, scrubber_factory=FakeScrubber)


def _bad_rows() -> dict[str, list[dict[str, str]]]:
    rows = base_rows()
    appt = rows["appointments"][0]
    rows["appointments"] += [
        {**appt, "appointment_id": "A4", "scheduled_at": "2026-13-45 10:00:00"},  # line 6
        {**appt, "appointment_id": "A5", "status": "done"},  # line 7
    ]
    charge = rows["charges"][0]
    rows["charges"] += [
        {**charge, "charge_id": "CH4", "charge_amount": "12,5O"},  # line 6
        {**charge, "charge_id": "CH5", "quantity": "1.5"},  # line 7
        {**charge, "charge_id": ""},  # line 8
    ]
    rows["inventory_movements"].append(
        {**rows["inventory_movements"][0], "quantity": "3"}
    )  # M1 again: line 4
    rows["recalls"][0]["patient_id"] = "CP-999999"  # line 2: no such patient
    rows["patients"].append(
        {
            **rows["patients"][0],
            "patient_id": "CP-004599",
            "first_name": "Zebulon",
            "last_name": "Quackenbush",
            "zip": "97A14",
            "phone": "503-555-0111",
            "email": "zq@example.com",
        }  # line 6
    )
    rows["surveys"].append(
        {**rows["surveys"][2], "survey_id": "SV4", "nps_score": "ten"}
    )  # line 6 (SV2 has 2 lines)
    rows["campaign_spend"][1]["spend_on"] = "2026-08-01"  # same (campaign_id, spend_on) as line 2
    return rows


@pytest.fixture(scope="module")
def bad_sync(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    src = write_export(folder / "src", _bad_rows())
    db = folder / "wh.duckdb"
    report = _sync(src, db)
    con = duckdb.connect(str(db), read_only=True)
    yield report, con
    con.close()


EXPECTED = [
    ("appointments", "appointments.csv", 6, "unparseable timestamp in scheduled_at"),
    ("appointments", "appointments.csv", 7, "unknown status value"),
    ("charges", "charges.csv", 6, "unparseable number in charge_amount"),
    ("charges", "charges.csv", 7, "unparseable integer in quantity"),
    ("charges", "charges.csv", 8, "missing key charge_id"),
    ("inventory_movements", "inventory_movements.csv", 2, "duplicate key"),
    ("inventory_movements", "inventory_movements.csv", 4, "duplicate key"),
    ("recalls", "recalls.csv", 2, "orphan patient_key: not in patients"),
    ("patients", "patients.csv", 6, "malformed zip"),
    ("surveys", "surveys.csv", 6, "unparseable integer in nps_score"),
    ("campaign_spend", "campaign_spend.csv", 2, "duplicate key"),
    ("campaign_spend", "campaign_spend.csv", 3, "duplicate key"),
]


def test_every_bad_row_is_quarantined_with_line_and_reason(bad_sync):
    report, con = bad_sync
    got = con.execute("SELECT table_name, source_file, line, reason FROM quarantine ORDER BY ALL").fetchall()
    assert sorted(got) == sorted(EXPECTED)
    assert {r[0] for r in con.execute("SELECT run_id FROM quarantine").fetchall()} == {report.run_id}


def test_counts_add_up(bad_sync):
    report, con = bad_sync
    for t in report.tables:
        assert t.rows_read == t.inserted + t.quarantined, t
        (n,) = con.execute("SELECT count(*) FROM quarantine WHERE table_name = ?", [t.table]).fetchone()
        assert n == t.quarantined
    assert report.table("charges").quarantined == 3


def test_bad_rows_never_reach_the_warehouse_tables(bad_sync):
    _, con = bad_sync
    ids = {r[0] for r in con.execute("SELECT charge_id FROM charges").fetchall()}
    assert ids == {"CH0", "CH1", "CH2", "CH3"}
    assert con.execute(
        "SELECT count(*) FROM appointments WHERE appointment_id IN ('A4', 'A5')"
    ).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM inventory_movements").fetchone() == (1,)  # M2 only
    assert con.execute("SELECT count(*) FROM recalls").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM campaign_spend").fetchone() == (0,)


def test_quarantine_content_is_de_identified(bad_sync):
    _, con = bad_sync
    (content,) = con.execute("SELECT row_content FROM quarantine WHERE table_name = 'patients'").fetchone()
    row = json.loads(content)
    assert row["patient_key"] == patient_key("CP-004599", SECRET)
    assert row["zip3"] is None and row["birth_year"] == "1961"
    for identifier in ("CP-004599", "Zebulon", "Quackenbush", "503-555-0111", "zq@example.com", "97A14"):
        assert identifier not in content
    (recall,) = con.execute("SELECT row_content FROM quarantine WHERE table_name = 'recalls'").fetchone()
    assert "CP-999999" not in recall
    assert json.loads(recall)["patient_key"] == patient_key("CP-999999", SECRET)
    (survey,) = con.execute("SELECT row_content FROM quarantine WHERE table_name = 'surveys'").fetchone()
    assert json.loads(survey)["nps_score"] == "ten"  # the bad value is visible


def test_every_reason_names_a_value_free_problem(bad_sync):
    _, con = bad_sync
    for (reason,) in con.execute("SELECT reason FROM quarantine").fetchall():
        assert "CP-" not in reason and "'" not in reason


# --- structural errors: the run stops, the warehouse stays as it was -------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse synced from the good export (the failing syncs below must not change it)."""
    folder = tmp_path_factory.mktemp("built")
    src = make_export(folder / "good")
    db = folder / "wh.duckdb"
    _sync(src, db)
    return src, db


def _broken_export(tmp_path: Path, table: str, text: bytes | str) -> Path:
    src = make_export(tmp_path / "broken")
    path = src / f"{table}.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return src


def _header(table: str) -> list[str]:
    from ingest.contract import TABLES_BY_NAME

    return list(TABLES_BY_NAME[table].source_column_names)


def _line(values: list[str]) -> str:
    return ",".join(values) + "\n"


STRUCTURAL_CASES = {
    "missing column": (
        "staff",
        _line([c for c in _header("staff") if c != "role"]) + "S1,Dr. Maya Patel,LOC1,2012-01-09,true\n",
        1,
        "role",
        "missing column",
    ),
    "wrong delimiter": (
        "locations",
        ";".join(_header("locations")) + "\nLOC1;Downtown;Portland;OR;2010-05-01;4\n",
        1,
        "location_id",
        "wrong delimiter",
    ),
    "not a csv": ("campaigns", b"PK\x03\x04\x00\x00binary\xff\xfe", 1, None, "not a CSV"),
    "too many fields": (
        "locations",
        _line(_header("locations"))
        + "LOC1,Downtown,Portland,OR,2010-05-01,4\nLOC2,North,Portland,OR,2015-01-01,3,9\n",
        3,
        None,
        "too many columns",
    ),
    "too few fields": (
        "locations",
        _line(_header("locations")) + "LOC1,Downtown,Portland,OR,2010-05-01,4\n\nLOC2,North\n",
        4,
        None,
        "missing columns",
    ),
}


@pytest.mark.parametrize("case", sorted(STRUCTURAL_CASES))
def test_structural_error_names_file_line_column_and_leaves_warehouse(built, tmp_path, case):
    table, text, line, column, problem = STRUCTURAL_CASES[case]
    _, db = built
    before = db.read_bytes()
    src = _broken_export(tmp_path, table, text)
    with pytest.raises(StructuralError) as info:
        _sync(src, db)
    err = info.value
    assert err.file.name == f"{table}.csv"
    assert err.line == line
    if column:
        assert err.column == column
    assert problem in str(err) and f"{table}.csv" in str(err)
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == []


def test_missing_table_file_is_an_error(built, tmp_path):
    src = make_export(tmp_path / "partial")
    (src / "recalls.csv").unlink()
    with pytest.raises(StructuralError, match="recalls"):
        _sync(src, built[1])


def test_structural_error_on_a_new_warehouse_creates_nothing(tmp_path):
    src = _broken_export(tmp_path, "staff", "staff_id\nS1\n")
    db = tmp_path / "new" / "wh.duckdb"
    with pytest.raises(StructuralError):
        _sync(src, db)
    assert not db.exists()
