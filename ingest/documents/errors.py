"""Typed errors of the document index."""

from __future__ import annotations

from pathlib import Path


class DocumentIndexError(Exception):
    """Base class of the document index's errors."""


class EmbedderUnavailable(DocumentIndexError):
    """The requested embedding model is not installed on this machine."""


class ExtractionError(DocumentIndexError):
    """A document could not be read; carries the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotFound(DocumentIndexError):
    """No document index exists at the given path."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no document index at {path} (run `acuity ingest DIR --documents-only`)")
        self.path = path


class EmbedderMismatch(DocumentIndexError):
    """The index was built with another embedding model than the one requested."""
