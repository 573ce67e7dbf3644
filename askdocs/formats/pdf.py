"""PDF (.pdf): the text layer of each page, in paragraphs, cited by page."""

from __future__ import annotations

import io

from askdocs.formats.base import Collector, ParseContext, ParsedFile, SkipFileError, blocks


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """PDF: the text of each page, in paragraphs, cited by page."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    collector = Collector(context.source)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            # Many PDFs are "encrypted" with an empty user password only to restrict printing.
            reader.decrypt("")
            reader.pages[0]
        except (FileNotDecryptedError, Exception):  # noqa: BLE001 - any failure means we cannot read it
            raise SkipFileError("encrypted (password-protected)") from None
    for number, page in enumerate(reader.pages, 1):
        context.check_time()
        for _, block in blocks((page.extract_text() or "").splitlines()):
            collector.add(block, None, page=number)
    return collector.result()
