"""The built-in interpreter on the real semantic model with the demo practice's members (no warehouse).

Paraphrase families (fixtures/paraphrases.yaml: at least five phrasings per metric, with
typos), clarifications, follow-ups, value spellings and the fuzzy matcher.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.interpret.builtin import BuiltinInterpreter
from assistant.interpret.fuzzy import Corrector, distance
from assistant.interpret.values import ValueIndex
from semantic_layer.model import load_model

FIX = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2026, 10, 1)
PARA = yaml.safe_load((FIX / "paraphrases.yaml").read_text())


@pytest.fixture(scope="module")
def interp() -> BuiltinInterpreter:
    members = yaml.safe_load((FIX / "members.yaml").read_text())
    return BuiltinInterpreter(load_model(), ValueIndex.from_members(members))


def query_of(interp, question: str, previous=None):
    """The semantic query ``interp`` reads from ``question`` (failing the test if it does not answer)."""
    got = interp.interpret(question, AS_OF, previous)
    assert got.kind == "query", got.message
    return got.query


def _iso(x):
    return None if x is None else str(x)


def check(q, case) -> list[str]:
    d = q.to_dict()
    errs = []
    if "metrics" in case and d["metrics"] != case["metrics"]:
        errs.append(f"metrics {d['metrics']}")
    if "dims" in case and d["dimensions"] != case["dims"]:
        errs.append(f"dimensions {d['dimensions']}")
    got = {f["dimension"]: f["values"] for f in d["filters"]}
    for k, v in (case.get("filters") or {}).items():
        if got.get(k) != v:
            errs.append(f"filters {got}")
    if "time" in case:
        tr = d["time_range"]
        if [tr["start"], tr["end"]] != [_iso(x) for x in case["time"]]:
            errs.append(f"time {tr}")
    if "compare" in case:
        cr = d["compare_range"] or {}
        if [cr.get("start"), cr.get("end")] != [_iso(x) for x in case["compare"]]:
            errs.append(f"compare {cr}")
    if "limit" in case and d["limit"] != case["limit"]:
        errs.append(f"limit {d['limit']}")
    if "desc" in case:
        ob = d["order_by"]
        if not ob or ob[0]["descending"] != case["desc"] or ob[0]["field"] not in d["metrics"]:
            errs.append(f"order {ob}")
    return errs


def test_every_metric_has_five_paraphrases():
    counts = Counter(m for c in PARA["cases"] for m in c["metrics"][:1])
    model = load_model()
    thin = {m: counts[m] for m in model.metrics if counts[m] < 5}
    assert not thin, thin


@pytest.mark.parametrize("case", PARA["cases"], ids=[c["q"] for c in PARA["cases"]])
def test_paraphrase(interp, case):
    got = interp.interpret(case["q"], PARA["as_of"])
    assert got.kind == "query", (got.message, got.choices)
    assert not check(got.query, case)


@pytest.mark.parametrize(
    "q",
    [
        "How are we doing?",
        "Show me the rate by location",
        "give me the numbers for Northside",
        "what's the time by provider",
        "How's business?",
    ],
)
def test_clarify_when_the_metric_is_unknown(interp, q):
    got = interp.interpret(q, AS_OF)
    assert got.kind == "clarify"
    assert got.message.endswith("?")
    assert 2 <= len(got.choices) <= 4


def test_rate_choices_are_rates_by_the_named_dimension(interp):
    got = interp.interpret("Show me the rate by location", AS_OF)
    assert all("rate" in c.lower() and c.endswith("by location") for c in got.choices)


def test_ambiguous_person_asks_which(interp):
    members = yaml.safe_load((FIX / "members.yaml").read_text())
    members["provider"] = [*members["provider"], "Dr. Grace Lee"]
    two_lees = BuiltinInterpreter(load_model(), ValueIndex.from_members(members))
    got = two_lees.interpret("no-show rate for Dr. Lee", AS_OF)
    assert got.kind == "clarify"
    assert set(got.choices) == {"Dr. Grace Lee", "Dr. Samuel Lee"}


FOLLOWUPS = [
    # (context, question, expected subset)
    (
        ["No-show rate by location last quarter"],
        "and by provider?",
        {"metrics": ["no_show_rate"], "dims": ["provider"], "time": ["2026-07-01", "2026-10-01"]},
    ),
    (
        ["Revenue by month in 2025"],
        "what about 2024?",
        {"metrics": ["revenue"], "dims": ["month"], "time": ["2024-01-01", "2025-01-01"]},
    ),
    (
        ["What was the average wait time at Northside last month?"],
        "and Lakeview?",
        {
            "metrics": ["avg_wait_minutes"],
            "filters": {"location": ["Lakeview"]},
            "time": ["2026-09-01", "2026-10-01"],
        },
    ),
    (
        ["How many new patients did we get in 2025?"],
        "break that down by appointment type",
        {"metrics": ["new_patients"], "dims": ["appointment_type"], "time": ["2025-01-01", "2026-01-01"]},
    ),
    (
        ["cancellation rate by location last month"],
        "same for last year",
        {"metrics": ["cancellation_rate"], "dims": ["location"], "time": ["2025-01-01", "2026-01-01"]},
    ),
    (
        ["no show rate by location in 2025"],
        "what about the cancellation rate?",
        {"metrics": ["cancellation_rate"], "dims": ["location"], "time": ["2025-01-01", "2026-01-01"]},
    ),
    (["revenue by location this year"], "monthly instead", {"metrics": ["revenue"], "dims": ["month"]}),
    (
        ["units sold by brand last quarter"],
        "only frames",
        {"metrics": ["units_sold"], "dims": ["brand"], "filters": {"product_category": ["frames"]}},
    ),
    (
        ["no-show rate at Northside last month", "and Lakeview?"],
        "and by provider?",
        {"dims": ["provider"], "filters": {"location": ["Lakeview"]}},
    ),
    (["revenue by provider in 2025"], "top 3", {"dims": ["provider"], "limit": 3, "desc": True}),
    (
        ["revenue last quarter"],
        "compare that to last year",
        {
            "metrics": ["revenue"],
            "time": ["2026-07-01", "2026-10-01"],
            "compare": ["2025-07-01", "2025-10-01"],
        },
    ),
    (
        ["new patients by month this year"],
        "by week instead",
        {"dims": ["week"], "time": ["2026-01-01", "2026-10-01"]},
    ),
    (
        ["no-shows by location in 2025"],
        "how about cancellations?",
        {"metrics": ["cancellations"], "dims": ["location"]},
    ),
]


@pytest.mark.parametrize(("context", "question", "want"), FOLLOWUPS, ids=[f[1] for f in FOLLOWUPS])
def test_followup_changes_only_what_it_names(interp, context, question, want):
    prev = None
    for c in context:
        prev = interp.interpret(c, AS_OF, prev).query
    got = interp.interpret(question, AS_OF, prev)
    assert got.kind == "query" and got.followup
    assert not check(got.query, {k: v for k, v in want.items()})


def test_dropped_filter(interp):
    prev = interp.interpret("no-show rate at Northside last month", AS_OF).query
    got = interp.interpret("now for all locations", AS_OF, prev)
    assert got.query.filters == ()


def test_standalone_question_after_context_is_not_a_followup(interp):
    prev = interp.interpret("No-show rate by location last quarter", AS_OF).query
    got = interp.interpret("Revenue by provider in 2025", AS_OF, prev)
    assert not got.followup
    assert got.query.metrics == ("revenue",) and got.query.dimensions == ("provider",)


@pytest.mark.parametrize(
    ("phrase", "dim", "member"),
    [
        ("Dr. Patel", "provider", "Dr. Maya Patel"),
        ("Patel", "provider", "Dr. Maya Patel"),
        ("Dr Lee", "provider", "Dr. Samuel Lee"),
        ("Samuel Lee", "provider", "Dr. Samuel Lee"),
        ("comprehensive exams", "appointment_type", "comprehensive_exam"),
        ("dry eye treatments", "appointment_type", "dry_eye_treatment"),
        ("CL exams", "appointment_type", "contact_lens_exam"),
        ("contact lens exams", "appointment_type", "contact_lens_exam"),
        ("Google Ads", "marketing_channel", "google_ads"),
        ("Blue Cross", "insurance_carrier", "Blue Cross"),
        ("Northside", "location", "Northside"),
    ],
)
def test_member_spellings(interp, phrase, dim, member):
    q = interp.interpret(f"completed visits for {phrase} in 2025", AS_OF).query
    if dim in interp.dims_for("completed_visits"):
        assert {f.dimension: f.values for f in q.filters}.get(dim) == (member,)
    else:
        q = interp.interpret(f"marketing spend for {phrase} in 2025", AS_OF).query
        assert {f.dimension: f.values for f in q.filters}.get(dim) == (member,)


def test_fuzzy_matcher():
    assert distance("lakevew", "lakeview") == 1
    assert distance("teh", "the") == 1
    assert distance("revenue", "visits", bound=2) == 3
    c = Corrector({"northside", "revenue", "provider", "quarter", "rate"})
    assert c.correct("nortside") == "northside"
    assert c.correct("provdier") == "provider"
    assert c.correct("rte") == "rate"
    assert c.correct("zebra") == "zebra"  # too far from anything: left alone
    assert c.correct("2025") == "2025"


def test_random_typos_rarely_change_the_reading(interp):
    """One random edit (drop, swap, replace, insert a letter) in a long word of each phrasing."""
    import random

    rnd = random.Random(3)
    phrasings = [q for qs in yaml.safe_load((FIX / "dev_paraphrases.yaml").read_text()).values() for q in qs]
    phrasings += [c["q"] for c in PARA["cases"]]

    def typo(w: str) -> str:
        i = rnd.randrange(1, len(w) - 1)
        op = rnd.choice("dsti")
        if op == "d":
            return w[:i] + w[i + 1 :]
        if op == "s":
            return w[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + w[i + 1 :]
        if op == "t":
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w[:i] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + w[i:]

    same = total = 0
    for q in phrasings:
        base = interp.interpret(q, AS_OF).query
        words = q.split()
        long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long_words or base is None:
            continue
        i = rnd.choice(long_words)
        words[i] = typo(words[i])
        got = interp.interpret(" ".join(words), AS_OF).query
        total += 1
        same += got == base
    assert same / total >= 0.93, (same, total)
