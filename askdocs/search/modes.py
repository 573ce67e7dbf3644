"""The search modes: how each orders the candidates `retrieval.retrieve` found, and the answering sentence.

A search mode is a `Mode` subclass plus one entry in `MODES`: which indexes it retrieves from and
how it orders the candidates' passages. "hybrid" is the shipped ranking; "dense" and "keyword" are
the baselines every quality figure is compared with.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from askdocs.index.loaded import LoadedIndex
from askdocs.search.ranking import (
    agreement,
    best_sentence,
    blend_passage_cosine,
    confident_first,
    fuse,
    keyword_share,
    roll_up,
    sentence_coverage,
    trust_in_keywords,
)
from askdocs.search.retrieval import Candidates
from askdocs.settings import RankingSettings

# (passage id, position of its best chunk among the candidates), best first.
Ranked = list[tuple[int, int]]


class Mode(ABC):
    """How one search mode ranks: the indexes it retrieves from, and the order of the passages found."""

    name: ClassVar[str]
    uses_dense: ClassVar[bool] = True
    uses_keyword: ClassVar[bool] = True
    reports_similarity: ClassVar[bool] = True  # hits carry their cosine

    @abstractmethod
    def rank(
        self, index: LoadedIndex, question: str, query: np.ndarray, found: Candidates, ranking: RankingSettings
    ) -> tuple[Ranked, np.ndarray]:
        """Every candidate passage, best first, with its score."""

    def order_hits(self, ranked: Ranked, confident: np.ndarray) -> Ranked:
        """The final order of the first k passages (`confident` by candidate position)."""
        return ranked


class DenseMode(Mode):
    """Cosine of the best chunk alone (a baseline)."""

    name = "dense"
    uses_keyword = False

    def rank(
        self, index: LoadedIndex, question: str, query: np.ndarray, found: Candidates, ranking: RankingSettings
    ) -> tuple[Ranked, np.ndarray]:
        return _rolled_up(index, found, found.dense)


class KeywordMode(Mode):
    """BM25 of the best chunk alone (a baseline); pure BM25, so no passage is moved for its cosine."""

    name = "keyword"
    uses_dense = False
    reports_similarity = False

    def rank(
        self, index: LoadedIndex, question: str, query: np.ndarray, found: Candidates, ranking: RankingSettings
    ) -> tuple[Ranked, np.ndarray]:
        return _rolled_up(index, found, found.keyword)


class HybridMode(Mode):
    """The shipped ranking: cosine plus scaled BM25, the whole passage's cosine blended in, the first
    passages lifted by how much of the question one sentence holds, and confident passages first."""

    name = "hybrid"

    def rank(
        self, index: LoadedIndex, question: str, query: np.ndarray, found: Candidates, ranking: RankingSettings
    ) -> tuple[Ranked, np.ndarray]:
        weights = index.keywords.term_weights(question)
        share = keyword_share(len(weights), ranking.keyword_full_terms) * index.profile.cosine_spread
        if ranking.agreement_floor < 1.0:
            agreed = agreement(found.dense, found.keyword, ranking.agreement_depth)
            share *= trust_in_keywords(agreed, ranking.agreement_floor)
        scores = fuse(found.dense, found.keyword, ranking.keyword_weight * share)
        ranked = roll_up(index.chunk_passages[found.chunks].tolist(), scores)
        passages = np.asarray([passage for passage, _ in ranked], dtype=np.int64)
        positions = np.asarray([position for _, position in ranked], dtype=np.int64)
        scores = blend_passage_cosine(
            scores[positions],
            found.dense[positions],
            index.passage_cosines(query, passages),
            ranking.passage_weight,
        )
        order = np.argsort(-scores, kind="stable")
        head = order[: ranking.rerank_depth]
        if weights and head.size:
            sentences = index.sentence_words(found.chunks[positions[head]].tolist())
            scores[head] += (
                ranking.sentence_keyword_weight
                * share
                * np.asarray([sentence_coverage(weights, words) for words in sentences])
            )
            order = np.concatenate([head[np.argsort(-scores[head], kind="stable")], order[head.size :]])
        return [ranked[i] for i in order.tolist()], scores[order]

    def order_hits(self, ranked: Ranked, confident: np.ndarray) -> Ranked:
        # The same k passages, reordered: pulling confident ones in from further down would cost
        # Recall@100 on MedQuAD dev (0.9974 -> 0.9971).
        return confident_first(ranked, confident)


def _rolled_up(index: LoadedIndex, found: Candidates, scores: np.ndarray) -> tuple[Ranked, np.ndarray]:
    """Passages scored as their best chunk."""
    ranked = roll_up(index.chunk_passages[found.chunks].tolist(), scores)
    return ranked, scores[np.asarray([position for _, position in ranked], dtype=np.int64)]


MODES: dict[str, Mode] = {mode.name: mode for mode in (HybridMode(), DenseMode(), KeywordMode())}


def highlight_span(index: LoadedIndex, chunk_id: int, text: str, query: np.ndarray) -> tuple[int, int] | None:
    """The span of the chunk's sentence closest to the question.

    The sentence vectors were pooled from the chunk's own forward pass at ingest, so this costs one
    small matrix product per hit instead of running the model again.
    """
    return best_sentence(index.chunks[chunk_id].sentences, index.sentence_cosines(chunk_id, query), text)
