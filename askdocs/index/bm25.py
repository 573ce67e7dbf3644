"""Keyword (BM25) scoring of chunks with bm25s, stored as a plain folder of JSON and arrays.

The folder is bm25s's, plus `analysis.json`: the languages its words were read by
(`keyword_analysis.KeywordAnalysis`); a folder without one was built from English rules.
"""

from __future__ import annotations

import json
import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.cleaning import without_accents
from askdocs.index.keyword_analysis import KeywordAnalysis

ANALYSIS_FILE = "analysis.json"

logger = logging.getLogger(__name__)


def _bm25s() -> Any:
    """The bm25s module, quietened: on import it sets its logger to DEBUG with a handler of its own."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def build_keyword_index(
    texts: list[str],
    folder: Path,
    k1: float = 1.5,
    b: float = 0.75,
    analysis: KeywordAnalysis | None = None,
    languages: list[str] | None = None,
) -> None:
    """Index the texts with BM25 (parameters k1, b), each read by its language's rules, and save to `folder`."""
    analysis = analysis or KeywordAnalysis()
    index_words(analysis.passage_words(texts, languages), folder, k1, b, analysis)


def index_words(documents: list[list[str]], folder: Path, k1: float, b: float, analysis: KeywordAnalysis) -> None:
    """Index documents given as word lists (read by `analysis`) and save to `folder`."""
    bm25s = _bm25s()
    vocabulary: dict[str, int] = {}
    ids = [[vocabulary.setdefault(w, len(vocabulary)) for w in words] for words in documents]
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocabulary), show_progress=False)
    retriever.save(str(folder), show_progress=False)
    (folder / ANALYSIS_FILE).write_text(json.dumps(analysis.to_json()), encoding="utf-8")


class KeywordIndex:
    """A loaded BM25 index that scores every chunk for a query."""

    def __init__(self, folder: Path, english_stopwords: str = "en_plus") -> None:
        recorded = folder / ANALYSIS_FILE
        self.analysis = (
            KeywordAnalysis.from_json(json.loads(recorded.read_text(encoding="utf-8")))
            if recorded.is_file()
            else KeywordAnalysis(("en",), english_stopwords)
        )
        # Memory-mapped, so a large index costs page cache, not process memory.
        self.retriever = _bm25s().BM25.load(str(folder), show_progress=False, allow_pickle=False, mmap=True)
        # A question is scored and then weighed word by word: tokenised once for both.
        self._known_words = lru_cache(maxsize=8)(self._indexed_words)
        self._folded: dict[str, list[int]] | None = None

    def _indexed_words(self, query: str) -> tuple[str, ...]:
        """The query's words the index knows, in order (repeats kept)."""
        words = self.analysis.question_words(query)
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
        for word in {without_accents(w) for w in self.analysis.question_words(text)}:
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
        """Each text's words as a question's are read (every language's rules): lower-cased, stemmed, stopwords dropped."""
        return self.analysis.question_words_each(texts)
