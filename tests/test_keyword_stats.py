"""index/keyword_stats.py: shards built with the corpus-wide counts score exactly as one index."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from askdocs.index.bm25 import KeywordIndex, build_keyword_index, index_words
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.index.keyword_stats import KeywordStats

TEXTS = [
    "What the cause of hip pain is in older runners matters a lot to their doctors.",
    "Causes of hip pain: arthritis.",
    "Mattresses for a good night of sleep.",
    "Hip arthritis in runners, and what eases the pain.",
    "Sleep on your side with a pillow between the knees.",
]


def test_stats_count_documents_words_and_frequencies() -> None:
    stats = KeywordStats.of([["hip", "pain", "hip"], ["pain"]])
    assert (stats.documents, stats.total_length, stats.frequencies) == (2, 4, {"hip": 1, "pain": 2})
    both = stats.merged(KeywordStats.of([["sleep"]]))
    assert both.documents == 3 and both.frequencies == {"hip": 1, "pain": 2, "sleep": 1}
    assert both.average_length == 5 / 3


def test_shards_with_corpus_counts_score_as_one_index(tmp_path: Path) -> None:
    analysis = KeywordAnalysis()
    build_keyword_index(TEXTS, tmp_path / "whole", 0.1, 0.4, analysis)
    words = analysis.passage_words(TEXTS)
    parts = [words[:2], words[2:]]
    corpus = KeywordStats.of(parts[0]).merged(KeywordStats.of(parts[1]))
    for number, part in enumerate(parts):
        index_words(part, tmp_path / f"shard{number}", 0.1, 0.4, analysis, corpus)
    whole = KeywordIndex(tmp_path / "whole")
    shards = [KeywordIndex(tmp_path / f"shard{number}") for number in range(2)]
    for question in ["hip pain in runners", "sleep pillow", "arthritis", "nothing known"]:
        joined = np.concatenate([shard.scores(question) for shard in shards])
        np.testing.assert_allclose(joined, whole.scores(question), rtol=0, atol=1e-6)
        merged = {**shards[1].term_weights(question), **shards[0].term_weights(question)}
        assert merged == whole.term_weights(question)
    alone = tmp_path / "alone"
    index_words(parts[1], alone, 0.1, 0.4, analysis)  # its own counts: another score
    assert not np.allclose(KeywordIndex(alone).scores("hip pain"), shards[1].scores("hip pain"))
