"""CSV and TSV (.csv, .tsv): one passage per data row, `Header: value; Header: value`, cited by row.

The row number is the record's number as a spreadsheet shows the file (1-based, the header row and
blank lines counted). A .csv file's delimiter and quoting are sniffed (`csv.Sniffer`); a .tsv file
is tab-separated. The first non-empty row names the columns unless it looks like data (mostly
numbers or dates). At most `MAX_ROWS` data rows are read per table; the rest is recorded as dropped.

Also home of the table rules the office formats share (`TableRows`, `looks_like_header`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, decode_text, table_row_text
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
_SNIFF_CHARS = 32_768


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


def _dialect(text: str, source: str) -> type[csv.Dialect] | csv.Dialect:
    """The file's CSV dialect: tabs for .tsv, else sniffed from its first lines (plain commas if unsure)."""
    if source.lower().endswith(".tsv"):
        return csv.excel_tab
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def parse_delimited(context: ParseContext, text: str) -> ParsedFile:
    """Delimited text: one passage per data row with its column headers, cited by row number."""
    source = context.source
    collector = Collector(source)
    table = TableRows()
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text, source))
    number = 0
    try:
        for number, cells in enumerate(reader, 1):
            if number % ROW_BATCH == 0:
                context.check_time()
            if not table.add(collector, cells, Citation(source, row=number)):
                break
    except csv.Error as error:
        # A malformed record (an oversized field, a stray NUL) ends the readable part, not the file.
        collector.drop(None, f"rows from {number + 1:,} on not read: malformed CSV ({error})", "")
    add_lone_header(collector, table)
    return collector.result()


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """A CSV or TSV file's bytes, decoded."""
    return parse_delimited(context, decode_text(data))
