"""Short answers to document questions through the real client: grounded ones kept, others fall back.

A small index is built from two documents that mention a patient (name, MRN, phone,
e-mail): the scrubber removes them at indexing, and the prompt must carry none of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm.doc_answer import answer_from_passages, check_answer, doc_answer_messages
from assistant.pipeline import answer_question
from assistant.pipeline_steps import answer_turn, documents_answer
from assistant.router import Route
from ingest.documents import index_folder
from tests.conftest import AS_OF
from tests.llm_server import Reply

PATIENT = ("Marguerite", "Okonkwo-Bell")
IDENTIFIERS = ("Marguerite", "Okonkwo", "MRN-20417", "555-201-3344", "mokonkwo@example.com")

MEETING_MD = """---
title: Staff meeting notes, March 2026
date: 2026-03-12
type: meeting notes
audience: staff
---
# Staff meeting notes, March 2026

## No-shows
No-shows went up at Northside because reminder texts stopped going out after the phone
system change on March 3. We agreed to call patients two days before their exam. For
example Marguerite Okonkwo-Bell (MRN-20417, 555-201-3344, mokonkwo@example.com) missed
two exams without a reminder.
"""

VENDOR_TXT = """Vendor notice: frame price increase
Date: May 1, 2026

Luxottica announced a 6% price increase on all frames from June 1. Order before the end of May.
"""

QUESTION = "why did no-shows go up at Northside?"
GOOD = (
    "No-shows rose at Northside because reminder texts stopped after the phone system change "
    "on March 3 [1]. Staff agreed to call patients two days before their exam [1]."
)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    """An index of two small documents, scrubbed with the patient's name known."""
    docs = tmp_path_factory.mktemp("docs")
    (docs / "2026-03-staff-meeting.md").write_text(MEETING_MD, encoding="utf-8")
    (docs / "frames-vendor-notice.txt").write_text(VENDOR_TXT, encoding="utf-8")
    path = tmp_path_factory.mktemp("index")
    report = index_folder(docs, path, known_names=[" ".join(PATIENT)])
    assert not report.failed
    return path


def _ask(index: Path, chat, question: str = QUESTION):
    return documents_answer(question, index, chat=chat)


def test_grounded_answer_is_shown_with_its_citations(index, chat, server):
    builtin = documents_answer(QUESTION, index)
    server.script(Reply.text(GOOD))
    ans = _ask(index, chat)
    assert ans.kind == "documents" and ans.interpreter == "llm"
    answer, sources = ans.narrative.split("\n\nSources: ")
    assert answer == GOOD
    assert sources == "[1] Staff meeting notes, March 2026 (2026-03-12, section \u201cNo-shows\u201d)"
    assert ans.citations == builtin.citations and ans.citations[0]["source"] == "2026-03-staff-meeting.md"
    assert ans.passages == builtin.passages and builtin.interpreter == "builtin"


def test_prompt_holds_the_numbered_passages_and_no_patient_identifiers(index, chat, server):
    server.script(Reply.text(GOOD))
    ans = _ask(index, chat)
    (request,) = server.chat_requests
    system, user = request.body["messages"]
    assert "[1]" in system["content"] and "at most 3" in system["content"]
    assert user["content"].startswith("Passages:\n[1] Staff meeting notes, March 2026 (2026-03-12)\n")
    assert "reminder texts stopped going out" in user["content"]
    assert user["content"].endswith(f"Question: {QUESTION}")
    for hit in ans.passages:  # the snippet and nothing else: no file names, scores or sections
        assert hit["snippet"] in user["content"]
        assert hit["source"] not in request.text
    for ident in IDENTIFIERS:
        assert ident.lower() not in request.text.lower()
    assert "missed two exams" in user["content"]  # the sentence itself is there, scrubbed


@pytest.mark.parametrize(
    "reply, note",
    [
        (
            "No-shows rose because reminder texts stopped [1]. Staff will now call patients ahead.",
            "a sentence cites no passage",
        ),
        ("No-shows rose because reminder texts stopped [3].", "cites passage [3], which does not exist"),
        (
            "Reminder texts stopped after the phone change on March 5 [1].",
            "not in the cited passage: 5",
        ),
        (
            "Reminder texts stopped in April after the phone system change [1].",
            "not in the cited passage: April",
        ),
        (
            "Reminder texts stopped after the phone system change [1]. Frames cost 6% more [1].",
            "not in the cited passage: 6%",  # the 6% is in the vendor notice, not the one cited
        ),
    ],
    ids=["no-citation", "missing-passage", "number", "month", "number-from-another-document"],
)
def test_ungrounded_sentence_falls_back_with_a_note(index, chat, server, reply, note):
    builtin = documents_answer(QUESTION, index)
    server.script(Reply.text(reply))
    ans = _ask(index, chat)
    assert ans.interpreter == "builtin" and ans.narrative.startswith(builtin.narrative)
    assert "short answer not used" in ans.narrative and note in ans.narrative
    assert ans.citations == builtin.citations


def test_server_error_falls_back(index, chat, server, sleeps):
    builtin = documents_answer(QUESTION, index)
    server.script(*[Reply.error(500)] * 3)
    ans = _ask(index, chat)
    assert ans.interpreter == "builtin"
    assert (
        ans.narrative
        == f"{builtin.narrative} (short answer not used: the language model failed (server_error))"
    )
    assert len(server.chat_requests) == 3 and len(sleeps.waits) == 2


def test_refusal_and_no_answer_fall_back(index, chat, server):
    hits = documents_answer(QUESTION, index).passages
    server.script(Reply.refused("no"), Reply.text("NO_ANSWER"), Reply.text("  "))
    notes = [answer_from_passages(chat, QUESTION, hits, fallback="builtin") for _ in range(3)]
    assert all(n.text == "builtin" and not n.used for n in notes)
    assert "declined" in notes[0].note
    assert "no answer in the passages" in notes[1].note and "gave no text" in notes[2].note


def test_without_llm_or_hits_nothing_changes(index, chat, server):
    ans = documents_answer("sourdough bread recipe", index, chat=chat)
    assert ans.citations == [] and ans.interpreter == "builtin" and server.chat_requests == []
    assert answer_from_passages(chat, QUESTION, [], fallback="x").note == ""
    assert documents_answer(QUESTION, index).interpreter == "builtin"


def test_document_turn_uses_the_chat_model(index, chat, server):
    server.script(Reply.text(GOOD))
    ans = answer_turn(
        None, QUESTION, Route("documents"), context=[], as_of=None, role="staff", location_ids=None,
        index_path=index, chat=chat,
    )  # fmt: skip
    assert ans.interpreter == "llm" and ans.narrative.startswith(GOOD)


HITS = [
    {"title": "Vendor notice: frame price increase", "date": "2026-05-01", "snippet": VENDOR_TXT},
    {"title": "Monthly report, April 2026", "date": "2026-05-04", "snippet": "Revenue rose 4.3% in April."},
]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Frame prices rise 6% from June 1 [1]. Revenue rose about 4% in April [2].", ""),
        ("Frame prices rise 6% from June 1st. [1]", ""),  # a citation after the full stop joins it
        ("Frame prices rise 6% [1]; revenue rose 4.3% [2].", ""),
        ("Frames and revenue both moved [1, 2].", ""),
        (
            "Revenue rose 4.5% in April [2].",
            "not in the cited passage: 4.5%",
        ),  # more precise than the passage
        ("Frame prices rise 6 points [1].", ""),
        ("Frame prices rise 6% [2].", "not in the cited passage: 6%"),  # passage 1 says it, not 2
        ("Frame prices rise from June 2nd [1].", "not in the cited passage: 2nd"),
        ("Frame prices rise from July 1 [1].", "not in the cited passage: July"),
        ("Frame prices rise by three percent [1].", "not in the cited passage: three"),
        ("A [1]. B [1]. C [1]. D [1].", "the answer has 4 sentences"),
    ],
)
def test_check_answer(text, problem):
    cited, got = check_answer(text, HITS)
    assert got.startswith(problem) if problem else got == "", got
    assert bool(cited) == (not problem)


def test_messages_number_the_passages():
    user = doc_answer_messages("frames?", HITS)[1]["content"]
    assert "[1] Vendor notice: frame price increase (2026-05-01)\n" in user
    assert "[2] Monthly report, April 2026 (2026-05-04)\nRevenue rose 4.3% in April." in user


def test_ask_json_of_a_document_question_says_llm(index, chat, server, demo_db):
    question = "Find the meeting notes about reminder texts"
    reply = "Reminder texts stopped going out after the phone system change on March 3 [1]."
    server.script(Reply.text(reply))
    out = answer_question(question, db_path=demo_db, as_of=AS_OF, index_path=index, chat=chat).to_json()
    assert out["kind"] == "documents" and out["interpreter"] == "llm"
    assert out["narrative"].startswith(reply + "\n\nSources: [1] Staff meeting notes, March 2026")
    assert out["citations"][0]["source"] == "2026-03-staff-meeting.md"
    assert len(server.chat_requests) == 1
