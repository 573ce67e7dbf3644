"""The build's records: stored chunk rows, counts, the manifest, and the lookups every question needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.errors import IndexMismatchError, rebuild_hint
from askdocs.index.build_folder.names import FORMAT_VERSION, READERS_VERSION
from askdocs.records import Citation
from askdocs.settings import IndexSettings


@dataclass(frozen=True)
class ChunkRow:
    """A chunk as stored: a span of its passage, the hash its embedding is cached by, its sentences and citations."""

    passage_id: int
    span: tuple[int, int]
    hash: str
    # Spans of the chunk's sentences, in the chunk's text; their vectors are in sentences.npy.
    sentences: tuple[tuple[int, int], ...]
    citations: tuple[Citation, ...]

    def to_json(self) -> dict[str, Any]:
        """The stored row."""
        return {
            "passage": self.passage_id,
            "span": list(self.span),
            "hash": self.hash,
            "sentences": [list(span) for span in self.sentences],
            "citations": [c.to_json() for c in self.citations],
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> ChunkRow:
        """Inverse of `to_json`."""
        return cls(
            row["passage"],
            tuple(row["span"]),
            row["hash"],
            tuple(tuple(span) for span in row["sentences"]),
            tuple(Citation.from_json(c) for c in row["citations"]),
        )


@dataclass(frozen=True)
class BuildCounts:
    """What a build holds and how it was made, counted."""

    files: int = 0
    skipped_files: int = 0
    passages_read: int = 0
    passages: int = 0
    chunks: int = 0
    duplicates_merged: int = 0
    exact_groups: int = 0
    near_groups: int = 0
    dropped_lines: int = 0
    # Chunks (before near-duplicates were merged) embedded by the model, and taken from the previous build.
    chunks_embedded: int = 0
    chunks_reused: int = 0
    # Files parsed again and files taken, unchanged, from the previous build.
    documents_reused: int = 0
    # Files by format (suffix): {".pdf": {"read": 3, "skipped": 1}}.
    formats: dict[str, dict[str, int]] = field(default_factory=dict)


def format_counts(formats: dict[str, dict[str, int]]) -> str:
    """`.docx 3 · .pdf 2 (1 skipped)`: files read (and skipped) by format."""
    if not formats:
        return "by format not recorded (built by an older askdocs)"
    return " · ".join(
        f"{suffix} {n.get('read', 0)}" + (f" ({n['skipped']} skipped)" if n.get("skipped") else "")
        for suffix, n in sorted(formats.items())
    )


@dataclass(frozen=True)
class Manifest:
    """A build's description; `files` (each file's SHA-256 and size) is filled in by `BuildWriter.finish`."""

    model: str
    dimension: int
    encoder: str
    # None when the build recorded settings this version does not know (it must be rebuilt).
    settings: IndexSettings | None
    counts: BuildCounts
    vector_index: dict[str, Any]
    corpus_path: str = ""
    # Each corpus file's size, mtime_ns and sha256 when built, to tell later whether it changed.
    corpus_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What finds the int8 encoder again (encoders/recorded.py); None for fp32 builds.
    question_encoder: dict[str, Any] | None = None
    built_at: str = ""
    build_seconds: float = 0.0
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # False for an int8 build made before the question encoder was recorded.
    records_encoder: bool = True
    # Why `settings` is None: which recorded settings this version does not know.
    settings_problem: str = ""
    # The version of the format parsers that read the corpus; another means every file is read again.
    readers_version: int = READERS_VERSION
    # `library.LibrarySettings.to_json()`: the title, description, examples and notice the page shows.
    library: dict[str, Any] = field(default_factory=dict)
    # Each language's share of the library's characters (languages.language_shares), largest first;
    # it chose `model` when the settings say "auto". Empty for builds made before languages were detected.
    languages: dict[str, float] = field(default_factory=dict)
    # A sharded build (index/shards.py): its shard folders, in order; empty for a build of one folder.
    shards: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The manifest file's content."""
        return {
            "format_version": self.format_version,
            "readers_version": self.readers_version,
            "library": self.library,
            "languages": self.languages,
            "shards": self.shards,
            "model": self.model,
            "dimension": self.dimension,
            "encoder": self.encoder,
            "question_encoder": self.question_encoder,
            "settings": self.settings.to_json() if self.settings else {},
            "counts": asdict(self.counts),
            "vector_index": self.vector_index,
            "built_at": self.built_at,
            "build_seconds": self.build_seconds,
            "corpus": {"path": self.corpus_path, "files": self.corpus_files},
            "files": self.files,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """A manifest as read; builds of the previous main (ranking settings, "faiss") are read too."""
        settings: IndexSettings | None = None
        problem = ""
        try:
            settings = IndexSettings.from_json(data["settings"])
        except (IndexMismatchError, TypeError) as error:
            problem = str(error)
        known = {f for f in BuildCounts.__dataclass_fields__}
        corpus = data.get("corpus", {})
        return cls(
            model=data["model"],
            dimension=int(data["dimension"]),
            encoder=data.get("encoder", "fp32"),
            settings=settings,
            counts=BuildCounts(**{k: v for k, v in data.get("counts", {}).items() if k in known}),
            vector_index=data.get("vector_index", data.get("faiss", {})),
            corpus_path=corpus.get("path", ""),
            corpus_files=corpus.get("files", {}),
            question_encoder=data.get("question_encoder"),
            built_at=data.get("built_at", ""),
            build_seconds=data.get("build_seconds", 0.0),
            files=data.get("files", {}),
            format_version=data["format_version"],
            records_encoder=data.get("encoder") != "int8" or "question_encoder" in data,
            settings_problem=problem,
            readers_version=data.get("readers_version", 1),
            library=data.get("library", {}),
            languages=data.get("languages", {}),
            shards=list(data.get("shards", [])),
        )

    def index_settings(self, index_dir: Path) -> IndexSettings:
        """The settings the build was made with; for another version's, an error naming the rebuild command."""
        if self.settings is None:
            raise IndexMismatchError(
                f"the index at {index_dir} was built by another version of askdocs ({self.settings_problem}): "
                f"{rebuild_hint(index_dir)}"
            )
        return self.settings


@dataclass(frozen=True)
class Lookups:
    """What every question needs, stored as arrays: each chunk's passage, and each source's passages in order."""

    chunk_passages: np.ndarray  # passage id of each chunk
    sources: list[str]  # every source cited, sorted; a source's number is its place here
    order: np.ndarray  # (source number, passage id) rows, by source, then reading order


def reading_order(citations: Iterable[Sequence[Citation]]) -> tuple[list[str], np.ndarray]:
    """Every source cited, sorted, and (source number, passage id) rows in each source's reading order.

    `citations` holds each passage's citations, by passage id. A passage cited in several places
    appears once for each.
    """
    places: list[tuple[str, int, int, int]] = []
    for pid, cited in enumerate(citations):
        for c in cited:
            # Page, slide or chapter first; then line or paragraph; then passage id, which is reading
            # order within a file (sheet rows, records).
            major = c.page or c.slide or c.chapter or 0
            minor = c.line if c.line is not None else (c.paragraph or 0)
            places.append((c.source, major, minor, pid))
    places.sort()
    sources = sorted({place[0] for place in places})
    number = {source: i for i, source in enumerate(sources)}
    order = np.asarray([(number[place[0]], place[3]) for place in places], dtype=np.int64).reshape(-1, 2)
    return sources, order


@dataclass(frozen=True)
class ChunkVectors:
    """Chunk vectors and their sentences' vectors, as stored (memory-mapped when read)."""

    vectors: np.ndarray
    sentences: np.ndarray
    offsets: np.ndarray  # chunk i's sentence vectors are rows offsets[i]:offsets[i+1]
