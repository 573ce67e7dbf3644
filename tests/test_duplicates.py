from __future__ import annotations

import numpy as np
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.fileio import content_hash
from askdocs.index.build_folder import BuildReader
from askdocs.ingest import near_duplicates
from askdocs.ingest.duplicate_words import critical_words, normal_words
from askdocs.ingest.exact_duplicates import merge_exact
from askdocs.ingest.near_duplicates import (
    NormalText,
    changed_words_allowed,
    merge_near,
    minhash_signatures,
    near_duplicate_pairs,
    shingles,
    words_match,
)
from askdocs.records import Citation, Passage
from askdocs.settings import IndexSettings

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


# The case: a 30-word paragraph (CDC, Kyasanur Forest disease) copied with three words
# changed, a dash for a full stop and a trailing "BACK TO TEXT".
KFD = (
    "A vaccine does exist for KFD and is used in endemic areas of India. Additional preventative measures "
    "include insect repellents and wearing protective clothing in areas where ticks are endemic."
)
KFD_COPY = (
    "A vaccine does exist for KFD and is used in endemic areas of India — further preventive measures "
    "include insect repellents and wearing protective clothes in areas where ticks are endemic. BACK TO TEXT"
)
KFD_DIAGNOSIS = (
    "Diagnosis of KFD can be made in the early stage of illness by molecular detection by PCR or virus "
    "isolation from blood. Later, serologic testing using an ELISA can be performed."
)
NOT_FATAL = (
    "Occipital neuralgia is not a life-threatening condition. Many individuals will improve with therapy "
    "involving heat, rest, anti-inflammatory medications, and muscle relaxants."
)
DOSE = (
    "Adults should take 2 tablets with a full glass of water every morning, and call a doctor if the "
    "headache lasts longer than three days."
)
TEMPLATE = "Researchers have not found that eating, diet, and nutrition play a role in causing or preventing {}."
SIMILARITY, COSINE = IndexSettings().near_duplicate_similarity, IndexSettings().near_duplicate_cosine


def cosine(vectors: np.ndarray) -> float:
    return float(vectors[0] @ vectors[1])


def test_normal_words_fold_case_punctuation_dashes_and_end_markers() -> None:
    assert normal_words("Back to top — Pain “radiating” down the LEG; BACK TO TEXT") == [
        "pain",
        "radiating",
        "down",
        "the",
        "leg",
    ]
    assert normal_words("Go back to text later.") == ["go", "back", "to", "text", "later"]


def test_critical_words_are_numbers_negations_units_and_directions() -> None:
    words = normal_words("Don't take 2 mg of type II insulin before meals, one tablet; I take the others.")
    # "one" is read as "1" (number words and digits compare equal).
    assert critical_words(words) == {"t": 1, "2": 1, "mg": 1, "ii": 1, "before": 1, "1": 1}


def test_number_words_and_digits_are_the_same_number_and_other_numbers_still_differ(encoder: Encoder) -> None:
    """Issue #25: copies differing only by "ten" vs "10" (plus a dash and "BACK TO TEXT") merge."""
    spelled = (
        "Most people with a mild concussion recover within ten days. Rest from sport and screens helps the "
        "brain heal, and symptoms that last longer should be checked by a doctor."
    )
    digits = spelled.replace("ten days", "10 days").replace("sport and", "sport – and") + " BACK TO TEXT"
    assert normal_words("ten twenty-one hundred") == ["10", "20", "1", "100"]
    vectors = encoder.encode([spelled, digits])
    merged, _, groups = merge_near([passage(spelled, "a.txt"), passage(digits, "b.txt")], vectors, SIMILARITY, COSINE)
    assert len(merged) == 1 and len(groups) == 1
    other = spelled.replace("ten days", "12 days")
    assert near_duplicate_pairs([spelled, other], SIMILARITY, encoder.encode([spelled, other]), COSINE) == []


def test_short_passages_may_change_up_to_three_words_long_ones_six_percent() -> None:
    assert [changed_words_allowed(n) for n in (6, 7, 14, 20, 30, 50, 100, 300)] == [0, 1, 2, 3, 3, 3, 6, 18]


def test_a_short_copy_with_three_words_a_dash_and_a_marker_changed_merges(encoder: Encoder) -> None:
    vectors = encoder.encode([KFD, KFD_COPY])
    assert len(normal_words(KFD)) == 30 and cosine(vectors) >= COSINE
    # The rule before could not: each changed word took three shingles with it.
    assert len(shingles(KFD) & shingles(KFD_COPY)) / len(shingles(KFD) | shingles(KFD_COPY)) < 0.6
    merged, _, groups = merge_near([passage(KFD, "a.txt"), passage(KFD_COPY, "b.txt")], vectors, SIMILARITY, COSINE)
    assert [p.text for p in merged] == [KFD_COPY] and len(groups) == 1


def test_different_text_on_the_same_topic_does_not_merge(encoder: Encoder) -> None:
    texts = [KFD, KFD_DIAGNOSIS]
    assert near_duplicate_pairs(texts, SIMILARITY, encoder.encode(texts), COSINE) == []


@pytest.mark.parametrize(
    "changed",
    [
        DOSE.replace("take 2 tablets", "take 20 tablets"),
        DOSE.replace("three days", "two days"),
        NOT_FATAL.replace("is not a", "is a"),
        DOSE.replace("should take", "should not take"),
    ],
)
def test_a_changed_number_or_negation_blocks_a_merge_the_embedding_allows(encoder: Encoder, changed: str) -> None:
    original = NOT_FATAL if "neuralgia" in changed else DOSE
    vectors = encoder.encode([original, changed])
    assert cosine(vectors) >= COSINE  # the vectors alone would merge them
    assert near_duplicate_pairs([original, changed], SIMILARITY, vectors, COSINE) == []


def test_a_template_for_another_topic_needs_the_embedding_to_stay_apart(encoder: Encoder) -> None:
    texts = [TEMPLATE.format("gastritis"), TEMPLATE.format("inguinal hernias")]
    # Two words differ: the words alone would merge them.
    assert words_match(NormalText.of(texts[0]), NormalText.of(texts[1]), SIMILARITY)
    assert near_duplicate_pairs(texts, SIMILARITY, encoder.encode(texts), COSINE) == []


def test_the_same_words_merge_with_a_cosine_lowered_by_a_marker() -> None:
    texts = [
        "TSEs tend to progress rapidly and usually end in death within months.",
        "TSEs tend to progress rapidly and usually end in death within months. Back to top",
    ]
    apart = np.array([[1.0, 0.0], [0.85, np.sqrt(1 - 0.85**2)]], dtype=np.float32)
    assert near_duplicate_pairs(texts, SIMILARITY, apart, COSINE) == [(0, 1)]
    far = np.array([[1.0, 0.0], [0.5, np.sqrt(0.75)]], dtype=np.float32)
    assert near_duplicate_pairs(texts, SIMILARITY, far, COSINE) == []


def test_short_copies_are_found_by_the_second_looser_lsh(monkeypatch: pytest.MonkeyPatch) -> None:
    short = (
        "The prognosis for individuals with encephaloceles varies depending on the type of brain tissue "
        "involved, the location of the sacs, and the accompanying brain malformations."
    )
    copy = (
        "The outlook for people with encephaloceles varies depending on the kind of brain tissue involved — "
        "the location of the sacs, and the accompanying brain malformations. BACK TO TEXT"
    )
    assert len(shingles(short) & shingles(copy)) / len(shingles(short) | shingles(copy)) < 0.5
    assert near_duplicate_pairs([short, copy], SIMILARITY) == [(0, 1)]
    monkeypatch.setattr(near_duplicates, "SHORT_CHARS", 0)  # no passage is short: the main LSH alone misses it
    assert near_duplicate_pairs([short, copy], SIMILARITY) == []


def test_a_build_made_with_the_shingle_rule_still_loads_as_other_settings() -> None:
    older = IndexSettings().to_json()
    del older["near_duplicate_similarity"]
    older["near_duplicate_jaccard"] = 0.7
    settings = IndexSettings.from_json(older)
    assert settings.near_duplicate_similarity == 0.0 and settings != IndexSettings()
