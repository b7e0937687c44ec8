"""Scoring an evaluation set: the rules of shared/eval/README.md, as ``acuity eval`` runs them.

Each case's answer (``Answer.to_json()``) passes when its ``kind`` is the expected one
and, for ``answer`` cases, its rows match the gold SQL's rows: cells normalised (numbers
within 0.005 absolute or 1e-6 relative, a ratio as a fraction or a percentage, dates at
midnight as ``YYYY-MM-DD``, text case-insensitive); every gold column matched by a
distinct answer column; ``rows`` (same rows, as a set unless ``ordered``), ``prefix``
(the answer starts with the gold rows) or ``values`` (every gold value appears).
The comparison is the reference scorer's, so both agree on every case.

>>> compare([(0.084,)], [[8.4]], "rows", False) is None
True
>>> compare([("Northside", 3)], [["northside", 3.0], ["Lakeview", 1]], "prefix", False) is None
True
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REL, ABS = 1e-6, 0.005
KINDS = ("answer", "clarify", "refuse", "documents")


def norm(v: Any) -> Any:
    """Canonical form of one cell: numbers as float, dates as YYYY-MM-DD, text stripped and lower-cased."""
    if v is None:
        return None
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float, decimal.Decimal)):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return norm(dt.datetime.strptime(s, fmt))
        except ValueError:
            pass
    try:
        return float(s.rstrip("%")) / 100 if s.endswith("%") else float(s.replace(",", ""))
    except ValueError:
        return s.lower()


def same(a: Any, b: Any) -> bool:
    """Two normalised cells are equal (numbers within tolerance)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= max(ABS, REL * max(abs(a), abs(b)))
    return a == b


def col_matches(gold_col: Sequence[Any], ans_col: Sequence[Any]) -> bool:
    """A gold column equals an answer column (a ratio may be shown as a percentage)."""
    if len(gold_col) != len(ans_col):
        return False
    if all(same(g, a) for g, a in zip(gold_col, ans_col, strict=True)):
        return True
    if all(isinstance(g, float) or g is None for g in gold_col) and all(
        isinstance(a, float) or a is None for a in ans_col
    ):
        return all(
            same(g * 100 if g is not None else None, a) for g, a in zip(gold_col, ans_col, strict=True)
        )
    return False


def sort_key(row: Sequence[Any]) -> tuple:
    """Rows sort with NULLs first, then numbers, then text."""
    return tuple((0, "") if v is None else ((1, v) if isinstance(v, float) else (2, str(v))) for v in row)


def compare(
    gold_rows: Sequence[Sequence[Any]], ans_rows: Sequence[Sequence[Any]], mode: str, ordered: bool
) -> str | None:
    """None when the answer's rows match the gold rows under ``mode``; else the reason they do not."""
    gold = [[norm(v) for v in r] for r in gold_rows]
    ans = [[norm(v) for v in r] for r in ans_rows]
    if mode == "values":
        flat = [v for r in ans for v in r]
        for g in (v for r in gold for v in r):
            if not any(
                same(g, a) or (isinstance(g, float) and isinstance(a, float) and same(g * 100, a))
                for a in flat
            ):
                return f"value {g!r} not in answer"
        return None
    if mode == "prefix":
        ans = ans[: len(gold)]
        ordered = True
    if len(gold) != len(ans):
        return f"{len(ans)} rows, gold has {len(gold)}"
    if not gold:
        return None
    ncols = len(ans[0])
    gcols = list(zip(*gold, strict=True))
    if not ordered:
        gold_sorted = sorted(gold, key=sort_key)
        gcols = list(zip(*gold_sorted, strict=True))
        keys = [i for i, c in enumerate(gcols) if not all(isinstance(v, float) or v is None for v in c)]
        if keys:
            kmap = {}
            for k in keys:
                kmap[k] = [
                    j
                    for j in range(ncols)
                    if sorted(map(repr, (r[j] for r in ans))) == sorted(map(repr, gcols[k]))
                ]
                if not kmap[k]:
                    return f"no answer column holds the values of gold column {k + 1}"
            order_cols = [kmap[k][0] for k in keys]
            ans = sorted(ans, key=lambda r: sort_key([r[j] for j in order_cols]))
            gold_sorted = sorted(gold, key=lambda r: sort_key([r[k] for k in keys]))
            gcols = list(zip(*gold_sorted, strict=True))
        else:
            ans = sorted(ans, key=sort_key)
            gcols = list(zip(*sorted(gold, key=sort_key), strict=True))
    acols = list(zip(*ans, strict=True))
    used: set[int] = set()
    for k, gc in enumerate(gcols):
        hit = next((j for j in range(ncols) if j not in used and col_matches(gc, acols[j])), None)
        if hit is None:
            return f"gold column {k + 1} {list(gc)[:4]} not matched"
        used.add(hit)
    return None


def score_case(
    case: dict[str, Any], answer: dict[str, Any] | None, gold: Sequence[Sequence[Any]] | None
) -> str | None:
    """None when ``answer`` passes ``case``; else why it fails."""
    expect = case.get("expect", "answer")
    if answer is None:
        return "no JSON answer"
    if answer.get("kind") != expect:
        return f"kind {answer.get('kind')!r}, expected {expect!r}"
    if expect == "answer":
        return compare(
            gold or [], answer.get("rows") or [], case.get("match", "rows"), case.get("ordered", False)
        )
    return None


@dataclass
class CaseResult:
    """One scored case."""

    id: str
    expect: str
    kind: str | None
    reason: str | None
    elapsed_ms: float
    answer: dict[str, Any] | None = field(default=None, repr=False)
    gold: list[tuple] | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return self.reason is None


@dataclass
class Report:
    """All scored cases of a set."""

    results: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def accuracy(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """expected kind -> (passed, total)."""
        out: dict[str, tuple[int, int]] = {}
        for r in self.results:
            p, t = out.get(r.expect, (0, 0))
            out[r.expect] = (p + r.passed, t + 1)
        return out

    def lines(self) -> list[str]:
        """The printed report: accuracy per kind, every failure, then 'N passed, N failed'."""
        out = [f"accuracy {self.accuracy:.1%} ({self.passed}/{len(self.results)})"]
        for kind, (p, t) in sorted(self.by_kind().items()):
            out.append(f"  {kind:10s} {p}/{t} ({p / t:.0%})")
        for r in self.results:
            if not r.passed:
                out.append(f"FAIL {r.id}: {r.reason}")
        out.append(f"{self.passed} passed, {self.failed} failed")
        return out


Ask = Callable[[str, list[str], dt.date], dict[str, Any]]


class EvalSetError(ValueError):
    """An evaluation set that cannot be read: ``path`` and the ``reason``."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = str(path), reason


EXPECT_KINDS = ("answer", "clarify", "refuse", "documents")


def load_set(path: str | Path) -> dict[str, Any]:
    """Read and check an evaluation set (YAML); raises :class:`EvalSetError` saying what is wrong."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            spec = yaml.safe_load(fh)
    except OSError as exc:
        raise EvalSetError(path, f"cannot be read ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where is not None else ""
        raise EvalSetError(path, f"is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(spec, dict) or "cases" not in spec:
        raise EvalSetError(path, "not an evaluation set (no 'cases')")
    if not isinstance(spec["cases"], list):
        raise EvalSetError(path, "'cases' must be a list")
    as_of = spec.get("as_of")
    if as_of is not None and not isinstance(as_of, dt.date):
        try:
            dt.date.fromisoformat(str(as_of))
        except ValueError as exc:
            raise EvalSetError(path, f"'as_of' is not a date (YYYY-MM-DD): {as_of!r}") from exc
    for n, case in enumerate(spec["cases"], 1):
        if not isinstance(case, dict):
            raise EvalSetError(path, f"case {n} is not a mapping")
        name = case.get("id") or f"case {n}"
        for k in ("id", "question"):
            if not isinstance(case.get(k), str) or not case[k].strip():
                raise EvalSetError(path, f"{name}: '{k}' is missing or not text")
        expect = case.get("expect", "answer")
        if expect not in EXPECT_KINDS:
            raise EvalSetError(
                path, f"{name}: 'expect' must be one of {', '.join(EXPECT_KINDS)}, not {expect!r}"
            )
        if expect == "answer" and not isinstance(case.get("sql"), str):
            raise EvalSetError(path, f"{name}: an 'answer' case needs its gold 'sql'")
        ctx = case.get("context", [])
        if not isinstance(ctx, list) or not all(isinstance(c, str) for c in ctx):
            raise EvalSetError(path, f"{name}: 'context' must be a list of questions")
    return spec


def run_set(
    spec: dict[str, Any],
    db_path: str | Path,
    ask: Ask,
    *,
    only: str | None = None,
    on_case=None,
    timeout_s: float = 10,
) -> Report:
    """Ask every case with ``ask(question, context, as_of)`` and score it against its gold SQL."""
    import duckdb

    from semantic_layer.execute import connection_config

    as_of = spec.get("as_of")
    as_of = (
        as_of
        if isinstance(as_of, dt.date)
        else dt.date.fromisoformat(str(as_of))
        if as_of
        else dt.date.today()
    )
    report = Report()
    cases = [c for c in spec["cases"] if not only or c["id"] == only]
    # gold first, on a connection closed before answering: DuckDB refuses two configurations of one file
    con = duckdb.connect(str(db_path), read_only=True, config=connection_config(timeout_s))
    try:
        golds = [
            con.execute(c["sql"]).fetchall() if c.get("expect", "answer") == "answer" else None for c in cases
        ]
    finally:
        con.close()
    for case, gold in zip(cases, golds, strict=True):
        expect = case.get("expect", "answer")
        t0 = time.perf_counter()
        try:
            answer = ask(case["question"], list(case.get("context") or []), as_of)
        except Exception as exc:  # a crash is a failure of that case, not of the run
            answer, why = None, f"error: {type(exc).__name__}: {exc}"
        else:
            why = None
        ms = (time.perf_counter() - t0) * 1000
        reason = why or score_case(case, answer, gold)
        res = CaseResult(case["id"], expect, (answer or {}).get("kind"), reason, ms, answer, gold)
        report.results.append(res)
        if on_case:
            on_case(res)
    return report
