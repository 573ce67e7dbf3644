from __future__ import annotations

import numpy as np

from askdocs import Searcher
from askdocs.dedup import content_hash, merge_exact, merge_near, minhash_signatures, near_duplicate_pairs
from askdocs.encoders import Encoder
from askdocs.index_format import BuildReader
from askdocs.records import Citation, Passage

BASE = (
    "In the common presentation of acute low back pain, pain develops after movements that involve lifting, "
    "twisting, or forward-bending. The symptoms may start soon after the movements or upon waking up the "
    "following morning. Pain radiating down the legs (known as sciatica) may be present."
)
EDITED = (
    BASE.replace("(known as sciatica)", "— known as “sciatica” —").replace("soon after", "shortly after")
    + " BACK TO TOP"
)
SAME_TOPIC = (
    "Acute low back pain often follows lifting or twisting. Most people recover within a few weeks with gentle "
    "activity, and sciatica, pain radiating down the leg, usually settles without surgery."
)


def passage(text: str, source: str, line: int = 1) -> Passage:
    return Passage(text, (Citation(source, line=line),))


def test_exact_duplicates_merge_keeping_every_citation() -> None:
    result = merge_exact(
        [passage("Same text.", "a.txt", 1), passage("Other.", "a.txt", 2), passage("Same text.", "b.txt", 9)]
    )
    assert [p.text for p in result.passages] == ["Same text.", "Other."]
    assert [(c.source, c.line) for c in result.passages[0].citations] == [("a.txt", 1), ("b.txt", 9)]
    assert result.count("exact") == 1


def test_near_duplicate_pairs_find_small_edits_not_topic_neighbours() -> None:
    assert near_duplicate_pairs([BASE, EDITED, SAME_TOPIC], 0.7) == [(0, 1)]


def test_known_minhash_signatures_are_reused_and_find_the_same_pairs() -> None:
    texts = [BASE, EDITED, SAME_TOPIC]
    fresh = minhash_signatures(texts)
    assert fresh.shape == (3, 128) and fresh.dtype == np.uint32
    # A known signature is taken as given, not computed again (here a deliberately different one).
    marker = np.arange(128, dtype=np.uint32)
    known = minhash_signatures(texts, {content_hash(BASE): marker, content_hash(EDITED): fresh[1]})
    assert (known[0] == marker).all() and (known[1:] == fresh[1:]).all()
    assert near_duplicate_pairs(texts, 0.7, signatures=fresh) == near_duplicate_pairs(texts, 0.7) == [(0, 1)]


def test_near_duplicate_pairs_need_close_vectors_when_given() -> None:
    texts = [BASE, EDITED, BASE + " Seen again."]
    close = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    assert near_duplicate_pairs(texts, 0.7) == [(0, 1), (0, 2), (1, 2)]
    assert near_duplicate_pairs(texts, 0.7, close, 0.95) == [(0, 1)]


def test_near_duplicates_merge_into_the_most_complete_text(encoder: Encoder) -> None:
    passages = [passage(BASE, "a.txt", 3), passage(SAME_TOPIC, "b.txt", 1), passage(EDITED, "c.txt", 7)]
    merged, kept, groups = merge_near(passages, encoder.encode([p.text for p in passages]), 0.7, 0.95)
    assert len(merged) == 2
    assert merged[0].text == EDITED  # the longer, more complete variant
    assert kept == [2, 1]
    assert [(c.source, c.line) for c in merged[0].citations] == [("a.txt", 3), ("c.txt", 7)]
    assert [g.kind for g in groups] == ["near"]


def test_embedding_check_vetoes_a_lexical_match() -> None:
    passages = [passage(BASE, "a.txt"), passage(EDITED, "c.txt")]
    orthogonal = np.eye(2, 4, dtype=np.float32)
    merged, _, groups = merge_near(passages, orthogonal, 0.7, 0.95)
    assert len(merged) == 2 and not groups


def test_ingest_merges_near_duplicates_across_files(make_index) -> None:
    index = make_index(
        {
            "a.txt": BASE + "\n",
            "b.txt": SAME_TOPIC + "\n",
            "c.txt": "Intro line about spines and backs.\n" + EDITED + "\n",
        }
    )
    searcher = Searcher.load(index)
    assert len(searcher.index.passages) == 3
    hits = searcher.search("pain after lifting twisting or forward bending", k=3)
    top = hits[0]
    assert sorted((c.source, c.line) for c in top.citations) == [("a.txt", 1), ("c.txt", 2)]
    report = BuildReader(searcher.build).report()
    assert "near" in [group["kind"] for group in report["duplicate_groups"]]
