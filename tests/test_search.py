from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from askdocs import Citation, Hit, IndexMismatchError, Searcher
from askdocs.search import retrieval
from askdocs.search.modes import MODES
from askdocs.search.retrieval import retrieve
from askdocs.settings import IndexSettings, RankingSettings


@pytest.fixture(scope="module")
def searcher(seed_like_index: Path) -> Searcher:
    return Searcher.load(seed_like_index)


def test_ingest_then_search_finds_the_right_passage(searcher: Searcher) -> None:
    hits = searcher.search("what is sciatica?", k=3)
    assert hits and isinstance(hits[0], Hit)
    assert hits[0].text.startswith("Sciatica is pain that radiates")
    # Dated by the file's modification time (a text file records no date of its own).
    dated = hits[0].citations[0].date
    assert hits[0].citations == [Citation(source="hips.txt", line=4, span=(0, len(hits[0].text)), date=dated)]
    assert dated is not None and len(dated) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_duplicated_passage_comes_back_once_citing_both_files(searcher: Searcher) -> None:
    hits = searcher.search("bone cement injection for osteoporotic vertebral fractures", k=5)
    cement = [h for h in hits if "bone cement" in h.text]
    assert len(cement) == 1
    assert sorted((c.source, c.line) for c in cement[0].citations) == [("back.txt", 2), ("hips.txt", 3)]


def test_every_citation_points_at_the_line_holding_the_text(searcher: Searcher, seed_like_index: Path) -> None:
    corpus = seed_like_index.parent / "corpus"
    for question in ["hip bursitis ice", "mattress for back pain", "how long is chronic pain"]:
        for hit in searcher.search(question, k=5):
            for citation in hit.citations:
                line = (corpus / citation.source).read_text(encoding="utf-8").splitlines()[citation.line - 1]
                assert line.startswith(hit.text[:40])


def test_k_limits_the_number_of_hits(searcher: Searcher) -> None:
    assert len(searcher.search("back pain", k=2)) == 2
    assert len(searcher.search("back pain", k=100)) == 5


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_blank_questions_return_no_hits(searcher: Searcher, question: str) -> None:
    assert searcher.search(question) == []


def test_jsonl_ingest_keeps_ids_titles_and_urls(make_index: Callable[..., Path]) -> None:
    records = [
        '{"_id": "doc-1", "title": "Acromegaly", "text": "Acromegaly is a hormonal disorder caused by too much growth hormone in adults.", "url": "https://example.org/a"}',
        '{"id": "doc-2", "title": "Gout", "text": "Gout is a form of arthritis caused by uric acid crystals in a joint, often the big toe."}',
    ]
    index = make_index({"records.jsonl": "\n".join(records) + "\n"})
    hits = Searcher.load(index).search("uric acid crystals in the big toe", k=2)
    assert hits[0].citations[0].doc_id == "doc-2"
    assert hits[0].citations[0].title == "Gout"
    assert hits[0].citations[0].line is None
    by_id = {h.citations[0].doc_id: h.citations[0] for h in hits}
    assert by_id["doc-1"].url == "https://example.org/a"
    assert by_id["doc-1"].title == "Acromegaly"


@pytest.mark.parametrize(
    "question",
    [
        "sciatica\x00\x07\x1b[31m",
        "坐骨神经痛是什么？",
        "ألم أسفل الظهر",
        "🦴💥 back 🔥",
        "a" * 20000,
        "\u202eevil\u202c hip",
    ],
)
def test_hostile_questions_never_raise(searcher: Searcher, question: str) -> None:
    hits = searcher.search(question, k=3)
    assert len(hits) <= 3


def test_long_question_is_cut_to_the_window_with_a_note(searcher: Searcher) -> None:
    question = "what is sciatica? " + "please tell me more about it " * 100
    cut, note = searcher.prepare_question(question)
    assert note and "only its first 254" in note
    assert question.startswith(cut) and len(cut) < len(question)
    assert searcher.prepare_question("what is sciatica?") == ("what is sciatica?", None)


def test_highlight_marks_the_answering_sentence(make_index: Callable[..., Path]) -> None:
    text = (
        "The hip is a ball-and-socket joint. Bursitis of the hip is treated with rest, ice and anti-inflammatory "
        "medicines. Running on soft ground is kinder to the knees."
    )
    index = make_index({"hip.txt": text + "\n"})
    hit = Searcher.load(index).search("how is hip bursitis treated?", k=1)[0]
    assert hit.highlight is not None
    start, end = hit.highlight
    assert hit.text[start:end] == "Bursitis of the hip is treated with rest, ice and anti-inflammatory medicines."


def test_off_topic_question_is_not_confident_and_real_one_is(searcher: Searcher) -> None:
    assert not any(h.confident for h in searcher.search("How do I bake sourdough bread?", k=3))
    assert searcher.search("what is sciatica?", k=1)[0].confident


def test_context_lists_neighbours_in_reading_order(searcher: Searcher, seed_like_index: Path) -> None:
    hit = searcher.search("sciatica pain down the leg", k=1)[0]
    source = hit.citations[0].source
    text = (seed_like_index.parent / "corpus" / source).read_text(encoding="utf-8")
    around = searcher.context(hit)
    assert [own for _, own in around].count(True) == 1
    assert next(passage for passage, own in around if own).startswith(hit.text[:40])
    positions = [text.find(passage[:40]) for passage, _ in around]
    assert -1 not in positions and positions == sorted(positions) and len(around) >= 2


def test_sources_filter_keeps_passages_citing_those_files(searcher: Searcher) -> None:
    question = "bone cement injected into a fractured vertebra"
    for source in ("hips.txt", "back.txt"):
        hits = searcher.search(question, k=10, sources=[source])
        assert hits and all(source in {c.source for c in hit.citations} for hit in hits)
        # The vertebroplasty passage is in both files, so either filter keeps it first.
        assert hits[0].text.startswith("Vertebroplasty")
    # Every file chosen: every chunk is searched, as without a filter, so the ranking is the same.
    assert searcher.search(question, k=10, sources=["hips.txt", "back.txt"]) == searcher.search(question)
    assert searcher.search(question, sources=["missing.txt", "hips.txt"]) == searcher.search(
        question, sources=["hips.txt"]
    )
    assert searcher.search(question, sources=["missing.txt"]) == []
    assert searcher.search(question, sources=[]) == []


def test_other_model_is_refused(seed_like_index: Path) -> None:
    with pytest.raises(IndexMismatchError, match=r"built with the model 'all-MiniLM-L6-v2'.*--model other-model"):
        Searcher.load(seed_like_index, model="other-model")


def test_ranking_settings_given_at_load_apply_without_a_rebuild(searcher: Searcher, seed_like_index: Path) -> None:
    strict = Searcher.load(seed_like_index, ranking=RankingSettings(confidence_threshold=0.99))
    assert strict.ranking.confidence_threshold == 0.99 and searcher.ranking == RankingSettings()
    assert strict.build == searcher.build and strict.index_settings == searcher.index_settings == IndexSettings()
    assert strict.manifest.counts.chunks == len(strict.index.chunks) == 5
    hits = strict.search("what is sciatica?", k=3)
    assert hits[0].text.startswith("Sciatica") and not any(h.confident for h in hits)
    assert searcher.search("what is sciatica?", k=3)[0].confident


def test_ranking_settings_given_per_search_apply_to_that_search_only(searcher: Searcher) -> None:
    question = "what is sciatica?"
    strict = searcher.search(question, k=3, ranking=RankingSettings(confidence_threshold=0.99))
    assert strict and not any(h.confident for h in strict)
    default = searcher.search(question, k=3)
    assert default[0].confident and searcher.ranking == RankingSettings()
    # Without the keyword, passage and sentence terms, a hybrid score is the best chunk's cosine.
    cosine_only = RankingSettings(keyword_weight=0.0, passage_weight=0.0, sentence_keyword_weight=0.0)
    plain = searcher.search(question, k=5, ranking=cosine_only)
    assert len(plain) == 5 and all(h.score == pytest.approx(h.similarity) for h in plain)
    assert default[0].score > default[0].similarity + 0.1  # the defaults do add those terms
    for k in (1, 5):
        few = searcher.search(question, k=k, ranking=RankingSettings(candidates=1))
        assert len(few) == k and few[0].text.startswith("Sciatica")


def test_every_mode_finds_the_passage_and_an_unknown_mode_is_refused(searcher: Searcher) -> None:
    assert set(MODES) == {"hybrid", "dense", "keyword"}
    for mode in MODES:
        hits = searcher.search("what is sciatica?", k=3, mode=mode)
        assert hits and hits[0].text.startswith("Sciatica"), mode
    assert all(h.similarity is None for h in searcher.search("what is sciatica?", k=3, mode="keyword"))
    assert all(h.score == h.similarity for h in searcher.search("what is sciatica?", k=3, mode="dense"))
    with pytest.raises(ValueError, match=r"'hybrid', 'dense', 'keyword'.*'fancy'"):
        searcher.search("what is sciatica?", mode="fancy")


def test_choosing_a_file_searches_within_it(make_index: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # a.txt's 150 passages all match closer than b.txt's one, in meaning and in keywords, so b's
    # passage is not among the candidates taken from the whole index.
    question = "How often should I water tomato plants?"
    near = [
        f"Water tomato plants every {i % 7 + 1} days, tip {i}: tomato plants need watering at the roots."
        for i in range(150)
    ]
    far = "Tomatoes grown in pots dry out quickly in hot weather and need a drink most mornings."
    searcher = Searcher.load(make_index({"a.txt": "\n\n".join(near) + "\n", "b.txt": far + "\n"}))
    b_chunks = searcher.index.chunks_citing(["b.txt"])
    assert b_chunks.size == 1 and searcher.index.chunks_citing(["a.txt"]).size == 150
    query_vector = searcher.encoder.encode_question(question)
    for mode in MODES.values():
        whole = retrieve(searcher.index, question, query_vector, RankingSettings().candidates, mode)
        assert b_chunks[0] not in whole.chunks, mode.name
    for mode in MODES:
        assert [hit.text for hit in searcher.search(question, k=5, sources=["b.txt"], mode=mode)] == [far], mode
    both = searcher.search(question, k=20, sources=["a.txt", "b.txt"])
    assert len(both) == 20 and far not in {hit.text for hit in both}
    # A subset larger than one block of vectors is scored block by block, to the same result.
    monkeypatch.setattr(retrieval, "SUBSET_BLOCK", 16)
    assert searcher.search(question, k=20, sources=["a.txt", "b.txt"]) == both
