"""CSV and TSV (.csv, .tsv): one passage per data row, `Header: value; Header: value`, cited by row.

The row number is the record's number as a spreadsheet shows the file (1-based, the header row and
blank lines counted). A .csv file's delimiter and quoting are sniffed (`csv.Sniffer`); a .tsv file
is tab-separated. The first non-empty row names the columns unless it looks like data (mostly
numbers or dates). At most `tables.MAX_ROWS` data rows are read per table; the rest is recorded as
dropped. The table rules are those every format shares (`tables.TableRows`).
"""

from __future__ import annotations

import csv
import io

from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, decode_text
from askdocs.ingest.formats.tables import ROW_BATCH, TableRows, add_lone_header
from askdocs.records import Citation

# Characters from the start of a file its dialect is sniffed from.
_SNIFF_CHARS = 32_768


def dialect(text: str, source: str) -> type[csv.Dialect] | csv.Dialect:
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
    reader = csv.reader(io.StringIO(text, newline=""), dialect(text, source))
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
