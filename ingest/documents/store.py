"""The persistent Chroma collection of chunks, and the manifest of indexed files.

Layout of an index folder::

    chroma/           Chroma's persistent store (one collection, ``documents``)
    keyword.npz/json  the BM25 keyword index (see keyword.py)
    manifest.json     per file: content hash and chunk ids (files keyed by a hash of their path)

The collection is created with a tuned HNSW configuration: with Chroma's defaults a query
can miss its true nearest neighbour once vectors were added in several batches (upstream
chroma issues 1737, 2651, 1205). ``ef_search`` well above the result count avoids it.
"""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.documents.errors import EmbedderMismatch, IndexNotFound

log = logging.getLogger(__name__)

COLLECTION = "documents"
HNSW_CONFIG = {"space": "cosine", "ef_construction": 200, "ef_search": 256, "max_neighbors": 32}
_ADD_BATCH = 1000


@dataclass(frozen=True)
class VectorHit:
    """One vector-search result: chunk id, cosine similarity, text and metadata."""

    id: str
    similarity: float
    text: str
    metadata: dict[str, Any]


def _client(path: Path):
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))


class ChunkStore:
    """Chunks with their embeddings and metadata in a persistent Chroma collection."""

    def __init__(self, index_path: Path, collection, embedder_name: str) -> None:
        self.index_path = index_path
        self._col = collection
        self.embedder_name = embedder_name

    @classmethod
    def open(cls, index_path: Path, embedder_name: str | None = None, *, create: bool = False) -> ChunkStore:
        """Open (or with ``create``, create) the store; checks it was built with ``embedder_name``."""
        chroma_dir = index_path / "chroma"
        if not create and not chroma_dir.is_dir():
            raise IndexNotFound(index_path)
        client = _client(chroma_dir)
        if create:
            col = client.get_or_create_collection(
                COLLECTION,
                embedding_function=None,
                configuration={"hnsw": dict(HNSW_CONFIG)},
                metadata={"embedder": embedder_name or ""},
            )
        else:
            try:
                col = client.get_collection(COLLECTION, embedding_function=None)
            except Exception as exc:  # chroma raises NotFoundError / ValueError by version
                raise IndexNotFound(index_path) from exc
        built_with = str((col.metadata or {}).get("embedder", ""))
        if embedder_name and built_with and built_with != embedder_name:
            raise EmbedderMismatch(
                f"index at {index_path} was built with {built_with!r}, not {embedder_name!r}: "
                "rebuild it (delete the folder and ingest again)"
            )
        return cls(index_path, col, built_with or (embedder_name or ""))

    @staticmethod
    def reset(index_path: Path) -> None:
        """Delete the collection (used when the embedder changes)."""
        chroma_dir = index_path / "chroma"
        if chroma_dir.is_dir():
            client = _client(chroma_dir)
            if COLLECTION in [c if isinstance(c, str) else c.name for c in client.list_collections()]:
                client.delete_collection(COLLECTION)

    def configuration(self) -> dict[str, Any]:
        """The collection's configuration as Chroma reports it."""
        with warnings.catch_warnings():  # "legacy embedding function config": we embed ourselves
            warnings.simplefilter("ignore", DeprecationWarning)
            return dict(self._col.configuration)

    def count(self) -> int:
        """Number of stored chunks."""
        return self._col.count()

    def add(self, ids: list[str], embeddings: np.ndarray, texts: list[str], metadatas: list[dict]) -> None:
        """Store chunks (in batches)."""
        for s in range(0, len(ids), _ADD_BATCH):
            e = slice(s, s + _ADD_BATCH)
            self._col.add(ids=ids[e], embeddings=embeddings[e], documents=texts[e], metadatas=metadatas[e])

    def delete(self, ids: list[str]) -> None:
        """Remove chunks by id."""
        for s in range(0, len(ids), _ADD_BATCH):
            self._col.delete(ids=ids[s : s + _ADD_BATCH])

    def all_chunks(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """Every stored chunk: (ids, texts, metadatas)."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict[str, Any]] = []
        total = self.count()
        for offset in range(0, total, 5000):
            got = self._col.get(include=["documents", "metadatas"], limit=5000, offset=offset)
            ids.extend(got["ids"])
            texts.extend(got["documents"] or [])
            metas.extend(dict(m or {}) for m in got["metadatas"] or [])
        return ids, texts, metas

    def get(self, ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of the chunks ``ids`` (missing ids are left out)."""
        if not ids:
            return {}
        got = self._col.get(ids=ids, include=["documents", "metadatas"])
        return {
            i: (t or "", dict(m or {}))
            for i, t, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        }

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings of the chunks ``ids``."""
        if not ids:
            return {}
        got = self._col.get(ids=ids, include=["embeddings"])
        return {
            i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)
        }

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[VectorHit]:
        """The ``n`` nearest chunks to ``embedding`` among those matching ``where``."""
        total = self.count()
        if total == 0 or n <= 0:
            return []
        res = self._col.query(
            query_embeddings=np.asarray(embedding, dtype=np.float32).reshape(1, -1),
            n_results=min(n, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            VectorHit(id=i, similarity=1.0 - float(d), text=t or "", metadata=dict(m or {}))
            for i, d, t, m in zip(
                res["ids"][0], res["distances"][0], res["documents"][0], res["metadatas"][0], strict=True
            )
        ]


def load_manifest(index_path: Path) -> dict[str, dict[str, Any]]:
    """The manifest of indexed files (empty when there is none)."""
    p = index_path / "manifest.json"
    if not p.is_file():
        return {}
    data = json.loads(p.read_text(encoding="utf-8"))
    return dict(data.get("files", {}))


def save_manifest(index_path: Path, files: dict[str, dict[str, Any]], embedder_name: str) -> None:
    """Write the manifest atomically."""
    index_path.mkdir(parents=True, exist_ok=True)
    tmp = index_path / "manifest.tmp.json"
    tmp.write_text(json.dumps({"embedder": embedder_name, "files": files}, indent=1), encoding="utf-8")
    tmp.replace(index_path / "manifest.json")
