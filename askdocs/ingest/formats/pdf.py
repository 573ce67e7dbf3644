"""PDF (.pdf): the text layer of each page, in paragraphs, cited by page; a page without a text layer
(a scan) is rendered with pypdfium2 and read by OCR, its passages marked OCR."""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
from itertools import islice
from typing import TYPE_CHECKING, Any

from askdocs.ingest.formats import ocr
from askdocs.ingest.formats.base import OCR_SECONDS_PER_PAGE, Collector, ParseContext, ParsedFile, SkipFileError, blocks
from askdocs.records import Citation

if TYPE_CHECKING:
    from PIL.Image import Image

# A page whose text layer has fewer visible characters than this is read by OCR: scans often carry
# a page number or a stamp as text ("12", "Page 3 of 9"), and a real page of text has hundreds.
MIN_TEXT_CHARS = 20
# Resolution a scanned page is rendered at, or the scan's own (that of the image covering most of the
# page) if that is lower: PDFium enlarging a 100-dpi scan to 200 dpi lost half its words. Measured on
# three real pages (bashref.pdf, maint-guide) scanned to JPEG at 200 to 600 dpi: rendered at 150 dpi
# each read 98-100% of its words, the same as at 200 or 300 dpi, with 13-58% less CPU; at 100 dpi a
# page of 9-point text lost 10%. Pages of text drawn as outlines (no image) read the same at 150 and 200.
OCR_DPI = 150
# The rendering policy, part of the OCR cache key.
RENDERING = f"{OCR_DPI} dpi or the scan's own if lower; grayscale"
# PDFium is not thread-safe; rendering is serialised within a process.
PDFIUM_LOCK = threading.Lock()
# A word cut by a hyphen at the end of a line, and the lower-case word the next line starts with.
_HYPHENATED_END = re.compile(r"(?<![\w-])([^\W\d_]+)-\s*$")
_LOWER_START = re.compile(r"\s*([^\W\d_]+)(\S*)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """PDF: the text of each page, in paragraphs, cited by page; scanned pages read by OCR."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    collector = Collector(context.source)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are "encrypted" with an empty user password only to restrict printing.
            reader.decrypt("")
            reader.pages[0]
        except (FileNotDecryptedError, Exception):  # noqa: BLE001 - any failure means we cannot read it
            raise SkipFileError("encrypted (password-protected)") from None
    scans = _Scans(data)
    words: set[str] = set()
    try:
        for number, page in enumerate(reader.pages, 1):
            context.check_time()
            text = page.extract_text() or ""
            if len("".join(text.split())) < MIN_TEXT_CHARS:
                if not context.limits.ocr:
                    collector.drop(None, "page without text layer; OCR is off", f"page {number}")
                else:
                    context.allow_more_time(OCR_SECONDS_PER_PAGE)
                    if scans.read(collector, number):
                        continue
            words.update(_WORD.findall(text.casefold()))
            for _, block in blocks(text.splitlines()):
                collector.add(join_hyphenated(block, words), None, at=Citation(context.source, page=number))
    finally:
        scans.close()
    return collector.result()


def join_hyphenated(lines: list[str], words: set[str]) -> list[str]:
    """The lines with a word hyphenated at a line end made whole again ("identi-" + "cal" -> "identical").

    The hyphen is kept when the document writes the hyphenated form elsewhere ("well-known") and not
    the joined word, and when the next line does not go on in lower case (a name, a number, a list).
    `words` are the document's words so far, case folded.
    """
    out = list(lines)
    for at in range(len(out) - 1):
        head = _HYPHENATED_END.search(out[at])
        tail = _LOWER_START.match(out[at + 1])
        if not head or not tail or not tail.group(1)[0].islower():
            continue
        first, second = head.group(1), tail.group(1)
        joined, compound = (first + second).casefold(), f"{first}-{second}".casefold()
        if compound in words and joined not in words:
            continue
        # The word's trailing punctuation ("cal,") comes along, so no space opens before it.
        out[at] = out[at][: head.start(1)] + first + second + tail.group(2)
        out[at + 1] = out[at + 1][tail.end() :].lstrip()
    return out


class _Scans:
    """The PDF opened with PDFium (on the first scanned page) to render pages for OCR."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.digest = hashlib.sha256(data).hexdigest()
        self.document: Any = None

    def read(self, collector: Collector, number: int) -> bool:
        """OCR page `number` into `collector`; False when it yields no text (or cannot be rendered)."""
        try:
            paragraphs = ocr.read_paragraphs(scan_key(self.digest, number), lambda: self.render(number))
        except Exception as error:  # noqa: BLE001 - one page that cannot be rendered or read must not lose the file
            collector.drop(None, f"OCR failed on this page ({type(error).__name__}: {error})", f"page {number}")
            return False
        ocr.add_paragraphs(collector, paragraphs, Citation(collector.source, page=number, ocr=True))
        return bool(paragraphs)

    def render(self, number: int) -> Image:
        """Page `number` (1-based) as a grayscale image at `OCR_DPI` (or its scan's, if lower), within MAX_SIDE."""
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            if self.document is None:
                self.document = pdfium.PdfDocument(self.data)
            page = self.document[number - 1]
            try:
                return page.render(scale=ocr_scale(page), grayscale=True).to_pil()
            finally:
                page.close()

    def close(self) -> None:
        """Release PDFium's copy of the document."""
        if self.document is not None:
            with PDFIUM_LOCK:
                self.document.close()


def scan_key(digest: str, number: int) -> str:
    """The OCR cache key of page `number` of the PDF whose bytes hash to `digest`."""
    return ocr.cache_key("pdf", digest, number, RENDERING)


def ocr_scale(page: Any) -> float:
    """Pixels per PDF point a scanned page is rendered at for OCR (its OCR boxes are in those pixels)."""
    width, height = page.get_size()
    return min(_render_dpi(page, width * height) / 72, ocr.MAX_SIDE / max(width, height, 1.0))


def _render_dpi(page: Any, page_area: float) -> float:
    """The resolution to render a scanned page at: `OCR_DPI`, or its scan's own if lower."""
    import pypdfium2.raw as pdfium_c

    largest, native = 0.0, 0.0
    for image in islice(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)), 500):
        left, bottom, right, top = image.get_bounds()
        area = (right - left) * (top - bottom)
        pixels = image.get_px_size()
        if area > largest and pixels[0] * pixels[1] > 0:
            # From areas, so an image placed rotated by 90 degrees measures the same.
            largest, native = area, 72 * math.sqrt(pixels[0] * pixels[1] / area)
    if largest < 0.5 * page_area or native <= 0:
        return OCR_DPI
    return min(OCR_DPI, native)
