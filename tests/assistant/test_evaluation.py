"""`acuity eval`'s scoring agrees with the reference scorer (shared/eval/score.py) case by case."""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.util
import random

import pytest

from assistant import evaluation
from tests.conftest import SHARED


@pytest.fixture(scope="module")
def reference():
    spec = importlib.util.spec_from_file_location("reference_score", SHARED / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


GOLDS = [
    [("Downtown", 0.064), ("Northside", 0.058), ("Lakeview", 0.046)],
    [(dt.datetime(2025, m, 1), decimal.Decimal("1234.50") * m) for m in range(1, 13)],
    [(0.0552,)],
    [(1520,)],
    [("Dr. Maya Patel", None), ("Dr. Samuel Lee", 2.5)],
    [("google_ads", "2025", 10.0), ("email", "2025", 3.0)],
    [],
]


def variants(gold, rnd: random.Random):
    """Answers that should pass and answers that should not, derived from a gold result."""
    rows = [list(r) for r in gold]
    plain = [[evaluation.norm(v) if not isinstance(v, str) else v for v in r] for r in rows]
    out = [plain, list(reversed(plain)), [r + ["extra"] for r in plain], [list(reversed(r)) for r in plain]]
    out.append([[v * 100 if isinstance(v, float) and v < 1 else v for v in r] for r in plain])  # as percent
    out.append([[v.upper() if isinstance(v, str) else v for v in r] for r in plain])
    out.append(
        [
            [str(v)[:7] if isinstance(v, str) and len(str(v)) == 10 and str(v)[4] == "-" else v for v in r]
            for r in plain
        ]
    )
    out.append(plain[:-1])  # a row short
    out.append(plain + plain[:1])  # a row too many
    out.append([[v + 1 if isinstance(v, float) else v for v in r] for r in plain])  # wrong numbers
    out.append([[v + 0.004 if isinstance(v, float) else v for v in r] for r in plain])  # within tolerance
    shuffled = [r[:] for r in plain]
    rnd.shuffle(shuffled)
    out.append(shuffled)
    return out


@pytest.mark.parametrize("gold", GOLDS)
@pytest.mark.parametrize("mode", ["rows", "prefix", "values"])
@pytest.mark.parametrize("ordered", [False, True])
def test_same_verdict_and_reason_as_reference(reference, gold, mode, ordered):
    rnd = random.Random(7)
    for ans in variants(gold, rnd):
        ours = evaluation.compare(gold, ans, mode, ordered)
        theirs = reference.compare(gold, ans, mode, ordered)
        assert ours == theirs, (ans, ours, theirs)


def test_kind_rules_and_report():
    case = {"id": "x", "expect": "clarify"}
    assert evaluation.score_case(case, {"kind": "clarify"}, None) is None
    assert evaluation.score_case(case, {"kind": "answer"}, None) == "kind 'answer', expected 'clarify'"
    assert evaluation.score_case(case, None, None) == "no JSON answer"
    rep = evaluation.Report(
        [
            evaluation.CaseResult("a", "answer", "answer", None, 1.0),
            evaluation.CaseResult("b", "refuse", "answer", "kind", 1.0),
        ]
    )
    lines = rep.lines()
    assert lines[-1] == "1 passed, 1 failed"
    assert "FAIL b: kind" in lines
    assert rep.by_kind() == {"answer": (1, 1), "refuse": (0, 1)}
