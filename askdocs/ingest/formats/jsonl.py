"""BEIR-style JSON Lines (.jsonl): one record per line, cited by its id, title and url."""

from __future__ import annotations

import json

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, DroppedLine, ParseContext, ParsedFile, decode_text
from askdocs.records import Citation, Passage


def parse_jsonl(source: str, text: str) -> ParsedFile:
    """JSON Lines in BEIR form: `_id` (or `id`), `title`, `text`, `url`."""
    collector = Collector(source)
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


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """A .jsonl file's bytes, decoded."""
    return parse_jsonl(context.source, decode_text(data))
