"""The app's own state: an append-only audit log of every turn, feedback, and pins.

It lives in its own DuckDB file (``$ACUITY_HOME/app.duckdb``), never in the warehouse:
the warehouse stays read-only for answering and is swapped whole by ingestion.

Append-only is enforced, not a convention: the store runs only the named statements in
``STATEMENTS`` (it takes no SQL from its callers), and on import every one of them is
parsed and checked: ``audit_log`` and ``feedback`` are only ever inserted into or read,
never updated, deleted, replaced or altered (:func:`check_append_only`). Feedback on a
turn is a new row of its own table that refers to the turn; a turn id is recorded once.
Pins are the one mutable state (a pin can be hidden by its owner).

All statements are constant SQL text with parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

APPEND_ONLY_TABLES = ("audit_log", "feedback")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        turn_id VARCHAR PRIMARY KEY, asked_at TIMESTAMP NOT NULL, username VARCHAR, role VARCHAR,
        question VARCHAR, kind VARCHAR, interpretation JSON, sql VARCHAR, interpreter VARCHAR NOT NULL,
        model VARCHAR NOT NULL, row_count INTEGER, elapsed_ms DOUBLE, error VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS feedback (
        turn_id VARCHAR NOT NULL, given_at TIMESTAMP NOT NULL, username VARCHAR,
        score INTEGER NOT NULL, comment VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS verified_queries (
        question VARCHAR NOT NULL, semantic_query JSON NOT NULL, verified_by VARCHAR,
        verified_at TIMESTAMP NOT NULL, turn_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS pins (
        pin_id VARCHAR PRIMARY KEY, pinned_at TIMESTAMP NOT NULL, username VARCHAR,
        title VARCHAR, question VARCHAR, semantic_query JSON, removed BOOLEAN DEFAULT FALSE)""",
)

# Every statement the store can run, by name. Nothing else reaches the connection.
STATEMENTS: dict[str, str] = {
    "add_turn": "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "has_turn": "SELECT count(*) FROM audit_log WHERE turn_id = ?",
    "get_turn": "SELECT question, interpretation, username, interpreter, model FROM audit_log WHERE turn_id = ?",
    "audit_rows": """
        SELECT a.asked_at, a.username, a.role, a.question, a.kind, a.interpreter, a.model,
               a.row_count, round(a.elapsed_ms, 1) AS elapsed_ms, a.sql, a.interpretation,
               (SELECT f.score FROM feedback f WHERE f.turn_id = a.turn_id
                ORDER BY f.given_at DESC LIMIT 1) AS feedback, a.error, a.turn_id
        FROM audit_log a ORDER BY a.asked_at DESC LIMIT ?""",
    "add_feedback": "INSERT INTO feedback VALUES (?, ?, ?, ?, ?)",
    "get_feedback": "SELECT username, score, comment, given_at FROM feedback WHERE turn_id = ? ORDER BY given_at",
    "add_verified": "INSERT INTO verified_queries VALUES (?, ?, ?, ?, ?)",
    "verified": "SELECT question, semantic_query FROM verified_queries ORDER BY verified_at",
    "add_pin": "INSERT INTO pins VALUES (?, ?, ?, ?, ?, ?, FALSE)",
    "hide_pin": "UPDATE pins SET removed = TRUE WHERE pin_id = ? AND username = ? AND NOT removed",
    "pins": """SELECT pin_id, title, question, semantic_query, username FROM pins
               WHERE NOT removed AND username = ? ORDER BY pinned_at""",
}


class AuditError(Exception):
    """A write the audit store refuses (a turn recorded twice, feedback on an unknown turn)."""


def check_append_only(statements: Mapping[str, str], tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Raise ``AuditError`` naming any statement that would change or remove rows of ``tables``.

    Only plain INSERT and SELECT may touch them: no UPDATE, DELETE, TRUNCATE, DROP, ALTER,
    INSERT OR REPLACE or ON CONFLICT DO UPDATE.

    >>> check_append_only({"bad": "UPDATE audit_log SET question = 'x'"})
    Traceback (most recent call last):
    ...
    assistant.audit.AuditError: statement 'bad' would change audit_log: audit rows are only ever inserted
    """
    for name, sql in statements.items():
        tree = sqlglot.parse_one(sql, read="duckdb")
        if isinstance(tree, exp.Select):
            continue
        target = tree.find(exp.Table)
        table = target.name if target is not None else ""
        if table not in tables:
            continue
        plain_insert = (
            isinstance(tree, exp.Insert)
            and not tree.args.get("overwrite")
            and not tree.args.get("alternative")
            and not tree.args.get("conflict")
        )
        if not plain_insert:
            raise AuditError(f"statement {name!r} would change {table}: audit rows are only ever inserted")


check_append_only(STATEMENTS)


@dataclass(frozen=True)
class Turn:
    """One answered (or declined) question, as the audit log keeps it."""

    username: str
    role: str
    question: str
    kind: str
    interpretation: dict[str, Any] | None = None
    sql: str | None = None
    interpreter: str = "builtin"
    model: str = ""  # the LLM that interpreted it; empty for the built-in interpreter
    row_count: int = 0
    elapsed_ms: float = 0.0
    error: str | None = None
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class AppStore:
    """Thread-safe access to the app's state file (one connection, a cursor per call).

    Its public methods are the whole interface: append and read turns and feedback,
    add and read verified queries, add, hide and read one user's pins.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.__con = duckdb.connect(str(self.path))
        self.__lock = threading.Lock()
        with self.__lock:
            for stmt in _SCHEMA:
                self.__con.execute(stmt)

    def __run(self, name: str, params: list[Any] | None = None, *, unless: str | None = None):
        """Run the named statement (``unless`` a named check returns a non-zero count first)."""
        with self.__lock:
            cur = self.__con.cursor()
            try:
                if unless is not None and cur.execute(STATEMENTS[unless], params[:1]).fetchone()[0]:
                    return None
                cur.execute(STATEMENTS[name], params or [])
                if not cur.description:
                    return []
                return [d[0] for d in cur.description], cur.fetchall()
            finally:
                cur.close()

    def _rows(self, name: str, params: list[Any] | None = None) -> list[tuple]:
        return self.__run(name, params)[1]

    def record_turn(self, turn: Turn) -> str:
        """Append one turn to the audit log; returns its id. A turn id is recorded once."""
        done = self.__run(
            "add_turn",
            [
                turn.turn_id,
                dt.datetime.now(),
                turn.username,
                turn.role,
                turn.question,
                turn.kind,
                json.dumps(turn.interpretation) if turn.interpretation is not None else None,
                turn.sql,
                turn.interpreter or "builtin",
                turn.model or "",
                turn.row_count,
                turn.elapsed_ms,
                turn.error,
            ],
            unless="has_turn",
        )
        if done is None:
            raise AuditError(
                f"turn {turn.turn_id} is already in the audit log; audit rows are never replaced"
            )
        return turn.turn_id

    def record_feedback(self, turn_id: str, username: str, score: int, comment: str | None = None) -> None:
        """Append thumbs up (1) or down (0) for a recorded turn (earlier feedback rows stay)."""
        if score not in (0, 1):
            raise ValueError(f"feedback score must be 0 or 1, got {score!r}")
        if not self._rows("has_turn", [turn_id])[0][0]:
            raise AuditError(f"no turn {turn_id!r} in the audit log to give feedback on")
        self.__run("add_feedback", [turn_id, dt.datetime.now(), username, score, comment])

    def feedback(self, turn_id: str) -> list[dict[str, Any]]:
        """Every feedback row given on a turn, oldest first."""
        return [
            {"username": u, "score": s, "comment": c, "given_at": at}
            for u, s, c, at in self._rows("get_feedback", [turn_id])
        ]

    def audit_rows(self, limit: int = 500) -> tuple[list[str], list[tuple]]:
        """The newest turns with their latest feedback, for the audit page and export."""
        return self.__run("audit_rows", [limit])

    def turn(self, turn_id: str) -> dict[str, Any] | None:
        """One audit row as a dict, or None."""
        rows = self._rows("get_turn", [turn_id])
        if not rows:
            return None
        q, interp, user, interpreter, model = rows[0]
        return {
            "question": q,
            "interpretation": json.loads(interp) if interp else None,
            "username": user,
            "interpreter": interpreter,
            "model": model,
        }

    def add_verified_query(
        self, question: str, semantic_query: dict[str, Any], username: str, turn_id: str | None
    ) -> None:
        """Append a question and its (checked) semantic query to the practice's verified queries."""
        self.__run(
            "add_verified", [question, json.dumps(semantic_query), username, dt.datetime.now(), turn_id]
        )

    def verified_queries(self) -> list[tuple[str, dict[str, Any]]]:
        """(question, semantic query) pairs promoted in the app, oldest first."""
        return [(q, json.loads(sq)) for q, sq in self._rows("verified")]

    def add_pin(self, username: str, title: str, question: str, semantic_query: dict[str, Any]) -> str:
        """Pin an answer's semantic query to ``username``'s dashboard; returns the pin id."""
        pin_id = uuid.uuid4().hex
        self.__run(
            "add_pin", [pin_id, dt.datetime.now(), username, title, question, json.dumps(semantic_query)]
        )
        return pin_id

    def remove_pin(self, pin_id: str, username: str) -> bool:
        """Hide one of ``username``'s pins (the row stays, marked removed); False if not theirs."""
        before = len(self.pins(username))
        self.__run("hide_pin", [pin_id, username])
        return len(self.pins(username)) < before

    def pins(self, username: str) -> list[dict[str, Any]]:
        """``username``'s pinned answers, oldest first (pins are per user)."""
        return [
            {"pin_id": p, "title": t, "question": q, "semantic_query": json.loads(sq), "username": u}
            for p, t, q, sq, u in self._rows("pins", [username])
        ]

    def close(self) -> None:
        """Close the connection."""
        with self.__lock:
            self.__con.close()
