"""Small real files for upload tests: a PNG and a JPEG that decode, a PDF that parses. Uploads are
checked by their content (core.uploads), so fake bytes such as b"%PDF-1.4 ..." are refused."""
from __future__ import annotations

import functools
import io

from core.uploads import plain_pdf


@functools.cache
def png(width: int = 8, height: int = 8, colour: tuple[int, int, int] = (20, 120, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@functools.cache
def jpeg(width: int = 16, height: int = 16, colour: tuple[int, int, int] = (200, 120, 20),
         exif: bool = False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    if exif:
        info = Image.Exif()
        info[0x010F] = "Camera maker"  # Make
        info[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS IFD: a position, personal data
        image.save(out, format="JPEG", quality=80, exif=info)
    else:
        image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@functools.cache
def snapshot(progressive: bool = False, seed: int = 3) -> bytes:
    """A webcam snapshot like the player's: 320×240, quality 60 (about 0.6 in the browser's terms), a
    face-sized blob on a shaded, noisy background, so its scans carry as much coded data as a real one
    (a flat colour would leave them nearly empty). The same bytes every time."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    noise = Image.frombytes("L", (320, 240), rng.randbytes(320 * 240)).convert("RGB")
    image = Image.blend(noise, Image.linear_gradient("L").resize((320, 240)).convert("RGB"), 0.7)
    ImageDraw.Draw(image).ellipse((120, 60, 210, 180), fill=(190, 140, 110))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=60, progressive=progressive)
    return out.getvalue()


@functools.cache
def pdf(text: str = "Supporting document", pages: int = 1) -> bytes:
    """A small PDF with ``text`` on each page."""
    return plain_pdf(text, pages)


@functools.cache
def pdf_with_javascript() -> bytes:
    """A PDF that parses but runs JavaScript when opened: refused by every upload."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hello');")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_with_zip() -> bytes:
    """A PNG with a ZIP archive after its end: a polyglot, refused."""
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("page.html", "<script>alert(1)</script>")
    return png() + archive.getvalue()


@functools.cache
def pdf_with_embedded_file() -> bytes:
    """A PDF that parses but carries another file inside it: refused by every upload."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("invoice.exe", b"MZ not really a program")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bad_files() -> list[tuple[bytes, str]]:
    """(content, words of the message) for the refusals every upload path must show beside its field."""
    return [(pdf_with_javascript(), "contains JavaScript"), (pdf_with_embedded_file(), "other files attached"),
            (png_with_zip(), "extra data after the end"), (jpeg(64, 64)[:300], "not a complete JPEG picture"),
            (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "must be a PDF, PNG or JPEG")]


def error_beside(html: str, field_id: str) -> str:
    """The error message shown beside the field ``field_id`` of a page, as text ('' if none)."""
    import re

    match = re.search(rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def evidence_sealer():
    """The sealer the test app uses (tests/conftest.py gives each test process its key folder), for
    tests that call the services that store evidence directly."""
    import os

    from core.sealed import Sealer

    return Sealer(os.environ["COP_EVIDENCE_KEY_FOLDER"])
