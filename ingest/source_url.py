"""Database URLs as ``acuity ingest`` sources: recognise, parse and redact them.

Supported: ``sqlite:///path/to/file.db`` and ``duckdb:///path/to/file.duckdb``. As in
SQLAlchemy, the path is what follows the third slash, so ``sqlite:///data/p.db`` is
relative to the working directory and ``sqlite:////srv/p.db`` is absolute. Every other
scheme (``postgresql://``, ``mysql://``, ...) is refused with
:class:`UnsupportedSourceError`. A URL is only ever shown through :func:`redact`, which
hides its password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ingest.source import SourceError

SCHEMES = ("sqlite", "duckdb")
SUPPORTED = "sqlite:///path/to/file.db, duckdb:///path/to/file.duckdb"
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
            f"Supported: {SUPPORTED}. For another database (PostgreSQL, MySQL/MariaDB, SQL Server), "
            "export its tables to CSV or Parquet files in one folder and ingest that folder "
            "(see docs/ingestion.md)."
        )


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed database URL: scheme, database file and the URL as it may be shown."""

    scheme: str
    path: Path
    shown: str  # password redacted


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
