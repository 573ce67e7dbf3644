"""A cited PDF page as a picture, the answering sentence marked on it (pypdfium2 renders, PIL marks).

The sentence is found in the page's own text layer by its letters and digits only (case, spaces,
punctuation and line-end hyphens ignored), so a sentence the index joined across lines or hyphens is
still found; its characters' boxes are drawn over the rendered page. Rendered pages are cached by the
file's size and modification time, so a changed file is rendered again, never served from the cache.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from askdocs.errors import AskdocsError

# Pixels across a rendered page: sharp enough to read 9-point text, about 150 dpi for A4 or Letter.
PAGE_WIDTH = 1200
# Rendered pages kept (about 0.3 MB each).
CACHED_PAGES = 64
MARK_FILL = (255, 221, 0, 90)
MARK_EDGE = (214, 150, 0, 255)
# PDFium is not thread-safe: one page is opened and rendered at a time in a process.
_PDFIUM_LOCK = threading.Lock()


class PageNotFoundError(AskdocsError):
    """A page number the PDF does not have."""


def page_png(path: Path, number: int, mark: str | None = None) -> bytes:
    """Page `number` (1-based) of the PDF at `path` as a PNG, with `mark` (a sentence) marked where it is."""
    stat = path.stat()
    return _rendered(str(path), stat.st_size, stat.st_mtime_ns, number, mark or "")


@lru_cache(maxsize=CACHED_PAGES)
def _rendered(path: str, size: int, mtime_ns: int, number: int, mark: str) -> bytes:
    """`page_png`, cached by the file's size and mtime (arguments only for the cache key)."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as error:
            raise PageNotFoundError(f"the PDF cannot be opened any more ({error})") from None
        try:
            if not 1 <= number <= len(document):
                raise PageNotFoundError(f"the PDF has {len(document)} page(s), not a page {number}")
            page = document[number - 1]
            width, height = page.get_size()
            scale = PAGE_WIDTH / max(width, 1.0)
            image = page.render(scale=scale).to_pil().convert("RGB")
            boxes = _sentence_boxes(page, mark) if mark else []
        finally:
            document.close()
    draw = ImageDraw.Draw(image, "RGBA")
    for left, bottom, right, top in boxes:
        draw.rectangle(
            [left * scale - 2, (height - top) * scale - 2, right * scale + 2, (height - bottom) * scale + 2],
            fill=MARK_FILL,
            outline=MARK_EDGE,
        )
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def _folded(text: str) -> tuple[str, list[int]]:
    """The text's letters and digits, case folded (NFKC), with the index each came from."""
    letters: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKC", char).casefold():
            if part.isalnum():
                letters.append(part)
                where.append(index)
    return "".join(letters), where


def _sentence_boxes(page: object, sentence: str) -> list[tuple[float, float, float, float]]:
    """The boxes (PDF points) of the characters of `sentence` on the page; none when it is not there."""
    text_page = page.get_textpage()  # type: ignore[attr-defined]
    try:
        count = text_page.count_chars()
        folded, where = _folded(text_page.get_text_range(0, count))
        wanted, _ = _folded(sentence)
        at = folded.find(wanted) if wanted else -1
        if at < 0:
            return []
        first, last = where[at], where[at + len(wanted) - 1]
        rects = text_page.count_rects(first, last - first + 1)
        return [text_page.get_rect(i) for i in range(rects)]
    finally:
        text_page.close()
