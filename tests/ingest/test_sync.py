"""sync_export end to end: no identifiers in the warehouse, idempotency, upsert, atomicity, CLI."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import duckdb
import pytest

from ingest.contract import TABLES
from ingest.deidentify import SecretError, patient_key
from ingest.sync import sync_export
from tests.ingest.handmade import PATIENTS, base_rows, identifiers, make_export, write_export

SECRET = "sync-secret"
AS_OF = dt.date(2026, 10, 1)


def _sync(src: Path, db: Path, **kw):
    kw.setdefault("secret", SECRET)
    kw.setdefault("as_of", AS_OF)
    return sync_export(src, db, **kw)


def _string_values(db: Path) -> list[str]:
    """Every value of every string column of every table of the warehouse."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND data_type = 'VARCHAR'"
        ).fetchall()
        values = []
        for table, column in cols:
            rel = con.table(table).select(duckdb.ColumnExpression(column))
            values += [v for (v,) in rel.fetchall() if v is not None]
        return values
    finally:
        con.close()


def _dump(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t.name: sorted(con.table(t.name).fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


def _first_sync(folder: Path):
    src = make_export(folder / "src")
    db = folder / "wh" / "warehouse.duckdb"
    return src, db, _sync(src, db)


@pytest.fixture(scope="module")
def synced_once(tmp_path_factory):
    """One synced warehouse shared by the tests that only read it."""
    return _first_sync(tmp_path_factory.mktemp("once"))


@pytest.fixture
def synced(tmp_path):
    """A synced warehouse of the test's own, to change."""
    return _first_sync(tmp_path)


def test_no_identifier_anywhere_in_the_warehouse(synced_once):
    _, db, report = synced_once
    assert report.totals.quarantined == 0
    values = _string_values(db)
    assert len(values) > 50
    raw = db.read_bytes()
    for ident in identifiers() + [SECRET]:
        assert not [v for v in values if ident in v], ident
        assert ident.encode() not in raw, ident


def test_patients_are_de_identified(synced_once):
    _, db, _ = synced_once
    con = duckdb.connect(str(db), read_only=True)
    rows = {
        r[0]: r[1:]
        for r in con.execute("SELECT patient_key, birth_year, age_90_plus, zip3 FROM patients").fetchall()
    }
    cols = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name='patients'"
        ).fetchall()
    }
    con.close()
    assert rows == {
        patient_key("CP-004512", SECRET): (1961, False, "972"),
        patient_key("CP-004513", SECRET): (None, True, "000"),  # 90+, restricted ZIP3 036
        patient_key("CP-004514", SECRET): (2012, False, "970"),
        patient_key("CP-004515", SECRET): (None, True, "970"),  # 90 on the sync date
    }
    assert not cols & {
        "patient_id",
        "first_name",
        "last_name",
        "date_of_birth",
        "phone",
        "email",
        "street_address",
        "city",
        "zip",
    }


def test_every_patient_table_uses_the_key(synced_once):
    _, db, _ = synced_once
    con = duckdb.connect(str(db), read_only=True)
    keys = {r[0] for r in con.execute("SELECT patient_key FROM patients").fetchall()}
    for table in ("appointments", "charges", "campaign_messages", "recalls"):
        got = {r[0] for r in con.table(table).select(duckdb.ColumnExpression("patient_key")).fetchall()}
        assert got and got <= keys, table
    con.close()


def test_survey_comments_are_scrubbed(synced_once):
    _, db, _ = synced_once
    con = duckdb.connect(str(db), read_only=True)
    comments = dict(con.execute("SELECT survey_id, comment FROM surveys").fetchall())
    con.close()
    assert "[PHONE]" in comments["SV1"] and "[NAME]" in comments["SV1"]
    assert "Great visit." in comments["SV1"]
    assert "[EMAIL]" in comments["SV2"]


def test_warehouse_types_and_primary_keys(synced_once):
    _, db, _ = synced_once
    con = duckdb.connect(str(db), read_only=True)
    types = dict(
        con.execute(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns"
        ).fetchall()
    )
    pks = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type='PRIMARY KEY'"
        ).fetchall()
    }
    con.close()
    assert types["charges.charge_amount"] == "DECIMAL(12,2)"
    assert types["appointments.scheduled_at"] == "TIMESTAMP"
    assert types["charges.service_date"] == "DATE"
    assert types["staff.is_active"] == "BOOLEAN"
    assert types["patients.birth_year"] == "INTEGER"
    for t in TABLES:  # keys are enforced by validation and the upsert, not by an index
        assert t.name not in pks, t.name
    assert pks["sync_runs"] == ["run_id"]


def _duplicated_keys(db: Path) -> dict[str, int]:
    """Per contract table, how many primary keys occur on more than one row."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in TABLES:
            keys = [duckdb.ColumnExpression(k) for k in t.primary_key]
            per_key = con.table(t.name).aggregate(
                [*keys, duckdb.FunctionExpression("count", duckdb.StarExpression())]
            )
            out[t.name] = sum(1 for row in per_key.fetchall() if row[-1] > 1)
        return out
    finally:
        con.close()


def test_second_sync_with_changed_rows_updates_by_key_and_never_duplicates(synced, tmp_path):
    _, db, first = synced
    rows = base_rows()
    for r in rows["appointments"]:  # every row changes, none is new
        r["status"] = "cancelled"
    rows["charges"][0]["charge_amount"] = "999.99"
    rows["appointments"].append({**rows["appointments"][0], "appointment_id": "A10"})  # new key
    newer = write_export(tmp_path / "newer", rows)
    for _ in range(2):  # and once more: the same rows again change nothing
        report = _sync(newer, db)
        assert _duplicated_keys(db) == {t.name: 0 for t in TABLES}
    con = duckdb.connect(str(db), read_only=True)
    status = con.execute("SELECT appointment_id, status FROM appointments ORDER BY 1").fetchall()
    amount = con.execute(
        "SELECT charge_amount FROM charges WHERE charge_id = ?", [rows["charges"][0]["charge_id"]]
    ).fetchone()[0]
    con.close()
    assert len(status) == first.table("appointments").inserted + 1
    assert {s for _, s in status} == {"cancelled"}
    assert str(amount) == "999.99"
    assert not report.changed


def test_duplicate_key_on_first_load_is_rolled_back_and_quarantined(tmp_path):
    rows = base_rows()
    rows["appointments"].append(dict(rows["appointments"][0]))  # same appointment_id twice
    src = write_export(tmp_path / "src", rows)
    db = tmp_path / "wh" / "warehouse.duckdb"
    report = _sync(src, db)
    assert report.table("appointments").quarantined == 2
    assert report.table("appointments").inserted == len(rows["appointments"]) - 2
    assert _duplicated_keys(db) == {t.name: 0 for t in TABLES}


def test_same_export_twice_changes_nothing(synced):
    src, db, first = synced
    before = _dump(db)
    second = _sync(src, db)
    assert second.totals.inserted == 0 and second.totals.updated == 0 and not second.changed
    assert second.totals.rows_read == first.totals.rows_read
    assert second.fingerprint == first.fingerprint
    assert _dump(db) == before
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute(
        "SELECT run_id, rows_inserted, rows_updated, source_fingerprint FROM sync_runs "
        "ORDER BY started_at, run_id"
    ).fetchall()
    per_table = con.execute("SELECT count(*) FROM sync_run_tables").fetchone()[0]
    con.close()
    assert {r[0] for r in runs} == {first.run_id, second.run_id}
    assert sorted(r[1] for r in runs) == [0, first.totals.inserted]
    assert per_table == 2 * len(TABLES)


def test_newer_export_updates_changed_rows_and_adds_new_ones(synced, tmp_path):
    _, db, _ = synced
    rows = base_rows()
    rows["appointments"][1]["status"] = "no_show"  # changed
    rows["appointments"] = [r for r in rows["appointments"] if r["appointment_id"] != "A3"]  # absent: stays
    rows["appointments"].append({**rows["appointments"][0], "appointment_id": "A9", "campaign_id": ""})  # new
    rows["patients"][0]["zip"] = "10001"  # moved: zip3 changes
    rows["locations"][1]["exam_rooms"] = "5"
    newer = write_export(tmp_path / "newer", rows)
    report = _sync(newer, db)
    assert (report.table("appointments").inserted, report.table("appointments").updated) == (1, 1)
    assert (report.table("patients").inserted, report.table("patients").updated) == (0, 1)
    assert (report.table("locations").inserted, report.table("locations").updated) == (0, 1)
    assert report.table("charges").updated == 0
    con = duckdb.connect(str(db), read_only=True)
    status = dict(con.execute("SELECT appointment_id, status FROM appointments").fetchall())
    zip3 = con.execute(
        "SELECT zip3 FROM patients WHERE patient_key = ?", [patient_key("CP-004512", SECRET)]
    ).fetchone()[0]
    rooms = con.execute("SELECT exam_rooms FROM locations WHERE location_id = 'LOC2'").fetchone()[0]
    con.close()
    assert status == {
        "A0": "completed",
        "A1": "no_show",
        "A2": "completed",
        "A3": "completed",
        "A9": "completed",
    }
    assert zip3 == "100" and rooms == 5
    assert not _sync(newer, db).changed  # and that newer export is idempotent too


def test_turning_90_between_syncs_updates_the_patient(synced):
    src, db, _ = synced
    assert _sync(src, db, as_of=dt.date(2051, 3, 13)).table("patients").updated == 0  # CP-004512 is 89
    assert _sync(src, db, as_of=dt.date(2051, 3, 14)).table("patients").updated == 1  # and now 90
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "SELECT birth_year, age_90_plus FROM patients WHERE patient_key = ?",
        [patient_key("CP-004512", SECRET)],
    ).fetchone()
    con.close()
    assert row == (None, True)


def test_failure_halfway_leaves_the_warehouse_byte_identical(synced, tmp_path):
    _, db, _ = synced
    before = db.read_bytes()
    rows = base_rows()
    rows["appointments"][0]["status"] = "cancelled"
    rows["locations"][0]["exam_rooms"] = "9"
    newer = write_export(tmp_path / "newer", rows)

    def fail_at_charges(table: str, step: str, done: int, total: int) -> None:
        if table == "charges" and step == "load":
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError, match="injected"):
        _sync(newer, db, progress=fail_at_charges)
    assert db.read_bytes() == before
    assert sorted(os.listdir(db.parent)) == [db.name]
    assert _sync(newer, db).table("appointments").updated == 1  # and the next run works


def test_failure_on_first_sync_leaves_no_file(tmp_path):
    src = make_export(tmp_path / "src")
    db = tmp_path / "wh" / "warehouse.duckdb"

    def boom(table: str, step: str, done: int, total: int) -> None:
        if table == "appointments":
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError):
        _sync(src, db, progress=boom)
    assert not db.exists() and os.listdir(db.parent) == []


def test_another_secret_is_refused(synced):
    src, db, _ = synced
    before = db.read_bytes()
    with pytest.raises(SecretError):
        _sync(src, db, secret="another-secret")
    assert db.read_bytes() == before


def test_keys_differ_under_another_secret(tmp_path):
    src = make_export(tmp_path / "src")
    keys = []
    for secret in ("one", "two"):
        db = tmp_path / secret / f"{len(keys)}.duckdb"
        _sync(src, db, secret=secret)
        con = duckdb.connect(str(db), read_only=True)
        keys.append(sorted(r[0] for r in con.execute("SELECT patient_key FROM patients").fetchall()))
        con.close()
    assert keys[0] == sorted(patient_key(p[0], "one") for p in PATIENTS)  # the same key in every run
    assert not set(keys[0]) & set(keys[1])


def test_parquet_export_gives_the_same_warehouse(synced_once, tmp_path):
    src, db, _ = synced_once
    pq = tmp_path / "parquet"
    pq.mkdir()
    con = duckdb.connect()
    for t in TABLES:
        con.read_csv(str(src / f"{t.name}.csv"), all_varchar=True).to_parquet(str(pq / f"{t.name}.parquet"))
    con.close()
    db2 = tmp_path / "pq.duckdb"
    report = _sync(pq, db2)
    assert report.totals.quarantined == 0
    assert _dump(db2) == _dump(db)


def test_progress_reports_every_step_of_every_table(tmp_path):
    src = make_export(tmp_path / "src")
    calls = []
    _sync(src, tmp_path / "wh.duckdb", progress=lambda *a: calls.append(a))
    assert [c[0] for c in calls[::4]] == [t.name for t in TABLES]
    steps = [(c[1], c[2], c[3]) for c in calls[:4]]
    assert steps == [("read", 0, 3), ("check", 1, 3), ("load", 2, 3), ("done", 3, 3)]
    assert len(calls) == 4 * len(TABLES)


def test_cli_ingest_creates_key_file_and_prints_summary(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    src = make_export(tmp_path / "src")
    home = tmp_path / "home"
    monkeypatch.delenv("ACUITY_SECRET", raising=False)
    monkeypatch.delenv("ACUITY_KEY_FILE", raising=False)
    monkeypatch.setenv("ACUITY_HOME", str(home))
    db = tmp_path / "cli.duckdb"
    assert main(["ingest", str(src), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    for t in TABLES:
        assert t.name in out
    assert "inserted" in out and "quarantined" in out
    # the product's sync also rebuilds the semantic layer's daily rollups, and says so
    from semantic_layer.model import load_model
    from semantic_layer.rollup import available_rollups, model_rollups

    assert f"rollups: {len(model_rollups(load_model()))} tables rebuilt" in out
    con = duckdb.connect(str(db), read_only=True)
    assert len(available_rollups(load_model(), con)) == len(model_rollups(load_model()))
    con.close()
    key_file = home / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_bytes().strip()
    assert secret not in db.read_bytes()
    assert all(secret.decode() not in v for v in _string_values(db))
    con = duckdb.connect(str(db), read_only=True)
    got = con.execute(
        "SELECT count(*) FROM patients WHERE patient_key = ?", [patient_key(PATIENTS[0][0], secret)]
    ).fetchone()[0]
    con.close()
    assert got == 1
    # the same key file is used next time: nothing changes
    assert main(["ingest", str(src), "--db", str(db)]) == 0
    assert "inserted         0" in capsys.readouterr().out


def test_cli_reports_a_broken_file(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    src = make_export(tmp_path / "src")
    (src / "staff.csv").write_text("staff_id;staff_name\n")
    monkeypatch.setenv("ACUITY_SECRET", "x")
    assert main(["ingest", str(src), "--db", str(tmp_path / "wh.duckdb")]) == 1
    assert "staff.csv, line 1" in capsys.readouterr().err


# --- the full demo practice (shared fixtures of tests/conftest.py) ---------------------------

_TOKENS = (
    r"[A-Z]{2}-\d{6}|\(\d{3}\) \d{3}-\d{4}|\d{3}-\d{3}-\d{4}|[A-Za-z0-9._+-]+@[A-Za-z0-9-]+\.[A-Za-z]+"
    r"|\d{4}-\d{2}-\d{2}|[A-Z][a-z]+ [A-Z][a-z'-]+|\d+ [A-Z][a-z]+ [A-Z][a-z]+"
)


def _demo_identifiers(con: duckdb.DuckDBPyConnection, export: Path) -> None:
    """Table ``ids(v)``: every identifier of the demo patients.csv (full names minus staff names)."""
    con.read_csv(str(export / "patients.csv"), all_varchar=True).create("src")
    con.read_csv(str(export / "staff.csv"), all_varchar=True).create("staff_src")
    con.execute(
        """
        CREATE TABLE ids AS
        SELECT DISTINCT v FROM (
            SELECT unnest([patient_id, date_of_birth, phone, email, street_address, city || ' ' || zip]) AS v
            FROM src
            UNION ALL
            SELECT first_name || ' ' || last_name FROM src
            WHERE first_name || ' ' || last_name NOT IN (SELECT replace(staff_name, 'Dr. ', '') FROM staff_src)
        ) WHERE v IS NOT NULL
        """
    )


def test_demo_warehouse_holds_no_identifier(demo_export, demo_db):
    con = duckdb.connect()
    _demo_identifiers(con, demo_export)
    con.execute("ATTACH ? AS wh (READ_ONLY)", [str(demo_db)])
    cols = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = 'wh' AND data_type = 'VARCHAR'"
    ).fetchall()
    con.execute("CREATE TABLE vals (v VARCHAR)")
    for table, column in cols:
        rel = con.table(f"wh.main.{table}").select(duckdb.ColumnExpression(column)).distinct()
        rel.insert_into("vals")
    (n_ids,) = con.execute("SELECT count(*) FROM ids").fetchone()
    assert n_ids > 10_000
    exact = con.execute("SELECT v FROM vals WHERE v IN (SELECT v FROM ids) LIMIT 5").fetchall()
    assert exact == []
    inside = con.execute(
        "SELECT t FROM (SELECT unnest(regexp_extract_all(v, ?)) AS t FROM vals) WHERE t IN (SELECT v FROM ids) "
        "LIMIT 5",
        [_TOKENS],
    ).fetchall()
    assert inside == []
    # the file's raw bytes: MRNs, phone numbers and emails of the export's patients
    raw = demo_db.read_bytes()
    ids = {v for (v,) in con.execute("SELECT v FROM ids").fetchall()}
    found = {m.group().decode("latin-1") for m in re.finditer(rb"CP-\d{6}|\(\d{3}\) \d{3}-\d{4}", raw)}
    email = re.compile(rb"[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]+\.[A-Za-z]{2,}")
    for m in re.finditer(rb"@[A-Za-z0-9-]+\.(?:com|net|org|edu)", raw):
        found.update(
            x.group().decode("latin-1") for x in email.finditer(raw, max(0, m.start() - 64), m.end())
        )
    assert not found & ids
    con.close()


def test_demo_loads_completely(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    for t in TABLES:
        (n,) = con.table(t.name).aggregate("count(*)").fetchall()[0]
        assert n > 0, t.name
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    assert (
        con.execute("SELECT count(*) FROM patients WHERE age_90_plus AND birth_year IS NULL").fetchone()[0]
        > 0
    )
    assert con.execute("SELECT count(*) FROM patients WHERE zip3 = '000'").fetchone()[0] > 0
    (runs,) = con.execute("SELECT count(*) FROM sync_runs").fetchone()
    assert runs == 1
    con.close()
