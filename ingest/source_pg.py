"""PostgreSQL as a database source: read with psycopg 3, read-only, from one snapshot.

The connection starts with ``default_transaction_read_only=on`` and every statement runs in
one ``READ ONLY`` ``REPEATABLE READ`` transaction (opened by the first catalog query and
never committed), so the structure check and every table's rows come from the same
snapshot and nothing can be written to the source. Tables, views, materialized views,
partitioned and foreign tables of the URL's schema (``?schema=NAME``, default ``public``)
are found in ``pg_catalog``; each is read through a server-side cursor in batches, every
column cast to text on the server (``DateStyle`` ISO, so dates and timestamps read as
a CSV export writes them), ordered by the contract key and then by every column's text, so
row numbers and the fingerprint do not depend on where rows lie on disk.

Column types are checked as a DuckDB file's are: a column whose type cannot hold the
contract's (``timestamp with time zone`` for a timestamp, ``text`` for a date is fine)
raises :class:`~ingest.source.StructuralError`. A failed connection (server down, bad
password, unknown database) raises :class:`SourceConnectionError`, which names the
host, port, database and user but never the password.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import psycopg
import pyarrow as pa
from sqlglot import exp

from ingest.source import SourceError
from ingest.source_db import BATCH_ROWS, VIEW, string_array
from ingest.source_url import DatabaseURL
from ingest.sqlbuild import ident, lit, render, template

DIALECT = "postgres"
CONNECT_TIMEOUT_S = 10
# server settings for the session: read-only, and text forms a CSV export would have
SESSION = "-c default_transaction_read_only=on -c DateStyle=ISO,YMD -c extra_float_digits=1"
ALIAS = "src"
# pg_type.typname (of the base type, for a domain) -> the DuckDB type name TYPES_OK speaks
_TYPE_NAMES = {
    "int2": "SMALLINT",
    "int4": "INTEGER",
    "int8": "BIGINT",
    "numeric": "DECIMAL",
    "float4": "FLOAT",
    "float8": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "text": "VARCHAR",
    "varchar": "VARCHAR",
    "bpchar": "VARCHAR",
    "citext": "VARCHAR",
    "name": "VARCHAR",
}
_KINDS = {"r": "table", "p": "table", "f": "table", "v": VIEW, "m": VIEW}


class SourceConnectionError(SourceError):
    """The PostgreSQL server could not be reached or refused the connection (password hidden)."""

    def __init__(self, url: DatabaseURL, reason: str) -> None:
        self.host, self.port, self.database, self.user = url.host, url.port, url.database, url.user
        self.reason = reason
        who = f" as user {url.user!r}" if url.user else ""
        super().__init__(
            f"cannot connect to PostgreSQL database {url.database!r} on {url.host} port {url.port}"
            f"{who} ({url.shown}): {reason}"
        )


def _reason(exc: BaseException, url: DatabaseURL) -> str:
    """The driver's message on one line, the password masked should it ever appear."""
    return url.hide(re.sub(r"\s+", " ", str(exc)).strip()) or type(exc).__name__


class PostgresReader:
    """A read-only psycopg connection in one REPEATABLE READ transaction (see the module doc)."""

    dialect = DIALECT
    typed = True  # column types are checked against the contract
    errors: tuple[type[BaseException], ...] = (psycopg.Error,)

    def __init__(self, url: DatabaseURL) -> None:
        self.url, self.schema = url, url.schema
        try:
            self.con = psycopg.connect(
                url.conninfo,
                options=_options(url.conninfo),
                application_name="acuity-ingest",
                connect_timeout=_timeout(url.conninfo),
                client_encoding="UTF8",
            )
        except psycopg.Error as exc:
            raise SourceConnectionError(url, _reason(exc, url)) from None
        self.con.read_only = True
        self.con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self._cursors = 0

    def _rows(self, q: exp.Expression) -> list[tuple]:
        try:
            return self.con.execute(render(q, DIALECT)).fetchall()
        except psycopg.Error as exc:
            raise SourceError(f"cannot read {self.url.shown}: {_reason(exc, self.url)}") from None

    def relations(self) -> dict[str, tuple[str, str]]:
        """Tables and views of the schema (raises :class:`SourceError` when it does not exist)."""
        q = template("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = :s", s=lit(self.schema))
        if not self._rows(q):
            raise SourceError(
                f"{self.url.shown}: database {self.url.database!r} has no schema {self.schema!r}"
            )
        q = template(
            "SELECT c.relname, c.relkind FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n "
            "ON n.oid = c.relnamespace WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'f', 'v', 'm')",
            s=lit(self.schema),
        )
        return {str(n).lower(): (str(n), _KINDS[str(k)]) for n, k in self._rows(q)}

    def columns(self, name: str) -> list[tuple[str, str]]:
        """(column, DuckDB name of its type, or PostgreSQL's own when it has none) in order."""
        q = template(
            "SELECT a.attname, b.typname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "FROM pg_catalog.pg_attribute AS a "
            "JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid "
            "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid "
            "JOIN pg_catalog.pg_type AS b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
            "WHERE n.nspname = :s AND c.relname = :t AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            s=lit(self.schema),
            t=lit(name),
        )
        return [(str(n), _TYPE_NAMES.get(str(b), str(shown).upper())) for n, b, shown in self._rows(q)]

    def relation(self, name: str) -> exp.Table:
        """``"schema"."name" AS src``."""
        return exp.Table(this=ident(name), db=ident(self.schema), alias=exp.TableAlias(this=ident(ALIAS)))

    def order(self, kind: str, columns: Sequence[str], key: Sequence[int]) -> list[exp.Expression]:
        """The key columns by value, then every selected (text) column by position."""
        by_key: list[exp.Expression] = [exp.column(ident(columns[i]), ident(ALIAS)) for i in key]
        return by_key + [exp.Literal.number(n) for n in range(1, len(columns) + 1)]

    def batches(self, select: exp.Select, names: Sequence[str]) -> pa.RecordBatchReader:
        """The rows through a server-side cursor, ``BATCH_ROWS`` at a time."""
        self._cursors += 1
        cur = self.con.cursor(name=f"acuity_read_{self._cursors}")
        cur.itersize = BATCH_ROWS
        cur.execute(render(select, DIALECT))
        schema = pa.schema([(n, pa.string()) for n in names])

        def gen() -> Iterator[pa.RecordBatch]:
            try:
                while rows := cur.fetchmany(BATCH_ROWS):
                    arrays = [string_array(values) for values in zip(*rows, strict=True)]
                    yield pa.RecordBatch.from_arrays(arrays, schema=schema)
            finally:
                cur.close()

        return pa.RecordBatchReader.from_batches(schema, gen())

    def close(self) -> None:
        """Roll back the (read-only) transaction and close the connection."""
        self.con.close()


def _params(conninfo: str) -> dict[str, object]:
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(conninfo)


def _options(conninfo: str) -> str:
    """The URL's own ``options`` (if any) followed by the session settings."""
    own = str(_params(conninfo).get("options") or "")
    return f"{own} {SESSION}".strip()


def _timeout(conninfo: str) -> int:
    given = _params(conninfo).get("connect_timeout")
    return int(str(given)) if given else CONNECT_TIMEOUT_S
