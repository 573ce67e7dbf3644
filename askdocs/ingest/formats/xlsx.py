"""Excel (.xlsx): one passage per data row of each worksheet, `Header: value; Header: value`, cited by
sheet name and row number as Excel shows them.

The first non-empty row of a sheet names the columns unless it looks like data (mostly numbers or
dates); the sheet name titles the sheet's passages. Formulas give the value Excel last computed and
saved (a formula never calculated, e.g. in a file written by a script, has none and is skipped), as
do empty and error cells. Dates read `2024-03-05` (with `14:30` when they hold a time), percentages
`12.5%`, numbers with the decimals their format shows. At most `tables.MAX_ROWS` data rows are read
per sheet, the rest recorded as dropped. Chart sheets, charts, images and comments are not read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from typing import Any

from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, SkipFileError, guarded_zip_bytes
from askdocs.ingest.formats.tables import ROW_BATCH, TableRows, add_lone_header
from askdocs.records import Citation

# Decimal places a number format shows: the zeros after its point ("0.00", "#,##0.0%").
_DECIMALS = re.compile(r"\.(0+)")


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """Excel: each worksheet's data rows with their column headers, cited by sheet and row."""
    from openpyxl import load_workbook

    data = guarded_zip_bytes(context, data)
    collector = Collector(context.source)
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it does not load (data validation, slicers).
        warnings.simplefilter("ignore", UserWarning)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except KeyError as error:
            raise SkipFileError(f"not an Excel workbook ({error})") from None
        except (ValueError, TypeError) as error:
            raise SkipFileError(f"damaged workbook ({type(error).__name__}: {error})"[:300]) from None
        try:
            for sheet in workbook.worksheets:
                context.check_time()
                _read_sheet(context, collector, sheet)
        finally:
            workbook.close()
    return collector.result()


def _read_sheet(context: ParseContext, collector: Collector, sheet: Any) -> None:
    """One worksheet, one passage per data row."""
    # The stored dimensions may be wrong (rows past them would be cut off): read every row there is.
    sheet.reset_dimensions()
    name = str(sheet.title)
    table = TableRows()
    try:
        _read_rows(context, collector, sheet, name, table)
    except (ValueError, TypeError) as error:
        # A cell the library rejects (a damaged value or reference) ends its sheet, not the file.
        collector.drop(None, f"sheet {name}: rest not read ({type(error).__name__}: {error})", "")
    add_lone_header(collector, table, name)


def _read_rows(context: ParseContext, collector: Collector, sheet: Any, name: str, table: TableRows) -> None:
    """A sheet's rows as passages, up to the row cap."""
    for number, row in enumerate(sheet.iter_rows(), 1):
        if number % ROW_BATCH == 0:
            context.check_time()
        cells = [cell_text(cell) for cell in row]
        if not table.add(collector, cells, Citation(collector.source, sheet=name, row=_row_number(row, number)), name):
            return


def _row_number(row: tuple[Any, ...], counted: int) -> int:
    """The row's number as stored in the file, else as counted."""
    for cell in row:
        number = getattr(cell, "row", None)
        if isinstance(number, int):
            return number
    return counted


def cell_text(cell: Any) -> str:
    """A cell's value as Excel would show it, roughly; empty for empty and error cells."""
    value = cell.value
    if value is None or getattr(cell, "data_type", None) == "e":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, (int, float)):
        return _number_text(value, _number_format(cell))
    return str(value)


def _number_format(cell: Any) -> str:
    try:
        return str(cell.number_format)
    except (AttributeError, IndexError, KeyError):
        # A style index the file does not define: show the number plainly.
        return "General"


def _number_text(value: float, number_format: str) -> str:
    """A number with the decimals (and percent sign) of its format; up to 15 significant digits for General."""
    section = number_format.split(";", 1)[0]
    percent = "%" in section
    if percent:
        value *= 100
    if section == "General" or not any(ch in section for ch in "0#?"):
        whole = float(value).is_integer() and abs(value) < 1e15
        text = str(int(value)) if whole else f"{value:.15g}"
    else:
        match = _DECIMALS.search(section)
        text = f"{value:.{len(match.group(1)) if match else 0}f}"
    return text + "%" if percent else text
