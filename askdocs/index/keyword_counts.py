"""A shard's keyword index: word counts, scored by BM25 at question time with the corpus's statistics.

A whole index stores bm25s's scores, worked out at build time from its own document frequencies and
average length. A shard cannot: those are the corpus's, and they change whenever any shard does. So a
shard keeps what is its own (each word's count in each chunk, each chunk's length) and a question is
scored the way distributed search engines do it: the shards' document frequencies for the question's
words are summed first (`frequencies`), then every shard scores with the sums (`scores`). The formula
is bm25s's default (Lucene's): idf = ln(1 + (N - df + 0.5) / (df + 0.5)), and a word's score in a chunk
idf x tf / (tf + k1 (1 - b + b len / avglen)); the scores equal an unsharded index's to float32
rounding (tests/test_sharded.py). An unchanged shard is reused whole by the next ingest.

Folder: `vocabulary.json` (word -> column), `counts_data.npy` (float32 counts), `counts_indices.npy`
(int32 chunk rows), `counts_indptr.npy` (a word's entries: indptr[column] to indptr[column + 1],
chunk rows ascending), `lengths.npy` (int32 words per chunk) and `analysis.json` (keyword_analysis).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from askdocs.cleaning import without_accents
from askdocs.index.keyword_analysis import KeywordAnalysis

VOCABULARY, LENGTHS = "vocabulary.json", "lengths.npy"
DATA, INDICES, INDPTR = "counts_data.npy", "counts_indices.npy", "counts_indptr.npy"
ANALYSIS = "analysis.json"


def save_counts(documents: list[list[str]], folder: Path, analysis: KeywordAnalysis) -> None:
    """Write the word counts of documents given as word lists (chunk rows in order) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    vocabulary: dict[str, int] = {}
    # Columns numbered by first appearance; each (column, row) counted by one sort of their codes
    # (a Counter per chunk took 60 % of a 500k-chunk shard's keyword build).
    ids = np.fromiter(
        (vocabulary.setdefault(word, len(vocabulary)) for words in documents for word in words), dtype=np.int64
    )
    lengths = np.asarray([len(words) for words in documents], dtype=np.int64)
    rows_of = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
    codes, found = np.unique(ids * max(len(documents), 1) + rows_of, return_counts=True)
    columns = codes // max(len(documents), 1)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(columns, minlength=len(vocabulary)))]).astype(np.int64)
    rows = (codes % max(len(documents), 1)).astype(np.int32)
    counts = found.astype(np.float32)
    np.save(folder / DATA, counts, allow_pickle=False)
    np.save(folder / INDICES, rows, allow_pickle=False)
    np.save(folder / INDPTR, indptr, allow_pickle=False)
    np.save(folder / LENGTHS, lengths.astype(np.int32), allow_pickle=False)
    (folder / VOCABULARY).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    (folder / ANALYSIS).write_text(json.dumps(analysis.to_json()), encoding="utf-8")


def is_counts_folder(folder: Path) -> bool:
    """Whether a keyword folder holds word counts (a shard's) rather than bm25s's scores."""
    return (folder / VOCABULARY).is_file()


def idf(documents: int, frequency: int) -> float:
    """Lucene's (and bm25s's default) inverse document frequency."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


class WordCounts:
    """A shard's word counts, memory-mapped, scored with statistics given by the caller."""

    def __init__(self, folder: Path) -> None:
        self.vocabulary: dict[str, int] = json.loads((folder / VOCABULARY).read_text(encoding="utf-8"))
        self.analysis = KeywordAnalysis.from_json(json.loads((folder / ANALYSIS).read_text(encoding="utf-8")))
        self.counts = np.load(folder / DATA, mmap_mode="r", allow_pickle=False)
        self.rows = np.load(folder / INDICES, mmap_mode="r", allow_pickle=False)
        self.indptr = np.load(folder / INDPTR, allow_pickle=False)
        self.lengths = np.load(folder / LENGTHS, allow_pickle=False)
        self._folded: dict[str, list[str]] | None = None  # accent-free form -> spellings, on first use

    def __len__(self) -> int:
        return int(self.lengths.size)

    def frequencies(self, words: list[str]) -> dict[str, int]:
        """How many of this shard's chunks hold each word (0 for a word it does not know)."""
        out = {}
        for word in words:
            column = self.vocabulary.get(word)
            out[word] = 0 if column is None else int(self.indptr[column + 1] - self.indptr[column])
        return out

    def scores(
        self, words: list[str], idfs: dict[str, float], average_length: float, k1: float, b: float
    ) -> np.ndarray:
        """Every chunk's BM25 score for the words (repeats count again, as in bm25s), given the corpus's
        IDF of each word and average chunk length; float32 like bm25s's stored scores."""
        # As bm25s stores them: each word's score in a chunk worked out in float64 from a float32 IDF,
        # kept as float32, and the words' scores summed in float32.
        total = np.zeros(len(self), dtype=np.float32)
        for word in words:
            column = self.vocabulary.get(word)
            if column is None:
                continue
            start, end = int(self.indptr[column]), int(self.indptr[column + 1])
            rows, counts = self.rows[start:end], np.asarray(self.counts[start:end], dtype=np.float64)
            norms = k1 * ((1 - b) + b * self.lengths[rows] / average_length)
            weight = float(np.float32(idfs[word]))
            total[rows] += (weight * counts / (norms + counts)).astype(np.float32)
        return total

    def chunks_holding(self, word: str) -> np.ndarray:
        """The rows of the chunks holding the word, ascending."""
        column = self.vocabulary.get(word)
        if column is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.rows[int(self.indptr[column]) : int(self.indptr[column + 1])], dtype=np.int64)

    def total_length(self) -> int:
        """The words of all this shard's chunks (for the corpus's average chunk length)."""
        return int(self.lengths.sum())

    def chunks_holding_folded(self, folded: str) -> np.ndarray:
        """The rows of the chunks holding any spelling of an accent-free word, ascending."""
        if self._folded is None:
            self._folded = {}
            for word in self.vocabulary:
                self._folded.setdefault(without_accents(word), []).append(word)
        spellings = self._folded.get(folded, [])
        if not spellings:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate([self.chunks_holding(word) for word in spellings]))
