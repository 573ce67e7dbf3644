"""OCR for scanned PDF pages and image files: RapidOCR (PP-OCRv4 detection and recognition on ONNX
Runtime, models shipped in the rapidocr-onnxruntime wheel, nothing downloaded), boxes laid out as
lines and paragraphs in reading order.

The engine is loaded once per process, on first use. It runs without the per-line angle classifier:
that classifier turned long upright lines upside down and read them as garbage ("nn", "ssssaed") on
real pages; pages and photos are upright in practice. ONNX Runtime gets `OMP_NUM_THREADS` threads
if that is set (Ray sets it per worker), else one per available core up to 4.

Lines are found on the whole image and read one at a time, each enlarged (bicubic) to the
recogniser's 48-pixel input height first: read the engine's own way (in batches, small lines
stretched linearly), JPEG-compressed text lost most of the spaces between its words.

The boxes are laid out as paragraphs, and those read with too little confidence dropped, by
`ocr_layout`.

Results are cached on disk, because an incremental re-ingest re-reads every file of a changed corpus
and OCR costs seconds a page. An entry holds the engine's raw boxes (text, confidence, position) for
one page or image, keyed by the sha256 of the file's bytes, the page or frame, how a PDF page is
rendered and `engine_version()`, so a change of engine version or settings misses instead of reusing;
the confidence threshold and the layout apply after the cache. Entries
live in `$ASKDOCS_CACHE/ocr` if that variable is set, else `~/.cache/askdocs/ocr` (or
`$XDG_CACHE_HOME/askdocs/ocr`), one small JSON file each; they are written atomically (a temporary
file, then `os.replace`), a corrupt or unreadable entry is ignored and rewritten, and nothing evicts
them (delete the folder to reclaim the space). Without a writable cache OCR still works, uncached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askdocs.ingest.formats.base import Collector
from askdocs.ingest.formats.ocr_layout import Paragraph, TextBox, layout
from askdocs.records import Citation

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

# No image reaches the engine with a longer side than this (larger ones are scaled down first): a
# 150-dpi A3 page fits, and detection time grows with the pixel count.
MAX_SIDE = 4096
# The recogniser's input height (PP-OCRv4), to which smaller lines are enlarged, at most `MAX_ENLARGE` times.
REC_HEIGHT = 48
MAX_ENLARGE = 4.0
# Images whose pixels differ by less than this are blank: no OCR.
BLANK_RANGE = 24

_ENGINE_LOCK = threading.Lock()
_ENGINE: Any = None
_CACHE_WARNED = threading.Event()


@cache
def engine_version() -> str:
    """The engine and the settings that decide what it reads; part of every cache key."""
    from importlib.metadata import version

    return (
        f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}, PP-OCRv4 det+rec, "
        f"no angle classifier, max side {MAX_SIDE}, lines read one by one enlarged to {REC_HEIGHT} px"
    )


def _threads() -> int:
    """ONNX Runtime threads: OMP_NUM_THREADS if set, else the available cores up to 4."""
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _engine() -> Any:
    """The RapidOCR engine, loaded on first use and kept for the process."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            from rapidocr_onnxruntime import RapidOCR

            threads = _threads()
            _ENGINE = RapidOCR(
                use_cls=False,
                intra_op_num_threads=threads,
                inter_op_num_threads=1,
                max_side_len=MAX_SIDE,
                # Every box comes back; `ocr_layout.MIN_CONFIDENCE` is applied after the cache, so it
                # can change without reading a page again.
                text_score=0.0,
            )
            # RapidOCR's loggers print at DEBUG level through handlers of their own.
            for name in ("RapidOCR", "OrtInferSession"):
                logging.getLogger(name).setLevel(logging.WARNING)
            logger.info("loaded %s with %d threads", engine_version(), threads)
        return _ENGINE


def fit(image: Image) -> Image:
    """`image` as RGB, on white where it was transparent, no side longer than `MAX_SIDE`."""
    from PIL import Image as PILImage

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = PILImage.new("RGBA", rgba.size, "white")
        white.alpha_composite(rgba)
        image = white
    elif image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # 16-bit and float scans: stretched to 8 bits, since convert() clips everything above 255 to white.
        image = image.convert("F")
        low, high = image.getextrema()  # type: ignore[misc]
        span = (high - low) or 1
        image = image.point(lambda value: (value - low) * 255 / span).convert("L")
    image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def recognize(image: Image) -> list[TextBox]:
    """Every box the engine reads on `image` (no confidence threshold applied).

    Lines are found on the whole image, then read one by one, each enlarged first (bicubic) to the
    recogniser's input height if it is smaller: read as the engine reads them (batched, small lines
    stretched by a plain linear resize), JPEG-compressed text lost most of the spaces between words.
    """
    import cv2
    import numpy as np

    image = fit(image)
    low, high = image.convert("L").getextrema()  # type: ignore[misc]
    if high - low < BLANK_RANGE:
        return []
    engine = _engine()
    bgr = np.asarray(image)[:, :, ::-1].copy()
    found, _ = engine(bgr, use_cls=False, use_rec=False)
    quads = [np.array(quad, dtype=np.float32) for quad in found or []]
    boxes: list[TextBox] = []
    for quad, crop in zip(quads, engine.get_crop_img_list(bgr, quads), strict=True):
        if 0 < crop.shape[0] < REC_HEIGHT:
            scale = min(MAX_ENLARGE, REC_HEIGHT / crop.shape[0])
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        result, _ = engine(crop, use_det=False, use_cls=False, use_rec=True)
        if not result:
            continue
        text, confidence = result[0]
        xs, ys = quad[:, 0], quad[:, 1]
        boxes.append(
            TextBox(str(text), float(confidence), float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
        )
    return boxes


def cache_key(*parts: object) -> str:
    """The cache key of one page or image: the engine and whatever identifies the pixels."""
    return hashlib.sha256(json.dumps([engine_version(), *map(str, parts)]).encode()).hexdigest()


def cache_dir() -> Path:
    """Where OCR results are kept: $ASKDOCS_CACHE/ocr, else the user's cache folder."""
    if os.environ.get("ASKDOCS_CACHE"):
        return Path(os.environ["ASKDOCS_CACHE"]) / "ocr"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "askdocs" / "ocr"


def _entry_path(key: str) -> Path:
    return cache_dir() / key[:2] / f"{key}.json"


def _load_entry(key: str) -> list[TextBox] | None:
    """The cached boxes for `key`, or None when absent, unreadable or corrupt."""
    try:
        data = json.loads(_entry_path(key).read_text(encoding="utf-8"))
        if data["engine"] != engine_version():
            return None
        return [
            TextBox(str(t), float(c), float(x0), float(y0), float(x1), float(y1))
            for t, c, x0, y0, x1, y1 in data["boxes"]
        ]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.info("ignoring corrupt OCR cache entry %s: %s", key, error)
        return None


def _store_entry(key: str, boxes: list[TextBox]) -> None:
    """Write an entry atomically (a temporary file, then a rename)."""
    path = _entry_path(key)
    rows = [[b.text, b.confidence, b.left, b.top, b.right, b.bottom] for b in boxes]
    payload = json.dumps({"engine": engine_version(), "boxes": rows}, ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError as error:
        _uncached(error)
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(payload)
        os.replace(temporary, path)
    except OSError as error:
        _uncached(error)
        with suppress(OSError):
            Path(temporary).unlink()


def _uncached(error: OSError) -> None:
    """Say once per process that the cache cannot be written; OCR goes on without it."""
    if not _CACHE_WARNED.is_set():
        _CACHE_WARNED.set()
        logger.warning("OCR results are not cached (%s): %s", cache_dir(), error)


def read_boxes(key: str, render: Callable[[], Image]) -> list[TextBox]:
    """The boxes of one page or image: from the cache, or rendered with `render`, read and cached."""
    cached = _load_entry(key)
    if cached is not None:
        return cached
    boxes = recognize(render())
    _store_entry(key, boxes)
    return boxes


def read_paragraphs(key: str, render: Callable[[], Image]) -> list[Paragraph]:
    """The paragraphs of one page or image in reading order (see `read_boxes` and `layout`)."""
    return layout(read_boxes(key, render))


def add_paragraphs(collector: Collector, paragraphs: list[Paragraph], at: Citation) -> None:
    """One passage per paragraph, cited at `at` (which marks OCR), titled by its heading."""
    for paragraph in paragraphs:
        collector.add([paragraph.text], None, paragraph.heading, at=at)
