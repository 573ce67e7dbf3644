"""Images (.png, .jpg, .jpeg, .tif, .tiff): read by OCR, one passage per paragraph, marked OCR; each
page of a multi-page TIFF is cited by its number."""

from __future__ import annotations

import hashlib
import io
import warnings
from functools import partial
from typing import TYPE_CHECKING

from askdocs.ingest.formats import ocr
from askdocs.ingest.formats.base import OCR_SECONDS_PER_PAGE, Collector, ParseContext, ParsedFile, SkipFileError
from askdocs.records import Citation

if TYPE_CHECKING:
    from PIL.Image import Image

# Pixels one image (or TIFF page) may have: a 600-dpi A3 scan has 70 million. The limit is checked
# from the header, before decoding, so a small file declaring a huge canvas (a decompression bomb)
# is skipped without allocating it; it is below Pillow's own warning threshold (89 million).
MAX_PIXELS = 80_000_000


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An image's text by OCR; a multi-page TIFF page by page."""
    if not context.limits.ocr:
        raise SkipFileError("OCR is off (--no-ocr)")
    from PIL import Image as PILImage

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
    except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError) as error:
        raise SkipFileError(f"more pixels than the {MAX_PIXELS:,}-pixel limit ({error})") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise SkipFileError(f"not a readable image ({error})") from None
    collector = Collector(context.source)
    digest = hashlib.sha256(data).hexdigest()
    # Only TIFF pages are pages; the other frames of an animated PNG are not read.
    frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
    for index in range(frames):
        context.check_time()
        context.allow_more_time(OCR_SECONDS_PER_PAGE)
        page = index + 1 if frames > 1 else None
        try:
            image.seek(index)
            frame = _checked(image, page)
            paragraphs = ocr.read_paragraphs(image_key(digest, index), partial(decoded, frame, frames))
        except SkipFileError:
            raise
        except (OSError, ValueError, SyntaxError) as error:
            if frames == 1:
                raise SkipFileError(f"image could not be decoded ({error})") from None
            collector.drop(None, f"page could not be decoded ({error})", f"page {page}")
            continue
        ocr.add_paragraphs(collector, paragraphs, Citation(context.source, page=page, ocr=True))
    return collector.result()


def image_key(digest: str, frame: int) -> str:
    """The OCR cache key of frame `frame` (0-based) of the image whose bytes hash to `digest`."""
    return ocr.cache_key("image", digest, frame)


def _checked(image: Image, page: int | None) -> Image:
    """`image` (its current frame), or `SkipFileError` when it has more pixels than allowed."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        where = f"page {page} is" if page else "it is"
        raise SkipFileError(f"{where} {width:,}x{height:,} pixels, more than the {MAX_PIXELS:,}-pixel limit")
    return image


def decoded(image: Image, frames: int) -> Image:
    """The current frame decoded, upright (EXIF orientation) and scaled down to fit the OCR engine."""
    from PIL import ImageOps

    # A multi-page TIFF is copied so scaling does not change the file's own frames.
    frame = image.copy() if frames > 1 else image
    if max(frame.size) > ocr.MAX_SIDE:
        # Before decoding, so a large JPEG is decoded at a reduced scale (Pillow's draft mode).
        frame.thumbnail((ocr.MAX_SIDE, ocr.MAX_SIDE))
    return ocr.fit(ImageOps.exif_transpose(frame))
