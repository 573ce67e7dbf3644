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

Lines read with a confidence below `MIN_CONFIDENCE` (0.6) are dropped. On heavily degraded scans
(blurred, noisy, JPEG quality 25) the lines that were partly right scored 0.64 and up, specks read as
single characters 0.16-0.46 and the one unreadable line 0.51; a photo of a circuit board gave its
labels 0.65 and up and its specks 0.37-0.46. A threshold of 0.8 would have lost 20-35% of the words
recovered from those scans.

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
import re
import statistics
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askdocs.ingest.formats.base import Collector
from askdocs.records import Citation

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

# Lines read with less confidence are dropped (see above for why 0.6).
MIN_CONFIDENCE = 0.6
# No image reaches the engine with a longer side than this (larger ones are scaled down first): a
# 150-dpi A3 page fits, and detection time grows with the pixel count.
MAX_SIDE = 4096
# Layout, in multiples of the page's median box height (one text line). A gap between two lines
# wider than the page's usual one by more than this starts a paragraph (measured: the lines of a
# paragraph within 0.1 of the usual gap, paragraphs and list items 0.25 to 1.0 wider).
PARAGRAPH_GAP = 0.3
# A box at least this wide is a line of running text, which marks the columns of a multi-column page.
PROSE_WIDTH = 8.0
# A column needs at least this many lines of running text; fewer means a table or a margin note.
MIN_COLUMN_LINES = 3
# A single line of at most this many words, without closing punctuation and not smaller than the
# body text, is a heading: it titles the paragraphs after it on the page.
HEADING_WORDS = 8
# The recogniser's input height (PP-OCRv4), to which smaller lines are enlarged, at most `MAX_ENLARGE` times.
REC_HEIGHT = 48
MAX_ENLARGE = 4.0
# Images whose pixels differ by less than this are blank: no OCR.
BLANK_RANGE = 24

_ENGINE_LOCK = threading.Lock()
_ENGINE: Any = None
_CACHE_WARNED = threading.Event()
_SENTENCE_END = re.compile(r"[.!?;:,]$")
_HYPHENATED = re.compile(r"[^\W\d_]-$")


@dataclass(frozen=True)
class TextBox:
    """One run of text the engine read, with its confidence and bounding box in pixels."""

    text: str
    confidence: float
    left: float
    top: float
    right: float
    bottom: float

    @property
    def height(self) -> float:
        """Box height in pixels."""
        return self.bottom - self.top


@dataclass(frozen=True)
class Paragraph:
    """A paragraph read by OCR, and the heading above it on the page if any."""

    text: str
    heading: str | None = None


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
                # Every box comes back; `MIN_CONFIDENCE` is applied after the cache, so it can change
                # without reading a page again.
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


# Layout --------------------------------------------------------------------------------------------


def layout(boxes: list[TextBox]) -> list[Paragraph]:
    """Confident boxes as paragraphs in reading order: columns left to right between full-width
    lines, lines by vertical overlap, paragraphs split where lines are further apart than usual."""
    kept = [b for b in boxes if b.confidence >= MIN_CONFIDENCE and b.text.strip()]
    if not kept:
        return []
    line_height = statistics.median(b.height for b in kept) or 1.0
    regions = [_lines(region) for region in _regions(kept, line_height)]
    gaps = [gap for lines in regions for gap in _gaps(lines) if gap < 2 * line_height]
    # The usual gap between the lines of a paragraph on this page (its lower quartile, as most gaps
    # may be between paragraphs); it depends on the line spacing.
    usual = statistics.quantiles(gaps, n=4)[0] if len(gaps) >= 2 else 0.0
    paragraphs: list[list[list[TextBox]]] = []
    for lines in regions:
        paragraphs.extend(_paragraphs(lines, usual + PARAGRAPH_GAP * line_height))
    return _with_headings(paragraphs, line_height)


def _gaps(lines: list[list[TextBox]]) -> list[float]:
    """The vertical gap between each line and the one before it."""
    return [min(b.top for b in line) - max(b.bottom for b in above) for above, line in pairwise(lines)]


def _regions(boxes: list[TextBox], line_height: float) -> list[list[TextBox]]:
    """The boxes in reading-order groups: each column of a multi-column stretch, then the next."""
    gutters = _gutters(boxes, line_height)
    if not gutters:
        return [boxes]
    edges = [float("-inf"), *gutters, float("inf")]

    def column(box: TextBox) -> int | None:
        for index in range(len(edges) - 1):
            if edges[index] <= box.left and box.right <= edges[index + 1]:
                return index
        return None  # crosses a gutter: a full-width heading or figure caption

    regions: list[list[TextBox]] = []
    columns: list[list[TextBox]] = [[] for _ in range(len(edges) - 1)]
    for box in sorted(boxes, key=lambda b: b.top):
        index = column(box)
        if index is None:
            regions.extend(c for c in columns if c)
            columns = [[] for _ in columns]
            regions.append([box])
        else:
            columns[index].append(box)
    regions.extend(c for c in columns if c)
    return regions


def _gutters(boxes: list[TextBox], line_height: float) -> list[float]:
    """x positions of the gaps between columns of running text (none on a single-column page).

    A gutter is an x range that almost no line of running text crosses (full-width lines such as a
    title may), with at least `MIN_COLUMN_LINES` lines of running text on each side.
    """
    prose = [b for b in boxes if b.right - b.left >= PROSE_WIDTH * line_height]
    if len(prose) < 2 * MIN_COLUMN_LINES:
        return []
    step = max(1.0, line_height / 2)
    start = min(b.left for b in prose)
    count = int((max(b.right for b in prose) - start) / step) + 1
    cover = [0] * count
    for b in prose:
        for i in range(int((b.left - start) / step), min(count, int((b.right - start) / step) + 1)):
            cover[i] += 1
    crossing = max(1, len(prose) // 10)
    gaps: list[float] = []
    i = 0
    while i < count:
        if cover[i] > crossing:
            i += 1
            continue
        j = i
        while j < count and cover[j] <= crossing:
            j += 1
        gaps.append(start + (i + j) / 2 * step)
        i = j
    gutters: list[float] = []
    for x in gaps:
        left = [b for b in prose if b.right <= x and (not gutters or b.left >= gutters[-1])]
        right = [b for b in prose if b.left >= x]
        if len(left) >= MIN_COLUMN_LINES and len(right) >= MIN_COLUMN_LINES:
            gutters.append(x)
    return gutters


def _lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into lines: a box joins the line above when they overlap vertically by at
    least half the smaller height; each line left to right."""
    lines: list[list[TextBox]] = []
    top = bottom = 0.0
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        if lines:
            overlap = min(bottom, box.bottom) - max(top, box.top)
            if overlap >= 0.5 * min(bottom - top, box.height):
                lines[-1].append(box)
                bottom = max(bottom, box.bottom)
                continue
        lines.append([box])
        top, bottom = box.top, box.bottom
    return [sorted(line, key=lambda b: b.left) for line in lines]


def _paragraphs(lines: list[list[TextBox]], widest: float) -> list[list[list[TextBox]]]:
    """Lines grouped into paragraphs, split where the gap to the line above is wider than `widest`."""
    paragraphs: list[list[list[TextBox]]] = [[lines[0]]] if lines else []
    for line, gap in zip(lines[1:], _gaps(lines)):
        if gap > widest:
            paragraphs.append([])
        paragraphs[-1].append(line)
    return paragraphs


def _join(lines: list[list[TextBox]]) -> str:
    """A paragraph's text: its lines joined, words hyphenated across a line break mended."""
    text = ""
    for line in lines:
        part = " ".join(b.text.strip() for b in line)
        if _HYPHENATED.search(text) and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}" if text else part
    return text


def _with_headings(paragraphs: list[list[list[TextBox]]], line_height: float) -> list[Paragraph]:
    """The paragraphs' text, each titled by the last heading-like line before it on the page."""
    out: list[Paragraph] = []
    heading: str | None = None
    for lines in paragraphs:
        text = _join(lines)
        out.append(Paragraph(text, heading))
        height = statistics.median(b.height for line in lines for b in line)
        if (
            len(lines) == 1
            and len(text.split()) <= HEADING_WORDS
            and not _SENTENCE_END.search(text)
            and any(c.isalpha() for c in text)
            and height >= line_height
        ):
            heading = text
    return out
