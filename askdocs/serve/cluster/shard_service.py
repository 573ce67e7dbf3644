"""One shard of a sharded build, answering the router's questions about it: the body of a Ray Serve
deployment (deployments.py), a plain class so that it runs and is tested without Ray too.

Every call names the build (its folder) it is about, so a replica serves whichever build the router
is on: a newly published build is opened on its first call while the last one still answers the
calls in flight (the two newest are kept open). What a shard answers is what `ShardedIndex` reads of
a shard's `LoadedIndex` (`ShardFacts` once per build, then vector search, keyword counts, vectors and
rows by id); the router merges the answers into one index (remote_shard.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.errors import IndexMissingError, rebuild_hint
from askdocs.index.build_folder import BuildReader
from askdocs.index.loaded import LoadedIndex
from askdocs.index.shards import shard_name
from askdocs.records import Chunk, Passage

# Builds kept open per replica: the live one, and the one before it for calls still in flight.
OPEN_BUILDS = 2


@dataclass(frozen=True)
class ShardFacts:
    """What the router holds of a shard for a build's lifetime: sizes and the small per-chunk arrays."""

    chunks: int
    passages: int
    sentences: int
    dimension: int
    vector_dtype: str
    chunk_passages: np.ndarray
    sentence_offsets: np.ndarray
    sources: list[str]
    reading_order: np.ndarray
    keyword_total_length: int
    keyword_analysis: dict[str, Any]


@dataclass(frozen=True)
class ChunkRows:
    """Chunks by id with their passages and their sentences' vectors: what a hit's display reads."""

    chunks: dict[int, Chunk]
    passages: dict[int, Passage]
    sentence_vectors: dict[int, np.ndarray]  # sentence row -> its vector


class ShardService:
    """Shard `number` of the builds published in `index_dir`, opened on demand."""

    def __init__(self, index_dir: str, number: int) -> None:
        self.index_dir, self.number = Path(index_dir), number
        self._open: OrderedDict[str, LoadedIndex] = OrderedDict()
        self._lock = threading.Lock()

    def shard(self, build: str) -> LoadedIndex:
        """This shard of the build folder `build`, opened once."""
        with self._lock:
            if build in self._open:
                self._open.move_to_end(build)
                return self._open[build]
        folder = Path(build) / shard_name(self.number)
        if not folder.is_dir():
            raise IndexMissingError(f"shard {self.number} of {build} is not there: {rebuild_hint(self.index_dir)}")
        reader = BuildReader(folder)
        opened = LoadedIndex(self.index_dir, reader, reader.manifest(self.index_dir, verify=False))
        with self._lock:
            self._open[build] = opened
            while len(self._open) > OPEN_BUILDS:
                self._open.popitem(last=False)
        return opened

    def facts(self, build: str) -> ShardFacts:
        """The shard's sizes, per-chunk arrays and reading order."""
        shard = self.shard(build)
        sources, order = shard.reading_lookups()
        keywords = shard.keywords
        return ShardFacts(
            chunks=len(shard.chunks),
            passages=len(shard.passages),
            sentences=len(shard.sentence_vectors),
            dimension=int(shard.chunk_vectors.shape[1]),
            vector_dtype=str(shard.chunk_vectors.dtype),
            chunk_passages=np.asarray(shard.chunk_passages),
            sentence_offsets=np.asarray(shard.sentence_offsets),
            sources=sources,
            reading_order=np.asarray(order),
            keyword_total_length=keywords.total_length(),  # type: ignore[union-attr]
            keyword_analysis=keywords.analysis.to_json(),
        )

    def vector_search(self, build: str, query: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The shard's `depth` nearest chunks (ids, scores)."""
        return self.shard(build).vector_index.search(query, depth)

    def first_pass(
        self, build: str, query: np.ndarray, depth: int, words: list[str]
    ) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, int]]:
        """A question's first two reads in one answer: the nearest chunks (none for depth 0), the words' frequencies."""
        shard = self.shard(build)
        nearest = shard.vector_index.search(query, depth) if depth else (np.zeros(0, np.int64), np.zeros(0, np.float32))
        return nearest, shard.keywords.frequencies(words)  # type: ignore[union-attr]

    def frequencies(self, build: str, words: list[str]) -> dict[str, int]:
        """How many of the shard's chunks hold each word."""
        return self.shard(build).keywords.frequencies(words)  # type: ignore[union-attr]

    def keyword_scores(
        self, build: str, words: list[str], idfs: dict[str, float], average_length: float, k1: float, b: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The chunks with a BM25 score by the corpus's statistics, and their scores: only those, not a
        score for every chunk (most chunks hold none of a question's words)."""
        scores = self.shard(build).keywords.scores(words, idfs, average_length, k1, b)  # type: ignore[call-arg]
        rows = np.flatnonzero(scores).astype(np.int32)
        return rows, scores[rows]

    def chunks_holding_folded(self, build: str, folded: str) -> np.ndarray:
        """The chunks holding any spelling of an accent-free word."""
        return self.shard(build).keywords.chunks_holding_folded(folded)  # type: ignore[union-attr]

    def vectors(self, build: str, kind: str, rows: np.ndarray) -> np.ndarray:
        """Stored vectors by row: `kind` "chunk" or "sentence"."""
        shard = self.shard(build)
        stored = shard.chunk_vectors if kind == "chunk" else shard.sentence_vectors
        return np.asarray(stored[np.asarray(rows, dtype=np.int64)])

    def chunk_vectors_with_mates(self, build: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of these chunks and of every other chunk of their passages (ids, vectors): a
        question reads the candidates' vectors, then their passages' (one call instead of two)."""
        shard = self.shard(build)
        passages = np.unique(shard.chunk_passages[np.asarray(rows, dtype=np.int64)])
        every = shard.chunks_of_passages(passages)
        return every, np.asarray(shard.chunk_vectors[every])

    def passages(self, build: str, ids: list[int]) -> dict[int, Passage]:
        """Passages by id."""
        shard = self.shard(build)
        return {pid: shard.passages[pid] for pid in ids}

    def chunk_rows(self, build: str, chunk_ids: list[int]) -> ChunkRows:
        """The chunks, their passages and their sentence vectors, in one answer."""
        shard = self.shard(build)
        chunks = {cid: shard.chunks[cid] for cid in chunk_ids}
        passages = {c.passage_id: shard.passages[c.passage_id] for c in chunks.values()}
        spans = [range(int(shard.sentence_offsets[c]), int(shard.sentence_offsets[c + 1])) for c in chunk_ids]
        rows = np.asarray([row for span in spans for row in span], dtype=np.int64)
        stored = np.asarray(shard.sentence_vectors[rows]) if rows.size else np.zeros((0, 0), dtype=np.float32)
        return ChunkRows(chunks, passages, dict(zip(rows.tolist(), stored)))

    def check_health(self) -> None:
        """Ray Serve's health check: the index folder is still reachable from this replica."""
        if not self.index_dir.is_dir():
            raise IndexMissingError(f"the index folder {self.index_dir} is gone: {rebuild_hint(self.index_dir)}")
