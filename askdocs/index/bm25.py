"""Keyword (BM25) scoring of chunks with bm25s, stored as a plain folder of JSON and arrays."""

from __future__ import annotations

import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.cleaning import without_accents

logger = logging.getLogger(__name__)


def _bm25s() -> Any:
    """The bm25s module, quietened: on import it sets its logger to DEBUG with a handler of its own."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str], return_ids: bool, stopwords: str = "en") -> object:
    """Lower-cased, stemmed words without the stopwords of the named bm25s list."""
    return _bm25s().tokenize(texts, stopwords=stopwords, stemmer=_stemmer(), return_ids=return_ids, show_progress=False)


def build_keyword_index(
    texts: list[str], folder: Path, k1: float = 1.5, b: float = 0.75, stopwords: str = "en"
) -> None:
    """Index the texts with BM25 (parameters k1, b; bm25s stopword list) and save the index to `folder`."""
    retriever = _bm25s().BM25(k1=k1, b=b)
    retriever.index(tokenize(texts, return_ids=True, stopwords=stopwords), show_progress=False)
    retriever.save(str(folder), show_progress=False)


class KeywordIndex:
    """A loaded BM25 index that scores every chunk for a query."""

    def __init__(self, folder: Path, stopwords: str = "en") -> None:
        self.stopwords = stopwords
        # Memory-mapped, so a large index costs page cache, not process memory.
        self.retriever = _bm25s().BM25.load(str(folder), show_progress=False, allow_pickle=False, mmap=True)
        # A question is scored and then weighed word by word: tokenised once for both.
        self._known_words = lru_cache(maxsize=8)(self._indexed_words)
        self._folded: dict[str, list[int]] | None = None

    def _indexed_words(self, query: str) -> tuple[str, ...]:
        """The query's words the index knows, in order (repeats kept)."""
        words = tokenize([query], return_ids=False, stopwords=self.stopwords)[0]  # type: ignore[index]
        return tuple(word for word in words if word in self.retriever.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no query word is known)."""
        known = list(self._known_words(query))
        if not known:
            return np.zeros(self.retriever.scores["num_docs"], dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def term_weights(self, query: str) -> dict[str, float]:
        """The query's indexed words, each with its inverse document frequency (BM25's, Lucene form)."""
        vocab = self.retriever.vocab_dict
        # Column pointers of bm25s's word-by-chunk score matrix: a word's count of chunks is its span.
        pointers, chunks = self.retriever.scores["indptr"], self.retriever.scores["num_docs"]
        weights = {}
        for word in self._known_words(query):
            frequency = int(pointers[vocab[word] + 1] - pointers[vocab[word]])
            weights[word] = math.log(1 + (chunks - frequency + 0.5) / (frequency + 0.5))
        return weights

    def folded_words(self, text: str) -> list[np.ndarray]:
        """For each indexed word of `text`, the chunks holding it (ascending), its accented and
        unaccented forms alike ("cafe" finds "café"); an array is empty for a word no chunk holds."""
        vocab = self._folded_vocabulary()
        pointers, rows = self.retriever.scores["indptr"], self.retriever.scores["indices"]
        found = []
        for word in {without_accents(w) for w in tokenize([text], return_ids=False, stopwords=self.stopwords)[0]}:  # type: ignore[index]
            parts = [np.asarray(rows[pointers[i] : pointers[i + 1]]) for i in vocab.get(word, [])]
            if len(parts) == 1 and np.all(parts[0][1:] >= parts[0][:-1]):
                found.append(parts[0])  # one spelling, its chunks ascending as stored: no sort
            else:
                found.append(np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64))
        return found

    def _folded_vocabulary(self) -> dict[str, list[int]]:
        """The index's words by their accent-free form (built once, on the first phrase): the keyword
        index keeps accents, so "café" and "cafe" are two of its words."""
        if self._folded is None:
            folded: dict[str, list[int]] = {}
            for word, number in self.retriever.vocab_dict.items():
                folded.setdefault(without_accents(word), []).append(int(number))
            self._folded = folded
        return self._folded

    def words(self, texts: list[str]) -> list[set[str]]:
        """Each text's indexed words: lower-cased, stemmed, stopwords dropped."""
        return [set(words) for words in tokenize(texts, return_ids=False, stopwords=self.stopwords)]  # type: ignore[union-attr]
