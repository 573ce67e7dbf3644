"""Walk the corpus folder, decode each file safely and hand it to its format's parser."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from askdocs.fileio import file_sha256
from askdocs.ingest.formats import FORMATS
from askdocs.ingest.formats.base import DroppedLine, ParseContext, SkipFileError
from askdocs.ingest.formats.dates import document_date
from askdocs.languages import SAMPLE_CHARACTERS, detect_language
from askdocs.records import Passage
from askdocs.settings import ReadLimits

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that was not indexed, and why."""

    source: str
    reason: str
    # The content's SHA-256 when the file was read and its content was refused (damaged, a zip bomb,
    # too slow, no text): the next build skips the same content again without parsing it.
    sha256: str | None = None


@dataclass(frozen=True)
class Document:
    """One corpus file as read: its fingerprint, passages and dropped lines."""

    source: str
    sha256: str
    size: int
    passages: list[Passage]
    dropped: list[DroppedLine]
    # ISO 639-1 code of the document's language (languages.detect_language), "" when too short to tell.
    language: str = ""

    @property
    def characters(self) -> int:
        """The length of its text."""
        return sum(len(p.text) for p in self.passages)

    def to_json(self) -> dict[str, Any]:
        """The document as a stored row, so the next build need not parse an unchanged file again."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "size": self.size,
            # line_starts too: chunking cites lines through them.
            "passages": [{**p.to_json(), "line_starts": list(p.line_starts)} for p in self.passages],
            "dropped": [[d.line, d.reason, d.text] for d in self.dropped],
            "language": self.language,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        """Inverse of `to_json`."""
        passages = [
            replace(Passage.from_json(p), line_starts=tuple(p.get("line_starts", (0,)))) for p in data["passages"]
        ]
        dropped = [DroppedLine(data["source"], line, reason, text) for line, reason, text in data["dropped"]]
        language = data["language"] if "language" in data else _language_of(passages)
        return cls(data["source"], data["sha256"], data["size"], passages, dropped, language)


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


def current_sha256(file: CorpusFile, recorded: Mapping[str, Any] | None) -> str:
    """The file's SHA-256: as a build `recorded` it while its size and mtime are unchanged, else hashed now."""
    if recorded and recorded.get("sha256") and (recorded["size"], recorded["mtime_ns"]) == (file.size, file.mtime_ns):
        return str(recorded["sha256"])
    return file_sha256(file.path)


def corpus_fingerprint(files: list[CorpusFile], digests: dict[str, str]) -> dict[str, dict[str, Any]]:
    """What a build was made from (each file's size, mtime and SHA-256), to tell later whether the corpus changed."""
    return {f.source: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": digests.get(f.source)} for f in files}


def changed_files(corpus_dir: Path, recorded: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Corpus files added, removed or edited since a build recorded `corpus_fingerprint`."""
    files, _ = list_corpus(corpus_dir)
    changed = sorted(set(recorded) - {f.source for f in files})
    for f in files:
        before = recorded.get(f.source)
        # A file whose size and mtime are unchanged is not read; a touched one is hashed.
        if (
            before is None
            or before["size"] != f.size
            or (before["mtime_ns"] != f.mtime_ns and current_sha256(f, before) != before.get("sha256"))
        ):
            changed.append(f.source)
    return changed


def format_of(source: str) -> str:
    """The format name a file is counted under: its suffix, lower case (`.pdf`), or `(none)`."""
    return Path(source).suffix.lower() or "(none)"


def read_file(file: CorpusFile, limits: ReadLimits) -> Document | SkippedFile:
    """Read and parse one corpus file, or say why it was skipped."""
    suffix = file.path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        return SkippedFile(file.source, f"unsupported format '{suffix or file.path.name}'")
    if file.size == 0:
        return SkippedFile(file.source, "empty file")
    if file.size > limits.max_bytes:
        return SkippedFile(file.source, f"larger than the {limits.max_bytes:,}-byte limit (--max-file-bytes)")
    data = file.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        parsed = fmt.parse(ParseContext(file.source, limits), data)
    except SkipFileError as reason:
        logger.warning("skipping %s: %s", file.source, reason)
        return SkippedFile(file.source, str(reason), digest)
    except Exception as error:  # noqa: BLE001 - a broken file must never stop the ingest
        logger.warning("skipping %s: %s", file.source, error)
        return SkippedFile(file.source, f"could not be parsed: {type(error).__name__}: {error}"[:500], digest)
    if not parsed.passages:
        return SkippedFile(file.source, "no text to index", digest)
    dated = (document_date(suffix, data) or _modified(file)).isoformat()
    passages = [replace(p, citations=tuple(replace(c, date=dated) for c in p.citations)) for p in parsed.passages]
    return Document(file.source, digest, file.size, passages, parsed.dropped, _language_of(passages))


def _language_of(passages: list[Passage]) -> str:
    """The language of the passages' text, read from its start (`languages.SAMPLE_CHARACTERS`)."""
    sample, size = [], 0
    for passage in passages:
        sample.append(passage.text)
        size += len(passage.text)
        if size >= SAMPLE_CHARACTERS:
            break
    return detect_language("\n".join(sample))


def _modified(file: CorpusFile) -> date:
    """The file's modification day (UTC): its date when its format records none."""
    return datetime.fromtimestamp(file.mtime_ns / 1e9, tz=UTC).date()
