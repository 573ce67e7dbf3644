"""A cited image (a photo, a scan, a TIFF page) with the OCR line boxes of the answering sentence
marked: the boxes its ingest read, from the OCR cache (read again only when the cache lacks them),
drawn on the same decoded frame they were read from, then scaled to the viewer's width."""

from __future__ import annotations

import hashlib
import io
import warnings
from functools import lru_cache
from pathlib import Path

from askdocs.serve.viewer.marking import lines_holding
from askdocs.serve.viewer.pdf_page import PAGE_WIDTH, RenderedPage, marked_png
from askdocs.serve.viewer.views import ViewUnavailableError

CACHED_IMAGES = 16


class ImageUnreadableError(ViewUnavailableError):
    """An image the viewer cannot decode (any more), or a page a multi-page TIFF does not have."""


def image_with_mark(path: Path, page: int | None, mark: str | None) -> RenderedPage:
    """The image (page `page` of a multi-page TIFF) as a PNG, the OCR lines holding `mark` marked."""
    stat = path.stat()
    return _image_with_mark(str(path), stat.st_size, stat.st_mtime_ns, page, mark or "")


@lru_cache(maxsize=CACHED_IMAGES)
def _image_with_mark(path: str, size: int, mtime_ns: int, page: int | None, mark: str) -> RenderedPage:
    """`image_with_mark`, cached by the file's size and mtime (arguments only for the cache key)."""
    from PIL import Image as PILImage

    from askdocs.ingest.formats import ocr
    from askdocs.ingest.formats.images import decoded, image_key
    from askdocs.ingest.formats.ocr_layout import MIN_CONFIDENCE

    data = Path(path).read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
            index = (page or 1) - 1
            if not 0 <= index < frames:
                raise ImageUnreadableError(f"the image has {frames} page(s), not a page {page}")
            image.seek(index)
            frame = decoded(image, frames)
    except (
        OSError,
        ValueError,
        SyntaxError,
        PILImage.DecompressionBombWarning,
        PILImage.DecompressionBombError,
    ) as error:
        raise ImageUnreadableError(f"the image cannot be read any more ({error})") from None
    boxes = []
    if mark:
        found = ocr.read_boxes(image_key(hashlib.sha256(data).hexdigest(), index), lambda: frame)
        boxes = lines_holding(found, mark, MIN_CONFIDENCE)
    scale = min(1.0, PAGE_WIDTH / max(frame.width, 1))
    shown = (
        frame.resize((max(1, round(frame.width * scale)), max(1, round(frame.height * scale)))) if scale < 1 else frame
    )
    pixels = [(b.left * scale, b.top * scale, b.right * scale, b.bottom * scale) for b in boxes]
    return RenderedPage(marked_png(shown.convert("RGB"), pixels), bool(boxes), frames)
