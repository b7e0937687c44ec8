"""Shared fixtures: the demo practice export and its ingested warehouse.

Both are built once per test session with the evaluation set's dates (seed 7, data
ending 2026-09-30) and cached under ``.cache/`` keyed by a hash of ``ingest/``'s code, so
a developer's repeated runs reuse them. Tests must treat them as read-only: copy them
(``tmp_path``) before changing anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO_SEED = 7
DEMO_END = dt.date(2026, 9, 30)
AS_OF = dt.date(2026, 10, 1)
TEST_SECRET = "acuity-test-secret"


def _code_hash() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "ingest").rglob("*")):
        if p.is_file() and p.suffix in (".py", ".yaml", ".md", ".txt", ".json"):
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _cache_dir() -> Path:
    d = Path(os.environ.get("ACUITY_TEST_CACHE", ROOT / ".cache" / "tests")) / _code_hash()
    d.mkdir(parents=True, exist_ok=True)
    return d


def _build_once(target: Path, build) -> Path:
    """Build ``target`` via ``build(tmp)`` then rename, so a half-built cache never stays."""
    if target.exists():
        return target
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
    build(tmp)
    try:
        tmp.rename(target)
    except OSError:  # another worker won the race
        shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
    return target


@pytest.fixture(scope="session")
def demo_export() -> Path:
    """Folder with the demo source export (CSV tables + documents/). Read-only."""
    from ingest.demo import generate_demo

    return _build_once(
        _cache_dir() / "export",
        lambda tmp: generate_demo(tmp, seed=DEMO_SEED, end=DEMO_END),
    )


@pytest.fixture(scope="session")
def demo_db(demo_export: Path) -> Path:
    """The demo warehouse (DuckDB file) ingested from ``demo_export``. Read-only."""
    from ingest.sync import sync_export

    def build(tmp: Path) -> None:
        tmp.mkdir()
        sync_export(demo_export, tmp / "warehouse.duckdb", secret=TEST_SECRET)

    return _build_once(_cache_dir() / "warehouse", build) / "warehouse.duckdb"
