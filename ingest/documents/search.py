"""Hybrid retrieval over the document index: vector (Chroma) + keyword (BM25), fused by rank.

Both searches see the same filters. Their rankings are fused by reciprocal rank
(``1/(60+rank)`` summed). A passage counts as relevant only if it shares enough of the
query's weighted keywords or is semantically close enough; a query with no relevant
passage returns no hits rather than weak ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.documents.embed import Embedder, load_embedder
from ingest.documents.filters import SearchFilters
from ingest.documents.keyword import KeywordIndex
from ingest.documents.store import ChunkStore

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 50
# A passage is relevant when it holds most of the query's keyword weight, or is very close
# in meaning, or holds some of the keywords and is fairly close in meaning. Similarity
# floors depend on the embedder (calibrated on the retrieval eval set; docs/documents.md).
COVERAGE_STRONG = 0.5
COVERAGE_WEAK = 0.15
SIMILARITY_FLOORS = {  # embedder name: (strong, weak)
    "tokenlearn-static-64": (0.60, 0.35),
    "all-MiniLM-L6-v2": (0.40, 0.25),
    "hashing-256": (0.50, 0.20),
}


def is_relevant(coverage: float, similarity: float | None, floors: tuple[float, float]) -> bool:
    """The relevance rule: enough keywords, or close enough in meaning, or some of both."""
    sim = -1.0 if similarity is None else similarity
    strong, weak = floors
    return coverage >= COVERAGE_STRONG or sim >= strong or (coverage >= COVERAGE_WEAK and sim >= weak)


@dataclass(frozen=True)
class SearchHit:
    """One retrieved passage with its citation fields and scores."""

    id: str
    text: str
    source: str
    title: str
    date: str
    page: int | None
    section: str
    doc_type: str
    audience: str
    score: float
    similarity: float | None = None
    keyword_score: float = 0.0
    coverage: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The citation fields and scores as JSON-ready data."""
        return {
            "source": self.source,
            "title": self.title,
            "date": self.date or None,
            "page": self.page,
            "section": self.section or None,
            "doc_type": self.doc_type,
            "score": round(self.score, 4),
            "snippet": self.text,
        }


class DocumentIndex:
    """A read-side handle on a document index folder (open once, search many times)."""

    def __init__(self, store: ChunkStore, keyword: KeywordIndex, embedder: Embedder) -> None:
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self._row = {cid: i for i, cid in enumerate(keyword.ids)}

    @classmethod
    def open(cls, index_path: Path, embedder: Embedder | None = None) -> DocumentIndex:
        """Open the index at ``index_path`` with the embedder it was built with."""
        index_path = Path(index_path)
        store = ChunkStore.open(index_path, embedder.name if embedder else None)
        if embedder is None:
            embedder = load_embedder(_embedder_key(store.embedder_name))
        return cls(store, KeywordIndex.load(index_path), embedder)

    def count(self) -> int:
        """Number of indexed chunks."""
        return len(self.keyword.ids)

    def search(
        self, query: str, top_k: int = 5, filters: SearchFilters | None = None, per_doc: int = 2
    ) -> list[SearchHit]:
        """The best ``top_k`` relevant passages for ``query``, best first (at most ``per_doc`` per file)."""
        filters = filters or SearchFilters()
        if not query.strip() or self.count() == 0:
            return []
        qvec = self.embedder.embed([query])[0]
        vec_hits = self.store.query(qvec, CANDIDATES, where=filters.to_where())
        kw_scores = self.keyword.scores(query)
        if self.keyword.columns:
            kw_scores = np.where(filters.mask(self.keyword.columns), kw_scores, 0.0)
        kw_order = [int(r) for r in np.argsort(-kw_scores, kind="stable")[:CANDIDATES] if kw_scores[r] > 0]

        fused: dict[str, float] = {}
        for rank, h in enumerate(vec_hits):
            fused[h.id] = fused.get(h.id, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, row in enumerate(kw_order):
            cid = self.keyword.ids[row]
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        if not fused:
            return []
        sims = {h.id: h.similarity for h in vec_hits}
        ids = list(fused)
        rows = np.array([self._row.get(i, -1) for i in ids])
        cov = dict(zip(ids, self.keyword.coverage(query, rows).tolist(), strict=True))
        floors = SIMILARITY_FLOORS.get(self.embedder.name, (0.6, 0.35))
        relevant = [i for i in ids if is_relevant(cov[i], sims.get(i), floors)]
        relevant.sort(key=lambda i: -fused[i])

        texts = {h.id: (h.text, h.metadata) for h in vec_hits}
        missing = [i for i in relevant[: top_k * (per_doc + 3)] if i not in texts]
        texts.update(self.store.get(missing))
        out: list[SearchHit] = []
        per_source: dict[str, int] = {}
        for cid in relevant:
            if cid not in texts:
                continue
            text, meta = texts[cid]
            src = str(meta.get("doc_key", meta.get("source", "")))
            if per_source.get(src, 0) >= per_doc:
                continue
            per_source[src] = per_source.get(src, 0) + 1
            row = self._row.get(cid)
            out.append(
                SearchHit(
                    id=cid,
                    text=text,
                    source=str(meta.get("source", "")),
                    title=str(meta.get("title", "")),
                    date=str(meta.get("date", "")),
                    page=int(meta["page"]) if meta.get("page") else None,
                    section=str(meta.get("section", "")),
                    doc_type=str(meta.get("doc_type", "")),
                    audience=str(meta.get("audience", "all")),
                    score=fused[cid],
                    similarity=sims.get(cid),
                    keyword_score=float(kw_scores[row]) if row is not None else 0.0,
                    coverage=cov[cid],
                    metadata=meta,
                )
            )
            if len(out) >= top_k:
                break
        return out


def _embedder_key(name: str) -> str | None:
    return {"tokenlearn-static-64": "static", "all-MiniLM-L6-v2": "minilm", "hashing-256": "hashing"}.get(
        name
    )


def search(
    index_path: Path, query: str, *, top_k: int = 5, filters: SearchFilters | None = None
) -> list[SearchHit]:
    """Open the index at ``index_path`` and search it once."""
    return DocumentIndex.open(index_path).search(query, top_k=top_k, filters=filters)
