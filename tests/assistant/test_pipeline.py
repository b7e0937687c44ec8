"""One turn end to end on the demo warehouse: the dev set, the JSON of `acuity ask`, narrative numbers, roles."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys

import pytest

from assistant.evaluation import load_set, run_set
from assistant.narrative import fmt_value
from assistant.pipeline import JSON_KEYS, answer_question
from tests.conftest import AS_OF, ROOT, SHARED

DEV = SHARED / "eval" / "dev.yaml"


def ask(db, question, context=(), role="owner", **kw):
    return answer_question(
        question, db_path=db, context=list(context), as_of=AS_OF, role=role, **kw
    ).to_json()


def test_dev_set_accuracy(demo_db):
    spec = load_set(DEV)
    report = run_set(spec, demo_db, lambda q, c, a: ask(demo_db, q, c))
    assert report.accuracy >= 0.9, "\n".join(report.lines())
    for kind, (passed, total) in report.by_kind().items():
        assert passed / total >= 0.5, kind
    # the reference scorer gives every case the same verdict
    ref = _reference_scorer()
    cases = {c["id"]: c for c in spec["cases"]}
    for res in report.results:
        case, ans = cases[res.id], res.answer
        theirs = ans is not None and ans["kind"] == res.expect
        if theirs and res.expect == "answer":
            mode, ordered = case.get("match", "rows"), case.get("ordered", False)
            theirs = ref.compare(res.gold, ans["rows"], mode, ordered) is None
        assert theirs == res.passed, res.id


def _reference_scorer():
    import importlib.util

    spec = importlib.util.spec_from_file_location("reference_score", SHARED / "eval" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_json_is_plain_and_complete(demo_db):
    data = ask(demo_db, "Revenue by location by month in 2025")
    assert tuple(data) == JSON_KEYS
    assert data["kind"] == "answer" and data["interpreter"] == "builtin"
    assert data["columns"] == ["location", "month", "revenue"] or set(data["columns"]) >= {
        "location",
        "month",
        "revenue",
    }
    json.dumps(data)  # plain JSON: no dates, no Decimals
    month = data["columns"].index("month")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[month]) for r in data["rows"])
    assert all(isinstance(r[data["columns"].index("revenue")], float) for r in data["rows"])
    assert data["chart"]["data"][0]["type"] == "scatter"


NARRATED = [
    "What was our no-show rate last quarter?",
    "Revenue by location in 2025",
    "Average wait time by provider last month",
    "Monthly new patients this year",
    "Contact lens revenue in Q2 2026 vs Q2 2025",
    "Which provider had the most completed visits in 2025?",
    "Overtime hours by staff member last quarter",
]


def _allowed_numbers(data, fmt):
    cells = [v for r in data["rows"] for v in r]
    nums = [v for v in cells if isinstance(v, (int, float)) and not isinstance(v, bool)]
    allowed = {fmt_value(v, fmt) for v in nums}
    total = sum(nums[1::2]) if False else None  # noqa: SIM222
    metric = data["semantic_query"]["metrics"][0]
    i = data["columns"].index(metric)
    col = [r[i] for r in data["rows"] if isinstance(r[i], (int, float))]
    if len(col) > 1 and col[0]:
        allowed.add(f"{abs(col[-1] - col[0]) / abs(col[0]) * 100:.1f}%")  # a trend's latest vs first
    if col:
        total = sum(col)
        allowed.add(fmt_value(total, fmt))
        allowed |= {f"{v / total * 100:.1f}%" for v in col if total}
    for trace in (data["chart"] or {}).get("data", []):
        ref = (trace.get("delta") or {}).get("reference")
        if ref is not None:
            allowed.add(fmt_value(ref, fmt))
            cur = trace["value"]
            allowed.add(
                f"{abs(cur - ref) * 100:.1f}"
                if fmt == "percent"
                else f"{abs(cur - ref) / abs(ref) * 100:.1f}%"
            )
    if "_previous" in " ".join(data["columns"]):
        cur, prev = data["rows"][0][i], data["rows"][0][data["columns"].index(f"{metric}_previous")]
        allowed.add(f"{abs(cur - prev) / abs(prev) * 100:.1f}%")
    for r in data["rows"]:
        for v in r:
            if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                allowed.add(v[:4])
    allowed.add(str(len(data["rows"])))
    return {a.replace(" min", "").replace(" h", "") for a in allowed}


@pytest.mark.parametrize("question", NARRATED)
def test_narrative_numbers_come_from_the_result(demo_db, question):
    from semantic_layer.model import load_model

    data = ask(demo_db, question)
    assert data["kind"] == "answer" and data["rows"]
    metric = data["semantic_query"]["metrics"][0]
    fmt = load_model().metrics[metric].format.value
    allowed = _allowed_numbers(data, fmt)
    text = data["narrative"]
    text = re.sub(r"\b(in|from|to|up to|on) (\d{4}-\d{2}-\d{2})", "", text)  # period dates
    text = re.sub(r"\b(Q[1-4] |[A-Z][a-z]{2,8} |in )(\d{4})\b", "", text)  # named years, months, quarters
    found = [n.rstrip(",.") for n in re.findall(r"\$?\d[\d,]*(?:\.\d+)?%?", text)]
    stray = [n for n in found if n not in allowed and n.lstrip("$") not in allowed]
    assert not stray, (text, sorted(allowed)[:20])


def test_single_period_has_change_and_indicator(demo_db):
    data = ask(demo_db, "How many patients did we see last month?")
    assert re.search(r"(up|down) [\d.]+% from [\d,]+ in August 2026", data["narrative"]), data["narrative"]
    assert data["chart"]["data"][0]["type"] == "indicator"
    assert data["columns"] == ["completed_visits"]


def test_followup_through_the_pipeline(demo_db):
    data = ask(demo_db, "and Lakeview?", context=["What was the average wait time at Northside last month?"])
    assert data["kind"] == "answer"
    assert data["semantic_query"]["filters"] == [
        {"dimension": "location", "op": "in", "values": ["Lakeview"]}
    ]


def test_roles(demo_db):
    staff = ask(demo_db, "Revenue by location last month", role="staff")
    assert staff["kind"] == "refuse" and "not available" in staff["narrative"]
    assert ask(demo_db, "No-show rate by location last month", role="staff")["kind"] == "answer"
    (loc,) = ask(demo_db, "SELECT location_id FROM locations WHERE location_name = 'Northside'")["rows"][0]
    mgr = answer_question(
        "Revenue by location last month", db_path=demo_db, as_of=AS_OF, role="manager", location_ids=[loc]
    )
    assert [r[0] for r in mgr.rows] == ["Northside"]


def test_raw_sql_goes_through_the_guard(demo_db):
    ok = ask(demo_db, "SELECT location_name FROM locations ORDER BY 1")
    assert ok["kind"] == "answer" and [r[0] for r in ok["rows"]] == ["Downtown", "Lakeview", "Northside"]
    bad = ask(demo_db, "SELECT * FROM read_csv('/etc/passwd')")
    assert bad["kind"] == "refuse" and bad["narrative"].startswith("That SQL cannot run")


def test_documents_without_an_index_say_so(demo_db, tmp_path):
    data = ask(demo_db, "Find the procedure for reordering contact lenses", index_path=tmp_path / "none")
    assert data["kind"] == "documents" and "not available" in data["narrative"]


def test_cli_prints_exactly_one_json_object(demo_db):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "--as-of", AS_OF.isoformat(), "--db", str(demo_db),
         "--context", "No-show rate by location last quarter", "and by provider?"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert tuple(data) == JSON_KEYS
    assert data["kind"] == "answer" and data["semantic_query"]["dimensions"] == ["provider"]
    assert dt.date.fromisoformat(AS_OF.isoformat())


NOSHOW_MD = """---
title: Northside huddle notes, April 2026
date: 2026-04-06
type: meeting_notes
---
# No-shows in March

No-shows rose at Northside in March because the reminder texts stopped after the phone system change.
The team agreed to restart reminder calls the day before each appointment.
"""
SOP_MD = """---
title: SOP contact lens reordering
date: 2025-02-10
type: sop
---
# Reordering contact lenses

Check the reorder point each Monday, then place the contact lens order with the supplier portal.
"""


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    from ingest.documents import index_folder

    docs = tmp_path_factory.mktemp("docs")
    (docs / "2026-04-06_northside-huddle.md").write_text(NOSHOW_MD, encoding="utf-8")
    (docs / "2025-02-10_sop-cl-reorder.md").write_text(SOP_MD, encoding="utf-8")
    path = tmp_path_factory.mktemp("index")
    index_folder(docs, path)
    return path


def test_why_question_gives_the_number_and_the_passages(demo_db, small_index):
    data = ask(demo_db, "Why did no-shows rise at Northside in March?", index_path=small_index)
    assert data["kind"] == "answer"
    assert data["rows"] and data["semantic_query"]["filters"][0]["values"] == ["Northside"]
    assert data["citations"] and data["citations"][0]["title"] == "Northside huddle notes, April 2026"


def test_document_question_cites_passages(demo_db, small_index):
    data = ask(demo_db, "Find the procedure for reordering contact lenses", index_path=small_index)
    assert data["kind"] == "documents"
    assert data["citations"][0]["title"] == "SOP contact lens reordering"
    assert data["rows"] == [] and data["sql"] is None


def test_other_phrasings_of_the_dev_questions(demo_db):
    """Three more phrasings per dev question, scored against that question's gold SQL."""
    import yaml

    from tests.assistant.test_interpret import FIX

    paraphrases = yaml.safe_load((FIX / "dev_paraphrases.yaml").read_text())
    dev = {c["id"]: c for c in load_set(DEV)["cases"]}
    spec = {"as_of": AS_OF, "cases": []}
    for cid, questions in paraphrases.items():
        for n, q in enumerate(questions):
            spec["cases"].append(dict(dev[cid], id=f"{cid}#{n}", question=q))
    report = run_set(spec, demo_db, lambda q, c, a: ask(demo_db, q, c))
    assert report.accuracy >= 0.95, "\n".join(report.lines())


class FakeChat:
    """A ChatModel that always proposes one semantic query, and counts its calls."""

    name = "fake-llm"

    def __init__(self, query: dict):
        self.query = query
        self.calls = 0

    def complete(self, messages, *, json_schema=None):
        from assistant.llm.client import ChatReply

        self.calls += 1
        return ChatReply(json.dumps({"kind": "semantic_query", "semantic_query": self.query}))

    def stream(self, messages):
        yield ""


REVENUE_2025 = {"metrics": ["revenue"], "dimensions": [], "filters": [],
                "time_range": {"start": "2025-01-01", "end": "2026-01-01"}}  # fmt: skip


def test_llm_takes_what_the_builtin_interpreter_is_not_sure_of(demo_db):
    chat = FakeChat(REVENUE_2025)
    vague = answer_question("How are we doing?", db_path=demo_db, as_of=AS_OF, chat=chat).to_json()
    assert vague["kind"] == "answer" and vague["interpreter"] == "llm" and chat.calls == 1
    sure = answer_question(
        "No-show rate by location in 2025", db_path=demo_db, as_of=AS_OF, chat=chat
    ).to_json()
    assert sure["interpreter"] == "builtin" and chat.calls == 1
    declined = answer_question(
        "Delete all appointments from 2023", db_path=demo_db, as_of=AS_OF, chat=chat
    ).to_json()
    assert declined["kind"] == "refuse" and chat.calls == 1


def test_acuity_eval_command(demo_db, tmp_path, capsys):
    from assistant.cli import main

    spec = tmp_path / "mini.yaml"
    spec.write_text(
        "as_of: 2026-10-01\n"
        "cases:\n"
        "- id: visits\n  question: completed visits last month\n"
        "  sql: SELECT count(*) FROM appointments WHERE status = 'completed'"
        " AND scheduled_at >= DATE '2026-09-01' AND scheduled_at < DATE '2026-10-01'\n"
        "- id: wrong_on_purpose\n  question: How are we doing?\n  expect: answer\n  sql: SELECT 1\n"
        "- id: decline\n  question: Delete all appointments\n  expect: refuse\n",
        encoding="utf-8",
    )
    code = main(["eval", str(spec), "--db", str(demo_db)])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    assert out[-1] == "2 passed, 1 failed"
    assert "FAIL wrong_on_purpose: kind 'clarify', expected 'answer'" in out
    assert any(line.strip().startswith("refuse") and "1/1" in line for line in out)


def test_terminal_rendering():
    from assistant.cli.ask import render_text

    text = render_text(
        {"kind": "answer", "narrative": "Revenue by location.", "columns": ["location", "revenue"],
         "rows": [["Downtown", 1234.5], ["Lakeview", None]], "choices": [], "citations": [], "sql": "SELECT 1",
         "elapsed_ms": 12.0}
    )  # fmt: skip
    assert "Downtown  1,234.5" in text and "SQL: SELECT 1" in text and text.endswith("(answer, 12.0 ms)")


OWNERS_MD = """---
title: Owners meeting, partner bonus plan
date: 2026-05-04
type: meeting_notes
audience: owners
---
# Partner bonus plan

The owners decided the partner bonus plan pays out when contact lens revenue beats the budget.
"""


@pytest.fixture(scope="module")
def audience_index(tmp_path_factory):
    from ingest.documents import index_folder

    docs = tmp_path_factory.mktemp("docs_aud")
    (docs / "2026-05-04_owners-bonus.md").write_text(OWNERS_MD, encoding="utf-8")
    (docs / "2025-02-10_sop-cl-reorder.md").write_text(SOP_MD, encoding="utf-8")
    path = tmp_path_factory.mktemp("index_aud")
    index_folder(docs, path)
    return path


def test_document_search_follows_the_role(demo_db, audience_index):
    q = "What did the owners decide about the partner bonus plan?"
    owner = ask(demo_db, q, index_path=audience_index)
    assert owner["kind"] == "documents"
    assert any(c["title"] == "Owners meeting, partner bonus plan" for c in owner["citations"])
    staff = ask(demo_db, q, role="staff", index_path=audience_index)
    assert staff["kind"] == "documents"
    assert all(c["title"] != "Owners meeting, partner bonus plan" for c in staff["citations"])
    both = ask(
        demo_db, "Why did contact lens revenue rise last quarter?", role="staff", index_path=audience_index
    )
    assert all(c["title"] != "Owners meeting, partner bonus plan" for c in both["citations"])


def test_narrative_says_a_period_past_the_data_is_partial(demo_db):
    """Data ends 2026-09-30: on 2026-10-15 'this year' is partial and is not set against a full span."""
    ans = answer_question("revenue this year", db_path=demo_db, as_of=dt.date(2026, 10, 15))
    assert "partial" in ans.narrative and "2026-09-30" in ans.narrative
    assert not re.search(r"\b(up|down) \d", ans.narrative)
    empty = answer_question("revenue this month", db_path=demo_db, as_of=dt.date(2026, 10, 15))
    assert "no data yet" in empty.narrative
    series = answer_question(
        "visits by week over the last 60 days", db_path=demo_db, as_of=dt.date(2026, 10, 3)
    )
    assert "2026-09-28 is partial" in series.narrative


def test_two_breakdowns_and_rate_caution(demo_db):
    data = ask(demo_db, "no-show rate by gender and age group in 2025")
    assert data["kind"] == "answer" and data["semantic_query"]["dimensions"] == ["gender", "age_band"]
    assert "groups" in data["narrative"] and "chance" in data["narrative"]


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("no-show rate for comprehensive exams in 2025", "No-show rate for comprehensive exam in 2025: "),
        ("completed visits for patients 65 and over last year", "Completed visits for age band 65+ in 2025: "),
        ("optical revenue by location in 2025 excluding Downtown", None),
        ("revenue for contact lenses by location last quarter", "Revenue for contact lenses by location (3 groups)"),
        ("revenue last month except the Downtown office", "Revenue excluding Downtown in September 2026: "),
    ],
)
def test_the_narrative_names_the_filters_its_groups_do_not_show(demo_db, question, says):
    data = ask(demo_db, question)
    assert data["kind"] == "answer", data["narrative"]
    if says is not None:
        assert data["narrative"].startswith(says), data["narrative"]
    else:  # a filtered-out member is neither a group nor in the narrative as one
        assert [r[0] for r in data["rows"]] == ["Lakeview", "Northside"]
        assert "Downtown" not in data["narrative"].split("excluding")[0]


def test_one_day_is_compared_with_the_same_weekday_a_week_before_and_bookings_with_nothing(demo_db):
    data = ask(demo_db, "completed visits on September 28")  # a Monday
    assert re.search(r"from [\d,]+ on 2026-09-21\.$", data["narrative"]), data["narrative"]
    booked = ask(demo_db, "how many appointments are booked for next week")
    assert booked["semantic_query"]["metrics"] == ["upcoming_appointments"]
    assert " from " not in booked["narrative"].split(":", 1)[1], booked["narrative"]


def test_as_of_may_be_an_iso_string_and_a_bad_one_is_named(demo_db):
    by_date = answer_question("revenue in july", db_path=demo_db, as_of=dt.date(2026, 10, 1))
    by_text = answer_question("revenue in july", db_path=demo_db, as_of="2026-10-01")
    assert by_text.kind == "answer" and by_text.rows == by_date.rows
    assert by_text.semantic_query["time_range"] == {"start": "2026-07-01", "end": "2026-08-01"}
    with pytest.raises(ValueError, match="'last tuesday' is not a date"):
        answer_question("revenue in july", db_path=demo_db, as_of="last tuesday")


def test_ask_uses_acuity_as_of(demo_db):
    env = dict(os.environ, PYTHONPATH=str(ROOT), ACUITY_AS_OF="2026-10-01")
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "--db", str(demo_db), "revenue last month"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    tr = json.loads(out.stdout)["semantic_query"]["time_range"]
    assert tr == {"start": "2026-09-01", "end": "2026-10-01"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("as_of: 2026-10-01\ncases:\n- id: x\n  question: [unclosed\n", "not valid YAML at line"),
        ("as_of: 2026-10-01\ncases: {a: 1}\n", "'cases' must be a list"),
        ("as_of: 2026-10-01\ncases:\n- id: x\n  question: hi\n  expect: maybe\n", "'expect' must be one of"),
        ("as_of: 2026-10-01\ncases:\n- id: x\n  question: revenue\n", "needs its gold 'sql'"),
        ("as_of: someday\ncases: []\n", "'as_of' is not a date"),
    ],
)
def test_acuity_eval_reports_a_malformed_set(demo_db, tmp_path, capsys, text, reason):
    from assistant.cli import main

    spec = tmp_path / "bad.yaml"
    spec.write_text(text, encoding="utf-8")
    code = main(["eval", str(spec), "--db", str(demo_db)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(spec) in err and reason in err and "Traceback" not in err


def test_comparison_with_a_period_that_starts_today(demo_db):
    data = ask(demo_db, "revenue this quarter compared with the previous quarter")
    assert data["kind"] == "answer" and "no data yet" in data["narrative"]
    assert data["rows"][0][0] is None and data["rows"][0][1] > 0
    assert fmt_value(data["rows"][0][1], "currency") in data["narrative"]
