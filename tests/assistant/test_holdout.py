"""The lead's held-out question set: generality beyond the dev sentences."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation import load_set, run_set
from tests.assistant.test_pipeline import ask

HOLDOUT = Path(__file__).parent / "fixtures" / "holdout_lead.yaml"


def test_holdout_accuracy(demo_db):
    report = run_set(load_set(HOLDOUT), demo_db, lambda q, c, a: ask(demo_db, q, c))
    assert report.accuracy >= 0.95, "\n".join(report.lines())
