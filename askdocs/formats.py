"""Turn the decoded content of one file into passages, one function per format."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from askdocs.cleaning import drop_reason, normalize
from askdocs.records import Citation, Passage

logger = logging.getLogger(__name__)

# A block of lines no longer than this is hard-wrapped prose, joined into one paragraph;
# longer lines (as in the seeds) are each a paragraph of their own.
WRAP_WIDTH = 100
_HTML_SKIP = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form"]
_HTML_BLOCKS = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "pre",
    "blockquote",
    "td",
    "th",
    "dd",
    "dt",
    "figcaption",
]
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class DroppedLine:
    """A line (or paragraph) left out of the index, and why."""

    source: str
    line: int | None
    reason: str
    text: str


@dataclass(frozen=True)
class ParsedFile:
    """What one file yielded."""

    passages: list[Passage]
    dropped: list[DroppedLine]


class _Collector:
    """Builds passages from raw lines, applying normalisation and the drop rules."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.passages: list[Passage] = []
        self.dropped: list[DroppedLine] = []

    def add(
        self, lines: Iterable[str], first_line: int | None, title: str | None = None, page: int | None = None
    ) -> None:
        """Normalise a paragraph's lines and keep it, or record why it was dropped."""
        parts: list[str] = []
        starts: list[int] = []
        offset = 0
        for raw in lines:
            text = normalize(raw)
            # A blank line maps to where the next text starts, so offsets still find their line.
            starts.append(offset)
            if text:
                parts.append(text)
                offset += len(text) + 1
        joined = " ".join(parts)
        if not joined:
            return
        reason = drop_reason(joined)
        if reason:
            self.dropped.append(DroppedLine(self.source, first_line, reason, joined))
            return
        if page is not None or first_line is None:
            citation = Citation(source=self.source, page=page)
            self.passages.append(Passage(joined, (citation,), title))
            return
        # Leading blank lines (a fence's opening line) do not hold the text.
        skip = 0
        while skip + 1 < len(starts) and starts[skip + 1] == 0:
            skip += 1
        citation = Citation(source=self.source, line=first_line + skip)
        self.passages.append(Passage(joined, (citation,), title, tuple(starts[skip:])))

    def result(self) -> ParsedFile:
        return ParsedFile(self.passages, self.dropped)


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 1-based number of their first line."""
    start, block = 0, []
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_text(source: str, text: str) -> ParsedFile:
    """Plain text: a paragraph is a block of wrapped lines, or one long line."""
    collector = _Collector(source)
    for start, block in _blocks(text.splitlines()):
        if max(len(line) for line in block) <= WRAP_WIDTH:
            collector.add(block, start)
        else:
            for i, line in enumerate(block):
                collector.add([line], start + i)
    return collector.result()


def parse_markdown(source: str, text: str) -> ParsedFile:
    """Markdown: paragraphs, list items and code blocks; headings title what follows."""
    from markdown_it import MarkdownIt

    collector = _Collector(source)
    headings: list[tuple[int, str]] = []
    tokens = MarkdownIt("commonmark").parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1:])
            heading = normalize(tokens[i + 1].content)
            headings = [(lvl, h) for lvl, h in headings if lvl < level] + [(level, heading)]
        elif token.type in ("paragraph_open",) and token.map:
            inline = tokens[i + 1]
            lines: list[str] = [""]
            for child in inline.children or []:
                if child.type in ("softbreak", "hardbreak"):
                    lines.append("")
                else:
                    lines[-1] += child.content
            title = " > ".join(h for _, h in headings) or None
            collector.add(lines, token.map[0] + 1, title)
        elif token.type in ("fence", "code_block") and token.map:
            title = " > ".join(h for _, h in headings) or None
            first = token.map[0] + (2 if token.type == "fence" else 1)
            collector.add(token.content.splitlines(), first, title)
    return collector.result()


def parse_html(source: str, text: str) -> ParsedFile:
    """HTML: the visible text of block elements; scripts, styles and menus are left out."""
    from bs4 import BeautifulSoup

    collector = _Collector(source)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_HTML_SKIP):
        tag.decompose()
    heading: str | None = None
    for tag in soup.find_all(_HTML_BLOCKS):
        # Only the innermost blocks, so nested list items and paragraphs are read once.
        if tag.find(_HTML_BLOCKS):
            continue
        content = tag.get_text(" ")
        if tag.name in _HEADINGS:
            heading = normalize(content) or heading
        collector.add([content], tag.sourceline, heading)
    return collector.result()


def parse_pdf(source: str, data: bytes) -> ParsedFile:
    """PDF: the text of each page, in paragraphs, cited by page."""
    from pypdf import PdfReader

    collector = _Collector(source)
    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages, 1):
        for _, block in _blocks((page.extract_text() or "").splitlines()):
            collector.add(block, None, page=number)
    return collector.result()


def parse_jsonl(source: str, text: str) -> ParsedFile:
    """JSON Lines in BEIR form: `_id` (or `id`), `title`, `text`, `url`."""
    collector = _Collector(source)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            doc_id = str(record.get("_id", record.get("id")))
            body = normalize(str(record.get("text") or ""))
        except (json.JSONDecodeError, AttributeError):
            collector.dropped.append(DroppedLine(source, number, "invalid JSON record", line[:200]))
            continue
        title = normalize(str(record.get("title") or "")) or None
        url = record.get("url") or None
        if not body:
            collector.dropped.append(DroppedLine(source, number, "empty record", line[:200]))
            continue
        citation = Citation(source=source, doc_id=doc_id, title=title, url=url)
        collector.passages.append(Passage(body, (citation,), title))
    return collector.result()
