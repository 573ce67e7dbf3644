"""ingest/formats/dates.py: a document's own date from its metadata."""

from __future__ import annotations

import io
from datetime import date

from askdocs.ingest.formats.dates import document_date
from tests.conftest import make_pdf
from tests.test_formats_opendocument import _zip
from tests.test_search_operators import docx_dated


def zipped(parts: dict[str, str]) -> bytes:
    return _zip({name: text.encode() for name, text in parts.items()})


def test_pdf_office_opendocument_and_epub_dates() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["A page."]))))
    writer.add_metadata({"/ModDate": "D:20230407120000Z", "/CreationDate": "D:20200101000000Z"})
    pdf = io.BytesIO()
    writer.write(pdf)
    assert document_date(".pdf", pdf.getvalue()) == date(2023, 4, 7)
    assert document_date(".docx", docx_dated("Text.", 2019)) == date(2019, 5, 17)
    meta = (
        "<office:document-meta><office:meta><dc:date>2021-11-30T10:00:00</dc:date></office:meta></office:document-meta>"
    )
    assert document_date(".odt", zipped({"meta.xml": meta})) == date(2021, 11, 30)
    container = '<container><rootfiles><rootfile full-path="OEBPS/book.opf"/></rootfiles></container>'
    opf = '<package><metadata><dc:date opf:event="publication">1998-06</dc:date></metadata></package>'
    assert document_date(".epub", zipped({"META-INF/container.xml": container, "OEBPS/book.opf": opf})) == date(
        1998, 6, 1
    )


def test_no_date_or_a_broken_file_gives_none() -> None:
    assert document_date(".pdf", make_pdf(["No metadata."])) is None
    assert document_date(".docx", b"not a zip") is None
    assert document_date(".odt", zipped({"meta.xml": "<dc:date>someday</dc:date>"})) is None
    assert document_date(".txt", b"plain text") is None
