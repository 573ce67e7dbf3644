"""The cited row of a sheet or CSV file as a table: its header row and a few rows either side, read
from the file itself (by the same readers and cell formatting as ingest, so values read the same),
stopping a few rows past the cited one."""

from __future__ import annotations

import csv
import io
import threading
import warnings
from collections import OrderedDict, deque
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path

from askdocs.records import Citation
from askdocs.serve.presentation import citation_label
from askdocs.serve.viewer.views import TableRow, TableView, ViewUnavailableError

# Non-empty rows shown either side of the cited one.
NEIGHBOURS = 3
# The rows read of the last few workbook sheets are kept, up to this many rows a sheet.
CACHED_SHEETS = 4
CACHED_ROWS = 50_000
_SHEETS: OrderedDict[tuple[object, ...], tuple[list[tuple[int, list[str], bool]], bool]] = OrderedDict()
_SHEETS_LOCK = threading.Lock()
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
        header, rows = _window_of(path, citation, citation.row)
    except (SkipFileError, csv.Error, ValueError, KeyError, TypeError, OSError) as error:
        raise TableUnreadableError(f"'{citation.source}' cannot be read as a table any more ({error})") from None
    if not any(row.cited for row in rows):
        raise TableUnreadableError(f"'{citation.source}' has no row {citation.row} with text: no such cited place")
    return TableView(citation.source, citation_label(citation), header, tuple(rows))


def _window_of(path: Path, citation: Citation, cited: int) -> tuple[TableRow | None, list[TableRow]]:
    """`_window` over the file's rows: a workbook's from the rows kept of its sheet when they reach
    far enough (a sheet parses from its start: 0.3 s to reach row 4,900 of an Excel sheet), else
    read again from the start, the rows read kept for the next row opened."""
    if path.suffix.lower() in (".csv", ".tsv"):
        with closing(_rows(path, citation)) as read:
            return _window(read, cited)
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, citation.sheet)
    with _SHEETS_LOCK:
        kept = _SHEETS.get(key)
        if kept is not None:
            _SHEETS.move_to_end(key)
    if kept is not None:
        header, window = _window(iter(kept[0]), cited)
        if kept[1] or sum(row.number > cited for row in window) == NEIGHBOURS:
            return header, window
    read_rows: list[tuple[int, list[str], bool]] = []
    state = {"complete": False}
    with closing(_rows(path, citation)) as read:
        header, window = _window(_recording(read, read_rows, state), cited)
    if len(read_rows) <= CACHED_ROWS:
        with _SHEETS_LOCK:
            _SHEETS[key] = (read_rows, state["complete"])
            while len(_SHEETS) > CACHED_SHEETS:
                _SHEETS.popitem(last=False)
    return header, window


def _recording(rows: Rows, into: list[tuple[int, list[str], bool]], state: dict[str, bool]) -> Rows:
    """`rows`, each also appended to `into`; `state["complete"]` once the last has been read."""
    for row in rows:
        into.append(row)
        yield row
    state["complete"] = True


def _window(rows: Iterator[tuple[int, list[str], bool]], cited: int) -> tuple[TableRow | None, list[TableRow]]:
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
