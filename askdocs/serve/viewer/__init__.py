"""The viewer: a cited place shown as its format allows (see `views`): a PDF page rendered with the
answering sentence marked (`pdf_page`), an image with its OCR lines marked (`image_view`), a sheet or
CSV row among its neighbours (`table_view`), and for every format read as running text the passage
in its section (`text_view`, from the index's own passages). Only a file the live build cites,
inside the library's folder, is ever opened (`library_files`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from askdocs.records import Citation
from askdocs.serve.library_files import library_file
from askdocs.serve.presentation import citation_label
from askdocs.serve.viewer.views import PictureView, TableView, TextView, ViewUnavailableError

if TYPE_CHECKING:
    from askdocs.search.searcher import Searcher

View = TextView | TableView | PictureView

__all__ = ["View", "ViewUnavailableError", "open_view"]


def open_view(
    searcher: Searcher,
    citation: Citation,
    mark: str | None = None,
    passage_id: int | None = None,
    page: int | None = None,
) -> View:
    """The view of `citation` (a hit's), `mark` (its answering sentence) marked; `page` turns a PDF's
    pages. `DocumentRefusedError` when the file is not (or no longer) the library's, `ViewUnavailableError`
    when the place cannot be shown."""
    from askdocs.ingest.formats import IMAGE_SUFFIXES

    path = library_file(Path(searcher.manifest.corpus_path), citation.source, searcher.cites)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _pdf_view(path, citation, mark, page)
    if suffix in IMAGE_SUFFIXES:
        from askdocs.serve.viewer.image_view import image_with_mark

        shown = image_with_mark(path, citation.page, mark)
        return PictureView(citation.source, citation_label(citation), shown.png, shown.marked)
    from askdocs.serve.viewer.table_view import TABLE_SUFFIXES, table_view

    if suffix in TABLE_SUFFIXES and citation.row is not None:
        return table_view(path, citation)
    from askdocs.serve.viewer.text_view import text_view

    return text_view(searcher.index, citation, mark, passage_id)


def _pdf_view(path: Path, citation: Citation, mark: str | None, page: int | None) -> PictureView:
    """Page `page` (else the cited one) of a cited PDF; the sentence is marked on the cited page only."""
    from askdocs.serve.viewer.pdf_page import rendered_page

    cited = citation.page or 1
    number = page or cited
    shown = rendered_page(path, number, mark if number == cited else None, scanned=bool(citation.ocr))
    place = citation_label(citation) if number == cited else f"{citation.source}, page {number}"
    return PictureView(citation.source, place, shown.png, shown.marked, number, shown.pages, number == cited)
