"""Every format askdocs reads: one parser module per format, registered here by file suffix.

A parser module has `parse(context: ParseContext, data: bytes) -> ParsedFile`. It decodes or unpacks
the file itself (`base.decode_text`, `base.open_zip`), cites each passage where a person can open it
(a line, a page, a slide, a sheet row, a heading path), checks `context.check_time()` between units
of work, and raises `SkipFileError(reason)` for a file it will not read. Any other exception also
skips the file (`ingest/corpus.py`), so a broken file never stops an ingest.

To add a format: a module with `parse`, and one `Format(...)` line in `FORMAT_LIST` below; the
README's formats table lists the same rows (a test checks). A parser module is imported the first
time a file of its format is read, so listing the suffixes (uploads, the corpus walk) loads no parser.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from askdocs.ingest.formats.base import ParseContext, ParsedFile

Parser = Callable[[ParseContext, bytes], ParsedFile]


@dataclass(frozen=True)
class Format:
    """A format askdocs reads: its suffixes, parser module, the library it uses and what its citations say."""

    name: str
    suffixes: tuple[str, ...]
    module: str
    library: str
    cites: str

    @property
    def parse(self) -> Parser:
        """The format's `parse`, importing its module on first use."""
        parser: Parser = importlib.import_module(f"{__name__}.{self.module}").parse
        return parser


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
FORMAT_LIST: tuple[Format, ...] = (
    Format("Plain text", (".txt",), "text", "(built in)", "line"),
    Format("Markdown", (".md", ".markdown"), "markdown", "markdown-it-py", "heading path, line"),
    Format("HTML", (".html", ".htm"), "html", "Beautiful Soup", "heading path, #anchor, line"),
    Format("PDF", (".pdf",), "pdf", "pypdf; OCR: pypdfium2 + rapidocr-onnxruntime", "page (marked OCR when scanned)"),
    Format("Image (OCR)", IMAGE_SUFFIXES, "images", "rapidocr-onnxruntime", "page for TIFF; marked OCR"),
    Format("JSON Lines (BEIR)", (".jsonl",), "jsonl", "(built in)", "record id, title, url"),
    Format("OpenDocument text", (".odt",), "opendocument", "odfpy", "heading path, paragraph"),
    Format("OpenDocument presentation", (".odp",), "opendocument", "odfpy", "slide, slide title"),
    Format("OpenDocument spreadsheet", (".ods",), "opendocument", "odfpy", "sheet, row"),
    Format("EPUB", (".epub",), "epub", "EbookLib, Beautiful Soup", "chapter, heading path"),
    Format("RTF", (".rtf",), "rtf", "striprtf", "paragraph"),
    Format("Word", (".docx",), "docx", "python-docx", "heading path, paragraph"),
    Format("PowerPoint", (".pptx",), "pptx", "python-pptx", "slide, slide title"),
    Format("Excel", (".xlsx",), "xlsx", "openpyxl", "sheet, row"),
    Format("CSV / TSV", (".csv", ".tsv"), "delimited", "(built in)", "row"),
)
FORMATS: dict[str, Format] = {suffix: fmt for fmt in FORMAT_LIST for suffix in fmt.suffixes}
SUPPORTED: tuple[str, ...] = tuple(FORMATS)
