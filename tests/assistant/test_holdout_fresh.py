"""The fresh held-out set (holdout_fresh.yaml): written from metrics.md and schema.md, scored in-process."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation import load_set, run_set
from tests.assistant.test_pipeline import ask

FRESH = Path(__file__).parent / "fixtures" / "holdout_fresh.yaml"
KNOWN_FAILURES: dict[str, str] = {}  # case id -> why it still fails (none at the moment)


def test_fresh_holdout_accuracy(demo_db):
    report = run_set(load_set(FRESH), demo_db, lambda q, c, a: ask(demo_db, q, c))
    failed = {r.id for r in report.results if not r.passed}
    assert failed == set(KNOWN_FAILURES), "\n".join(report.lines())
    assert len(report.results) >= 60
