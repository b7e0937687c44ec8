"""Answers of kind ``documents``: the best passages, cited, with matching sentences highlighted.

``answer_documents`` reads filters from the question itself ("meeting notes from March"),
searches the document index (hybrid vector + keyword), picks the sentences of each
passage that match the question, and writes a short narrative without any LLM.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest.documents import DocumentIndex, IndexNotFound, SearchFilters, SearchHit
from ingest.documents.filters import filters_from_text
from ingest.documents.keyword import tokenize
from ingest.documents.search import content_terms, narrow

SNIPPET_CHARS = 480
MAX_HIGHLIGHTS = 2

_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)\s+(?=[A-Z0-9\"'(\[])|\n+"
)


@dataclass(frozen=True)
class DocumentAnswer:
    """The answer to a document question: cited passages and a short narrative."""

    question: str
    hits: list[dict[str, Any]]
    narrative: str
    filters: SearchFilters = field(default_factory=SearchFilters)
    kind: str = "documents"

    @property
    def citations(self) -> list[dict[str, Any]]:
        """One citation per hit: source, title, date, page, section."""
        keys = ("source", "title", "date", "page", "section")
        return [{k: h.get(k) for k in keys} for h in self.hits]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (kind, question, hits, citations, narrative, filters)."""
        return {
            "kind": self.kind,
            "question": self.question,
            "hits": self.hits,
            "citations": self.citations,
            "narrative": self.narrative,
            "filters": self.filters.describe(),
        }


def filters_from_question(question: str) -> SearchFilters:
    """Document type and month/year filters stated in a question ("meeting notes from March 2026")."""
    return filters_from_text(question)


def _hard_filters(given: SearchFilters | None, audience: str | None) -> SearchFilters:
    f = given or SearchFilters()
    return replace(f, audience=audience) if audience is not None else f


_WRAPPED = re.compile(r"(?<![.!?:])[ \t]*\n(?![ \t]*(?:[-*\u2022#|]|\d+[.)]|\n))[ \t]*")


def unwrap(text: str) -> str:
    """Join lines that a PDF or a text file wrapped mid-sentence; keep list items and paragraphs."""
    return _WRAPPED.sub(" ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of a passage, stripped, in order."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def highlight(text: str, question: str, embed=None, terms: Iterable[str] | None = None) -> list[str]:
    """The passage's sentences that best match the question (keyword overlap, else meaning).

    ``terms`` are the question's keyword stems as the index read them (typos corrected,
    synonyms added); default: the question's own stems.
    """
    sentences = split_sentences(text)
    if not sentences:
        return []
    terms = set(terms) if terms is not None else set(tokenize(question))
    scored = []
    for i, s in enumerate(sentences):
        overlap = len(terms & set(tokenize(s)))
        if overlap:
            scored.append((overlap, -i, s))
    if scored:
        best = sorted(scored, reverse=True)[:MAX_HIGHLIGHTS]
        return [s for _, _, s in sorted(best, key=lambda x: -x[1])]
    if embed is None:
        return sentences[:1]
    vecs = embed([question, *sentences])
    return [sentences[int(np.argmax(vecs[1:] @ vecs[0]))]]


def _snippet(text: str, highlights: list[str]) -> str:
    if len(text) <= SNIPPET_CHARS or not highlights:
        return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " ..."
    start = max(0, text.find(highlights[0]) - 120)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    piece = text[start : start + SNIPPET_CHARS]
    if start + SNIPPET_CHARS < len(text):
        piece = piece.rsplit(" ", 1)[0] + " ..."
    return ("... " if start else "") + piece


def _hit_dict(hit: SearchHit, question: str, embed, terms: list[str] | None = None) -> dict[str, Any]:
    text = unwrap(hit.text)
    marks = highlight(text, question, embed, terms)
    snippet = _snippet(text, marks)
    return {
        "source": hit.source,
        "title": hit.title,
        "date": hit.date or None,
        "page": hit.page,
        "section": hit.section or None,
        "doc_type": hit.doc_type,
        "score": round(hit.score, 4),
        "snippet": snippet,
        "highlights": [m for m in marks if m in snippet],
    }


def cite(hit: dict[str, Any]) -> str:
    """A citation string: ``Title (2026-03-12, p. 2)`` or with the section."""
    where = [hit["date"]] if hit.get("date") else []
    if hit.get("page"):
        where.append(f"p. {hit['page']}")
    elif hit.get("section"):
        where.append(f"section \u201c{hit['section']}\u201d")
    return f"{hit['title']} ({', '.join(where)})" if where else hit["title"]


def narrative(hits: list[dict[str, Any]], filters: SearchFilters) -> str:
    """A short no-LLM narrative: how many passages matched and the best one, cited."""
    scope = f" among {filters.describe()}" if filters.describe() else ""
    if not hits:
        return f"No document passage matches this question{scope}."
    docs = len({h["source"] for h in hits})
    best = hits[0]
    quote = best["highlights"][0] if best["highlights"] else best["snippet"][:200]
    lead = (
        f"{len(hits)} passage{'s' if len(hits) != 1 else ''} from {docs} document{'s' if docs != 1 else ''}"
    )
    return f"{lead} match{'es' if len(hits) == 1 else ''}{scope}. Best: {cite(best)}: \u201c{quote}\u201d"


_OPEN: dict[tuple[str, float], DocumentIndex] = {}
_LOCK = threading.Lock()


def open_index(index_path: Path) -> DocumentIndex:
    """A cached :class:`DocumentIndex` for ``index_path`` (re-opened when the index changes)."""
    path = Path(index_path)
    stamp = (path / "manifest.json").stat().st_mtime if (path / "manifest.json").is_file() else 0.0
    key = (str(path.resolve()), stamp)
    with _LOCK:
        if key not in _OPEN:
            for k in [k for k in _OPEN if k[0] == key[0]]:
                del _OPEN[k]
            _OPEN[key] = DocumentIndex.open(path)
        return _OPEN[key]


def answer_documents(
    question: str,
    index_path: Path,
    *,
    top_k: int = 5,
    filters: SearchFilters | None = None,
    audience: str | None = None,
) -> DocumentAnswer:
    """Search the document index for ``question`` and build a cited answer (no LLM)."""
    hard = _hard_filters(filters, audience)
    prefer = filters_from_question(question)
    shown = narrow(hard, prefer) if not content_terms(question) else hard
    try:
        index = open_index(index_path)
    except IndexNotFound:
        return DocumentAnswer(question, [], "No documents have been indexed yet.", shown)
    hits = index.search(question, top_k=top_k, filters=hard, prefer=prefer)
    terms = index.keyword.matched_terms(question)
    rows = [_hit_dict(h, question, index.embedder.embed, terms) for h in hits]
    return DocumentAnswer(question, rows, narrative(rows, shown), shown)
