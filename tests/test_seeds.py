"""Acceptance on the real seed corpus: the questions a new user asks find their passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askdocs import Searcher
from askdocs.cleaning import normalize

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line) for line in (ROOT / "bench" / "seed_questions.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def seeds(seed_corpus_index: tuple[Path, Path]) -> tuple[Path, Searcher]:
    corpus, index = seed_corpus_index
    return corpus, Searcher.load(index)


@pytest.mark.parametrize("case", QUESTIONS, ids=[q["question"][:40] for q in QUESTIONS])
def test_seed_question_finds_its_passage_in_top_5_at_the_right_line(seeds, case) -> None:
    corpus, searcher = seeds
    hits = searcher.search(case["question"], k=5)
    places = [(c.source, c.line) for hit in hits for c in hit.citations]
    assert (case["source"], case["line"]) in places
    hit = next(h for h in hits if (case["source"], case["line"]) in [(c.source, c.line) for c in h.citations])
    citation = next(c for c in hit.citations if (c.source, c.line) == (case["source"], case["line"]))
    source_line = normalize((corpus / case["source"]).read_text(encoding="utf-8").splitlines()[case["line"] - 1])
    # Each seed line is one passage; the span locates the hit (a chunk of it) inside that line.
    assert source_line[citation.span[0] : citation.span[1]] == hit.text


def test_expected_passage_is_first_for_at_least_24_of_25_seed_questions(seeds) -> None:
    _, searcher = seeds
    misses = [
        case["question"]
        for case in QUESTIONS
        if (case["source"], case["line"])
        not in [(c.source, c.line) for c in searcher.search(case["question"], 1)[0].citations]
    ]
    # The one miss left puts first a passage that also answers it ("medical societies advise
    # against imaging ... unless red flags are present"): see docs/quality.md.
    assert len(misses) <= len(QUESTIONS) // 25, misses


@pytest.mark.parametrize(
    ("question", "places"),
    [
        ("imaging red flags MRI CT cauda equina", [("000_28621013c3a4a51f.txt", 5), ("003_0015459cc82625a8.txt", 16)]),
        (
            "vertebroplasty kyphoplasty compression fractures",
            [("000_28621013c3a4a51f.txt", 18), ("003_0015459cc82625a8.txt", 33)],
        ),
        (
            "common presentation of acute low back pain",
            [("003_0015459cc82625a8.txt", 12), ("003_0015459cc82625a8.txt", 24)],
        ),
    ],
)
def test_repeated_seed_passages_come_back_once_citing_every_place(seeds, question, places) -> None:
    _, searcher = seeds
    hits = searcher.search(question, k=10)
    matching = [h for h in hits if set(places) & {(c.source, c.line) for c in h.citations}]
    assert len(matching) == 1
    assert sorted((c.source, c.line) for c in matching[0].citations) == places


def test_a_weak_match_never_ranks_above_a_confident_answer(seeds) -> None:
    _, searcher = seeds
    # "sciatica" is rare in the corpus, so BM25 lifts a passage on steroid injections for sciatica
    # above the one on how long symptoms last, although its cosine marks it as a weak match.
    hits = searcher.search("How long does sciatica last?", k=5)
    assert [(c.source, c.line) for c in hits[0].citations] == [("003_0015459cc82625a8.txt", 11)]
    for question in [case["question"] for case in QUESTIONS] + ["How long does sciatica last?"]:
        flags = [hit.confident for hit in searcher.search(question, k=10)]
        assert flags == sorted(flags, reverse=True), question


def test_no_symbol_only_or_bibliography_passage_is_indexed(seeds) -> None:
    _, searcher = seeds
    texts = [p.text for p in searcher.index.passages]
    assert "×" not in texts
    assert not any(t.startswith("^ Enke") for t in texts)


@pytest.mark.parametrize("case", QUESTIONS, ids=[q["question"][:40] for q in QUESTIONS])
def test_seed_answers_quote_their_expected_passage(case) -> None:
    # bench/quality.py scores the highlight against these quotes; they must stay true to the corpus.
    source_line = normalize(
        (ROOT / "corpus" / case["source"]).read_text(encoding="utf-8").splitlines()[case["line"] - 1]
    )
    assert case["answers"]
    assert all(answer in source_line for answer in case["answers"])
