"""A replayed run of shared/eval/dev.yaml through the LLM path, end to end.

The scripted server plays a model that answers each dev question with its hand-written
semantic query (tests/semantic_layer/fixtures/dev_queries.yaml) and refuses the rest; the
real ``openai`` client carries it, the LLM interpreter validates it, and the pipeline's
compile -> guard -> execute step runs it on the demo warehouse. Every case whose answer
the replay knows must then pass the scorer of ``acuity eval``. This checks the plumbing,
not a model.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.evaluation import run_set
from assistant.llm.turn import answer_with_llm
from assistant.pipeline import get_engine
from semantic_layer.roles import access_for
from tests.conftest import SHARED
from tests.llm_server import Reply

GOLD_QUERIES = Path(__file__).parents[1] / "semantic_layer" / "fixtures" / "dev_queries.yaml"


def test_dev_set_replayed_through_the_llm_path(demo_db, chat, server):
    spec = yaml.safe_load((SHARED / "eval" / "dev.yaml").read_text())
    gold = yaml.safe_load(GOLD_QUERIES.read_text())
    by_question = {c["question"]: c for c in spec["cases"]}

    def respond(body: dict) -> Reply:
        case = by_question.get(body["messages"][-1]["content"].rsplit("Question: ", 1)[-1])
        if case is not None and case["id"] in gold:
            return Reply.json(
                {"kind": "semantic_query", "semantic_query": gold[case["id"]], "sql": None, "reason": None}
            )
        return Reply.json(
            {"kind": "refusal", "semantic_query": None, "sql": None, "reason": "Not about the data."}
        )

    server.set_responder(respond)
    engine = get_engine(demo_db)
    owner = access_for("owner")
    interpreters = []

    def ask(question: str, context: list[str], as_of) -> dict:
        turn = answer_with_llm(engine, chat, question, context=context, as_of=as_of, access=owner)
        assert turn.answer is not None, turn.note
        interpreters.append(turn.answer.interpreter)
        return turn.answer.to_json()

    replayed = [c for c in spec["cases"] if c["id"] in gold or c.get("expect") == "refuse"]
    report = run_set({**spec, "cases": replayed}, demo_db, ask)
    assert report.failed == 0, "\n".join(report.lines())
    assert len(replayed) >= 30 and set(interpreters) == {"llm"}
    assert len(server.chat_requests) == len(replayed)  # one request per question: every reply validated
