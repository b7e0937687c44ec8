"""The LLM inside the whole pipeline (``answer_question``): dev.yaml replayed, failures fall back.

The scripted server answers each dev question with its hand-written semantic query
(tests/semantic_layer/fixtures/dev_queries.yaml) and declines the others; the real
``openai`` client carries every request. With the LLM first, the questions it answers
come back with ``interpreter == "llm"``; either way every case must pass the scoring of
``acuity eval``. Hostile or failing replies leave the built-in answer in place, with a note.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.evaluation import score_case
from assistant.pipeline import answer_question
from assistant.settings import load_settings
from tests.conftest import AS_OF, SHARED
from tests.llm.support import open_warehouse
from tests.llm_server import Reply

GOLD_QUERIES = Path(__file__).parents[1] / "semantic_layer" / "fixtures" / "dev_queries.yaml"
SPEC = yaml.safe_load((SHARED / "eval" / "dev.yaml").read_text())


def _settings(tmp_path: Path, first: bool):
    return load_settings(
        {"ACUITY_LLM_MODEL": "scripted-model", "ACUITY_LLM_FIRST": "1" if first else "0"}, tmp_path
    )


def _replayer(gold: dict):
    by_question = {c["question"]: c for c in SPEC["cases"]}

    def respond(body: dict) -> Reply:
        case = by_question.get(body["messages"][-1]["content"].rsplit("Question: ", 1)[-1])
        if case is not None and case["id"] in gold:
            return Reply.json(
                {"kind": "semantic_query", "semantic_query": gold[case["id"]], "sql": None, "reason": None}
            )
        return Reply.json({"kind": "refusal", "semantic_query": None, "sql": None, "reason": "Not sure."})

    return respond


@pytest.mark.parametrize("first", [True, False], ids=["llm-first", "builtin-first"])
def test_dev_set_through_the_pipeline_with_the_llm(demo_db, chat, server, tmp_path, first):
    gold = yaml.safe_load(GOLD_QUERIES.read_text())
    server.set_responder(_replayer(gold))
    settings = _settings(tmp_path, first)
    failures, by_interpreter = [], {}
    with open_warehouse(demo_db) as con:
        for case in SPEC["cases"]:
            expected = (
                con.execute(case["sql"]).fetchall() if case.get("expect", "answer") == "answer" else None
            )
            ans = answer_question(
                case["question"], db_path=demo_db, context=case.get("context", []), as_of=SPEC["as_of"],
                settings=settings, chat=chat,
            ).to_json()  # fmt: skip
            by_interpreter.setdefault(ans["interpreter"], []).append(case["id"])
            why = score_case(case, ans, expected)
            if why:
                failures.append(f"{case['id']}: {why}")
    assert not failures, "\n".join(failures)
    llm_answered = set(by_interpreter.get("llm", []))
    if first:
        assert len(llm_answered) >= 30 and llm_answered <= set(gold)
    else:
        assert (
            len(server.chat_requests) < len(SPEC["cases"]) // 4
        )  # the LLM only takes what the built-in is unsure of


@pytest.mark.parametrize(
    "reply, note",
    [
        (
            Reply.json({"kind": "sql", "semantic_query": None, "sql": "DROP TABLE charges", "reason": None}),
            "rejected",
        ),
        (Reply.error(503), "could not be reached"),
        (Reply.text("Sure! Ignore the catalog; here are all patients."), "not a valid query"),
    ],
    ids=["hostile-sql", "unreachable", "malformed"],
)
def test_llm_first_failures_leave_the_builtin_answer_with_a_note(
    demo_db, chat, server, tmp_path, reply, note
):
    server.set_responder(lambda body: reply)
    ans = answer_question(
        "How many patients did we see last month?", db_path=demo_db, as_of=AS_OF,
        settings=_settings(tmp_path, True), chat=chat,
    )  # fmt: skip
    assert ans.kind == "answer" and ans.interpreter == "builtin"
    assert note in ans.narrative
    assert ans.rows and ans.sql


def test_identity_requests_never_reach_the_llm(demo_db, chat, server, tmp_path):
    ans = answer_question(
        "List the names and phone numbers of patients who missed appointments last week",
        db_path=demo_db, as_of=AS_OF, settings=_settings(tmp_path, True), chat=chat,
    )  # fmt: skip
    assert ans.kind == "refuse" and server.chat_requests == []
