"""OpenDocument text (.odt): body paragraphs, list items and table rows under their heading path,
cited by paragraph number.

Rules (the same as .docx):
- Paragraph numbers (`Citation.paragraph`) count body blocks in document order, 1-based: each
  body paragraph with text (list items, headings and table-of-contents entries included) and each
  table row with text is one block (a row repeated with table:number-rows-repeated counts once per
  repeat). Paragraphs inside table cells, text boxes and footnotes are not blocks of their own.
- Headings (text:h, by outline level) are not passages: their path ("Installation > Linux") titles
  the passages of their section and is the citation's section.
- A table is one passage per data row, "Header: value; Header: value", under its
  table:table-header-rows, else under its first row when that row looks like column names
  (`tables.TableRows`).
- A text box's text joins the paragraph it is anchored to; a footnote is a passage of its own cited
  to the paragraph that holds it. Tables of contents and indexes are recorded as dropped. Images and
  comments are not read, nor are headers and footers (they live in styles.xml's master pages).
"""

from __future__ import annotations

from typing import Any

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, heading_path, open_heading
from askdocs.ingest.formats.opendocument_tables import row_text, table_rows
from askdocs.ingest.formats.opendocument_xml import (
    DRAW,
    SKIPPED,
    TABLE,
    TEXT,
    attribute,
    elements,
    frame_lines,
    inline_text,
)
from askdocs.ingest.formats.tables import TableRows, add_lone_header
from askdocs.records import Citation

# Generated lists of the document's headings, figures or terms: navigation, not content.
_INDEXES = {
    (TEXT, name)
    for name in (
        "table-of-content",
        "alphabetical-index",
        "illustration-index",
        "table-index",
        "object-index",
        "user-index",
        "bibliography",
    )
}
_BLOCK_TIME_CHECK = 200


def read_text(context: ParseContext, body: Any) -> ParsedFile:
    """An office:text body, block by block."""
    return _TextReader(context).read(body)


class _TextReader:
    """Walks an office:text body in document order, numbering blocks and tracking the heading path."""

    def __init__(self, context: ParseContext) -> None:
        self.context = context
        self.collector = Collector(context.source)
        self.headings: list[tuple[int, str]] = []
        self.block = 0

    def read(self, body: Any) -> ParsedFile:
        """Every block of the body as passages."""
        self.walk(body)
        return self.collector.result()

    def walk(self, container: Any) -> None:
        """Read a container's blocks; lists, list items and sections are walked into."""
        for child in elements(container):
            qname = child.qname
            if qname in ((TEXT, "p"), (TEXT, "h")):
                self.paragraph(child, heading=qname == (TEXT, "h"))
            elif qname == (TABLE, "table"):
                self.table(child)
            elif qname in _INDEXES:
                self.index(child)
            elif qname[0] == DRAW:
                # A text box anchored to the page: a block of its own.
                self.text_block(" ".join(frame_lines(child)))
            elif qname not in SKIPPED:
                self.walk(child)

    def count(self, blocks: int = 1) -> None:
        """Number the next block(s), checking the time every few hundred."""
        before = self.block
        self.block += blocks
        if self.block // _BLOCK_TIME_CHECK != before // _BLOCK_TIME_CHECK:
            self.context.check_time()

    def at(self, back: int = 0) -> tuple[str | None, Citation]:
        """The title and citation of the current block (or of the one `back` blocks before it)."""
        path = heading_path(self.headings)
        return path, Citation(self.context.source, section=path, paragraph=max(self.block - back, 1))

    def paragraph(self, element: Any, heading: bool) -> None:
        """A paragraph or heading: a passage, or the new heading path; then its footnotes."""
        notes: list[Any] = []
        text = normalize(inline_text(element, notes))
        if text and heading:
            self.count()
            level = attribute(element, TEXT, "outline-level") or "1"
            self.headings = open_heading(self.headings, int(level) if level.isdigit() else 1, text)
        else:
            self.text_block(text)
        for note in notes:
            title, citation = self.at()
            self.collector.add(frame_lines(note), None, title, at=citation)

    def text_block(self, text: str) -> None:
        """A block of body text: numbered and a passage when it has text."""
        if normalize(text):
            self.count()
            title, citation = self.at()
            self.collector.add([text], None, title, at=citation)

    def index(self, element: Any) -> None:
        """A table of contents or index: its entries are numbered like paragraphs but not read."""
        for line in frame_lines(element):
            if normalize(line):
                self.count()
                self.collector.drop(None, "table of contents or index", line)

    def table(self, element: Any) -> None:
        """A table: one passage per data row, each row with text one block."""
        table = TableRows()
        for row in table_rows(element):
            if not row.cells:
                continue
            self.count(row.repeat)
            # A repeated row is read once, cited to its first repeat.
            title, citation = self.at(back=row.repeat - 1)
            text = row_text(table, row, citation)
            if text is not None:
                self.collector.add([text], None, title, at=citation, keep=True)
        add_lone_header(self.collector, table, heading_path(self.headings))
