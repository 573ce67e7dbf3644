"""Plain text (.txt): a paragraph is a block of wrapped lines, or one long line; cited by line."""

from __future__ import annotations

from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, blocks, decode_text

# A block of lines no longer than this is hard-wrapped prose, joined into one paragraph;
# longer lines (as in the seeds) are each a paragraph of their own.
WRAP_WIDTH = 100


def parse_text(source: str, text: str) -> ParsedFile:
    """Plain text: a paragraph is a block of wrapped lines, or one long line."""
    collector = Collector(source)
    for start, block in blocks(text.splitlines()):
        if max(len(line) for line in block) <= WRAP_WIDTH:
            collector.add(block, start)
        else:
            for i, line in enumerate(block):
                collector.add([line], start + i)
    return collector.result()


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """A .txt file's bytes, decoded."""
    return parse_text(context.source, decode_text(data))
