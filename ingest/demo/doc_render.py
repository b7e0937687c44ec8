"""Render a practice document as Markdown, plain text, PDF or DOCX, byte for byte reproducibly.

A document is a title, a date, an author and blocks: headings, paragraphs, bullet lists
and small tables. PDF and DOCX carry fixed metadata (creation date = the document date)
so that the same inputs always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document as DocxDocument
from fpdf import FPDF

FORMATS = ("md", "txt", "pdf", "docx")
_ASCII = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
    }
)


@dataclass
class Doc:
    """One document: blocks are ("h", text), ("p", text), ("ul", [items]) or ("table", header, rows)."""

    slug: str
    title: str
    date: dt.date
    author: str
    kind: str  # report, meeting_notes, sop, vendor_notice
    blocks: list[tuple] = field(default_factory=list)

    def h(self, text: str) -> Doc:
        self.blocks.append(("h", text))
        return self

    def p(self, text: str) -> Doc:
        self.blocks.append(("p", " ".join(text.split())))
        return self

    def ul(self, items: list[str]) -> Doc:
        self.blocks.append(("ul", [" ".join(i.split()) for i in items]))
        return self

    def table(self, header: list[str], rows: list[list[str]]) -> Doc:
        self.blocks.append(("table", header, rows))
        return self


def _markdown(doc: Doc) -> str:
    out = [f"# {doc.title}", "", f"Date: {doc.date.isoformat()}", f"Author: {doc.author}", ""]
    for b in doc.blocks:
        if b[0] == "h":
            out += [f"## {b[1]}", ""]
        elif b[0] == "p":
            out += [b[1], ""]
        elif b[0] == "ul":
            out += [f"- {i}" for i in b[1]] + [""]
        else:
            out += ["| " + " | ".join(b[1]) + " |", "|" + "|".join("---" for _ in b[1]) + "|"]
            out += ["| " + " | ".join(r) + " |" for r in b[2]] + [""]
    return "\n".join(out)


def _text(doc: Doc) -> str:
    out = [doc.title.upper(), f"Date: {doc.date.isoformat()}", f"From: {doc.author}", ""]
    for b in doc.blocks:
        if b[0] == "h":
            out += [b[1], "-" * len(b[1])]
        elif b[0] == "p":
            out += [b[1], ""]
        elif b[0] == "ul":
            out += [f"  * {i}" for i in b[1]] + [""]
        else:
            widths = [max(len(str(x)) for x in col) for col in zip(b[1], *b[2], strict=True)]
            for row in [b[1], *b[2]]:
                out.append("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip())
            out.append("")
    return "\n".join(out)


def _pdf(doc: Doc) -> bytes:
    pdf = FPDF(format="Letter")
    stamp = dt.datetime(doc.date.year, doc.date.month, doc.date.day, 9, 0, tzinfo=dt.UTC)
    pdf.set_creation_date(stamp)
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.set_creator("Acuity demo practice")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    def write(text: str, size: float = 11, style: str = "", height: float = 5.5) -> None:
        pdf.set_font("helvetica", style, size)
        pdf.multi_cell(0, height, text.translate(_ASCII), new_x="LMARGIN", new_y="NEXT")

    write(doc.title, 16, "B", 8)
    write(f"Date: {doc.date.isoformat()}    Author: {doc.author}", 10)
    pdf.ln(3)
    for b in doc.blocks:
        if b[0] == "h":
            pdf.ln(2)
            write(b[1], 13, "B", 7)
        elif b[0] == "p":
            write(b[1])
            pdf.ln(2)
        elif b[0] == "ul":
            for item in b[1]:
                write(f"-  {item}")
            pdf.ln(2)
        else:
            pdf.set_font("helvetica", "", 9.5)
            with pdf.table(text_align="LEFT", line_height=5.5) as table:
                for row in [b[1], *b[2]]:
                    cells = table.row()
                    for value in row:
                        cells.cell(str(value).translate(_ASCII))
            pdf.ln(3)
    return bytes(pdf.output())


def _docx(doc: Doc) -> bytes:
    d = DocxDocument()
    stamp = dt.datetime(doc.date.year, doc.date.month, doc.date.day, 9, 0)
    props = d.core_properties
    props.title, props.author, props.last_modified_by = doc.title, doc.author, doc.author
    props.created = props.modified = stamp
    props.revision = 1
    d.add_heading(doc.title, level=1)
    d.add_paragraph(f"Date: {doc.date.isoformat()}")
    d.add_paragraph(f"Author: {doc.author}")
    for b in doc.blocks:
        if b[0] == "h":
            d.add_heading(b[1], level=2)
        elif b[0] == "p":
            d.add_paragraph(b[1])
        elif b[0] == "ul":
            for item in b[1]:
                d.add_paragraph(item, style="List Bullet")
        else:
            t = d.add_table(rows=1 + len(b[2]), cols=len(b[1]))
            t.style = "Table Grid"
            for r, row in enumerate([b[1], *b[2]]):
                for c, value in enumerate(row):
                    t.cell(r, c).text = str(value)
    raw = io.BytesIO()
    d.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so that its bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render(doc: Doc, fmt: str) -> bytes:
    """The document's bytes in ``fmt`` (one of FORMATS)."""
    if fmt == "md":
        return _markdown(doc).encode()
    if fmt == "txt":
        return _text(doc).encode()
    if fmt == "pdf":
        return _pdf(doc)
    if fmt == "docx":
        return _docx(doc)
    raise ValueError(f"unknown document format {fmt!r}")


def save(doc: Doc, fmt: str, folder: Path) -> Path:
    """Write the document as ``folder/<date>_<slug>.<fmt>``."""
    path = folder / f"{doc.date.isoformat()}_{doc.slug}.{fmt}"
    path.write_bytes(render(doc, fmt))
    return path
