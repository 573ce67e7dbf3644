"""A sharded build opened on one machine: its shards, seen by the search as one `LoadedIndex`.

Chunk and passage ids run over the shards in order (a shard's own ids plus the counts of the shards
before it). The vector search asks every shard for its best and keeps the overall best; keyword
scores are worked out by every shard from its word counts with the statistics of all of them (so
they are the unsharded index's); the rows are read from the shard holding them. Everything a `LoadedIndex`
answers from these (passage cosines, lookups, filters) then works unchanged, and a search gives the
same hits as an unsharded build of the same corpus (tests/test_sharded.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from askdocs.cleaning import without_accents
from askdocs.fileio import RowSequence
from askdocs.index.build_folder import BuildReader, Lookups, Manifest, reading_order
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.index.keyword_counts import WordCounts, idf
from askdocs.index.loaded import LoadedIndex
from askdocs.index.shards import open_shards
from askdocs.settings import model_profile

T = TypeVar("T")


class ShardRows(RowSequence[T]):
    """The rows of every shard, numbered on from one shard to the next (`fix` renumbers a row's ids)."""

    def __init__(self, parts: list[Sequence[Any]], fix: Callable[[int, Any], T] | None = None) -> None:
        self.parts, self.fix = parts, fix
        self.starts = list(np.cumsum([0, *[len(p) for p in parts]]).tolist())

    def __len__(self) -> int:
        return int(self.starts[-1])

    def _row(self, row: int) -> T:
        shard = bisect.bisect_right(self.starts, row) - 1
        found = self.parts[shard][row - self.starts[shard]]
        return self.fix(shard, found) if self.fix else found


class ShardArray:
    """The shards' memory-mapped arrays of one kind as one array of their rows, read where they lie:
    rows by a sequence of numbers or by a slice, as `LoadedIndex` reads its own."""

    def __init__(self, parts: list[np.ndarray]) -> None:
        self.parts = parts
        self.starts = np.cumsum([0, *[len(p) for p in parts]])
        self.shape = (int(self.starts[-1]), *parts[0].shape[1:])
        self.dtype = parts[0].dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray | slice | list[int]) -> np.ndarray:
        wanted = np.arange(len(self))[rows] if isinstance(rows, slice) else np.asarray(rows, dtype=np.int64)
        out = np.empty((wanted.size, *self.shape[1:]), dtype=self.dtype)
        owner = np.searchsorted(self.starts, wanted, side="right") - 1
        for number in np.unique(owner).tolist():
            mine = owner == number
            out[mine] = self.parts[number][wanted[mine] - self.starts[number]]
        return out


class ShardVectorSearch:
    """Every shard's vector index asked for its best; the overall best kept, with global chunk ids."""

    def __init__(self, shards: list[LoadedIndex], offsets: list[int]) -> None:
        self.shards, self.offsets = shards, offsets

    def __len__(self) -> int:
        return sum(len(shard.vector_index) for shard in self.shards)

    def search(self, query: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The `depth` nearest chunks over all shards (ids, scores), best first."""
        ids, scores = [], []
        for shard, offset in zip(self.shards, self.offsets):
            found, near = shard.vector_index.search(query, depth)
            kept = found >= 0
            ids.append(found[kept] + offset)
            scores.append(near[kept])
        every, closeness = np.concatenate(ids), np.concatenate(scores)
        order = np.argsort(-closeness, kind="stable")[:depth]
        return every[order], closeness[order]


class ShardKeywords:
    """The shards' word counts as one keyword index: the question's document frequencies summed over
    the shards, then every shard scored with them (keyword_counts.py): the unsharded index's scores."""

    def __init__(self, shards: list[LoadedIndex], offsets: list[int], k1: float, b: float) -> None:
        self.parts: list[WordCounts] = [shard.keywords for shard in shards]  # type: ignore[misc]
        self.offsets, self.k1, self.b = offsets, k1, b
        self.analysis: KeywordAnalysis = self.parts[0].analysis
        self.documents = sum(len(part) for part in self.parts)
        # As bm25s works it out: the mean of every chunk's length (an exact integer sum, then divided).
        self.average_length = sum(int(part.lengths.sum()) for part in self.parts) / max(self.documents, 1)
        self._known = lru_cache(maxsize=8)(self._known_words)
        self._folded: list[dict[str, list[str]]] | None = None

    def _known_words(self, query: str) -> tuple[tuple[str, ...], dict[str, int]]:
        """The question's words some shard holds, in order (repeats kept), and their summed frequencies."""
        words = self.analysis.question_words(query)
        frequencies = dict.fromkeys(words, 0)
        for part in self.parts:
            for word, count in part.frequencies(list(frequencies)).items():
                frequencies[word] += count
        return tuple(w for w in words if frequencies[w] > 0), frequencies

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk of every shard, by the corpus's statistics."""
        known, frequencies = self._known(query)
        idfs = {word: idf(self.documents, frequencies[word]) for word in known}
        return np.concatenate(
            [part.scores(list(known), idfs, self.average_length, self.k1, self.b) for part in self.parts]
        )

    def term_weights(self, query: str) -> dict[str, float]:
        """The query's indexed words and their corpus-wide IDF."""
        known, frequencies = self._known(query)
        return {word: idf(self.documents, frequencies[word]) for word in known}

    def folded_words(self, text: str) -> list[np.ndarray]:
        """For each word of `text`, accent-folded, the chunks of every shard holding any of its spellings."""
        if self._folded is None:
            self._folded = [_by_folded_form(part.vocabulary) for part in self.parts]
        found = []
        for word in {without_accents(w) for w in self.analysis.question_words(text)}:
            rows = [
                np.unique(np.concatenate([part.chunks_holding(w) for w in spellings[word]])) + offset
                for part, spellings, offset in zip(self.parts, self._folded, self.offsets)
                if word in spellings
            ]
            found.append(np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64))
        return found

    def words(self, texts: list[str]) -> list[set[str]]:
        """Each text's words as a question's are read."""
        return self.analysis.question_words_each(texts)


def _by_folded_form(vocabulary: dict[str, int]) -> dict[str, list[str]]:
    """A shard's words by their accent-free form."""
    folded: dict[str, list[str]] = {}
    for word in vocabulary:
        folded.setdefault(without_accents(word), []).append(word)
    return folded


class ShardedIndex(LoadedIndex):
    """A sharded build's shards, opened, answering as one `LoadedIndex` (ids over all shards)."""

    def __init__(self, index_dir: Path, reader: BuildReader, manifest: Manifest) -> None:
        self.settings = manifest.index_settings(index_dir)
        self.manifest, self.index_dir = manifest, index_dir
        self.profile = model_profile(manifest.model)
        self.shards = [LoadedIndex(index_dir, shard, part) for shard, part in open_shards(reader, manifest, index_dir)]
        chunk_offsets = _offsets([len(shard.chunks) for shard in self.shards])
        passage_offsets = _offsets([len(shard.passages) for shard in self.shards])
        self.vector_index = ShardVectorSearch(self.shards, chunk_offsets)  # type: ignore[assignment]
        self.keywords = ShardKeywords(  # type: ignore[assignment]
            self.shards, chunk_offsets, self.settings.bm25_k1, self.settings.bm25_b
        )
        # Read from the shards' memory-mapped files, as one folder's are: nothing is copied at load.
        self.chunk_vectors = ShardArray([shard.chunk_vectors for shard in self.shards])  # type: ignore[assignment]
        self.sentence_vectors = ShardArray([shard.sentence_vectors for shard in self.shards])  # type: ignore[assignment]
        sentence_starts = _offsets([len(shard.sentence_vectors) for shard in self.shards])
        self.sentence_offsets = np.concatenate(
            [shard.sentence_offsets[:-1] + start for shard, start in zip(self.shards, sentence_starts)]
            + [np.asarray([len(self.sentence_vectors)])]
        )
        self.passages = ShardRows([shard.passages for shard in self.shards])  # type: ignore[assignment]
        self.chunks = ShardRows(  # type: ignore[assignment]
            [shard.chunks for shard in self.shards],
            lambda number, row: replace(row, passage_id=row.passage_id + passage_offsets[number]),
        )
        self.chunk_passages = np.concatenate(
            [shard.chunk_passages + offset for shard, offset in zip(self.shards, passage_offsets)]
        )
        sources, order = reading_order(passage.citations for passage in self.passages)
        lookups = Lookups(self.chunk_passages, sources, order)
        self._order = lookups.order
        self._sources = {source: number for number, source in enumerate(lookups.sources)}


def _offsets(counts: list[int]) -> list[int]:
    """Where each part starts when the parts are numbered on one after the other."""
    return [int(x) for x in np.cumsum([0, *counts[:-1]])]
