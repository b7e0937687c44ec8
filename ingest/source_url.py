"""Database URLs as ``acuity ingest`` sources: recognise, parse and redact them.

Supported: ``sqlite:///path/to/file.db``, ``duckdb:///path/to/file.duckdb`` and
``postgresql://user:password@host:port/dbname`` (or ``postgres://``). As in SQLAlchemy, a
file's path is what follows the third slash, so ``sqlite:///data/p.db`` is relative to the
working directory and ``sqlite:////srv/p.db`` is absolute. A PostgreSQL URL is libpq's own
(its query parameters such as ``sslmode`` or ``host=/socket/dir`` pass through), plus
``?schema=NAME`` (default ``public``), which names the schema the tables are read from.
Every other scheme (``mysql://``, ``mssql://``, ...) is refused with
:class:`UnsupportedSourceError`. A URL is only ever shown through :func:`redact`, which
hides its password; the connection string that holds it is never part of a ``repr``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ingest.source import SourceError

FILE_SCHEMES = ("sqlite", "duckdb")
SERVER_SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql"}  # spelling -> engine
SCHEMES = (*FILE_SCHEMES, *SERVER_SCHEMES)
SUPPORTED = (
    "sqlite:///path/to/file.db, duckdb:///path/to/file.duckdb, "
    "postgresql://user:password@host:port/dbname[?schema=NAME]"
)
DEFAULT_PG_SCHEMA = "public"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SECRET_PARAMS = frozenset({"password", "pwd", "passwd", "pass", "secret", "token", "sslpassword"})
MASK = "***"


class UnsupportedSourceError(SourceError):
    """A database URL whose scheme ingestion cannot read (the message names the supported ones)."""

    def __init__(self, url: str, scheme: str) -> None:
        self.url = url  # already redacted
        self.scheme = scheme
        super().__init__(
            f"cannot read {url}: database URLs with scheme {scheme!r} are not supported. "
            f"Supported: {SUPPORTED}. For another database (MySQL/MariaDB, SQL Server, ...), "
            "export its tables to CSV or Parquet files in one folder and ingest that folder "
            "(see docs/ingestion.md)."
        )


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL: engine, database file or server, and the URL as it may be shown.

    For a file (``sqlite``, ``duckdb``) ``path`` names it; for a server (``postgresql``)
    ``path`` is empty and ``conninfo`` (libpq's, password included, never shown) reaches it,
    with ``host``, ``port``, ``user`` and ``database`` for messages and ``schema`` to read.
    """

    scheme: str  # the engine: "sqlite", "duckdb" or "postgresql" (for postgres:// too)
    path: Path
    shown: str  # password redacted
    conninfo: str = field(default="", repr=False, compare=False)
    host: str = ""
    port: str = ""
    user: str = ""
    database: str = ""
    schema: str = ""

    @property
    def is_file(self) -> bool:
        """True for a database file (SQLite, DuckDB), False for a server."""
        return self.scheme in FILE_SCHEMES

    def hide(self, text: str) -> str:
        """``text`` with the URL's password (if any) masked: for messages from the driver."""
        password = _password(self.conninfo)
        return text.replace(password, MASK) if password else text


def is_database_url(source: object) -> bool:
    """True for a string of the form ``scheme://...`` (a folder path is not one)."""
    return isinstance(source, str) and bool(_URL.match(source))


def redact(url: str) -> str:
    """``url`` with the password of its user info and any password-like query value masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK  # unparseable: show nothing of it
    netloc = parts.netloc
    userinfo, at, hostinfo = netloc.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostinfo}" if colon else netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_PARAMS for k, _ in pairs):
            masked = [(k, MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs]
            query = urlencode(masked, safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide
    tail = (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return f"{parts.scheme}://{netloc}{parts.path}{tail}"  # urlunsplit drops the '//' of an empty host


def parse_url(url: str) -> DatabaseURL:
    """Parse a supported database URL; raises :class:`UnsupportedSourceError` or :class:`SourceError`."""
    shown = redact(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise SourceError(f"not a valid database URL: {shown} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UnsupportedSourceError(shown, scheme)
    if scheme in SERVER_SCHEMES:
        return _parse_server(url, parts.query, parts.fragment, shown)
    if parts.netloc:
        raise SourceError(
            f"{shown}: a {scheme} URL names a file, not a server: "
            f"{scheme}:///relative/path or {scheme}:////absolute/path"
        )
    if parts.query or parts.fragment:
        raise SourceError(f"{shown}: options after '?' or '#' are not supported in a {scheme} URL")
    path = unquote(parts.path)[1:]  # the path follows the third slash (SQLAlchemy's convention)
    if not path or path == ":memory:":
        raise SourceError(f"{shown}: names no database file")
    return DatabaseURL(scheme, Path(path), shown)


def _parse_server(url: str, query: str, fragment: str, shown: str) -> DatabaseURL:
    """A ``postgresql://`` URL: libpq parses it; ``schema`` is taken out of its query first."""
    from psycopg import Error as PGError
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    pairs = parse_qsl(query, keep_blank_values=True)
    schemas = [v for k, v in pairs if k == "schema"]
    if len(schemas) > 1 or (schemas and not schemas[0]):
        raise SourceError(f"{shown}: give one non-empty ?schema=NAME")
    if fragment or "#" in url:
        raise SourceError(f"{shown}: a PostgreSQL URL has no '#' part")
    head = url.split("?", 1)[0]
    rest = urlencode([(k, v) for k, v in pairs if k != "schema"])
    try:
        params = conninfo_to_dict(head + (f"?{rest}" if rest else ""))
    except PGError as exc:
        password = _password_of(url)
        reason = str(exc).replace(password, MASK) if password else str(exc)
        raise SourceError(f"not a valid PostgreSQL URL: {shown} ({reason})") from None
    database = str(params.get("dbname") or "")
    if not database:
        raise SourceError(f"{shown}: names no database (postgresql://user@host:port/dbname)")
    return DatabaseURL(
        scheme="postgresql",
        path=Path(),
        shown=shown,
        conninfo=make_conninfo("", **params),
        host=str(params.get("host") or "the default host"),
        port=str(params.get("port") or "5432"),
        user=str(params.get("user") or ""),
        database=database,
        schema=schemas[0] if schemas else DEFAULT_PG_SCHEMA,
    )


def _password_of(url: str) -> str:
    """The password in a URL's user info or query, '' when there is none."""
    try:
        parts = urlsplit(url)
        found = [v for k, v in parse_qsl(parts.query) if k.lower() in _SECRET_PARAMS]
        return unquote(parts.password or "") or (found[0] if found else "")
    except ValueError:
        return ""


def _password(conninfo: str) -> str:
    if not conninfo:
        return ""
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(conninfo).get("password") or "")
