"""De-identification: keyed hash, secret handling, 90+ and ZIP3 rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import stat

import duckdb
import pytest
from sqlglot import exp

from ingest.deidentify import (
    SecretError,
    age_90_plus_expr,
    birth_year_expr,
    load_or_create_secret,
    patient_key,
    patient_keys,
    zip3_expr,
)
from ingest.sqlbuild import lit, render


def test_patient_key_is_hmac_sha256_hex_16():
    expected = hmac.new(b"practice-secret", b"CP-004512", hashlib.sha256).hexdigest()[:16]
    assert patient_key("CP-004512", "practice-secret") == expected
    assert patient_key("CP-004512", b"practice-secret") == expected


def test_patient_key_stable_and_secret_dependent():
    a = patient_key("CP-004512", "one")
    assert a == patient_key("CP-004512", "one")
    assert a != patient_key("CP-004512", "two")
    assert a != patient_key("CP-004513", "one")


def test_batch_keys_match_single_keys():
    ids = ["CP-1", "CP-2", "CP-004512", "é-unicode"]
    assert patient_keys(ids, "s") == [patient_key(i, "s") for i in ids]


def test_empty_secret_refused():
    with pytest.raises(SecretError):
        patient_key("CP-1", "")


def test_settings_secret_wins_and_no_file_is_created(tmp_path):
    key_file = tmp_path / "home" / "secret.key"
    assert load_or_create_secret("from-env", key_file) == b"from-env"
    assert not key_file.exists()


def test_key_file_created_owner_only_and_reused(tmp_path):
    key_file = tmp_path / "home" / "secret.key"
    first = load_or_create_secret(None, key_file)
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_or_create_secret(None, key_file) == first
    assert load_or_create_secret("", key_file) == first


def test_empty_key_file_refused(tmp_path):
    key_file = tmp_path / "secret.key"
    key_file.write_text("")
    with pytest.raises(SecretError):
        load_or_create_secret(None, key_file)


def _eval(expr) -> object:
    return duckdb.connect().execute(render(exp.select(expr))).fetchall()[0][0]


AS_OF = dt.date(2026, 10, 1)


@pytest.mark.parametrize(
    ("dob", "birth_year", "age_90_plus"),
    [
        ("1961-03-14", 1961, False),
        ("1936-10-02", 1936, False),  # 89 until tomorrow
        ("1936-10-01", None, True),  # 90 today
        ("1930-06-02", None, True),
        ("1900-01-01", None, True),
        ("2026-09-30", 2026, False),
        ("not a date", None, None),
        (None, None, None),
    ],
)
def test_birth_year_and_90_plus(dob, birth_year, age_90_plus):
    assert _eval(birth_year_expr(lit(dob), AS_OF)) == birth_year
    assert _eval(age_90_plus_expr(lit(dob), AS_OF)) == age_90_plus


def test_90_plus_depends_on_sync_date():
    dob = lit("1936-10-01")
    assert _eval(age_90_plus_expr(dob, dt.date(2026, 9, 30))) is False
    assert _eval(age_90_plus_expr(dob, dt.date(2026, 10, 1))) is True


@pytest.mark.parametrize(
    ("zip_", "zip3"),
    [
        ("97214", "972"),
        ("03601", "000"),  # restricted 036
        ("89301", "000"),  # restricted 893
        ("10201", "000"),  # restricted 102
        ("10001", "100"),
        ("97214-1234", "972"),
        ("9721", None),
        ("ABCDE", None),
        (None, None),
    ],
)
def test_zip3(zip_, zip3):
    assert _eval(zip3_expr(lit(zip_))) == zip3


def test_every_restricted_prefix_becomes_000():
    from ingest.contract import RESTRICTED_ZIP3

    for prefix in RESTRICTED_ZIP3:
        assert _eval(zip3_expr(lit(prefix + "42"))) == "000"
