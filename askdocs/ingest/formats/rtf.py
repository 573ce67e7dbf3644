"""RTF (.rtf) read with striprtf, cited by paragraph number since RTF has no lines a reader sees.

Rules: paragraph numbers (`Citation.paragraph`) count blocks in document order, 1-based: each
non-empty paragraph and each table row is one block (the .odt/.docx rule). A table (consecutive
rows, whose cells striprtf ends with "|") is one passage per data row, "Header: value; ...", under
its first row when that row is labels. Headers, footers, footnotes, comments, fields' instructions and
pictures are RTF "destinations" striprtf does not output, so they are not read.
"""

from __future__ import annotations

import re

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, SkipFileError
from askdocs.ingest.formats.tables import table_row_text
from askdocs.records import Citation

# striprtf's hyperlink pattern backtracks over the rest of a line once per field: on an RTF written
# as one long line (many generators do) with many fields that is quadratic. A newline, which RTF
# ignores, before each field keeps every search to one field.
_FIELD = re.compile(r"(?<!\\)\{\\field\b")
# Pictures and embedded objects are hex dumps (\pict, \objdata) that striprtf would walk a
# character at a time only to discard (measured: 1.6 MB/s); no text is a long run of bare hex digits.
_HEX_RUN = re.compile(r"[0-9a-fA-F\r\n]{512,}")
_NUMBER_LIKE = re.compile(r"[-+(]?[$€£¥]?\s?\d[\d.,:/ %-]*\)?")
_TIME_CHECK = 500


def _rtf_text(context: ParseContext, data: bytes) -> str:
    """The document's text as striprtf gives it: one line per paragraph, table cells ending in "|"."""
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip()[:5] == b"{\\rtf":
        raise SkipFileError("not an RTF file (no {\\rtf header)")
    try:
        source = data.decode("ascii")
    except UnicodeDecodeError:
        # RTF escapes non-ASCII; raw 8-bit text is in the ANSI code page, most often Windows-1252.
        source = data.decode("cp1252", errors="replace")
    source = _FIELD.sub("\n{\\\\field", _HEX_RUN.sub("", source))
    try:
        text = rtf_to_text(source, errors="replace")
    except (ValueError, TypeError, LookupError, IndexError) as error:
        raise SkipFileError(f"malformed RTF ({type(error).__name__}: {error})"[:300]) from None
    context.check_time()
    return text


def _is_row(line: str) -> bool:
    """True for a table row as striprtf writes it (each cell ends with "|")."""
    return line.rstrip().endswith("|")


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An RTF document: paragraphs and table rows, cited by paragraph number."""
    collector = Collector(context.source)
    block = 0
    headers: list[str] | None = None
    for line in _rtf_text(context, data).splitlines():
        if not normalize(line):
            continue
        block += 1
        if block % _TIME_CHECK == 0:
            context.check_time()
        at = Citation(context.source, paragraph=block)
        if not _is_row(line):
            headers = None
            collector.add([line], None, at=at)
            continue
        cells = [normalize(cell) for cell in line.rstrip().rstrip("|").split("|")]
        filled = [cell for cell in cells if cell]
        if headers is None:
            # A table's first row: its header when it is labels, else data under no header.
            headers = []
            if len(filled) >= 2 and not any(_NUMBER_LIKE.fullmatch(cell) for cell in filled):
                headers = cells
                continue
        collector.add([table_row_text(headers, cells)], None, at=at, keep=True)
    return collector.result()
