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

    from PIL import ImageFile
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    # Importing WeasyPrint sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES to True
    # (weasyprint/images.py), after which Pillow swallows every decoder error: each upload checked
    # later in this process (core.uploads, webcam snapshots among them) would pass a picture whose
    # data does not decode. Our pages embed no raster image, so WeasyPrint loses nothing by it. The
    # import runs once a process, so this puts the flag back once and for good.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
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
