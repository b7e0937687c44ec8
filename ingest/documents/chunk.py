"""Split an (already scrubbed) document into chunks with llama-index node parsers.

Markdown-like text is first cut by headings (``MarkdownNodeParser``), then every piece is
sized by ``SentenceSplitter``. Each chunk keeps the document's title, date, type and
audience, and its own page and section, as metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.documents.extract import ExtractedDocument
from ingest.documents.filters import audience_rank, date_num

CHUNK_TOKENS = 160  # words and punctuation marks per chunk
CHUNK_OVERLAP = 24
_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> list[str]:
    """The word/punctuation tokens the splitter counts (no download, unlike tiktoken)."""
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Chunk:
    """One indexed passage: its text and metadata."""

    text: str
    metadata: dict[str, str | int]


def _parsers():
    from llama_index.core.node_parser import MarkdownNodeParser, SentenceSplitter

    return (
        MarkdownNodeParser(include_prev_next_rel=False),
        SentenceSplitter(chunk_size=CHUNK_TOKENS, chunk_overlap=CHUNK_OVERLAP, tokenizer=count_tokens),
    )


def _section_of(text: str, header_path: str) -> tuple[str, str]:
    """(section title, text without its heading line) for a node cut at a Markdown heading."""
    first, _, rest = text.partition("\n")
    if first.lstrip().startswith("#"):
        return first.lstrip("# ").strip(), rest.strip()
    parts = [p for p in header_path.split("/") if p]
    return (parts[-1] if parts else ""), text.strip()


def _doc_metadata(doc: ExtractedDocument) -> dict[str, str | int]:
    # Filters use the month a document is about (a report's title month), else its date.
    when = doc.period or doc.date
    meta: dict[str, str | int] = {
        "source": doc.source,
        "title": doc.title,
        "doc_type": doc.doc_type,
        "audience": doc.audience,
        "audience_rank": audience_rank(doc.audience),
        "date": doc.date.isoformat() if doc.date else "",
        "date_num": date_num(when) if when else 0,
        "year": when.year if when else 0,
        "month": when.month if when else 0,
    }
    return meta


def chunk_document(doc: ExtractedDocument) -> list[Chunk]:
    """The chunks of ``doc``, in reading order, each with document and position metadata."""
    from llama_index.core import Document

    md_parser, splitter = _parsers()
    base = _doc_metadata(doc)
    chunks: list[Chunk] = []
    for block in doc.blocks:
        nodes = md_parser.get_nodes_from_documents([Document(text=block.text)])
        for node in nodes:
            section, body = _section_of(node.get_content(), str(node.metadata.get("header_path", "")))
            if section and section == doc.title and not body:
                continue
            if not body.strip():
                continue
            for piece in splitter.split_text(body):
                meta = dict(base)
                meta["chunk_index"] = len(chunks)
                meta["section"] = section if section != doc.title else ""
                meta["page"] = block.page or 0
                chunks.append(Chunk(text=piece.strip(), metadata=meta))
    return chunks


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded and keyword-indexed: title and section give a passage its context."""
    m = chunk.metadata
    head = " - ".join(str(x) for x in (m.get("title"), m.get("section")) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text
