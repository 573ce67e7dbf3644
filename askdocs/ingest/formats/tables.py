"""The table rules every format shares: a row read as `Header: value; Header: value` under its
table's column headers (`TableRows`), which first row names the columns (`looks_like_header`), and
the row limits (`MAX_ROWS`, `ROW_BATCH`). Used by CSV/TSV, Excel, Word, PowerPoint, OpenDocument,
EPUB, RTF and HTML tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector
from askdocs.records import Citation

# Data rows read from one table (a CSV file, a sheet); beyond it an ingest would index millions of
# near-identical rows and stall, so the rest is recorded as dropped.
MAX_ROWS = 100_000
# Rows between time checks.
ROW_BATCH = 1000
# A header cell is a column name, not a sentence.
_MAX_HEADER_CHARS = 80
# Numbers, money, percentages, dates and times: cells that are data, not column names.
_DATA_CELL = re.compile(r"[-+(]?[$€£¥]?\d[\d\s,.:/'-]*(?:%|[)])?|true|false|#[A-Z/0!?]+", re.IGNORECASE)


def table_row_text(headers: list[str], cells: list[str]) -> str:
    """A table row as readable text: `Header: value; Header: value` (cells without a header as they are)."""
    parts: list[str] = []
    for i, cell in enumerate(cells):
        cell = normalize(cell)
        if not cell:
            continue
        header = normalize(headers[i]) if i < len(headers) else ""
        parts.append(f"{header}: {cell}" if header and header != cell else cell)
    return "; ".join(parts)


def looks_like_header(cells: Sequence[str]) -> bool:
    """Whether a table's first non-empty row names its columns (mostly short text) rather than holding data."""
    filled = [text for text in map(normalize, cells) if text]
    if not filled or any(len(text) > _MAX_HEADER_CHARS for text in filled):
        return False
    data = sum(1 for text in filled if _DATA_CELL.fullmatch(text))
    return data * 2 < len(filled)


class TableRows:
    """One table's rows turned into passage text: the first non-empty row becomes the column headers
    when it looks like them, and each later row reads `Header: value; Header: value`."""

    def __init__(self) -> None:
        self.headers: list[str] | None = None
        self.header: tuple[str, Citation] | None = None
        self.data_rows = 0

    def text(self, cells: Sequence[str], at: Citation, declared_header: bool = False) -> str | None:
        """The passage text of the row cited `at`, or None for an empty row or the header row.

        `declared_header`: the table marks this row as its header (ODF header rows, HTML <thead>),
        so it names the columns when none are named yet, whatever it looks like.
        """
        if is_empty(cells):
            return None
        if self.headers is None:
            if declared_header or looks_like_header(cells):
                self.headers = list(cells)
                self.header = (table_row_text([], list(cells)), at)
                return None
            self.headers = []
        self.data_rows += 1
        return table_row_text(self.headers, list(cells))

    def add(self, collector: Collector, cells: Sequence[str], at: Citation, title: str | None = None) -> bool:
        """Add the row cited `at` as a passage (empty and header rows add nothing); False, with the
        rest recorded as dropped, once the table holds more than `MAX_ROWS` data rows."""
        text = self.text(cells, at)
        if text is None:
            return True
        if self.data_rows > MAX_ROWS:
            where = f"sheet {at.sheet}: " if at.sheet else ""
            collector.drop(None, f"{where}rows from {at.row:,} on not read: more than {MAX_ROWS:,} rows", text)
            return False
        collector.add([text], None, title, at=at, keep=True)
        return True

    def lone_header(self) -> tuple[str, Citation] | None:
        """The header row's text and place when no data row followed it (a one-row table is content)."""
        return self.header if self.data_rows == 0 else None


def is_empty(cells: Sequence[str]) -> bool:
    """Whether a row has no text in any cell."""
    return not any(normalize(cell) for cell in cells)


def add_lone_header(collector: Collector, table: TableRows, title: str | None = None) -> None:
    """Keep a table's only row, taken for a header, as a passage of its own."""
    lone = table.lone_header()
    if lone is not None:
        collector.add([lone[0]], None, title, at=lone[1], keep=True)
