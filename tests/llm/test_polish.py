"""Narrative polishing through the real client: grounded rewrites kept, others fall back."""

from __future__ import annotations

import datetime as dt
import json

from assistant.llm.polish import MAX_PROMPT_ROWS, polish, polish_narrative, stream_polish
from tests.llm_server import Reply

COLUMNS = ["month", "completed_visits"]
ROWS = [[dt.date(2026, 8, 1), 1180], [dt.date(2026, 9, 1), 1234]]
BUILTIN = "Completed visits: 1,234 in September 2026 (+4.6% vs 1,180 in August)."
GOOD = "September 2026 brought 1,234 completed visits. That is 54 more than August, a 4.6% rise."
BAD = "September 2026 brought 1,234 completed visits. That is 60 more than August, a 5.1% rise."


def test_grounded_rewrite_is_kept(chat, server):
    server.script(Reply.text(GOOD))
    result = polish(chat, BUILTIN, COLUMNS, ROWS)
    assert result.polished and result.text == GOOD and result.note == ""


def test_prompt_holds_only_the_narrative_and_the_aggregate_result(chat, server):
    server.script(Reply.text(GOOD))
    polish_narrative(chat, BUILTIN, COLUMNS, ROWS)
    system, user = server.chat_requests[0].body["messages"]
    assert "Use only numbers" in system["content"]
    data = json.loads(user["content"].split("Data (JSON):\n", 1)[1])
    assert data == {"columns": COLUMNS, "rows": [["2026-08-01", 1180], ["2026-09-01", 1234]]}
    assert BUILTIN in user["content"]


def test_ungrounded_rewrite_falls_back_to_the_builtin(chat, server):
    server.script(Reply.text(BAD))
    result = polish(chat, BUILTIN, COLUMNS, ROWS)
    assert not result.polished and result.text == BUILTIN
    assert "60" in result.note and "5.1%" in result.note
    assert polish_narrative(chat, BUILTIN, COLUMNS, ROWS) == BUILTIN  # the script is empty now: 500s


def test_failures_fall_back_with_a_note(chat, server):
    server.script(*[Reply.error(503)] * 3, Reply.refused("no"), Reply.text("   "))
    notes = []
    for _ in range(3):
        result = polish(chat, BUILTIN, COLUMNS, ROWS)
        assert result.text == BUILTIN and not result.polished
        notes.append(result.note)
    assert "server_error" in notes[0]
    assert "gave no text" in notes[1] and "gave no text" in notes[2]


def test_patient_level_columns_are_never_sent(chat, server):
    result = polish(chat, "3 rows.", ["patient_key", "visits"], [["a1b2", 3]])
    assert result.text == "3 rows." and "patient_key" in result.note
    assert server.chat_requests == []
    stream = stream_polish(chat, "3 rows.", ["zip3", "visits"], [["021", 3]])
    assert list(stream) == [] and stream.text == "3 rows." and server.chat_requests == []


def test_large_results_are_capped_in_the_prompt(chat, server):
    rows = [[f"Campaign {i}", i] for i in range(MAX_PROMPT_ROWS + 20)]
    server.script(Reply.text("Campaign results vary."))
    polish(chat, "Many campaigns.", ["campaign", "new_patients"], rows)
    data = json.loads(server.chat_requests[0].body["messages"][1]["content"].split("Data (JSON):\n", 1)[1])
    assert len(data["rows"]) == MAX_PROMPT_ROWS and data["rows_not_shown"] == 20


def test_stream_yields_checked_sentences(chat, server):
    server.script(Reply.text(GOOD))
    stream = stream_polish(chat, BUILTIN, COLUMNS, ROWS)
    chunks = list(stream)
    assert chunks == [
        "September 2026 brought 1,234 completed visits. ",
        "That is 54 more than August, a 4.6% rise.",
    ]
    assert stream.polished and stream.text == GOOD
    assert server.chat_requests[0].body["stream"] is True


def test_stream_stops_before_an_ungrounded_sentence(chat, server):
    server.script(Reply.text(BAD))
    stream = stream_polish(chat, BUILTIN, COLUMNS, ROWS)
    chunks = list(stream)
    assert chunks == ["September 2026 brought 1,234 completed visits. "]  # the bad sentence never shows
    assert not stream.polished and stream.text == BUILTIN and "60" in stream.note


def test_stream_failure_falls_back(chat, server):
    server.script(*[Reply.error(500)] * 3)
    stream = stream_polish(chat, BUILTIN, COLUMNS, ROWS)
    assert list(stream) == [] and stream.text == BUILTIN and "server_error" in stream.note


def test_stream_cut_short_falls_back(chat, server):
    server.script(Reply.cut_stream(GOOD))
    stream = stream_polish(chat, BUILTIN, COLUMNS, ROWS)
    list(stream)
    assert not stream.polished and stream.text == BUILTIN and "stream_cut" in stream.note
