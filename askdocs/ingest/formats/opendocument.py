"""OpenDocument files (.odt, .odp, .ods) read with odfpy: the file is opened after the zip and
encryption checks, every XML part odfpy will parse is checked first, and the document body decides
how it is read: text in `opendocument_text`, slides in `opendocument_slides`, sheets in
`opendocument_tables`; the element helpers the three share are in `opendocument_xml`.
"""

from __future__ import annotations

import io
import xml.parsers.expat
import zipfile
from typing import Any

from askdocs.ingest.formats import opendocument_slides, opendocument_tables, opendocument_text
from askdocs.ingest.formats.base import ParseContext, ParsedFile, SkipFileError, open_zip
from askdocs.ingest.formats.opendocument_xml import OFFICE, elements

# odfpy builds a Python object per XML element (measured: about 2 MB of content.xml a second and
# ~35 bytes of memory per byte), so a larger part would outlast the time limit or exhaust memory.
MAX_XML_PART_BYTES = 32_000_000
# The parts odfpy parses (also inside embedded objects, "Object 1/content.xml").
_PARTS = ("content.xml", "styles.xml", "meta.xml", "settings.xml", "manifest.xml")
# Prefixes odfpy declares in a part that uses them undeclared (as odf.opendocument.__fixXmlPart does).
_ODFPY_PREFIXES = ("meta", "config", "dc", "style", "svg", "fo", "draw", "table", "form")


def _as_odfpy_reads(text: str) -> str:
    """An XML part with the namespace declarations odfpy adds itself when a part forgets them."""
    for prefix in _ODFPY_PREFIXES:
        if f" xmlns:{prefix}" not in text and " xmlns:" in text:
            at = text.index(" xmlns:")
            text = f'{text[:at]} xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{prefix}:1.0"{text[at:]}'
    return text


def _check_xml(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a part odfpy would choke on: too large, not UTF-8, malformed (odfpy prints such a part
    whole to stdout and carries on with half a document) or declaring a DTD or entities."""
    size = archive.getinfo(name).file_size
    if size > MAX_XML_PART_BYTES:
        raise SkipFileError(f"{name} is {size:,} bytes, more than the {MAX_XML_PART_BYTES:,} read")
    try:
        text = archive.read(name).decode("utf-8")
    except UnicodeDecodeError:
        raise SkipFileError(f"{name} is not UTF-8 text") from None
    # Namespace-aware, as odfpy parses: an undeclared prefix is as fatal to it as a broken tag.
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def refuse(*_: object) -> None:
        raise SkipFileError(f"{name} declares a DTD or entities, refused for safety")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(_as_odfpy_reads(text).encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as error:
        raise SkipFileError(f"malformed XML in {name} ({error})") from None


def load_body(context: ParseContext, data: bytes) -> Any:
    """The checked document loaded with odfpy: the element inside office:body (office:text, ...)."""
    with open_zip(context, data) as archive:
        names = set(archive.namelist())
        if "content.xml" not in names or "META-INF/manifest.xml" not in names:
            raise SkipFileError("not an OpenDocument file (no content.xml or manifest)")
        # An encrypted ODF file zips normally; its manifest lists how each part is encrypted.
        if b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise SkipFileError("encrypted (password-protected)")
        for name in sorted(names):
            if name.rsplit("/", 1)[-1] in _PARTS:
                _check_xml(archive, name)
    context.check_time()
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except Exception as error:  # noqa: BLE001 - odfpy raises many kinds on a broken file
        raise SkipFileError(f"not a readable OpenDocument file ({type(error).__name__}: {error})"[:300]) from None
    context.check_time()
    for part in elements(document.topnode):
        if part.qname == (OFFICE, "body"):
            for body in elements(part):
                return body
    raise SkipFileError("the OpenDocument file has no document body")


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An OpenDocument file, read by what its body holds (whatever its suffix says)."""
    body = load_body(context, data)
    kind = body.qname[1]
    readers = {
        "text": opendocument_text.read_text,
        "presentation": opendocument_slides.read_presentation,
        "spreadsheet": opendocument_tables.read_spreadsheet,
    }
    if kind not in readers:
        raise SkipFileError(f"an OpenDocument {kind} file, not text, a presentation or a spreadsheet")
    try:
        return readers[kind](context, body)
    except RecursionError:
        raise SkipFileError("lists, sections or frames nested too deeply to read") from None
