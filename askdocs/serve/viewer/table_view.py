"""The cited row of a sheet or CSV file as a table: its header row and a few rows either side, read
from the file itself (by the same readers and cell formatting as ingest, so values read the same),
stopping a few rows past the cited one."""

from __future__ import annotations

import csv
import io
import warnings
from collections import deque
from collections.abc import Generator
from contextlib import closing
from pathlib import Path

from askdocs.records import Citation
from askdocs.serve.presentation import citation_label
from askdocs.serve.viewer.views import TableRow, TableView, ViewUnavailableError

# Non-empty rows shown either side of the cited one.
NEIGHBOURS = 3
# Suffixes read as tables here; other formats' tables are shown as text.
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".xlsx", ".xlsm", ".ods"})

Rows = Generator[tuple[int, list[str], bool], None, None]


class TableUnreadableError(ViewUnavailableError):
    """A sheet or CSV file the viewer cannot read (any more), or a sheet it does not have."""


def table_view(path: Path, citation: Citation) -> TableView:
    """The row `citation` names (sheet and row) with its header row and neighbours."""
    from askdocs.ingest.formats.base import SkipFileError

    if citation.row is None:
        raise TableUnreadableError(f"the citation of '{citation.source}' names no row")
    try:
        with closing(_rows(path, citation)) as rows_read:
            header, rows = _window(rows_read, citation.row)
    except (SkipFileError, csv.Error, ValueError, KeyError, TypeError, OSError) as error:
        raise TableUnreadableError(f"'{citation.source}' cannot be read as a table any more ({error})") from None
    if not any(row.cited for row in rows):
        raise TableUnreadableError(f"'{citation.source}' has no row {citation.row} with text: no such cited place")
    return TableView(citation.source, citation_label(citation), header, tuple(rows))


def _window(rows: Rows, cited: int) -> tuple[TableRow | None, list[TableRow]]:
    """The header row (the first non-empty one, when it names columns) and the rows around `cited`."""
    from askdocs.ingest.formats.tables import looks_like_header

    header: TableRow | None = None
    before: deque[TableRow] = deque(maxlen=NEIGHBOURS)
    shown: list[TableRow] = []
    first = True
    for number, cells, declared in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if first and (declared or looks_like_header(cells)) and number != cited:
            header, first = TableRow(number, tuple(cells)), False
            continue
        first = False
        if number < cited:
            before.append(TableRow(number, tuple(cells)))
        elif number == cited or shown:
            shown.append(TableRow(number, tuple(cells), number == cited))
            if len(shown) > NEIGHBOURS:
                break
    return header, [*before, *shown]


def _rows(path: Path, citation: Citation) -> Rows:
    """(row number, cells, declared header) of the sheet or CSV file `citation` names."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return _csv_rows(path, citation.source)
    if suffix == ".ods":
        return _ods_rows(path, citation)
    return _xlsx_rows(path, citation.sheet)


def _csv_rows(path: Path, source: str) -> Rows:
    from askdocs.ingest.formats.base import decode_text
    from askdocs.ingest.formats.delimited import dialect

    text = decode_text(path.read_bytes())
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), dialect(text, source)), 1):
        yield number, cells, False


def _xlsx_rows(path: Path, sheet: str | None) -> Rows:
    from openpyxl import load_workbook

    from askdocs.ingest.formats.xlsx import cell_text

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise TableUnreadableError(f"'{path.name}' has no sheet {sheet!r}: no such cited place")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        worksheet.reset_dimensions()
        for counted, row in enumerate(worksheet.iter_rows(), 1):
            number = next((cell.row for cell in row if isinstance(getattr(cell, "row", None), int)), counted)
            yield number, [cell_text(cell) for cell in row], False
    finally:
        workbook.close()


def _ods_rows(path: Path, citation: Citation) -> Rows:
    from askdocs.ingest.formats.base import ParseContext
    from askdocs.ingest.formats.opendocument import load_body
    from askdocs.ingest.formats.opendocument_tables import row_cells, table_rows
    from askdocs.ingest.formats.opendocument_xml import TABLE, attribute, elements

    body = load_body(ParseContext(citation.source), path.read_bytes())
    sheets = [element for element in elements(body) if element.qname == (TABLE, "table")]
    for index, sheet in enumerate(sheets, 1):
        if (attribute(sheet, TABLE, "name") or f"Sheet{index}") == citation.sheet:
            for row in table_rows(sheet):
                yield row.number, row_cells(row), row.header
            return
    raise TableUnreadableError(f"'{citation.source}' has no sheet {citation.sheet!r}: no such cited place")
