from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from askdocs.index.bm25 import KeywordIndex, build_keyword_index
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.settings import IndexSettings

TEXTS = [
    "What the cause of hip pain is in older runners matters a lot to their doctors.",
    "Causes of hip pain: arthritis.",
    "Mattresses for a good night of sleep.",
]


def _scores(folder: Path, stopwords: str, query: str) -> np.ndarray:
    build_keyword_index(TEXTS, folder, k1=0.1, b=0.4, analysis=KeywordAnalysis(("en",), stopwords))
    return KeywordIndex(folder).scores(query)


def test_question_words_do_not_reward_passages_that_contain_them(tmp_path: Path) -> None:
    question = "What causes hip pain?"
    # With bm25s's short list "what" counts, and the passage that merely says "what" wins.
    assert np.argmax(_scores(tmp_path / "short", "en", question)) == 0
    shipped = _scores(tmp_path / "shipped", IndexSettings().keyword_stopwords, question)
    assert np.argmax(shipped) == 1
    assert shipped[2] == 0


@pytest.mark.parametrize("query", ["", "what is the", "zzzz unknownword"])
def test_queries_without_known_words_score_zero(tmp_path: Path, query: str) -> None:
    scores = _scores(tmp_path, IndexSettings().keyword_stopwords, query)
    assert scores.shape == (len(TEXTS),) and not scores.any()


def test_term_weights_favour_rare_words_and_match_the_indexed_form(tmp_path: Path) -> None:
    build_keyword_index(TEXTS, tmp_path, analysis=KeywordAnalysis(("en",), IndexSettings().keyword_stopwords))
    index = KeywordIndex(tmp_path)
    weights = index.term_weights("What causes hip arthritis in zebras?")
    # "what" and "in" are stopwords and "zebras" is in no chunk; "arthritis" is in one chunk, "hip" in two.
    assert set(weights) == {"caus", "hip", "arthriti"}
    assert weights["arthriti"] > weights["hip"] > 0
    # The words of a text come out in the same stemmed form, so they can be looked up in `weights`.
    assert index.words(["Causes of hip pain: arthritis.", ""]) == [{"caus", "hip", "pain", "arthriti"}, set()]
