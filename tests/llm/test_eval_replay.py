"""A replayed run of shared/eval/dev.yaml through the LLM path, end to end.

The scripted server plays a model that answers each dev question with its hand-written
semantic query (tests/semantic_layer/fixtures/dev_queries.yaml); the
real ``openai`` client carries it, the LLM interpreter validates it, and the pipeline's
compile -> guard -> execute step runs it on the demo warehouse. Every case whose answer
the replay knows must then pass the scorer of ``acuity eval``. This checks the plumbing,
not a model.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.evaluation import score_case
from assistant.llm.turn import answer_with_llm
from assistant.pipeline import get_engine
from semantic_layer.roles import access_for
from tests.conftest import SHARED
from tests.llm.support import open_warehouse
from tests.llm_server import Reply

GOLD_QUERIES = Path(__file__).parents[1] / "semantic_layer" / "fixtures" / "dev_queries.yaml"


def test_dev_set_replayed_through_the_llm_path(demo_db, chat, server):
    spec = yaml.safe_load((SHARED / "eval" / "dev.yaml").read_text())
    gold = yaml.safe_load(GOLD_QUERIES.read_text())
    by_question = {c["question"]: c for c in spec["cases"]}

    def respond(body: dict) -> Reply:
        case = by_question[body["messages"][-1]["content"].rsplit("Question: ", 1)[-1]]
        return Reply.json(
            {"kind": "semantic_query", "semantic_query": gold[case["id"]], "sql": None, "reason": None}
        )

    server.set_responder(respond)
    engine = get_engine(demo_db)
    owner = access_for("owner")
    as_of = spec["as_of"]
    replayed = [c for c in spec["cases"] if c["id"] in gold]
    failures, interpreters = [], set()
    with open_warehouse(demo_db) as con:
        for case in replayed:
            expected = con.execute(case["sql"]).fetchall()
            t = answer_with_llm(
                engine, chat, case["question"], context=case.get("context", []), as_of=as_of, access=owner
            )
            assert t.answer is not None, f"{case['id']}: {t.note}"
            interpreters.add(t.answer.interpreter)
            why = score_case(case, t.answer.to_json(), expected)
            if why:
                failures.append(f"{case['id']}: {why}")
    assert not failures, "\n".join(failures)
    assert len(replayed) >= 30 and interpreters == {"llm"}
    assert len(server.chat_requests) == len(replayed)  # one request per question: every reply validated
