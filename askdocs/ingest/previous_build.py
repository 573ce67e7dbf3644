"""What a build reuses from the live one: files as read, chunk embeddings, chunk plans and MinHash signatures.

A file whose content (SHA-256) and name are unchanged is not parsed again: its passages come from
the live build, provided the same readers (`READERS_VERSION`) and read limits made them. So does a
file whose content the live build refused (a zip bomb, a damaged file): it is skipped again, for the
same reason, until it changes.

Chunk embeddings are kept by their key (`embed.chunk_key`), so `embed.embed_chunks` embeds only new
or edited chunks. A passage's chunk plan is keyed by its title and text, and its MinHash signature
by its text, so only new or edited passages are tokenised and hashed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.index.build_folder import READERS_VERSION, BuildReader, Manifest
from askdocs.index.shards import open_shards
from askdocs.ingest.corpus import CorpusFile, Document, SkippedFile, current_sha256
from askdocs.ingest.embed import Embedded
from askdocs.ingest.near_duplicates import NUM_PERM
from askdocs.records import ChunkPlan
from askdocs.settings import IndexSettings, ReadLimits


@dataclass(frozen=True)
class Previous:
    """What the live build computed that the next build reuses: embeddings, chunk plans and MinHashes by content hash."""

    embeddings: dict[str, Embedded] = field(default_factory=dict)
    plans: dict[str, ChunkPlan] = field(default_factory=dict)
    # MinHash signatures by content hash of the passage text (near-duplicate detection).
    minhashes: dict[str, np.ndarray] = field(default_factory=dict)
    # Each file as read, by its name in the corpus, and what the build recorded of it (size, mtime, sha256).
    documents: dict[str, Document] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Files whose content the live build refused, by name (each with the content's SHA-256).
    refused: dict[str, SkippedFile] = field(default_factory=dict)
    # The model that made `embeddings` and `plans` (its tokenizer counted the plans' pieces).
    model: str = ""

    def for_model(self, model: str) -> Previous:
        """What a build with `model` may reuse: without the embeddings and chunk plans of another model."""
        return self if model == self.model else replace(self, embeddings={}, plans={}, model=model)

    def reading_for(self, file: CorpusFile, limits: ReadLimits) -> Document | SkippedFile | None:
        """The live build's reading of this file (or its refusal) when its content is unchanged; None to read it."""
        known: Document | SkippedFile | None = self.documents.get(file.source) or self.refused.get(file.source)
        if known is None or file.size > limits.max_bytes:
            return None
        if isinstance(known, Document) and file.size != known.size:
            return None
        # Touched or copied over: the content decides; hashing is far cheaper than parsing.
        return known if current_sha256(file, self.files.get(file.source)) == known.sha256 else None


def _embeddings(build: BuildReader, hashes: list[str], merged: bool) -> dict[str, Embedded]:
    """The build's stored embeddings of its live chunks (or, `merged`, of those merged away), by key."""
    stored = build.chunk_vectors(merged=merged)
    offsets = stored.offsets
    return {
        key: Embedded(stored.vectors[i], stored.sentences[offsets[i] : offsets[i + 1]]) for i, key in enumerate(hashes)
    }


def _minhashes(build: BuildReader) -> dict[str, np.ndarray]:
    """The build's MinHash signatures by content hash; none for builds made before they were kept."""
    keys, signatures = build.minhashes()
    if signatures.shape != (len(keys), NUM_PERM):  # another NUM_PERM: compute them again
        return {}
    return dict(zip(keys, signatures))


def _same_readers(manifest: Manifest, settings: IndexSettings) -> bool:
    """True when the build's readers and read limits would read files as these settings do."""
    before = manifest.settings
    return (
        manifest.readers_version == READERS_VERSION
        and before is not None
        and before.read_limits() == settings.read_limits()
    )


def _documents(build: BuildReader, manifest: Manifest, settings: IndexSettings) -> dict[str, Document]:
    """The build's files as read, when the same readers and read limits would read them the same way."""
    if not _same_readers(manifest, settings):
        return {}
    return {row["source"]: Document.from_json(row) for row in build.documents()}


def _refused(build: BuildReader, manifest: Manifest, settings: IndexSettings) -> dict[str, SkippedFile]:
    """The files whose content the build read and refused, under the same readers and limits."""
    if not _same_readers(manifest, settings):
        return {}
    entries = build.report().get("skipped", [])
    return {e["source"]: SkippedFile(e["source"], e["reason"], e["sha256"]) for e in entries if e.get("sha256")}


def load_previous(build: BuildReader, manifest: Manifest, settings: IndexSettings) -> Previous:
    """What a build reuses of the live one (of each of its shards, for a sharded build)."""
    if not manifest.shards:
        return _load_one(build, manifest, settings)
    parts = [_load_one(shard, part, settings) for shard, part in open_shards(build, manifest, Path(build.build).parent)]
    merged = Previous(model=manifest.model, files=manifest.corpus_files)
    for part in parts:
        merged.embeddings.update(part.embeddings)
        merged.plans.update(part.plans)
        merged.minhashes.update(part.minhashes)
        merged.documents.update(part.documents)
        merged.refused.update(part.refused)
    return merged


def _load_one(build: BuildReader, manifest: Manifest, settings: IndexSettings) -> Previous:
    """A verified build's files as read, embeddings, chunk plans (same chunk settings) and MinHashes.

    Its embeddings and plans are its model's: `Previous.for_model` drops them for a build with another.
    """
    documents, files = _documents(build, manifest, settings), manifest.corpus_files
    refused = _refused(build, manifest, settings)
    cache = _embeddings(build, build.chunk_hashes(), merged=False)
    cache.update(_embeddings(build, build.merged_hashes(), merged=True))
    before = manifest.settings
    same_chunking = before is not None and (before.chunk_tokens, before.overlap_sentences) == (
        settings.chunk_tokens,
        settings.overlap_sentences,
    )
    plans = build.plans() if same_chunking else {}
    return Previous(cache, plans, _minhashes(build), documents, files, refused, manifest.model)
