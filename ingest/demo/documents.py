"""Placeholder: documents are written in a later step."""

from __future__ import annotations

from pathlib import Path

from ingest.demo.config import DemoConfig


def write_documents(cfg: DemoConfig, export: Path, folder: Path) -> int:
    """Write the practice documents; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    return 0
