"""HTML (.html, .htm): the visible text of block elements; scripts, styles and menus are left out;
cited by line."""

from __future__ import annotations

from askdocs.cleaning import normalize
from askdocs.formats.base import Collector, ParseContext, ParsedFile, decode_text

_SKIP = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]
_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "td", "th", "dd", "dt", "figcaption"]
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def parse_html(source: str, text: str) -> ParsedFile:
    """HTML: the visible text of block elements; scripts, styles and menus are left out."""
    from bs4 import BeautifulSoup

    collector = Collector(source)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_SKIP):
        tag.decompose()
    heading: str | None = None
    for tag in soup.find_all(_BLOCKS):
        # Only the innermost blocks, so nested list items and paragraphs are read once.
        if tag.find(_BLOCKS):
            continue
        content = tag.get_text(" ")
        if tag.name in _HEADINGS:
            heading = normalize(content) or heading
        collector.add([content], tag.sourceline, heading)
    return collector.result()


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An HTML file's bytes, decoded."""
    return parse_html(context.source, decode_text(data))
