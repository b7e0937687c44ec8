"""Answers of kind ``documents`` and the ``acuity search`` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.documents import answer_documents, filters_from_question, highlight, split_sentences, unwrap
from ingest.documents import SearchFilters, index_folder
from tests.ingest.test_documents_extract import write_samples

MANAGERS_MD = """---
title: Bonus plan 2026
date: 2026-01-15
type: other
audience: managers
---
# Bonus plan

Optometrist bonuses depend on the optical capture rate and patient satisfaction scores.
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    docs = write_samples(tmp_path_factory.mktemp("docs"))
    (docs / "bonus-plan.md").write_text(MANAGERS_MD, encoding="utf-8")
    path = tmp_path_factory.mktemp("index")
    index_folder(docs, path)
    return path


def test_answer_has_cited_passages_with_highlights(index):
    ans = answer_documents("why did no-shows go up at Northside?", index)
    assert ans.kind == "documents" and ans.hits
    best = ans.hits[0]
    assert set(best) == {
        "source",
        "title",
        "date",
        "page",
        "section",
        "doc_type",
        "score",
        "snippet",
        "highlights",
    }
    assert best["source"] == "2026-03-staff-meeting.md" and best["section"] == "No-shows"
    assert best["highlights"] and all(h in best["snippet"] for h in best["highlights"])
    assert "reminder texts" in best["highlights"][0]
    assert "Staff meeting notes, March 2026" in ans.narrative and "2026-03-12" in ans.narrative
    assert ans.citations[0] == {
        "source": "2026-03-staff-meeting.md",
        "title": "Staff meeting notes, March 2026",
        "date": "2026-03-12",
        "page": None,
        "section": "No-shows",
    }


def test_pdf_citation_names_the_page(index):
    ans = answer_documents("optical capture Lakeview optician", index)
    assert ans.hits[0]["page"] == 2 and "p. 2" in ans.narrative


def test_unrelated_question_gets_no_hits_and_says_so(index):
    ans = answer_documents("what is the capital of France?", index)
    assert ans.hits == [] and ans.narrative.startswith("No document passage matches")


def test_question_words_become_filters(index):
    f = filters_from_question("meeting notes from March")
    assert f.doc_types == ("meeting_notes",) and f.month == 3
    f = filters_from_question("vendor notices in May 2026")
    assert f.doc_types == ("vendor_notice",) and (f.date_from, f.date_to) == (
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 1),
    )
    assert filters_from_question("SOP for insurance verification").doc_types == ("sop",)
    assert filters_from_question("monthly report for 2026").date_from == dt.date(2026, 1, 1)
    assert filters_from_question("why did revenue rise").is_empty()
    ans = answer_documents("meeting notes from March", index)
    assert ans.hits and {h["doc_type"] for h in ans.hits} == {"meeting_notes"}
    assert answer_documents("meeting notes from July", index).hits == []


def test_audience_limits_what_a_role_sees(index):
    q = "optometrist bonus optical capture"
    assert "bonus-plan.md" not in [h["source"] for h in answer_documents(q, index, audience="staff").hits]
    assert answer_documents(q, index, audience="manager").hits[0]["source"] == "bonus-plan.md"


def test_explicit_filters_override_question(index):
    ans = answer_documents("insurance", index, filters=SearchFilters(doc_types=("vendor_notice",)))
    assert all(h["doc_type"] == "vendor_notice" for h in ans.hits)


def test_missing_index_is_an_empty_answer(tmp_path):
    ans = answer_documents("anything", tmp_path / "none")
    assert ans.hits == [] and "No documents" in ans.narrative


def test_sentences_and_highlights():
    text = "Dr. Lee covers Saturdays. Reminder texts stopped in March! Frames arrive late."
    assert split_sentences(text) == [
        "Dr. Lee covers Saturdays.",
        "Reminder texts stopped in March!",
        "Frames arrive late.",
    ]
    assert highlight(text, "when did the reminder texts stop") == ["Reminder texts stopped in March!"]


def test_wrapped_pdf_lines_are_joined_but_list_items_kept():
    text = "We moved the phone line to the\nnew carrier.\n-  Example: missed Mar 2\nand called.\nDecisions\n- Call ahead"
    assert unwrap(text) == (
        "We moved the phone line to the new carrier.\n-  Example: missed Mar 2 and called.\nDecisions\n- Call ahead"
    )


def test_cli_search_json(index, capsys):
    assert main(["search", "frame price increase", "--index", str(index), "--json", "--top", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["hits"] and 1 <= len(out["hits"]) <= 3
    hit = out["hits"][0]
    assert hit["source"] == "frames-vendor-notice.txt"
    for key in ("source", "title", "date", "page", "score", "snippet"):
        assert key in hit
    scores = [h["score"] for h in out["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_cli_search_no_hits_and_text_output(index, capsys):
    assert main(["search", "sourdough bread recipe", "--index", str(index), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"hits": []}
    assert main(["search", "contact lens backorder", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "Contact lens backorder" in out and "lens-backorder.html" in out


def test_cli_search_without_index_fails_clearly(tmp_path, capsys):
    assert main(["search", "x", "--index", str(tmp_path / "none"), "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"hits": []} and "no document index" in captured.err


def test_cli_ingest_documents_only(tmp_path, capsys):
    export = tmp_path / "export"
    write_samples(export / "documents")
    (export / "documents" / "broken.pdf").write_bytes(b"not a pdf")
    index = tmp_path / "index"
    assert main(["ingest", str(export), "--documents-only", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "5 added" in out and "1 failed" in out and "could not read broken.pdf" in out
    assert main(["ingest", str(export / "documents"), "--documents-only", "--index", str(index)]) == 0
    assert "5 unchanged" in capsys.readouterr().out
    assert main(["ingest", str(tmp_path / "missing"), "--documents-only", "--index", str(index)]) == 1
