"""PowerPoint (.pptx): each text box, table row and the speaker notes of a slide, cited by slide number
and slide title.

Slides are numbered 1-based in presentation order (hidden slides included, as PowerPoint numbers
them). The slide's title placeholder titles the slide's passages and is the citation's section; it
is a passage itself only on a slide with no other text (a title-only slide says its title). Every other shape with text (placeholders, text boxes, shapes inside groups) is
one passage, its paragraphs joined, so the bullets of one box stay together; a table is one passage
per data row, `Header: value; Header: value`.

Speaker notes are kept, one passage cited to their slide with the section `<title> (notes)`:
presenters put the explanation there. A short phrase on a slide is content like any other text
(text without words is still dropped). Footer, date
and slide-number placeholders are recorded as dropped; pictures, charts and SmartArt are not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, open_office_package
from askdocs.ingest.formats.tables import TableRows, add_lone_header
from askdocs.records import Citation

_FOOTER_DROPPED = "slide footer, date or number"


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """PowerPoint: slide text boxes, table rows and speaker notes, cited by slide number and title."""
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    presentation = open_office_package(context, data, Presentation, "PowerPoint presentation", PackageNotFoundError)
    collector = Collector(context.source)
    for number, slide in enumerate(presentation.slides, 1):
        context.check_time()
        _read_slide(collector, number, slide)
    return collector.result()


def _read_slide(collector: Collector, number: int, slide: Any) -> None:
    """One slide's shapes' text, tables and speaker notes."""
    from pptx.exc import InvalidXmlError

    # An attribute value the library rejects costs the rest of its slide (or its title or notes), not the deck.
    damaged = (ValueError, KeyError, InvalidXmlError)
    try:
        title_shape = slide.shapes.title
        title = (normalize(title_shape.text_frame.text) or None) if _has_text(title_shape) else None
    except damaged:
        title_shape, title = None, None
    at = Citation(collector.source, section=title, slide=number)
    before = len(collector.passages)
    try:
        for shape in _shapes(slide.shapes):
            if title_shape is None or shape != title_shape:
                _read_shape(collector, shape, title, at)
    except damaged as error:
        collector.drop(None, f"rest of slide {number} not read ({type(error).__name__}: {error})", "")
    if title and len(collector.passages) == before:
        # A slide with nothing but its title says that title: it is the slide's text (issue #25).
        collector.add([title], None, at=at, keep=True)
    try:
        frame = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
    except damaged as error:
        collector.drop(None, f"unreadable speaker notes of slide {number} ({type(error).__name__}: {error})", "")
        frame = None
    if frame is not None:
        section = f"{title} (notes)" if title else "(notes)"
        notes_at = Citation(collector.source, section=section, slide=number)
        _add_text(collector, _frame_lines(frame), section, notes_at)


def _has_text(shape: Any) -> bool:
    return shape is not None and bool(shape.has_text_frame)


def _read_shape(collector: Collector, shape: Any, title: str | None, at: Citation) -> None:
    """One shape's text or table rows; footers are recorded as dropped."""
    if _is_footer(shape):
        text = shape.text_frame.text if shape.has_text_frame else ""
        if normalize(text):
            collector.drop(None, _FOOTER_DROPPED, text)
    elif shape.has_text_frame:
        _add_text(collector, _frame_lines(shape.text_frame), title, at)
    elif shape.has_table:
        _add_table(collector, shape.table, title, at)


def _shapes(shapes: Any) -> Iterator[Any]:
    """Every shape, looking inside groups."""
    for shape in shapes:
        inner = getattr(shape, "shapes", None)
        if inner is not None:
            yield from _shapes(inner)
        else:
            yield shape


def _is_footer(shape: Any) -> bool:
    """Whether a shape is the footer, date or slide-number placeholder (the same on every slide)."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    if not shape.is_placeholder:
        return False
    kind = shape.placeholder_format.type
    return kind in (PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.SLIDE_NUMBER)


def _frame_lines(frame: Any) -> list[str]:
    """A text frame's paragraphs, and the line breaks inside them, as lines."""
    return [line for paragraph in frame.paragraphs for line in paragraph.text.split("\v")]


def _add_text(collector: Collector, lines: list[str], title: str | None, at: Citation) -> None:
    """One text frame as a passage; short phrases are kept (see the module docstring)."""
    joined = normalize(" ".join(lines))
    if not joined:
        return
    collector.add(lines, None, title, at=at)


def _add_table(collector: Collector, table: Any, title: str | None, at: Citation) -> None:
    """A table, one passage per data row with its column headers."""
    rows = TableRows()
    for row in table.rows:
        cells = ["" if cell.is_spanned else cell.text.replace("\v", " ") for cell in row.cells]
        text = rows.text(cells, at)
        if text is not None:
            collector.add([text], None, title, at=at, keep=True)
    add_lone_header(collector, rows, title)
