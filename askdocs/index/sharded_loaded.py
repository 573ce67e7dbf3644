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
from askdocs.index.build_folder import BuildReader, Lookups, Manifest
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.index.keyword_counts import WordCounts, idf
from askdocs.index.loaded import LoadedIndex
from askdocs.index.shard_lookups import merged_reading_order
from askdocs.index.shards import open_shards
from askdocs.records import Citation
from askdocs.settings import model_profile

T = TypeVar("T")


FanOut = Callable[[Callable[[Any], T], Sequence[Any]], list[T]]


def one_after_another(work: Callable[[Any], T], parts: Sequence[Any]) -> list[T]:
    """The default `FanOut`: each part in turn (shards on local files answer in microseconds)."""
    return [work(part) for part in parts]


def by_part(ids: np.ndarray, starts: Sequence[int]) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Ids over all parts grouped by the part holding them (parts numbered on from `starts`): each part's
    number, its mask over `ids`, and its own ids; parts ascending."""
    owner = np.searchsorted(np.asarray(starts), ids, side="right") - 1
    return [(at, owner == at, ids[owner == at] - int(starts[at])) for at in np.unique(owner).tolist()]


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

    def __init__(self, parts: list[np.ndarray], fan_out: FanOut = one_after_another) -> None:
        self.parts, self.fan_out = parts, fan_out
        self.starts = np.cumsum([0, *[len(p) for p in parts]])
        self.shape = (int(self.starts[-1]), *parts[0].shape[1:])
        self.dtype = parts[0].dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray | slice | list[int]) -> np.ndarray:
        # A slice as the numbers it covers (not an arange over every row: a chunk's sentences are a slice).
        wanted = np.arange(*rows.indices(len(self))) if isinstance(rows, slice) else np.asarray(rows, dtype=np.int64)
        out = np.empty((wanted.size, *self.shape[1:]), dtype=self.dtype)
        groups = by_part(wanted, self.starts)
        found = self.fan_out(lambda group: self.parts[group[0]][group[2]], groups)
        for (_, mine, _), rows in zip(groups, found):
            out[mine] = rows
        return out


class ShardVectorSearch:
    """Every shard's vector index asked for its best; the overall best kept, with global chunk ids."""

    def __init__(self, shards: Sequence[Any], offsets: list[int], fan_out: FanOut = one_after_another) -> None:
        self.shards, self.offsets, self.fan_out = shards, offsets, fan_out
        self.size = sum(len(shard.vector_index) for shard in shards)
        # The shards' answers for the question being asked, when they came with its first call.
        self.given: tuple[object, list[tuple[np.ndarray, np.ndarray]]] = (None, [])

    def __len__(self) -> int:
        return self.size

    def search(self, query: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The `depth` nearest chunks over all shards (ids, scores), best first."""
        ids, scores = [], []
        key, given = self.given
        if key == (query.tobytes(), depth):
            answers = given
        else:
            answers = self.fan_out(lambda shard: shard.vector_index.search(query, depth), self.shards)
        for (found, near), offset in zip(answers, self.offsets):
            kept = found >= 0
            ids.append(found[kept] + offset)
            scores.append(near[kept])
        every, closeness = np.concatenate(ids), np.concatenate(scores)
        order = np.argsort(-closeness, kind="stable")[:depth]
        return every[order], closeness[order]


class ShardKeywords:
    """The shards' word counts as one keyword index: the question's document frequencies summed over
    the shards, then every shard scored with them (keyword_counts.py): the unsharded index's scores."""

    def __init__(
        self, shards: Sequence[Any], offsets: list[int], k1: float, b: float, fan_out: FanOut = one_after_another
    ) -> None:
        self.parts: list[WordCounts] = [shard.keywords for shard in shards]
        self.offsets, self.k1, self.b, self.fan_out = offsets, k1, b, fan_out
        self.analysis: KeywordAnalysis = self.parts[0].analysis
        self.documents = sum(len(part) for part in self.parts)
        # As bm25s works it out: the mean of every chunk's length (an exact integer sum, then divided).
        self.average_length = sum(part.total_length() for part in self.parts) / max(self.documents, 1)
        self._known = lru_cache(maxsize=8)(self._known_words)
        # Each shard's frequencies of the question's words, when they came with its first call.
        self.given: tuple[str | None, list[dict[str, int]]] = (None, [])

    def _known_words(self, query: str) -> tuple[tuple[str, ...], dict[str, int]]:
        """The question's words some shard holds, in order (repeats kept), and their summed frequencies."""
        words = self.analysis.question_words(query)
        frequencies = dict.fromkeys(words, 0)
        given = self.given[1] if self.given[0] == query else None
        for found in given or self.fan_out(lambda part: part.frequencies(list(frequencies)), self.parts):
            for word, count in found.items():
                frequencies[word] += count
        return tuple(w for w in words if frequencies[w] > 0), frequencies

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk of every shard, by the corpus's statistics."""
        known, frequencies = self._known(query)
        idfs = {word: idf(self.documents, frequencies[word]) for word in known}
        if not known:  # no shard holds a word of the question: nothing to ask them
            return np.zeros(self.documents, dtype=np.float32)
        return np.concatenate(
            self.fan_out(lambda part: part.scores(list(known), idfs, self.average_length, self.k1, self.b), self.parts)
        )

    def term_weights(self, query: str) -> dict[str, float]:
        """The query's indexed words and their corpus-wide IDF."""
        known, frequencies = self._known(query)
        return {word: idf(self.documents, frequencies[word]) for word in known}

    def folded_words(self, text: str) -> list[np.ndarray]:
        """For each word of `text`, accent-folded, the chunks of every shard holding any of its spellings."""
        found = []
        for word in {without_accents(w) for w in self.analysis.question_words(text)}:
            rows = self.fan_out(lambda part: part.chunks_holding_folded(word), self.parts)  # noqa: B023
            found.append(np.concatenate([held + offset for held, offset in zip(rows, self.offsets)]))
        return found

    def words(self, texts: list[str]) -> list[set[str]]:
        """Each text's words as a question's are read."""
        return self.analysis.question_words_each(texts)


class ShardedIndex(LoadedIndex):
    """A sharded build's shards, opened, answering as one `LoadedIndex` (ids over all shards).

    `parts`, when given, are the shards as answered elsewhere (serve/cluster/remote_shard.py: a Ray Serve
    deployment per shard), each with what is read here of a shard's `LoadedIndex`; `fan_out` asks them
    all at once. By default every shard is opened from its folder and asked in turn.
    """

    def __init__(
        self,
        index_dir: Path,
        reader: BuildReader,
        manifest: Manifest,
        parts: Sequence[Any] | None = None,
        fan_out: FanOut = one_after_another,
    ) -> None:
        self.settings = manifest.index_settings(index_dir)
        self.manifest, self.index_dir, self.fan_out = manifest, index_dir, fan_out
        self.profile = model_profile(manifest.model)
        if parts is None:
            parts = [LoadedIndex(index_dir, shard, part) for shard, part in open_shards(reader, manifest, index_dir)]
        self.shards = parts
        self.chunk_offsets = chunk_offsets = _offsets([len(shard.chunks) for shard in parts])
        self.passage_offsets = passage_offsets = _offsets([len(shard.passages) for shard in parts])
        self.vector_index = ShardVectorSearch(parts, chunk_offsets, fan_out)  # type: ignore[assignment]
        self.keywords = ShardKeywords(  # type: ignore[assignment]
            parts, chunk_offsets, self.settings.bm25_k1, self.settings.bm25_b, fan_out
        )
        # Read from the shards' memory-mapped files, as one folder's are: nothing is copied at load.
        self.chunk_vectors = ShardArray([shard.chunk_vectors for shard in parts], fan_out)  # type: ignore[assignment]
        self.sentence_vectors = ShardArray([shard.sentence_vectors for shard in parts], fan_out)  # type: ignore[assignment]
        sentence_starts = _offsets([len(shard.sentence_vectors) for shard in parts])
        self.sentence_offsets = np.concatenate(
            [shard.sentence_offsets[:-1] + start for shard, start in zip(parts, sentence_starts)]
            + [np.asarray([len(self.sentence_vectors)])]
        )
        self.passages = ShardRows([shard.passages for shard in parts])  # type: ignore[assignment]
        self.chunks = ShardRows(  # type: ignore[assignment]
            [shard.chunks for shard in parts],
            lambda number, row: replace(row, passage_id=row.passage_id + passage_offsets[number]),
        )
        self.chunk_passages = np.concatenate(
            [shard.chunk_passages + offset for shard, offset in zip(parts, passage_offsets)]
        )
        sources, order = merged_reading_order(
            [shard.reading_lookups() for shard in parts], passage_offsets, self._citations
        )
        lookups = Lookups(self.chunk_passages, sources, order)
        self._order = lookups.order
        self._sources = {source: number for number, source in enumerate(lookups.sources)}

    def _citations(self, passage_ids: list[int]) -> list[Sequence[Citation]]:
        """The citations of these passages, each shard asked once for its own."""
        ids = np.asarray(passage_ids, dtype=np.int64)
        groups = by_part(ids, self.passage_offsets)
        answers = self.fan_out(lambda group: self.shards[group[0]].passage_rows(group[2].tolist()), groups)
        found = {
            int(local) + self.passage_offsets[at]: row.citations
            for (at, _, locals_), rows in zip(groups, answers)
            for local, row in zip(locals_, rows)
        }
        return [found[int(pid)] for pid in ids]

    def start_question(self, question: str, query: np.ndarray, depth: int, dense: bool, keyword: bool) -> None:
        """Shards answered elsewhere (with `first_pass`) are asked for their nearest chunks and the
        question's word frequencies in one call each instead of two (4 calls a question, not 5)."""
        if not all(hasattr(shard, "first_pass") for shard in self.shards):
            return
        words = list(dict.fromkeys(self.keywords.analysis.question_words(question))) if keyword else []
        answers = self.fan_out(lambda shard: shard.first_pass(query, depth if dense else 0, words), self.shards)
        if dense:
            self.vector_index.given = ((query.tobytes(), depth), [nearest for nearest, _ in answers])
        if keyword:
            self.keywords.given = (question, [frequencies for _, frequencies in answers])

    def prefetch(self, chunk_ids: list[int]) -> None:
        """Each shard reads ahead its own of these chunks, all shards at once."""
        groups = by_part(np.asarray(chunk_ids, dtype=np.int64), self.chunk_offsets)
        self.fan_out(lambda group: self.shards[group[0]].prefetch(group[2].tolist()), groups)


def _offsets(counts: list[int]) -> list[int]:
    """Where each part starts when the parts are numbered on one after the other."""
    return [int(x) for x in np.cumsum([0, *counts[:-1]])]
