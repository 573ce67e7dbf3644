"""A cited PDF page as a picture with the answering sentence marked (pypdfium2 renders, PIL marks).

The sentence is found by its letters and digits only (`marking`), so a sentence the index joined
across lines or hyphens is still found: in the page's text layer, whose characters' boxes are drawn,
or on a scanned page (cited as OCR) in the OCR line boxes its ingest read, taken from the OCR cache
(read again only when the cache lacks them). Rendered pages are cached by the file's size and
modification time, so a changed file is rendered again, never served from the cache.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from askdocs.serve.viewer.marking import letters_span, lines_holding
from askdocs.serve.viewer.views import ViewUnavailableError

# Pixels across a rendered page: sharp enough to read 9-point text, about 150 dpi for A4 or Letter.
PAGE_WIDTH = 1200
# Rendered pages kept (about 0.3 MB each).
CACHED_PAGES = 64
MARK_FILL = (255, 221, 0, 90)
MARK_EDGE = (214, 150, 0, 255)

Box = tuple[float, float, float, float]


class PageNotFoundError(ViewUnavailableError):
    """A page number the PDF does not have, or a PDF that cannot be opened any more."""


@dataclass(frozen=True)
class RenderedPage:
    """One page as a PNG, whether the sentence was found and marked on it, and the PDF's page count."""

    png: bytes
    marked: bool
    pages: int


def rendered_page(path: Path, number: int, mark: str | None = None, scanned: bool = False) -> RenderedPage:
    """Page `number` (1-based) of the PDF at `path`, `mark` (a sentence) marked where it is, with whether
    it was found and the page count; `scanned` looks for it in the page's OCR boxes."""
    stat = path.stat()
    return _rendered(str(path), stat.st_size, stat.st_mtime_ns, number, mark or "", scanned)


@lru_cache(maxsize=CACHED_PAGES)
def _rendered(path: str, size: int, mtime_ns: int, number: int, mark: str, scanned: bool) -> RenderedPage:
    """`rendered_page`, cached by the file's size and mtime (arguments only for the cache key)."""
    import pypdfium2 as pdfium

    # PDFium is not thread-safe: the page shares ingest's lock (a page server also ingests uploads).
    from askdocs.ingest.formats.pdf import PDFIUM_LOCK

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as error:
            raise PageNotFoundError(f"the PDF cannot be opened any more ({error})") from None
        try:
            pages = len(document)
            if not 1 <= number <= pages:
                raise PageNotFoundError(f"the PDF has {pages} page(s), not a page {number}")
            page = document[number - 1]
            width, height = page.get_size()
            scale = PAGE_WIDTH / max(width, 1.0)
            image = page.render(scale=scale).to_pil().convert("RGB")
            boxes = _text_layer_boxes(page, mark) if mark else []
            if mark and scanned and not boxes:
                boxes = _scan_boxes(path, page, number, mark)
        finally:
            document.close()
    # PDF points, origin bottom left, to the picture's pixels, origin top left.
    pixels = [
        (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
        for left, bottom, right, top in boxes
    ]
    return RenderedPage(marked_png(image, pixels), bool(boxes), pages)


def marked_png(image: Any, boxes: list[Box]) -> bytes:
    """`image` (PIL, RGB) as a PNG with each (left, top, right, bottom) pixel box drawn over it."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image, "RGBA")
    for left, top, right, bottom in boxes:
        draw.rectangle([left - 2, top - 2, right + 2, bottom + 2], fill=MARK_FILL, outline=MARK_EDGE)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def _text_layer_boxes(page: Any, sentence: str) -> list[Box]:
    """The boxes (PDF points: left, bottom, right, top) of the sentence's characters in the text layer."""
    text_page = page.get_textpage()
    try:
        found = letters_span(text_page.get_text_range(0, text_page.count_chars()), sentence)
        if found is None:
            return []
        first, last = found
        rects = text_page.count_rects(first, last - first + 1)
        return [text_page.get_rect(i) for i in range(rects)]
    finally:
        text_page.close()


def _scan_boxes(path: str, page: Any, number: int, sentence: str) -> list[Box]:
    """The OCR line boxes (PDF points) holding the sentence on a scanned page, as its ingest read them."""
    from askdocs.ingest.formats import ocr
    from askdocs.ingest.formats.ocr_layout import MIN_CONFIDENCE
    from askdocs.ingest.formats.pdf import ocr_scale, scan_key

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    scale = ocr_scale(page)
    found = ocr.read_boxes(scan_key(digest, number), lambda: page.render(scale=scale, grayscale=True).to_pil())
    height = page.get_size()[1]
    held = lines_holding(found, sentence, MIN_CONFIDENCE)
    return [(b.left / scale, height - b.bottom / scale, b.right / scale, height - b.top / scale) for b in held]
