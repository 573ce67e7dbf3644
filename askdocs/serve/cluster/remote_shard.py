"""The router's view of a shard served elsewhere: what `ShardedIndex` reads of a shard, each read a
call to the shard's deployment (shard_service.py), so the router's searcher is the same code as one
machine's and gives the same hits.

A call is retried on another replica when the one it went to died (a replica killed under load loses
no request while another replica of its shard lives): every call only reads, so a repeat is safe.
The rows of a question's hits are fetched with one call per shard (`prefetch`), not one per row.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from askdocs.errors import IndexMismatchError
from askdocs.fileio import RowSequence
from askdocs.index.build_folder import BuildReader, Manifest
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.index.loaded import LoadedIndex
from askdocs.index.sharded_loaded import ShardedIndex
from askdocs.records import Chunk, Passage
from askdocs.search.searcher import OpenIndex
from askdocs.serve.cluster.shard_service import ShardFacts

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A call is tried this often, waiting 0.1 s, 0.2 s, ... between tries: Ray Serve takes about a second
# to route around a dead replica.
ATTEMPTS = 6
CALL_TIMEOUT_SECONDS = 60.0
# Rows and sentence vectors kept per shard and build (a question's hits read some 10-40 of each).
CACHED_ROWS = 4096
# Shards asked at once by one router replica.
FAN_OUT_THREADS = 32

_pool = ThreadPoolExecutor(max_workers=FAN_OUT_THREADS, thread_name_prefix="askdocs-shards")


def all_at_once(work: Callable[[Any], T], parts: Sequence[Any]) -> list[T]:
    """`ShardedIndex`'s fan-out for remote shards: every shard asked at the same time."""
    if len(parts) <= 1:
        return [work(part) for part in parts]
    return list(_pool.map(work, parts))


class ShardCaller:
    """Calls to one shard's deployment (a Ray Serve handle) about one build, retried past dead replicas."""

    def __init__(self, handle: Any, build: str) -> None:
        self.handle, self.build = handle, build

    def __call__(self, method: str, *args: Any) -> Any:
        from ray.exceptions import RayActorError

        for attempt in range(ATTEMPTS):
            try:
                return getattr(self.handle, method).remote(self.build, *args).result(timeout_s=CALL_TIMEOUT_SECONDS)
            except RayActorError as error:  # the replica died or cannot be reached: another one answers
                if attempt == ATTEMPTS - 1:
                    raise
                logger.warning("a shard replica failed (%s); asking again", type(error).__name__)
                time.sleep(0.1 * 2**attempt)
        raise AssertionError("unreachable")


class _Cache(OrderedDict[int, Any]):
    def keep(self, found: dict[int, Any]) -> None:
        self.update(found)
        while len(self) > CACHED_ROWS:
            self.popitem(last=False)


class RemoteVectors:
    """A shard's stored vectors of one kind, read by row from its deployment."""

    def __init__(self, call: ShardCaller, kind: str, rows: int, dimension: int, dtype: str) -> None:
        self.call, self.kind = call, kind
        self.shape, self.dtype = (rows, dimension), np.dtype(dtype)
        self.cache = _Cache()

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        wanted = np.asarray(rows, dtype=np.int64)
        if wanted.size and all(int(row) in self.cache for row in wanted):
            return np.stack([self.cache[int(row)] for row in wanted])
        if self.kind != "chunk":
            return self.call("vectors", self.kind, wanted)
        # The passages' other chunks come along: the ranking reads them next (passage cosines).
        every, vectors = self.call("chunk_vectors_with_mates", wanted)
        found = dict(zip(every.tolist(), vectors))
        self.cache.keep(found)
        return np.stack([found[int(row)] for row in wanted]) if wanted.size else vectors[:0]


class RemoteRows(RowSequence[T]):
    """A shard's chunks or passages, read by id from its deployment (or from what `prefetch` brought)."""

    def __init__(self, size: int, fetch: Callable[[list[int]], dict[int, T]]) -> None:
        self.size, self.fetch = size, fetch
        self.cache = _Cache()

    def __len__(self) -> int:
        return self.size

    def _row(self, row: int) -> T:
        if row not in self.cache:
            self.cache.keep(self.fetch([row]))
        return self.cache[row]


class RemoteVectorIndex:
    """A shard's vector index."""

    def __init__(self, call: ShardCaller, size: int) -> None:
        self.call, self.size = call, size

    def __len__(self) -> int:
        return self.size

    def search(self, query: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The shard's nearest chunks."""
        return self.call("vector_search", query, depth)


class RemoteKeywords:
    """A shard's word counts (keyword_counts.WordCounts), scored by its deployment."""

    def __init__(self, call: ShardCaller, facts: ShardFacts) -> None:
        self.call, self.size, self.length = call, facts.chunks, facts.keyword_total_length
        self.analysis = KeywordAnalysis.from_json(facts.keyword_analysis)

    def __len__(self) -> int:
        return self.size

    def total_length(self) -> int:
        """The words of all the shard's chunks."""
        return self.length

    def frequencies(self, words: list[str]) -> dict[str, int]:
        """How many of the shard's chunks hold each word."""
        return self.call("frequencies", words)

    def scores(
        self, words: list[str], idfs: dict[str, float], average_length: float, k1: float, b: float
    ) -> np.ndarray:
        """Every chunk's BM25 score by the corpus's statistics (sent as the chunks scored and their scores)."""
        rows, found = self.call("keyword_scores", words, idfs, average_length, k1, b)
        scores = np.zeros(self.size, dtype=np.float32)
        scores[rows] = found
        return scores

    def chunks_holding_folded(self, folded: str) -> np.ndarray:
        """The chunks holding any spelling of an accent-free word."""
        return self.call("chunks_holding_folded", folded)


class RemoteShard:
    """One shard of one build as `ShardedIndex` reads a shard's `LoadedIndex`, answered by its deployment."""

    def __init__(self, call: ShardCaller) -> None:
        facts: ShardFacts = call("facts")
        self.call = call
        self.vector_index = RemoteVectorIndex(call, facts.chunks)
        self.keywords = RemoteKeywords(call, facts)
        self.chunk_vectors = RemoteVectors(call, "chunk", facts.chunks, facts.dimension, facts.vector_dtype)
        self.sentence_vectors = RemoteVectors(call, "sentence", facts.sentences, facts.dimension, facts.vector_dtype)
        self.sentence_offsets, self.chunk_passages = facts.sentence_offsets, facts.chunk_passages
        self.chunks: RemoteRows[Chunk] = RemoteRows(facts.chunks, self._chunks)
        self.passages: RemoteRows[Passage] = RemoteRows(facts.passages, lambda ids: call("passages", ids))
        self.lookups = (facts.sources, facts.reading_order)

    def _chunks(self, ids: list[int]) -> dict[int, Chunk]:
        self.prefetch(ids)
        return {cid: self.chunks.cache[cid] for cid in ids}

    def first_pass(
        self, query: np.ndarray, depth: int, words: list[str]
    ) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, int]]:
        """The shard's `depth` nearest chunks and how many of its chunks hold each word, in one call."""
        return self.call("first_pass", query, depth, words)

    def reading_lookups(self) -> tuple[list[str], np.ndarray]:
        """The shard's sources and reading order."""
        return self.lookups

    def passage_rows(self, passage_ids: list[int]) -> list[Passage]:
        """Passages by id, in the order asked, those not at hand in one call."""
        missing = [pid for pid in passage_ids if pid not in self.passages.cache]
        found = self.call("passages", missing) if missing else {}
        self.passages.cache.keep(found)
        return [found[pid] if pid in found else self.passages.cache[pid] for pid in passage_ids]

    def prefetch(self, chunk_ids: list[int]) -> None:
        """The chunks, their passages and sentence vectors, in one call."""
        missing = [cid for cid in chunk_ids if cid not in self.chunks.cache]
        if not missing:
            return
        found = self.call("chunk_rows", missing)
        self.chunks.cache.keep(found.chunks)
        self.passages.cache.keep(found.passages)
        self.sentence_vectors.cache.keep(found.sentence_vectors)


def remote_opener(handles: list[Any]) -> OpenIndex:
    """For `Searcher.load(open_index=...)`: a sharded build opened as its shards' deployments answer it."""

    def open_index(index_dir: Path, reader: BuildReader, manifest: Manifest) -> LoadedIndex:
        if len(manifest.shards) != len(handles):
            raise IndexMismatchError(
                f"the build of {index_dir} has {len(manifest.shards)} shards but {len(handles)} are served: "
                "the server redeploys for it within seconds (or restart `python -m askdocs serve --ray`)"
            )
        build = str(reader.build.resolve())
        parts = all_at_once(lambda handle: RemoteShard(ShardCaller(handle, build)), handles)
        return ShardedIndex(index_dir, reader, manifest, parts, all_at_once)

    return open_index
