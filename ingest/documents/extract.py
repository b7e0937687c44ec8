"""Text and metadata out of document files: Markdown, text, PDF, DOCX and HTML.

``extract(path)`` returns an :class:`ExtractedDocument`: its title, date, document type,
audience and text blocks (one per PDF page; one Markdown text otherwise, with headings
kept as ``#`` lines so the chunker can cut by section). Nothing is scrubbed here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

from ingest.documents.errors import ExtractionError

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".pdf", ".docx", ".html", ".htm")

DOC_TYPES = ("monthly_report", "meeting_notes", "sop", "vendor_notice", "other")
AUDIENCES = ("all", "staff", "managers", "owners")  # each sees its own and those before it

_TYPE_WORDS = (  # checked in this order, on the title first and then on the file name
    ("meeting_notes", ("meeting", "minutes", "huddle")),
    ("sop", ("sop", "procedure", "standard operating", "policy", "protocol", "checklist", "training")),
    (
        "monthly_report",
        ("monthly", "month end", "operations report", "performance summary", "practice report"),
    ),
    (
        "vendor_notice",
        (
            "vendor",
            "supplier",
            "notice",
            "backorder",
            "price update",
            "price increase",
            "shipment",
            "shipping",
            "lab",
            "manufacturer",
        ),
    ),  # fmt: skip
)
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_/.](\d{1,2})(?:[-_/.](\d{1,2}))?(?!\d)")
_WORD_DATE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d\d)\b")
_META_LINE = re.compile(
    r"^\s*(?:\*\*)?(title|date|type|document type|doc_type|audience)(?:\*\*)?\s*:\s*(.+?)\s*$", re.I
)


@dataclass(frozen=True)
class Block:
    """A piece of a document's text with its page (PDF) number, if any."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class ExtractedDocument:
    """A document's text and metadata as read from its file."""

    source: str
    title: str
    date: dt.date | None
    doc_type: str
    audience: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    period: dt.date | None = None  # the month a title names ("Monthly report - July 2025"), if any

    @property
    def text(self) -> str:
        """All blocks' text joined."""
        return "\n\n".join(b.text for b in self.blocks)


def parse_date(text: str) -> dt.date | None:
    """The first date written in ``text`` (``2026-03-05``, ``March 5, 2026``, ``2026-03``), or None."""
    for m in _ISO_DATE.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        try:
            return dt.date(y, mo, d)
        except ValueError:
            continue
    for m in _WORD_DATE.finditer(text):
        mo = _MONTHS.get(m.group(1).lower())
        if mo:
            try:
                return dt.date(int(m.group(3)), mo, int(m.group(2) or 1))
            except ValueError:
                continue
    return None


def normalise_doc_type(value: str) -> str:
    """A document type from free words (``Staff meeting notes`` -> ``meeting_notes``)."""
    v = value.strip().lower().replace("-", " ").replace("_", " ")
    for name in DOC_TYPES:
        if v == name.replace("_", " "):
            return name
    for name, words in _TYPE_WORDS:
        if any(re.search(rf"\b{re.escape(w)}", v) for w in words):
            return name
    return "other"


def normalise_audience(value: str) -> str:
    """An audience name (``all``, ``staff``, ``managers``, ``owners``) from free words."""
    v = value.strip().lower()
    for name in reversed(AUDIENCES):
        if name.rstrip("s") in v:
            return name
    return "all"


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not m:
        return {}, text
    meta = {}
    for line in m.group(1).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            meta[k.strip().lower()] = v.strip().strip("\"'")
    return meta, text[m.end() :]


def _header_meta(text: str) -> dict[str, str]:
    """``Title:``/``Date:``/``Type:``/``Audience:`` lines among the first lines of a text."""
    meta: dict[str, str] = {}
    for line in text.splitlines()[:15]:
        m = _META_LINE.match(line.lstrip("#>*- ").strip())
        if m:
            key = m.group(1).lower().replace("document type", "type").replace("doc_type", "type")
            meta.setdefault(key, m.group(2).strip("* "))
    return meta


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            return s.lstrip("#").strip() or None
        if s:
            return None if len(s) > 120 else s
    return None


class _HTMLText(HTMLParser):
    """HTML to Markdown-ish text: headings become ``#`` lines, scripts are dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in ("p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol"):
            self.out.append("\n" if tag in ("li", "tr", "br") else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.out.append(re.sub(r"\s+", " ", data))


def _html(path: Path) -> tuple[str, str | None]:
    parser = _HTMLText()
    parser.feed(_read_text(path))
    text = re.sub(r"\n{3,}", "\n\n", "".join(parser.out)).strip()
    return text, parser.title.strip() or None


def _docx(path: Path) -> tuple[str, str | None]:
    import docx

    d = docx.Document(str(path))
    lines: list[str] = []
    title = (d.core_properties.title or "").strip() or None
    for p in d.paragraphs:
        text = p.text.strip()
        if not text:
            continue
        style = (p.style.name if p.style is not None else "") or ""
        if style == "Title":
            title = title or text
            lines.append("# " + text)
        elif style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            lines.append("#" * min(level + 1, 6) + " " + text)
        else:
            lines.append(text)
    for table in d.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text.strip() for c in row.cells))
    return "\n\n".join(lines), title


def _pdf(path: Path) -> tuple[list[Block], str | None]:
    from pypdf import PdfReader

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a broken file is reported once, by us, with its reason
    try:
        return _read_pdf(PdfReader(str(path)))
    finally:
        pypdf_log.setLevel(level)


def _read_pdf(reader) -> tuple[list[Block], str | None]:
    title = None
    if reader.metadata is not None and reader.metadata.title:
        title = str(reader.metadata.title).strip() or None
    blocks = [Block(page.extract_text() or "", page=i) for i, page in enumerate(reader.pages, start=1)]
    return [b for b in blocks if b.text.strip()], title


def _type_from_path(path: Path) -> str:
    words = " ".join([*path.parts[-3:-1], path.stem]).replace("_", " ").replace("-", " ")
    return normalise_doc_type(words)


def extract(path: Path, root: Path | None = None) -> ExtractedDocument:
    """Read ``path`` into an :class:`ExtractedDocument`; raises ExtractionError with the reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ExtractionError(path, f"unsupported file type {suffix or '(none)'}")
    try:
        meta: dict[str, str] = {}
        file_title: str | None = None
        if suffix == ".pdf":
            blocks, file_title = _pdf(path)
        else:
            if suffix in (".html", ".htm"):
                text, file_title = _html(path)
            elif suffix == ".docx":
                text, file_title = _docx(path)
            else:
                meta, text = _split_front_matter(_read_text(path))
            blocks = [Block(text)]
    except ExtractionError:
        raise
    except Exception as exc:  # any parser failure names the file and the reason
        raise ExtractionError(path, f"{type(exc).__name__}: {exc}") from exc
    if not any(b.text.strip() for b in blocks):
        raise ExtractionError(path, "no text could be extracted")
    head = blocks[0].text
    meta = {**_header_meta(head), **meta}
    title = meta.get("title") or file_title or _first_heading(head) or path.stem.replace("_", " ")
    date = (
        parse_date(meta.get("date", ""))
        or parse_date(path.stem)
        or parse_date(title)
        or parse_date(head[:500])
    )
    doc_type = normalise_doc_type(meta.get("type") or title)
    if doc_type == "other" and not meta.get("type"):
        doc_type = _type_from_path(path)
    source = str(path.relative_to(root)) if root is not None else path.name
    return ExtractedDocument(
        source=source,
        title=title.strip()[:200],
        date=date,
        doc_type=doc_type,
        audience=normalise_audience(meta.get("audience", "all")),
        blocks=tuple(blocks),
        period=parse_date(title),
    )


def with_text(doc: ExtractedDocument, transform) -> ExtractedDocument:
    """A copy of ``doc`` with ``transform`` applied to its title, source and every block's text."""
    return replace(
        doc,
        title=transform(doc.title),
        source=transform(doc.source),
        blocks=tuple(replace(b, text=transform(b.text)) for b in doc.blocks),
    )
