"""core.pdf: a tagged PDF/A document whose text can be read back, and no fetching from outside."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from core.pdf import html_to_pdf

PAGE = """<!doctype html><html lang="en-GB"><head><title>Score report</title></head>
<body><h1>Your result</h1><p>You passed: 61 marks, pass mark 55.</p>{extra}</body></html>"""


def test_the_pdf_carries_the_text_the_title_and_the_tags():
    pdf = html_to_pdf(PAGE.format(extra=""), stylesheet="h1 { font-size: 20pt; }")
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Your result" in text and "pass mark 55" in text
    assert reader.metadata.title == "Score report"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for screen readers
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid" in metadata  # the PDF/A identification in its XMP metadata


def test_nothing_outside_the_page_is_fetched():
    with pytest.raises(ValueError, match="http://example.org/logo.png"):
        html_to_pdf(PAGE.format(extra='<img src="http://example.org/logo.png" alt="Logo">'))
