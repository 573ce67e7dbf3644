"""Every format askdocs reads: one parser module per format, registered here by file suffix.

A parser is `parse(context: ParseContext, data: bytes) -> ParsedFile`. It decodes or unpacks the
file itself (`decode_text`, `open_zip`), cites each passage where a person can open it (a line, a
page, a slide, a sheet row, a heading path), checks `context.check_time()` between units of work,
and raises `SkipFileError(reason)` for a file it will not read. Any other exception also skips the file
(readers.py), so a broken file never stops an ingest. To add a format: a module with `parse`, and
one `Format(...)` line in `FORMATS` below; the README's formats table lists the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from askdocs.formats import (
    delimited,
    docx,
    epub,
    html,
    images,
    jsonl,
    markdown,
    opendocument,
    pdf,
    pptx,
    rtf,
    text,
    xlsx,
)
from askdocs.formats.base import (
    Collector,
    DroppedLine,
    ParseContext,
    ParsedFile,
    ReadLimits,
    SkipFileError,
    decode_text,
)
from askdocs.formats.html import parse_html
from askdocs.formats.jsonl import parse_jsonl
from askdocs.formats.markdown import parse_markdown
from askdocs.formats.text import parse_text

Parser = Callable[[ParseContext, bytes], ParsedFile]


@dataclass(frozen=True)
class Format:
    """A format askdocs reads: its suffixes, parser, the library it uses and what its citations say."""

    name: str
    suffixes: tuple[str, ...]
    parse: Parser
    library: str
    cites: str


FORMAT_LIST: tuple[Format, ...] = (
    Format("Plain text", (".txt",), text.parse, "(built in)", "line"),
    Format("Markdown", (".md", ".markdown"), markdown.parse, "markdown-it-py", "heading path, line"),
    Format("HTML", (".html", ".htm"), html.parse, "Beautiful Soup", "heading path, #anchor, line"),
    Format(
        "PDF", (".pdf",), pdf.parse, "pypdf; OCR: pypdfium2 + rapidocr-onnxruntime", "page (marked OCR when scanned)"
    ),
    Format("Image (OCR)", images.SUFFIXES, images.parse, "rapidocr-onnxruntime", "page for TIFF; marked OCR"),
    Format("JSON Lines (BEIR)", (".jsonl",), jsonl.parse, "(built in)", "record id, title, url"),
    Format("OpenDocument text", (".odt",), opendocument.parse, "odfpy", "heading path, paragraph"),
    Format("OpenDocument presentation", (".odp",), opendocument.parse, "odfpy", "slide, slide title"),
    Format("OpenDocument spreadsheet", (".ods",), opendocument.parse, "odfpy", "sheet, row"),
    Format("EPUB", (".epub",), epub.parse, "EbookLib, Beautiful Soup", "chapter, heading path"),
    Format("RTF", (".rtf",), rtf.parse, "striprtf", "paragraph"),
    Format("Word", (".docx",), docx.parse, "python-docx", "heading path, paragraph"),
    Format("PowerPoint", (".pptx",), pptx.parse, "python-pptx", "slide, slide title"),
    Format("Excel", (".xlsx",), xlsx.parse, "openpyxl", "sheet, row"),
    Format("CSV / TSV", (".csv", ".tsv"), delimited.parse, "(built in)", "row"),
)
FORMATS: dict[str, Format] = {suffix: fmt for fmt in FORMAT_LIST for suffix in fmt.suffixes}

__all__ = [
    "FORMATS",
    "FORMAT_LIST",
    "Collector",
    "DroppedLine",
    "Format",
    "ParseContext",
    "ParsedFile",
    "ReadLimits",
    "SkipFileError",
    "decode_text",
    "parse_html",
    "parse_jsonl",
    "parse_markdown",
    "parse_text",
]
