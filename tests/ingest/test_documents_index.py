"""Indexing a folder into Chroma: incremental by content hash, scrubbed, failures reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.documents import DocumentIndex, HashingEmbedder, index_folder
from ingest.documents.index import documents_root, known_names_from_export
from ingest.documents.store import HNSW_CONFIG, ChunkStore
from tests.ingest.test_documents_extract import write_samples

PHI_NOTE = """# Incident note: Maria Gonzalez fall in waiting room

Date: 2026-02-03

Maria Gonzalez (MRN CP-004512) slipped near the frame display. Her daughter called from
555-201-3344 and wrote to maria.gonzalez@example.com; the patient lives at 12 Oak Street.
Dr. Patel examined her and found no injury. Wet-floor signs are now kept at the entrance.
"""


def stored_texts(index: Path) -> list[str]:
    """Every chunk text and metadata value stored in Chroma, as strings."""
    ids, texts, metas = ChunkStore.open(index).all_chunks()
    return texts + [str(v) for m in metas for v in m.values()] + ids


def test_index_then_rerun_skips_unchanged(tmp_path):
    docs = write_samples(tmp_path / "docs")
    index = tmp_path / "index"
    first = index_folder(docs, index)
    assert sorted(first.added) == sorted(p.name for p in docs.iterdir())
    assert first.failed == [] and first.chunks_total == first.chunks_written > 5
    second = index_folder(docs, index)
    assert second.added == second.updated == second.removed == []
    assert len(second.unchanged) == 5 and second.chunks_written == 0
    assert second.chunks_total == first.chunks_total


def test_changed_document_is_replaced_and_deleted_one_removed(tmp_path):
    docs = write_samples(tmp_path / "docs")
    index = tmp_path / "index"
    before = index_folder(docs, index).chunks_total
    note = docs / "frames-vendor-notice.txt"
    note.write_text(note.read_text().replace("Luxottica", "Safilo"), encoding="utf-8")
    (docs / "lens-backorder.html").unlink()
    report = index_folder(docs, index)
    assert report.updated == ["frames-vendor-notice.txt"]
    assert report.removed == ["lens-backorder.html"]
    text = " ".join(stored_texts(index))
    assert "Safilo" in text and "Luxottica" not in text and "Acuvue" not in text
    assert report.chunks_total < before
    ix = DocumentIndex.open(index)
    assert ix.search("Luxottica frames") == []  # keyword index rebuilt too
    assert ix.search("Safilo frames")[0].source == "frames-vendor-notice.txt"


def test_unreadable_file_is_reported_and_others_go_on(tmp_path):
    docs = write_samples(tmp_path / "docs")
    (docs / "scan.pdf").write_bytes(b"%PDF-1.4 truncated garbage")
    (docs / "notes.docx").write_bytes(b"not a zip file")
    report = index_folder(docs, tmp_path / "index")
    assert {name for name, _ in report.failed} == {"scan.pdf", "notes.docx"}
    assert all(reason for _, reason in report.failed)
    assert len(report.added) == 5


def test_identifiers_are_scrubbed_before_storing(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "incident_maria_gonzalez.md").write_text(PHI_NOTE, encoding="utf-8")
    index = tmp_path / "index"
    index_folder(docs, index, known_names=["Maria", "Gonzalez"])
    stored = " ".join(stored_texts(index))
    on_disk = " ".join(p.read_text(errors="ignore") for p in index.glob("*.json"))
    for identifier in ("Gonzalez", "Maria", "CP-004512", "555-201-3344", "maria.gonzalez@", "12 Oak Street"):
        assert identifier not in stored and identifier not in on_disk
    assert "wet-floor signs" in stored.lower() and "Dr. Patel" in stored
    hit = DocumentIndex.open(index).search("slipped near the frame display")[0]
    assert "Gonzalez" not in hit.title and "gonzalez" not in hit.source.lower()


def test_export_folder_uses_documents_subfolder_and_patient_names(tmp_path):
    export = tmp_path / "export"
    (export / "documents").mkdir(parents=True)
    (export / "documents" / "note.md").write_text(PHI_NOTE.replace("Maria Gonzalez", "Quinn Zephyrine"))
    (export / "patients.csv").write_text("patient_id,first_name,last_name\nCP-1,Quinn,Zephyrine\n")
    assert documents_root(export) == export / "documents"
    assert known_names_from_export(export) == ["Quinn", "Zephyrine"]
    index_folder(export, tmp_path / "index", known_names=known_names_from_export(export))
    assert "Zephyrine" not in " ".join(stored_texts(tmp_path / "index"))
    # No names given: they are read from the export's patients.csv beside documents/.
    index_folder(export / "documents", tmp_path / "auto")
    assert "Zephyrine" not in " ".join(stored_texts(tmp_path / "auto"))
    index_folder(export / "documents", tmp_path / "none", known_names=[])
    assert "Zephyrine" in " ".join(stored_texts(tmp_path / "none"))  # the names are what catches it


def test_collection_uses_tuned_hnsw_configuration(tmp_path):
    store = ChunkStore.open(tmp_path / "index", "x", create=True)
    hnsw = store.configuration()["hnsw"]
    for key, value in HNSW_CONFIG.items():
        assert hnsw[key] == value


def test_true_best_match_found_after_many_batches(tmp_path):
    """With Chroma's default HNSW settings this seed misses about 1 in 70 true nearest neighbours."""
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(5000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.normal(size=(200, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    store = ChunkStore.open(tmp_path / "index", "random-64", create=True)
    meta = {"doc_type": "other", "date_num": 0, "month": 0, "audience_rank": 0}
    for start in range(0, len(vectors), 250):  # many separate add calls
        ids = [f"c{i}" for i in range(start, start + 250)]
        store.add(ids, vectors[start : start + 250], ["t"] * 250, [dict(meta) for _ in ids])
    truth = np.argmax(queries @ vectors.T, axis=1)
    found = [store.query(q, 1)[0].id for q in queries]
    assert found == [f"c{i}" for i in truth]


def test_changing_the_embedder_rebuilds_the_index(tmp_path):
    docs = write_samples(tmp_path / "docs")
    index = tmp_path / "index"
    index_folder(docs, index)
    report = index_folder(docs, index, embedder=HashingEmbedder())
    assert len(report.added) == 5 and report.embedder == "hashing-256"
    assert json.loads((index / "manifest.json").read_text())["embedder"] == "hashing-256"
    assert DocumentIndex.open(index).embedder.name == "hashing-256"


def test_progress_is_reported_per_file(tmp_path):
    docs = write_samples(tmp_path / "docs")
    seen: list[tuple[int, int, str]] = []
    index_folder(docs, tmp_path / "index", progress=lambda n, total, name: seen.append((n, total, name)))
    assert [s[0] for s in seen] == [1, 2, 3, 4, 5] and {s[1] for s in seen} == {5}


def test_index_survives_a_copy_to_another_folder(tmp_path):
    docs = write_samples(tmp_path / "docs")
    index_folder(docs, tmp_path / "index")
    shutil.copytree(tmp_path / "index", tmp_path / "moved")
    hits = DocumentIndex.open(tmp_path / "moved").search("vision plan eligibility")
    assert hits and hits[0].source == "sop-insurance-verification.docx"


def test_opening_a_missing_index_is_a_typed_error(tmp_path):
    from ingest.documents import IndexNotFound

    with pytest.raises(IndexNotFound):
        DocumentIndex.open(tmp_path / "nothing")
