"""A PostgreSQL database as the source, against a real server (the ``pg_cluster`` fixture).

Each test loads the hand-made export (``handmade.py``) into a fresh database with COPY:
the contract's types, columns in reverse order plus an extra ``note`` column, ``status``
spelled ``"STATUS"`` (names match case-blind) and ``staff`` a view over ``hr_staff``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import sql

from ingest.contract import TABLES_BY_NAME, ColType
from ingest.scrub import Scrubber
from ingest.source import SourceError, StructuralError
from ingest.source_db import open_database
from ingest.source_pg import SourceConnectionError
from ingest.source_url import parse_url
from ingest.sync import patient_names, sync_export
from tests.ingest.handmade import base_rows, check_one_changed_one_added, identifiers, write_export
from tests.ingest.pg_cluster import SECURED, SECURED_PASSWORD, Cluster, ClusterError, find_bin
from tests.ingest.test_documents_index import stored_texts

SECRET = "pg-source-secret"
AS_OF = dt.date(2026, 10, 1)
_PG_TYPES = {
    ColType.VARCHAR: "text",
    ColType.INTEGER: "integer",
    ColType.DECIMAL: "numeric(12,2)",
    ColType.DOUBLE: "double precision",
    ColType.BOOLEAN: "boolean",
    ColType.DATE: "date",
    ColType.TIMESTAMP: "timestamp",
}
_numbers = itertools.count()


def write_pg(
    cluster: Cluster,
    rows: dict[str, list[dict[str, str]]] | None = None,
    *,
    schema: str = "public",
    drop: tuple[str, str] | None = None,
    types: dict[tuple[str, str], str] | None = None,
) -> tuple[str, str]:
    """A new database holding ``rows`` (default: the hand-made export) in ``schema``: (name, URL).

    ``drop=(table, column)`` leaves a column out; ``types`` overrides a column's type.
    """
    rows = base_rows() if rows is None else rows
    name = f"practice_{next(_numbers)}"
    with cluster.connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with cluster.connect(name) as con:
        if schema != "public":
            con.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        for table, table_rows in rows.items():
            cols = [c for c in reversed(TABLES_BY_NAME[table].source_columns) if (table, c.name) != drop]
            spelled = ["STATUS" if c.name == "status" else c.name for c in cols]
            stored = "hr_staff" if table == "staff" else table
            target = sql.Identifier(schema, stored)
            defs = [
                sql.SQL("{} {}").format(
                    sql.Identifier(n), sql.SQL((types or {}).get((table, c.name), _PG_TYPES[c.type]))
                )
                for n, c in zip(spelled, cols, strict=True)
            ]
            con.execute(sql.SQL("CREATE TABLE {} ({}, note text)").format(target, sql.SQL(", ").join(defs)))
            copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
                target, sql.SQL(", ").join(map(sql.Identifier, spelled))
            )
            with con.cursor().copy(copy) as cp:
                for r in table_rows:
                    cp.write_row([r[c.name] or None for c in cols])
        view = sql.SQL("CREATE VIEW {} AS SELECT * FROM {}")
        con.execute(view.format(sql.Identifier(schema, "staff"), sql.Identifier(schema, "hr_staff")))
    query = {} if schema == "public" else {"schema": schema}
    return name, cluster.url(name, **query)


def _sync(src: str, db: Path, **kw):
    return sync_export(src, db, secret=SECRET, as_of=AS_OF, **kw)


def _dump(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.table(t).fetchall(), key=repr) for t in TABLES_BY_NAME}
    finally:
        con.close()


def _relations(cluster: Cluster, database: str) -> list[tuple]:
    """Every relation outside the system schemas: (schema, name, kind)."""
    q = (
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2"
    )
    with cluster.connect(database) as con:
        return con.execute(q).fetchall()


def test_postgres_urls_are_parsed_by_libpq_with_a_schema_option():
    url = parse_url("postgres://bob:s3cr%40t@db.local:5433/pm?schema=emr&sslmode=require")
    assert (url.scheme, url.host, url.port, url.user, url.database, url.schema) == (
        "postgresql",
        "db.local",
        "5433",
        "bob",
        "pm",
        "emr",
    )
    assert url.shown == "postgres://bob:***@db.local:5433/pm?schema=emr&sslmode=require"
    assert "s3cr@t" not in repr(url) and "schema" not in url.conninfo and "sslmode=require" in url.conninfo
    assert parse_url("postgresql://bob@db/pm").schema == "public"
    for bad in ("postgresql://bob@db/", "postgresql://db/pm?schema=", "postgresql://db/pm#x"):
        with pytest.raises(SourceError):
            parse_url(bad)
    with pytest.raises(SourceError, match="invalid URI query parameter") as info:
        parse_url("postgresql://bob:hunter2@db/pm?colour=blue")
    assert "hunter2" not in str(info.value)


def test_missing_server_binaries_are_an_error_not_a_skip(tmp_path, monkeypatch):
    monkeypatch.setenv("ACUITY_PG_BIN", str(tmp_path))
    with pytest.raises(ClusterError, match="apt-get install -y postgresql"):
        find_bin()


@pytest.fixture(scope="module")
def csv_warehouse(tmp_path_factory):
    """The hand-made export ingested from its CSV files."""
    tmp = tmp_path_factory.mktemp("csv")
    db = tmp / "csv.duckdb"
    _sync(str(write_export(tmp / "export", base_rows())), db)
    return _dump(db)


def test_postgres_gives_the_same_warehouse_as_the_csv_export(pg_cluster, csv_warehouse, tmp_path):
    name, url = write_pg(pg_cluster)
    before = _relations(pg_cluster, name)
    db = tmp_path / "wh.duckdb"
    report = _sync(url, db)
    assert report.totals.quarantined == 0 and report.totals.rows_read > 20
    assert report.table("appointments").source_file == f"{url}#appointments"
    assert _dump(db) == csv_warehouse
    assert _relations(pg_cluster, name) == before  # nothing created in the source
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT source FROM sync_runs").fetchone()[0] == url
    con.close()
    raw = db.read_bytes()
    for ident in identifiers():
        assert ident.encode() not in raw, ident


def test_a_named_schema_is_read(pg_cluster, csv_warehouse, tmp_path):
    _, url = write_pg(pg_cluster, schema="PM Data")
    assert "schema=PM%20Data" in url
    db = tmp_path / "wh.duckdb"
    _sync(url, db)
    assert _dump(db) == csv_warehouse
    with pytest.raises(SourceError, match="has no schema 'nope'"):
        _sync(url.replace("PM%20Data", "nope"), tmp_path / "other.duckdb")
    public = url.split("&schema=")[0]  # the default schema, public, has no tables here
    with pytest.raises(StructuralError, match="missing table 'locations'"):
        _sync(public, tmp_path / "other.duckdb")
    assert not (tmp_path / "other.duckdb").exists()


def test_the_connection_is_read_only_in_one_repeatable_read_snapshot(pg_cluster):
    name, url = write_pg(pg_cluster)
    with open_database(url) as source:
        con = source.reader.con
        assert con.execute("SHOW transaction_isolation").fetchone()[0] == "repeatable read"
        assert con.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        with pg_cluster.connect(name) as other:  # a write elsewhere after the snapshot was taken
            other.execute("DELETE FROM appointments WHERE appointment_id = 'A3'")
        appointments = next(t for t in source.tables if t.table.name == "appointments")
        staging = duckdb.connect()
        assert appointments.stage(staging, "raw") == 4  # still sees A3
        staging.close()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("CREATE TABLE leak (x int)")
    assert "leak" not in [r[1] for r in _relations(pg_cluster, name)]


def test_same_database_twice_changes_nothing_even_when_rows_move_on_disk(pg_cluster, tmp_path):
    name, url = write_pg(pg_cluster)
    db = tmp_path / "wh.duckdb"
    first = _sync(url, db)
    before = _dump(db)
    with pg_cluster.connect(name) as con:  # every tuple rewritten elsewhere in the heap
        con.execute('UPDATE appointments SET "STATUS" = "STATUS"')
        con.execute("VACUUM FULL charges")
    second = _sync(url, db)
    assert not second.changed and second.totals.rows_read == first.totals.rows_read
    assert second.fingerprint == first.fingerprint
    assert _dump(db) == before


def test_changed_row_is_upserted_and_the_fingerprint_changes(pg_cluster, tmp_path):
    name, url = write_pg(pg_cluster)
    db = tmp_path / "wh.duckdb"
    first = _sync(url, db)
    with pg_cluster.connect(name) as con:
        con.execute("""UPDATE appointments SET "STATUS" = 'no_show' WHERE appointment_id = 'A1'""")
        con.execute(
            "INSERT INTO appointments SELECT * FROM appointments WHERE appointment_id = 'A0'"
        )  # a copy of A0 ...
        con.execute(
            "UPDATE appointments SET appointment_id = 'A9' WHERE ctid = (SELECT max(ctid) FROM appointments)"
        )
    second = _sync(url, db)
    check_one_changed_one_added(first, second, db)
    assert not _sync(url, db).changed


def test_bad_row_is_quarantined_with_table_and_row_number(pg_cluster, tmp_path):
    rows = base_rows()
    rows["appointments"][2]["status"] = "maybe"  # the third row by key (A2)
    rows["charges"][1]["category"] = "glasses"
    _, url = write_pg(pg_cluster, rows)
    db = tmp_path / "wh.duckdb"
    report = _sync(url, db)
    assert report.table("appointments").quarantined == 1 and report.table("appointments").inserted == 3
    con = duckdb.connect(str(db), read_only=True)
    got = con.execute("SELECT table_name, source_file, line, reason FROM quarantine ORDER BY 1, 3").fetchall()
    con.close()
    assert got == [
        ("appointments", f"{url}#appointments", 3, "unknown status value"),
        ("charges", f"{url}#charges", 2, "unknown category value"),
        ("charges", f"{url}#charges", 3, "orphan appointment_id: not in appointments"),
        ("surveys", f"{url}#surveys", 3, "orphan appointment_id: not in appointments"),
    ]


def test_missing_column_stops_the_run_and_leaves_the_warehouse_byte_identical(pg_cluster, tmp_path):
    _, url = write_pg(pg_cluster)
    db = tmp_path / "wh" / "wh.duckdb"
    _sync(url, db)
    before = db.read_bytes()
    _, broken = write_pg(pg_cluster, drop=("appointments", "status"))
    with pytest.raises(StructuralError) as info:
        _sync(broken, db)
    err = info.value
    assert (err.table, err.column) == ("appointments", "status")
    assert f"{broken}, table 'appointments', column 'status': missing column" in str(err)
    assert db.read_bytes() == before
    assert os.listdir(db.parent) == [db.name]


def test_a_column_of_the_wrong_type_is_an_error(pg_cluster, tmp_path):
    types = {("locations", "exam_rooms"): "date", ("appointments", "scheduled_at"): "timestamptz"}
    _, url = write_pg(pg_cluster, base_rows() | {"locations": [], "appointments": []}, types=types)
    with pytest.raises(StructuralError, match="type DATE cannot hold INTEGER") as info:
        _sync(url, tmp_path / "wh.duckdb")
    assert (info.value.table, info.value.column) == ("locations", "exam_rooms")
    del types[("locations", "exam_rooms")]
    _, url = write_pg(pg_cluster, base_rows() | {"appointments": []}, types=types)
    with pytest.raises(StructuralError, match="type TIMESTAMP WITH TIME ZONE cannot hold TIMESTAMP"):
        _sync(url, tmp_path / "wh.duckdb")


def test_a_password_reaches_the_server_and_is_never_shown_or_stored(pg_cluster, tmp_path):
    name, _ = write_pg(pg_cluster)
    with pg_cluster.connect(name) as con:
        con.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(SECURED))
        )
    url = pg_cluster.url(name, user=SECURED, password=SECURED_PASSWORD)
    shown = parse_url(url).shown
    assert SECURED_PASSWORD not in shown and f"{SECURED}:***@" in shown
    assert SECURED_PASSWORD not in repr(parse_url(url))
    db = tmp_path / "wh.duckdb"
    report = _sync(url, db)
    assert report.table("patients").source_file == f"{shown}#patients"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT source FROM sync_runs").fetchone()[0] == shown
    con.close()
    assert SECURED_PASSWORD.encode() not in db.read_bytes()
    wrong = pg_cluster.url(name, user=SECURED, password="not-" + SECURED_PASSWORD)
    with pytest.raises(SourceConnectionError, match="password authentication failed") as info:
        _sync(wrong, tmp_path / "other.duckdb")
    message = str(info.value)
    assert SECURED_PASSWORD not in message and f"database {name!r}" in message
    assert str(pg_cluster.socket_dir) in message and info.value.user == SECURED
    assert not (tmp_path / "other.duckdb").exists()


def test_unknown_database_and_server_down_are_typed_errors(pg_cluster, tmp_path):
    with pytest.raises(SourceConnectionError, match="database 'no_such_db'") as info:
        _sync(pg_cluster.url("no_such_db", password="hunter2"), tmp_path / "wh.duckdb")
    assert "does not exist" in str(info.value) and "hunter2" not in str(info.value)
    down = tmp_path / "no-server"
    down.mkdir()
    url = pg_cluster.url("practice", password="hunter2").replace(str(pg_cluster.socket_dir), str(down))
    with pytest.raises(SourceConnectionError) as info:
        _sync(url, tmp_path / "wh.duckdb")
    assert (info.value.host, info.value.database) == (str(down), "practice")
    assert "hunter2" not in str(info.value) and str(down) in str(info.value)
    assert not (tmp_path / "wh.duckdb").exists()


def test_patient_names_come_from_the_patients_table(pg_cluster):
    _, url = write_pg(pg_cluster)
    names = patient_names(url)
    assert {"Marisol", "Alvarez", "Theodore", "Whitcombe"} <= set(names)


PLANTED = ("Zephyrine", "Quillfeather")  # no name list knows them: only the database does
NOTE = """# Incident note: waiting room fall

Date: 2026-02-03

Zephyrine Quillfeather slipped near the frame display. Mrs Quillfeather was not injured;
wet-floor signs are now kept at the entrance.
"""


def test_cli_indexes_documents_with_the_database_patient_names(pg_cluster, tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    rows = base_rows()
    rows["patients"][0].update(first_name=PLANTED[0], last_name=PLANTED[1])
    _, url = write_pg(pg_cluster, rows)
    docs = tmp_path / "notes"
    docs.mkdir()
    (docs / "incident.md").write_text(NOTE, encoding="utf-8")
    monkeypatch.setenv("ACUITY_SECRET", SECRET)
    db, index = tmp_path / "cli.duckdb", tmp_path / "index"
    args = ["ingest", url, "--db", str(db), "--index", str(index)]
    assert main([*args, "--documents", str(docs)]) == 0
    out = capsys.readouterr().out
    assert "appointments" in out and "1 added" in out and "documents: skipped" not in out
    stored = " ".join(stored_texts(index))
    assert "frame display" in stored
    assert PLANTED[0] in Scrubber().scrub(NOTE)  # without the database's names it would stay
    for planted in PLANTED:
        assert planted not in stored
    assert main([*args, "--documents", str(docs), "--documents-only"]) == 0  # no sync: same names
    assert "1 unchanged" in capsys.readouterr().out
    assert main([*args, "--documents", str(tmp_path / "none")]) == 1
    assert "is not a folder" in capsys.readouterr().err
    assert main([*args, "--documents-only"]) == 1
    assert "--documents DIR" in capsys.readouterr().err
