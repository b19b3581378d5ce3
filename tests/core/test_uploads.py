"""Uploads are checked by what is inside them (core.uploads): pictures decode in full and lose their
metadata, PDFs parse and carry no scripts, attachments, launch actions, XFA or media; polyglots,
bombs and look-alikes are refused with a sentence a person can act on. Pure: no app, no database."""
from __future__ import annotations

import io
import os
import random
import stat
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.uploads import (JPEG, PDF, PNG, Inspected, ScanFailed, UploadRefused, _jpeg_segments, content_type_of,
                          download_name, inspect_upload, scan)
from tests import uploads_data

ANY = {PDF, PNG, JPEG}


def refused(data: bytes, allowed=ANY, **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        inspect_upload(data, allowed, **kwargs)
    message = str(caught.value)
    assert message and "Traceback" not in message and not message.endswith(".")
    return caught.value


def _writer_pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<p>hello</p>")
    return out.getvalue()


# ------------------------------------------------------------------------------------- what passes

def test_a_real_png_jpeg_and_pdf_pass_with_their_kind_and_content_type():
    png = inspect_upload(uploads_data.png(), ANY)
    jpeg = inspect_upload(uploads_data.jpeg(), ANY)
    pdf = inspect_upload(uploads_data.pdf(pages=2), ANY)
    assert (png.kind, png.content_type, png.extension, png.width, png.height) == (PNG, "image/png", "png", 8, 8)
    assert (jpeg.kind, jpeg.content_type, jpeg.extension) == (JPEG, "image/jpeg", "jpg")
    assert (pdf.kind, pdf.content_type, pdf.pages, pdf.data) == (PDF, "application/pdf", 2, uploads_data.pdf(pages=2))


def test_a_pdf_written_by_pypdf_passes():
    assert inspect_upload(_writer_pdf(lambda writer: None), {PDF}).pages == 1


def test_jpeg_exif_with_a_gps_position_is_stripped_without_reencoding_the_pixels():
    with_exif = uploads_data.jpeg(exif=True)
    assert b"Exif" in with_exif
    inspected = inspect_upload(with_exif, {JPEG})
    assert b"Exif" not in inspected.data and "APP1" in inspected.stripped
    with Image.open(io.BytesIO(inspected.data)) as image:
        assert not image.getexif()
        stripped_pixels = image.tobytes()
    with Image.open(io.BytesIO(with_exif)) as image:
        assert image.tobytes() == stripped_pixels  # lossless: the same pixels


def test_png_text_chunks_are_stripped_and_the_picture_still_decodes():
    plain = uploads_data.png()
    with_text = plain[:33] + _png_chunk(b"tEXt", b"Author\x00A. Candidate, 1 High St") + plain[33:]
    inspected = inspect_upload(with_text, {PNG})
    assert inspected.data == plain and inspected.stripped == ("tEXt",)


def test_a_jpeg_with_another_picture_after_its_end_keeps_only_the_first():
    data = uploads_data.jpeg() + uploads_data.jpeg(colour=(1, 2, 3))  # like a phone's depth map
    inspected = inspect_upload(data, {JPEG})
    assert inspected.data == uploads_data.jpeg() and "trailing data" in inspected.stripped


# ----------------------------------------------------------------------------------- what is refused

def test_only_the_allowed_kinds_pass_and_the_message_names_them():
    assert refused(uploads_data.pdf(), {PNG, JPEG}).reason == "kind"
    assert "must be a PNG or JPEG" in str(refused(uploads_data.pdf(), {PNG, JPEG}))
    assert "must be a JPEG" in str(refused(uploads_data.png(), {JPEG}))


def test_empty_file_is_refused():
    assert str(refused(b"")) == "The file is empty: choose the file again"


def test_svg_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    error = refused(svg, name="logo.svg")
    assert error.reason == "kind" and str(error).startswith("logo.svg must be a PDF, PNG or JPEG")


def test_an_html_file_renamed_pdf_is_refused():
    assert refused(b"<!DOCTYPE html><html><script>alert(1)</script></html>", name="letter.pdf").reason == "kind"


def test_a_pdf_header_followed_by_html_is_refused_as_a_polyglot():
    data = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n" + uploads_data.pdf()[9:]
    assert refused(data).reason == "polyglot"


def test_fake_pdf_bytes_are_refused_as_unreadable():
    error = refused(b"%PDF-1.4 not really a pdf\n%%EOF")
    assert error.reason == "unreadable" and "could not be read as a PDF" in str(error)


def test_a_pdf_cut_short_is_refused():
    assert refused(uploads_data.pdf()[:200]).reason == "unreadable"


def test_a_truncated_png_is_refused():
    data = uploads_data.png(64, 64)
    error = refused(data[:len(data) - 30])
    assert error.reason == "damaged" and "not a complete PNG picture" in str(error)


def test_a_png_with_a_bad_checksum_is_refused():
    data = bytearray(uploads_data.png())
    data[40] ^= 0xFF  # inside the IDAT chunk
    assert refused(bytes(data)).reason == "damaged"


def test_a_truncated_jpeg_is_refused():
    data = uploads_data.jpeg(64, 64)
    assert refused(data[:len(data) // 2]).reason == "damaged"


def test_a_png_with_a_zip_after_its_end_is_refused():
    error = refused(uploads_data.png() + _zip())
    assert error.reason == "trailing" and "extra data after the end of the picture" in str(error)


def test_a_jpeg_with_a_zip_after_its_end_is_refused_as_a_polyglot():
    assert refused(uploads_data.jpeg() + _zip()).reason == "polyglot"


def test_a_jpeg_with_html_after_its_end_is_refused_as_a_polyglot():
    assert refused(uploads_data.jpeg() + b"<html><script>alert(1)</script></html>").reason == "polyglot"


def test_a_zip_hidden_inside_a_pdf_is_refused():
    data = uploads_data.pdf()
    end = data.rindex(b"%%EOF")
    assert refused(data[:end] + b"%" + _zip().replace(b"\n", b" ") + b"\n" + data[end:]).reason == "polyglot"


def test_data_after_a_pdfs_last_eof_is_refused():
    assert refused(uploads_data.pdf() + _zip()).reason == "polyglot"


def test_a_decompression_bomb_png_is_refused_before_its_pixels_are_decoded():
    # 30,000 × 30,000 declared (900 million pixels) in a few hundred bytes.
    ihdr = struct.pack(">IIBBBBB", 30_000, 30_000, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    error = refused(data)
    assert error.reason == "too_many_pixels" and "30,000 × 30,000" in str(error) and "40 million" in str(error)


def test_the_pixel_limit_can_be_lowered():
    assert refused(uploads_data.png(100, 100), max_pixels=5_000).reason == "too_many_pixels"


def test_a_pdf_with_a_javascript_open_action_is_refused():
    def build(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    error = refused(_writer_pdf(build))
    assert error.reason == "javascript" and "contains JavaScript" in str(error) and "new PDF" in str(error)


def test_a_pdf_with_document_javascript_in_its_names_tree_is_refused():
    def build(writer):
        action = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                      NameObject("/JS"): TextStringObject("app.alert(1);")}))
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("hello"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    assert refused(_writer_pdf(build)).reason == "javascript"


def test_a_pdf_with_an_embedded_file_is_refused():
    error = refused(_writer_pdf(lambda writer: writer.add_attachment("payload.exe", b"MZ....")))
    assert error.reason == "embedded" and "other files attached inside it" in str(error)


def test_a_pdf_with_a_launch_action_is_refused():
    def build(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    assert refused(_writer_pdf(build)).reason == "launch"


def test_a_pdf_with_an_xfa_form_is_refused():
    def build(writer):
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
            NameObject("/Fields"): writer._add_object(DictionaryObject()),
            NameObject("/XFA"): TextStringObject("<xdp:xdp/>")})
    assert refused(_writer_pdf(build)).reason == "xfa"


def test_a_pdf_with_rich_media_is_refused():
    def build(writer):
        annotation = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                       NameObject("/Subtype"): NameObject("/RichMedia")})
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    assert refused(_writer_pdf(build)).reason == "richmedia"


def test_an_encrypted_pdf_is_refused():
    data = _writer_pdf(lambda writer: writer.encrypt("secret", algorithm="RC4-128"))
    assert PdfReader(io.BytesIO(data)).is_encrypted
    error = refused(data)
    assert error.reason == "encrypted" and "password" in str(error)


# ------------------------------------------------------------------------------------ names, serving

@pytest.mark.parametrize("given, expected", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\x\\evil.pdf", "evil.pdf"),
    ('re"port\r\nSet-Cookie: a=b.pdf', "reportSet-Cookie a=b.pdf"),
    ("..hidden.pdf", "hidden.pdf"),
    ("Résumé – Zoë.pdf", "Résumé – Zoë.pdf"),
    ("\u202egnp.exe", "gnp.exe"),  # a right-to-left override would disguise the extension
    ("", "evidence"),
    (None, "evidence"),
    ("....", "evidence"),
])
def test_download_name_keeps_only_a_safe_last_part(given, expected):
    assert download_name(given, "evidence") == expected


def test_download_name_is_at_most_150_characters_and_keeps_its_extension():
    name = download_name("a" * 400 + ".pdf", "x")
    assert len(name) == 150 and name.endswith(".pdf")


def test_content_type_of_a_stored_file_comes_from_its_first_bytes():
    assert content_type_of(uploads_data.pdf()[:16]) == "application/pdf"
    assert content_type_of(b"<html>") == "application/octet-stream"


def test_inspected_is_frozen():
    with pytest.raises(AttributeError):
        inspect_upload(uploads_data.png(), ANY).kind = PDF  # type: ignore[misc]
    assert isinstance(inspect_upload(uploads_data.png(), ANY), Inspected)


# ----------------------------------------------------------------------------------- the virus scan

def _eicar() -> bytes:
    # The anti-virus test string, put together at run time so this file itself trips no scanner.
    parts = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}", "$EICAR-STANDARD-", "ANTIVIRUS-TEST-FILE!", "$H+H*"]
    return "".join(parts).encode()


@pytest.fixture
def fake_clamscan(tmp_path):
    """A stand-in for clamdscan with the same exit codes: 0 clean, 1 infected, 2 could not scan."""
    script = tmp_path / "fake-clamscan"
    script.write_text('#!/bin/sh\n'
                      '[ -r "$1" ] || exit 2\n'
                      'if grep -q "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" "$1"; then echo "$1: Eicar FOUND"; exit 1; fi\n'
                      'exit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_the_virus_scan_hook_passes_a_clean_file(fake_clamscan):
    scan(uploads_data.pdf(), f"{fake_clamscan} {{path}}")


def test_the_virus_scan_hook_refuses_the_eicar_test_file(fake_clamscan):
    with pytest.raises(ScanFailed) as caught:
        scan(b"prefix " + _eicar() + b" suffix", f"{fake_clamscan} {{path}}")
    assert caught.value.reason == "infected" and "did not pass the virus check" in str(caught.value)


def test_a_scanner_that_cannot_scan_refuses_the_file(tmp_path):
    with pytest.raises(ScanFailed) as caught:
        scan(uploads_data.pdf(), "sh -c 'exit 2' {path}")
    assert caught.value.reason == "error" and "could not run" in str(caught.value)
    with pytest.raises(ScanFailed):
        scan(uploads_data.pdf(), f"{tmp_path / 'no-such-scanner'} {{path}}")


def test_no_scan_command_means_no_scan():
    scan(_eicar(), None)
    scan(_eicar(), "")


def test_the_scanned_file_is_removed_afterwards(tmp_path, fake_clamscan):
    record = tmp_path / "seen"
    scan(uploads_data.pdf(), f"sh -c 'echo \"$0\" > {record}' {{path}}")
    seen = record.read_text().strip()
    assert seen and not os.path.exists(seen)


# ------------------------------------------------------------------------------- files from real tools

def test_a_pdf_made_by_weasyprint_with_fonts_and_a_link_passes():
    from core.pdf import html_to_pdf

    data = html_to_pdf("<h1>Référence</h1><p>A letter with a <a href='https://example.org/'>link</a>.</p>")
    assert inspect_upload(data, {PDF}).pages == 1


def test_a_chart_saved_by_matplotlib_passes_without_its_text_chunks():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    figure.add_subplot().plot([1, 2, 3])
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Author": "A. Candidate"})
    inspected = inspect_upload(out.getvalue(), {PNG})
    assert b"A. Candidate" in out.getvalue() and b"A. Candidate" not in inspected.data
    assert "tEXt" in inspected.stripped


def test_a_progressive_jpeg_passes_unchanged():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 90)).save(out, format="JPEG", progressive=True, quality=70)
    assert inspect_upload(out.getvalue(), {JPEG}).data == out.getvalue()


def test_a_jpeg_declaring_a_huge_frame_is_refused_before_decoding():
    data = bytearray(uploads_data.jpeg())
    frame = data.index(b"\xff\xc0")
    data[frame + 5:frame + 9] = struct.pack(">HH", 60_000, 60_000)  # height, width
    error = refused(bytes(data))
    assert error.reason == "too_many_pixels" and "60,000 × 60,000" in str(error)


# ------------------------------------------------------- a JPEG decoded at a smaller scale (snapshots)
#
# Webcam snapshots are checked with ``jpeg_scale=8``: libjpeg makes the pixels at an eighth of the
# size, but still entropy-decodes every block of every scan. These tests hold it to refusing exactly
# what the full decode refuses, with the same sentence, and keeping the same bytes.

def _outcome(data: bytes, scale: int) -> tuple:
    """What inspect_upload answers, in a form to compare: the bytes kept and what was learnt, or the refusal."""
    try:
        kept = inspect_upload(data, {JPEG}, name="the snapshot", max_pixels=2048 * 2048, jpeg_scale=scale)
    except UploadRefused as error:
        return ("refused", error.reason, error.message)
    return ("kept", kept.data, kept.width, kept.height, kept.stripped)


def _refused_by_the_full_decode(cleaned: bytes) -> bool:
    """Pillow's check as it stood before any scale: ``verify()``, then every pixel of a fresh copy."""
    try:
        with Image.open(io.BytesIO(cleaned), formats=["JPEG"]) as image:
            image.verify()
        with Image.open(io.BytesIO(cleaned), formats=["JPEG"]) as image:
            image.load()
    except Exception:  # noqa: BLE001 - inspect_upload turns every failure of Pillow's into a refusal
        return True
    return False


def _segments(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every marker segment with a length (tables, frame and scan headers), in order."""
    found, pos = [], 2
    while (pos := data.find(b"\xff", pos)) >= 0 and pos + 3 < len(data):
        marker = data[pos + 1]
        if marker in (0x00, 0xFF, 0xD9) or 0xD0 <= marker <= 0xD7:
            pos += 1
            continue
        end = pos + 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
        found.append((pos, end))
        pos = end
    return found


def _damaged_copies(data: bytes, seed: int):
    """(what was done, the copy): ``data`` damaged as a transfer, a disk or a hand could — cut short
    anywhere in its coded data, cut short with an end marker put back, a bit flipped or a byte changed
    in the coded data, a run of it lost or repeated, and every byte of every table, frame and scan
    header changed."""
    rng = random.Random(seed)
    segments = _segments(data)
    coded_from, coded_to = segments[[data[s + 1] for s, _e in segments].index(0xDA)][1], len(data) - 2
    for cut in range(coded_from, coded_to, (coded_to - coded_from) // 20):
        yield f"cut at {cut}", data[:cut]
        yield f"cut at {cut}, end marker put back", data[:cut] + b"\xff\xd9"
    for _ in range(60):
        pos = rng.randrange(coded_from, coded_to)
        yield f"bit flipped at {pos}", data[:pos] + bytes([data[pos] ^ 1 << rng.randrange(8)]) + data[pos + 1:]
        yield f"byte changed at {pos}", data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1:]
    for _ in range(15):
        pos, length = rng.randrange(coded_from, coded_to - 64), rng.randrange(1, 64)
        yield f"{length} bytes lost at {pos}", data[:pos] + data[pos + length:]
        yield f"{length} bytes repeated at {pos}", data[:pos + length] + data[pos:]
    for start, end in segments:
        for pos in range(start + 1, end):
            value = (data[pos] ^ 0x01, data[pos] ^ 0x80, 0x00, 0xFF)[pos % 4]
            yield f"header byte {pos} set to {value:#04x}", data[:pos] + bytes([value]) + data[pos + 1:]


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_a_jpeg_decoded_at_an_eighth_refuses_exactly_what_the_full_decode_refuses(progressive):
    decoded_refusals = kept = 0
    for n, (done, copy) in enumerate(_damaged_copies(uploads_data.snapshot(progressive=progressive), seed=7)):
        full = _outcome(copy, 1)
        assert _outcome(copy, 8) == full, done
        if n % 5 == 0:  # the scales no caller uses yet, on a sample
            assert _outcome(copy, 2) == full and _outcome(copy, 4) == full, done
        kept += full[0] == "kept"
        try:
            cleaned, _dropped, size = _jpeg_segments(copy, "the snapshot")
        except UploadRefused:
            continue  # refused before any decode, at every scale alike
        if copy[:3] != b"\xff\xd8\xff" or not size or size[0] * size[1] > 2048 * 2048:
            continue  # refused as not a JPEG, or as too large, before any decode
        # Past the segment walk only Pillow can refuse: the decode as it stood before says the same.
        assert (full[0] == "refused") == _refused_by_the_full_decode(cleaned), done
        decoded_refusals += full[0] == "refused"
    # Not vacuous: many copies were refused by the decode itself, and many (damage libjpeg decodes past,
    # as it always has) were kept.
    assert decoded_refusals >= 50 and kept >= 50


def test_a_snapshot_is_kept_byte_for_byte_as_at_full_scale_metadata_stripped():
    for data in (uploads_data.snapshot(), uploads_data.snapshot(progressive=True)):
        assert _outcome(data, 8) == _outcome(data, 1) == ("kept", data, 320, 240, ())
        app1 = b"\xff\xe1" + struct.pack(">H", 2 + 22) + b"Exif\x00\x00" + b"GPS 51.5, -0.1 ..."[:16]
        with_exif = data[:20] + app1 + data[20:]  # after the start of image and the JFIF segment
        assert _outcome(with_exif, 8) == _outcome(with_exif, 1) == ("kept", data, 320, 240, ("APP1",))


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_a_snapshot_cut_short_in_the_middle_of_a_scan_is_refused_alike_at_any_scale(progressive):
    data = uploads_data.snapshot(progressive=progressive)
    cut = data[:len(data) * 2 // 3]
    assert _outcome(cut, 8) == _outcome(cut, 1) == (
        "refused", "damaged", "The snapshot is not a complete JPEG picture: it may be damaged or cut short. Save it "
                              "again, or take the photo again, and upload the new copy")


def test_a_second_frame_inside_a_scan_is_refused_by_the_decode_at_any_scale():
    # The segment walk passes it (a scan, a frame header, the end): only decoding the scan finds the
    # frame where the rest of the scan should be. The JPEG is opened once now, with no verify() (which
    # checks nothing in a JPEG): the decode still runs, and refuses.
    data = uploads_data.snapshot()
    frame_start, frame_end = next((s, e) for s, e in _segments(data) if data[s + 1] == 0xC0)
    copy = data[:len(data) // 2] + data[frame_start:frame_end] + b"\xff\xd9"
    assert _jpeg_segments(copy, "the snapshot")[0] == copy
    for scale in (1, 8):
        assert _outcome(copy, scale)[:2] == ("refused", "damaged")


def test_a_progressive_snapshot_with_an_impossible_later_scan_is_refused_at_any_scale():
    data = bytearray(uploads_data.snapshot(progressive=True))
    scans = [(s, e) for s, e in _segments(bytes(data)) if data[s + 1] == 0xDA]
    start, end = scans[2]
    data[end - 2] = 0  # the scan's last coefficient before its first (Se < Ss): libjpeg's "bad progression"
    copy = bytes(data)
    assert _jpeg_segments(copy, "the snapshot")[0] == copy
    assert _outcome(copy, 8) == _outcome(copy, 1) and _outcome(copy, 1)[:2] == ("refused", "damaged")


def test_only_libjpegs_own_scales_may_be_asked_for():
    with pytest.raises(ValueError, match="jpeg_scale"):
        inspect_upload(uploads_data.snapshot(), {JPEG}, jpeg_scale=3)
