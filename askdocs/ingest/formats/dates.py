"""A document's own date, from its metadata where the format has one: PDF (/ModDate, else
/CreationDate), Word/PowerPoint/Excel (docProps/core.xml: modified, else created), OpenDocument
(meta.xml: dc:date, else meta:creation-date), EPUB (the package's dc:date). Read with patterns from
a small metadata part only (no XML parser, no entity expansion); None when there is none, and the
ingest then dates the file by its modification time."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import date

logger = logging.getLogger(__name__)

# Metadata parts larger than this are not read (a real one is a few kilobytes).
MAX_META_BYTES = 256 * 1024
_OOXML = (rb"<dcterms:modified[^>]*>\s*([^<]+)<", rb"<dcterms:created[^>]*>\s*([^<]+)<")
_ODF = (rb"<dc:date[^>]*>\s*([^<]+)<", rb"<meta:creation-date[^>]*>\s*([^<]+)<")
_EPUB = (rb"<dc:date[^>]*>\s*([^<]+)<",)
_ISO = re.compile(rb"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_PDF = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def document_date(suffix: str, data: bytes) -> date | None:
    """The date the document's metadata gives, or None."""
    try:
        if suffix == ".pdf":
            return _pdf_date(data)
        if suffix in (".docx", ".pptx", ".xlsx", ".xlsm"):
            return _zip_date(data, "docProps/core.xml", _OOXML)
        if suffix in (".odt", ".odp", ".ods"):
            return _zip_date(data, "meta.xml", _ODF)
        if suffix == ".epub":
            return _epub_date(data)
    except Exception as error:  # noqa: BLE001 - a missing or odd date never costs the document
        logger.info("no metadata date: %s", error)
    return None


def _first_date(text: bytes, patterns: tuple[bytes, ...]) -> date | None:
    for pattern in patterns:
        found = re.search(pattern, text)
        if found:
            iso = _ISO.match(found.group(1).strip())
            if iso:
                return _valid(int(iso[1]), int(iso[2] or 1), int(iso[3] or 1))
    return None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day) if year >= 1900 else None
    except ValueError:
        return None


def _member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= MAX_META_BYTES else None


def _zip_date(data: bytes, name: str, patterns: tuple[bytes, ...]) -> date | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = _member(archive, name)
    return _first_date(text, patterns) if text else None


def _epub_date(data: bytes) -> date | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        container = _member(archive, "META-INF/container.xml") or b""
        package = re.search(rb'full-path="([^"]+)"', container)
        text = _member(archive, package.group(1).decode()) if package else None
    return _first_date(text, _EPUB) if text else None


def _pdf_date(data: bytes) -> date | None:
    from pypdf import PdfReader

    info = PdfReader(io.BytesIO(data)).metadata or {}
    for key in ("/ModDate", "/CreationDate"):
        found = _PDF.match(str(info.get(key) or ""))
        if found:
            return _valid(int(found[1]), int(found[2] or 1), int(found[3] or 1))
    return None
