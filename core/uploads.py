"""What an uploaded file really is, checked from its content and not its name or its first bytes.

``inspect_upload(data, allowed)`` is the one gate every upload passes (case-study attachments,
application documents, CPD and adjustment evidence, appeal evidence, check-in pictures and webcam
snapshots). It answers an ``Inspected`` (the kind, its content type and the bytes to store) or raises
``UploadRefused`` with a sentence the person who uploaded the file can act on.

- **PNG and JPEG** are walked chunk by chunk (segment by segment), then decoded in full by Pillow
  (a PNG ``verify()``, then ``load()``; a JPEG ``load()`` alone, as Pillow's ``verify()`` checks
  nothing in one): a file cut short, a bad checksum or pixels that do not decode are refused. A
  picture declaring more than ``MAX_PIXELS`` is refused before any pixel is decoded (a decompression
  bomb: a few kilobytes that would unpack to gigabytes). ``jpeg_scale`` lets a caller have a JPEG's
  pixels made at 1/2, 1/4 or 1/8 of its size (webcam snapshots do): libjpeg still entropy-decodes
  every block of every scan, so it refuses exactly the files the full decode refuses.
- **Metadata is stripped, losslessly.** EXIF (camera, time, GPS position), XMP, IPTC, comments and
  PNG text chunks are dropped; the pixels are not re-encoded. What is stored, hashed and served is the
  stripped file, so the SHA-256 kept beside it is always the hash of what is on disk. A JPEG's EXIF
  orientation goes with the rest: a phone photo may show sideways to the person who reviews it.
- **Data after the end of a picture.** After a PNG's ``IEND`` it is *refused* (no program that makes
  PNGs writes any). After a JPEG's end marker it is *stripped* (phones append extra pictures there,
  such as depth maps), unless it is another kind of file — an archive, a PDF, a web page, a program —
  which is refused as a polyglot.
- **PDF** is parsed by pypdf and every object reachable from the document is walked. Refused: a file
  that does not parse, that is encrypted or has no pages; JavaScript (a ``/JS`` key, a JavaScript
  action or name tree), embedded files (``/EmbeddedFiles``, ``/EF``, file-attachment annotations),
  ``/Launch`` and the other actions that reach outside the document, XFA forms and RichMedia (Flash,
  video). Also refused: anything before ``%PDF-`` or after the last ``%%EOF`` but white space, and
  markup (a web page) in the first kilobyte.
- **Any kind**: a ZIP end record in the last 64 KB is refused (a ZIP reader would open the file as an
  archive), and so is anything that is not one of ``allowed`` — an SVG, a web page renamed ``.pdf``.

Names are never taken from the upload for storage: files are stored under their SHA-256.
``download_name`` cleans a person's filename once more before it is sent in a Content-Disposition
header (Werkzeug then writes RFC 6266's ``filename*`` for anything outside ASCII).

``scan`` runs the configured virus scanner (see docs/uploads.md for ClamAV).

Pure apart from ``scan``: no Flask, no database.
"""
from __future__ import annotations

import io
import os
import re
import shlex
import struct
import subprocess
import tempfile
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

PDF, PNG, JPEG = "pdf", "png", "jpeg"
KINDS = {PDF: ("application/pdf", "pdf", "PDF"), PNG: ("image/png", "png", "PNG"),
         JPEG: ("image/jpeg", "jpg", "JPEG")}
MAGIC = [(b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG)]

MAX_PIXELS = 40_000_000
"""The largest picture accepted, in pixels (a 48-megapixel phone saves 12 MP unless told otherwise)."""
MAX_PDF_OBJECTS = 200_000
"""A PDF with more dictionaries and arrays than this is refused as too complex to check."""

# PNG chunks kept: the critical ones, and those that say how to show the pixels. Text, time, EXIF and
# anything else a program adds is dropped.
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
             b"pHYs", b"bKGD"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Signatures of files that must not ride along inside, or after, a picture or a PDF.
_FOREIGN = [b"PK\x03\x04", b"PK\x05\x06", b"%PDF-", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"MZ", b"\x7fELF",
            b"#!", b"\x89PNG", b"GIF8", b"BZh", b"\xfd7zXZ"]
_MARKUP = re.compile(rb"<\s*(?:script|html|!doctype|iframe|body|svg|object|embed)\b|javascript:", re.IGNORECASE)
# Searched through long binary data, so only tokens too long to turn up there by chance.
_MARKUP_ANYWHERE = re.compile(rb"<\s*(?:script|html|!doctype|iframe)\b|javascript:", re.IGNORECASE)
_ZIP_END = b"PK\x05\x06"

# PDF: keys and action/annotation types that run code, carry files or reach outside the document.
_PDF_KEYS = {"/JS": "javascript", "/JavaScript": "javascript", "/EmbeddedFiles": "embedded",
             "/EmbeddedFile": "embedded", "/EF": "embedded", "/XFA": "xfa", "/RichMediaContent": "richmedia",
             "/RichMediaSettings": "richmedia"}
_PDF_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch", "/GoToE": "embedded", "/ImportData": "launch",
                "/SubmitForm": "launch", "/RichMediaExecute": "richmedia", "/Rendition": "richmedia"}
_PDF_SUBTYPES = {"/FileAttachment": "embedded", "/RichMedia": "richmedia", "/Screen": "richmedia",
                 "/Movie": "richmedia", "/Sound": "richmedia", "/3D": "richmedia"}


class UploadRefused(ValueError):
    """The file is not accepted; ``str(error)`` is the sentence to show beside the field and
    ``reason`` a short code (for tests and logs)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Inspected:
    """A file that passed: what it is and the bytes to store (metadata stripped, for pictures)."""

    kind: str
    data: bytes
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    stripped: tuple[str, ...] = ()  # what was removed, e.g. ("APP1", "tEXt", "trailing data")

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def extension(self) -> str:
        return KINDS[self.kind][1]


def kinds_phrase(allowed: Iterable[str]) -> str:
    """'a PDF, PNG or JPEG' for the kinds in ``allowed``, in a fixed order."""
    labels = [KINDS[kind][2] for kind in (PDF, PNG, JPEG) if kind in allowed]
    return "a " + (labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1])


def sniff(head: bytes) -> str | None:
    """The kind named by the first bytes only. For a file already stored (it passed
    ``inspect_upload`` on its way in), never for deciding whether to accept one."""
    return next((kind for magic, kind in MAGIC if head.startswith(magic)), None)


def content_type_of(head: bytes) -> str:
    kind = sniff(head)
    return KINDS[kind][0] if kind else "application/octet-stream"


def inspect_upload(data: bytes, allowed: Iterable[str], *, name: str = "the file",
                   max_pixels: int = MAX_PIXELS, jpeg_scale: int = 1) -> Inspected:
    """Check ``data`` is really one of ``allowed`` (``"pdf"``, ``"png"``, ``"jpeg"``) and safe to keep.
    ``name`` begins each message (the person's own filename, already made safe, reads best).

    ``jpeg_scale`` (1, 2, 4 or 8): a JPEG's pixels are made at 1/``jpeg_scale`` of its size by
    libjpeg's scaled inverse DCT. Every block of every scan is still entropy-decoded (the coefficients
    a smaller picture does not need are decoded and thrown away, or a progressive file's are all kept
    until its last scan), and the errors a JPEG can raise come from that decoding and the markers
    around it, never from the inverse DCT, upsampling or colour conversion skipped; so the same files
    are refused, with the same sentence (tests/core/test_uploads.py compares the two on some 1,600
    damaged copies). The bytes kept are the same either way. Webcam snapshots pass 8 (one every 30 s
    from every candidate in a sitting); other uploads keep 1, the full decode, as nothing has shown the
    guarantee on their files (phone photos, scans) and they are few."""
    if jpeg_scale not in (1, 2, 4, 8):
        raise ValueError(f"jpeg_scale must be 1, 2, 4 or 8 (libjpeg's scaled decodes), not {jpeg_scale!r}")
    allowed = set(allowed)
    unknown = allowed - set(KINDS)
    if unknown or not allowed:
        raise ValueError(f"unknown kinds of upload: {sorted(unknown) or 'none'}")
    subject = name[:1].upper() + name[1:] if name.lower().startswith("the ") else name
    if not data:
        raise UploadRefused(f"{subject} is empty: choose the file again", "empty")
    kind = sniff(data)
    if kind is None or kind not in allowed:
        raise UploadRefused(f"{subject} must be {kinds_phrase(allowed)} (checked by what is inside the file, "
                            f"not its name)", "kind")
    if kind == PDF:
        inspected = _inspect_pdf(data, subject)
    else:
        inspected = _inspect_image(data, kind, subject, max_pixels, jpeg_scale)
    if _ZIP_END in inspected.data[-65_557:]:
        raise _polyglot(subject)
    return inspected


def _polyglot(subject: str) -> UploadRefused:
    return UploadRefused(f"{subject} has another kind of file (such as a ZIP archive or a web page) hidden inside "
                         f"it. Save it again from the program that made it and upload the new copy", "polyglot")


# ------------------------------------------------------------------------------------------- images

def _damaged(subject: str, label: str) -> UploadRefused:
    return UploadRefused(f"{subject} is not a complete {label} picture: it may be damaged or cut short. Save it "
                         f"again, or take the photo again, and upload the new copy", "damaged")


def _png_chunks(data: bytes, subject: str) -> tuple[bytes, list[str], tuple[int, int] | None]:
    """The PNG rebuilt from the chunks kept; refused if a chunk is cut short, its checksum is wrong or
    anything follows IEND."""
    out = [_PNG_SIGNATURE]
    dropped: list[str] = []
    size = None
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise _damaged(subject, "PNG")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data) or length > 0x7FFFFFFF:
            raise _damaged(subject, "PNG")
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:end])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise _damaged(subject, "PNG")
        if ctype == b"IHDR" and length >= 8:
            size = struct.unpack(">II", body[:8])
        if ctype in _PNG_KEEP:
            out.append(data[pos:end])
        else:
            dropped.append(ctype.decode("latin-1"))
        pos = end
        if ctype == b"IEND":
            break
    if data[pos:]:
        raise UploadRefused(f"{subject} has extra data after the end of the picture. Save it again as a new PNG "
                            f"(or take a new screenshot) and upload that", "trailing")
    return b"".join(out), dropped, size


def _jpeg_segments(data: bytes, subject: str) -> tuple[bytes, list[str], tuple[int, int] | None]:
    """The JPEG rebuilt without its metadata segments (EXIF, XMP, IPTC, comments); data after the end
    marker is dropped unless it is another kind of file."""
    n = len(data)
    out = [b"\xff\xd8"]
    dropped: list[str] = []
    size = None
    pos = 2
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise _damaged(subject, "JPEG")
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            raise _damaged(subject, "JPEG")
        marker = data[pos]
        start = pos - 1
        pos += 1
        if marker == 0xD9:  # end of image
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            out.append(data[start:pos])
            continue
        if pos + 2 > n:
            raise _damaged(subject, "JPEG")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        end = pos + length
        if length < 2 or end > n:
            raise _damaged(subject, "JPEG")
        payload = data[pos + 2:end]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and len(payload) >= 5 and size is None:
            height, width = struct.unpack(">HH", payload[1:5])  # start of frame: the picture's size
            size = (width, height)
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:
            keep = (marker == 0xE0 and payload[:5] in (b"JFIF\x00", b"JFXX\x00")
                    or marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00")
                    or marker == 0xEE and payload.startswith(b"Adobe"))
            if not keep:
                dropped.append("COM" if marker == 0xFE else f"APP{marker - 0xE0}")
                pos = end
                continue
        if marker == 0xDA:  # start of scan: the entropy-coded data runs to the next real marker
            scan_end = end
            while True:
                scan_end = data.find(b"\xff", scan_end)
                if scan_end < 0 or scan_end + 1 >= n:
                    raise _damaged(subject, "JPEG")
                following = data[scan_end + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    scan_end += 1 if following == 0xFF else 2
                    continue
                break
            out.append(data[start:scan_end])
            pos = scan_end
            continue
        out.append(data[start:end])
        pos = end
    trailing = data[pos:]
    lead = trailing.lstrip(b"\x00")
    if lead:
        # Phones append more pictures (depth maps, gain maps) after the end marker: dropped. Another
        # kind of file there (an archive, a PDF, a program, a web page) would open as that file: refused.
        if (any(lead.startswith(sig) for sig in _FOREIGN) or _MARKUP_ANYWHERE.search(trailing)
                or any(sig in trailing for sig in (b"PK\x03\x04", b"PK\x05\x06", b"%PDF-"))):
            raise _polyglot(subject)
        dropped.append("trailing data")
    out.append(b"\xff\xd9")
    return b"".join(out), dropped, size


def _inspect_image(data: bytes, kind: str, subject: str, max_pixels: int, jpeg_scale: int = 1) -> Inspected:
    from PIL import Image, UnidentifiedImageError

    label = KINDS[kind][2]
    cleaned, dropped, declared = (_png_chunks if kind == PNG else _jpeg_segments)(data, subject)
    if declared and declared[0] * declared[1] > max_pixels:  # before Pillow reads a single pixel
        raise _bomb(subject, declared[0], declared[1], max_pixels)
    if _MARKUP.search(cleaned[:1024]):
        raise _polyglot(subject)
    try:
        # No warnings filter here (changing one is not thread-safe): the size was checked from the
        # header above, below Pillow's own bomb threshold, which raises if it is ever reached.
        with Image.open(io.BytesIO(cleaned), formats=[label]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise _bomb(subject, width, height, max_pixels)
            if kind == JPEG:
                # A JPEG is decoded from this one open: Pillow's verify() checks nothing in a JPEG (it
                # only closes the file), so a second open would parse the same header for nothing.
                if jpeg_scale > 1:
                    # Only the inverse DCT shrinks; every scan is still entropy-decoded (see inspect_upload).
                    image.draft(image.mode, (max(1, width // jpeg_scale), max(1, height // jpeg_scale)))
                # Every block decoded: a misplaced marker, a missing or bad table, a bad scan header
                # fails here. Damage libjpeg decodes past (only a warning, such as a flipped bit in
                # the coded data) passes, at any scale, as it always has.
                image.load()
            else:
                image.verify()  # every chunk's checksum, before decoding (verify() leaves the file unusable)
        if kind == PNG:
            with Image.open(io.BytesIO(cleaned), formats=[label]) as image:
                image.load()  # every pixel decoded: a truncated or corrupt file fails here
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(subject, None, None, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error,
            MemoryError, IndexError, TypeError, KeyError, Warning):
        raise _damaged(subject, label) from None
    return Inspected(kind, cleaned, width=width, height=height, stripped=tuple(dropped))


def _bomb(subject: str, width: int | None, height: int | None, max_pixels: int) -> UploadRefused:
    size = f" ({width:,} × {height:,} pixels)" if width and height else ""
    return UploadRefused(f"{subject} is too large a picture{size}: the most accepted is "
                         f"{max_pixels / 1_000_000:g} million pixels. Make it smaller and upload it again",
                         "too_many_pixels")


# ---------------------------------------------------------------------------------------------- PDF

_PDF_MESSAGES = {
    "javascript": "contains JavaScript, which is not accepted",
    "embedded": "has other files attached inside it, which is not accepted",
    "launch": "contains an action that opens another program, file or website form, which is not accepted",
    "xfa": "is an XFA form, which cannot be checked safely",
    "richmedia": "contains embedded media (sound, video, Flash or 3D), which is not accepted",
}


def _inspect_pdf(data: bytes, subject: str) -> Inspected:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    unreadable = UploadRefused(f"{subject} could not be read as a PDF: it may be damaged. Save or print it to PDF "
                               f"again and upload the new copy", "unreadable")
    if _MARKUP.search(data[:1024]):
        raise _polyglot(subject)
    last_eof = data.rfind(b"%%EOF")
    if last_eof < 0:
        raise unreadable
    if data[last_eof + 5:].strip(b" \t\r\n\x00\x0c") or _ZIP_END in data[-65_557:]:
        raise _polyglot(subject)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadRefused(f"{subject} is protected by a password or encrypted. Upload a copy without "
                                f"the protection (print it to a new PDF)", "encrypted")
        pages = len(reader.pages)
        if pages < 1:
            raise unreadable
        found = None
        seen: set[tuple[int, int]] = set()
        stack: list = [reader.trailer]
        visited = 0
        while stack and found is None:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                ref = (item.idnum, item.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                item = item.get_object()
            if not isinstance(item, (DictionaryObject, ArrayObject)):
                continue  # a number, a name, a string: nothing inside to look at
            visited += 1
            if visited > MAX_PDF_OBJECTS:
                raise UploadRefused(f"{subject} is too complex to check. Print it to a new PDF and upload "
                                    f"that", "too_complex")
            if isinstance(item, DictionaryObject):
                found = _pdf_problem(item)
                values = (value for key, value in item.items() if key not in ("/Parent", "/P"))
            else:
                values = iter(item)
            stack.extend(value for value in values
                         if isinstance(value, (IndirectObject, DictionaryObject, ArrayObject)))
    except UploadRefused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError,
            RecursionError, struct.error, zlib.error, UnicodeError, Warning):
        raise unreadable from None
    if found:
        advice = ("Upload each document as its own file, or print it to a new PDF and upload that"
                  if found == "embedded" else "Print it to a new PDF (Print, then Save as PDF) and upload that")
        raise UploadRefused(f"{subject} {_PDF_MESSAGES[found]}. {advice}", found)
    return Inspected(PDF, data, pages=pages)


def _pdf_problem(obj) -> str | None:
    for key, problem in _PDF_KEYS.items():
        if key in obj:
            return problem
    action = obj.get("/S")
    if isinstance(action, str) and action in _PDF_ACTIONS:
        return _PDF_ACTIONS[action]
    subtype = obj.get("/Subtype")
    if isinstance(subtype, str) and subtype in _PDF_SUBTYPES and obj.get("/Type") in (None, "/Annot"):
        return _PDF_SUBTYPES[subtype]
    return None


def plain_pdf(text: str, pages: int = 1) -> bytes:
    """A small, valid PDF with ``text`` (Latin-1) on each page, byte-for-byte the same each time: the
    demo data's supporting documents and the tests' uploads."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 770 Td ({safe}) Tj ET".encode("latin-1", "replace")
    font = 3 + 2 * pages
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{' '.join(f'{3 + 2 * i} 0 R' for i in range(pages))}] /Count {pages} >>"
               .encode()]
    for i in range(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# ------------------------------------------------------------------------------------- names, scanning

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|;]")


def download_name(filename: str | None, fallback: str) -> str:
    """A filename fit for a Content-Disposition header: the last part of any path, no control
    characters, quotes, separators or leading dots, at most 150 characters; ``fallback`` if nothing is
    left. Non-ASCII letters stay (Werkzeug encodes them as RFC 6266 ``filename*``)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(".").strip()
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name or fallback


class ScanFailed(ValueError):
    """The virus scanner refused the file (``infected``) or could not run (``error``)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def scan(data: bytes, command: str | None, *, timeout_s: float = 120) -> None:
    """Run the configured virus scanner on ``data`` and refuse the file unless it exits 0.

    ``command`` is split like a shell line (no shell runs it) and ``{path}`` becomes a temporary file
    holding the data. Exit 0: clean. Exit 1: infected. Anything else, or no scanner found, or slower
    than ``timeout_s``: the check could not run, and the file is not accepted either. No command means
    no scan."""
    if not command:
        return
    handle = tempfile.NamedTemporaryFile(prefix="cop-scan-", delete=False)
    try:
        with handle:
            handle.write(data)
        args = [part.replace("{path}", handle.name) for part in shlex.split(command)]
        result = subprocess.run(args, capture_output=True, timeout=timeout_s, check=False)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        raise ScanFailed("The virus check could not run, so the file was not accepted. Try again later",
                         "error") from None
    finally:
        os.unlink(handle.name)
    if result.returncode == 1:
        raise ScanFailed("The file did not pass the virus check, so it was not accepted. If you believe it is "
                         "safe, contact the exams team", "infected")
    if result.returncode != 0:
        raise ScanFailed("The virus check could not run, so the file was not accepted. Try again later", "error")
