"""De-identification (schema.md, Safe Harbor style): keyed patient hash, birth year, ZIP3.

The practice secret comes from ``ACUITY_SECRET`` or a key file created on first use with
owner-only permissions. The secret itself is never written to the warehouse; only a keyed
check value (``key_check``) is, so that a sync with a different secret is refused instead
of silently re-keying every patient.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import duckdb
from sqlglot import exp

from ingest.contract import RESTRICTED_ZIP3, ColType, Table
from ingest.sqlbuild import cast, col, func, isin, lit, run, table, template

log = logging.getLogger(__name__)

KEY_LENGTH = 16  # hex characters of the HMAC kept as patient_key
AGE_CAP = 90  # patients this old or older get birth_year NULL and age_90_plus TRUE
ZIP_PATTERN = r"^\d{5}(-\d{4})?$"


class TextScrubber(Protocol):
    """Replaces identifiers in free text (``ingest.scrub.Scrubber`` or a fake in tests)."""

    def scrub_many(self, texts: list[str]) -> Sequence[str]:
        """The scrubbed version of each text, in order."""
        ...


class SecretError(ValueError):
    """The practice secret is missing, unreadable or not the one that built the warehouse."""


def _as_bytes(secret: str | bytes) -> bytes:
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not raw:
        raise SecretError("the practice secret is empty")
    return raw


def patient_key(patient_id: str, secret: str | bytes) -> str:
    """Keyed hash of a patient id: HMAC-SHA256 with the practice secret, hex, first 16 chars."""
    digest = hmac.new(_as_bytes(secret), patient_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:KEY_LENGTH]


def patient_keys(patient_ids: Iterable[str], secret: str | bytes) -> list[str]:
    """``patient_key`` of each id, in order (one HMAC object reused: fast on many ids)."""
    base = hmac.new(_as_bytes(secret), digestmod=hashlib.sha256)
    out = []
    for pid in patient_ids:
        h = base.copy()
        h.update(pid.encode("utf-8"))
        out.append(h.hexdigest()[:KEY_LENGTH])
    return out


def key_check(secret: str | bytes) -> str:
    """A keyed check value that identifies the secret without revealing it."""
    return hmac.new(_as_bytes(secret), b"acuity:key-check", hashlib.sha256).hexdigest()[:KEY_LENGTH]


def load_or_create_secret(settings_secret: str | None, key_file: Path | str) -> bytes:
    """The practice secret: ``ACUITY_SECRET`` if set, else the key file (created 0600 on first use)."""
    if settings_secret:
        return _as_bytes(settings_secret)
    path = Path(key_file)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("key file %s is readable by others (mode %o); chmod 600 it", path, mode)
        value = path.read_bytes().strip()
        if not value:
            raise SecretError(f"key file {path} is empty")
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_hex(32).encode("ascii"))
    os.chmod(path, 0o600)  # in case the umask interfered
    log.info("created a new practice key file at %s", path)
    return path.read_bytes().strip()


# --- SQL expressions over a raw (all-VARCHAR) patients row --------------------------------


def age_expr(dob: exp.Expression, as_of: dt.date) -> exp.Expression:
    """Completed years between ``dob`` (DATE) and ``as_of``."""
    return template(
        "YEAR(:asof) - YEAR(:dob) - CASE WHEN STRFTIME(:asof, '%m-%d') < STRFTIME(:dob, '%m-%d') "
        "THEN 1 ELSE 0 END",
        asof=cast(lit(as_of.isoformat()), "DATE"),
        dob=dob,
    )


def birth_year_expr(raw_dob: exp.Expression, as_of: dt.date) -> exp.Expression:
    """``birth_year``: year of birth, NULL when unparseable or 90+ at ``as_of``."""
    dob = cast(raw_dob, "DATE", try_=True)
    return template(
        "CASE WHEN :age >= :cap THEN NULL ELSE YEAR(:dob) END",
        age=age_expr(dob, as_of),
        cap=lit(AGE_CAP),
        dob=dob,
    )


def age_90_plus_expr(raw_dob: exp.Expression, as_of: dt.date) -> exp.Expression:
    """``age_90_plus``: TRUE when 90 or older at ``as_of``; NULL when the date is unknown."""
    dob = cast(raw_dob, "DATE", try_=True)
    return template(
        "CASE WHEN :dob IS NULL THEN NULL ELSE :age >= :cap END",
        dob=dob,
        age=age_expr(dob, as_of),
        cap=lit(AGE_CAP),
    )


def zip_valid_expr(raw_zip: exp.Expression) -> exp.Expression:
    """TRUE when ``raw_zip`` is a 5-digit ZIP (or ZIP+4)."""
    return func("REGEXP_FULL_MATCH", raw_zip, lit(ZIP_PATTERN))


def zip3_expr(raw_zip: exp.Expression) -> exp.Expression:
    """``zip3``: first three digits, ``'000'`` for restricted prefixes, NULL when invalid."""
    prefix = exp.Substring(this=raw_zip, start=lit(1), length=lit(3))
    return template(
        "CASE WHEN NOT :valid THEN NULL WHEN :restricted THEN '000' ELSE :prefix END",
        valid=zip_valid_expr(raw_zip),
        prefix=prefix,
        restricted=isin(prefix.copy(), sorted(RESTRICTED_ZIP3)),
    )


# --- the warehouse row, built from a staged raw row ------------------------------------------
# Aliases used by the staging query: ``r`` the raw (all-VARCHAR) row, ``k`` the key map
# (patient_id -> patient_key), ``s_<column>`` the scrub map of a free-text column
# (original -> scrubbed).
RAW, KEYS = "r", "k"


def scrub_alias(column: str) -> str:
    """Alias of the scrub map joined for the free-text ``column``."""
    return "s_" + column


def warehouse_exprs(t: Table, as_of: dt.date) -> dict[str, exp.Expression]:
    """Typed, de-identified expression for each warehouse column of ``t``."""
    out: dict[str, exp.Expression] = {}
    for c in t.columns:
        special = _derived(t, c.name, as_of)
        if special is not None:
            out[c.name] = special
        elif c.type is ColType.VARCHAR:
            out[c.name] = col(c.name, RAW)
        else:
            out[c.name] = cast(col(c.name, RAW), c.type.value, try_=True)
    return out


def content_exprs(t: Table, as_of: dt.date) -> dict[str, exp.Expression]:
    """De-identified *text* of each warehouse column (raw values kept), for quarantine rows."""
    out: dict[str, exp.Expression] = {}
    for c in t.columns:
        special = _derived(t, c.name, as_of)
        out[c.name] = col(c.name, RAW) if special is None else cast(special, "VARCHAR")
    return out


def _derived(t: Table, name: str, as_of: dt.date) -> exp.Expression | None:
    """The expression of a column computed from identifiers, or None for a plain column."""
    if name == "patient_key":
        return col("patient_key", KEYS)
    if name == "birth_year":
        return birth_year_expr(col("date_of_birth", RAW), as_of)
    if name == "age_90_plus":
        return age_90_plus_expr(col("date_of_birth", RAW), as_of)
    if name == "zip3":
        return zip3_expr(col("zip", RAW))
    if name in t.free_text:
        return col("scrubbed", scrub_alias(name))
    return None


# --- staging maps (in-memory tables of the sync connection) ----------------------------------


def extend_keymap(con: duckdb.DuckDBPyConnection, keymap: str, raw: str, secret: str | bytes) -> int:
    """Add the patient_key of every patient_id of ``raw`` not yet in ``keymap``; returns how many."""
    r = exp.alias_(table(raw), RAW, table=True, copy=False)
    known = exp.Exists(
        this=exp.select("1")
        .from_(exp.alias_(table(keymap), KEYS, table=True, copy=False), copy=False)
        .where(exp.EQ(this=col("patient_id", KEYS), expression=col("patient_id", RAW)), copy=False)
    )
    new_ids = (
        exp.select(col("patient_id", RAW))
        .distinct(copy=False)
        .from_(r, copy=False)
        .where(
            exp.and_(
                exp.Not(this=exp.Is(this=col("patient_id", RAW), expression=exp.Null())), exp.Not(this=known)
            ),
            copy=False,
        )
    )
    ids = [row[0] for row in run(con, new_ids).fetchall()]
    if ids:
        insert = template(
            "INSERT INTO :t SELECT UNNEST(CAST(? AS VARCHAR[])), UNNEST(CAST(? AS VARCHAR[]))",
            t=table(keymap),
        )
        run(con, insert, [ids, patient_keys(ids, secret)])
    return len(ids)


def build_scrub_map(
    con: duckdb.DuckDBPyConnection, raw: str, column: str, scrubber: TextScrubber, out: str
) -> int:
    """``out(original, scrubbed)`` for every distinct non-empty text of ``raw.column``."""
    texts_q = (
        exp.select(col(column))
        .distinct(copy=False)
        .from_(table(raw), copy=False)
        .where(exp.Not(this=exp.Is(this=col(column), expression=exp.Null())), copy=False)
    )
    texts = [row[0] for row in run(con, texts_q).fetchall()]
    scrubbed = list(scrubber.scrub_many(texts)) if texts else []
    if len(scrubbed) != len(texts):
        raise ValueError(f"scrubber returned {len(scrubbed)} texts for {len(texts)}")
    create = template(
        "CREATE OR REPLACE TABLE :t AS SELECT UNNEST(CAST(? AS VARCHAR[])) AS original, UNNEST(CAST(? AS VARCHAR[])) AS scrubbed",
        t=table(out),
    )
    run(con, create, [texts, scrubbed])
    return len(texts)


def names_of_patients(con: duckdb.DuckDBPyConnection, raw: str) -> list[str]:
    """Distinct first and last names of the staged patients (for the free-text scrubber)."""
    names: set[str] = set()
    for column in ("first_name", "last_name"):
        q = (
            exp.select(col(column))
            .distinct(copy=False)
            .from_(table(raw), copy=False)
            .where(exp.Not(this=exp.Is(this=col(column), expression=exp.Null())), copy=False)
        )
        names.update(str(row[0]).strip() for row in run(con, q).fetchall())
    names.discard("")
    return sorted(names)
