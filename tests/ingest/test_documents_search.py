"""Hybrid retrieval: vector + BM25 fused by rank, filters, relevance floor, keyword index."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

from ingest.documents import DocumentIndex, SearchFilters, index_folder
from ingest.documents.keyword import KeywordIndex, stem, tokenize
from ingest.documents.query import analyse, correct
from ingest.documents.store import ChunkStore
from tests.ingest.test_documents_extract import write_samples

MANAGERS_MD = """---
title: Compensation review for managers
date: 2026-06-30
type: monthly report
audience: managers
---
# Compensation review

Bonus pool for optometrists is tied to the optical capture rate this year.
"""

OWNERS_MD = """---
title: Lease renewal memo
date: 2025-03-02
type: other
audience: owners
---
# Lease renewal

The Lakeview lease renewal raises rent by 8% from next spring.
"""

MARCH_2025_MD = """---
title: Staff meeting notes, March 2025
date: 2025-03-10
type: meeting notes
---
# Staff meeting notes, March 2025

## Scheduling
Saturday schedule changes: the front desk will open at 8.
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> DocumentIndex:
    docs = write_samples(tmp_path_factory.mktemp("docs"))
    (docs / "managers-compensation.md").write_text(MANAGERS_MD, encoding="utf-8")
    (docs / "owners-lease.md").write_text(OWNERS_MD, encoding="utf-8")
    (docs / "2025-03-meeting.md").write_text(MARCH_2025_MD, encoding="utf-8")
    path = tmp_path_factory.mktemp("index")
    index_folder(docs, path)
    return DocumentIndex.open(path)


def sources(hits) -> list[str]:
    return [h.source for h in hits]


def test_finds_passages_by_exact_keyword(index):
    hits = index.search("Luxottica")
    assert sources(hits)[0] == "frames-vendor-notice.txt"


def test_finds_passages_by_paraphrase(index):
    assert sources(index.search("phoning people ahead of their exams"))[0] == "2026-03-staff-meeting.md"
    assert sources(index.search("checking coverage before the exam"))[0] == "sop-insurance-verification.docx"
    assert sources(index.search("contacts out of stock"))[0] == "lens-backorder.html"


def test_hits_carry_citations(index):
    hit = index.search("optical capture at Lakeview")[0]
    assert hit.source == "monthly-report-2026-04.pdf" and hit.page == 2
    assert hit.title == "Monthly report, April 2026" and hit.date == "2026-04-01"
    md = index.search("who covers Saturday clinics")[0]
    assert md.section == "Staffing" and md.page is None
    assert set(md.to_dict()) >= {"source", "title", "date", "page", "score", "snippet"}


def test_unrelated_query_returns_no_hits(index):
    for q in ("capital of France", "how to bake sourdough bread", "quarterly tax filing deadline"):
        assert index.search(q) == [], q


def test_scores_are_best_first(index):
    hits = index.search("frames price increase order before the end of May", top_k=5)
    assert hits and [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_filter_by_document_type(index):
    f = SearchFilters(doc_types=("sop",))
    hits = index.search("insurance card copay", filters=f)
    assert hits and {h.doc_type for h in hits} == {"sop"}
    assert index.search("Luxottica frames", filters=f) == []


def test_filter_by_month_and_date_range(index):
    march = index.search("meeting notes", filters=SearchFilters(doc_types=("meeting_notes",), month=3))
    assert set(sources(march)) == {"2026-03-staff-meeting.md", "2025-03-meeting.md"}
    only_2025 = SearchFilters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 1, 1))
    assert set(sources(index.search("meeting notes", filters=only_2025))) <= {
        "2025-03-meeting.md",
        "owners-lease.md",
    }


def test_audience_filter_by_role(index):
    q = "bonus pool optical capture"
    assert "managers-compensation.md" not in sources(index.search(q, filters=SearchFilters(audience="staff")))
    assert "managers-compensation.md" in sources(index.search(q, filters=SearchFilters(audience="manager")))
    lease = "Lakeview lease renewal rent"
    assert "owners-lease.md" not in sources(index.search(lease, filters=SearchFilters(audience="manager")))
    assert "owners-lease.md" in sources(index.search(lease, filters=SearchFilters(audience="owner")))
    assert "owners-lease.md" in sources(index.search(lease))  # no role: everything


def test_at_most_two_passages_per_document(index):
    hits = index.search("meeting notes no-shows staffing Saturday", top_k=10)
    counts = {s: sources(hits).count(s) for s in sources(hits)}
    assert max(counts.values()) <= 2


def test_vector_and_keyword_filters_agree(index):
    """The Chroma where-clause and the keyword row mask select the same chunks."""
    store: ChunkStore = index.store
    kw = index.keyword
    choices = [
        SearchFilters(doc_types=("meeting_notes",)),
        SearchFilters(month=3),
        SearchFilters(date_from=dt.date(2026, 4, 1)),
        SearchFilters(date_to=dt.date(2026, 4, 1), audience="staff"),
        SearchFilters(doc_types=("monthly_report", "other"), audience="owner"),
    ]
    for f in choices:
        got = store._col.get(where=f.to_where(), include=[])["ids"]
        masked = [kw.ids[i] for i in np.flatnonzero(f.mask(kw.columns))]
        assert sorted(got) == sorted(masked), f


def test_bm25_ranks_rarer_terms_higher():
    kw = KeywordIndex.build(
        ["a", "b", "c"], ["frames frames lenses", "lenses lenses lenses", "frames recall notice Safilo"]
    )
    s = kw.scores("Safilo lenses")
    assert int(np.argmax(s)) == 2
    assert kw.coverage("Safilo lenses", np.array([0, 1, 2])).tolist()[2] > 0.5
    assert kw.scores("unknown words only").sum() == 0


def test_keyword_index_round_trips(tmp_path: Path):
    kw = KeywordIndex.build(
        ["x", "y"], ["no-show rates", "frame recall"], columns={"month": [3, 4], "doc_type": ["a", "b"]}
    )
    kw.save(tmp_path)
    back = KeywordIndex.load(tmp_path)
    assert back.ids == kw.ids and np.allclose(back.scores("no-shows"), kw.scores("no-shows"))
    assert back.columns["month"].tolist() == [3, 4] and back.columns["doc_type"].tolist() == ["a", "b"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("rescheduled", "reschedules"),
        ("reminders", "reminder"),
        ("policies", "policy"),
        ("shipping", "shipped"),
    ],
)
def test_stemmer_joins_word_forms(a, b):
    assert stem(a) == stem(b)


def test_tokenize_keeps_hyphenated_compounds():
    assert "noshow" in tokenize("No-shows rose") and "noshow" in tokenize("no-show rate")
    assert "the" not in tokenize("the rate") and list(itertools.chain(tokenize(""))) == []


def test_typos_are_corrected_against_the_index_vocabulary():
    vocab = {t: i for i, t in enumerate(["recall", "northsid", "march", "prescription", "postcard"])}
    df = {"recall": 4, "northsid": 9, "march": 7}.get
    assert correct("recal", vocab, lambda t: df(t) or 1) == "recall"  # a letter missing
    assert correct("nortsid", vocab, lambda t: df(t) or 1) == "northsid"
    assert correct("perscription", vocab, lambda t: 1) == "prescription"  # two letters swapped
    assert correct("match", vocab, lambda t: 1) == "match"  # no substitution in short words
    assert correct("oct", vocab, lambda t: 1) == "oct"  # too short to correct


def test_query_words_match_their_lexicon_synonyms():
    kw = KeywordIndex.build(["a", "b"], ["text reminders failed at Northside", "cash drawer balanced"])
    assert kw.scores("sms outage")[0] > 0 and kw.scores("balancing the till")[1] > 0
    assert kw.coverage("balancing the till", np.array([0, 1])).tolist() == [0.0, 1.0]
    (term,) = analyse("sms", kw.vocab)
    assert term.main == "sms" and "text" in term.alternatives
    # a synonym scores below the word itself
    exact = KeywordIndex.build(["a", "b"], ["sms reminders", "text reminders"]).scores("sms")
    assert exact[0] > exact[1] > 0


def test_keyword_index_records_its_tokenizer(tmp_path: Path):
    assert not KeywordIndex.is_current(tmp_path)
    KeywordIndex.build(["x"], ["frames"]).save(tmp_path)
    assert KeywordIndex.is_current(tmp_path)
