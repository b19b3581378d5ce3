"""The certificate as a PDF: name, date of the pass, code and a QR code of the verification page's
address, tagged and PDF/A (``core.pdf``). The QR code is an inline SVG data: URI made by segno, so the
PDF builder fetches nothing. The template is ``templates/certificates/certificate_pdf.html``, rendered
here with autoescaping and no Flask, so a certificate can be made from the CLI or a service alike."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.pdf import html_to_pdf

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
STYLESHEET = """
@page { size: A4 landscape; margin: 18mm; }
body { font-family: "DejaVu Sans", sans-serif; color: #0b0c0c; text-align: center; }
.frame { border: 3pt double #1d70b8; padding: 14mm 12mm; }
.register { font-size: 13pt; margin: 0 0 4mm; }
h1 { font-size: 28pt; margin: 0 0 8mm; }
.awarded { font-size: 13pt; margin: 0; }
.name { font-size: 26pt; font-weight: bold; margin: 4mm 0 6mm; }
.date { font-size: 13pt; margin: 0 0 8mm; }
.verify { display: flex; align-items: center; justify-content: center; gap: 8mm; text-align: left; }
.verify img { width: 34mm; height: 34mm; }
.code { font-family: "DejaVu Sans Mono", monospace; font-size: 15pt; font-weight: bold; }
.small { font-size: 10pt; }
"""


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG data: URI (error correction M, quiet zone kept)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def certificate_pdf(*, candidate_name: str, passed_on: dt.date, code: str, verify_url: str) -> bytes:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    html = env.get_template("certificates/certificate_pdf.html").render(
        candidate_name=candidate_name, passed_on=long_date(passed_on), code=code, verify_url=verify_url,
        qr=qr_data_uri(verify_url))
    return html_to_pdf(html, stylesheet=STYLESHEET)
