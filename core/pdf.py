"""PDF documents from HTML, through WeasyPrint.

Every PDF the platform issues (score reports, certificates, exercise records) is tagged, so a screen
reader can follow its headings and reading order, and is PDF/A-3u, the archival profile, so it still
opens as issued years later when an appeal or an employer asks. Fonts come from the machine
(Debian's DejaVu); nothing is fetched: a URL in the HTML that is not a ``data:`` URI is refused.
"""
from __future__ import annotations

PDF_VARIANT = "pdf/a-3u"


def html_to_pdf(html: str, *, stylesheet: str = "") -> bytes:
    """The PDF of a whole HTML document (with ``<html lang>`` and ``<title>``, which become the
    PDF's language and title), styled by ``stylesheet`` (CSS text). Raises ``ValueError`` when the
    page names something outside itself (an image or stylesheet by URL)."""
    import warnings

    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    styles = [CSS(string=stylesheet)] if stylesheet else []
    try:
        with warnings.catch_warnings():
            # WeasyPrint leaves its sRGB colour profile file open when it writes PDF/A (a library
            # slip, harmless: the file is read-only and closed when collected).
            warnings.filterwarnings("ignore", category=ResourceWarning, message=r"unclosed file .*\.icc")
            return HTML(string=html, url_fetcher=fetcher).write_pdf(
                stylesheets=styles, pdf_variant=PDF_VARIANT, pdf_tags=True)
    except FatalURLFetchingError as refused:  # a BaseException in WeasyPrint: say it as a ValueError
        raise ValueError(f"PDFs are built from what is in the page; {refused}") from None
