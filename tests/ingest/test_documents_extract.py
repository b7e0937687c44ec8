"""Extraction of text and metadata from Markdown, text, PDF, DOCX and HTML documents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.documents.chunk import chunk_document
from ingest.documents.errors import ExtractionError
from ingest.documents.extract import extract, normalise_audience, normalise_doc_type, parse_date

MEETING_MD = """---
title: Staff meeting notes, March 2026
date: 2026-03-12
type: meeting notes
audience: staff
---
# Staff meeting notes, March 2026

## No-shows
No-shows went up at Northside because reminder texts stopped going out after the phone
system change. We agreed to call patients two days before their exam.

## Staffing
Two technicians are out on leave; Dr. Lee will cover Saturday clinics.
"""

VENDOR_TXT = """Vendor notice: frame price increase
Date: May 1, 2026

Luxottica announced a 6% price increase on all frames from June 1. Order before the end of May.
"""

HTML = """<html><head><title>Vendor notice: contact lens backorder</title>
<style>p {color: red}</style></head><body><h1>Contact lens backorder</h1>
<p>Acuvue Oasys toric lenses are backordered until August 2026.</p>
<script>var secret = 1;</script></body></html>"""


def write_pdf(path: Path, title: str, pages: list[str]) -> None:
    """A PDF with one text page per item (fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 7, text)
    pdf.output(str(path))


def write_docx(path: Path, title: str, sections: list[tuple[str, str]]) -> None:
    """A DOCX with a Title paragraph and one Heading 1 + paragraph per section."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(title, 0)
    for heading, text in sections:
        d.add_heading(heading, 1)
        d.add_paragraph(text)
    d.save(str(path))


def write_samples(folder: Path) -> Path:
    """Five small documents, one per supported format; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2026-03-staff-meeting.md").write_text(MEETING_MD, encoding="utf-8")
    (folder / "frames-vendor-notice.txt").write_text(VENDOR_TXT, encoding="utf-8")
    (folder / "lens-backorder.html").write_text(HTML, encoding="utf-8")
    write_pdf(
        folder / "monthly-report-2026-04.pdf",
        "Monthly report, April 2026",
        [
            "Monthly report, April 2026\n\nRevenue rose 4% versus March, led by contact lens sales.",
            "Optical capture fell to 41% at Lakeview because the optician position was vacant.",
        ],
    )
    write_docx(
        folder / "sop-insurance-verification.docx",
        "SOP: Insurance verification",
        [
            ("Before the visit", "Verify vision plan eligibility 48 hours before the appointment."),
            ("At check-in", "Scan the insurance card and collect the copay before the exam."),
        ],
    )
    return folder


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    return write_samples(tmp_path_factory.mktemp("docs"))


def test_markdown_front_matter_gives_title_date_type_audience(samples):
    doc = extract(samples / "2026-03-staff-meeting.md")
    assert doc.title == "Staff meeting notes, March 2026"
    assert doc.date == dt.date(2026, 3, 12)
    assert doc.doc_type == "meeting_notes"
    assert doc.audience == "staff"
    assert "reminder texts" in doc.text and "title:" not in doc.text


def test_text_header_lines_give_title_and_date(samples):
    doc = extract(samples / "frames-vendor-notice.txt")
    assert doc.title == "Vendor notice: frame price increase"
    assert doc.date == dt.date(2026, 5, 1)
    assert doc.doc_type == "vendor_notice"
    assert doc.audience == "all"


def test_pdf_keeps_one_block_per_page(samples):
    doc = extract(samples / "monthly-report-2026-04.pdf")
    assert doc.title == "Monthly report, April 2026"
    assert doc.date == dt.date(2026, 4, 1)
    assert doc.doc_type == "monthly_report"
    assert [b.page for b in doc.blocks] == [1, 2]
    assert "Lakeview" in doc.blocks[1].text


def test_docx_headings_become_sections(samples):
    doc = extract(samples / "sop-insurance-verification.docx")
    assert doc.title == "SOP: Insurance verification"
    assert doc.doc_type == "sop"
    chunks = chunk_document(doc)
    sections = {c.metadata["section"]: c.text for c in chunks}
    assert "Before the visit" in sections and "eligibility" in sections["Before the visit"]
    assert "copay" in sections["At check-in"]


def test_html_drops_scripts_and_styles(samples):
    doc = extract(samples / "lens-backorder.html")
    assert doc.title == "Vendor notice: contact lens backorder"
    assert "backordered until August 2026" in doc.text
    assert "secret" not in doc.text and "color" not in doc.text
    assert doc.doc_type == "vendor_notice"


def test_chunks_carry_citation_metadata(samples):
    md_chunks = chunk_document(extract(samples / "2026-03-staff-meeting.md"))
    assert {c.metadata["section"] for c in md_chunks} == {"No-shows", "Staffing"}
    for c in md_chunks:
        assert c.metadata["title"] == "Staff meeting notes, March 2026"
        assert c.metadata["date"] == "2026-03-12" and c.metadata["date_num"] == 20260301  # title month
        assert c.metadata["doc_type"] == "meeting_notes" and c.metadata["page"] == 0
    pdf_chunks = chunk_document(extract(samples / "monthly-report-2026-04.pdf"))
    assert sorted({c.metadata["page"] for c in pdf_chunks}) == [1, 2]


def test_long_sections_are_split_into_several_chunks(tmp_path):
    body = " ".join(f"Sentence number {i} talks about the optical lab turnaround." for i in range(120))
    (tmp_path / "long.md").write_text(f"# Lab review\n\n## Turnaround\n\n{body}\n", encoding="utf-8")
    chunks = chunk_document(extract(tmp_path / "long.md"))
    assert len(chunks) > 3
    assert all(c.metadata["section"] == "Turnaround" for c in chunks)
    assert all(len(c.text.split()) < 200 for c in chunks)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.pdf", b"this is not a pdf", "Error"),
        ("broken.docx", b"PK\x03\x04 not a zip", "Error"),
        ("empty.md", b"   \n", "no text"),
        ("image.png", b"\x89PNG", "unsupported"),
    ],
)
def test_unreadable_files_raise_with_name_and_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert err.value.path == path and reason in err.value.reason and name in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-05", dt.date(2026, 3, 5)),
        ("report_2025_11", dt.date(2025, 11, 1)),
        ("March 5, 2026", dt.date(2026, 3, 5)),
        ("Sept 2025 review", dt.date(2025, 9, 1)),
        ("no date here", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_doc_type_and_audience_words():
    assert normalise_doc_type("Staff meeting minutes") == "meeting_notes"
    assert normalise_doc_type("Standard operating procedure") == "sop"
    assert normalise_doc_type("Supplier recall") == "vendor_notice"
    assert normalise_doc_type("Monthly report") == "monthly_report"
    assert normalise_doc_type("holiday party") == "other"
    assert normalise_audience("Managers only") == "managers"
    assert normalise_audience("owner") == "owners"
    assert normalise_audience("everyone") == "all"
