from __future__ import annotations

import numpy as np
import pytest

from askdocs.search.ranking import (
    agreement,
    blend_passage_cosine,
    confident_first,
    fuse,
    keyword_share,
    roll_up,
    sentence_coverage,
    trust_in_keywords,
)

WEIGHTS = {"disc": 2.0, "herniat": 3.0, "nerv": 1.0}


def test_coverage_is_the_best_single_sentence_share_of_the_keyword_weight() -> None:
    spread = [{"disc"}, {"herniat"}, {"nerv"}]
    together = [{"disc", "herniat"}, {"nerv", "pain"}]
    assert sentence_coverage(WEIGHTS, spread) == pytest.approx(3 / 6)
    assert sentence_coverage(WEIGHTS, together) == pytest.approx(5 / 6)
    assert sentence_coverage(WEIGHTS, [{"disc", "herniat", "nerv", "spine"}]) == pytest.approx(1.0)


@pytest.mark.parametrize(("weights", "sentences"), [({}, [{"disc"}]), (WEIGHTS, []), ({"disc": 0.0}, [{"disc"}])])
def test_coverage_without_keywords_or_sentences_is_zero(weights: dict[str, float], sentences: list[set[str]]) -> None:
    assert sentence_coverage(weights, sentences) == 0.0


def test_blend_moves_the_given_share_of_the_chunk_cosine_to_the_passage_cosine() -> None:
    # Passage 0 is on the question's topic in its best chunk only; passage 1 throughout.
    scores, chunk, passage = np.array([0.70, 0.66]), np.array([0.70, 0.66]), np.array([0.50, 0.66])
    blended = blend_passage_cosine(scores, chunk, passage, weight=0.3)
    np.testing.assert_allclose(blended, [0.70 - 0.3 * 0.20, 0.66])
    assert blended[1] > blended[0]
    np.testing.assert_array_equal(blend_passage_cosine(scores, chunk, passage, weight=0.0), scores)


def test_fuse_roll_up_and_confident_first_keep_one_best_chunk_per_passage() -> None:
    dense = np.array([0.3, 0.6, 0.5])
    fused = fuse(dense, np.array([2.0, 0.0, 1.0]), keyword_weight=0.5)
    np.testing.assert_allclose(fused, [0.8, 0.6, 0.75])
    ranked = roll_up([7, 8, 7], fused)
    assert ranked == [(7, 0), (8, 1)]
    assert confident_first(ranked, dense >= 0.45) == [(8, 1), (7, 0)]


def test_keyword_share_is_whole_for_short_questions_and_falls_for_long_ones() -> None:
    assert [keyword_share(n, 3) for n in (1, 3, 6)] == [1.0, 1.0, 0.5]
    assert keyword_share(12, 0) == 1.0  # off


def test_agreement_is_the_share_of_the_dense_top_also_in_the_keyword_top() -> None:
    dense = np.array([0.9, 0.5, 0.1])
    assert agreement(dense, np.array([3.0, 2.0, 0.0]), 2) == 1.0
    assert agreement(dense, np.array([0.0, 1.0, 3.0]), 2) == 0.5
    assert agreement(dense, np.array([0.0, 1.0, 3.0]), 1) == 0.0
    assert agreement(dense, np.zeros(3), 2) == 1.0  # no keyword match: nothing to distrust


def test_agreement_breaks_ties_by_the_other_score_not_by_storage_order() -> None:
    dense, keyword = np.array([0.1, 0.5, 0.9]), np.array([1.0, 1.0, 1.0])
    assert agreement(dense, keyword, 1) == 1.0  # the keyword tie goes to the densest: the same chunk
    reverse = slice(None, None, -1)  # the same candidates stored the other way round (another shard layout)
    assert agreement(dense[reverse], keyword[reverse], 1) == 1.0


def test_trust_in_keywords_runs_from_the_floor_to_one() -> None:
    assert [trust_in_keywords(a, 0.5) for a in (0.0, 0.5, 1.0)] == [0.5, 0.75, 1.0]
    assert trust_in_keywords(0.0, 1.0) == 1.0  # a floor of 1 turns it off
