"""Sign-in (users file, hashed passwords) and the append-only audit store."""

from __future__ import annotations

import stat
import threading

import duckdb
import pytest

from assistant.audit import STATEMENTS, AppStore, AuditError, Turn, check_append_only
from assistant.auth import AuthError, User, UserStore, hash_password, verify_password, write_users_file


def test_password_hash_verifies_and_is_salted():
    h1, h2 = hash_password("s3cret", iterations=1000), hash_password("s3cret", iterations=1000)
    assert h1 != h2  # salted
    assert verify_password("s3cret", h1) and verify_password("s3cret", h2)
    assert not verify_password("wrong", h1)
    assert not verify_password("s3cret", "garbage")
    assert "s3cret" not in h1


def test_users_file_round_trip_and_permissions(tmp_path):
    path = tmp_path / "users.toml"
    write_users_file(
        path,
        [(User("ann", "owner", "Ann"), "pw-ann"), (User("bob", "manager", locations=("LOC2",)), "pw-bob")],
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "pw-ann" not in text and "pw-bob" not in text
    store = UserStore.load(path)
    bob = store.authenticate("bob", "pw-bob")
    assert bob == User("bob", "manager", "", ("LOC2",))
    assert store.authenticate("bob", "pw-ann") is None
    assert store.authenticate("nobody", "pw-ann") is None
    assert store.authenticate("ann", "pw-ann").role == "owner"


@pytest.mark.parametrize(
    "body, problem",
    [
        ('[users.x]\nrole = "admin"\npassword_hash = "h"\n', "role 'admin'"),
        ('[users.x]\nrole = "owner"\n', "no password_hash"),
        ('[users.x]\nrole = "manager"\npassword_hash = "h"\n', "needs at least one location"),
        ("[users.x\n", "not valid TOML"),
    ],
)
def test_bad_users_file_names_the_problem(tmp_path, body, problem):
    path = tmp_path / "users.toml"
    path.write_text(body)
    with pytest.raises(AuthError, match=problem) as exc:
        UserStore.load(path)
    assert str(path) in str(exc.value)


def test_audit_log_records_turns_and_feedback_append_only(tmp_path):
    store = AppStore(tmp_path / "app.duckdb")
    tid = store.record_turn(
        Turn(
            "ann",
            "owner",
            "no-show rate last month",
            "answer",
            {"metrics": ["no_show_rate"]},
            "SELECT 1",
            row_count=1,
        )
    )
    store.record_feedback(tid, "ann", 0)
    store.record_feedback(tid, "ann", 1)
    cols, rows = store.audit_rows()
    row = dict(zip(cols, rows[0], strict=True))
    assert row["question"] == "no-show rate last month" and row["feedback"] == 1 and row["role"] == "owner"
    assert store.turn(tid)["interpretation"] == {"metrics": ["no_show_rate"]}
    with pytest.raises(ValueError):
        store.record_feedback(tid, "ann", 5)
    store.close()
    con = duckdb.connect(str(tmp_path / "app.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM feedback").fetchone()[0] == 2  # both kept
    con.close()


def test_pins_are_per_user_persist_and_only_their_owner_removes_them(tmp_path):
    path = tmp_path / "app.duckdb"
    store = AppStore(path)
    ann = store.add_pin(
        "ann", "No-shows by location", "no-show rate by location", {"metrics": ["no_show_rate"]}
    )
    bob = store.add_pin("bob", "Revenue", "revenue by month", {"metrics": ["revenue"]})
    store.close()
    store = AppStore(path)  # persisted
    assert [p["pin_id"] for p in store.pins("ann")] == [ann]
    assert [p["title"] for p in store.pins("bob")] == ["Revenue"]
    assert store.remove_pin(ann, "bob") is False  # not Bob's pin
    assert [p["pin_id"] for p in store.pins("ann")] == [ann]
    assert store.remove_pin(ann, "ann") is True
    assert store.pins("ann") == [] and [p["pin_id"] for p in store.pins("bob")] == [bob]


PUBLIC_API = {
    "record_turn",
    "record_feedback",
    "feedback",
    "audit_rows",
    "turn",
    "add_verified_query",
    "verified_queries",
    "add_pin",
    "remove_pin",
    "pins",
    "close",
}


def test_no_public_way_to_alter_an_audit_row(tmp_path):
    store = AppStore(tmp_path / "app.duckdb")
    tid = store.record_turn(Turn("ann", "owner", "revenue last month", "answer", sql="SELECT 1", row_count=1))
    # the store's whole surface: appends and reads (and pins); no connection, no SQL taken from callers
    public = {n for n in dir(store) if not n.startswith("_")} - {"path"}
    assert public == PUBLIC_API
    assert not any(
        isinstance(v, duckdb.DuckDBPyConnection) for k, v in vars(store).items() if not k.startswith("_")
    )
    # every write the store can make leaves the audit row as it was
    with pytest.raises(AuditError, match="never replaced"):
        store.record_turn(Turn("mallory", "owner", "nothing happened", "answer", turn_id=tid))
    store.record_feedback(tid, "ann", 1)
    store.record_feedback(tid, "ann", 0, "changed my mind")
    with pytest.raises(AuditError, match="no turn"):
        store.record_feedback("no-such-turn", "ann", 1)
    store.add_verified_query("revenue last month", {"metrics": ["revenue"]}, "ann", tid)
    pin = store.add_pin("ann", "t", "revenue last month", {"metrics": ["revenue"]})
    store.remove_pin(pin, "ann")
    store.remove_pin(tid, "ann")
    cols, rows = store.audit_rows()
    assert len(rows) == 1
    row = dict(zip(cols, rows[0], strict=True))
    assert (row["username"], row["question"], row["sql"], row["row_count"]) == (
        "ann",
        "revenue last month",
        "SELECT 1",
        1,
    )
    assert row["feedback"] == 0  # the latest feedback; both rows are kept
    assert [(f["score"], f["comment"]) for f in store.feedback(tid)] == [(1, None), (0, "changed my mind")]
    store.close()


def test_every_statement_the_store_runs_is_append_only():
    check_append_only(STATEMENTS)  # also checked when the module is imported
    assert all(name in STATEMENTS for name in ("add_turn", "add_feedback"))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET question = 'x'",
        "DELETE FROM feedback WHERE score = 0",
        "INSERT OR REPLACE INTO audit_log VALUES (1)",
        "INSERT INTO feedback VALUES (1) ON CONFLICT DO UPDATE SET score = 1",
        "TRUNCATE audit_log",
        "DROP TABLE feedback",
        "ALTER TABLE audit_log DROP COLUMN sql",
        "CREATE OR REPLACE TABLE audit_log AS SELECT 1",
    ],
)
def test_a_statement_that_would_change_audit_rows_is_refused(sql):
    with pytest.raises(AuditError, match="only ever inserted"):
        check_append_only({"sneaky": sql})


def test_a_turn_records_interpreter_and_model(tmp_path):
    store = AppStore(tmp_path / "app.duckdb")
    builtin = store.record_turn(Turn("ann", "owner", "q1", "answer"))
    llm = store.record_turn(Turn("ann", "owner", "q2", "answer", interpreter="llm", model="gpt-test"))
    assert (store.turn(builtin)["interpreter"], store.turn(builtin)["model"]) == ("builtin", "")
    assert (store.turn(llm)["interpreter"], store.turn(llm)["model"]) == ("llm", "gpt-test")
    store.close()


def test_audit_store_concurrent_writers(tmp_path):
    store = AppStore(tmp_path / "app.duckdb")

    def work(i: int) -> None:
        for j in range(10):
            store.record_turn(Turn(f"u{i}", "staff", f"q{i}-{j}", "answer"))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _, rows = store.audit_rows(limit=1000)
    assert len(rows) == 100


def test_users_cli_add_list_remove(tmp_path, capsys, monkeypatch):
    import io

    from assistant.cli import main

    path = tmp_path / "users.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert (
        main(
            [
                "users",
                "--file",
                str(path),
                "add",
                "nm",
                "--role",
                "manager",
                "--location",
                "LOC2",
                "--password-stdin",
            ]
        )
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "--file", str(path), "add", "x", "--role", "staff", "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
    assert main(["users", "--file", str(path), "add", "ow", "--role", "owner", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["users", "--file", str(path), "list"]) == 0
    listed = capsys.readouterr().out
    assert "nm\tmanager locations=LOC2" in listed and "ow\towner" in listed and "long-enough" not in listed
    store = UserStore.load(path)
    assert store.authenticate("nm", "long-enough-pw").locations == (
        "LOC2",
    )  # kept its hash when ow was added
    assert main(["users", "--file", str(path), "remove", "nm"]) == 0
    assert main(["users", "--file", str(path), "remove", "nm"]) == 2
    assert "nm" not in UserStore.load(path).users


def test_sso_users_match_by_email_and_cannot_use_a_password(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[users."Ana@Example.org"]\nrole = "owner"\nsso = true\n')
    store = UserStore.load(path)
    assert store.sso_user("ana@example.org").role == "owner"
    assert store.sso_user("bob@example.org") is None and store.sso_user(None) is None
    assert store.authenticate("Ana@Example.org", "") is None
