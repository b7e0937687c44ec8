"""A database URL as the source: sqlite:/// and duckdb:/// files read into the same pipeline.

PostgreSQL, against a real server, is in ``test_source_pg.py``.

The databases are built by each test from the hand-made export (``handmade.py``): SQLite
with declared types, its affinities and 0/1 booleans, columns in another order, an extra
column and a differently cased name; DuckDB with the contract's types.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import duckdb
import pytest

from ingest.contract import TABLES, TABLES_BY_NAME, ColType
from ingest.source import SourceError, StructuralError
from ingest.source_url import UnsupportedSourceError, parse_url, redact
from ingest.sync import sync_export
from tests.ingest.handmade import base_rows, check_one_changed_one_added, identifiers, write_export

SECRET = "db-source-secret"
AS_OF = dt.date(2026, 10, 1)
ENGINES = ("sqlite", "duckdb")
_SQLITE_TYPES = {
    ColType.VARCHAR: "TEXT",
    ColType.INTEGER: "INTEGER",
    ColType.DECIMAL: "NUMERIC(12,2)",
    ColType.DOUBLE: "REAL",
    ColType.BOOLEAN: "BOOLEAN",
    ColType.DATE: "DATE",
    ColType.TIMESTAMP: "TIMESTAMP",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_value(ctype: ColType, text: str) -> object:
    if text == "":
        return None
    if ctype is ColType.BOOLEAN:
        return {"true": 1, "false": 0}.get(text, text)  # as most systems store them
    return text  # the column's affinity turns numbers into INTEGER / REAL


def write_sqlite(
    path: Path, rows: dict[str, list[dict[str, str]]], *, drop: tuple[str, str] | None = None
) -> Path:
    """One SQLite table per contract table (columns reversed, plus an extra ``note`` column);
    ``drop=(table, column)`` leaves that column out."""
    con = sqlite3.connect(path)
    for name, table_rows in rows.items():
        cols = [c for c in reversed(TABLES_BY_NAME[name].source_columns) if (name, c.name) != drop]
        spelled = [c.name.upper() if c.name == "status" else c.name for c in cols]  # names are case-blind
        defs = ", ".join(f"{_q(n)} {_SQLITE_TYPES[c.type]}" for n, c in zip(spelled, cols, strict=True))
        con.execute(f"CREATE TABLE {_q(name)} ({defs}, note TEXT)")  # test fixture DDL, not product SQL
        marks = ", ".join("?" for _ in range(len(cols) + 1))
        values = [[_sqlite_value(c.type, r[c.name]) for c in cols] + ["x"] for r in table_rows]
        con.executemany(f"INSERT INTO {_q(name)} VALUES ({marks})", values)
    con.commit()
    con.close()
    return path


def write_duckdb(
    path: Path, rows: dict[str, list[dict[str, str]]], *, drop: tuple[str, str] | None = None
) -> Path:
    """One DuckDB table per contract table, with the contract's source types."""
    csv_dir = write_export(path.parent / (path.stem + "-csv"), rows)
    con = duckdb.connect(str(path))
    for t in TABLES:
        rel = con.read_csv(str(csv_dir / f"{t.name}.csv"), all_varchar=True)
        cols = [c for c in t.source_columns if (t.name, c.name) != drop]
        rel.select(
            *[duckdb.ColumnExpression(c.name).cast(duckdb.sqltype(c.type.value)).alias(c.name) for c in cols]
        ).create(t.name)
    con.close()
    return path


def make_db(engine: str, folder: Path, rows=None, **kw) -> tuple[str, Path]:
    """The hand-made export as a database of ``engine``: (URL, file)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = base_rows() if rows is None else rows
    path = (write_sqlite if engine == "sqlite" else write_duckdb)(folder / f"practice.{engine}", rows, **kw)
    return f"{engine}:///{path}", path


def _sync(src, db: Path, **kw):
    return sync_export(src, db, secret=SECRET, as_of=AS_OF, **kw)


def _dump(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t.name: sorted(con.table(t.name).fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


@pytest.fixture(scope="module")
def csv_warehouse(tmp_path_factory):
    """The hand-made export ingested from its CSV files."""
    tmp = tmp_path_factory.mktemp("csv")
    db = tmp / "csv.duckdb"
    _sync(write_export(tmp / "export", base_rows()), db)
    return _dump(db)


@pytest.mark.parametrize("engine", ENGINES)
def test_database_gives_the_same_warehouse_as_the_csv_export(engine, csv_warehouse, tmp_path):
    url, path = make_db(engine, tmp_path / "src")
    before, files_before = path.read_bytes(), sorted(os.listdir(path.parent))
    db = tmp_path / "wh.duckdb"
    report = _sync(url, db)
    assert report.totals.quarantined == 0
    assert report.table("appointments").source_file == f"{url}#appointments"
    assert _dump(db) == csv_warehouse
    assert path.read_bytes() == before and sorted(os.listdir(path.parent)) == files_before  # read-only
    con = duckdb.connect(str(db), read_only=True)
    source = con.execute("SELECT source FROM sync_runs").fetchone()[0]
    raw = db.read_bytes()
    con.close()
    assert source == url
    for ident in identifiers():
        assert ident.encode() not in raw, ident


def test_a_view_can_stand_for_a_table(csv_warehouse, tmp_path):
    url, path = make_db("sqlite", tmp_path / "src")
    con = sqlite3.connect(path)
    con.execute('ALTER TABLE "staff" RENAME TO "hr_staff"')
    con.execute('CREATE VIEW "Staff" AS SELECT * FROM "hr_staff"')
    con.commit()
    con.close()
    db = tmp_path / "wh.duckdb"
    assert _sync(url, db).table("staff").rows_read == 2
    assert _dump(db) == csv_warehouse


@pytest.mark.parametrize("engine", ENGINES)
def test_same_database_twice_changes_nothing(engine, tmp_path):
    url, _ = make_db(engine, tmp_path / "src")
    db = tmp_path / "wh.duckdb"
    first = _sync(url, db)
    before = _dump(db)
    second = _sync(url, db)
    assert not second.changed and second.totals.rows_read == first.totals.rows_read
    assert second.fingerprint == first.fingerprint
    assert _dump(db) == before


def test_changed_row_is_upserted_and_the_fingerprint_changes(tmp_path):
    url, path = make_db("sqlite", tmp_path / "src")
    db = tmp_path / "wh.duckdb"
    first = _sync(url, db)
    con = sqlite3.connect(path)
    con.execute("UPDATE appointments SET status = 'no_show' WHERE appointment_id = 'A1'")
    con.execute(
        "INSERT INTO appointments SELECT * FROM appointments WHERE appointment_id = 'A0'"
    )  # a copy of A0 ...
    con.execute(
        "UPDATE appointments SET appointment_id = 'A9' WHERE rowid = (SELECT max(rowid) FROM appointments)"
    )
    con.commit()
    con.close()
    second = _sync(url, db)
    check_one_changed_one_added(first, second, db)
    assert not _sync(url, db).changed


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_row_is_quarantined_with_table_and_row_number(engine, tmp_path):
    rows = base_rows()
    rows["appointments"][2]["status"] = "maybe"  # the third row
    if engine == "sqlite":  # SQLite holds any value in any column
        rows["charges"][1]["quantity"] = "one"
    else:  # DuckDB's columns are typed
        rows["charges"][1]["category"] = "glasses"
    url, _ = make_db(engine, tmp_path / "src", rows)
    db = tmp_path / "wh.duckdb"
    report = _sync(url, db)
    assert report.table("appointments").quarantined == 1 and report.table("appointments").inserted == 3
    con = duckdb.connect(str(db), read_only=True)
    got = con.execute("SELECT table_name, source_file, line, reason FROM quarantine ORDER BY 1, 3").fetchall()
    con.close()
    reason = "unknown category value" if engine == "duckdb" else "unparseable integer in quantity"
    assert got == [
        ("appointments", f"{url}#appointments", 3, "unknown status value"),
        ("charges", f"{url}#charges", 2, reason),
        ("charges", f"{url}#charges", 3, "orphan appointment_id: not in appointments"),  # A2's charge
        ("surveys", f"{url}#surveys", 3, "orphan appointment_id: not in appointments"),  # and survey
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_column_stops_the_run_and_leaves_the_warehouse_byte_identical(engine, tmp_path):
    url, _ = make_db(engine, tmp_path / "good")
    db = tmp_path / "wh" / "wh.duckdb"
    _sync(url, db)
    before = db.read_bytes()
    broken, _ = make_db(engine, tmp_path / "broken", drop=("appointments", "status"))
    with pytest.raises(StructuralError) as info:
        _sync(broken, db)
    err = info.value
    assert (err.table, err.column) == ("appointments", "status")
    assert (
        "table 'appointments'" in str(err) and "column 'status'" in str(err) and "missing column" in str(err)
    )
    assert db.read_bytes() == before
    assert os.listdir(db.parent) == [db.name]


def test_missing_table_is_an_error_naming_it(tmp_path):
    url, path = make_db("sqlite", tmp_path / "src")
    con = sqlite3.connect(path)
    con.execute("DROP TABLE recalls")
    con.commit()
    con.close()
    db = tmp_path / "wh.duckdb"
    with pytest.raises(StructuralError, match="missing table 'recalls'") as info:
        _sync(url, db)
    assert info.value.table == "recalls"
    assert not db.exists()


def test_a_duckdb_column_of_the_wrong_type_is_an_error(tmp_path):
    url, path = make_db("duckdb", tmp_path / "src")
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE locations ALTER exam_rooms TYPE DATE USING DATE '2020-01-01'")
    con.close()
    with pytest.raises(StructuralError, match="type DATE cannot hold INTEGER") as info:
        _sync(url, tmp_path / "wh.duckdb")
    assert (info.value.table, info.value.column) == ("locations", "exam_rooms")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:hunter2@localhost/pm",
        "mariadb://root:hunter2@localhost:3306/pm?ssl=true",
        "mssql+pyodbc://sa:hunter2@dsn",
    ],
)
def test_unsupported_scheme_is_refused_naming_the_supported_ones(url, tmp_path):
    db = tmp_path / "wh.duckdb"
    with pytest.raises(UnsupportedSourceError) as info:
        _sync(url, db)
    message = str(info.value)
    assert "sqlite:///" in message and "duckdb:///" in message and "postgresql://" in message
    assert "CSV or Parquet" in message
    assert "hunter2" not in message and ":***@" in message
    assert not db.exists()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:s3cr@t@db:5432/pm", "postgresql://bob:***@db:5432/pm"),
        ("postgresql://bob@db/pm", "postgresql://bob@db/pm"),
        ("postgresql:///pm?user=bob&password=s3cr%40t", "postgresql:///pm?user=bob&password=***"),
        ("sqlite:///data/p.db", "sqlite:///data/p.db"),
    ],
)
def test_passwords_are_redacted(url, shown):
    assert redact(url) == shown


@pytest.mark.parametrize("url", ["sqlite://bob:s3cret@/p.db", "sqlite:///p.db?password=s3cret"])
def test_a_password_in_a_file_url_never_shows(url, tmp_path):
    with pytest.raises(SourceError) as info:
        _sync(url, tmp_path / "wh.duckdb")
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def test_url_paths_follow_sqlalchemy():
    assert parse_url("sqlite:///data/p.db").path == Path("data/p.db")
    assert parse_url("duckdb:////srv/acuity/p.duckdb").path == Path("/srv/acuity/p.duckdb")
    assert parse_url("SQLite:///a%20b.db").path == Path("a b.db")
    for bad in ("sqlite:///", "sqlite:///:memory:", "sqlite://host/p.db"):
        with pytest.raises(SourceError):
            parse_url(bad)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_missing_database_file_is_an_error_and_is_not_created(engine, tmp_path):
    path = tmp_path / f"none.{engine}"
    with pytest.raises(SourceError, match="database file not found"):
        _sync(f"{engine}:///{path}", tmp_path / "wh.duckdb")
    assert not path.exists()


def test_not_a_database_is_an_error(tmp_path):
    path = tmp_path / "p.db"
    path.write_text("patient_id,first_name\n")
    with pytest.raises(SourceError, match="sqlite:///"):
        _sync(f"sqlite:///{path}", tmp_path / "wh.duckdb")


def test_cli_ingests_a_database_and_skips_documents(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    url, _ = make_db("sqlite", tmp_path / "src")
    monkeypatch.setenv("ACUITY_SECRET", SECRET)
    db, index = tmp_path / "cli.duckdb", tmp_path / "index"
    assert main(["ingest", url, "--db", str(db), "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "appointments" in out and "inserted" in out
    assert "documents: skipped" in out
    assert not index.exists()
    assert main(["ingest", url, "--documents-only"]) == 1
    assert "needs a folder, or --documents DIR" in capsys.readouterr().err


def test_cli_prints_no_password(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("ACUITY_SECRET", SECRET)
    url = "mysql://acuity:hunter2@db.local/practice"
    assert main(["ingest", url, "--db", str(tmp_path / "wh.duckdb")]) == 1
    captured = capsys.readouterr()
    assert "hunter2" not in captured.err + captured.out
    assert "mysql://acuity:***@db.local/practice" in captured.err
    assert "sqlite:///" in captured.err
