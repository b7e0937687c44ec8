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


def _code_hash(*patterns: str) -> str:
    h = hashlib.sha256()
    for pattern in patterns:
        for p in sorted(ROOT.glob(pattern)):
            if p.is_file() and p.suffix in (".py", ".yaml", ".md", ".txt", ".json"):
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


# What each cached artefact depends on: the export on the generator and the contract,
# the warehouse also on ingestion's own modules and on the semantic layer and model its
# rollups are built from (not on the document indexer).
EXPORT_CODE = ("ingest/contract.py", "ingest/demo/**/*")
WAREHOUSE_CODE = (
    *EXPORT_CODE, "ingest/*.py", "ingest/scrub_data/**/*", "semantic_layer/*.py", "semantic_layer/models/*.yaml"
)


def _cache_dir(*patterns: str) -> Path:
    root = Path(os.environ.get("ACUITY_TEST_CACHE", ROOT / ".cache" / "tests"))
    d = root / _code_hash(*patterns)
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
        _cache_dir(*EXPORT_CODE) / "export",
        lambda tmp: generate_demo(tmp, seed=DEMO_SEED, end=DEMO_END),
    )


@pytest.fixture(scope="session")
def demo_db(demo_export: Path) -> Path:
    """The demo warehouse (DuckDB file) ingested from ``demo_export``. Read-only."""
    from assistant.warehouse import sync_warehouse

    def build(tmp: Path) -> None:
        tmp.mkdir()
        sync_warehouse(demo_export, tmp / "warehouse.duckdb", secret=TEST_SECRET)

    return _build_once(_cache_dir(*WAREHOUSE_CODE) / "warehouse", build) / "warehouse.duckdb"


@pytest.fixture(autouse=True, scope="module")
def _close_shared_engines():
    """Close the pipeline's shared warehouse connections after each test module.

    DuckDB refuses a second connection to a file with another configuration in the same
    process, so a module that opens the demo warehouse directly must not meet the
    guarded connection another module left open.
    """
    yield
    from assistant.pipeline import close_engines

    close_engines()
