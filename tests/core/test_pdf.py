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


def test_making_a_pdf_leaves_the_upload_check_refusing_pictures_that_do_not_decode():
    """WeasyPrint, once imported, tells Pillow to swallow decoder errors for the whole process; a PDF
    made first must not leave an upload check that passes a broken JPEG."""
    from core.uploads import JPEG, UploadRefused, inspect_upload
    from tests import uploads_data

    html_to_pdf(PAGE.format(extra=""))
    data = uploads_data.jpeg(64, 64)
    frame = data.index(b"\xff\xc0")
    frame_end = frame + 2 + int.from_bytes(data[frame + 2:frame + 4], "big")
    scan = data.index(b"\xff\xda")
    coded = scan + 2 + int.from_bytes(data[scan + 2:scan + 4], "big")
    # Half the coded data, then a second frame header: the segment walk passes it, only the decode
    # refuses it.
    broken = data[:(coded + len(data) - 2) // 2] + data[frame:frame_end] + b"\xff\xd9"
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(broken, {JPEG})
    assert refused.value.reason == "damaged"
