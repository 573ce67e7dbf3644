"""OpenDocument presentations (.odp): one passage per slide and one for its speaker notes.

Rules (as for .pptx): slides are numbered by their draw:page's position (1-based), as the
application shows them. A slide's title is its title placeholder (presentation:class="title"), else
the page's name; it is the citation's section and titles the slide's passages, and is a passage
itself only on a slide with no other text. Every other frame or shape with text (inside groups too)
is one passage, its paragraphs joined; a table is one passage per data row ("Header: value; ...").
Speaker notes are kept, cited to their slide with section "<title> (notes)". A short phrase on a
slide is content like any other text. Header, footer,
date and page-number placeholders are recorded as dropped; images and master pages are not read.
"""

from __future__ import annotations

from typing import Any

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile
from askdocs.ingest.formats.opendocument_tables import row_text, table_rows
from askdocs.ingest.formats.opendocument_xml import DRAW, PRESENTATION, attribute, elements, frame_lines
from askdocs.ingest.formats.tables import TableRows, add_lone_header
from askdocs.records import Citation

# Placeholders the application fills in on every slide: not the slide's content.
_REPEATED = {"header", "footer", "date-time", "page-number"}
_FOOTER_DROPPED = "slide header, footer, date or number"


def _placeholder(element: Any) -> str | None:
    """The presentation:class of a frame ("title", "outline", "notes", ...), or None."""
    return attribute(element, PRESENTATION, "class")


def slide_title(page: Any) -> str | None:
    """The text of a slide's title placeholder, else the page's name."""
    for child in elements(page):
        if _placeholder(child) == "title":
            title = normalize(" ".join(frame_lines(child)))
            if title:
                return title
    return attribute(page, DRAW, "name") or None


def _shapes(container: Any) -> list[Any]:
    """The frames and shapes of a page or notes page, looking inside groups."""
    shapes: list[Any] = []
    for child in elements(container):
        if child.qname == (DRAW, "g"):
            shapes.extend(_shapes(child))
        elif child.qname[0] == DRAW and child.qname != (DRAW, "page-thumbnail"):
            shapes.append(child)
    return shapes


def _add_text(collector: Collector, lines: list[str], title: str | None, at: Citation) -> None:
    """One frame's text as a passage; short phrases are kept (see the module docstring)."""
    joined = normalize(" ".join(lines))
    if joined:
        collector.add(lines, None, title, at=at)


def _add_table(collector: Collector, element: Any, title: str | None, at: Citation) -> None:
    """A table on a slide, one passage per data row with its column headers."""
    table = TableRows()
    for row in table_rows(element):
        text = row_text(table, row, at)
        if text is not None:
            collector.add([text], None, title, at=at, keep=True)
    add_lone_header(collector, table, title)


def _read_slide(collector: Collector, number: int, page: Any) -> None:
    """One draw:page: a passage per frame, its tables by row, its notes as another passage."""
    source = collector.source
    title = slide_title(page)
    at = Citation(source, slide=number, section=title)
    before = len(collector.passages)
    for shape in _shapes(page):
        placeholder = _placeholder(shape)
        if placeholder == "title":
            continue
        tables: list[Any] = []
        lines = frame_lines(shape, tables)
        if placeholder in _REPEATED:
            if normalize(" ".join(lines)):
                collector.drop(None, _FOOTER_DROPPED, " ".join(lines))
            continue
        _add_text(collector, lines, title, at)
        for table in tables:
            _add_table(collector, table, title, at)
    if len(collector.passages) == before and title:
        _add_text(collector, [title], title, at)
    section = f"{title} (notes)" if title else "(notes)"
    for notes in elements(page):
        if notes.qname == (PRESENTATION, "notes"):
            lines = [line for shape in _shapes(notes) for line in frame_lines(shape)]
            _add_text(collector, lines, section, Citation(source, slide=number, section=section))


def read_presentation(context: ParseContext, body: Any) -> ParsedFile:
    """An office:presentation body, slide by slide."""
    collector = Collector(context.source)
    pages = (element for element in elements(body) if element.qname == (DRAW, "page"))
    for number, page in enumerate(pages, 1):
        context.check_time()
        _read_slide(collector, number, page)
    return collector.result()
