"""The app's own state: an append-only audit log of every turn, feedback, and pins.

It lives in its own DuckDB file (``$ACUITY_HOME/app.duckdb``), never in the warehouse:
the warehouse stays read-only for answering and is swapped whole by ingestion. Rows of
``audit_log`` and ``feedback`` are only ever inserted (feedback on a turn is a new row
that refers to it); nothing here updates or deletes them.

All statements are constant SQL text with parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
        turn_id VARCHAR PRIMARY KEY, asked_at TIMESTAMP NOT NULL, username VARCHAR, role VARCHAR,
        question VARCHAR, kind VARCHAR, interpretation JSON, sql VARCHAR, interpreter VARCHAR,
        model VARCHAR, row_count INTEGER, elapsed_ms DOUBLE, error VARCHAR)""",
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
    model: str | None = None
    row_count: int = 0
    elapsed_ms: float = 0.0
    error: str | None = None
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class AppStore:
    """Thread-safe access to the app's state file (one connection, a cursor per call)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(self.path))
        self._lock = threading.Lock()
        with self._lock:
            for stmt in _SCHEMA:
                self._con.execute(stmt)

    def _run(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with self._lock:
            cur = self._con.cursor()
            try:
                cur.execute(sql, params or [])
                return cur.fetchall() if cur.description else []
            finally:
                cur.close()

    def record_turn(self, turn: Turn) -> str:
        """Append one turn to the audit log; returns its id."""
        self._run(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                turn.turn_id,
                dt.datetime.now(),
                turn.username,
                turn.role,
                turn.question,
                turn.kind,
                json.dumps(turn.interpretation) if turn.interpretation is not None else None,
                turn.sql,
                turn.interpreter,
                turn.model,
                turn.row_count,
                turn.elapsed_ms,
                turn.error,
            ],
        )
        return turn.turn_id

    def record_feedback(self, turn_id: str, username: str, score: int, comment: str | None = None) -> None:
        """Append thumbs up (1) or down (0) for a turn."""
        if score not in (0, 1):
            raise ValueError(f"feedback score must be 0 or 1, got {score!r}")
        self._run(
            "INSERT INTO feedback VALUES (?, ?, ?, ?, ?)",
            [turn_id, dt.datetime.now(), username, score, comment],
        )

    def audit_rows(self, limit: int = 500) -> tuple[list[str], list[tuple]]:
        """The newest turns with their latest feedback, for the audit page and export."""
        sql = """
            SELECT a.asked_at, a.username, a.role, a.question, a.kind, a.interpreter, a.model,
                   a.row_count, round(a.elapsed_ms, 1) AS elapsed_ms, a.sql, a.interpretation,
                   (SELECT f.score FROM feedback f WHERE f.turn_id = a.turn_id
                    ORDER BY f.given_at DESC LIMIT 1) AS feedback, a.error, a.turn_id
            FROM audit_log a ORDER BY a.asked_at DESC LIMIT ?"""
        with self._lock:
            cur = self._con.cursor()
            try:
                cur.execute(sql, [limit])
                cols = [d[0] for d in cur.description]
                return cols, cur.fetchall()
            finally:
                cur.close()

    def turn(self, turn_id: str) -> dict[str, Any] | None:
        """One audit row as a dict, or None."""
        rows = self._run(
            "SELECT question, interpretation, username FROM audit_log WHERE turn_id = ?", [turn_id]
        )
        if not rows:
            return None
        q, interp, user = rows[0]
        return {"question": q, "interpretation": json.loads(interp) if interp else None, "username": user}

    def add_verified_query(
        self, question: str, semantic_query: dict[str, Any], username: str, turn_id: str | None
    ) -> None:
        """Append a question and its (checked) semantic query to the practice's verified queries."""
        self._run(
            "INSERT INTO verified_queries VALUES (?, ?, ?, ?, ?)",
            [question, json.dumps(semantic_query), username, dt.datetime.now(), turn_id],
        )

    def verified_queries(self) -> list[tuple[str, dict[str, Any]]]:
        """(question, semantic query) pairs promoted in the app, oldest first."""
        rows = self._run("SELECT question, semantic_query FROM verified_queries ORDER BY verified_at")
        return [(q, json.loads(sq)) for q, sq in rows]

    def add_pin(self, username: str, title: str, question: str, semantic_query: dict[str, Any]) -> str:
        """Pin an answer's semantic query to the dashboard; returns the pin id."""
        pin_id = uuid.uuid4().hex
        self._run(
            "INSERT INTO pins VALUES (?, ?, ?, ?, ?, ?, FALSE)",
            [pin_id, dt.datetime.now(), username, title, question, json.dumps(semantic_query)],
        )
        return pin_id

    def remove_pin(self, pin_id: str) -> None:
        """Hide a pin from the dashboard (the row stays, marked removed)."""
        self._run("UPDATE pins SET removed = TRUE WHERE pin_id = ?", [pin_id])

    def pins(self) -> list[dict[str, Any]]:
        """Pinned answers, oldest first."""
        rows = self._run(
            "SELECT pin_id, title, question, semantic_query, username FROM pins WHERE NOT removed ORDER BY pinned_at"
        )
        return [
            {"pin_id": p, "title": t, "question": q, "semantic_query": json.loads(sq), "username": u}
            for p, t, q, sq, u in rows
        ]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._con.close()
