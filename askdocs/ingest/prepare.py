"""Ingest's first phase: read the corpus, merge duplicates, chunk and embed, into a `PreparedBuild` record.

Nothing here touches the index folder; `pipeline.py` writes the record as a build and publishes it.
The per-item work (reading, chunk plans, embeddings, MinHashes) runs on an `executor.Executor`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.encoders import Encoder
from askdocs.errors import EmptyCorpusError
from askdocs.fileio import content_hash
from askdocs.ingest.chunking import chunk_with_planner, cite
from askdocs.ingest.corpus import CorpusFile, Document, SkippedFile, list_corpus
from askdocs.ingest.embed import Embedded, embed_chunks
from askdocs.ingest.exact_duplicates import DedupResult, DuplicateGroup, content_hashes, merge_exact
from askdocs.ingest.executor import Executor, in_parts
from askdocs.ingest.near_duplicates import merge_near, minhash_signatures
from askdocs.ingest.previous_build import Previous
from askdocs.languages import language_shares
from askdocs.library_settings import SETTINGS_FILE, read_library_file
from askdocs.records import Chunk, ChunkPlan, Passage
from askdocs.settings import IndexSettings
from askdocs.vectors import passage_vectors


@dataclass(frozen=True)
class CorpusReading:
    """The corpus as read: its files, the documents and skipped files in corpus order, and the library's settings."""

    library: dict[str, Any]  # what the corpus folder's askdocs.toml says (library.read_library_file)
    files: list[CorpusFile]
    documents: list[Document]
    skipped: list[SkippedFile]
    documents_reused: int  # not parsed again: unchanged since the previous build

    @cached_property
    def languages(self) -> dict[str, float]:
        """Each language's share of the documents' characters, largest first (worked out once)."""
        return language_shares((d.language, d.characters) for d in self.documents)


@dataclass(frozen=True)
class PreparedBuild:
    """Everything a build holds, computed; written to a build folder by `pipeline.write_build`."""

    files: list[CorpusFile]
    library: dict[str, Any]  # what the corpus folder's askdocs.toml says (library.read_library_file)
    documents: list[Document]
    skipped: list[SkippedFile]
    passages_read: int
    deduped: DedupResult  # the unique passages, by passage id, and every duplicate group merged
    chunks: list[Chunk]  # by chunk id, a passage's chunks consecutive and in passage order
    embedded: list[Embedded]  # each chunk's vectors
    vectors: np.ndarray  # the same chunk vectors as one float32 array
    hashes: list[str]  # each chunk's embedding key
    merged_away: list[tuple[str, Embedded]]  # chunks of passages merged as near-duplicates, kept for reuse
    merged_vectors: np.ndarray  # their vectors as one array
    plans: dict[str, ChunkPlan]
    minhash_keys: list[str]  # content hash of each exact-deduplicated passage's text
    minhashes: np.ndarray
    chunks_embedded: int  # of every chunk, before near-duplicates were merged
    chunks_reused: int  # ... taken from the previous build instead
    documents_reused: int = 0  # files not parsed again: unchanged since the previous build
    languages: dict[str, float] = field(default_factory=dict)  # CorpusReading.languages


def read_corpus(
    corpus_dir: Path,
    settings: IndexSettings,
    executor: Executor,
    previous: Previous | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
    only: set[str] | None = None,
) -> CorpusReading:
    """Read every corpus file (an unchanged one as `previous` read it); broken ones are skipped, never fatal.

    `only`: read just these of the files (a step of a long ingest, ingest/steps.py); the others wait."""
    library = read_library_file(corpus_dir)  # first: a broken askdocs.toml stops the ingest before any work
    if not corpus_dir.is_dir():
        raise EmptyCorpusError(f"the corpus folder {corpus_dir} does not exist; create it and put documents in it")
    files, skipped = list_corpus(corpus_dir)
    limits = settings.read_limits()
    # askdocs.toml describes the library (library_settings.py); it is fingerprinted with the corpus, not read as a document.
    readable = [f for f in files if f.source != SETTINGS_FILE and (only is None or f.source in only)]
    if only is not None:
        files = [f for f in files if f.source in only or f.source == SETTINGS_FILE]
    known = {f.source: previous.reading_for(f, limits) for f in readable} if previous is not None else {}
    todo = [f for f in readable if known.get(f.source) is None]
    on_stage(f"reading {len(todo):,} new or changed file(s)")
    fresh = iter(executor.read(todo, limits))
    documents: list[Document] = []
    for file in readable:
        result = known.get(file.source) or next(fresh)
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            documents.append(result)
    reused = sum(1 for d in known.values() if isinstance(d, Document))
    return CorpusReading(library, files, documents, skipped, reused)


def prepare_build(
    corpus_dir: Path,
    reading: CorpusReading,
    settings: IndexSettings,
    encoder: Encoder,
    previous: Previous,
    executor: Executor,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> PreparedBuild:
    """Merge exact duplicates, chunk, embed (reusing `previous`), then merge near-duplicates, of the corpus as
    read. `encoder` names the vectors (cache keys) and their size; `executor` does the per-item work;
    `on_stage` hears what is being done, with its size, for a progress display."""
    documents, skipped = reading.documents, reading.skipped
    passages = [p for d in documents for p in d.passages]
    if not passages:
        reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:5]) or "it is empty"
        raise EmptyCorpusError(f"no indexable text in {corpus_dir} ({reasons}); the previous index, if any, is kept")
    exact = merge_exact(passages, _hashed(passages, executor))
    chunk_tokens = min(settings.chunk_tokens, encoder.max_tokens)

    def planner(todo: list[Passage]) -> list[ChunkPlan]:
        return executor.plan(todo, chunk_tokens, settings.overlap_sentences)

    chunks, plans = chunk_with_planner(exact.passages, planner, known=previous.plans)

    def embed(texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        on_stage(f"embedding {len(texts):,} new chunk(s) of text")
        return executor.embed(texts, spans)

    items, hashes, embedded = embed_chunks(chunks, encoder.cache_name, previous.embeddings, embed)
    vectors = np.stack([e.vector for e in items]) if items else np.zeros((0, encoder.dimension), np.float32)
    texts = [p.text for p in exact.passages]
    signatures = minhash_signatures(texts, previous.minhashes, executor.minhash)
    unique, kept_chunks, rows, groups = _merge_near_duplicates(
        exact.passages, chunks, vectors, settings, signatures, executor
    )
    # Chunks of passages merged away are kept in the cache, so they are not embedded again.
    merged_away = sorted(set(range(len(hashes))) - set(rows))
    return PreparedBuild(
        files=reading.files,
        library=reading.library,
        documents=documents,
        skipped=skipped,
        passages_read=len(passages),
        deduped=DedupResult(unique, exact.groups + groups),
        chunks=kept_chunks,
        embedded=[items[i] for i in rows],
        vectors=vectors[rows],
        hashes=[hashes[i] for i in rows],
        merged_away=[(hashes[i], items[i]) for i in merged_away],
        merged_vectors=vectors[merged_away],
        plans=plans,
        minhash_keys=[content_hash(t) for t in texts],
        minhashes=signatures,
        chunks_embedded=embedded,
        chunks_reused=len(chunks) - embedded,
        documents_reused=reading.documents_reused,
        languages=reading.languages,
    )


def _hashed(passages: list[Passage], executor: Executor) -> list[str]:
    """Each passage's content hash, worked out in parts on the workers (as the near-duplicates' bands)."""
    texts_in_parts = [[p.text for p in part] for part in in_parts(passages, executor.workers)]
    return [key for found in executor.each(content_hashes, texts_in_parts) for key in found]


def _merge_near_duplicates(
    passages: list[Passage],
    chunks: list[Chunk],
    vectors: np.ndarray,
    settings: IndexSettings,
    signatures: np.ndarray,
    executor: Executor,
) -> tuple[list[Passage], list[Chunk], list[int], list[DuplicateGroup]]:
    """Merge near-duplicate passages, judged by the mean of their chunk vectors; keep the kept passages' chunks.
    The LSH bands and the candidates' checks run in parts on the executor's workers."""
    means = passage_vectors(vectors, np.asarray([c.passage_id for c in chunks], dtype=np.int64), len(passages))
    similarity, cosine = settings.near_duplicate_similarity, settings.near_duplicate_cosine
    merged, kept, groups = merge_near(passages, means, similarity, cosine, signatures, executor.each, executor.workers)
    by_passage: dict[int, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_passage.setdefault(chunk.passage_id, []).append(i)
    new_chunks: list[Chunk] = []
    rows: list[int] = []
    for pid, (passage, old) in enumerate(zip(merged, kept)):
        for i in by_passage[old]:
            chunk = chunks[i]
            citations = cite(passage.citations, passage.line_starts, chunk.span)
            new_chunks.append(Chunk(pid, chunk.text, chunk.span, citations, chunk.embed_text))
            rows.append(i)
    return merged, new_chunks, rows, groups
