"""The document index: reports and notes, scrubbed, embedded offline, stored in Chroma.

Write side: :func:`index_folder`. Read side: :class:`DocumentIndex` (hybrid vector +
BM25 search with filters). Embedders sit behind the :class:`Embedder` protocol.
"""

from __future__ import annotations

from ingest.documents.embed import Embedder, HashingEmbedder, StaticEmbedder, load_embedder
from ingest.documents.errors import (
    DocumentIndexError,
    EmbedderMismatch,
    EmbedderUnavailable,
    ExtractionError,
    IndexNotFound,
)
from ingest.documents.filters import SearchFilters
from ingest.documents.index import IndexReport, documents_root, index_folder
from ingest.documents.search import DocumentIndex, SearchHit, search

__all__ = [
    "DocumentIndex",
    "DocumentIndexError",
    "Embedder",
    "EmbedderMismatch",
    "EmbedderUnavailable",
    "ExtractionError",
    "HashingEmbedder",
    "IndexNotFound",
    "IndexReport",
    "SearchFilters",
    "SearchHit",
    "StaticEmbedder",
    "documents_root",
    "index_folder",
    "load_embedder",
    "search",
]
