"""The ``documents/`` folder: reports, meeting notes, SOPs and vendor notices in four formats."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from ingest.demo.config import DemoConfig
from ingest.demo.doc_facts import Facts
from ingest.demo.doc_notes import meeting_notes
from ingest.demo.doc_render import FORMATS, Doc, save
from ingest.demo.doc_reports import monthly_reports
from ingest.demo.doc_sops import sops, vendor_notices

log = logging.getLogger(__name__)

# Which formats each kind of document comes in, in rotation.
KIND_FORMATS = {
    "report": ("md", "pdf", "docx", "txt"),
    "meeting_notes": ("docx", "md", "txt", "docx", "pdf"),
    "sop": ("docx", "md", "pdf"),
    "vendor_notice": ("pdf", "txt"),
}


def all_documents(cfg: DemoConfig, facts: Facts) -> list[Doc]:
    """Every document that fits the export's date range, oldest first."""
    docs = (
        monthly_reports(cfg, facts)
        + meeting_notes(cfg, facts)
        + sops(cfg, facts)
        + vendor_notices(cfg, facts)
    )
    return sorted(docs, key=lambda d: (d.date, d.slug))


def write_documents(cfg: DemoConfig, con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """Write the practice documents (figures read from the export tables in ``con``); returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = all_documents(cfg, Facts(con))
    counters: dict[str, int] = {}
    for doc in docs:  # one step per document (a few dozen)
        formats = KIND_FORMATS[doc.kind]
        k = counters.get(doc.kind, 0)
        counters[doc.kind] = k + 1
        save(doc, formats[k % len(formats)], folder)
    log.info("wrote %d documents in %s", len(docs), ", ".join(FORMATS))
    return len(docs)
