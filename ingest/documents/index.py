"""Index a folder of documents: extract, scrub, chunk, embed, store. Incremental by content hash.

A file is re-indexed when its bytes change (or the pipeline, embedder or list of known
patient names changes); files gone from the folder are removed from the index; a file
that cannot be read is reported with its name and reason and the others go on.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.documents.chunk import CHUNK_OVERLAP, CHUNK_TOKENS, Chunk, chunk_document, embedding_text
from ingest.documents.embed import Embedder, load_embedder
from ingest.documents.errors import EmbedderMismatch, ExtractionError
from ingest.documents.extract import SUPPORTED_SUFFIXES, ExtractedDocument, extract, with_text
from ingest.documents.keyword import KeywordIndex
from ingest.documents.store import ChunkStore, load_manifest, save_manifest

log = logging.getLogger(__name__)

PIPELINE_VERSION = "3"  # bump when extraction, scrubbing or chunking changes what is stored
FILTER_COLUMNS = ("doc_type", "date_num", "month", "audience_rank")

Progress = Callable[[int, int, str], None]


@dataclass
class IndexReport:
    """What one indexing run did."""

    index_path: Path
    embedder: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    chunks_written: int = 0
    chunks_total: int = 0

    def summary(self) -> str:
        """One line: counts of added, updated, unchanged, removed and failed files."""
        return (
            f"documents: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, {len(self.failed)} failed; "
            f"{self.chunks_total} chunks in the index"
        )

    def to_dict(self) -> dict:
        """The report as JSON-ready data."""
        return {
            "index_path": str(self.index_path),
            "embedder": self.embedder,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"file": f, "reason": r} for f, r in self.failed],
            "chunks_written": self.chunks_written,
            "chunks_total": self.chunks_total,
        }


def documents_root(folder: Path) -> Path:
    """``folder/documents`` when it exists (a source export), else ``folder`` itself."""
    sub = folder / "documents"
    return sub if sub.is_dir() else folder


def list_documents(root: Path) -> list[Path]:
    """Files under ``root`` that look like documents (hidden files and folders skipped)."""
    out = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.suffix.lower() in SUPPORTED_SUFFIXES:
            out.append(p)
    return out


def _key(rel: str) -> str:
    return hashlib.sha256(rel.encode()).hexdigest()[:16]


def _fingerprint(embedder: str, known_names: Sequence[str]) -> str:
    h = hashlib.sha256(f"{PIPELINE_VERSION}|{embedder}|{CHUNK_TOKENS}|{CHUNK_OVERLAP}".encode())
    for name in sorted(set(known_names)):
        h.update(name.encode() + b"\0")
    return h.hexdigest()[:16]


def known_names_from_export(folder: Path) -> list[str]:
    """Patient first and last names from ``folder/patients.csv`` (empty when there is none)."""
    import csv

    path = Path(folder) / "patients.csv"
    if not path.is_file():
        return []
    names: set[str] = set()
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for col in ("first_name", "last_name"):
                if (row.get(col) or "").strip():
                    names.add(row[col].strip())
    return sorted(names)


def make_scrubber(known_names: Iterable[str] = ()) -> Callable[[str], str]:
    """The scrubbing function documents go through (``ingest.scrub.Scrubber``)."""
    from ingest.scrub import Scrubber

    return Scrubber(known_names=tuple(known_names)).scrub


def scrub_document(doc: ExtractedDocument, scrub: Callable[[str], str]) -> ExtractedDocument:
    """``doc`` with identifiers scrubbed from its text, title and file name."""
    clean = with_text(doc, scrub)
    spaced = doc.source.replace("_", " ").replace("-", " ")
    scrubbed = scrub(spaced)
    source = doc.source if scrubbed == spaced else scrubbed.replace(" ", "_")
    return ExtractedDocument(
        source=source,
        title=clean.title,
        date=clean.date,
        doc_type=clean.doc_type,
        audience=clean.audience,
        blocks=clean.blocks,
        period=clean.period,
    )


def index_folder(
    folder: Path,
    index_path: Path,
    *,
    known_names: Sequence[str] | None = None,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
    scrub: Callable[[str], str] | None = None,
) -> IndexReport:
    """Index the documents under ``folder`` (or its ``documents/``) into the index at ``index_path``.

    ``known_names`` are the patient names the scrubber must remove; None reads them from the
    export's ``patients.csv`` (in ``folder``, or beside a ``documents`` folder).
    """
    folder, index_path = Path(folder), Path(index_path)
    root = documents_root(folder)
    if known_names is None:
        known_names = known_names_from_export(folder) or known_names_from_export(root.parent)
    embedder = embedder or load_embedder()
    scrub = scrub or make_scrubber(known_names)
    index_path.mkdir(parents=True, exist_ok=True)
    try:
        store = ChunkStore.open(index_path, embedder.name, create=True)
    except EmbedderMismatch:
        log.warning("embedder changed to %s: rebuilding the document index", embedder.name)
        ChunkStore.reset(index_path)
        save_manifest(index_path, {}, embedder.name)
        store = ChunkStore.open(index_path, embedder.name, create=True)
    manifest = load_manifest(index_path)
    fingerprint = _fingerprint(embedder.name, known_names)
    report = IndexReport(index_path=index_path, embedder=embedder.name)
    files = list_documents(root)
    seen: set[str] = set()
    for n, path in enumerate(files, start=1):
        rel = path.relative_to(root).as_posix()
        key = _key(rel)
        seen.add(key)
        if progress:
            progress(n, len(files), path.name)
        digest = hashlib.sha256(path.read_bytes() + fingerprint.encode()).hexdigest()
        old = manifest.get(key)
        if old and old.get("hash") == digest:
            report.unchanged.append(path.name)
            continue
        try:
            doc = scrub_document(extract(path), scrub)
            chunks = chunk_document(doc)
        except ExtractionError as exc:
            report.failed.append((path.name, exc.reason))
            log.warning("document skipped: %s", exc)
            continue
        if old:
            store.delete(list(old.get("chunk_ids", [])))
        ids = _store_chunks(store, embedder, key, chunks)
        manifest[key] = {"hash": digest, "source": doc.source, "chunk_ids": ids}
        (report.updated if old else report.added).append(path.name)
        report.chunks_written += len(ids)
    for key in [k for k in manifest if k not in seen]:
        store.delete(list(manifest[key].get("chunk_ids", [])))
        report.removed.append(manifest.pop(key).get("source", key))
    if report.added or report.updated or report.removed or not KeywordIndex.is_current(index_path):
        rebuild_keyword_index(store)
    save_manifest(index_path, manifest, embedder.name)
    report.chunks_total = store.count()
    log.info(report.summary())
    return report


def _store_chunks(store: ChunkStore, embedder: Embedder, key: str, chunks: list[Chunk]) -> list[str]:
    if not chunks:
        return []
    ids = [f"{key}:{i:04d}" for i in range(len(chunks))]
    vectors = embedder.embed([embedding_text(c) for c in chunks])
    metas = [{**c.metadata, "doc_key": key} for c in chunks]
    store.add(ids, vectors, [c.text for c in chunks], metas)
    return ids


def rebuild_keyword_index(store: ChunkStore) -> KeywordIndex:
    """Rebuild and save the BM25 index from every chunk in the store."""
    ids, texts, metas = store.all_chunks()
    docs = [embedding_text(Chunk(t, m)) for t, m in zip(texts, metas, strict=True)]
    columns = {c: [m.get(c, 0 if c != "doc_type" else "other") for m in metas] for c in FILTER_COLUMNS}
    kw = KeywordIndex.build(ids, docs, columns=columns)
    kw.save(store.index_path)
    return kw
