"""EPUB e-books (.epub) read with EbookLib; each chapter's XHTML with Beautiful Soup.

Rules: chapters are the spine's documents in reading order, numbered 1-based counting only the
documents with text (`Citation.chapter`). Not content, so neither read nor counted: the navigation
document, cover pages (a cover page or a "cover" document with under 30 words), the guide's table
of contents and any page whose text is mostly links (an EPUB 2 contents page). A chapter's title is
its first h1 (else h2), else its table-of-contents entry, else its <title>; the citation's section
and the passages' title are that title plus the heading path within the chapter
("Chapter 3 > Rivers"). Paragraphs, list items and other innermost blocks are passages. A table is
one passage per data row, "Header: value; ...", under its <thead> or all-<th> row, else under its
first row when that row looks like column names (`tables.TableRows`). Images, scripts and nav
blocks are not text. A book whose content documents are encrypted (DRM: listed in
META-INF/encryption.xml) is skipped.
"""

from __future__ import annotations

import io
import posixpath
import re
import warnings
from typing import Any
from urllib.parse import unquote

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import (
    Collector,
    ParseContext,
    ParsedFile,
    SkipFileError,
    heading_path,
    open_heading,
    open_zip,
)
from askdocs.ingest.formats.tables import TableRows, add_lone_header
from askdocs.records import Citation

_SKIP = ["script", "style", "noscript", "template", "nav", "svg", "math"]
_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "dd", "dt", "figcaption", "div"]
_BLOCK_SET = set(_BLOCKS)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_COVER_WORDS = 30
# "cover", "cover_page", "coverpage", "cover-image" in a file name or id, not "discovery".
_COVER_NAME = re.compile(r"(?<![a-z])cover(?:page|image)?(?![a-z])")
# Share of a page's text inside links above which it is a table of contents.
_LINK_SHARE = 0.7
_MAX_COLSPAN = 50
# Content documents are encrypted when encryption.xml lists one (fonts alone are only obfuscated).
_CIPHER_URI = re.compile(rb'URI\s*=\s*["\']([^"\']+)["\']')


def _check_encryption(context: ParseContext, data: bytes) -> None:
    """Refuse zip bombs and books whose text is encrypted."""
    with open_zip(context, data) as archive:
        if "META-INF/encryption.xml" not in archive.namelist():
            return
        listed = _CIPHER_URI.findall(archive.read("META-INF/encryption.xml"))
    if any(unquote(uri.decode("utf-8", "replace")).lower().endswith((".html", ".xhtml", ".htm")) for uri in listed):
        raise SkipFileError("encrypted (DRM-protected)")


def _load(data: bytes) -> Any:
    """The book, read with EbookLib (its warnings silenced); `SkipFileError` when it cannot be read."""
    from ebooklib import epub

    first: Exception | None = None
    # EbookLib reads the EPUB 3 nav document by default; an EPUB 2 book without one (or with a
    # broken one) may still read by its NCX.
    for ignore_ncx in (True, False):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return epub.read_epub(io.BytesIO(data), {"ignore_ncx": ignore_ncx})
        except Exception as error:  # noqa: BLE001 - EbookLib raises many kinds on a broken book
            first = first or error
    raise SkipFileError(f"not a readable EPUB ({type(first).__name__}: {first})"[:300])


def _toc_titles(entries: Any, titles: dict[str, str]) -> dict[str, str]:
    """File name -> title of its first table-of-contents entry."""
    for entry in entries or []:
        if isinstance(entry, tuple) and len(entry) == 2:
            _toc_titles([entry[0]], titles)
            _toc_titles(entry[1], titles)
            continue
        href = getattr(entry, "href", None)
        title = normalize(getattr(entry, "title", None) or "")
        if href and title:
            titles.setdefault(posixpath.normpath(unquote(href.split("#", 1)[0])), title)
    return titles


def _is_skipped(item: Any, soup: Any, guide_toc: set[str]) -> bool:
    """True for a document that is navigation or a cover, not content."""
    from ebooklib import epub

    if isinstance(item, (epub.EpubNav, epub.EpubCoverHtml)) or "nav" in (item.properties or []):
        return True
    name = posixpath.normpath(item.file_name or "")
    body = soup.body or soup
    kinds = " ".join(str(tag.get("epub:type", "")) for tag in [body, *body.find_all(True, limit=3)])
    words = len(body.get_text(" ").split())
    named_cover = bool(_COVER_NAME.search(f"{item.id} {name}".lower())) or "cover" in kinds.split()
    if name in guide_toc or "toc" in kinds.split() or (named_cover and words < _COVER_WORDS):
        return True
    text = len(normalize(body.get_text(" ")))
    links = body.find_all("a", href=True)
    in_links = sum(len(normalize(link.get_text(" "))) for link in links)
    return len(links) >= 3 and in_links > _LINK_SHARE * text


def _chapter_title(soup: Any, toc_title: str | None) -> tuple[str | None, Any]:
    """The chapter's title and the heading element it came from (None if from the toc or <title>)."""
    for name in ("h1", "h2"):
        for tag in soup.find_all(name):
            text = normalize(tag.get_text(" "))
            if text:
                return text, tag
    if toc_title:
        return toc_title, None
    title = soup.find("title")
    return (normalize(title.get_text(" ")) or None) if title else None, None


def _rows(table: Any) -> list[Any]:
    """A table's own <tr>s (in <thead>, <tbody>, <tfoot> or straight in it), not its nested tables'."""
    rows: list[Any] = []
    for child in table.find_all(["tr", "thead", "tbody", "tfoot"], recursive=False):
        rows.extend([child] if child.name == "tr" else child.find_all("tr", recursive=False))
    return rows


def _row_cells(tr: Any) -> tuple[bool, list[str]]:
    """Whether a row is a header row (in <thead>, or all <th>), and its cells' text (spans repeated)."""
    tags = tr.find_all(["td", "th"], recursive=False)
    cells: list[str] = []
    for cell in tags:
        span = str(cell.get("colspan", "1")).strip()
        text = normalize(cell.get_text(" "))
        cells.extend([text] * min(int(span) if span.isdigit() and int(span) > 0 else 1, _MAX_COLSPAN))
    header = tr.parent.name == "thead" or (bool(tags) and all(tag.name == "th" for tag in tags))
    return header, cells


def _add_table(collector: Collector, table: Any, title: str | None, at: Citation) -> None:
    """A table, one passage per data row under its header row (`tables.TableRows`)."""
    rows = TableRows()
    for tr in _rows(table):
        header, cells = _row_cells(tr)
        text = rows.text(cells, at, declared_header=header)
        if text is not None:
            collector.add([text], None, title, at=at, keep=True)
    add_lone_header(collector, rows, title)


def _blocks(body: Any) -> list[Any]:
    """The innermost blocks and the outermost tables, in document order.

    One pass over the tree (no search per element), so a page of deeply nested <div>s costs no more
    than a flat one.
    """
    from bs4 import Tag

    order: list[Any] = []
    stack = [body]
    while stack:
        tag = stack.pop()
        order.append(tag)
        if tag.name != "table" or tag is body:
            stack.extend(reversed([child for child in tag.children if isinstance(child, Tag)]))
    holds_block: set[int] = set()
    for tag in reversed(order):
        if tag is not body and (tag.name in _BLOCK_SET or tag.name == "table" or id(tag) in holds_block):
            holds_block.add(id(tag.parent))
    return [
        tag
        for tag in order
        if tag is not body and (tag.name == "table" or (tag.name in _BLOCK_SET and id(tag) not in holds_block))
    ]


def _read_chapter(collector: Collector, soup: Any, number: int, title: str | None, title_tag: Any) -> None:
    """One chapter's blocks and table rows as passages titled by their heading path."""
    root = [(0, title)] if title else []
    headings: list[tuple[int, str]] = []
    body = soup.body or soup
    tags = _blocks(body)
    if not tags:
        # Text straight in <body> or in <section>s with no block elements.
        path = heading_path(root)
        collector.add(
            body.get_text("\n").splitlines(), None, path, at=Citation(collector.source, chapter=number, section=path)
        )
    for tag in tags:
        path = heading_path(root + headings)
        at = Citation(collector.source, chapter=number, section=path)
        if tag.name == "table":
            _add_table(collector, tag, path, at)
            continue
        text = normalize(tag.get_text(""))
        if tag.name in _HEADINGS:
            if text and tag is not title_tag:
                headings = open_heading(headings, int(tag.name[1]), text)
            continue
        collector.add([text], None, path, at=at)


def _soup(content: bytes) -> Any:
    """A chapter's XHTML parsed (EPUB requires UTF-8 or UTF-16, so its declaration is not trusted)."""
    from bs4 import BeautifulSoup

    text = content.decode("utf-16" if content[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", errors="replace")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BeautifulSoup(text, "lxml")


def _clean(soup: Any) -> Any:
    """The soup without what a reader does not see, line breaks as spaces."""
    for tag in soup.find_all(_SKIP):
        tag.decompose()
    for tag in soup.find_all(attrs={"epub:type": re.compile("pagebreak")}):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with(" ")
    return soup


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An EPUB: its spine's documents in reading order, one chapter each."""
    from ebooklib import epub

    _check_encryption(context, data)
    book = _load(data)
    context.check_time()
    toc_titles = _toc_titles(book.toc, {})
    guide_toc = {
        posixpath.normpath(unquote(str(entry.get("href") or "").split("#", 1)[0]))
        for entry in book.guide or []
        if str(entry.get("type", "")).lower() == "toc"
    }
    collector = Collector(context.source)
    chapter = 0
    for idref, _linear in book.spine:
        context.check_time()
        item = book.get_item_with_id(idref)
        if not isinstance(item, epub.EpubHtml) or not item.content:
            continue
        soup = _soup(item.content)
        if _is_skipped(item, soup, guide_toc) or not normalize((_clean(soup).body or soup).get_text(" ")):
            continue
        chapter += 1
        title, title_tag = _chapter_title(soup, toc_titles.get(posixpath.normpath(item.file_name or "")))
        _read_chapter(collector, soup, chapter, title, title_tag)
    return collector.result()
