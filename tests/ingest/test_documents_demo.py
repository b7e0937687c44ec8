"""The document index over the demo practice: zero identifiers stored, retrieval quality measured."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ingest.documents import DocumentIndex, index_folder
from ingest.documents.evaluate import evaluate, load_eval_set
from ingest.documents.extract import extract
from ingest.documents.index import known_names_from_export, list_documents
from ingest.documents.store import ChunkStore

EVAL_SET = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval_eval.yaml"
HELDOUT_SET = Path(__file__).resolve().parents[1] / "fixtures" / "retrieval_heldout.yaml"
# No-answer queries of the held-out set that still get hits with the default (static)
# embedder: every word but "dress code" is common practice vocabulary, and no keyword or
# similarity signal tells it from a true paraphrase (docs/documents.md).
KNOWN_FALSE_HITS = {"what is the dress code for front desk staff"}


@pytest.fixture(scope="module")
def demo_index(demo_export: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo-index")
    report = index_folder(demo_export, path, known_names=known_names_from_export(demo_export))
    assert report.failed == [] and len(report.added) >= 30
    return path


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _identifiers(export: Path) -> dict[str, set[str]]:
    staff = {
        r["staff_name"].replace("Dr. ", "").lower() for r in csv.DictReader((export / "staff.csv").open())
    }
    ids: dict[str, set[str]] = {"name": set(), "phone": set(), "email": set(), "mrn": set(), "address": set()}
    for r in csv.DictReader((export / "patients.csv").open()):
        full = f"{r['first_name']} {r['last_name']}"
        if full.lower() not in staff:  # employees keep their names; a namesake patient is not checked
            ids["name"].add(full.lower())
        ids["phone"].add(_digits(r["phone"]))
        ids["email"].add(r["email"].lower())
        ids["mrn"].add(r["patient_id"].lower())
        ids["address"].add(r["street_address"].lower())
    return ids


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _found(text: str, ids: dict[str, set[str]]) -> list[str]:
    """Identifiers of ``ids`` that occur in ``text`` (word-aligned; phones by their digits)."""
    words = _words(text)
    grams = {" ".join(words[i : i + n]) for n in range(1, 7) for i in range(len(words) - n + 1)}
    digits = {_digits(m) for m in re.findall(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}", text)}
    hits = [f"phone {d}" for d in digits & ids["phone"]]
    for kind in ("email", "mrn", "address", "name"):
        hits += [f"{kind} {v}" for v in ids[kind] if v and " ".join(_words(v)) in grams]
    return hits


def test_demo_documents_do_mention_patients(demo_export):
    """Guards the next test: the raw demo documents contain identifiers to scrub."""
    ids = _identifiers(demo_export)
    raw = " ".join(extract(p).text for p in list_documents(demo_export / "documents"))
    assert {h.split()[0] for h in _found(raw, ids)} >= {"name", "phone", "mrn"}


def test_no_identifier_is_stored_in_the_index(demo_export, demo_index):
    ids = _identifiers(demo_export)
    chunk_ids, texts, metas = ChunkStore.open(demo_index).all_chunks()
    stored = texts + [str(v) for m in metas for v in m.values()] + chunk_ids
    assert len(texts) > 50
    assert _found("\n".join(stored), ids) == []
    side_files = " ".join(p.read_text(errors="ignore") for p in demo_index.glob("*.json"))
    assert _found(side_files, ids) == []


def test_retrieval_quality_on_the_eval_set(demo_index):
    queries = load_eval_set(EVAL_SET)
    assert sum(1 for q in queries if q.relevant) >= 30
    result = evaluate(DocumentIndex.open(demo_index), queries, k=5)
    assert result.recall_at_k >= 0.9, result.misses
    assert result.mrr >= 0.75, result.misses
    assert result.negatives_passed == result.negatives >= 3


def test_retrieval_quality_on_the_heldout_set(demo_index):
    """The held-out set (never used for tuning thresholds) scores like the eval set."""
    queries = load_eval_set(HELDOUT_SET)
    assert sum(1 for q in queries if q.relevant) >= 30 and sum(1 for q in queries if not q.relevant) >= 5
    result = evaluate(DocumentIndex.open(demo_index), [q for q in queries if q.relevant], k=5)
    assert result.recall_at_k >= 0.9, result.misses
    assert result.mrr >= 0.75, result.misses


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(
            q.query,
            marks=pytest.mark.xfail(strict=True, reason="known false hit, see KNOWN_FALSE_HITS")
            if q.query in KNOWN_FALSE_HITS
            else (),
        )
        for q in load_eval_set(HELDOUT_SET)
        if not q.relevant
    ],
)
def test_heldout_no_answer_queries_get_no_hits(demo_index, query):
    assert DocumentIndex.open(demo_index).search(query, per_doc=1) == []


@pytest.mark.parametrize("eval_file", [EVAL_SET, HELDOUT_SET], ids=["eval", "heldout"])
def test_eval_set_names_only_existing_documents(demo_export, eval_file):
    names = {p.name for p in list_documents(demo_export / "documents")}
    for q in load_eval_set(eval_file):
        assert set(q.relevant) <= names, q.query
