"""Markdown (.md): paragraphs, list items and code blocks; headings title what follows and are the
citation's section; cited by line."""

from __future__ import annotations

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, decode_text, heading_path, open_heading
from askdocs.records import Citation


def parse_markdown(source: str, text: str) -> ParsedFile:
    """Markdown: paragraphs, list items and code blocks; headings title what follows."""
    from markdown_it import MarkdownIt

    collector = Collector(source)
    headings: list[tuple[int, str]] = []
    tokens = MarkdownIt("commonmark").parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            headings = open_heading(headings, int(token.tag[1:]), normalize(tokens[i + 1].content))
        elif token.type == "paragraph_open" and token.map:
            inline = tokens[i + 1]
            lines: list[str] = [""]
            for child in inline.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    lines.append("")
                else:
                    lines[-1] += child.content
            title = heading_path(headings)
            collector.add(lines, token.map[0] + 1, title, at=Citation(source, section=title))
        elif token.type in ("fence", "code_block") and token.map:
            title = heading_path(headings)
            first = token.map[0] + (2 if token.type == "fence" else 1)
            collector.add(token.content.splitlines(), first, title, at=Citation(source, section=title))
    return collector.result()


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """A Markdown file's bytes, decoded."""
    return parse_markdown(context.source, decode_text(data))
