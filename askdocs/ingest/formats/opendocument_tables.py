"""OpenDocument tables, shared by text, slides and spreadsheets, and spreadsheets (.ods) themselves.

ODS rules: each sheet's non-empty rows are passages, "Header: value; Header: value", cited by sheet
(table:name) and row number as the application shows it (1-based, repeats counted). A row repeated
with table:number-rows-repeated is read once, cited to its first repeat; repeated empty rows and
cells only move the count on, so a sheet claiming a million empty rows costs nothing. The header is
the first non-empty row unless it looks like data (`tables.TableRows`, shared with .xlsx and
.csv), or the table's table:table-header-rows. At most `tables.MAX_ROWS` data rows are read per
sheet, the rest recorded as dropped. Comments, charts and images on a sheet are not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile
from askdocs.ingest.formats.opendocument_xml import OFFICE, TABLE, attribute, elements, frame_lines
from askdocs.ingest.formats.tables import MAX_ROWS, ROW_BATCH, TableRows, add_lone_header
from askdocs.records import Citation

# A cell repeated across more columns than this is read into the first ones only.
_MAX_CELL_REPEAT = 64
_VALUE_ATTRIBUTES = ("value", "date-value", "time-value", "boolean-value", "string-value")


@dataclass(frozen=True)
class Row:
    """A table row: its 1-based number in the table (of its first repeat) and its non-empty cells by column."""

    number: int
    repeat: int
    cells: dict[int, str]
    header: bool


def _count(value: str | None) -> int:
    """A repeat count attribute as an int (at least 1)."""
    return max(int(value), 1) if value and value.isdigit() else 1


def cell_text(cell: Any) -> str:
    """A cell's text as shown, or its stored value when it has no text paragraph."""
    text = normalize(" ".join(frame_lines(cell)))
    if text:
        return text
    for name in _VALUE_ATTRIBUTES:
        value = attribute(cell, OFFICE, name)
        if value:
            return normalize(value)
    return ""


def _cells(row: Any) -> dict[int, str]:
    """A row's non-empty cells by 0-based column."""
    cells: dict[int, str] = {}
    column = 0
    for cell in elements(row):
        if cell.qname not in ((TABLE, "table-cell"), (TABLE, "covered-table-cell")):
            continue
        repeat = _count(attribute(cell, TABLE, "number-columns-repeated"))
        # A covered cell is hidden under a merged one: it keeps its column, its text is not shown.
        text = cell_text(cell) if cell.qname == (TABLE, "table-cell") else ""
        if text:
            for offset in range(min(repeat, _MAX_CELL_REPEAT)):
                cells[column + offset] = text
        column += repeat
    return cells


def _row_elements(container: Any, header: bool = False) -> Iterator[tuple[Any, bool]]:
    """A table's row elements in order, and whether each is in table:table-header-rows."""
    for child in elements(container):
        name = child.qname
        if name == (TABLE, "table-row"):
            yield child, header
        elif name == (TABLE, "table-header-rows"):
            yield from _row_elements(child, True)
        elif name in ((TABLE, "table-rows"), (TABLE, "table-row-group")):
            yield from _row_elements(child, header)


def table_rows(table: Any) -> Iterator[Row]:
    """Every row of a table (empty ones too), numbered as the application shows them."""
    number = 1
    for element, header in _row_elements(table):
        repeat = _count(attribute(element, TABLE, "number-rows-repeated"))
        yield Row(number, repeat, _cells(element), header)
        number += repeat


def row_cells(row: Row) -> list[str]:
    """A row's cells as a list, empty columns included up to the last filled one."""
    return [row.cells.get(column, "") for column in range(max(row.cells, default=-1) + 1)]


def row_text(table: TableRows, row: Row, at: Citation) -> str | None:
    """A row's passage text under the table's header (None for empty and header rows)."""
    return table.text(row_cells(row), at, declared_header=row.header)


def read_spreadsheet(context: ParseContext, body: Any) -> ParsedFile:
    """An office:spreadsheet body: one passage per non-empty data row, cited by sheet and row."""
    collector = Collector(context.source)
    sheets = [element for element in elements(body) if element.qname == (TABLE, "table")]
    for index, sheet in enumerate(sheets, 1):
        name = attribute(sheet, TABLE, "name") or f"Sheet{index}"
        table = TableRows()
        for seen, row in enumerate(table_rows(sheet)):
            if seen % ROW_BATCH == 0:
                context.check_time()
            at = Citation(context.source, sheet=name, row=row.number)
            text = row_text(table, row, at)
            if text is None:
                continue
            if table.data_rows > MAX_ROWS:
                collector.drop(None, f"rows from {row.number:,} on not read: more than {MAX_ROWS:,} rows", text)
                break
            collector.add([text], None, name, at=at, keep=True)
        add_lone_header(collector, table, name)
    return collector.result()
