"""Corpus-wide keyword statistics, so that BM25 scores of shards built apart equal one index's.

BM25 weighs a word by how many documents of the whole corpus hold it (IDF) and a document's length
against the corpus average. A shard built alone would use its own counts, and the same chunk would
score differently in a sharded and an unsharded index. So each shard's words are counted first
(`KeywordStats.of`), the counts summed (`merged`), and every shard's index built with the sums
(`CorpusBM25`): its stored scores are then exactly the unsharded index's. The shard's keyword folder
records them (`corpus.json`) so that `KeywordIndex.term_weights` uses the corpus-wide frequencies too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CORPUS_FILE = "corpus.json"


@dataclass(frozen=True)
class KeywordStats:
    """Documents (chunks), their total length in words, and how many documents hold each word."""

    documents: int = 0
    total_length: int = 0
    frequencies: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: Iterable[list[str]]) -> KeywordStats:
        """The statistics of documents given as their word lists."""
        count, length, frequencies = 0, 0, Counter[str]()
        for words in documents:
            count += 1
            length += len(words)
            frequencies.update(set(words))
        return cls(count, length, dict(frequencies))

    def merged(self, other: KeywordStats) -> KeywordStats:
        """The statistics of both document sets together."""
        frequencies = Counter(self.frequencies)
        frequencies.update(other.frequencies)
        return KeywordStats(self.documents + other.documents, self.total_length + other.total_length, dict(frequencies))

    @property
    def average_length(self) -> float:
        """Words per document, over the whole corpus."""
        return self.total_length / self.documents if self.documents else 0.0

    def for_words(self, words: Iterable[str]) -> dict[str, Any]:
        """What a shard's keyword folder records: the corpus counts and its own words' frequencies."""
        return {
            "documents": self.documents,
            "total_length": self.total_length,
            "frequencies": {word: self.frequencies[word] for word in words if word in self.frequencies},
        }


def corpus_bm25(bm25s: Any, stats: KeywordStats, vocabulary: dict[str, int], k1: float, b: float) -> Any:
    """A bm25s.BM25 whose index is built with the corpus-wide `stats` (words numbered by `vocabulary`)."""
    from bm25s.scoring import _build_idf_array, _build_scores_and_indices_for_matrix, _calculate_doc_freqs

    class CorpusBM25(bm25s.BM25):  # type: ignore[misc, name-defined]
        """bm25s's index, with the corpus's document count, average length and frequencies (its
        documented override point); the rest of bm25s is unchanged."""

        def build_index_from_ids(
            self, unique_token_ids: list[int], corpus_token_ids: list[list[int]], show_progress: bool = True, **_: Any
        ) -> dict[str, Any]:
            self.nonoccurrence_array = None  # Lucene's BM25 (the default) has none
            local = _calculate_doc_freqs(corpus_token_ids, unique_token_ids, show_progress=False)
            words = {number: word for word, number in vocabulary.items()}
            # bm25s adds an empty word of its own to the vocabulary; no question holds it.
            corpus = {number: stats.frequencies.get(words.get(number, ""), count) for number, count in local.items()}
            idf = _build_idf_array(corpus, stats.documents, bm25s.scoring._select_idf_scorer(self.idf_method), self.dtype)
            scores, rows, columns = _build_scores_and_indices_for_matrix(
                corpus_token_ids,
                idf,
                stats.average_length,
                local,
                self.k1,
                self.b,
                self.delta,
                None,
                method=self.method,
                dtype=self.dtype,
                int_dtype=self.int_dtype,
                show_progress=False,
            )
            # As bm25s builds its matrix (its default numpy backend), so the stored arrays are the same.
            shape = (len(corpus_token_ids), len(unique_token_ids))
            data, indices, indptr = self._np_csc(data=scores, rows=rows, cols=columns, shape=shape)
            return {"data": data.astype(self.dtype), "indices": indices, "indptr": indptr, "num_docs": shape[0]}

    return CorpusBM25(k1=k1, b=b)
