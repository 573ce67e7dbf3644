"""Word (.docx): body paragraphs and table rows, titled and cited by their heading path and paragraph number.

Paragraph numbers count the body's blocks in document order, 1-based: every paragraph with text
(headings and table-of-contents lines included) is one, and every table row with text is one (a
table's header row too; a nested table's text belongs to its cell). Empty paragraphs and rows are
not counted, because a reader counting down the page does not see them. Text in content controls is
read in place; a text box's text joins the paragraph it is anchored to.

Headings (the Title style, Heading 1-9, or any style or paragraph with an outline level) are not
passages: they title the passages of their section (`Title > Heading 1 > Heading 2`), which is also
the citation's section. Table rows read `Header: value; Header: value` (see `tables.TableRows`).

Left out: page headers and footers (they repeat on every page: page numbers, company names) and
tables of contents, both recorded as dropped; images, footnotes, endnotes, comments and deleted
tracked changes. The text of paragraphs, tables and headers is taken from the XML by `docx_xml`.
"""

from __future__ import annotations

import re
from typing import Any

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import (
    Collector,
    ParseContext,
    ParsedFile,
    heading_path,
    open_heading,
    open_office_package,
)
from askdocs.ingest.formats.docx_xml import PARAGRAPH, VAL, W, body_blocks, flat_text, paragraph_text, table_cells
from askdocs.ingest.formats.tables import TableRows, add_lone_header, is_empty
from askdocs.records import Citation

_HEADING = re.compile(r"heading ([1-9])")
_TOC_STYLE = re.compile(r"toc( heading| [1-9])?")
# Blocks between time checks.
_BATCH = 200
_HEADER_FOOTER = "page header or footer (repeats on every page)"


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """Word: body paragraphs and table rows under their heading path, cited by paragraph number."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    document = open_office_package(context, data, docx.Document, "Word document", PackageNotFoundError)
    collector = Collector(context.source)
    _drop_headers_and_footers(document, collector)
    levels, names = _paragraph_styles(document)
    _Body(context, collector, levels, names).read(document.element.body)
    return collector.result()


class _Body:
    """Walks the body's blocks in order, keeping the open headings and the paragraph count."""

    def __init__(
        self, context: ParseContext, collector: Collector, levels: dict[str, int | None], names: dict[str, str]
    ) -> None:
        self.context = context
        self.collector = collector
        self.levels = levels
        self.names = names
        self.headings: list[tuple[int, str]] = []
        self.number = 0

    def read(self, body: Any) -> None:
        """Read every paragraph and table of the body."""
        for count, (block, in_contents) in enumerate(body_blocks(body)):
            if count % _BATCH == 0:
                self.context.check_time()
            if block.tag == PARAGRAPH:
                self._paragraph(block, in_contents)
            else:
                self._table(block)

    def _paragraph(self, p: Any, in_contents: bool) -> None:
        text = paragraph_text(p)
        if not normalize(text):
            return
        self.number += 1
        style = self._style_name(p)
        if in_contents or (style is not None and _TOC_STYLE.fullmatch(style)):
            self.collector.drop(None, "table of contents", text)
            return
        level = self._heading_level(p)
        if level is not None:
            self.headings = open_heading(self.headings, level, normalize(text))
            return
        title = heading_path(self.headings)
        at = Citation(self.collector.source, section=title, paragraph=self.number)
        self.collector.add(text.splitlines(), None, title, at=at)

    def _table(self, tbl: Any) -> None:
        title = heading_path(self.headings)
        table = TableRows()
        for count, cells in enumerate(table_cells(tbl), 1):
            if count % _BATCH == 0:
                self.context.check_time()
            if is_empty(cells):
                continue
            self.number += 1
            at = Citation(self.collector.source, section=title, paragraph=self.number)
            row_text = table.text(cells, at)
            if row_text is not None:
                self.collector.add([row_text], None, title, at=at, keep=True)
        add_lone_header(self.collector, table, title)

    def _heading_level(self, p: Any) -> int | None:
        """The heading level of a paragraph (0 for Title), or None for body text."""
        ppr = p.find(f"{W}pPr")
        if ppr is not None:
            outline = ppr.find(f"{W}outlineLvl")
            if outline is not None:
                return _outline_level(outline)
            style = ppr.find(f"{W}pStyle")
            if style is not None:
                return self.levels.get(style.get(VAL, ""))
        return None

    def _style_name(self, p: Any) -> str | None:
        style = p.find(f"{W}pPr/{W}pStyle")
        return self.names.get(style.get(VAL, "")) if style is not None else None


def _outline_level(element: Any) -> int | None:
    """Word's outline level 0-8 as heading level 1-9; 9 means body text."""
    try:
        value = int(element.get(VAL, "9"))
    except ValueError:
        return None
    return value + 1 if 0 <= value <= 8 else None


def _paragraph_styles(document: Any) -> tuple[dict[str, int | None], dict[str, str]]:
    """Heading level by paragraph style id (styles named Title or Heading N, or with an outline level, also
    inherited), and each style's lower-case name."""
    names: dict[str, str] = {}
    own: dict[str, int | None] = {}
    based_on: dict[str, str] = {}
    for style in document.styles.element.findall(f"{W}style"):
        style_id = style.get(f"{W}styleId")
        if style_id is None or style.get(f"{W}type", "paragraph") != "paragraph":
            continue
        name = style.find(f"{W}name")
        names[style_id] = normalize(name.get(VAL, "") if name is not None else "").lower()
        outline = style.find(f"{W}pPr/{W}outlineLvl")
        if outline is not None:
            own[style_id] = _outline_level(outline)
        parent = style.find(f"{W}basedOn")
        if parent is not None:
            based_on[style_id] = parent.get(VAL, "")
    levels = {style_id: _style_level(style_id, names, own, based_on) for style_id in names}
    return levels, names


def _style_level(
    style_id: str, names: dict[str, str], own: dict[str, int | None], based_on: dict[str, str]
) -> int | None:
    """A style's heading level from its name, else its outline level or its base style's."""
    seen: set[str] = set()
    current: str | None = style_id
    while current is not None and current not in seen:
        seen.add(current)
        name = names.get(current, "")
        if name == "title":
            return 0
        match = _HEADING.fullmatch(name)
        if match:
            return int(match.group(1))
        if current in own:
            # Set on the style itself, the outline level wins over the base style's, even "body text".
            return own[current]
        current = based_on.get(current)
    return None


def _drop_headers_and_footers(document: Any, collector: Collector) -> None:
    """Record page headers' and footers' text as dropped: it repeats on every page."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.parser import parse_xml

    seen: set[str] = set()
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in (RT.HEADER, RT.FOOTER):
            continue
        part = rel.target_part
        element = getattr(part, "element", None)
        if element is None:
            element = parse_xml(part.blob)
        text = flat_text(element)
        if text and text not in seen:
            seen.add(text)
            collector.drop(None, _HEADER_FOOTER, text)
