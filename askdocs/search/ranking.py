"""Ranking arithmetic: fuse keyword and dense scores, roll chunks up to passages, pick the answering sentence.

Small pure functions on arrays, each with its reason and measured effect (docs/quality.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def fuse(dense: np.ndarray, keyword: np.ndarray, keyword_weight: float) -> np.ndarray:
    """Cosine plus weighted BM25, the latter scaled by the query's best BM25 score.

    Scaling by the best score puts BM25 on [0, 1] per query, like the cosine, without the
    rank-only view of reciprocal-rank fusion, which throws away how far ahead a match is.
    """
    top = float(keyword.max()) if keyword.size else 0.0
    scaled = keyword / top if top > 0 else np.zeros_like(keyword)
    return dense + keyword_weight * scaled


def keyword_share(known_terms: int, full_weight_terms: int) -> float:
    """The share of the keyword weights a question gets: all of it up to `full_weight_terms` distinct
    indexed words, then `full_weight_terms / known_terms` (0 turns the scaling off).

    A short question's rare words name what it asks about; a long one's also tell its story ("my dad",
    "stairs", "after a checkup"), and BM25 rewards passages for those words too. Handing long questions
    to the dense score keeps the hybrid from losing to dense-only search on them (docs/quality.md).
    """
    if full_weight_terms <= 0 or known_terms <= full_weight_terms:
        return 1.0
    return full_weight_terms / known_terms


def agreement(dense: np.ndarray, keyword: np.ndarray, depth: int) -> float:
    """How much the dense and keyword scores agree on the candidates' best: the share of the dense
    top `depth` that is also in the keyword top `depth` (0 to 1; 1 when either ranks nothing).

    When the two disagree, the question's words and its meaning point at different passages: the
    words are then the likelier to mislead (a question in other words than the document's).
    Ties are broken by the other score, not by where the candidates happen to be stored: BM25 ties
    often (equal word counts), and a sharded index numbers its chunks differently from one folder.
    """
    depth = min(depth, dense.size)
    if depth <= 0 or not np.any(keyword > 0):
        return 1.0
    by_dense = set(np.lexsort((-keyword, -dense))[:depth].tolist())
    by_keyword = set(np.lexsort((-dense, -keyword))[:depth].tolist())
    return len(by_dense & by_keyword) / depth


def trust_in_keywords(agreed: float, floor: float) -> float:
    """The keyword weights' multiplier for a question whose dense and keyword tops agree `agreed`:
    `floor` when they share nothing, 1 when they agree fully (a floor of 1 turns this off)."""
    return floor + (1.0 - floor) * agreed


def roll_up(chunk_passages: Sequence[int], scores: np.ndarray) -> list[tuple[int, int]]:
    """(passage, best chunk) pairs, best first: a passage scores as its best chunk."""
    best: dict[int, int] = {}
    for position in np.argsort(-scores, kind="stable").tolist():
        best.setdefault(chunk_passages[position], position)
    return [(passage, position) for passage, position in best.items()]


def blend_passage_cosine(
    scores: np.ndarray, chunk_cosines: np.ndarray, passage_cosines: np.ndarray, weight: float
) -> np.ndarray:
    """Passage scores with `weight` of the best chunk's cosine handed to the whole passage's.

    A passage whose every chunk is on the question's topic beats one that touches it in a single
    chunk (MedQuAD dev nDCG@10 +0.006 at weight 0.3; see docs/quality.md).
    """
    return scores + weight * (passage_cosines - chunk_cosines)


def sentence_coverage(weights: Mapping[str, float], sentences: Sequence[set[str]]) -> float:
    """The largest share of the question's keyword weight (IDF) that one sentence holds, from 0 to 1.

    BM25 counts a chunk's words wherever they fall; a sentence holding most of the question's
    rare words is a closer match than the same words spread over several sentences.
    """
    total = sum(weights.values())
    if total <= 0 or not sentences:
        return 0.0
    return max(sum(weight for word, weight in weights.items() if word in words) for words in sentences) / total


def confident_first(ranked: list[tuple[int, int]], confident: np.ndarray) -> list[tuple[int, int]]:
    """The (passage, best chunk) pairs with the confident ones first, each group kept in its order.

    `confident` is indexed by chunk position. A weak match (low cosine, lifted by rare keywords)
    must not be listed above a passage that answers the question.
    """
    return sorted(ranked, key=lambda pair: not confident[pair[1]])


def best_sentence(spans: Sequence[tuple[int, int]], similarities: np.ndarray, text: str) -> tuple[int, int] | None:
    """The span of the sentence most similar to the question; a very short one is joined with the next."""
    if not spans:
        return None
    best = int(np.argmax(similarities))
    start, end = spans[best]
    # A very short best sentence ("Yes.") rarely answers alone: take the next one too.
    if end - start < 40 and best + 1 < len(spans):
        end = spans[best + 1][1]
    return (start, end) if text[start:end].strip() else None
