"""Writing and opening a build folder's files: `BuildWriter` and `BuildReader`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.errors import IndexCorruptError, IndexMismatchError, rebuild_hint
from askdocs.fileio import JsonlRows, file_sha256, read_jsonl, write_json, write_jsonl
from askdocs.index.build_folder.names import (
    CHUNK_PASSAGES,
    CHUNKS,
    DOCUMENTS,
    EMBEDDINGS,
    FORMAT_VERSION,
    MANIFEST,
    MERGED_HASHES,
    MERGED_PREFIX,
    MINHASH_KEYS,
    MINHASHES,
    PASSAGES,
    PLANS,
    REPORT,
    SENTENCE_OFFSETS,
    SENTENCES,
    SOURCE_ORDER,
    SOURCES,
)
from askdocs.index.build_folder.schema import ChunkRow, ChunkVectors, Lookups, Manifest, reading_order
from askdocs.records import ChunkPlan, Citation, Passage


class BuildWriter:
    """Writes the files of one new build folder; `finish` records their checksums in the manifest."""

    def __init__(self, build: Path) -> None:
        self.build = build

    def path(self, name: str) -> Path:
        """Where a component writes a file of its own format (`VECTOR_INDEX_STEM`, `KEYWORD_DIR`, `TOKENIZER`)."""
        return self.build / name

    def rows(self, passages: Iterable[Passage], chunks: Iterable[ChunkRow]) -> None:
        """The passage and chunk rows, by id."""
        write_jsonl(self.build / PASSAGES, (p.to_json() for p in passages))
        write_jsonl(self.build / CHUNKS, (c.to_json() for c in chunks))

    def chunk_vectors(self, vectors: np.ndarray, sentences: Sequence[np.ndarray], merged: bool = False) -> None:
        """Chunk vectors (float32) and their sentences' (float16); `merged`: of passages merged away."""
        prefix = MERGED_PREFIX if merged else ""
        offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])]).astype(np.int64)
        np.save(self.build / f"{prefix}{EMBEDDINGS}", vectors.astype(np.float32, copy=False), allow_pickle=False)
        # Written chunk by chunk into the file, not stacked first: a 500k-chunk shard's sentence
        # vectors are 2 GB as float32 (the file is the same as np.save's).
        stored = np.lib.format.open_memmap(
            self.build / f"{prefix}{SENTENCES}", mode="w+", dtype=np.float16, shape=(int(offsets[-1]), vectors.shape[1])
        )
        for start, rows in zip(offsets[:-1].tolist(), sentences):
            stored[start : start + len(rows)] = rows
        stored.flush()
        del stored
        np.save(self.build / f"{prefix}{SENTENCE_OFFSETS}", offsets, allow_pickle=False)

    def reusables(
        self,
        merged_hashes: list[str],
        plans: Mapping[str, ChunkPlan],
        minhash_keys: Sequence[str],
        minhashes: np.ndarray,
    ) -> None:
        """What the next build reuses: merged-away chunks' hashes, chunk plans by key, MinHashes by text hash."""
        write_json(self.build / MERGED_HASHES, merged_hashes)
        write_json(self.build / PLANS, {key: [p.titled, [list(span) for span in p.spans]] for key, p in plans.items()})
        np.save(self.build / MINHASHES, minhashes.astype(np.uint32), allow_pickle=False)
        np.save(self.build / MINHASH_KEYS, np.array(list(minhash_keys), dtype="S64"), allow_pickle=False)

    def documents(self, documents: Iterable[Any]) -> None:
        """Each file as read (`readers.Document.to_json` rows), so the next build re-reads only changed files."""
        write_jsonl(self.build / DOCUMENTS, (d.to_json() for d in documents))

    def lookups(self, chunk_passages: Sequence[int], citations: Iterable[Sequence[Citation]]) -> None:
        """The lookups (`citations`: each passage's citations, by passage id)."""
        sources, order = reading_order(citations)
        np.save(self.build / CHUNK_PASSAGES, np.asarray(chunk_passages, dtype=np.int64), allow_pickle=False)
        write_json(self.build / SOURCES, sources)
        np.save(self.build / SOURCE_ORDER, order, allow_pickle=False)

    def report(self, report: dict[str, Any]) -> None:
        """The report for people."""
        write_json(self.build / REPORT, report)

    def finish(self, manifest: Manifest) -> Manifest:
        """Record every file's checksum and write the manifest, last."""
        files = sorted(p for p in self.build.rglob("*") if p.is_file() and p.name != MANIFEST)
        checksums = {
            p.relative_to(self.build).as_posix(): {"sha256": file_sha256(p), "bytes": p.stat().st_size} for p in files
        }
        manifest = Manifest(**{**manifest.__dict__, "files": checksums, "format_version": FORMAT_VERSION})
        write_json(self.build / MANIFEST, manifest.to_json())
        return manifest


class BuildReader:
    """Opens the files of a written build; arrays are memory-mapped where a question reads only a few rows."""

    def __init__(self, build: Path) -> None:
        self.build = build

    def path(self, name: str) -> Path:
        """Where a component's own files are (`VECTOR_INDEX_STEM`, `KEYWORD_DIR`, `TOKENIZER`)."""
        return self.build / name

    def manifest(self, index_dir: Path, verify: bool = True) -> Manifest:
        """The manifest, after checking the format version and (`verify`) every file's checksum."""
        try:
            data = json.loads((self.build / MANIFEST).read_text(encoding="utf-8"))
            version = data.get("format_version")
        except (OSError, json.JSONDecodeError, AttributeError) as error:
            raise IndexCorruptError(
                f"the index manifest in {self.build} is unreadable ({error}): {rebuild_hint(index_dir)}"
            ) from error
        if version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"the index at {index_dir} has format version {version}, "
                f"this askdocs reads version {FORMAT_VERSION}: {rebuild_hint(index_dir)}"
            )
        try:
            manifest = Manifest.from_json(data)
        except (KeyError, TypeError, ValueError) as error:
            raise IndexCorruptError(
                f"the index manifest in {self.build} is incomplete ({error}): {rebuild_hint(index_dir)}"
            ) from error
        if verify:
            self._verify(manifest, index_dir)
        return manifest

    def _verify(self, manifest: Manifest, index_dir: Path) -> None:
        for name, expected in manifest.files.items():
            path = self.build / name
            if not path.is_file():
                raise IndexCorruptError(
                    f"the index file {name} is missing from {self.build}: {rebuild_hint(index_dir)}"
                )
            if path.stat().st_size != expected["bytes"] or file_sha256(path) != expected["sha256"]:
                raise IndexCorruptError(
                    f"the index file {name} in {self.build} is damaged (checksum mismatch): {rebuild_hint(index_dir)}"
                )

    def passages(self) -> JsonlRows[Passage]:
        """Every passage row, parsed when read."""
        return JsonlRows(self.build / PASSAGES, Passage.from_json)

    def chunks(self) -> JsonlRows[ChunkRow]:
        """Every chunk row, parsed when read."""
        return JsonlRows(self.build / CHUNKS, ChunkRow.from_json)

    def chunk_hashes(self) -> list[str]:
        """Every chunk's embedding hash, by chunk id."""
        return [row["hash"] for row in read_jsonl(self.build / CHUNKS)]

    def merged_hashes(self) -> list[str]:
        """The hashes of the chunks of passages merged away, in `chunk_vectors(merged=True)` order."""
        return json.loads((self.build / MERGED_HASHES).read_text(encoding="utf-8"))

    def chunk_vectors(self, merged: bool = False) -> ChunkVectors:
        """The stored chunk and sentence vectors (memory-mapped)."""
        prefix = MERGED_PREFIX if merged else ""
        return ChunkVectors(
            np.load(self.build / f"{prefix}{EMBEDDINGS}", mmap_mode="r", allow_pickle=False),
            np.load(self.build / f"{prefix}{SENTENCES}", mmap_mode="r", allow_pickle=False),
            np.load(self.build / f"{prefix}{SENTENCE_OFFSETS}", allow_pickle=False),
        )

    def plans(self) -> dict[str, ChunkPlan]:
        """The chunk plans by key; none for builds made before plans were kept."""
        if not (self.build / PLANS).is_file():
            return {}
        rows = json.loads((self.build / PLANS).read_text(encoding="utf-8"))
        return {key: ChunkPlan(tuple(tuple(span) for span in spans), titled) for key, (titled, spans) in rows.items()}

    def minhashes(self) -> tuple[list[str], np.ndarray]:
        """Text hashes and their MinHash signatures; none for builds made before they were kept."""
        if not (self.build / MINHASHES).is_file():
            return [], np.zeros((0, 0), np.uint32)
        keys = np.load(self.build / MINHASH_KEYS, allow_pickle=False)
        return [key.decode() for key in keys.tolist()], np.load(self.build / MINHASHES, allow_pickle=False)

    def documents(self) -> list[dict[str, Any]]:
        """The files as read, as stored rows; none for builds made before they were kept."""
        if not (self.build / DOCUMENTS).is_file():
            return []
        return read_jsonl(self.build / DOCUMENTS)

    def lookups(self) -> Lookups | None:
        """The stored lookups, or None for a build made before they were stored."""
        if not (self.build / CHUNK_PASSAGES).is_file():
            return None
        return Lookups(
            np.load(self.build / CHUNK_PASSAGES, allow_pickle=False),
            json.loads((self.build / SOURCES).read_text(encoding="utf-8")),
            np.load(self.build / SOURCE_ORDER, allow_pickle=False).reshape(-1, 2),
        )

    def report(self) -> dict[str, Any]:
        """The report for people."""
        return json.loads((self.build / REPORT).read_text(encoding="utf-8"))

    def skipped_files(self) -> dict[str, str]:
        """The corpus files the build did not index, each with the reason (from the report)."""
        return {entry["source"]: entry["reason"] for entry in self.report().get("skipped", [])}
