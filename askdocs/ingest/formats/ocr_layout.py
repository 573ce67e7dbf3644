"""The layout of OCR boxes on a page or image: confident boxes grouped into lines, lines into
columns (left to right between full-width lines) and paragraphs (split where lines are further apart
than usual), each paragraph titled by the heading-like line before it. It applies after the OCR
cache, so a change here needs no page read again.

Lines read with a confidence below `MIN_CONFIDENCE` (0.6) are dropped. On heavily degraded scans
(blurred, noisy, JPEG quality 25) the lines that were partly right scored 0.64 and up, specks read as
single characters 0.16-0.46 and the one unreadable line 0.51; a photo of a circuit board gave its
labels 0.65 and up and its specks 0.37-0.46. A threshold of 0.8 would have lost 20-35% of the words
recovered from those scans.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from itertools import pairwise

# Lines read with less confidence are dropped (see above for why 0.6).
MIN_CONFIDENCE = 0.6
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
