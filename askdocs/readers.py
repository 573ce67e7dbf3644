"""Walk the corpus folder, decode each file safely and hand it to its format's parser."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from askdocs import formats
from askdocs.formats import DroppedLine, ParsedFile
from askdocs.records import Passage

logger = logging.getLogger(__name__)

TEXT_FORMATS = {
    ".txt": formats.parse_text,
    ".md": formats.parse_markdown,
    ".markdown": formats.parse_markdown,
    ".html": formats.parse_html,
    ".htm": formats.parse_html,
    ".jsonl": formats.parse_jsonl,
}
SUPPORTED = (*TEXT_FORMATS, ".pdf")


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that was not indexed, and why."""

    source: str
    reason: str


@dataclass(frozen=True)
class Document:
    """One corpus file as read: its fingerprint, passages and dropped lines."""

    source: str
    sha256: str
    size: int
    passages: list[Passage]
    dropped: list[DroppedLine]


@dataclass(frozen=True)
class CorpusFile:
    """A file found in the corpus folder, before reading."""

    path: Path
    source: str
    size: int
    mtime_ns: int


def list_corpus(corpus_dir: Path) -> tuple[list[CorpusFile], list[SkippedFile]]:
    """Every regular file under the corpus folder; links leading outside it are skipped."""
    root = corpus_dir.resolve()
    found: list[CorpusFile] = []
    skipped: list[SkippedFile] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            source = path.relative_to(root).as_posix()
            if name.startswith("."):
                continue
            real = path.resolve()
            if not real.is_relative_to(root):
                skipped.append(SkippedFile(source, "link pointing outside the corpus"))
                continue
            if not real.is_file():
                skipped.append(SkippedFile(source, "not a regular file"))
                continue
            stat = real.stat()
            found.append(CorpusFile(path, source, stat.st_size, stat.st_mtime_ns))
    return found, skipped


def decode(data: bytes) -> str | None:
    """The text of a file in whatever encoding it is in, or None for binary data."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    # Short samples fit many single-byte code pages equally well; Windows-1252 (a superset of
    # Latin-1) is by far the likeliest for Western text, so it wins a tie.
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= best.chaos + 0.01:
        return str(western)
    return str(best)


def read_file(file: CorpusFile, max_bytes: int) -> Document | SkippedFile:
    """Read and parse one corpus file, or say why it was skipped."""
    suffix = file.path.suffix.lower()
    if suffix not in SUPPORTED:
        return SkippedFile(file.source, f"unsupported format '{suffix or file.path.name}'")
    if file.size == 0:
        return SkippedFile(file.source, "empty file")
    if file.size > max_bytes:
        return SkippedFile(file.source, f"larger than the {max_bytes:,}-byte limit (--max-file-bytes)")
    data = file.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        if suffix == ".pdf":
            parsed: ParsedFile = formats.parse_pdf(file.source, data)
        else:
            text = decode(data)
            if text is None:
                return SkippedFile(file.source, "binary or undecodable content")
            parsed = TEXT_FORMATS[suffix](file.source, text)
    except Exception as error:  # noqa: BLE001 - a broken file must never stop the ingest
        logger.warning("skipping %s: %s", file.source, error)
        return SkippedFile(file.source, f"could not be parsed: {error}")
    if not parsed.passages:
        return SkippedFile(file.source, "no text to index")
    return Document(file.source, digest, file.size, parsed.passages, parsed.dropped)
